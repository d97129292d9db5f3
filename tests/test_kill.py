"""Killed at any moment during an evidence import, a review snapshot or a packet build, nothing saved is lost.

A forked child repeats one operation on a workspace (import a new file, take a snapshot, build a
packet) and is SIGKILLed after a random delay drawn across one operation's duration. After every
kill: the workspace validates, every evidence item and snapshot saved before still verifies (its
bytes match its SHA-256), a snapshot folder is complete or absent (staging folders are hidden), a
packet folder either verifies or fails verification (it never passes half-written), and the next
operation succeeds. Plain record saves are covered by test_crash_safety.py.

The default suite runs 20 trials; ``pytest -m slow tests/test_kill.py`` runs 200.
"""
from __future__ import annotations

import rmfkit
import hashlib
import multiprocessing
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable

import pytest

from rmfkit.library import store
from rmfkit.seal import MANIFEST
from rmfkit.packet import build_packet
from rmfkit.integrity import verify
from rmfkit.review.snapshots import snapshots, take_snapshot
from rmfkit.workspace import Workspace

BASE = Path(__file__).resolve().parent / "corpus" / "base"
FORK = multiprocessing.get_context("fork")


# ---------------------------------------------------------------- the operations a child repeats

def import_forever(root: str) -> None:
    inputs = Path(root).parent / "inputs"
    n = 0
    while True:
        n += 1
        note = inputs / f"note-{os.getpid()}-{n}.md"
        note.write_text(f"# Review note {os.getpid()}-{n}\n\nTest data.\n" + "x" * 20_000, encoding="utf-8")
        store.import_files(Workspace.open(root), [note])


def snapshot_forever(root: str) -> None:
    reviews = Path(root) / "reviews"
    n = len([p for p in reviews.iterdir() if not p.name.startswith(".")]) if reviews.is_dir() else 0
    while True:  # quarterly labels (the workspace's cadence), each new one after the last
        take_snapshot(Workspace.open(root), f"{1000 + n // 4}-Q{n % 4 + 1}")
        n += 1


def packet_forever(root: str) -> None:
    out = Path(root).parent / "packets"
    n = 0
    while True:
        n += 1
        build_packet(Workspace.open(root), out / f"p{os.getpid()}-{n}")


# ---------------------------------------------------------------- what must hold after a kill

def evidence_state(root: Path) -> dict[str, str]:
    """id -> SHA-256 recorded for every saved evidence item whose artefact matches it."""
    ws = Workspace.open(root)
    assert rmfkit.validate(ws) == []
    checks = store.verify(ws)
    return {eid: ws.evidence[eid].sha256 for eid, check in checks.items() if check.status == "ok"}


def check_imports(root: Path, before: dict[str, str]) -> dict[str, str]:
    after = evidence_state(root)
    lost = {eid for eid in before if after.get(eid) != before[eid]}
    assert not lost, f"evidence lost or altered after a kill: {sorted(lost)}"
    ws = Workspace.open(root)
    assert set(after) == set(ws.evidence), "every saved evidence record has its artefact, byte-exact"
    orphans = [p.name for p in (root / "evidence").iterdir()
               if p.is_dir() and not p.name.startswith(".") and not (p / "evidence.yaml").is_file()]
    assert not orphans, f"a killed import left evidence folders without evidence.yaml: {orphans}"
    return after


def check_snapshots(root: Path, before: dict[str, str]) -> dict[str, str]:
    assert rmfkit.validate(Workspace.open(root)) == []
    folders = [p for p in sorted((root / "reviews").iterdir()) if not p.name.startswith(".")] \
        if (root / "reviews").is_dir() else []
    after = {}
    for folder in folders:
        report = verify(folder)
        assert report.ok, f"snapshot {folder.name} after a kill: {report.failures}"
        after[folder.name] = hashlib.sha256((folder / MANIFEST).read_bytes()).hexdigest()
    assert {s.label for s in snapshots(Workspace.open(root))} == set(after)
    assert all(after.get(label) == digest for label, digest in before.items()), "a saved snapshot changed"
    return after


def check_packets(root: Path, workspace_digest: str) -> None:
    assert tree_digest(root) == workspace_digest, "a packet build changed the workspace"
    for folder in sorted((root.parent / "packets").iterdir()) if (root.parent / "packets").is_dir() else []:
        report = verify(folder)  # complete packets verify; half-written ones fail, never crash or pass
        assert report.ok or report.failures, folder
        if not (folder / MANIFEST).is_file():
            assert not report.ok


def tree_digest(root: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file() and p.name not in (".rmfkit.lock",
                                                                                     ".rmfkit-index.json")):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


# ---------------------------------------------------------------- the trials

def fresh_workspace(tmp_path: Path) -> Path:
    root = tmp_path / "ws"
    shutil.copytree(BASE, root)
    (tmp_path / "inputs").mkdir()
    return root


