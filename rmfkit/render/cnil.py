"""The DPIA in the CNIL PIA tool's import format (JSON), from the DPIA record and the system profile.

Faithful to the record: the PIA ``status`` follows the DPIA's (approved -> 2 "simple validation",
rejected -> 1 "refused", draft or in review -> 0 "in progress"); each measure carries its description,
type, status, owner, due date, evidence and the risks it addresses; the risk gauges of items 3.2-3.4
(answers 3x5 severity, 3x6 likelihood) carry the **residual** levels, the CNIL method's estimate with the
existing and planned measures, and the justification text keeps each risk's level before measures.
Once the DPIA is decided, ``evaluations`` carry the decision: items 1.1 and 1.2, the principles
(2.1.211-2.2.227, from each answer's own assessment), every measure (3.1.<id>) and the three feared
events (3.2-3.4, gauges = residual levels, with the DPO's advice and the sign-off in the comment).

>>> _p("a < b")
'<p>a &lt; b</p>'
>>> PIA_STATUS["approved"], EVALUATION_STATUS["acceptable"]
(2, 3)
"""
from __future__ import annotations

import datetime as dt
import html
from typing import TYPE_CHECKING, Any

from rmfkit.dpia import DPIA_FILE, GAUGE_LABELS, load
from rmfkit.errors import InputFileError
from rmfkit.models.dpia import NECESSITY_ITEMS, Dpia, DpiaRisk, Measure
from rmfkit.models.system import SystemProfile

if TYPE_CHECKING:
    from rmfkit.records import Records


CNIL_TEXT_REFS = (111, 112, 113, 121, 122, 123, 211, 212, 213, 214, 215, 221, 222, 223, 224, 225, 226, 227)
CNIL_FEARED_EVENTS = {"illegitimate_access": 32, "unwanted_modification": 33, "disappearance": 34}
_NECESSITY_TO_CNIL = {"purpose_specification": 211, "function_creep": 211, "lawful_basis": 212,
                      "minimisation": 213, "less_intrusive_alternatives": 213, "accuracy": 214,
                      "storage_limitation": 215, "information": 221, "consent": 222, "access_portability": 223,
                      "rectification_erasure": 224, "restriction_objection": 225,
                      "automated_decision_safeguards": 225, "processors": 226, "transfers": 227}
# Rights and fairness risks have no native slot in the tool: described in the closest principle's answer.
_RIGHTS_RISK_TO_CNIL = {"R06": 214, "R09": 214, "R07": 225, "R08": 225}
# pia.model.ts: 0 in progress, 1 refused, 2 simple validation, 3 signed validation, 4 archived.
PIA_STATUS = {"draft": 0, "in_review": 0, "rejected": 1, "approved": 2}
# evaluation.model.ts: 0 pending, 1 to be fixed, 2 improvable, 3 acceptable.
EVALUATION_STATUS = {"to_fix": 1, "improvable": 2, "acceptable": 3}
_DECISION_STATUS = {"approved": 3, "rejected": 1}


def _p(text: str | None) -> str:
    return f"<p>{html.escape(text)}</p>" if text else ""


def _ul(items: list[str]) -> str:
    return "<ul>" + "".join(f"<li>{html.escape(i)}</li>" for i in items) + "</ul>" if items else ""


def _iso(day: dt.date | None) -> str:
    return f"{(day or dt.date(1970, 1, 1)).isoformat()}T00:00:00.000Z"


