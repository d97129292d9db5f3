"""Risk forms of session 05: add a risk, re-score it, decide its treatment or accept it by name.

>>> import tempfile, pathlib
>>> from rmfkit.workspace import Workspace
>>> ws = Workspace.create(pathlib.Path(tempfile.mkdtemp()) / "w", system_id="s", name="S", owner="o")
>>> risk_form(ws).set(title="Urgent claim triaged as routine", category="confabulation", likelihood=3,
...                   impact=4, rationale="Pilot: 2 of 120", owner="Claims ops lead").save()
'Added R-0001'
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterable

from rmfkit.notebook.forms.base import Field, Form, call_text

if TYPE_CHECKING:
    from rmfkit.workspace import Workspace

SCORES = ((("—", None),) + tuple((str(n), n) for n in range(1, 6)))


def _categories() -> tuple:
    from rmfkit.models.risk import risk_categories

    return tuple((f"{title.split(' (')[0]} ({key})", key) for key, title in risk_categories().items())


def risk_form(ws: "Workspace", refresh: Iterable[Any] = ()) -> Form:
    """A new risk: title, category, likelihood and impact (1-5) with the rationale, owner, measures."""
    from rmfkit.editing import risks

    fields = [Field("title", "Title"), Field("category", "Category", "choice", _categories()),
              Field("description", "Description", "area"), Field("likelihood", "Likelihood (1-5)", "choice", SCORES),
              Field("impact", "Impact (1-5)", "choice", SCORES), Field("rationale", "Why this score", "area"),
              Field("owner", "Owner"), Field("measures", "Measures (one per line)", "lines"),
              Field("subcategories", "Subcategories (one per line)", "lines")]

    def action(v: dict) -> str:
        return f"Added {risks.add(ws, **v).id}"

    return Form(ws, title="New risk", fields=fields, initial={"owner": ws.system.owner}, action=action,
                call=lambda v: call_text("risks.add", **v), refresh=refresh)


def rescore_form(ws: "Workspace", risk_id: str, refresh: Iterable[Any] = ()) -> Form:
    """Re-score a risk (inherent and residual) with the reason; the old score stays in its history."""
    from rmfkit.editing import risks

    r = ws.risks[risk_id]
    fields = [Field("likelihood", "Likelihood", "choice", SCORES), Field("impact", "Impact", "choice", SCORES),
              Field("rationale", "Why", "area"), Field("residual_likelihood", "Residual likelihood", "choice", SCORES),
              Field("residual_impact", "Residual impact", "choice", SCORES),
              Field("residual_rationale", "Why (residual)", "area"), Field("reason", "Reason for the change")]
    initial = r.model_dump(include={f.name for f in fields})

    def action(v: dict) -> str:
        updated = risks.rescore(ws, risk_id, **v)
        return f"Re-scored {risk_id}: {updated.inherent_score} inherent, {updated.residual_score or '—'} residual"

    return Form(ws, title=f"Re-score {risk_id}: {r.title}", fields=fields, initial=initial, action=action,
                call=lambda v: call_text("risks.rescore", risk_id, **v), refresh=refresh)


def treatment_form(ws: "Workspace", risk_id: str, refresh: Iterable[Any] = ()) -> Form:
    """Treat (mitigate, transfer, avoid) with measures and status, or accept naming who accepts it."""
    from rmfkit.editing import risks

    r = ws.risks[risk_id]
    fields = [Field("treatment", "Treatment", "choice", ("mitigate", "transfer", "avoid", "accept")),
              Field("measures", "Measures (one per line)", "lines"),
              Field("status", "Status", "choice", ("open", "in_treatment", "closed")),
              Field("accepted_by", "Accepted by (name, date)")]
    initial = r.model_dump(include={"treatment", "measures", "status", "accepted_by"})

    def action(v: dict) -> str:
        if v["treatment"] == "accept":
            risks.accept(ws, risk_id, by=v["accepted_by"] or "", close=v["status"] == "closed")
            return f"{risk_id} accepted by {v['accepted_by']}"
        risks.treat(ws, risk_id, treatment=v["treatment"], measures=v["measures"], status=v["status"])
        return f"{risk_id}: {v['treatment']}"

    def call(v: dict) -> str:
        if v["treatment"] == "accept":
            return call_text("risks.accept", risk_id, by=v["accepted_by"], close=v["status"] == "closed" or None)
        return call_text("risks.treat", risk_id, treatment=v["treatment"], measures=v["measures"], status=v["status"])

    return Form(ws, title=f"Treat {risk_id}: {r.title}", fields=fields, initial=initial, action=action, call=call,
                refresh=refresh)
