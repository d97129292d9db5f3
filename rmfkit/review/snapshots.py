"""Frozen, hash-chained quarterly snapshots: take one, list them, read one back (any format version).

A snapshot freezes the workspace into ``reviews/<label>/``: ``bundle.json`` (every record and the
analysis, :mod:`rmfkit.bundle`) and ``manifest.json`` (its SHA-256), optionally ``manifest.json.sig``.
Each manifest names the previous snapshot and the SHA-256 of *its* manifest, so the snapshots form a
chain (:func:`rmfkit.integrity.verify_chain`). Snapshots are never rewritten; reading one first verifies it
and its chain, so a diff or a review packet never uses an altered quarter (exit 4).

Labels follow the workspace's review cadence (:data:`LABEL_SCHEMES`): ``2026-Q4`` quarterly, ``2026-11``
monthly, ``2026-H2`` semiannual, ``2026`` annual. The history may not skip or fork: every snapshot's folder
is the label its manifest records, exactly one snapshot (the first) starts the chain, every other one
names an existing earlier snapshot by its manifest's SHA-256, and no two continue the same one. With a
public key configured (``snapshot_public_key`` in ``rmfkit.yaml``) every snapshot must carry a valid
signature by it (:func:`check_history`).

>>> check_label("2026-Q4")
'2026-Q4'
>>> check_label("2026-Q5")
Traceback (most recent call last):
rmfkit.errors.UsageError: --label: '2026-Q5' is not a quarterly snapshot label (write YYYY-Qn with n from 1 to 4, e.g. 2026-Q4)
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rmfkit.bundle import State, read_bundle
from rmfkit.errors import InputFileError, IntegrityError, UnknownIdError, UsageError
from rmfkit.fileio import read_user_file
from rmfkit.hashing import sha256_bytes
from rmfkit.integrity import VerifyReport, verify_folder
from rmfkit.labels import plural
from rmfkit.safeparse import parse_json
from rmfkit.seal import (BUNDLE_JSON, MANIFEST, MANIFEST_FORMAT, REVIEW_FORMAT, canonical_json, key_fingerprint,
                         load_private_key, sealing_files)

if TYPE_CHECKING:
    from rmfkit.workspace import Workspace

REVIEWS_FOLDER = "reviews"
LIVE = "live"
MAX_BUNDLE_BYTES = 256 * 1024 * 1024


@dataclass(frozen=True)
class SnapshotInfo:
    """One snapshot folder: label, review date, the SHA-256 of its manifest and the previous link."""

    label: str
    date: str
    manifest_sha256: str
    previous: dict | None
    recorded_label: object = None  # the label its manifest records (a renamed folder disagrees)

    def as_dict(self) -> dict[str, Any]:
        return {"label": self.label, "date": self.date, "manifest_sha256": self.manifest_sha256,
                "previous": self.previous}


# One label scheme per review cadence, anchored at both ends (``$`` would accept a trailing newline).
LABEL_SCHEMES = {
    "quarterly": (re.compile(r"\A[0-9]{4}-Q[1-4]\Z"), "YYYY-Qn with n from 1 to 4, e.g. 2026-Q4"),
    "monthly": (re.compile(r"\A[0-9]{4}-(0[1-9]|1[0-2])\Z"), "YYYY-MM, e.g. 2026-11"),
    "semiannual": (re.compile(r"\A[0-9]{4}-H[12]\Z"), "YYYY-Hn with n 1 or 2, e.g. 2026-H2"),
    "annual": (re.compile(r"\A[0-9]{4}\Z"), "YYYY, e.g. 2026"),
}
HEX64 = re.compile(r"\A[0-9a-f]{64}\Z")


def check_label(label: str, cadence: str = "quarterly") -> str:
    """A new snapshot's label follows the cadence's scheme (``live`` names the current workspace).

    >>> check_label("2026-11", "monthly")
    '2026-11'
    """
    pattern, example = LABEL_SCHEMES[cadence]
    if not isinstance(label, str) or not pattern.match(label):
        raise UsageError(f"{label!r} is not a {cadence} snapshot label", field="--label", hint=f"write {example}")
    return label


def _read_json(path: Path, name: str) -> Any:
    return parse_json(read_user_file(path, name, max_bytes=MAX_BUNDLE_BYTES), name, allow_nan=False)


def _manifest_review(manifest: Any, name: str) -> dict:
    review = manifest.get("review") if isinstance(manifest, dict) else None
    if not isinstance(review, dict) or review.get("format") != REVIEW_FORMAT:
        raise InputFileError("is not a review snapshot manifest (no review block)", file=name)
    return review


def _snapshot_folders(ws: "Workspace") -> list[Path]:
    folder = ws.path(REVIEWS_FOLDER)
    return [child for child in (sorted(folder.iterdir()) if folder.is_dir() else [])
            if not child.name.startswith(".") and child.is_dir()]


def snapshots(ws: "Workspace") -> list[SnapshotInfo]:
    """Every snapshot in ``reviews/``, oldest first (by review date, then label)."""
    found = []
    for child in _snapshot_folders(ws):
        if not (child / MANIFEST).is_file():
            continue
        name = f"{REVIEWS_FOLDER}/{child.name}/{MANIFEST}"
        payload = read_user_file(child / MANIFEST, name, max_bytes=MAX_BUNDLE_BYTES)
        review = _manifest_review(parse_json(payload, name, allow_nan=False), name)
        found.append(SnapshotInfo(child.name, str(review.get("date")), sha256_bytes(payload),
                                  review.get("previous"), review.get("label")))
    return sorted(found, key=lambda s: (s.date, s.label))


def history_problems(ws: "Workspace", history: list[SnapshotInfo]) -> list[str]:
    """What is wrong with the shape of the history: renamed folders, broken or missing links, restarts, forks."""
    problems = [f"reviews/{child.name} is not a snapshot (no {MANIFEST})" for child in _snapshot_folders(ws)
                if not (child / MANIFEST).is_file()]
    by_sha = {s.manifest_sha256: s for s in history}
    continued: dict[str, str] = {}
    for snap in history:
        if snap.recorded_label != snap.label:
            problems.append(f"snapshot {snap.label}: its manifest records the label {snap.recorded_label!r} "
                            "(a renamed or copied snapshot folder)")
        link = snap.previous
        if link is None:
            continue
        if not isinstance(link, dict) or not isinstance(link.get("manifest_sha256"), str) \
                or not HEX64.match(link["manifest_sha256"]) or not isinstance(link.get("label"), str):
            problems.append(f"snapshot {snap.label}: 'previous' is not a link to a snapshot (got {link!r:.80})")
            continue
        earlier = by_sha.get(link["manifest_sha256"])
        if earlier is None and link["label"] in {s.label for s in history}:
            problems.append(f"altered: snapshot {link['label']}: {MANIFEST} differs from the SHA-256 recorded by "
                            f"snapshot {snap.label}")
        elif earlier is None:
            problems.append(f"missing: snapshot {link['label']} (snapshot {snap.label} chains to it; an earlier "
                            "quarter was deleted or moved)")
        elif earlier.label != link["label"]:
            problems.append(f"snapshot {snap.label}: chains to {link['label']!r}, found as {earlier.label!r}")
        if link["manifest_sha256"] in continued:
            problems.append(f"snapshot {snap.label}: forks the history ({continued[link['manifest_sha256']]} "
                            f"already continues {link['label']})")
        continued.setdefault(link["manifest_sha256"], snap.label)
    starts = [s.label for s in history if s.previous is None]
    if len(starts) > 1:
        problems.append(f"snapshots {', '.join(starts)} each start a chain: only the first may "
                        "(a previous link was removed)")
    return problems


def snapshot_key(ws: "Workspace", key: Path | None = None) -> Path | None:
    """The public key snapshots must be signed with: ``key`` if given, else ``snapshot_public_key``."""
    configured = ws.settings.snapshot_public_key
    return Path(key) if key is not None else (ws.path(configured) if configured else None)


def check_history(ws: "Workspace", key: Path | None = None, *, reading: str | None = None) -> list[SnapshotInfo]:
    """Verify every snapshot in ``reviews/`` and the shape of their history; raise :class:`IntegrityError`
    (exit 4) listing every problem. Every command that reads a snapshot calls this first."""
    history = snapshots(ws)
    key = snapshot_key(ws, key)
    stamp = (str(ws.root), str(key), tuple((s.label, s.manifest_sha256, _stat(ws, s.label)) for s in history))
    if _VERIFIED.get(stamp[0]) == stamp:
        return history
    failures = history_problems(ws, history)
    for snap in history:
        report = VerifyReport(snap.label)
        verify_folder(ws.path(f"{REVIEWS_FOLDER}/{snap.label}"), key, report)
        failures += [f"snapshot {snap.label}: {failure}" for failure in report.failures]
    if failures:
        what = f"snapshot {reading}" if reading else f"the review history in {REVIEWS_FOLDER}/"
        raise IntegrityError(f"{what} does not verify ({plural(len(failures), 'problem')} in {REVIEWS_FOLDER}/); "
                             "a frozen review is not compared, reported or extended once altered",
                             failures=failures, hint=f"check a snapshot with `rmfkit verify {REVIEWS_FOLDER}/LABEL`")
    _VERIFIED[stamp[0]] = stamp
    return history


# The last history that verified, per workspace: one command reads several snapshots, each checked once
# (any change to a manifest, a bundle's size or time, or the key checks everything again).
_VERIFIED: dict[str, tuple] = {}


def _stat(ws: "Workspace", label: str) -> tuple:
    folder = ws.path(f"{REVIEWS_FOLDER}/{label}")
    return tuple((p.name, p.stat().st_size, p.stat().st_mtime_ns) for p in sorted(folder.iterdir()))


def chain_tip(history: list[SnapshotInfo]) -> SnapshotInfo | None:
    """The snapshot a new one chains to: the one no other snapshot names as its previous.

    Taken order, not label order, decides: a ``2026-Q1`` snapshot taken after ``2026-Q2`` chains to
    ``2026-Q2``. If the history already forks, the newest tip (by date, then label) is continued.

    >>> a = SnapshotInfo("2026-Q2", "2026-06-30", "a" * 64, None)
    >>> b = SnapshotInfo("2026-Q1", "2026-06-30", "b" * 64, {"label": "2026-Q2", "manifest_sha256": "a" * 64})
    >>> chain_tip([b, a]).label
    '2026-Q1'
    """
    named = {s.previous.get("manifest_sha256") for s in history if isinstance(s.previous, dict)}
    tips = [s for s in history if s.manifest_sha256 not in named]
    candidates = tips or history
    return max(candidates, key=lambda s: (s.date, s.label)) if candidates else None


def load_snapshot(ws: "Workspace", label: str, *, key: Path | None = None) -> State:
    """The state frozen in snapshot ``label`` (any format version), once the whole review history verifies
    (:func:`check_history`). ``UnknownIdError`` lists the labels that exist."""
    history = check_history(ws, key, reading=label)
    if label not in {s.label for s in history}:
        labels = [s.label for s in history]
        raise UnknownIdError(f"no snapshot {label!r} in {REVIEWS_FOLDER}/",
                             hint=("available: " + ", ".join(labels + [LIVE])) if labels else
                             "take one with `rmfkit review snapshot --label LABEL`")
    name = f"{REVIEWS_FOLDER}/{label}/{BUNDLE_JSON}"
    document = _read_json(ws.path(name), name)
    if not isinstance(document, dict) or not isinstance(document.get("review"), dict):
        raise InputFileError("is not a review snapshot bundle", file=name)
    return read_bundle(document, name, label=label)


def live_document(ws: "Workspace", *, label: str = LIVE, previous: dict | None = None,
                  signer: str | None = None) -> dict:
    """The workspace as a snapshot freezes it now: records and analysis (format 2) with the review block."""
    from rmfkit.analysis import of_workspace
    from rmfkit.bundle import bundle_document
    from rmfkit.clock import today
    from rmfkit.views.packet import generated_at

    day = today()
    document = bundle_document(ws.current(), of_workspace(ws, day), signer=signer,
                               generated_at=generated_at().isoformat().replace("+00:00", "Z"))
    document["review"] = {"format": REVIEW_FORMAT, "label": label, "date": day.isoformat(),
                          "cadence": ws.settings.review_cadence, "previous": previous}
    return json.loads(canonical_json(document))


def resolve(ws: "Workspace", label: str, *, key: Path | None = None) -> State:
    """A snapshot's state, or the live workspace's for ``live``, once the whole review history verifies."""
    if label != LIVE:
        return load_snapshot(ws, label, key=key)
    check_history(ws, key)
    return read_bundle(live_document(ws), "live workspace")


@dataclass
class SnapshotResult:
    label: str
    folder: Path
    manifest_sha256: str
    previous: dict | None
    signed: bool

    def as_dict(self) -> dict[str, Any]:
        return {"label": self.label, "folder": str(self.folder), "manifest_sha256": self.manifest_sha256,
                "previous": self.previous, "signed": self.signed}


def take_snapshot(ws: "Workspace", label: str, *, sign_key: Path | None = None) -> SnapshotResult:
    """Freeze the workspace into ``reviews/<label>/``, chained to the latest snapshot before it.

    A label that exists is refused before anything is written (:class:`UsageError`, exit 2).
    The folder is written through :meth:`Workspace.write_new_folder`: it appears complete or not at all.
    """
    check_label(label, ws.settings.review_cadence)
    rel = f"{REVIEWS_FOLDER}/{label}"
    if ws.path(rel).exists():
        raise UsageError(f"snapshot {label} already exists in {REVIEWS_FOLDER}/",
                         hint="snapshots are never rewritten; choose a new label")
    ws.require_valid()
    private_key = load_private_key(sign_key) if sign_key else None
    key = snapshot_key(ws)
    if key is not None and private_key is None:
        raise UsageError(f"rmfkit.yaml names snapshot_public_key {ws.settings.snapshot_public_key}: every snapshot "
                         "must be signed", field="--sign", hint="give the matching private key with --sign KEY")
    with ws.lock():
        if ws.path(rel).exists():
            raise UsageError(f"snapshot {label} already exists in {REVIEWS_FOLDER}/",
                             hint="snapshots are never rewritten; choose a new label")
        tip = chain_tip(check_history(ws))
        previous = {"label": tip.label, "manifest_sha256": tip.manifest_sha256} if tip else None
        signer = key_fingerprint(private_key.public_key()) if private_key else None
        bundle = live_document(ws, label=label, previous=previous, signer=signer)
        bundle_bytes = canonical_json(bundle)
        listed = {"path": BUNDLE_JSON, "sha256": sha256_bytes(bundle_bytes), "size": len(bundle_bytes)}
        manifest = {"format": MANIFEST_FORMAT, "generated_at": bundle["generated_at"], "files": [listed],
                    "review": bundle["review"], "signed": private_key is not None, "zip": False}
        manifest_bytes = canonical_json(manifest)
        ws.write_new_folder(rel, {BUNDLE_JSON: bundle_bytes, **sealing_files(manifest_bytes, private_key)})
    return SnapshotResult(label, ws.path(rel), sha256_bytes(manifest_bytes), previous, private_key is not None)
