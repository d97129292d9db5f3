"""The RMF mapping in the notebooks: coverage, subcategory tables, gaps, suggestions, the RMF's own guidance.

Every table reads the ``mapping`` section of one :class:`~rmfkit.analysis.Analysis` (evidence-checked
statuses), with the packet's column words and row shading (red: short of met, amber: met without evidence).

>>> import pathlib, tempfile
>>> from rmfkit.analysis import of_workspace
>>> from rmfkit.workspace import Workspace
>>> ws = Workspace.create(pathlib.Path(tempfile.mkdtemp()) / "w", system_id="s", name="S", owner="o")
>>> coverage_table(of_workspace(ws)).summary
'0 of 72 subcategories assessed; 0 claims not backed by usable evidence, 0 marked met without evidence'
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Mapping, Sequence

from rmfkit.labels import EFFECTIVE_LABELS, plural
from rmfkit.notebook.html import COLLAPSE_AFTER, Chart, Html, Table, callout, label, render, short, table

if TYPE_CHECKING:
    from rmfkit.analysis import Analysis

COVERAGE_KEYS = ("met", "partially_met", "unsupported", "not_met", "not_applicable", "not_assessed")


def coverage_table(analysis: "Analysis") -> Table:
    """One row per RMF function: subcategories per evidence-checked status, share assessed and met."""
    mapping = analysis.mapping
    totals = mapping["totals"]
    columns = {"function": "Function", **{k: EFFECTIVE_LABELS[k] for k in COVERAGE_KEYS}, "total": "Total",
               "assessed_share": "Assessed", "met_share": "Met (of applicable)"}
    return table(mapping["coverage"], columns, title="RMF coverage by function", bar_columns=("assessed_share",),
                 percent_columns=("assessed_share", "met_share"),
                 summary=f"{totals['assessed']} of {totals['total']} subcategories assessed; "
                         f"{plural(totals['unsupported'], 'claim')} not backed by usable evidence, "
                         f"{totals['met_without_evidence']} marked met without evidence")


def coverage_chart(analysis: "Analysis") -> Chart:
    """The packet's coverage chart (stacked statuses per function), inline."""
    from rmfkit.render.charts import coverage_chart as draw

    return Chart(draw(analysis.mapping["coverage"]), "Coverage by function, evidence-checked")


def _shade(row: Mapping[str, Any]) -> str | None:
    from rmfkit.analysis.actions import shortfall

    return "gap" if shortfall(row) else "watch" if "met_without_evidence" in row["flags"] else None


def mapping_table(analysis: "Analysis", function: str | None = None, *, status: str | None = None) -> Table:
    """Subcategories (of one function, or all) with statement, evidence-checked status, owner, evidence,
    target and the reason for the status; rows shaded as in the packet."""
    from rmfkit.catalog import load_catalog, normalize_id

    wanted = load_catalog().function(normalize_id(function)).id if function else None
    chosen = [r for r in analysis.mapping["rows"]
              if (not wanted or r["function"] == wanted) and (not status or r["effective_status"] == status)]
    rows = [{"id": r["id"], "statement": short(r["statement"], 110), "status": r["effective_status"],
             "owner": r["owner"], "evidence": r["evidence"], "reason": r["reason"],
             "target": " by ".join(str(x) for x in (label(r["target_status"]) if r["target_status"] else None,
                                                     r["target_date"]) if x) or None} for r in chosen]
    counts: dict[str, int] = {}
    for r in rows:
        counts[r["status"]] = counts.get(r["status"], 0) + 1
    summary = (f"{plural(len(rows), 'subcategory', 'subcategories')}: "
               + ", ".join(f"{n} {label(s).lower()}" for s, n in counts.items())
               + "; red rows are short of met, amber rows are met without evidence")
    return table(rows, {"id": "Subcategory", "statement": "Statement", "status": "Status", "owner": "Owner",
                        "evidence": "Evidence", "target": "Target", "reason": "Why this status"},
                 title=f"{wanted or 'All'} subcategories", status_columns=("status",),
                 wrap_columns=("statement", "reason"), summary=summary,
                 collapse_after=25 if wanted else COLLAPSE_AFTER, shade=[_shade(r) for r in chosen])


