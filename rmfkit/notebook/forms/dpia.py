"""DPIA forms of session 05: screening answers, the Art. 35(7) description, measures, DPO advice, decision.

>>> import tempfile, pathlib
>>> from rmfkit.workspace import Workspace
>>> ws = Workspace.create(pathlib.Path(tempfile.mkdtemp()) / "w", system_id="s", name="S", owner="o")
>>> form = screening_form(ws).set(C8="yes", C8_rationale="Fine-tuned LLM")
>>> form.save(), ws.records["dpia.yaml"].screening.criteria["C8"].answer
('Saved 1 screening answer', 'yes')
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterable

from rmfkit.notebook.forms.base import Field, Form, call_text

if TYPE_CHECKING:
    from rmfkit.workspace import Workspace

ANSWERS = (("— not answered —", None), "yes", "no", "unsure")


def _dpia(ws: "Workspace"):
    from rmfkit.models.dpia import Dpia

    return ws.records.get("dpia.yaml") or Dpia(dpia_id=f"DPIA-{ws.system.id}")


def screening_form(ws: "Workspace", refresh: Iterable[Any] = ()) -> Form:
    """The nine WP248 criteria: the team's answer and rationale for each (replacing rmfkit's prefill)."""
    from rmfkit.editing import dpia
    from rmfkit.labels import plural
    from rmfkit.models.dpia import CRITERIA

    recorded = _dpia(ws).screening.criteria
    fields, initial = [], {}
    for key, title in CRITERIA.items():
        fields += [Field(key, f"{key} {title[:38]}", "choice", ANSWERS), Field(f"{key}_rationale", f"{key} why")]
        if key in recorded:
            initial[key], initial[f"{key}_rationale"] = recorded[key].answer, recorded[key].rationale

    def answers(v: dict) -> dict:
        return {k: (v[k], v.get(f"{k}_rationale") or "") for k in CRITERIA if v.get(k)}

    def action(v: dict) -> str:
        given = answers(v)
        dpia.answer_all(ws, given)
        return f"Saved {plural(len(given), 'screening answer')}"

    return Form(ws, title="DPIA screening (WP248 criteria)", fields=fields, initial=initial, action=action,
                call=lambda v: call_text("dpia.answer_all", answers(v)), refresh=refresh)


def description_form(ws: "Workspace", refresh: Iterable[Any] = ()) -> Form:
    """Art. 35(7)(a): the purpose with its lawful basis, the scale and the context of the processing."""
    from rmfkit.editing import dpia
    from rmfkit.models.dpia import LawfulBasis, LifecyclePhase

    d = _dpia(ws).description
    first = d.purposes[0] if d.purposes else None
    fields = [Field("purpose", "Purpose", "area"), Field("lifecycle_phase", "Lifecycle phase", "choice",
                                                          LifecyclePhase.__args__),
              Field("lawful_basis", "Lawful basis", "choice", (("—", None), *LawfulBasis.__args__)),
              Field("scale", "Scale"), Field("context", "Context", "area")]
    initial = {"purpose": first.purpose if first else ws.system.purpose,
               "lifecycle_phase": first.lifecycle_phase if first else "deployment",
               "lawful_basis": first.lawful_basis if first else None, "scale": d.scale, "context": d.context}

    def split(v: dict) -> dict:
        purpose = {k: v[k] for k in ("purpose", "lifecycle_phase", "lawful_basis")}
        return {"purposes": [purpose], "scale": v["scale"], "context": v["context"]}

    def action(v: dict) -> str:
        dpia.describe(ws, **split(v))
        return "Saved the systematic description"

    return Form(ws, title="DPIA description (Art. 35(7)(a))", fields=fields, initial=initial, action=action,
                call=lambda v: call_text("dpia.describe", **split(v)), refresh=refresh)


def measure_form(ws: "Workspace", refresh: Iterable[Any] = ()) -> Form:
    """Art. 35(7)(d): a measure (existing, planned or additional) with its owner."""
    from rmfkit.editing import dpia
    from rmfkit.models.dpia import MeasureStatus, MeasureType

    fields = [Field("title", "Measure"), Field("type", "Type", "choice", MeasureType.__args__),
              Field("status", "Status", "choice", MeasureStatus.__args__), Field("owner", "Owner"),
              Field("due", "Due", "date")]

    def action(v: dict) -> str:
        return f"Added measure {dpia.add_measure(ws, **v)}"

    return Form(ws, title="DPIA measure", fields=fields, initial={"type": "organisational"}, action=action,
                call=lambda v: call_text("dpia.add_measure", **v), refresh=refresh)


def dpo_form(ws: "Workspace", refresh: Iterable[Any] = ()) -> Form:
    """Art. 35(2): the DPO's advice and whether it is followed."""
    from rmfkit.editing import dpia

    current = _dpia(ws).dpo_advice
    fields = [Field("name", "DPO"), Field("advice", "Advice", "area"),
              Field("recommendation", "Recommendation", "choice", ("proceed", "proceed_with_conditions",
                                                                   "do_not_proceed")),
              Field("accepted", "Advice followed", "bool"), Field("reasons_if_overruled", "Reasons if not followed")]
    initial = current.model_dump() if current else {"accepted": True}

    def action(v: dict) -> str:
        dpia.dpo_advice(ws, **v)
        return "Saved the DPO's advice"

    return Form(ws, title="DPO advice", fields=fields, initial=initial, action=action,
                call=lambda v: call_text("dpia.dpo_advice", **v), refresh=refresh)


def decision_form(ws: "Workspace", refresh: Iterable[Any] = ()) -> Form:
    """The screening decision, who took it and why, and where the DPIA stands."""
    from rmfkit.editing import dpia

    s = _dpia(ws).screening
    fields = [Field("decision", "Decision", "choice", ("required", "recommended", "not_required")),
              Field("rationale", "Rationale", "area"), Field("by", "Decided by"),
              Field("status", "DPIA status", "choice", ("draft", "in_review", "approved", "rejected"))]
    initial = {"decision": s.decision or "required", "rationale": s.decision_rationale, "by": s.decided_by,
               "status": _dpia(ws).status}

    def action(v: dict) -> str:
        dpia.decide(ws, v["decision"], rationale=v["rationale"] or "", by=v["by"] or "", status=v["status"])
        return f"Decision recorded: DPIA {v['decision'].replace('_', ' ')}"

    return Form(ws, title="DPIA decision", fields=fields, initial=initial, action=action,
                call=lambda v: call_text("dpia.decide", v["decision"], rationale=v["rationale"], by=v["by"],
                                         status=v["status"]), refresh=refresh)
