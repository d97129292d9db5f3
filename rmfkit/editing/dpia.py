"""The DPIA (``dpia.yaml``): screening answers, the Art. 35(7) inputs, measures, DPO advice and the decision.

Each call is one locked, validated save; :func:`start` drafts the record from the system profile first
when there is none (as ``rmfkit dpia init``).

>>> import tempfile, pathlib, datetime as dt
>>> from rmfkit.workspace import Workspace
>>> ws = Workspace.create(pathlib.Path(tempfile.mkdtemp()) / "w", system_id="s", name="S", owner="o")
>>> answer(ws, "C8", "yes", "A fine-tuned large language model").screening.criteria["C8"].answer
'yes'
>>> decide(ws, "required", rationale="C4 and C8 met", by="DPO (name)", on=dt.date(2026, 11, 20)).screening.decision
'required'
"""
from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, Iterable

from rmfkit.editing.common import clean, lines, saving, validated
from rmfkit.errors import UsageError
from rmfkit.models.dpia import CRITERIA, NECESSITY_ITEMS, TRIGGERS, Dpia

if TYPE_CHECKING:
    from rmfkit.workspace import Workspace

FILE = "dpia.yaml"


def _current(ws: "Workspace") -> dict:
    from rmfkit.clock import today
    from rmfkit.dpia import draft

    record = ws.records.get(FILE) or draft(ws.system, today=today())
    return record.model_dump(exclude_unset=True)


def _save(ws: "Workspace", data: dict) -> Dpia:
    from rmfkit.clock import today

    data["updated_at"] = today()
    record = validated(Dpia, data, file=FILE)
    ws.put(FILE, record)
    return record


def start(ws: "Workspace") -> Dpia:
    """The DPIA record, drafted from the system profile when the workspace has none (nothing else changes)."""
    with saving(ws):
        if FILE in ws.records:
            return ws.records[FILE]
        return _save(ws, _current(ws))


def answer(ws: "Workspace", criterion: str, answer: str, rationale: str, evidence: Iterable[str] = ()) -> Dpia:
    """Record the team's answer (``yes``, ``no``, ``unsure``) with its rationale for a WP248 criterion
    (``C1``-``C9``) or an Art. 35(3) case (``a``, ``b``, ``c``); it replaces rmfkit's prefilled guess."""
    if criterion not in CRITERIA and criterion not in TRIGGERS:
        raise UsageError(f"'{criterion}' is not a screening criterion", field="criterion",
                         hint="C1-C9 (WP248) or a, b, c (Art. 35(3))")
    with saving(ws):
        data = _current(ws)
        group = "criteria" if criterion in CRITERIA else "art35_3"
        screening = data.setdefault("screening", {})
        screening.setdefault(group, {})[criterion] = clean({"answer": answer, "rationale": rationale,
                                                            "evidence": lines(list(evidence))})
        validated(Dpia, data, file=FILE, prefix=f"screening.{group}.{criterion}.")
        return _save(ws, data)


def answer_all(ws: "Workspace", answers: dict[str, tuple[str, str]]) -> Dpia:
    """Several screening answers in one save: ``{"C4": ("yes", "Health details in claims"), ...}``."""
    with saving(ws):
        data = _current(ws)
        screening = data.setdefault("screening", {})
        for criterion, (reply, rationale) in answers.items():
            if criterion not in CRITERIA and criterion not in TRIGGERS:
                raise UsageError(f"'{criterion}' is not a screening criterion", field=criterion,
                                 hint="C1-C9 (WP248) or a, b, c (Art. 35(3))")
            group = "criteria" if criterion in CRITERIA else "art35_3"
            screening.setdefault(group, {})[criterion] = clean({"answer": reply, "rationale": rationale})
            validated(Dpia, data, file=FILE, prefix=f"screening.{group}.{criterion}.")
        return _save(ws, data)