def gaps_table(analysis: "Analysis") -> Table:
    """Subcategories below their target status, soonest target first; overdue ones say so."""
    gaps = sorted(analysis.mapping["gaps"], key=lambda g: (g["target_date"] is None, g["target_date"] or ""))
    rows = [{**g, "when": (("overdue since " if g["overdue"] else "due ") + str(g["target_date"]))
             if g["target_date"] else "no date set"} for g in gaps]
    overdue = sum(1 for g in gaps if g["overdue"])
    return table(rows, {"id": "Subcategory", "current": "Now", "target": "Target", "when": "When", "owner": "Owner"},
                 title="Gaps to the target profile", status_columns=("current", "target"),
                 summary=f"{plural(len(rows), 'gap')}, {overdue} overdue", shade=["gap" if g["overdue"] else None
                                                                                  for g in gaps])


def suggestions_table(analysis: "Analysis") -> Table:
    """Evidence that speaks to a subcategory the mapping does not link yet, with the command to accept."""
    rows = analysis.mapping["suggestions"]
    return table(rows, {"subcategory": "Subcategory", "evidence": "Evidence", "title": "Title",
                        "reason": "Why suggested", "current_status": "Status now", "command": "Accept with"},
                 title="Suggested evidence links", status_columns=("current_status",), wrap_columns=("title",),
                 summary=plural(len(rows), "suggestion"), empty="none; every usable evidence item is already linked")


def record_suggestions_table(analysis: "Analysis") -> Table:
    """Subcategories that recorded work (the DPIA, the risk register, done checklist items) speaks to, not yet met.

    Prompts for the room, not evidence links: decide the status and record it.
    """
    rows = analysis.mapping["record_suggestions"]
    return table(rows, {"subcategory": "Subcategory", "source": "Suggested by", "reason": "What was recorded",
                        "current_status": "Status now"},
                 title="Subcategories your other records speak to", status_columns=("current_status",),
                 wrap_columns=("reason",),
                 summary=f"{plural(len(rows), 'subcategory', 'subcategories')} to revisit in light of the DPIA, "
                         "risks and operations checklist",
                 empty="none; the DPIA, risk register and operations checklist suggest nothing beyond what is met")


def function_intro(function_id: str) -> Html:
    """The RMF's own words for one function, with its categories (what the team is about to walk)."""
    from rmfkit.catalog import load_catalog, normalize_id

    fn = load_catalog().function(normalize_id(function_id))
    categories = [{"id": c.id, "statement": short(c.statement, 140), "count": len(c.subcategories)}
                  for c in fn.categories]
    return Html(render("function_intro.html.j2", function=fn, categories=categories), f"{fn.id}: {fn.statement}")


def guidance(analysis: "Analysis", sub_id: str, *, actions: int = 4) -> Html:
    """What the Playbook (and, for a generative system, NIST AI 600-1) suggests for one subcategory."""
    from rmfkit.assess import guidance as guidance_for

    g = guidance_for(sub_id, generative=analysis.system["generative"])
    return Html(render("guidance.html.j2", g=g, actions=g["suggested_actions"][:actions],
                       more=len(g["suggested_actions"]) - actions, questions=g["documentation_questions"][:3]),
                f"{g['id']}: {g['statement']}")


def decisions_table(rows: Sequence[Mapping[str, Any]]) -> Html | Table:
    """What a session recorded (:func:`rmfkit.notebook.record_assessments`): status before and after."""
    if not rows:
        return callout("No decisions recorded in this run",
                       ["use the form above, or add entries to the decisions list and run the cell again"])
    return table(rows, {"id": "Subcategory", "before": "Before", "after": "After", "owner": "Owner",
                        "evidence": "Evidence", "notes": "Notes"},
                 title="Decisions recorded in this session", status_columns=("before", "after"),
                 wrap_columns=("notes",))
