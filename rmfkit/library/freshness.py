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
import hashlib
import weakref
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from rmfkit.models.evidence import EvidenceRecord

if TYPE_CHECKING:
    from rmfkit.workspace import Workspace

CHUNK = 1024 * 1024


def sha256_file(path: Path | str, chunk: int = CHUNK) -> str:
    """Streaming SHA-256 in constant memory: one reused buffer, no copies (hashlib releases the GIL,
    so several files hash in parallel threads)."""
    digest = hashlib.sha256()
    buffer = bytearray(chunk)
    view = memoryview(buffer)
    with open(path, "rb", buffering=0) as handle:
        while count := handle.readinto(buffer):
            digest.update(view[:count])
    return digest.hexdigest()


@dataclass(frozen=True)
class EvidenceCheck:
    id: str
    status: str  # ok | expired | missing | hash_mismatch
    reason: str
    expires_on: dt.date | None


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


def _artefact_path(ws: "Workspace", record: EvidenceRecord) -> str | None:
    """``evidence/<id>/<file>`` joined as text, without resolving (listing 10,000 items stays fast).

    Record ids and file names are plain names by schema, so the join cannot leave the folder; a
    symlinked ``evidence`` or item folder is refused (None), as a symlinked artefact is.
    """
    evidence = os.path.join(ws.root, "evidence")
    folder = os.path.join(evidence, record.id)
    for part in (evidence, folder):
        info = _lstat(part)
        if info is None or not stat.S_ISDIR(info.st_mode):
            return None
    return os.path.join(folder, record.file)


def check_item(ws: "Workspace", record: EvidenceRecord, today: dt.date, *, rehash: bool = True) -> EvidenceCheck:
    """Check one stored item; ``rehash=False`` trusts the size when the size matches (fast listing)."""
    actual = None
    artefact = _artefact_path(ws, record)
    info = _lstat(artefact) if artefact is not None else None
    if info is not None and stat.S_ISREG(info.st_mode):
        if rehash:
            actual = sha256_file(artefact)
        else:
            actual = record.sha256 if info.st_size == record.size else "size-differs"
    status = status_from(record, actual, today)
    expires = record.expires_on()
    reason = {"ok": "hash matches" + (f", valid until {expires}" if expires else ""),
              "missing": f"artefact {record.file} is missing",
              "hash_mismatch": f"artefact {record.file} was altered (SHA-256 differs from the recorded one)",
              "expired": f"expired on {expires}"}[status]
    return EvidenceCheck(record.id, status, reason, expires)


_CHECK_CACHE: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def _fingerprint(ws: "Workspace", day: dt.date, rehash: bool) -> tuple:
    """What a cached check depends on: the records and each artefact's size and modification time."""
    parts = []
    for eid, rec in sorted(ws.evidence.items()):
        try:
            stat = (ws.evidence_dir(eid) / rec.file).lstat()
            seen = (stat.st_size, stat.st_mtime_ns, stat.st_ino)
        except OSError:
            seen = None
        parts.append((eid, rec.sha256, rec.file, rec.size, rec.valid_until, rec.review_interval_days,
                      rec.collected_at, seen))
    return (day, rehash, tuple(parts))


def check_all(ws: "Workspace", today: dt.date | None = None, *, rehash: bool = True) -> dict[str, EvidenceCheck]:
    """Every evidence item of the workspace, by id.

    The result is cached per workspace object until a record or an artefact file changes, so the
    sections of one status or packet run hash each artefact once.
    """
    from rmfkit.workspace import today as default_today

    day = today or default_today()
    key = _fingerprint(ws, day, rehash)
    cached = _CHECK_CACHE.get(ws)
    if cached is not None and cached[0] == key:
        return dict(cached[1])
    result = {eid: check_item(ws, rec, day, rehash=rehash) for eid, rec in sorted(ws.evidence.items())}
    _CHECK_CACHE[ws] = (key, result)
    return dict(result)
