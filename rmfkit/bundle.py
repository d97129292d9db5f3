"""``bundle.json``: the records and the :class:`~rmfkit.analysis.Analysis` of one moment, and its readers.

A packet's ``bundle.json`` and a frozen snapshot hold the same document (format 2): every record by
workspace path and the analysis, with the versions that made them. Views are never stored, so a change
of wording or layout never changes what a committed quarter means.

Old formats stay readable forever: :func:`read_bundle` has a reader per format. Format 1 (rmfkit 0.1)
stored the packet's view dicts; its records are re-analysed as of the snapshot's review date, with the
evidence checks it froze.

>>> import datetime as dt, pathlib, tempfile
>>> from rmfkit.analysis import of_workspace
>>> from rmfkit.workspace import Workspace
>>> ws = Workspace.create(pathlib.Path(tempfile.mkdtemp()) / "w", system_id="s", name="S", owner="o")
>>> doc = bundle_document(ws.load(), of_workspace(ws, dt.date(2026, 12, 1)), generated_at="2026-12-01T00:00:00Z")
>>> state = read_bundle(doc, "bundle.json")
>>> state.analysis.mapping["totals"]["not_assessed"], state.date
(72, datetime.date(2026, 12, 1))
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from rmfkit.errors import InputFileError

if TYPE_CHECKING:
    from rmfkit.analysis import Analysis
    from rmfkit.records import Records

BUNDLE_FORMAT = "rmfkit-bundle/2"
FORMAT_1 = "rmfkit-bundle/1"


def bundle_document(records: "Records", analysis: "Analysis", *, generated_at: str,
                    signer: str | None = None) -> dict[str, Any]:
    """Every record (by workspace path) and the analysis, with versions and generation time."""
    import rmfkit
    from rmfkit.catalog import CATALOG_VERSION
    from rmfkit.records import schema_versions

    return {
        "format": BUNDLE_FORMAT,
        "rmfkit_version": rmfkit.__version__,
        "analysis_version": analysis.analysis_version,
        "catalog_version": CATALOG_VERSION,
        "workspace_catalog_version": records.settings.catalog_version,
        "schema_versions": schema_versions(),
        "generated_at": generated_at,
        "system_id": records.system.id,
        "signer_key_sha256": signer,
        "records": records.dump(),
        "analysis": analysis.model_dump(mode="json"),
    }


@dataclass(frozen=True)
class State:
    """One moment of a workspace, as the diff, trends and the review packet read it."""

    label: str
    date: dt.date
    generated_at: str
    records: "Records"
    analysis: "Analysis"
    document: dict[str, Any] = field(repr=False)

    @property
    def data(self) -> dict[str, Any]:
        """Records (plain data) and analysis (plain data), the way the diff reads them."""
        return {"records": self.document.get("records") or {}, "analysis": self.analysis.model_dump(mode="json")}


def review_date(document: dict[str, Any]) -> dt.date:
    """The date a bundle speaks for: its review date, else the day it was generated."""
    return dt.date.fromisoformat((document.get("review") or {}).get("date") or document["generated_at"][:10])


def _checks_of_format_1(document: dict[str, Any]) -> dict[str, Any]:
    """The evidence checks a format-1 bundle froze (its packet view's evidence index)."""
    from rmfkit.library.freshness import EvidenceCheck

    rows = ((document.get("results") or {}).get("evidence") or {}).get("rows") or []
    return {row["id"]: EvidenceCheck(row["id"], row["status"], row.get("reason") or "",
                                     dt.date.fromisoformat(row["expires_on"]) if row.get("expires_on") else None)
            for row in rows}


def read_bundle(document: Any, name: str, *, label: str | None = None) -> State:
    """The :class:`State` a bundle document holds, whatever format version wrote it."""
    from rmfkit.analysis import ANALYSIS_VERSION, Analysis, analyze
    from rmfkit.records import Records

    if not isinstance(document, dict) or not isinstance(document.get("records"), dict):
        raise InputFileError("is not an rmfkit bundle (no records)", file=name)
    records = Records.from_data(document["records"])
    day = review_date(document)
    fmt = document.get("format")
    if fmt == FORMAT_1:
        analysis = analyze(records, _checks_of_format_1(document), day)
    elif fmt == BUNDLE_FORMAT and document.get("analysis_version") == ANALYSIS_VERSION:
        analysis = Analysis.model_validate(document["analysis"])
    else:
        raise InputFileError(f"format {fmt!r} (analysis version {document.get('analysis_version')!r}) was "
                             "written by a newer rmfkit", file=name, hint="upgrade rmfkit to read it")
    shown = label or (document.get("review") or {}).get("label") or "live"
    return State(shown, day, document["generated_at"], records, analysis, document)
