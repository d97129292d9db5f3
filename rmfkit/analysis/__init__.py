"""One pure analysis: records + evidence checks + a date in, a typed, versioned :class:`Analysis` out.

``analyze`` reads no file, looks at no clock and prints nothing: the same inputs always give the same
``Analysis``. Every surface — ``rmfkit status``, ``--json`` outputs, the packet, the notebooks, the
quarterly diff, trends and the portfolio — reads one ``Analysis``, so they cannot disagree.

>>> import datetime as dt, pathlib, tempfile
>>> from rmfkit.workspace import Workspace
>>> ws = Workspace.create(pathlib.Path(tempfile.mkdtemp()) / "w", system_id="s", name="S", owner="o")
>>> result = analyze(ws.load(), {}, dt.date(2026, 12, 1))
>>> result.analysis_version, result.mapping["totals"]["not_assessed"], result.evidence["total"]
(1, 72, 0)
"""
from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, Optional

from pydantic import BaseModel, ConfigDict

from rmfkit.jsonable import jsonable

if TYPE_CHECKING:
    from rmfkit.library.freshness import EvidenceChecks
    from rmfkit.records import Records
    from rmfkit.workspace import Workspace

# Raise when the meaning or shape of a field changes; a frozen snapshot records the version it was made with.
ANALYSIS_VERSION = 1
EVIDENCE_STATUSES = ("ok", "expired", "missing", "hash_mismatch")


class Analysis(BaseModel):
    """Everything computed about one workspace on one date (plain, JSON-ready sections).

    ``mapping``: every subcategory's recorded and effective status, coverage, profile, gaps and
    suggestions; ``evidence``: each item's check; ``measurement``: thresholds against evidence (``None``
    without ``thresholds.yaml``); ``licenses``: register, openness and findings (``None`` without
    components); ``risks``: register rows, summary and heat map (``None`` without risks); ``dpia``: screening,
    inputs and completeness; ``operations``: checklist and pilot; ``actions``: the action plan;
    ``frameworks``: the assessment carried to ISO/IEC 42001 (Statement of Applicability) and to the EU AI
    Act (obligation register, Annex IV checklist); ``findings``: every validation problem.
    """

    model_config = ConfigDict(frozen=True)

    analysis_version: int = ANALYSIS_VERSION
    as_of: dt.date
    system: dict[str, Any]
    mapping: dict[str, Any]
    evidence: dict[str, Any]
    measurement: Optional[dict[str, Any]]
    licenses: Optional[dict[str, Any]]
    risks: Optional[dict[str, Any]]
    dpia: dict[str, Any]
    operations: dict[str, Any]
    actions: dict[str, Any]
    frameworks: dict[str, Any]
    gates: Optional[dict[str, Any]] = None  # builds, build-bound evidence, release-gate decisions (rmfkit.gate)
    findings: list[dict[str, Any]]
    method: Optional[dict[str, Any]] = None  # status rules and minimum sample (rmfkit.assess.method)
    frame: Optional[dict[str, Any]] = None  # audit frame: audit.yaml checked, assessors, documents, AI 600-1 (frame.py)

    def row(self, sub_id: str) -> dict[str, Any]:
        """The mapping row of one subcategory (any id form: ``"measure-2.10"`` works)."""
        from rmfkit.catalog import load_catalog

        wanted = load_catalog().subcategory(sub_id).id
        return next(r for r in self.mapping["rows"] if r["id"] == wanted)

    def counts(self) -> dict[str, Any]:
        """The headline counts every surface prints (coverage, evidence, risks, measurement, findings)."""
        totals = self.mapping["totals"]
        measured = self.measurement["summary"] if self.measurement else None
        return {
            "coverage": {k: totals[k] for k in ("met", "partially_met", "unsupported", "not_met", "not_applicable",
                                                "not_assessed")},
            "target_gaps": len(self.mapping["gaps"]),
            "evidence": {k: self.evidence[k] for k in ("total", *EVIDENCE_STATUSES)},
            "risks_open": self.risks["summary"]["open"] if self.risks else 0,
            "risks_total": self.risks["summary"]["total"] if self.risks else 0,
            "thresholds": ({k: measured[k] for k in ("thresholds", "pass", "pass_within_tolerance", "inconclusive",
                                                     "fail", "not_measured")} if measured else None),
            "findings": len(self.findings),
            "findings_by_severity": {s: sum(1 for f in self.findings if f.get("severity") == s)
                                     for s in ("error", "warning")},
        }


def _evidence(records: "Records", checks: "EvidenceChecks") -> dict[str, Any]:
    from rmfkit.library.listing import evidence_links

    links = evidence_links(records, records.evidence)
    rows = []
    for eid, rec in sorted(records.evidence.items()):
        check = checks.get(eid)
        rows.append({"id": eid, "title": rec.title, "kind": rec.kind, "file": rec.file, "sha256": rec.sha256,
                     "size": rec.size, "collected": rec.collected_at, "example_data": rec.example_data,
                     "status": check.status if check else "missing",
                     "reason": check.reason if check else "not checked",
                     "expires_on": check.expires_on if check else None,
                     "supports": [link.label() for link in links[eid] if link.via != "declared"],
                     "declared": [link.id for link in links[eid] if link.via == "declared"]})
    counts = {status: sum(1 for r in rows if r["status"] == status) for status in EVIDENCE_STATUSES}
    return {"total": len(rows), **counts, "rows": rows,
            "attention": [{"id": r["id"], "status": r["status"], "reason": r["reason"]}
                          for r in rows if r["status"] != "ok"]}


