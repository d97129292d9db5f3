"""Frozen, hash-chained quarterly snapshots: take one, list them, read one back (any format version).

A snapshot freezes the workspace into ``reviews/<label>/``: ``bundle.json`` (every record and the
analysis, :mod:`rmfkit.bundle`) and ``manifest.json`` (its SHA-256), optionally ``manifest.json.sig``.
Each manifest names the previous snapshot and the SHA-256 of *its* manifest, so the snapshots form a
chain (:func:`rmfkit.verify.verify_chain`). Snapshots are never rewritten; reading one first verifies it
and its chain, so a diff or a review packet never uses an altered quarter (exit 4).

>>> check_label("2026-Q4")
'2026-Q4'
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rmfkit.bundle import State, read_bundle
from rmfkit.errors import InputFileError, IntegrityError, UnknownIdError, UsageError
from rmfkit.fileio import read_user_file
from rmfkit.hashing import sha256_bytes
from rmfkit.safeparse import parse_json
from rmfkit.seal import (BUNDLE_JSON, LABEL_PATTERN, MANIFEST, MANIFEST_FORMAT, REVIEW_FORMAT, canonical_json,
                         key_fingerprint, load_private_key, sealing_files)
from rmfkit.verify import VerifyReport, verify_chain, verify_folder

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

    def as_dict(self) -> dict[str, Any]:
        return {"label": self.label, "date": self.date, "manifest_sha256": self.manifest_sha256,
                "previous": self.previous}


def check_label(label: str) -> str:
    """A snapshot label is a short folder-safe name (``2026-Q4``); ``live`` is reserved.

    >>> check_label("2026-Q4")
    '2026-Q4'
    """
    if label == LIVE or not LABEL_PATTERN.match(label or ""):
        raise UsageError(f"'{label}' is not a usable snapshot label", field="--label",
                         hint="letters, digits, '.', '_' and '-', up to 64 characters, e.g. 2026-Q4; "
                              "'live' is reserved for the current workspace")
    return label


def _read_json(path: Path, name: str) -> Any:
    return parse_json(read_user_file(path, name, max_bytes=MAX_BUNDLE_BYTES), name, allow_nan=False)


def _manifest_review(manifest: Any, name: str) -> dict:
    review = manifest.get("review") if isinstance(manifest, dict) else None
    if not isinstance(review, dict) or review.get("format") != REVIEW_FORMAT:
        raise InputFileError("is not a review snapshot manifest (no review block)", file=name)
    return review


def snapshots(ws: "Workspace") -> list[SnapshotInfo]:
    """Every snapshot in ``reviews/``, oldest first (by review date, then label)."""
    folder = ws.path(REVIEWS_FOLDER)
    found = []
    for child in sorted(folder.iterdir()) if folder.is_dir() else []:
        if child.name.startswith(".") or not child.is_dir() or not (child / MANIFEST).is_file():
            continue
        name = f"{REVIEWS_FOLDER}/{child.name}/{MANIFEST}"
        payload = read_user_file(child / MANIFEST, name, max_bytes=MAX_BUNDLE_BYTES)
        review = _manifest_review(parse_json(payload, name, allow_nan=False), name)
        found.append(SnapshotInfo(child.name, str(review.get("date")), sha256_bytes(payload),
                                  review.get("previous")))
    return sorted(found, key=lambda s: (s.date, s.label))


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


def check_snapshot(folder: Path) -> None:
    """Refuse a snapshot whose files, or any earlier snapshot it chains to, do not match their manifests.

    Raises :class:`IntegrityError` (exit 4) listing every failure, as ``rmfkit verify`` would.
    """
    report = VerifyReport(str(folder))
    if verify_folder(folder, None, report):
        verify_chain(folder, report)
    if report.failures:
        raise IntegrityError(f"snapshot {folder.name} does not verify ({len(report.failures)} problem(s)); "
                             "a frozen review is not compared or reported once altered",
                             failures=report.failures,
                             hint=f"check it with `rmfkit verify {REVIEWS_FOLDER}/{folder.name}`")


def load_snapshot(ws: "Workspace", label: str, *, tip: str | None = None) -> State:
    """The state frozen in snapshot ``label`` (any format version), once it and its chain verify — and,
    with ``tip``, once the chain of snapshot ``tip`` (the newest) verifies too.

    ``UnknownIdError`` lists the labels that exist; :class:`IntegrityError` names what was altered.
    """
    folder = ws.path(f"{REVIEWS_FOLDER}/{label}") if LABEL_PATTERN.match(label or "") else None
    if folder is None or not (folder / BUNDLE_JSON).is_file():
        labels = [s.label for s in snapshots(ws)]
        raise UnknownIdError(f"no snapshot '{label}' in {REVIEWS_FOLDER}/",
                             hint=("available: " + ", ".join(labels + [LIVE])) if labels else
                             "take one with `rmfkit review snapshot --label LABEL`")
    check_snapshot(folder)
    if tip is not None and tip != label:
        check_snapshot(ws.path(f"{REVIEWS_FOLDER}/{tip}"))
    name = f"{REVIEWS_FOLDER}/{label}/{BUNDLE_JSON}"
    document = _read_json(folder / BUNDLE_JSON, name)
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


def resolve(ws: "Workspace", label: str) -> State:
    """A snapshot's state, or the live workspace's for ``live``, once the whole chain verifies.

    The newest snapshot is checked too: its chain covers every earlier one, so an earlier snapshot whose
    bundle and manifest were both rewritten is refused even when it is compared with the live workspace.
    """
    history = snapshots(ws)
    if label != LIVE:
        return load_snapshot(ws, label, tip=history[-1].label if history else None)
    if history:
        check_snapshot(ws.path(f"{REVIEWS_FOLDER}/{history[-1].label}"))
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
    check_label(label)
    rel = f"{REVIEWS_FOLDER}/{label}"
    if ws.path(rel).exists():
        raise UsageError(f"snapshot {label} already exists in {REVIEWS_FOLDER}/",
                         hint="snapshots are never rewritten; choose a new label")
    ws.require_valid()
    private_key = load_private_key(sign_key) if sign_key else None
    with ws.lock():
        if ws.path(rel).exists():
            raise UsageError(f"snapshot {label} already exists in {REVIEWS_FOLDER}/",
                             hint="snapshots are never rewritten; choose a new label")
        tip = chain_tip(snapshots(ws))
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
