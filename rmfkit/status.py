"""The at-a-glance status of a workspace, as plain data (CLI, notebooks and packet summary read it).

Each section is computed by one function; a section whose records do not exist yet is ``None``
and shown as "not yet recorded".
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rmfkit.workspace import Workspace


def system_section(ws: "Workspace") -> dict[str, Any]:
    s = ws.system
    return {"id": s.id, "name": s.name, "owner": s.owner, "deployment_pattern": s.deployment_pattern,
            "components": len(s.components), "data_flows": len(s.data_flows)}


def coverage_section(ws: "Workspace") -> dict[str, Any]:
    """Coverage per function from the evidence-checked status, unsupported claims and target gaps."""
    from rmfkit.assess import assess

    result = assess(ws)
    return {"functions": result.coverage, "totals": result.totals,
            "unsupported": [{"id": r["id"], "status": r["status"], "reason": r["reason"]} for r in result.unsupported],
            "met_without_evidence": [r["id"] for r in result.met_without_evidence],
            "target_gaps": len(result.gaps), "overdue_targets": [g["id"] for g in result.gaps if g["overdue"]],
            "suggestions": len(result.suggestions), "record_suggestions": len(result.record_suggestions)}


def measurement_section(ws: "Workspace") -> dict[str, Any] | None:
    """Thresholds passed, passed only within tolerance, failing and not measured; None until
    ``thresholds.yaml`` exists."""
    from rmfkit import measure

    if measure.thresholds_of(ws) is None:
        return None
    rows = measure.evaluate(ws)
    return {**measure.summary(rows),
            "failing_detail": [{"id": r["id"], "title": r["title"], "reason": r["reason"]}
                               for r in rows if r["outcome"] == "fail"],
            "within_tolerance_detail": [{"id": r["id"], "title": r["title"], "reason": r["reason"]}
                                        for r in rows if r["outcome"] == "pass_within_tolerance"]}


def risks_section(ws: "Workspace") -> dict[str, Any] | None:
    """Open risks by current level (residual where scored, else inherent), mitigated and overdue counts."""
    from rmfkit.risks import summary

    risks = list(ws.risks.values())
    return summary(risks) if risks else None


def dpia_section(ws: "Workspace") -> dict[str, Any] | None:
    """DPIA state, screening decision, residual-high risks, prior-consultation flag, open DPO questions."""
    from rmfkit.dpia import status

    return status(ws)


def operations_section(ws: "Workspace") -> dict[str, Any] | None:
    """Checklist items done, open and unsupported, and the current pilot step; None until operations.yaml exists."""
    from rmfkit.ops import status_section

    return status_section(ws)


def evidence_section(ws: "Workspace") -> dict[str, Any] | None:
    """Evidence items per status (ok, expired, missing, hash_mismatch) and those needing attention."""
    from rmfkit.library.store import status_counts

    return status_counts(ws)


def licenses_section(ws: "Workspace") -> dict[str, Any] | None:
    from rmfkit.licenses.workspace_checks import status_section

    return status_section(ws)


SECTIONS = {
    "system": system_section,
    "coverage": coverage_section,
    "measurement": measurement_section,
    "risks": risks_section,
    "dpia": dpia_section,
    "operations": operations_section,
    "evidence": evidence_section,
    "licenses": licenses_section,
}


def status_summary(ws: "Workspace") -> dict[str, Any]:
    """Every status section in order; ``None`` means not yet recorded."""
    return {name: fn(ws) for name, fn in SECTIONS.items()}
