"""Guided sessions: which workspace a notebook works on, its analysis, and the steps that write.

A notebook's ``parameters`` cell names the workspace; :func:`open_session` turns that into an open
:class:`~rmfkit.workspace.Workspace` (by default a working copy of the shipped example in the user's
``~/rmfkit`` folder, or ``$RMFKIT_HOME``: never inside the toolkit, and never the example itself).
:func:`start_session` (session 00) creates a new workspace from the parameters or opens an existing one. :func:`analysis_of` is the one :class:`~rmfkit.analysis.Analysis` a
session's displays read. The writing steps (decisions, starter risks, packets, snapshots) are thin
wrappers over the public API that pick safe folders, so re-running a cell never overwrites a result.

>>> import datetime as dt
>>> quarter_label(dt.date(2026, 11, 20)), session_workspace_dir().name
('2026-Q4', 'example-session')
"""
from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Mapping

from rmfkit.fileio import NOT_COPIED
from rmfkit.paths import example_dir

if TYPE_CHECKING:
    from rmfkit.analysis import Analysis
    from rmfkit.workspace import Workspace

DEFAULT_EXAMPLE = "support-assistant"
WORKSPACE_ENV = "RMFKIT_WORKSPACE"
HOME_ENV = "RMFKIT_HOME"


def build_dir(name: str) -> Path:
    """A folder in the user's rmfkit folder: ``$RMFKIT_HOME`` or ``~/rmfkit`` (never inside the toolkit)."""
    return Path(os.environ.get(HOME_ENV) or Path.home() / "rmfkit") / name


def session_workspace_dir() -> Path:
    """Where the working copy of the example lives: ``~/rmfkit/example-session``."""
    return build_dir("example-session")


def copy_example(name: str, destination: Path | str) -> "Workspace":
    """A writable copy of a shipped example workspace (what ``rmfkit init DIR --example NAME`` makes)."""
    from rmfkit.errors import UsageError
    from rmfkit.workspace import Workspace

    destination = Path(destination)
    if destination.exists() and any(destination.iterdir()):
        raise UsageError(f"folder {destination} is not empty", hint="choose a new folder")
    shutil.copytree(example_dir(name), destination, dirs_exist_ok=True, ignore=shutil.ignore_patterns(*NOT_COPIED))
    return Workspace.open(destination)


def open_session(workspace: Path | str | None = None, *, example: str = DEFAULT_EXAMPLE) -> "Workspace":
    """The workspace a session works on.

    ``workspace`` (the notebook's parameter) wins; else ``RMFKIT_WORKSPACE``; else a working copy of
    the example in ``~/rmfkit/example-session``, made on first use and reused afterwards, so the
    sessions 00 → 07 build on each other.
    """
    from rmfkit.workspace import Workspace

    chosen = workspace or os.environ.get(WORKSPACE_ENV)
    if chosen:
        return Workspace.open(chosen)
    target = session_workspace_dir()
    if (target / "rmfkit.yaml").is_file():
        return Workspace.open(target)
    return copy_example(example, target)


def analysis_of(ws: "Workspace", today: dt.date | None = None) -> "Analysis":
    """The workspace's :class:`~rmfkit.analysis.Analysis` now: records loaded, evidence checked once, analysed.

    Every display of a session reads this one result; run the cell again after a change.
    """
    from rmfkit.analysis import of_workspace

    return of_workspace(ws, today)


def start_workspace(path: Path | str, *, system_id: str, name: str, owner: str, purpose: str,
                    deployment_pattern: str = "self_hosted") -> "Workspace":
    """Create a new workspace for your own system (with ``operations.yaml``), or open it if this folder
    already holds it. Re-running the cell is therefore safe; a folder holding a *different* system is refused.
    """
    from rmfkit.editing import operations
    from rmfkit.errors import UsageError
    from rmfkit.paths import MARKER
    from rmfkit.workspace import Workspace

    path = Path(path)
    if (path / MARKER).is_file():
        ws = Workspace.open(path)
        if ws.settings.system_id != system_id:
            raise UsageError(f"{path} already holds the workspace of '{ws.settings.system_id}'",
                             hint="choose another folder for a new system")
        return ws
    ws = Workspace.create(path, system_id=system_id, name=name, owner=owner, purpose=purpose,
                          deployment_pattern=deployment_pattern)
    operations.start(ws)
    return ws


def start_session(workspace: Path | str | None = None, *, system_id: str | None = None, name: str | None = None,
                  owner: str | None = None, purpose: str | None = None) -> "Workspace":
    """Session 00: open the workspace at ``workspace`` when it exists; create it there (from ``system_id``,
    ``name``, ``owner``, ``purpose``) when the folder is missing or empty. Without ``workspace``: as
    :func:`open_session` (``$RMFKIT_WORKSPACE``, else the example's working copy).

    An existing workspace is opened as it is, whatever the other parameters say (the facts card shows it).
    """
    from rmfkit.errors import UsageError
    from rmfkit.paths import MARKER
    from rmfkit.workspace import Workspace

    chosen = workspace or os.environ.get(WORKSPACE_ENV)
    if not chosen:
        return open_session()
    path = Path(chosen)
    if (path / MARKER).is_file():
        return Workspace.open(path)
    if path.exists() and any(path.iterdir()):
        raise UsageError(f"{path} is not empty and holds no workspace", hint="choose an empty or new folder")
    system_id = system_id or path.name
    return start_workspace(path, system_id=system_id, name=name or system_id, owner=owner or "to be named",
                           purpose=purpose or "Describe what the system is for (session 01).")