def _mapping(records: "Records", checks: "EvidenceChecks", today: dt.date) -> dict[str, Any]:
    from rmfkit import builds, dpia, ops
    from rmfkit.assess import assess_records, record_suggestion_rows

    result = assess_records(records.assessments(), checks, today=today, evidence=records.evidence,
                            generative=records.system.generative, build_scopes=builds.records_scopes(records),
                            thresholds=records.thresholds.thresholds if records.thresholds else None)
    pairs = {"DPIA and risk register": dpia.rmf_suggestions(records),
             "operations checklist": ops.mapping_suggestions(records, today, checks=checks)}
    result.record_suggestions = record_suggestion_rows(pairs, result.rows)
    return result.to_dict()


def _measurement(records: "Records", checks: "EvidenceChecks") -> dict[str, Any] | None:
    """Thresholds against the evidence produced on the builds served now (a run on another build is not read)."""
    from rmfkit import builds, measure

    thresholds = records.thresholds
    if thresholds is None:
        return None
    scopes = builds.scopes(records.evidence, records.system)
    current = {eid: rec for eid, rec in records.evidence.items()
               if getattr(scopes.get(eid), "state", None) != "other_build"}
    rows = measure.evaluate_records(list(thresholds.thresholds), current, checks)
    return {"rows": rows, "summary": measure.summary(rows), "characteristics": measure.characteristics(rows)}


def _licenses(records: "Records") -> dict[str, Any] | None:
    from rmfkit.licenses import analyze as analyze_licenses

    if not records.system.components:
        return None
    return analyze_licenses(records.system, records.evidence).to_dict()


def _risks(records: "Records", today: dt.date) -> dict[str, Any] | None:
    from rmfkit.risks import heatmap_counts, register_rows, summary

    risks = list(records.risks.values())
    if not risks:
        return None
    return {"rows": register_rows(records), "summary": summary(risks, today),
            "heat_map": heatmap_counts(risks, residual=True), "heat_map_inherent": heatmap_counts(risks)}


def _frameworks(records: "Records", checks: "EvidenceChecks", mapping_rows: list[dict]) -> dict[str, Any]:
    from rmfkit.frameworks import (annex_iv_checklist, evidence_index, obligation_register, rmf_rows,
                                   statement_of_applicability)
    from rmfkit.frameworks.inputs import holdings

    evidence = evidence_index(records.evidence, checks)
    rows = rmf_rows(mapping_rows, evidence)
    doc = records.frameworks
    return {"iso42001": statement_of_applicability(rows, doc, evidence),
            "ai_act": {**obligation_register(rows, doc, evidence),
                       "annex_iv": annex_iv_checklist(holdings(records, checks))}}


def _system(records: "Records") -> dict[str, Any]:
    s = records.system
    return {"id": s.id, "name": s.name, "owner": s.owner, "deployment_pattern": s.deployment_pattern,
            "generative": s.generative, "components": len(s.components), "data_flows": len(s.data_flows)}


def analyze(records: "Records", checks: "EvidenceChecks", today: dt.date) -> Analysis:
    """Analyse a workspace's records as of ``today``, with the evidence checks made for them.

    ``records`` comes from ``Workspace.load()`` (or a frozen snapshot), ``checks`` from
    ``Workspace.check_evidence(today)``.
    """
    from rmfkit import dpia_assessment, gate, ops
    from rmfkit.analysis import consistency, frame
    from rmfkit.analysis.actions import action_plan
    from rmfkit.assess import method
    from rmfkit.validation import validate

    sections: dict[str, Any] = {
        "system": _system(records),
        "mapping": _mapping(records, checks, today),
        "evidence": _evidence(records, checks),
        "measurement": _measurement(records, checks),
        "licenses": _licenses(records),
        "risks": _risks(records, today),
        "dpia": dpia_assessment.view(records, today),
        "operations": ops.view(records, today, checks=checks),
        "gates": gate.analysis_section(records),
        "findings": consistency.findings(records, checks, today, problems=validate(records)),
        "method": method(),
    }
    sections = jsonable(sections)
    sections["frameworks"] = jsonable(_frameworks(records, checks, sections["mapping"]["rows"]))
    sections["frame"] = jsonable(frame.section(records, checks, sections["mapping"]["rows"], today))
    sections["findings"] = consistency.ordered([*sections["findings"], *sections["frame"]["findings"]])
    sections["actions"] = action_plan(sections, today)
    return Analysis(as_of=today, **sections)


def of_workspace(ws: "Workspace", today: dt.date | None = None, *, cached: bool = False) -> Analysis:
    """``analyze`` on a workspace as it is on disk now: load, check evidence once, analyse.

    ``cached`` re-hashes only artefacts whose files changed since the evidence index remembered them
    (read-only commands); a packet hashes everything.
    """
    from rmfkit.clock import today as default_today

    day = today or default_today()
    return analyze(ws.current(), ws.check_evidence(day, cached=cached), day)
