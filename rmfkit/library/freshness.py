"""Is each evidence item still good? ``ok | expired | missing | hash_mismatch`` (DESIGN vocabulary).

>>> import datetime as dt
>>> from rmfkit.models.evidence import EvidenceRecord
>>> rec = EvidenceRecord(id="E1", title="t", kind="generic", file="a", sha256="0"*64, size=0,
...                      valid_until=dt.date(2026, 1, 1))
>>> status_from(rec, actual_sha256="0"*64, today=dt.date(2026, 6, 1))
'expired'
"""
from __future__ import annotations

import datetime as dt
import os
import stat
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterable, Mapping

from rmfkit.fileio import RACY_NS
from rmfkit.hashing import sha256_file
from rmfkit.models.evidence import EvidenceRecord

if TYPE_CHECKING:
    from rmfkit.workspace import Workspace

@dataclass(frozen=True)
class EvidenceCheck:
    """The result of checking one evidence item's artefact against its recorded SHA-256 and dates."""

    id: str
    status: str  # ok | expired | missing | hash_mismatch
    reason: str
    expires_on: dt.date | None


# Evidence checks by evidence id: the explicit input of ``rmfkit.analyze`` (never a hidden cache).
EvidenceChecks = Mapping[str, EvidenceCheck]


def status_from(record: EvidenceRecord, actual_sha256: str | None, today: dt.date) -> str:
    """Integrity first (missing, altered), then freshness."""
    if actual_sha256 is None:
        return "missing"
    if actual_sha256 != record.sha256:
        return "hash_mismatch"
    expires = record.expires_on()
    if expires is not None and today > expires:
        return "expired"
    return "ok"


def _lstat(path: str) -> os.stat_result | None:
    try:
        return os.lstat(path)
    except OSError:
        return None


def _evidence_folder(ws: "Workspace") -> str | None:
    """The workspace's ``evidence`` folder as text; None when it is missing or not a real folder (a symlink)."""
    evidence = os.path.join(ws.root, "evidence")
    info = _lstat(evidence)
    return evidence if info is not None and stat.S_ISDIR(info.st_mode) else None


def _artefact_path(evidence: str | None, record: EvidenceRecord) -> str | None:
    """``evidence/<id>/<file>`` joined as text, without resolving (listing 10,000 items stays fast).

    Record ids and file names are plain names by schema, so the join cannot leave the folder; a
    symlinked ``evidence`` (``evidence`` is None) or item folder is refused (None), as a symlinked artefact is.
    """
    if evidence is None:
        return None
    folder = f"{evidence}{os.sep}{record.id}"
    info = _lstat(folder)
    if info is None or not stat.S_ISDIR(info.st_mode):
        return None
    return f"{folder}{os.sep}{record.file}"


# A remembered hash is trusted only while the file's size, modification and change times and inode are
# what they were, and the file had not changed within RACY_NS before it was hashed.
HashCache = dict  # "evidence/<id>/<file>" -> [size, mtime_ns, ctime_ns, inode, sha256, hashed_at_ns]


def _stat_key(info: os.stat_result) -> list[int]:
    return [info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino]


def cached_sha256(path: str, info: os.stat_result, cache: HashCache, rel: str) -> str:
    """The SHA-256 of ``path``: remembered in ``cache`` while the file is unchanged, else re-hashed.

    >>> import tempfile
    >>> from pathlib import Path
    >>> path = Path(tempfile.mkdtemp()) / "a.bin"
    >>> _ = path.write_bytes(b"abc")
    >>> cache = {}
    >>> cached_sha256(str(path), os.lstat(path), cache, "a.bin")[:12], cache["a.bin"][4][:12]
    ('ba7816bf8f01', 'ba7816bf8f01')
    """
    key = _stat_key(info)
    entry = cache.get(rel)
    if (isinstance(entry, list) and len(entry) == 6 and entry[:4] == key
            and max(info.st_mtime_ns, info.st_ctime_ns) < int(entry[5]) - RACY_NS):
        return str(entry[4])
    digest = sha256_file(path)
    cache[rel] = [*key, digest, time.time_ns()]
    return digest


def check_item(ws: "Workspace", record: EvidenceRecord, today: dt.date) -> EvidenceCheck:
    """Check one stored item by hashing its artefact."""
    return _check(_evidence_folder(ws), record, today, None)


def _check(evidence: str | None, record: EvidenceRecord, today: dt.date, hashes: HashCache | None) -> EvidenceCheck:
    """:func:`check_item` in the workspace's ``evidence`` folder (see :func:`_evidence_folder`); with ``hashes``
    a hash remembered for the unchanged file is reused (see :func:`cached_sha256`)."""
    actual = None
    artefact = _artefact_path(evidence, record)
    info = _lstat(artefact) if artefact is not None else None
    if info is not None and stat.S_ISREG(info.st_mode):
        if hashes is None:
            actual = sha256_file(artefact)
        else:
            actual = cached_sha256(artefact, info, hashes, f"evidence/{record.id}/{record.file}")
    status = status_from(record, actual, today)
    expires = record.expires_on()
    if status == "ok":
        reason = f"hash matches, valid until {expires}" if expires else "hash matches"
    elif status == "expired":
        reason = f"expired on {expires}"
    elif status == "missing":
        reason = f"artefact {record.file} is missing"
    else:
        reason = f"artefact {record.file} was altered (SHA-256 differs from the recorded one)"
    return EvidenceCheck(record.id, status, reason, expires)


def check_records(ws: "Workspace", records: Iterable[EvidenceRecord], today: dt.date, *,
                  cached: bool = False) -> dict[str, EvidenceCheck]:
    """Check ``records`` by id; every artefact is hashed, or with ``cached`` re-hashed only when its
    file changed since a hash was remembered in the workspace's evidence index."""
    from rmfkit.library import index as evidence_index

    records = sorted(records, key=lambda r: r.id)
    evidence = _evidence_folder(ws)
    if not cached:
        return {rec.id: _check(evidence, rec, today, None) for rec in records}
    index_file = os.path.join(ws.root, evidence_index.INDEX_NAME)
    known = evidence_index.load_hashes(index_file)
    hashes = dict(known)
    result = {rec.id: _check(evidence, rec, today, hashes) for rec in records}
    wanted = {f"evidence/{rec.id}/{rec.file}" for rec in records}
    hashes = {rel: entry for rel, entry in hashes.items() if rel in wanted}
    if hashes != known:
        try:
            evidence_index.save_hashes(index_file, hashes,
                                       lambda data: ws.write_artifact(evidence_index.INDEX_NAME, data))
        except OSError:
            pass  # a read-only workspace is checked without remembering hashes
    return result


def check_all(ws: "Workspace", today: dt.date | None = None, *, cached: bool = False) -> dict[str, EvidenceCheck]:
    """Every evidence item of the workspace, by id, each artefact hashed once (``cached``: see
    :func:`check_records`). The result is the analysis's ``checks`` input: compute it once per run.
    """
    from rmfkit.clock import today as default_today

    return check_records(ws, ws.evidence.values(), today or default_today(), cached=cached)
