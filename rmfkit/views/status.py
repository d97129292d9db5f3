"""The at-a-glance status of a workspace (``rmfkit status``, its ``--json``, the notebook summary card).

Every number comes from one :class:`~rmfkit.analysis.Analysis`; a section whose records do not exist yet
is ``None`` and shown as "not yet recorded".

>>> import pathlib, tempfile
>>> from rmfkit.analysis import of_workspace
>>> from rmfkit.workspace import Workspace
>>> ws = Workspace.create(pathlib.Path(tempfile.mkdtemp()) / "w", system_id="s", name="S", owner="o")
>>> status = status_summary(of_workspace(ws))
>>> status["coverage"]["totals"]["not_assessed"], status["risks"], status["evidence"]
(72, None, None)
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rmfkit.analysis import Analysis


def coverage(analysis: "Analysis") -> dict[str, Any]:
    """Coverage per function from the evidence-checked status, unsupported claims and target gaps."""
    result = analysis.mapping
    return {"functions": result["coverage"], "totals": result["totals"],
            "unsupported": [{"id": r["id"], "status": r["status"], "reason": r["reason"]}
                            for r in result["unsupported"]],
            "met_without_evidence": [r["id"] for r in result["met_without_evidence"]],
            "partially_met_without_evidence": [r["id"] for r in result.get("partially_met_without_evidence", [])],
            "target_gaps": len(result["gaps"]), "overdue_targets": [g["id"] for g in result["gaps"] if g["overdue"]],
            "suggestions": len(result["suggestions"]), "record_suggestions": len(result["record_suggestions"])}


def measurement(analysis: "Analysis") -> dict[str, Any] | None:
    """Thresholds passed, passed only within tolerance, inconclusive, failing and not measured; None until
    ``thresholds.yaml`` exists."""
    if analysis.measurement is None:
        return None
    rows = analysis.measurement["rows"]
    detail = {outcome: [{"id": r["id"], "title": r["title"], "reason": r["reason"]}
                        for r in rows if r["outcome"] == outcome]
              for outcome in ("fail", "pass_within_tolerance", "inconclusive")}
    return {**analysis.measurement["summary"], "failing_detail": detail["fail"],
            "within_tolerance_detail": detail["pass_within_tolerance"], "inconclusive_detail": detail["inconclusive"]}


def dpia(analysis: "Analysis") -> dict[str, Any] | None:
    """DPIA state, screening decision, residual-high risks, prior-consultation flag, open DPO questions."""
    view = analysis.dpia
    if not view["recorded"]:
        return None
    return {"state": view["status"], "decision": view["screening"]["decision"],
            "criteria_met": view["screening"]["criteria_met_count"], "risks": len(view["risks"]),
            "residual_high": sum(1 for r in view["risks"] if r["residual_level"] == "high"),
            "prior_consultation_required": view["prior_consultation_required"],
            "open_questions": len(view["completeness"])}


def operations(analysis: "Analysis") -> dict[str, Any] | None:
    """Checklist items done, open and unsupported, and the current pilot step; None until operations.yaml exists."""
    view = analysis.operations
    if not view["recorded"]:
        return None
    summary = view["summary"]
    return {"items_done": summary.get("done", 0),
            "items_open": summary.get("open", 0) + summary.get("in_progress", 0),
            "items_unsupported": summary.get("unsupported", 0), "items_overdue": summary["overdue"],
            "pilot": view["pilot"]["label"]}


def evidence(analysis: "Analysis") -> dict[str, Any] | None:
    """Evidence items per status (ok, expired, missing, hash_mismatch) and those needing attention."""
    if not analysis.evidence["total"]:
        return None
    return {k: v for k, v in analysis.evidence.items() if k != "rows"}


def licenses(analysis: "Analysis") -> dict[str, Any] | None:
    """Counts of openness classes and findings by severity; ``None`` when no component is recorded."""
    report = analysis.licenses
    if report is None:
        return None
    return {**report["counts"], "mof_class": report["mof"]["class"] if report["mof"] else None,
            "osaid_conformant": report["osaid"]["conformant"] if report["osaid"] else None,
            "primary_model": report["primary_model"]}


def status_summary(analysis: "Analysis") -> dict[str, Any]:
    """Every status section in order; ``None`` means not yet recorded."""
    return {"system": {k: v for k, v in analysis.system.items() if k != "generative"},
            "coverage": coverage(analysis), "measurement": measurement(analysis),
            "risks": analysis.risks["summary"] if analysis.risks else None, "dpia": dpia(analysis),
            "operations": operations(analysis), "evidence": evidence(analysis), "licenses": licenses(analysis),
            "findings": findings(analysis)}


def findings(analysis: "Analysis") -> dict[str, Any]:
    """Findings per severity (validation and consistency, as ``rmfkit check`` lists them)."""
    from rmfkit.analysis.consistency import counts

    return {"total": len(analysis.findings), **counts(analysis.findings)}
