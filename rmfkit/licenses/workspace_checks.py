"""What the license analysis adds to ``rmfkit validate`` for a workspace.

``check_references`` checks that release-component keys are MOF components, that evidence ids in due-diligence and release entries exist,
and that ``primary_model`` names a component.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from rmfkit.errors import Problem

if TYPE_CHECKING:
    from rmfkit.workspace import Workspace


def check_references(ws: "Workspace") -> list[Problem]:
    from rmfkit.licenses.facts import mof_data

    if "system.yaml" not in ws.records:
        return []
    system = ws.system
    parts = mof_data()["components"]
    evidence = ws.evidence
    problems = []

    def where(*loc):
        return ws.locate("system.yaml", loc)

    for i, comp in enumerate(system.components):
        for key, item in comp.release_components.items():
            loc = ("components", i, "release_components", key)
            if key not in parts:
                problems.append(Problem("system.yaml", f"'{key}' is not a Model Openness Framework component "
                                        f"(one of: {', '.join(parts)})", where(*loc), f"components.{comp.id}.release_components"))
            for evidence_id in item.evidence:
                if evidence_id not in evidence:
                    problems.append(Problem("system.yaml", f"evidence '{evidence_id}' is not in this workspace",
                                            where(*loc, "evidence"), f"components.{comp.id}.release_components.{key}"))
        if comp.due_diligence:
            for check_id in type(comp.due_diligence).model_fields:
                entry = getattr(comp.due_diligence, check_id)
                for evidence_id in getattr(entry, "evidence", []) or []:
                    if evidence_id not in evidence:
                        problems.append(Problem("system.yaml", f"evidence '{evidence_id}' is not in this workspace",
                                                where("components", i, "due_diligence", check_id, "evidence"),
                                                f"components.{comp.id}.due_diligence.{check_id}"))
    if system.primary_model and system.component(system.primary_model) is None:
        problems.append(Problem("system.yaml", f"primary_model '{system.primary_model}' is not a component id",
                                where("primary_model"), "primary_model"))
    return problems
