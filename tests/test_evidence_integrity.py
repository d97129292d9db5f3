"""Altered or missing evidence is shown as such everywhere: ``evidence ls``, ``status`` and ``packet``.

Listing re-hashes an artefact whenever its file changed since it was last hashed (size, times, inode);
an unchanged file's remembered hash is reused so listing stays fast.
"""
from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from rmfkit.library import freshness, store
from rmfkit.library.index import INDEX_NAME, load_hashes
from rmfkit.workspace import Workspace

ALTERED = "artefact license-record.json was altered (SHA-256 differs from the recorded one)"


@pytest.fixture(autouse=True)
def pinned_today(monkeypatch):
    monkeypatch.setenv("RMFKIT_TODAY", "2026-11-29")


def flip_one_byte(path: Path, keep_times: bool = False) -> None:
    """Change one byte, keeping the size (and, with ``keep_times``, the access and modification times)."""
    before = path.stat()
    data = bytearray(path.read_bytes())
    data[10] ^= 1
    path.write_bytes(bytes(data))
    if keep_times:
        os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))


def trust_remembered_hashes(ws: Path) -> None:
    """Pretend every remembered hash was taken long after its file was last written (not 'racy')."""
    index = json.loads((ws / INDEX_NAME).read_bytes())
    for entry in index["artefacts"].values():
        entry[5] = time.time_ns() + 10 ** 12
    (ws / INDEX_NAME).write_bytes(json.dumps(index).encode())


def ls_statuses(run_cli, ws: Path) -> dict[str, tuple[str, str]]:
    code, out, _ = run_cli("evidence", "ls", "--json", "-w", ws)
    assert code == 0
    return {r["id"]: (r["status"], r["reason"]) for r in json.loads(out)}


def test_ls_and_status_show_an_altered_byte_and_a_deleted_artefact(example_ws, run_cli):
    assert ls_statuses(run_cli, example_ws)["lic-vllm"] == ("ok", "hash matches, valid until 2027-09-15")
    trust_remembered_hashes(example_ws)
    flip_one_byte(example_ws / "evidence" / "lic-vllm" / "license-record.json", keep_times=True)
    (example_ws / "evidence" / "lic-qdrant" / "license-record.json").unlink()

    statuses = ls_statuses(run_cli, example_ws)
    assert statuses["lic-vllm"] == ("hash_mismatch", ALTERED)
    assert statuses["lic-qdrant"] == ("missing", "artefact license-record.json is missing")
    assert statuses["lic-pytorch"][0] == "ok"

    code, out, _ = run_cli("status", "--json", "-w", example_ws)
    evidence = json.loads(out)["evidence"]
    assert (evidence["total"], evidence["ok"], evidence["hash_mismatch"], evidence["missing"], evidence["expired"]) \
        == (13, 10, 1, 1, 1)
    assert [a["id"] for a in evidence["attention"]] == [
        "lic-qdrant", "lic-vllm", "redteam-promptfoo-support-assistant-2026-05"]


def test_an_unchanged_artefact_is_not_hashed_again(example_ws, monkeypatch):
    store.list_evidence(Workspace.open(example_ws, skip=("evidence",)))
    trust_remembered_hashes(example_ws)
    hashed: list[str] = []
    real = freshness.sha256_file
    monkeypatch.setattr(freshness, "sha256_file", lambda path, *a, **k: hashed.append(Path(path).name) or real(path))
    flip_one_byte(example_ws / "evidence" / "lic-vllm" / "license-record.json")
    listed = dict((rec.id, check.status) for rec, check in
                  store.list_evidence(Workspace.open(example_ws, skip=("evidence",))))
    assert hashed == ["license-record.json"] and listed["lic-vllm"] == "hash_mismatch"
    remembered = load_hashes(example_ws / INDEX_NAME)
    artefact = example_ws / "evidence" / "lic-vllm" / "license-record.json"
    assert remembered["evidence/lic-vllm/license-record.json"][4] == hashlib.sha256(artefact.read_bytes()).hexdigest()
    assert len(remembered) == 13


def test_a_freshly_written_artefact_is_hashed_on_every_listing(example_ws, monkeypatch):
    """Within two seconds of a write the remembered hash is not trusted (a second write could hide)."""
    store.list_evidence(Workspace.open(example_ws, skip=("evidence",)))
    hashed: list[str] = []
    real = freshness.sha256_file
    monkeypatch.setattr(freshness, "sha256_file", lambda path, *a, **k: hashed.append(Path(path).name) or real(path))
    store.list_evidence(Workspace.open(example_ws, skip=("evidence",)))
    assert len(hashed) == 13


@settings(max_examples=30, deadline=None)
@given(first=st.binary(min_size=1, max_size=64), second=st.binary(min_size=1, max_size=64),
       keep_times=st.booleans())
def test_cached_hash_always_equals_a_fresh_hash(tmp_path_factory, first, second, keep_times):
    path = tmp_path_factory.mktemp("h") / "artefact.bin"
    path.write_bytes(first)
    cache: dict = {}
    assert freshness.cached_sha256(str(path), os.lstat(path), cache, "a") == hashlib.sha256(first).hexdigest()
    cache["a"][5] = time.time_ns() + 10 ** 12  # trusted, as if hashed long after the write
    before = path.stat()
    path.write_bytes(second)
    if keep_times:
        os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert freshness.cached_sha256(str(path), os.lstat(path), cache, "a") == hashlib.sha256(second).hexdigest()


def test_packet_warns_once_per_broken_item(example_ws, run_cli, tmp_path):
    flip_one_byte(example_ws / "evidence" / "lic-vllm" / "license-record.json")
    (example_ws / "evidence" / "lic-qdrant" / "license-record.json").unlink()
    code, out, err = run_cli("packet", "--out", tmp_path / "pkt", "-w", example_ws)
    assert code == 0 and out.startswith("Packet written to")  # no blank line from the progress bar first
    warnings = [line for line in err.splitlines() if line.startswith("warning:")]
    assert warnings == [
        "warning: evidence lic-qdrant: artefact license-record.json is missing; the packet shows it as missing",
        f"warning: evidence lic-vllm: {ALTERED}; the packet shows it as hash mismatch",
    ]
