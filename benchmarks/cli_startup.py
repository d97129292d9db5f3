"""Wall time of `rmfkit --help`, `rmfkit status` and `rmfkit validate` (on a copy of the example) next to
`python -c pass` (median of N runs).

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


def median_seconds(cmd: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main(runs: int = 9) -> dict:
    rmfkit = str(Path(sys.executable).with_name("rmfkit"))
    base = median_seconds([sys.executable, "-c", "pass"], runs)
    cli = median_seconds([rmfkit, "--help"], runs)
    with tempfile.TemporaryDirectory() as tmp:
        workspace = Path(tmp) / "example"
        shutil.copytree(EXAMPLE, workspace)
        subprocess.run([rmfkit, "status", "-w", str(workspace)], check=True, stdout=subprocess.DEVNULL)  # index
        status = median_seconds([rmfkit, "status", "-w", str(workspace)], runs)
        validate = median_seconds([rmfkit, "validate", "-w", str(workspace)], runs)
    result = {"python -c pass (s)": round(base, 3), "rmfkit --help (s)": round(cli, 3),
              "rmfkit status, example (s)": round(status, 3), "rmfkit validate, example (s)": round(validate, 3)}
    print(f"cores={os.cpu_count()} runs={runs}")
    for name, value in result.items():
        print(f"{name:32} {value:.3f}")
    return result


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 9)
