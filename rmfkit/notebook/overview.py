"""The workspace at a glance: the status overview, the pilot and the validation findings.

Every function reads one :class:`~rmfkit.analysis.Analysis` (the status sections of
:func:`rmfkit.views.status.status_summary`).

>>> import pathlib, tempfile
>>> from rmfkit.analysis import of_workspace
>>> from rmfkit.workspace import Workspace
>>> ws = Workspace.create(pathlib.Path(tempfile.mkdtemp()) / "w", system_id="s", name="S", owner="o")
>>> problems_table(of_workspace(ws))
The workspace is valid
- every file matches its schema and every reference resolves
- 1 warning to read (rmfkit check lists them)
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rmfkit.labels import plural
from rmfkit.notebook.html import Html, Table, callout, facts, grid, label, stack, table

if TYPE_CHECKING:
    from rmfkit.analysis import Analysis


def _section_cards(status: dict[str, Any]) -> tuple[list[Html], list[str]]:
    """One card per recorded status section; the names of those not recorded yet."""
    cards, missing = [], []
    measurement, risks, dpia = status["measurement"], status["risks"], status["dpia"]
    if measurement:
        cards.append(facts("Measurement", {
            "thresholds": measurement["thresholds"], "pass": measurement["pass"],
            "pass within tolerance": measurement["within_tolerance"] or None,
            "failing": measurement["failing"] or None, "not measured": measurement["not_measured_thresholds"] or None,
            "characteristics not measured": measurement["characteristics_not_measured"] or None}))
    else:
        missing.append("measurement")
    if risks:
        cards.append(facts("Risks", {"open": f"{risks['open']} of {risks['total']}", "open at a high level":
                                     risks["open_high"], "open medium": risks["open_medium"],
                                     "open low": risks["open_low"], "with a residual score":
                                     risks["with_residual_score"], "overdue": risks["overdue"]}))
    else:
        missing.append("risks")
    if dpia:
        cards.append(facts("DPIA", {"state": label(dpia["state"]), "screening": f"{label(dpia['decision'])}, "
                                    f"{plural(dpia['criteria_met'], 'criterion', 'criteria')} met",
                                    "privacy risks": dpia["risks"], "high residual": dpia["residual_high"],
                                    "prior consultation required": dpia["prior_consultation_required"],
                                    "open DPO questions": dpia["open_questions"]}))
    else:
        missing.append("DPIA")
    for name, card in (("evidence", _evidence_card), ("licenses", _licenses_card), ("operations", _operations_card)):
        if status[name]:
            cards.append(card(status[name]))
        else:
            missing.append(name)
    return cards, missing


def _evidence_card(evidence: dict[str, Any]) -> Html:
    return facts("Evidence", {"items": evidence["total"], "OK": evidence["ok"], "expired": evidence["expired"],
                              "missing": evidence["missing"], "altered": evidence["hash_mismatch"],
                              "needs attention": evidence["attention"] or None})


def _licenses_card(licenses: dict[str, Any]) -> Html:
    openness = {label(k): n for k, n in licenses["openness"].items() if n}
    return facts("Licenses and openness", {"components": licenses["components"], "openness": openness,
                                           "findings": {label(k): n for k, n in licenses["findings"].items() if n},
                                           "need legal review": licenses["needs_review"],
                                           "primary model": licenses["primary_model"],
                                           "MOF class": label(licenses["mof_class"]) if licenses["mof_class"] else None,
                                           "OSI open source AI": licenses["osaid_conformant"]})


def _operations_card(operations: dict[str, Any]) -> Html:
    return facts("Operations", {"pilot": operations["pilot"], "checklist done": operations["items_done"],
                                "open": operations["items_open"], "unsupported": operations["items_unsupported"],
                                "overdue": operations["items_overdue"]})


def status_overview(analysis: "Analysis") -> Html:
    """Status at a glance: the system, coverage per function, then one card per status section.

    The same sections and numbers as ``rmfkit status`` (:func:`rmfkit.views.status.status_summary`).
    """
    from rmfkit.notebook.mapping import coverage_table
    from rmfkit.views.status import status_summary

    status = status_summary(analysis)
    system = status["system"]
    parts: list[Any] = [facts(system["name"], {"id": system["id"], "owner": system["owner"],
                                               "deployment": label(system["deployment_pattern"]),
                                               "components": system["components"],
                                               "data flows": system["data_flows"], "as of": analysis.as_of}),
                        coverage_table(analysis)]
    cards, missing = _section_cards(status)
    parts.append(grid(cards, f"{len(cards)} status cards"))
    findings = status["findings"]
    if findings["total"]:
        errors = f", {plural(findings['error'], 'error')}" if findings.get("error") else ""
        parts.append(callout(f"{plural(findings['total'], 'finding')}{errors}: see the findings table",
                             tone="bad" if findings.get("error") else "warn"))
    else:
        parts.append(callout("No findings", tone="good"))
    if missing:
        parts.append(callout("Not yet recorded: " + ", ".join(missing), tone="warn"))
    return stack(parts, f"status of {system['name']} on {analysis.as_of}")


def pilot_step(analysis: "Analysis") -> Html:
    """Where the ten-step pilot of operating the model stands, with the readiness checklist counts."""
    from rmfkit.views.status import operations

    section = operations(analysis)
    if section is None:
        return callout("Pilot plan not yet recorded",
                       ["operations.yaml holds the MLOps readiness checklist and the ten-step pilot plan "
                        "(`rmfkit ops show`)"], tone="warn")
    items = [f"checklist: {section['items_done']} done, {section['items_open']} open, "
             f"{section['items_unsupported']} unsupported, {section['items_overdue']} overdue"]
    return callout(f"Pilot: {section['pilot']}", items, tone="warn" if section["items_overdue"] else "info")


def problems_table(analysis: "Analysis") -> Html | Table:
    """The analysis' error-level findings (file, line, field, problem), or a green note when there are none
    (naming how many warnings ``rmfkit check`` lists)."""
    problems = [f for f in analysis.findings if f["severity"] == "error"]
    warnings = len(analysis.findings) - len(problems)
    if not problems:
        return callout("The workspace is valid", ["every file matches its schema and every reference resolves",
                                                  *([f"{plural(warnings, 'warning')} to read (rmfkit check lists them)"]
                                                    if warnings else [])], tone="good")
    return table(problems, {"file": "File", "line": "Line", "field": "Field", "message": "Problem"},
                 title=f"{plural(len(problems), 'problem')} to fix", wrap_columns=("message",))