def _cnil_texts(system: SystemProfile, dpia: Dpia) -> dict[int, str]:
    d = dpia.description
    texts: dict[int, list[str]] = {ref: [] for ref in CNIL_TEXT_REFS}
    texts[111] += [_p(d.processing_name or system.name), _p(d.summary or system.purpose), _p(d.context),
                   _ul([f"{p.purpose} ({p.lifecycle_phase})" for p in d.purposes])]
    parties = []
    if dpia.controller:
        parties.append(f"Controller: {dpia.controller.name}")
    parties += [f"{p.role.replace('_', ' ').capitalize()}: {p.name}" + (f" ({p.service})" if p.service else "")
                for p in d.processors]
    texts[112].append(_ul(parties))
    texts[113].append(_ul(d.codes_and_certifications))
    texts[121].append(_ul([f"{c.name}" + (" (special category)" if c.special_category else "")
                           + (f"; retention: {c.retention}" if c.retention else "")
                           + (f"; recipients: {', '.join(c.recipients)}" if c.recipients else "")
                           for c in d.data_categories]))
    texts[122].append(_ul([f"{f.id}: {f.description} ({f.source} → {f.destination}, {f.region or 'region not recorded'})"
                           for f in system.data_flows]))
    texts[123].append(_ul(d.supporting_assets))
    for key, ref in _NECESSITY_TO_CNIL.items():
        item = dpia.necessity.get(key)
        if item:
            texts[ref].append(_p(f"{NECESSITY_ITEMS[key]}: {item.answer}"))
    texts[212].append(_ul([f"{p.purpose} ({p.lifecycle_phase}): {p.lawful_basis or 'lawful basis not recorded'}"
                           for p in d.purposes]))
    texts[226].append(_ul([f"{p.name}: Art. 28 agreement " + ("signed" if p.dpa_signed else "not confirmed")
                           + ("; uses data for its own purposes" if p.uses_data_for_own_purposes else "")
                           for p in d.processors]))
    texts[227].append(_ul([f"{t.importer} ({t.country}): {t.mechanism or 'mechanism not recorded'}"
                           + (f"; transfer impact assessment {t.tia_ref}" if t.tia_ref else "")
                           for t in d.international_transfers]))
    for risk in dpia.risks:
        if risk.feared_event == "rights_impact":
            ref = _RIGHTS_RISK_TO_CNIL.get(risk.catalogue_ref or "", 213)
            texts[ref].append(_p(f"Risk {risk.id} {risk.title}: severity {risk.severity}, likelihood "
                                 f"{risk.likelihood}. {risk.severity_justification} {risk.likelihood_justification}"))
    return {ref: "".join(parts) for ref, parts in texts.items() if "".join(parts)}


def _residual(risk: DpiaRisk) -> tuple[int, int]:
    """(severity, likelihood) after measures; the levels before measures where no residual is recorded."""
    if risk.residual_severity is None or risk.residual_likelihood is None:
        return risk.severity, risk.likelihood
    return risk.residual_severity, risk.residual_likelihood


def _level_text(risk: DpiaRisk, residual: int, before: int, justification: str) -> str:
    if risk.residual_severity is None:
        return _p(f"{risk.id} {risk.title}: {before} ({GAUGE_LABELS[before]}), no residual level recorded. "
                  f"{justification}")
    return _p(f"{risk.id} {risk.title}: {residual} ({GAUGE_LABELS[residual]}) after measures; "
              f"{before} ({GAUGE_LABELS[before]}) before measures. {justification} {risk.residual_justification}")


def _measure_content(dpia: Dpia, measure: Measure) -> str:
    addressed = [f"{r.id} {r.title}" for r in dpia.risks if measure.id in r.measures]
    facts = [f"Type: {measure.type.replace('_', ' ')}", f"Status: {measure.status}"]
    facts += [f"Owner: {measure.owner}"] if measure.owner else []
    facts += [f"Due: {measure.due.isoformat()}"] if measure.due else []
    facts += [f"Evidence: {', '.join(measure.evidence)}"] if measure.evidence else []
    facts += [f"Addresses: {'; '.join(addressed)}"] if addressed else []
    return _p(f"{measure.id} {measure.title}.") + _p(measure.description) + _ul(facts)


def _measures(dpia: Dpia, ids: list[str]) -> list[Measure]:
    """The measures of ``ids`` that exist, once each, in order."""
    found = {i: dpia.measure(i) for i in ids}
    return [m for m in found.values() if m]