def record_assessments(ws: "Workspace", decisions: Iterable[Mapping[str, Any]]) -> list[dict]:
    """Record the mapping decisions of a session in one locked edit; returns before/after rows.

    Each decision names ``id`` and any of ``status``, ``owner``, ``notes``, ``justification``,
    ``target_status``, ``target_date`` and ``add_evidence`` (ids appended to the linked evidence), as
    ``rmfkit map set`` records them. Nothing is written if any decision breaks a rule (unknown
    evidence, ``not_applicable`` without a justification, ...).
    """
    from rmfkit.catalog import load_catalog

    decisions = [dict(d) for d in decisions]
    rows: list[dict] = []
    if not decisions:
        return rows
    with ws.edit():
        for decision in decisions:
            sub_id = load_catalog().subcategory(decision.pop("id")).id
            before = ws.assessment(sub_id)
            after = ws.record_assessment(sub_id, **decision)
            rows.append({"id": sub_id, "before": before.status, "after": after.status, "owner": after.owner,
                         "evidence": list(after.evidence), "notes": after.notes})
    return rows


def adopt_starter_risks(ws: "Workspace", keys: Iterable[str]) -> list[str]:
    """Add the starter risks ``keys`` to the register in one locked edit (as ``rmfkit risk adopt``);
    keys already adopted are skipped. Returns the new risk ids."""
    from rmfkit.risks import adopt_starter

    keys = list(keys)
    if not keys:
        return []
    with ws.edit():
        return [risk.id for risk in adopt_starter(ws, keys)]


def _new_folder(base: Path, stem: str) -> Path:
    candidate, number = base / stem, 1
    while candidate.exists():
        number += 1
        candidate = base / f"{stem}-{number}"
    return candidate


def packet_dir(ws: "Workspace") -> Path:
    """A new folder for this session's packet: ``build/packets/<today>``, then ``<today>-2``, ``-3``…

    Packets are never overwritten, so re-running a session builds a new one beside the last.
    """
    from rmfkit.clock import today

    return _new_folder(ws.path("build/packets"), today().isoformat())


# ---------------------------------------------------------------- the quarterly review

def quarter_label(day: dt.date) -> str:
    """The snapshot label of the quarter ``day`` falls in.

    >>> quarter_label(dt.date(2026, 2, 1))
    '2026-Q1'
    """
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def review_labels(ws: "Workspace", baseline: str | None = None, new_label: str | None = None) -> tuple[str, str]:
    """(snapshot to compare with, label of the snapshot this review takes).

    Defaults: this quarter's label (:func:`quarter_label` of today) and the latest snapshot other than
    it, so re-running a review session compares against the same earlier quarter. In a first quarter
    there is none: the baseline is ``None`` and the session freezes this quarter as the baseline.
    """
    from rmfkit.clock import today
    from rmfkit.review.snapshots import snapshots

    new_label = new_label or quarter_label(today())
    if baseline:
        return baseline, new_label
    earlier = [s.label for s in snapshots(ws) if s.label != new_label]
    return (earlier[-1] if earlier else None), new_label


def review_snapshot(ws: "Workspace", label: str, *, sign_key: Path | str | None = None) -> dict[str, Any]:
    """Take snapshot ``label`` with :func:`rmfkit.take_snapshot`, or report the one already taken
    (re-running the cell is safe).

    Returns ``label``, ``folder``, ``manifest_sha256``, ``previous``, ``signed`` and ``taken_now``.
    """
    from rmfkit.review.snapshots import snapshots, take_snapshot
    from rmfkit.seal import SIGNATURE

    existing = next((s for s in snapshots(ws) if s.label == label), None)
    if existing is not None:
        folder = ws.path(f"reviews/{label}")
        return {**existing.as_dict(), "folder": str(folder), "signed": (folder / SIGNATURE).is_file(),
                "taken_now": False}
    taken = take_snapshot(ws, label, sign_key=Path(sign_key) if sign_key else None)
    return {**taken.as_dict(), "taken_now": True}


def review_packet_dir(ws: "Workspace", from_label: str, to_label: str) -> Path:
    """A new folder for a review packet: ``build/review-packets/<from>_to_<to>``, then ``-2``, ``-3``…"""
    return _new_folder(ws.path("build/review-packets"), f"{from_label}_to_{to_label}")


def review_packet(ws: "Workspace", from_label: str, to_label: str, *, sign_key: Path | str | None = None
                  ) -> dict[str, Any]:
    """Build the review packet ``from_label`` → ``to_label`` into a new :func:`review_packet_dir`
    (as ``rmfkit review packet``); returns its summary (``out``, ``files``, ``manifest_sha256``, ``signed``)."""
    from rmfkit.review.packet import build_review_packet

    return build_review_packet(ws, from_label, to_label, review_packet_dir(ws, from_label, to_label),
                               sign_key=Path(sign_key) if sign_key else None)


def signing_keys(folder: Path | str) -> tuple[Path, Path]:
    """(private key, public key) in ``folder``, generated once (as ``rmfkit keys generate --out DIR``).

    Keep the folder out of git; send only the public key to whoever verifies the packet.
    """
    from rmfkit.seal import PRIVATE_KEY_NAME, PUBLIC_KEY_NAME, generate_keys

    folder = Path(folder)
    if (folder / PUBLIC_KEY_NAME).is_file():
        return folder / PRIVATE_KEY_NAME, folder / PUBLIC_KEY_NAME
    return generate_keys(folder)


def on_example(ws: "Workspace") -> bool:
    """Is this the shipped example (or a copy of it)? Cells that use the example's own data run only then."""
    return ws.settings.system_id == DEFAULT_EXAMPLE