def seconds_per_run(child: Callable[[str], None], root: Path) -> float:
    """Wall time of one operation on a scratch copy (kill delays are drawn around it)."""
    scratch = root.parent / "scratch"
    shutil.copytree(root, scratch / "ws")
    (scratch / "inputs").mkdir()
    start = time.perf_counter()
    process = FORK.Process(target=child, args=(str(scratch / "ws"),), daemon=True)
    process.start()
    while not any(_progress(scratch)) and time.perf_counter() - start < 120:
        time.sleep(0.01)
    elapsed = time.perf_counter() - start
    os.kill(process.pid, signal.SIGKILL)
    process.join(10)
    shutil.rmtree(scratch)
    return elapsed


def _progress(scratch: Path):
    """Signs that one operation has completed in a scratch run."""
    yield any((scratch / "ws" / "evidence").glob("doc-*/evidence.yaml"))
    yield any((scratch / "ws" / "reviews").glob("*-Q*")) if (scratch / "ws" / "reviews").is_dir() else False
    yield any((scratch / "packets").glob("*/bundle.zip")) if (scratch / "packets").is_dir() else False


def run_trials(tmp_path: Path, child: Callable[[str], None], trials: int, seed: int,
               check: Callable[[Path, object], object], initial: Callable[[Path], object]) -> dict[str, int]:
    root = fresh_workspace(tmp_path)
    cycle = seconds_per_run(child, root)
    rng = random.Random(seed)
    state = initial(root)
    stats = {"trials": trials, "changed": 0}
    for _ in range(trials):
        process = FORK.Process(target=child, args=(str(root),), daemon=True)
        process.start()
        time.sleep(rng.uniform(0.0, 2.5 * cycle))  # wide enough that some runs complete on a busy machine
        os.kill(process.pid, signal.SIGKILL)
        process.join(10)
        assert process.exitcode == -signal.SIGKILL, "the child stopped on its own (an error in the operation)"
        new_state = check(root, state)
        stats["changed"] += new_state != state
        state = new_state if new_state is not None else state
    assert stats["changed"] > 0 or child is packet_forever, "no operation ever completed: delays too short"
    return stats


def trial_plan(kind: str) -> tuple[Callable[[str], None], Callable, Callable]:
    if kind == "import":
        return import_forever, check_imports, evidence_state
    if kind == "snapshot":
        return snapshot_forever, check_snapshots, lambda root: {}
    return packet_forever, check_packets, tree_digest


@pytest.mark.parametrize("kind, trials", [("import", 10), ("snapshot", 8), ("packet", 2)])
def test_kill_during_write(kind: str, trials: int, tmp_path: Path):
    child, check, initial = trial_plan(kind)
    print(run_trials(tmp_path, child, trials, seed=20261129, check=check, initial=initial))


@pytest.mark.slow
@pytest.mark.parametrize("kind, trials", [("import", 100), ("snapshot", 60), ("packet", 40)])
def test_kill_during_write_many_times(kind: str, trials: int, tmp_path: Path):
    child, check, initial = trial_plan(kind)
    print(run_trials(tmp_path, child, trials, seed=7, check=check, initial=initial))


# ---------------------------------------------------------------- concurrent writers

def test_concurrent_imports_all_land(tmp_path: Path):
    """Six `rmfkit evidence import` processes started together: every file is stored once, none lost."""
    root = fresh_workspace(tmp_path)
    files = []
    for n in range(6):
        files.append(tmp_path / "inputs" / f"minutes-{n}.md")
        files[-1].write_text(f"# Review minutes {n}\n\nTest data.\n", encoding="utf-8")
    processes = [subprocess.Popen([sys.executable, "-m", "rmfkit", "evidence", "import", str(f), "-w", str(root)],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for f in files]
    for process in processes:
        _, err = process.communicate(timeout=300)
        assert process.returncode == 0, err
    ws = Workspace.open(root)
    assert rmfkit.validate(ws) == []
    stored = {rec.sha256 for rec in ws.evidence.values()}
    assert {hashlib.sha256(f.read_bytes()).hexdigest() for f in files} <= stored
    assert len(ws.evidence) == 1 + len(files)


def test_concurrent_snapshots_chain(tmp_path: Path):
    """Four snapshots taken at once: all land in one chain (the lock orders them), and every one verifies."""
    root = fresh_workspace(tmp_path)
    script = "import sys; from rmfkit.review.snapshots import take_snapshot; from rmfkit.workspace import Workspace; " \
             "take_snapshot(Workspace.open(sys.argv[1]), sys.argv[2])"
    labels = ["2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4"]
    processes = [subprocess.Popen([sys.executable, "-c", script, str(root), label], stderr=subprocess.PIPE, text=True)
                 for label in labels]
    for process in processes:
        _, err = process.communicate(timeout=300)
        assert process.returncode == 0, err
    taken = snapshots(Workspace.open(root))
    assert sorted(s.label for s in taken) == labels
    previous = {s.label: s.previous["label"] if s.previous else None for s in taken}
    assert list(previous.values()).count(None) == 1, "exactly one snapshot starts the chain"
    assert len(set(previous.values())) == len(labels), "no two snapshots chain to the same one (no fork)"
    for snapshot in taken:
        assert verify(root / "reviews" / snapshot.label).ok
