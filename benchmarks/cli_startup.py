"""Wall time of `rmfkit --help`, `rmfkit status` and `rmfkit validate` (on a copy of the example) next to
`python -c pass` (median of N runs).

`status` and `validate` are timed twice: answered from memory (nothing changed since the last run, see
rmfkit.cli.memo) and computed (a record file touched before each run, as after an edit).
Usage: python benchmarks/cli_startup.py [runs]
"""
from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "support-assistant"


def median_seconds(cmd: list[str], runs: int, *, before=None, env=None) -> float:
    """Median wall time of ``cmd``; ``before()`` runs untimed ahead of each run."""
    times = []
    for _ in range(runs):
        if before:
            before()
        start = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main(runs: int = 9) -> dict:
    rmfkit = str(Path(sys.executable).with_name("rmfkit"))
    base = median_seconds([sys.executable, "-c", "pass"], runs)
    cli = median_seconds([rmfkit, "--help"], runs)
    with tempfile.TemporaryDirectory() as tmp:
        workspace = Path(tmp) / "example"
        shutil.copytree(EXAMPLE, workspace)
        env = {**os.environ, "XDG_CACHE_HOME": str(Path(tmp) / "cache")}  # remembered answers kept here
        status_cmd, validate_cmd = ([rmfkit, command, "-w", str(workspace)] for command in ("status", "validate"))
        subprocess.run(status_cmd, check=True, stdout=subprocess.DEVNULL, env=env)  # the evidence index
        time.sleep(2.1)  # an answer kept within two seconds of a change is not reused (racy)
        for cmd in (status_cmd, validate_cmd):
            subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, env=env)  # keeps a settled answer
        status = median_seconds(status_cmd, runs, env=env)
        validate = median_seconds(validate_cmd, runs, env=env)
        touched = workspace / "risks" / "R-0001.yaml"
        status_computed = median_seconds(status_cmd, runs, before=lambda: os.utime(touched), env=env)
        validate_computed = median_seconds(validate_cmd, runs, before=lambda: os.utime(touched), env=env)
    result = {"python -c pass (s)": round(base, 3), "rmfkit --help (s)": round(cli, 3),
              "rmfkit status, example (s)": round(status, 3), "rmfkit validate, example (s)": round(validate, 3),
              "rmfkit status, example, after an edit (s)": round(status_computed, 3),
              "rmfkit validate, example, after an edit (s)": round(validate_computed, 3)}
    print(f"cores={os.cpu_count()} runs={runs}")
    for name, value in result.items():
        print(f"{name:45} {value:.3f}")
    return result


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 9)
