"""The DPIA as assessed: what a DPO would still ask for (completeness), and the DPIA section of the analysis.

>>> from rmfkit.models.system import SystemProfile
>>> system = SystemProfile(id="s", name="S", owner="o", purpose="p", deployment_pattern="self_hosted")
>>> [a["field"] for a in completeness(system, None)]
['dpia.yaml']
"""
from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from rmfkit.dpia import (AI_RISKS_EXPECTED, DPIA_FILE, GAUGE_LABELS, ScreeningResult, large_scale, load,
                         prefill_description, prior_consultation_required, risk_rows, rmf_suggestions, screen)
from rmfkit.models.dpia import NECESSITY_ITEMS, Description, Dpia
from rmfkit.models.system import SystemProfile

if TYPE_CHECKING:
    from rmfkit.records import Records
    from rmfkit.workspace import Workspace


def completeness(system: SystemProfile, dpia: Dpia | None, result: ScreeningResult | None = None, *,
                 today: dt.date | None = None) -> list[dict[str, str]]:
    """What a DPO would still ask for, as ``{"section", "field", "question"}`` items (empty when complete)."""
    result = result or screen(system, dpia)
    asks: list[dict[str, str]] = []

    def ask(section: str, where: str, question: str) -> None:
        asks.append({"section": section, "field": where, "question": question})

    if dpia is None:
        ask("dpia", DPIA_FILE, "No DPIA record yet: run the screening and record the decision (`rmfkit dpia screen`).")
        return asks
    for finding in result.findings:
        ask("screening", "screening", finding)
    if result.decision == "not_required":
        return asks
    desc: Description = dpia.description
    if not desc.purposes:
        ask("description", "description.purposes", "Which purposes, per lifecycle phase, with which lawful basis?")
    for i, purpose in enumerate(desc.purposes):
        if purpose.lawful_basis is None:
            ask("description", f"description.purposes.{i}.lawful_basis",
                f"What is the lawful basis for '{purpose.purpose}' ({purpose.lifecycle_phase})?")
        elif purpose.lawful_basis.startswith("6(1)(f)") and not (purpose.legitimate_interest and purpose.lia_ref):
            ask("description", f"description.purposes.{i}.legitimate_interest",
                f"'{purpose.purpose}' relies on legitimate interests: name the interest and the assessment (LIA).")
    phases = {p.lifecycle_phase for p in desc.purposes}
    if desc.purposes and "deployment" not in phases:
        ask("description", "description.purposes", "No purpose for the deployment (inference) phase.")
    if any(c.layer == "data" for c in system.components) and desc.purposes and not phases & {
            "development", "training", "fine-tuning", "evaluation"}:
        ask("description", "description.purposes",
            "The system has data components: which development or evaluation purposes use them, on which basis?")
    for i, category in enumerate(desc.data_categories):
        if not category.retention:
            ask("description", f"description.data_categories.{i}.retention", f"How long is '{category.name}' kept?")
    if not desc.data_categories:
        ask("description", "description.data_categories", "Which personal data are processed, kept how long, "
                                                           "seen by whom?")
    if not desc.data_subjects:
        ask("description", "description.data_subjects", "Whose data is processed (categories, approximate number)?")
    prefill = prefill_description(system)
    named = {p.name for p in desc.processors}
    for proc in prefill["processors"]:
        if proc["name"] not in named:
            ask("description", "description.processors",
                f"Data flow(s) {', '.join(proc['data_flows'])} go to processor '{proc['name']}': record its role, "
                "contract (Art. 28) and own-purpose use.")
    for i, proc in enumerate(desc.processors):
        if proc.role in ("processor", "sub_processor") and proc.dpa_signed is not True:
            ask("description", f"description.processors.{i}.dpa_signed",
                f"Is an Art. 28 data processing agreement signed with '{proc.name}'?")
        if proc.uses_data_for_own_purposes is None:
            ask("description", f"description.processors.{i}.uses_data_for_own_purposes",
                f"Does '{proc.name}' use the data for its own purposes (e.g. training its models)?")
    recorded_flows = {t.data_flow for t in desc.international_transfers if t.data_flow}
    for transfer in prefill["international_transfers"]:
        if transfer["data_flow"] not in recorded_flows:
            ask("description", "description.international_transfers",
                f"Data flow {transfer['data_flow']} sends personal data to {transfer['importer']} in "
                f"{transfer['country']}: record the transfer and its mechanism (Chapter V).")
    for i, transfer in enumerate(desc.international_transfers):
        if not transfer.mechanism:
            ask("description", f"description.international_transfers.{i}.mechanism",
                f"Which Chapter V mechanism covers the transfer to {transfer.importer} ({transfer.country})?")
        elif not transfer.tia_ref and "adequacy" not in transfer.mechanism.lower():
            ask("description", f"description.international_transfers.{i}.tia_ref",
                f"Where is the transfer impact assessment for {transfer.importer} ({transfer.country})?")
    for flow_id in prefill["unknown_regions"]:
        ask("description", "system.yaml", f"Data flow {flow_id} carries personal data but has no region: "
                                          "where is it processed?")
    if system.automated_decisions and desc.automated_decision is None:
        ask("description", "description.automated_decision", "Which automated decisions are made, with what effect, "
                                                              "under which Art. 22 exception, reviewed by whom?")
    for key, title in NECESSITY_ITEMS.items():
        item = dpia.necessity.get(key)
        if item is None:
            ask("necessity", f"necessity.{key}", f"{title}: how is it ensured?")
        elif item.assessment == "to_fix":
            ask("necessity", f"necessity.{key}", f"{title} is marked to_fix: what is the plan?")
    rows = risk_rows(dpia, is_large_scale=large_scale(result))
    if not rows:
        ask("risks", "risks", "Which risks to data subjects' rights and freedoms were identified and rated?")
    refs = {r.catalogue_ref for r in dpia.risks}
    expected = dict(AI_RISKS_EXPECTED) if system.generative else {}
    if prefill["international_transfers"] or prefill["processors"]:
        expected["R04"] = "Prompts with personal data sent to a hosted model API"
    if system.automated_decisions:
        expected["R08"] = "Automated decisions and automation bias"
    for ref, title in sorted(expected.items()):
        if ref not in refs:
            ask("risks", "risks", f"AI-specific risk {ref} ({title}) is not assessed.")
    for i, row in enumerate(rows):
        if row["inherent_level"] != "low" and not row["measures"]:
            ask("risks", f"risks.{i}.measures", f"{row['id']} is {row['inherent_level']}: which measures address it?")
        if not row["residual_rated"]:
            ask("risks", f"risks.{i}.residual_severity", f"{row['id']}: what is the residual risk after the measures?")
        elif row["residual_level"] != "low" and not row["approved_by"]:
            ask("risks", f"risks.{i}.approved_by", f"{row['id']}: who accepted the {row['residual_level']} "
                                                   "residual risk?")
    if prior_consultation_required(rows) and dpia.prior_consultation is None:
        ask("outcome", "prior_consultation", "A residual risk stays high: consult the supervisory authority before "
                                             "processing (Art. 36(1)), or add measures.")
    if dpia.dpo is None:
        ask("consultation", "dpo", "Who is the DPO (name, contact)?")
    if dpia.dpo_advice is None:
        ask("consultation", "dpo_advice", "What did the DPO advise (Art. 35(2)), and was it followed?")
    if dpia.data_subject_views is None:
        ask("consultation", "data_subject_views", "Were data subjects' views sought (Art. 35(9))? If not, why not?")
    for i, point in enumerate(dpia.open_points):
        if point.closed_on is None:
            raised = f" (raised by {point.raised_by})" if point.raised_by else ""
            ask("outcome", f"open_points.{i}", f"Open point{raised}: {point.point}")
    if not (dpia.sign_off.measures_approved_by and dpia.sign_off.residual_risks_approved_by):
        ask("outcome", "sign_off", "Who approved the measures and the residual risks, and when?")
    if dpia.next_review_due is None:
        ask("outcome", "next_review_due", "When will the DPIA be reviewed (Art. 35(11))?")
    else:
        from rmfkit.clock import today as default_today

        if dpia.next_review_due < (today or default_today()):
            ask("outcome", "next_review_due", f"The review was due on {dpia.next_review_due.isoformat()}.")
    return asks


