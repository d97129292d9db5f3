"""A save killed at any moment leaves every file old or new; concurrent writers do not lose changes.

A forked child loops saving a large mapping, alternating between two states (A and B) of all 72
subcategories, and is SIGKILLed at a random moment of a save. After each kill every mapping file must be
byte-identical to one complete version (initial, A or B) — never truncated, never a mix — and the
workspace must validate. Crash points inside the atomic write (half the temp file written, after
fsync, just before the rename) are also injected deterministically.
"""
from __future__ import annotations

import rmfkit
import multiprocessing
import os
import random
import shutil
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from rmfkit.catalog import load_catalog
from rmfkit.workspace import Workspace, open_workspace

MAPPING_FILES = ("mapping/govern.yaml", "mapping/manage.yaml", "mapping/map.yaml", "mapping/measure.yaml")
SUBCATEGORIES = [s.id for s in load_catalog().subcategories]
FORK = multiprocessing.get_context("fork")


def assessment_state(which: int) -> dict[str, dict]:
    """State A (0) or B (1) of every subcategory, with long unicode notes so that files are large."""
    status = ("met", "partially_met")[which]
    note = f"state {'AB'[which]} — ünïcödé «quotes» 'single' # hash, colon: value; " * 4
    return {sub: {"status": status, "owner": f"owner {'AB'[which]}", "notes": note} for sub in SUBCATEGORIES}


def save_states_forever(root: str, first: int, saves_done) -> None:
    """Child process: save A, B, A, B... until killed, counting completed saves in ``saves_done``."""
    ws = open_workspace(root)
    which = first
    while True:
        with ws.edit():
            for sub, values in assessment_state(which).items():
                ws.set_assessment(sub, **values)
        saves_done.value += 1
        which = 1 - which


