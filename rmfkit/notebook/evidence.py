"""Evidence in the notebooks: the checked items of one analysis, the library, and what a pull or import did.

Check statuses come from the ``evidence`` section of one :class:`~rmfkit.analysis.Analysis` (the only
place that hashes); the library listing and drift read the library folder, which the analysis does not hold.

>>> pull_table([]).empty
'nothing pulled in this run'
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterable, Sequence

from rmfkit.labels import plural
from rmfkit.notebook.html import Html, Table, callout, render, table

if TYPE_CHECKING:
    from rmfkit.analysis import Analysis
    from rmfkit.workspace import Workspace


def evidence_table(analysis: "Analysis") -> Table:
    """Every evidence item with its check (OK, expired, missing, altered), expiry and what it supports."""
    evidence = analysis.evidence
    bad = evidence["total"] - evidence["ok"]
    return table(evidence["rows"], {"id": "Evidence", "title": "Title", "kind": "Kind", "status": "Check",
                                    "expires_on": "Expires", "supports": "Supports"},
                 title="Evidence in this workspace", status_columns=("status",), wrap_columns=("title",),
                 summary=f"{plural(evidence['total'], 'item')}, {bad} need attention",
                 shade=[None if r["status"] == "ok" else "gap" for r in evidence["rows"]])


def evidence_cards(analysis: "Analysis", ids: Iterable[str] | None = None, *, needing_attention: bool = False
                   ) -> Html:
    """Compact cards: title, check, reason, what it supports, a hash prefix.

    ``needing_attention=True`` shows only items whose check is not OK.
    """
    rows = {r["id"]: r for r in analysis.evidence["rows"]}
    wanted = [rows[i] for i in ids] if ids is not None else list(rows.values())
    if needing_attention:
        wanted = [r for r in wanted if r["status"] != "ok"]
        if not wanted:
            return callout("Every evidence item is current and intact", tone="good")
    if not wanted:
        return callout("No evidence yet", ["pull items from the library or import your own files"], tone="warn")
    return Html(render("evidence_cards.html.j2", items=wanted), f"{plural(len(wanted), 'evidence card')}")


def library_table(ws: "Workspace") -> Table:
    """The evidence library the workspace pulls from, with whether each item is already pulled."""
    from rmfkit.library.pull import Library

    listing = Library.for_workspace(ws).listing()
    pulled = {rec.library_id: eid for eid, rec in ws.current().evidence.items() if rec.library_id}
    rows = [{"id": lid, "title": rec.title, "kind": rec.kind, "valid_until": rec.valid_until,
             "components": rec.components, "pulled": pulled.get(lid)} for lid, rec in sorted(listing.records.items())]
    return table(rows, {"id": "Library id", "title": "Title", "kind": "Kind", "valid_until": "Valid until",
                        "components": "Components", "pulled": "In workspace as"},
                 title="Evidence library", wrap_columns=("title",),
                 summary=f"{plural(len(rows), 'library item')}, {len(pulled)} pulled into this workspace")


def pull_table(outcomes: Sequence[Any]) -> Table:
    """What :func:`rmfkit.pull` did: pulled, updated or up to date, and what changed upstream."""
    rows = [{"id": o.id, "status": o.status, "changes": "\n".join(o.changes) or None} for o in outcomes]
    return table(rows, {"id": "Evidence", "status": "Result", "changes": "What changed"},
                 title="Pulled from the library", status_columns=("status",), wrap_columns=("changes",),
                 empty="nothing pulled in this run")


def import_table(outcomes: Sequence[Any]) -> Table:
    """What :func:`rmfkit.import_evidence` did per file: imported, duplicate or refused (and why)."""
    rows = [{"origin": o.origin, "status": o.status, "id": o.id, "kind": o.record.kind if o.record else None,
             "message": o.message} for o in outcomes]
    return table(rows, {"origin": "File", "kind": "Detected kind", "status": "Result", "id": "Evidence id",
                        "message": "Why refused"},
                 title="Imported in this session", wrap_columns=("message",), empty="no files imported in this run")


def drift_table(ws: "Workspace") -> Html | Table:
    """Pulled items whose library copy changed (or vanished) since the pull, with what changed."""
    from rmfkit.library.pull import check_drift

    drifts = check_drift(ws)
    if not drifts:
        return callout("No drift: every pulled item matches the library", tone="good")
    rows = [{"id": d.id, "status": d.status, "changes": "\n".join(d.changes)} for d in drifts]
    return table(rows, {"id": "Evidence", "status": "Library copy", "changes": "What changed upstream"},
                 title="Drift since the last pull", status_columns=("status",), wrap_columns=("changes",),
                 summary=f"{plural(len(rows), 'item')} changed upstream: re-read them, then pull again to update")
