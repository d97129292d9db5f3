"""The DPIA in the CNIL PIA tool's import format (JSON), from the DPIA record and the system profile.

>>> _p("a < b")
'<p>a &lt; b</p>'
"""
from __future__ import annotations

import datetime as dt
import html
from typing import TYPE_CHECKING, Any

from rmfkit.dpia import DPIA_FILE, GAUGE_LABELS, load
from rmfkit.errors import InputFileError
from rmfkit.models.dpia import NECESSITY_ITEMS, Dpia
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


def to_cnil(ws: "Records") -> dict[str, Any]:
    """The CNIL PIA tool's import JSON (front-end format): ``pia, answers, measures, evaluations, comments``.

    Written from the documented shape only. Gauges carry the highest severity (x) and likelihood (y) of
    the risks folded into each feared event; residual ratings are left to the evaluator in the tool.
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
        "validator_name": dpia.approver or "", "status": 0, "created_at": created, "updated_at": updated,
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
    measures = [{"id": measure_ids[m.id], "title": m.title, "content": _p(m.description) + _p(f"Status: {m.status}"),
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
        answers.append({"reference_to": base + 5, "data": {
            "text": "".join(_p(f"{r.id} {r.title}: {r.severity} ({GAUGE_LABELS[r.severity]}). "
                               f"{r.severity_justification}") for r in folded),
            "gauge": max(r.severity for r in folded), "list": []}, "created_at": created})
        answers.append({"reference_to": base + 6, "data": {
            "text": "".join(_p(f"{r.id} {r.title}: {r.likelihood} ({GAUGE_LABELS[r.likelihood]}). "
                               f"{r.likelihood_justification}") for r in folded),
            "gauge": max(r.likelihood for r in folded), "list": []}, "created_at": created})
    comments = [{"reference_to": 111, "for_measure": False, "created_at": created,
                 "description": "Generated by rmfkit from dpia.yaml. Rights and fairness risks without a native slot "
                                "are described in answers 213, 214 and 225; the full risk register and residual "
                                "ratings are in the audit packet."}]
    return {"pia": pia, "answers": answers, "measures": measures, "evaluations": [], "comments": comments}