def _planned(measures: list[Measure]) -> dict[str, Any]:
    """Action-plan fields of an evaluation from the measures not yet in place."""
    pending = [m for m in measures if m.status != "existing"]
    due = [m.due for m in pending if m.due]
    lines = [f"{m.id} {m.title}: {m.status}" + (f", due {m.due.isoformat()}" if m.due else "")
             + (f" ({m.owner})" if m.owner else "") for m in pending]
    return {"action_plan_comment": _ul(lines),
            "estimated_implementation_date": _iso(max(due)) if due else None,
            "person_in_charge": ", ".join(dict.fromkeys(m.owner for m in pending if m.owner))}


def _evaluation(reference: str, status: int, comment: str, when: str, created: str, *,
                plan: dict[str, Any] | None = None, gauges: dict[str, int] | None = None) -> dict[str, Any]:
    plan = plan or {"action_plan_comment": "", "estimated_implementation_date": None, "person_in_charge": ""}
    return {"reference_to": reference, "status": status, "global_status": 2, "evaluation_comment": comment,
            "action_plan_comment": plan["action_plan_comment"], "evaluation_date": when,
            "estimated_implementation_date": plan["estimated_implementation_date"],
            "person_in_charge": plan["person_in_charge"], "gauges": gauges, "created_at": created}


def _evaluations(dpia: Dpia, measure_ids: dict[str, int], created: str) -> list[dict[str, Any]]:
    """The decision on a decided DPIA as CNIL evaluations; none while it is a draft or in review."""
    if dpia.status not in _DECISION_STATUS:
        return []
    decided = dpia.status
    status = _DECISION_STATUS[decided]
    day = dpia.sign_off.date or dpia.updated_at or dpia.created_at
    when = _iso(day)
    by = dpia.approver or dpia.sign_off.residual_risks_approved_by or "the controller"
    decision = _p(f"DPIA {decided} by {by}" + (f" on {day.isoformat()}" if day else "") + ".")
    advice = dpia.dpo_advice
    if advice:
        decision += _p(f"DPO advice of {advice.date.isoformat()} ({advice.name}): "
                       f"{advice.recommendation.replace('_', ' ')}"
                       + ("." if advice.accepted else f"; not followed: {advice.reasons_if_overruled}"))
    evaluations = [_evaluation(item, status, decision, when, created) for item in ("1.1", "1.2")]
    approver = dpia.sign_off.measures_approved_by
    approved = _p(f"Measures approved by {approver}.") if approver else ""
    refs: dict[int, list[str]] = {}
    for key, ref in _NECESSITY_TO_CNIL.items():
        if key in dpia.necessity:
            refs.setdefault(ref, []).append(key)
    for ref, keys in sorted(refs.items()):
        answers = [dpia.necessity[k] for k in keys]
        worst = min(EVALUATION_STATUS[a.assessment] for a in answers)
        comment = _ul([f"{NECESSITY_ITEMS[k]}: {dpia.necessity[k].assessment.replace('_', ' ')}" for k in keys])
        evaluations.append(_evaluation(f"2.{ref // 10 % 10}.{ref}", worst, comment, when, created,
                                       plan=_planned(_measures(dpia, [m for a in answers for m in a.measures]))))
    for measure in dpia.measures:
        evaluations.append(_evaluation(f"3.1.{measure_ids[measure.id]}", 3 if measure.status == "existing" else 2,
                                       _p(f"{measure.title}: {measure.status}.") + approved, when, created,
                                       plan=_planned([measure])))
    for event, section in CNIL_FEARED_EVENTS.items():
        folded = [r for r in dpia.risks if r.feared_event == event]
        if not folded:
            continue
        plan = _planned(_measures(dpia, [m for r in folded for m in r.measures]))
        levels = [_residual(r) for r in folded]
        item_status = status if decided == "rejected" or not plan["action_plan_comment"] else 2
        comment = decision + "".join(_p(f"{r.id} {r.title}: residual severity {s}, likelihood {lk}. "
                                        f"{r.residual_justification or 'No residual level recorded.'}")
                                     for r, (s, lk) in zip(folded, levels))
        evaluations.append(_evaluation(f"3.{section % 10}", item_status, comment, when, created, plan=plan,
                                       gauges={"x": max(s for s, _ in levels), "y": max(lk for _, lk in levels)}))
    return evaluations


