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


def coverage_section(ws: "Workspace") -> list[dict]:
    from rmfkit.assess import coverage_rows

    return coverage_rows(ws.assessments())


def risks_section(ws: "Workspace") -> dict[str, Any] | None:
    risks = list(ws.risks.values())
    if not risks:
        return None
    open_risks = [r for r in risks if r.status != "closed"]
    return {"total": len(risks), "open": len(open_risks),
            "open_high": sum(1 for r in open_risks if (r.residual_score or r.inherent_score) >= 15)}


SECTIONS = {
    "system": system_section,
    "coverage": coverage_section,
    "risks": risks_section,
}


def status_summary(ws: "Workspace") -> dict[str, Any]:
    """Every status section in order; ``None`` means not yet recorded."""
    return {name: fn(ws) for name, fn in SECTIONS.items()}