def view(ws: "Records | Workspace", today: dt.date | None = None) -> dict[str, Any]:
    """The DPIA-inputs section of the packet as plain data, with completeness as of ``today``."""

    system = ws.system
    dpia = load(ws)
    result = screen(system, dpia)
    rows = risk_rows(dpia, is_large_scale=large_scale(result)) if dpia else []
    prefill = prefill_description(system)
    out: dict[str, Any] = {
        "recorded": dpia is not None, "screening": result.as_dict(),
        "prefill": prefill, "risks": rows,
        "prior_consultation_required": prior_consultation_required(rows),
        "completeness": completeness(system, dpia, result, today=today),
        "rmf_suggestions": [{"subcategory": s, "reason": r} for s, r in rmf_suggestions(ws)],
        "scale": {"severity": {str(k): v for k, v in GAUGE_LABELS.items() if k},
                  "likelihood": {str(k): v for k, v in GAUGE_LABELS.items() if k}},
    }
    if dpia is None:
        return out
    data = dpia.model_dump(mode="json", exclude={"screening", "risks"})
    out.update({key: data[key] for key in ("dpia_id", "version", "status", "example_data", "created_at", "updated_at",
                                           "next_review_due", "review_triggers", "controller", "dpo", "author",
                                           "evaluator", "approver", "description", "measures", "dpo_advice",
                                           "data_subject_views", "other_consultees", "sign_off",
                                           "prior_consultation", "open_points")})
    out["necessity"] = [{"key": key, "title": title, **(data["necessity"].get(key) or
                                                         {"answer": None, "measures": [], "assessment": None})}
                        for key, title in NECESSITY_ITEMS.items()]
    out["screening"]["decision_rationale"] = dpia.screening.decision_rationale
    out["screening"]["decided_by"] = dpia.screening.decided_by
    out["screening"]["decided_at"] = dpia.screening.decided_at.isoformat() if dpia.screening.decided_at else None
    return out
