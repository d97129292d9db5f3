"""``.rmfkit-index.json``: a cache of parsed ``evidence.yaml`` sidecars so listing 10,000 items is fast.

An entry is reused while its sidecar's (mtime, size, inode, ctime) are unchanged; a sidecar changed within
two seconds before its entry was recorded ("racy", as in git) is re-hashed before it is trusted,
since a file can change twice within one clock tick. Anything else is re-read through the given reader.
The index also remembers each artefact's SHA-256 with the file's size, times and inode
(``artefacts``, see :func:`rmfkit.library.freshness.cached_sha256`). The index is a disposable cache
(git-ignored): delete it and it is rebuilt.

>>> import tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> listing = read_folder(folder, folder / INDEX_NAME, lambda name: (None, []), save=None)
>>> listing.records, listing.reread
({}, 0)
"""
from __future__ import annotations

import json
import os
import time
from stat import S_ISREG
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from rmfkit.errors import Problem
from rmfkit.fileio import INDEX_NAME, RACY_NS
from rmfkit.hashing import sha256_file
from rmfkit.models.evidence import EvidenceRecord

INDEX_VERSION = 1
SIDECAR = "evidence.yaml"

Reader = Callable[[str], "tuple[EvidenceRecord | None, list[Problem]]"]


@dataclass
class Listing:
    """Records by folder name, the problems found, and how many sidecars had to be parsed."""

    records: dict[str, EvidenceRecord] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    reread: int = 0
    orphans: list[str] = field(default_factory=list)  # folders without a regular evidence.yaml


_last_loaded: dict = {}  # the index file's bytes -> what they parse to (listing, then checking, parse it once)


def _load(index_file: Path) -> dict:
    """The parsed index (empty when missing or unreadable); callers must not change what it returns."""
    try:
        raw = Path(index_file).read_bytes()
        if raw in _last_loaded:  # the same bytes: comparing them is a fraction of parsing them
            return _last_loaded[raw]
        data = json.loads(raw)
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or data.get("version") != INDEX_VERSION or not isinstance(data.get("entries"), dict):
        return {}
    _last_loaded.clear()
    _last_loaded[raw] = data
    return data


def _key(stat: os.stat_result) -> list[int]:
    """What must stay the same for an entry to be reused: the change time too, since a write can put the
    modification time back (``touch -d``) but never the change time."""
    return [stat.st_mtime_ns, stat.st_size, stat.st_ino, stat.st_ctime_ns]


def entry_for(sidecar: Path | str, record: EvidenceRecord | None, problems: list[Problem],
              sha256: str | None = None) -> dict:
    """The index entry of one sidecar as it is on disk now (``sha256``: of the bytes just written there)."""
    return {"key": _key(os.stat(sidecar, follow_symlinks=False)), "sha256": sha256 or sha256_file(sidecar),
            "seen_ns": time.time_ns(),
            "record": record.model_dump(mode="json", exclude_unset=True) if record is not None else None,
            "problems": [[p.file, p.message, p.line, p.field] for p in problems]}


def _restore(entry: dict) -> tuple[EvidenceRecord | None, list[Problem]]:
    record = EvidenceRecord.model_validate(entry["record"]) if entry.get("record") is not None else None
    return record, [Problem(*p) for p in entry.get("problems") or []]


def _serialise(entries: dict, artefacts: dict | None = None) -> bytes:
    data = {"version": INDEX_VERSION, "entries": entries}
    if artefacts:
        data["artefacts"] = artefacts
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def load_hashes(index_file: Path | str) -> dict[str, list]:
    """Artefact hashes remembered in the index, by workspace-relative path (empty when there are none)."""
    artefacts = _load(Path(index_file)).get("artefacts")
    return dict(artefacts) if isinstance(artefacts, dict) else {}


def save_hashes(index_file: Path | str, hashes: dict[str, list], save: Callable[[bytes], None]) -> None:
    """Replace the remembered artefact hashes, keeping the sidecar entries as they are on disk now."""
    index = _load(Path(index_file))
    save(_serialise(index.get("entries", {}) if index else {}, hashes))


def read_folder(folder: Path, index_file: Path, read: Reader, save: Callable[[bytes], None] | None,
                rel_prefix: str = "") -> Listing:
    """Every ``<folder>/<id>/evidence.yaml`` as records, through the index; ``save`` writes the index back."""
    index = _load(index_file)
    old = index.get("entries", {}) if index else {}
    entries: dict[str, dict] = {}
    listing = Listing()
    changed = racy = False
    try:
        children = sorted(os.scandir(folder), key=lambda e: e.name)
    except FileNotFoundError:
        children = []
    for child in children:
        if child.name.startswith("."):
            continue
        rel = f"{rel_prefix}{child.name}/{SIDECAR}"
        if child.is_symlink():
            listing.problems.append(Problem(f"{rel_prefix}{child.name}", "is a symbolic link; evidence folders "
                                            "must be real folders"))
            continue
        if not child.is_dir():
            continue
        sidecar = os.path.join(child.path, SIDECAR)
        try:
            stat = os.stat(sidecar, follow_symlinks=False)
        except FileNotFoundError:
            listing.orphans.append(child.name)
            continue
        if not S_ISREG(stat.st_mode):
            listing.orphans.append(child.name)
        entry = old.get(child.name)
        if entry and entry.get("key") == _key(stat):
            if max(stat.st_mtime_ns, stat.st_ctime_ns) < int(entry.get("seen_ns") or 0) - RACY_NS:
                entries[child.name] = entry
                continue
            racy = True
            if sha256_file(sidecar) == entry.get("sha256"):
                entries[child.name] = {**entry, "seen_ns": time.time_ns()}
                continue
        record, problems = read(rel)
        entries[child.name] = entry_for(sidecar, record, problems)
        listing.reread += 1
        changed = True
    changed = changed or set(entries) != set(old)
    for name, entry in entries.items():
        record, problems = _restore(entry)
        listing.problems.extend(problems)
        if record is not None:
            listing.records[name] = record
    if save is not None and (changed or racy):
        save(_serialise(entries, index.get("artefacts") if index else None))
    return listing


def add_entries(index_file: Path, folder: Path, records: dict[str, EvidenceRecord],
                save: Callable[[bytes], None], sidecar_sha256: dict[str, str] | None = None) -> None:
    """Record sidecars just written (by an import or pull) so the next listing need not parse them
    (``sidecar_sha256``: the hashes of the sidecar bytes the caller wrote, so they are not read back)."""
    index = _load(index_file)
    entries = dict(index.get("entries", {})) if index else {}
    known = sidecar_sha256 or {}
    for name, record in records.items():
        entries[name] = entry_for(folder / name / SIDECAR, record, [], known.get(name))
    save(_serialise(entries, index.get("artefacts") if index else None))