def to_cnil(ws: "Records") -> dict[str, Any]:
    """The CNIL PIA tool's import JSON (front-end format): ``pia, answers, measures, evaluations, comments``.

    Written from the documented shape only. Gauges carry the highest residual severity (x) and likelihood
    (y) of the risks folded into each feared event (a risk without residual levels counts with its levels
    before measures).
    """
    dpia = load(ws)
    if dpia is None:
        raise InputFileError("no DPIA recorded yet", file=DPIA_FILE, hint="start one with `rmfkit dpia init`")
    system = ws.system
    created, updated = _iso(dpia.created_at), _iso(dpia.updated_at or dpia.created_at)
    advice, views = dpia.dpo_advice, dpia.data_subject_views
    pia = {
        "name": dpia.description.processing_name or system.name, "category": "AI system",
        "author_name": dpia.author or "", "evaluator_name": dpia.evaluator or "",
        "validator_name": dpia.approver or "", "status": PIA_STATUS[dpia.status], "created_at": created,
        "updated_at": updated,
        "dpos_names": advice.name if advice else (dpia.dpo.name if dpia.dpo else ""),
        "dpo_status": (0 if advice.recommendation == "do_not_proceed" else 1) if advice else None,
        "dpo_opinion": _p(advice.advice) if advice else "",
        "people_names": (views.representatives or "") if views and views.sought else "",
        "concerned_people_searched_opinion": views.sought if views else None,
        "concerned_people_searched_content": (views.reasons_if_not_sought or "") if views and not views.sought else "",
        "concerned_people_status": 1 if views and views.sought and views.summary else None,
        "concerned_people_opinion": _p(views.summary) if views and views.sought else "",
        "rejection_reason": "", "applied_adjustments": "",
    }
    answers = [{"reference_to": ref, "data": {"text": text, "gauge": None, "list": []}, "created_at": created}
               for ref, text in sorted(_cnil_texts(system, dpia).items())]
    measure_ids = {m.id: n for n, m in enumerate(dpia.measures, start=1)}
    measures = [{"id": measure_ids[m.id], "title": m.title, "content": _measure_content(dpia, m),
                 "placeholder": "measures.default_placeholder", "created_at": created} for m in dpia.measures]
    for event, section in CNIL_FEARED_EVENTS.items():
        folded = [r for r in dpia.risks if r.feared_event == event]
        if not folded:
            continue
        base = section * 10
        titles = [dpia.measure(m).title for r in folded for m in r.measures if dpia.measure(m)]
        lists = {base + 1: [i for r in folded for i in r.impacts], base + 2: [t for r in folded for t in r.threats],
                 base + 3: [s for r in folded for s in r.sources], base + 4: titles}
        for ref, items in lists.items():
            answers.append({"reference_to": ref, "data": {"text": None, "gauge": None,
                                                          "list": list(dict.fromkeys(items))}, "created_at": created})
        levels = [_residual(r) for r in folded]
        answers.append({"reference_to": base + 5, "data": {
            "text": "".join(_level_text(r, s, r.severity, r.severity_justification)
                            for r, (s, _) in zip(folded, levels)),
            "gauge": max(s for s, _ in levels), "list": []}, "created_at": created})
        answers.append({"reference_to": base + 6, "data": {
            "text": "".join(_level_text(r, lk, r.likelihood, r.likelihood_justification)
                            for r, (_, lk) in zip(folded, levels)),
            "gauge": max(lk for _, lk in levels), "list": []}, "created_at": created})
    comments = [{"reference_to": 111, "for_measure": False, "created_at": created,
                 "description": "Generated by rmfkit from dpia.yaml. Severity and likelihood gauges are the residual "
                                "levels (with the existing and planned measures); the levels before measures are in "
                                "each justification. Rights and fairness risks without a native slot are described "
                                "in answers 213, 214 and 225; the full risk register is in the audit packet."}]
    return {"pia": pia, "answers": answers, "measures": measures,
            "evaluations": _evaluations(dpia, measure_ids, created), "comments": comments}
