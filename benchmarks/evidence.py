"""Evidence store figures: import of 10,000 small files, `evidence ls` on 10,000 items (computed with a warm
index, answered from memory, computed with the index rebuilt), `evidence verify` throughput on 1 GB next to
`sha256sum` and a bare hashlib loop on the same files.

Everything is generated in a temporary folder and removed afterwards.
Usage: python benchmarks/evidence.py [items] [megabytes]
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def timed(label: str, fn, results: dict):
    start = time.perf_counter()
    value = fn()
    results[label] = round(time.perf_counter() - start, 3)
    return value


ENV = dict(os.environ)  # the benchmark's own cache folder is set in main()


def rmfkit(*args: str, remember: bool = True) -> subprocess.CompletedProcess:
    """Run the CLI; ``remember=False`` computes the answer even when one is remembered (rmfkit.cli.memo)."""
    exe = str(Path(sys.executable).with_name("rmfkit"))
    env = ENV if remember else {**ENV, "RMFKIT_NO_MEMO": "1"}
    return subprocess.run([exe, *args], check=True, capture_output=True, text=True, env=env)


def bare_hash(files: list[Path]) -> None:
    for path in files:
        digest = hashlib.sha256()
        with open(path, "rb") as handle:
            while block := handle.read(1024 * 1024):
                digest.update(block)
        digest.hexdigest()


def main(items: int = 10_000, megabytes: int = 1024) -> dict:
    from rmfkit.library import store
    from rmfkit.workspace import Workspace

    results: dict = {}
    base = Path(tempfile.mkdtemp(prefix="rmfkit-bench-"))
    ENV["XDG_CACHE_HOME"] = str(base / "cache")
    try:
        # 1. import 10,000 small files (one command)
        small = base / "small"
        small.mkdir()
        for i in range(items):
            (small / f"note-{i:05d}.md").write_text(f"# Review note {i}\n\nExample data {i}.\n")
        ws = base / "ws"
        Workspace.create(ws, system_id="bench", name="Bench", owner="bench")
        files = sorted(str(p) for p in small.iterdir())
        args_file = base / "files.txt"
        args_file.write_text("\n".join(files))
        exe = str(Path(sys.executable).with_name("rmfkit"))
        timed(f"import {items} small files (s)",
              lambda: subprocess.run(["xargs", "-a", str(args_file), "-s", "2000000", exe, "evidence", "import",
                                      "-w", str(ws)], check=True, capture_output=True), results)
        # 2. ls: computed with the index the import wrote (twice: the first run re-hashes what was imported
        #    within two seconds), answered from memory, then computed with the index deleted
        ls = ("evidence", "ls", "--json", "-w", str(ws))
        timed(f"evidence ls, {items} items, warm (s)", lambda: rmfkit(*ls, remember=False), results)
        timed(f"evidence ls, {items} items, warm again (s)", lambda: rmfkit(*ls, remember=False), results)
        time.sleep(2.1)  # an answer kept within two seconds of a change is not reused (racy)
        rmfkit(*ls)  # keeps a settled answer
        remembered = {}
        for run in range(5):  # nothing changes between these runs: the median of five, as for the CLI start-up
            timed(run, lambda: rmfkit(*ls), remembered)
        results[f"evidence ls, {items} items, remembered (s)"] = sorted(remembered.values())[2]
        timed(f"list_evidence in-process, {items} items, warm (s)",
              lambda: store.list_evidence(Workspace.open(ws, skip=("evidence",))), results)
        (ws / ".rmfkit-index.json").unlink()
        timed(f"evidence ls, {items} items, cold index rebuild (s)", lambda: rmfkit(*ls, remember=False), results)
        shutil.rmtree(ws)
        shutil.rmtree(small)
        # 3. verify 1 GB of artefacts (16 files) vs sha256sum vs bare hashlib loop
        big = base / "big"
        big.mkdir()
        chunk = os.urandom(1024 * 1024)
        per_file = megabytes // 16
        for i in range(16):
            with open(big / f"artefact-{i:02d}.bin", "wb") as handle:
                handle.write(f"artefact {i}\n".encode())  # distinct bytes: identical files would be deduplicated
                for _ in range(per_file):
                    handle.write(chunk)
        ws = base / "ws-big"
        Workspace.create(ws, system_id="bench", name="Bench", owner="bench")
        rmfkit("evidence", "import", *[str(p) for p in sorted(big.iterdir())], "--kind", "generic", "-w", str(ws))
        shutil.rmtree(big)
        stored = sorted(ws.glob("evidence/*/artefact-*.bin"))
        total_mb = sum(p.stat().st_size for p in stored) / 1024 ** 2
        bare_hash(stored)  # warm the page cache for all three
        timed("sha256sum (s)", lambda: subprocess.run(["sha256sum", *map(str, stored)], check=True,
                                                              capture_output=True), results)
        timed("bare hashlib loop (s)", lambda: bare_hash(stored), results)
        timed("evidence verify (s)", lambda: rmfkit("evidence", "verify", "-w", str(ws)), results)
        timed("store.verify in-process (s)", lambda: store.verify(Workspace.open(ws, skip=("evidence",))), results)
        for label in ("sha256sum", "bare hashlib loop", "evidence verify", "store.verify in-process"):
            results[f"{label} (MB/s)"] = round(total_mb / results[f"{label} (s)"], 1)
        results["verify (CLI) / bare loop"] = round(results["evidence verify (MB/s)"] / results["bare hashlib loop (MB/s)"], 2)
    finally:
        shutil.rmtree(base, ignore_errors=True)
    print(f"cores={os.cpu_count()} items={items} data={megabytes} MB")
    print(json.dumps(results, indent=2))
    return results


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:3]))