def describe(ws: "Workspace", *, purposes: Iterable[dict] = (), **description: Any) -> Dpia:
    """Art. 35(7)(a): the systematic description — ``purposes`` (``purpose``, ``lifecycle_phase``,
    ``lawful_basis``...), ``scale``, ``context``, ``recipients`` and the other description fields."""
    with saving(ws):
        data = _current(ws)
        target = data.setdefault("description", {})
        target.update(clean(description))
        if purposes:
            target["purposes"] = [clean(p) for p in purposes]
        return _save(ws, data)


def necessity(ws: "Workspace", item: str, answer: str, *, assessment: str = "improvable",
              measures: Iterable[str] = ()) -> Dpia:
    """Art. 35(7)(b): necessity and proportionality, one answer per principle or right (``minimisation``...)."""
    if item not in NECESSITY_ITEMS:
        raise UsageError(f"'{item}' is not a necessity item", field="necessity",
                         hint="one of " + ", ".join(NECESSITY_ITEMS))
    with saving(ws):
        data = _current(ws)
        data.setdefault("necessity", {})[item] = {"answer": answer, "assessment": assessment,
                                                  "measures": lines(list(measures))}
        return _save(ws, data)


def _next(items: list[dict], prefix: str) -> str:
    numbers = [int(i["id"].split("-")[1]) for i in items]
    return f"{prefix}-{max(numbers, default=0) + 1:02d}"


def add_measure(ws: "Workspace", title: str, *, type: str = "general_security", status: str = "existing",
                owner: str | None = None, due: Any = None, description: str | None = None) -> str:
    """Art. 35(7)(d): a measure addressing the risks; returns its id (``M-01``...)."""
    with saving(ws):
        data = _current(ws)
        measures = data.setdefault("measures", [])
        measure_id = _next(measures, "M")
        measures.append(clean({"id": measure_id, "title": title, "type": type, "status": status, "owner": owner,
                               "due": due, "description": description}))
        _save(ws, data)
        return measure_id


def add_risk(ws: "Workspace", title: str, *, feared_event: str, severity: int, severity_justification: str,
             likelihood: int, likelihood_justification: str, **fields: Any) -> str:
    """Art. 35(7)(c): a risk to people's rights and freedoms on the CNIL 1-4 scales (``measures`` by id,
    ``residual_severity``, ``residual_likelihood``, ``residual_justification``, ``register_refs``)."""
    with saving(ws):
        data = _current(ws)
        risks = data.setdefault("risks", [])
        risk_id = _next(risks, "DR")
        for key in ("measures", "register_refs", "impacts", "threats", "sources"):
            if key in fields:
                fields[key] = lines(fields[key])
        risks.append(clean({"id": risk_id, "title": title, "feared_event": feared_event, "severity": severity,
                            "severity_justification": severity_justification, "likelihood": likelihood,
                            "likelihood_justification": likelihood_justification, **fields}))
        _save(ws, data)
        return risk_id


def dpo_advice(ws: "Workspace", *, name: str, advice: str, recommendation: str, on: dt.date | str | None = None,
               accepted: bool = True, reasons_if_overruled: str | None = None) -> Dpia:
    """Art. 35(2): the DPO's advice (``proceed``, ``proceed_with_conditions``, ``do_not_proceed``)."""
    from rmfkit.clock import today

    with saving(ws):
        data = _current(ws)
        data["dpo_advice"] = clean({"name": name, "date": on or today(), "advice": advice,
                                    "recommendation": recommendation, "accepted": accepted,
                                    "reasons_if_overruled": reasons_if_overruled})
        data["dpo_advice"]["accepted"] = accepted
        return _save(ws, data)


def decide(ws: "Workspace", decision: str, *, rationale: str, by: str, on: dt.date | str | None = None,
           status: str | None = None) -> Dpia:
    """The screening decision (``required``, ``recommended``, ``not_required``), who took it and why;
    ``status`` moves the DPIA along (``in_review``, ``approved``)."""
    from rmfkit.clock import today

    with saving(ws):
        data = _current(ws)
        data.setdefault("screening", {}).update(clean({"decision": decision, "decision_rationale": rationale,
                                                       "decided_by": by, "decided_at": on or today()}))
        if status:
            data["status"] = status
        return _save(ws, data)
