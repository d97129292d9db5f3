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
            "suggestions": len(result.suggestions)}


def measurement_section(ws: "Workspace") -> dict[str, Any] | None:
    """Thresholds passed, failing and not measured; None until ``thresholds.yaml`` exists."""
    from rmfkit import measure

    if measure.thresholds_of(ws) is None:
        return None
    rows = measure.evaluate(ws)
    return {**measure.summary(rows),
            "failing_detail": [{"id": r["id"], "title": r["title"], "reason": r["reason"]}
                               for r in rows if r["outcome"] == "fail"]}


def risks_section(ws: "Workspace") -> dict[str, Any] | None:
    risks = list(ws.risks.values())
    if not risks:
        return None
    open_risks = [r for r in risks if r.status != "closed"]
    return {"total": len(risks), "open": len(open_risks),
            "open_high": sum(1 for r in open_risks if (r.residual_score or r.inherent_score) >= 15)}


def operations_section(ws: "Workspace") -> dict[str, Any] | None:
    """Checklist items done, open and unsupported, and the current pilot step; None until operations.yaml exists."""
    from rmfkit.ops import status_section

    return status_section(ws)


SECTIONS = {
    "system": system_section,
    "coverage": coverage_section,
    "measurement": measurement_section,
    "risks": risks_section,
    "operations": operations_section,
}


def status_summary(ws: "Workspace") -> dict[str, Any]:
    """Every status section in order; ``None`` means not yet recorded."""
    return {name: fn(ws) for name, fn in SECTIONS.items()}
