"""Licenses and openness in the notebooks: the register, openness reasons, findings, MOF class, due diligence,
and the openness decision helper.

Every table reads the ``licenses`` section of one :class:`~rmfkit.analysis.Analysis`; the decision
helper answers from the team's stated needs alone.

>>> needs_table().title
'What does the team need most?'
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Sequence

from rmfkit.labels import plural
from rmfkit.notebook.html import Html, Table, callout, label, render, table

if TYPE_CHECKING:
    from rmfkit.analysis import Analysis
    from rmfkit.workspace import Workspace

NO_COMPONENTS = "No components recorded yet in system.yaml, so there is no license register"


def license_register(analysis: "Analysis") -> Html | Table:
    """The license register: layer, license, openness, commercial use, findings and review per component."""
    from rmfkit.models.system import LAYERS

    report = analysis.licenses
    if report is None:
        return callout(NO_COMPONENTS, tone="warn")
    rows = []
    for r in sorted(report["register"], key=lambda r: LAYERS.index(r["layer"])):
        rows.append({**r, "license_text": ", ".join(r["license_names"]) or r["license"],
                     "openness": r["openness"] or "undetermined",
                     "finding_text": ", ".join(f"{n} {label(s).lower()}" for s, n in r["findings"].items() if n) or None,
                     "review_text": "Yes" if r["needs_review"] else None})
    counts = report["counts"]
    mix = ", ".join(f"{n} {label(k).lower()}" for k, n in counts["openness"].items() if n)
    return table(rows, {"layer": "Layer", "component": "Component", "license_text": "License",
                        "openness": "Openness", "commercial_distribution": "Commercial use",
                        "finding_text": "Findings", "due_diligence": "Due diligence", "review_text": "Needs review"},
                 title="License register", status_columns=("openness", "commercial_distribution"),
                 wrap_columns=("license_text",), collapse_after=20,
                 summary=f"{plural(counts['components'], 'component')}: {mix}; {counts['needs_review']} need review")


def openness_reasons(analysis: "Analysis") -> Html | Table:
    """Why each component is open source, open weights, open access or closed (in words)."""
    report = analysis.licenses
    if report is None:
        return callout(NO_COMPONENTS, tone="warn")
    rows = [{"component": r["component"], "openness": r["openness"] or "undetermined", "why": r["openness_reason"]}
            for r in report["register"]]
    return table(rows, {"component": "Component", "openness": "Openness", "why": "Why"},
                 title="Openness, with the reason", status_columns=("openness",), wrap_columns=("why",),
                 collapse_after=6, summary=f"Why each of the {len(rows)} components is classified as it is")


def license_findings(analysis: "Analysis") -> Html | Table:
    """Policy findings against the intended use, most severe first, each with the action to take."""
    report = analysis.licenses
    if report is None:
        return callout(NO_COMPONENTS, tone="warn")
    rows = report["findings"]
    return table(rows, {"severity": "Severity", "component": "Component", "message": "Finding", "action": "Action",
                        "clause": "Clause"},
                 title="License findings for the intended use", status_columns=("severity",),
                 wrap_columns=("message", "action"), summary=plural(len(rows), "finding"), empty="none",
                 shade=["gap" if f["severity"] == "blocker" else None for f in rows])


def mof_card(analysis: "Analysis") -> Html:
    """The primary model release's Model Openness Framework class and what each next class needs."""
    report = analysis.licenses
    mof = report["mof"] if report else None
    if mof is None:
        return callout("No model weights component: the MOF class does not apply")
    items = [f"for Class {klass}: {m['name']} ({m['reason']})" for klass, missing in mof["missing"].items()
             for m in missing]
    osaid = report["osaid"]
    verdict = "meets" if osaid and osaid["conformant"] else "does not meet"
    title = (f"{mof['component']}: MOF {mof['label']}; {verdict} the OSI Open Source AI Definition 1.0 "
             f"— {plural(len(items), 'release component')} missing")
    return Html(render("mof.html.j2", title=title, items=items), title)


def scorecard_table(analysis: "Analysis", component_id: str | None = None) -> Html | Table:
    """The eight due-diligence checks of one component (default: the primary model), rated, with notes."""
    report = analysis.licenses
    component_id = component_id or (report or {}).get("primary_model")
    if component_id is None:
        return callout("No model component to assess", tone="warn")
    card = next(c for c in report["components"] if c["component"] == component_id)["scorecard"]
    return table(card["rows"], {"name": "Check", "question": "Question", "rating": "Rating", "note": "Note",
                                "evidence": "Evidence"},
                 title=f"Due diligence: {component_id}", status_columns=("rating",), wrap_columns=("question", "note"),
                 summary=card["summary"] + (f" by {card['assessed_by']}" if card["assessed_by"] else "")
                 + (f" on {card['assessed_on']}" if card["assessed_on"] else ""))


def needs_table() -> Table:
    """The needs the openness decision helper knows (choose one or more ids)."""
    from rmfkit.licenses.decision import needs

    return table([{"id": k, "label": v} for k, v in needs().items()], {"id": "Need id", "label": "Means"},
                 title="What does the team need most?")


def recommendation_card(team_needs: Sequence[str], recorded: str | None = None) -> Html:
    """The decision helper's answer for the team's needs: level of openness, reasoning, what to look for
    (``recorded``: a line saying where and how the decision was recorded)."""
    from rmfkit.licenses.decision import recommend_openness

    r = recommend_openness(list(team_needs))
    level = label(r.level) if r.level else "no single level: try both"
    acceptable = ", ".join(label(a) for a in r.acceptable) or "none satisfies every need"
    return Html(render("recommendation.html.j2", r=r, level=level, acceptable=acceptable, recorded=recorded),
                f"Recommended openness: {level}" + (f"\n{recorded}" if recorded else ""))


def openness_decision(ws: "Workspace") -> Html:
    """The openness decision recorded in system.yaml, its reasoning, and whether the main model fits it
    (recorded with :func:`rmfkit.editing.system.decide_openness`); a callout when none is recorded yet."""
    from rmfkit.analysis import of_workspace

    report = of_workspace(ws).licenses or {}
    decision = report.get("openness_decision")
    if not decision:
        return callout("Openness: no decision recorded yet. Name the team's needs (the form, or team_needs in the "
                       "parameters) to record one.", tone="warn")
    model = report.get("primary_model")
    fits = {True: f"the main model ({model}) is at an accepted level",
            False: f"the main model ({model}) is not at an accepted level: see the license findings",
            None: "no main model to compare"}[decision.get("fits")]
    by = f" by {decision['decided_by']}" if decision.get("decided_by") else ""
    return recommendation_card(decision["needs"], f"Recorded in system.yaml on {decision.get('decided_on', '—')}{by}; "
                                                  f"{fits}.")