def crash_inside_write(root: str, point: str, nth: int) -> None:
    """Child process: start saving state B over A and SIGKILL itself at the ``nth`` write at ``point``."""
    import rmfkit.workspace as workspace_module

    calls = {"count": 0}

    def die_now() -> None:
        os.kill(os.getpid(), signal.SIGKILL)

    def counted(original, only_files: bool = False):
        def wrapper(*args, **kwargs):
            if only_files and not stat.S_ISREG(os.fstat(args[0]).st_mode):
                return original(*args, **kwargs)  # the folder's fsync after a rename is not a crash point
            calls["count"] += 1
            if calls["count"] == nth:
                if point == "half-written":
                    handle = args[0] if args else None
                    data = kwargs.get("data", args[1] if len(args) > 1 else b"")
                    os.write(handle, data[: len(data) // 2])
                die_now()
            return original(*args, **kwargs)
        return wrapper

    if point == "after-fsync":
        os.fsync = counted(os.fsync, only_files=True)  # the data is on disk in the temp file, not yet renamed
    elif point == "before-rename":
        os.replace = counted(os.replace)
    elif point == "half-written":
        real_fdopen = os.fdopen

        class HalfWriter:
            def __init__(self, fd, *a, **k):
                self._fd = fd
                self._file = real_fdopen(fd, *a, **k)

            def __enter__(self):
                return self

            def __exit__(self, *exc):
                return self._file.__exit__(*exc)

            def write(self, data):
                return counted(lambda fd, payload: self._file.write(payload))(self._fd, data)

            def __getattr__(self, name):
                return getattr(self._file, name)

        workspace_module.os.fdopen = HalfWriter
    ws = open_workspace(root)
    with ws.edit():
        for sub, values in assessment_state(1).items():
            ws.set_assessment(sub, **values)
    os._exit(0)  # all writes done before the crash point was reached


def save_state(root: Path, which: int) -> None:
    ws = open_workspace(root)
    with ws.edit():
        for sub, values in assessment_state(which).items():
            ws.set_assessment(sub, **values)


@pytest.fixture(scope="module")
def prepared(tmp_path_factory) -> tuple[Path, Path, dict[str, set[bytes]]]:
    """A new workspace, the same after saving state A, and every complete version of each mapping file."""
    base = tmp_path_factory.mktemp("crash")
    fresh, saved_a, scratch = base / "fresh", base / "state-a", base / "scratch"
    Workspace.create(fresh, system_id="crash-test", name="Crash test", owner="qa")
    shutil.copytree(fresh, scratch)
    versions = {rel: {(fresh / rel).read_bytes()} for rel in MAPPING_FILES}
    for which in (0, 1, 0):  # saving is deterministic: A after B gives the same bytes as A after new
        save_state(scratch, which)
        assert rmfkit.validate(open_workspace(scratch)) == []
        for rel in MAPPING_FILES:
            versions[rel].add((scratch / rel).read_bytes())
    assert all(len(v) == 3 for v in versions.values()), "saving the same state twice gave different bytes"
    shutil.copytree(fresh, saved_a)
    save_state(saved_a, 0)
    return fresh, saved_a, versions


def copy_of(template: Path, tmp_path: Path) -> Path:
    root = tmp_path / "ws"
    shutil.copytree(template, root)
    return root


def check_every_file_is_complete(root: Path, versions: dict[str, set[bytes]]) -> None:
    for rel in MAPPING_FILES:
        data = (root / rel).read_bytes()
        assert data in versions[rel], f"{rel} is neither old nor new ({len(data)} bytes)"


def run_kill_trials(root: Path, versions: dict[str, set[bytes]], trials: int, seed: int) -> dict[str, int]:
    """Each trial: the child completes one save (all four files change), then is killed at a random
    moment of its next save, whose length is taken to be that of the first."""
    rng = random.Random(seed)
    stats = {"trials": trials, "files_of_both_states": 0, "killed_inside_a_write": 0}
    seen_temp_files: set[Path] = set()
    for _ in range(trials):
        on_disk_is_b = b"state B" in (root / "mapping" / "measure.yaml").read_bytes()
        saves_done = FORK.Value("i", 0, lock=False)
        child = FORK.Process(target=save_states_forever, args=(str(root), 0 if on_disk_is_b else 1, saves_done),
                             daemon=True)
        started = time.perf_counter()
        child.start()
        while saves_done.value < 1 and time.perf_counter() - started < 120:
            time.sleep(0.002)
        time.sleep(rng.uniform(0.0, time.perf_counter() - started))
        os.kill(child.pid, signal.SIGKILL)
        child.join(10)
        assert child.exitcode == -signal.SIGKILL
        check_every_file_is_complete(root, versions)
        current = [(root / rel).read_bytes() for rel in MAPPING_FILES]
        stats["files_of_both_states"] += any(b"state A" in d for d in current) and any(b"state B" in d for d in current)
        temp_files = set((root / "mapping").glob(".*.tmp"))
        stats["killed_inside_a_write"] += bool(temp_files - seen_temp_files)
        seen_temp_files |= temp_files
    assert rmfkit.validate(open_workspace(root)) == []
    return stats


def test_save_killed_at_random_moments_leaves_every_file_old_or_new(prepared, tmp_path: Path):
    fresh, _, versions = prepared
    stats = run_kill_trials(copy_of(fresh, tmp_path), versions, trials=30, seed=20261102)
    print(f"\nkill trials: {stats}")


@pytest.mark.slow
def test_save_killed_at_random_moments_many_times(prepared, tmp_path: Path):
    fresh, _, versions = prepared
    stats = run_kill_trials(copy_of(fresh, tmp_path), versions, trials=250, seed=7)
    print(f"\nkill trials: {stats}")


@pytest.mark.parametrize("point", ["half-written", "after-fsync", "before-rename"])
@pytest.mark.parametrize("nth", [1, 2, 3, 4])
def test_crash_inside_the_atomic_write(prepared, tmp_path: Path, point: str, nth: int):
    _, saved_a, versions = prepared
    big_workspace = copy_of(saved_a, tmp_path)
    before = {rel: (big_workspace / rel).read_bytes() for rel in MAPPING_FILES}
    child = FORK.Process(target=crash_inside_write, args=(str(big_workspace), point, nth))
    child.start()
    child.join(60)
    assert child.exitcode == -signal.SIGKILL
    after = {rel: (big_workspace / rel).read_bytes() for rel in MAPPING_FILES}
    check_every_file_is_complete(big_workspace, versions)
    # Files are saved in path order; the ones before the crash are new (B), the crashed one and later are old (A).
    order = sorted(MAPPING_FILES)
    expected_new = order[: nth - 1]
    assert [rel for rel in order if after[rel] != before[rel]] == expected_new
    assert all(b"state B" in after[rel] for rel in expected_new)
    assert rmfkit.validate(open_workspace(big_workspace)) == []


# ---------------------------------------------------------------- two writers at once

def test_concurrent_map_set_processes_both_land(prepared, tmp_path: Path):
    """Ten pairs of real `rmfkit map set` processes (same file and different files), all 20 started together."""
    root = copy_of(prepared[0], tmp_path)
    pairs = [("MEASURE 2.10", "MEASURE 2.11"), ("GOVERN 1.1", "MANAGE 1.1"), ("MAP 1.1", "MAP 1.2"),
             ("MEASURE 1.1", "GOVERN 6.1"), ("MANAGE 2.2", "MANAGE 2.3"), ("GOVERN 2.1", "GOVERN 2.2"),
             ("MEASURE 3.1", "MAP 5.1"), ("MANAGE 4.1", "MANAGE 4.2"), ("MAP 2.1", "MEASURE 2.5"),
             ("GOVERN 4.1", "GOVERN 4.3")]
    command = [sys.executable, "-m", "rmfkit", "map", "set", "-w", str(root)]
    expected = {sub: f"writer {n} {sub}" for n, pair in enumerate(pairs) for sub in pair}
    processes = [subprocess.Popen([*command, sub, "--owner", owner], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  text=True) for sub, owner in expected.items()]  # all 20 writers at once
    for process in processes:
        _, err = process.communicate(timeout=300)
        assert process.returncode == 0, err
    ws = open_workspace(root)
    assert rmfkit.validate(ws) == []
    assert {sub: ws.assessment(sub).owner for sub in expected} == expected


def test_a_folder_batch_that_fails_leaves_no_folder_and_no_staging(tmp_path: Path):
    """Imports stage every item of a batch in one hidden folder: a failure after some items were published
    removes them again; a staging folder left by a killed run goes with the next batch."""
    from rmfkit.fileio import FolderBatch

    parent = tmp_path / "evidence"
    (parent / ".batch-1.partial" / "half").mkdir(parents=True)  # left by a killed import
    (parent / "kept").mkdir()
    with pytest.raises(OSError, match="No space"):
        with FolderBatch(parent) as batch:
            assert not (parent / ".batch-1.partial").exists()
            for name in ("E1", "E2"):
                batch.write(batch.folder(name) / "evidence.yaml", name.encode())
            assert [p.name for p in batch.publish()] == ["E1", "E2"]
            assert (parent / "E2" / "evidence.yaml").read_bytes() == b"E2"
            raise OSError(28, "No space left on device")
    assert sorted(p.name for p in parent.iterdir()) == ["kept"]


def test_a_folder_batch_refuses_names_that_exist_or_leave_the_folder(tmp_path: Path):
    from rmfkit.errors import UsageError
    from rmfkit.fileio import FolderBatch

    (tmp_path / "E1").mkdir()
    with FolderBatch(tmp_path) as batch:
        for name in ("E1", "../x", ".hidden", ""):
            with pytest.raises(UsageError):
                batch.folder(name)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["E1"]


def test_an_import_whose_links_cannot_be_saved_stores_nothing_and_a_retry_links_it(tmp_path: Path, monkeypatch):
    """The batch's folders are published before the mapping links are saved: when that save fails (disk
    full), the new items are taken back, so the retry imports and links them instead of calling them duplicates."""
    from rmfkit.library import store

    ws = Workspace.create(tmp_path / "ws", system_id="s", name="S", owner="o")
    notes = tmp_path / "notes.md"
    notes.write_text("# Minutes\n")
    real_save = Workspace.save

    def disk_full(self):
        if any(rel.startswith("mapping/") for rel in self.records):
            raise OSError(28, "No space left on device")
        return real_save(self)

    monkeypatch.setattr(Workspace, "save", disk_full)
    with pytest.raises(OSError, match="No space"):
        store.import_files(ws, [notes], subcategories=["MAP 4.1"], collected_at="2026-01-15")
    assert [p.name for p in (ws.root / "evidence").iterdir()] == []
    monkeypatch.setattr(Workspace, "save", real_save)
    outcome, = store.import_files(Workspace.open(ws.root), [notes], subcategories=["MAP 4.1"], collected_at="2026-01-15")
    assert outcome.status == "imported"
    assert Workspace.open(ws.root).assessment("MAP 4.1").evidence == [outcome.id]


def test_a_batch_keeps_bytes_in_memory_only_up_to_its_budget(tmp_path: Path, monkeypatch):
    """Small files are read once and stored from memory, until the batch holds its budget; the rest are
    copied from disk (and re-hashed as they are)."""
    from rmfkit.library import imports

    monkeypatch.setattr(imports, "KEEP_BATCH_BYTES", 250)
    files = []
    for i in range(5):
        files.append(tmp_path / f"n{i}.md")
        files[-1].write_bytes(b"x" * 100 + bytes([i]))
    sources = [c.source for c in imports.read_candidates(files)]
    assert [type(s).__name__ for s in sources] == ["bytes", "bytes", "bytes", "PosixPath", "PosixPath"]
    assert imports.safe_file_name("Evidence.YAML") == "artefact"  # the sidecar's name, where case is ignored
