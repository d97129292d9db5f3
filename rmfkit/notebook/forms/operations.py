"""Operations forms: a readiness-checklist item and a pilot step (``operations.yaml``).

>>> import tempfile, pathlib
>>> from rmfkit.workspace import Workspace
>>> ws = Workspace.create(pathlib.Path(tempfile.mkdtemp()) / "w", system_id="s", name="S", owner="o")
>>> pilot_form(ws).set(step=1, status="done", notes="One task: triage").save()
'Saved pilot step 1'
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterable

from rmfkit.notebook.forms.base import Field, Form, call_text

if TYPE_CHECKING:
    from rmfkit.workspace import Workspace


def checklist_form(ws: "Workspace", refresh: Iterable[Any] = ()) -> Form:
    """One checklist item: status, owner, due date, the evidence that shows it, notes."""
    from rmfkit.editing import operations
    from rmfkit.models.operations import ITEM_STATUSES
    from rmfkit.ops import load_template

    items = tuple((f"{t.id}: {t.title[:50]}", t.id) for t in load_template().items)
    fields = [Field("item", "Item", "choice", items), Field("status", "Status", "choice", ITEM_STATUSES),
              Field("owner", "Owner"), Field("due", "Due", "date"),
              Field("evidence", "Evidence", "multi", tuple(sorted(ws.evidence))), Field("notes", "Notes", "area"),
              Field("justification", "Why not applicable")]

    def action(v: dict) -> str:
        values = dict(v)
        operations.set_item(ws, values.pop("item"), **values)
        return f"Saved {v['item']}"

    def call(v: dict) -> str:
        values = dict(v)
        return call_text("operations.set_item", values.pop("item"), **values)

    return Form(ws, title="Readiness checklist item", fields=fields, initial={"status": "done"}, action=action,
                call=call, refresh=refresh)


def pilot_form(ws: "Workspace", refresh: Iterable[Any] = ()) -> Form:
    """Progress on one of the ten pilot steps."""
    from rmfkit.editing import operations
    from rmfkit.models.operations import STEP_STATUSES
    from rmfkit.ops import load_template

    steps = tuple((f"{s.step}. {s.title}", s.step) for s in load_template().pilot_steps)
    fields = [Field("step", "Step", "choice", steps), Field("status", "Status", "choice", STEP_STATUSES),
              Field("date", "Date", "date"), Field("notes", "Notes", "area"),
              Field("evidence", "Evidence", "multi", tuple(sorted(ws.evidence)))]

    def action(v: dict) -> str:
        values = dict(v)
        operations.set_step(ws, values.pop("step"), **values)
        return f"Saved pilot step {v['step']}"

    def call(v: dict) -> str:
        values = dict(v)
        return call_text("operations.set_step", values.pop("step"), **values)

    return Form(ws, title="Pilot step", fields=fields, initial={"step": 1, "status": "done"}, action=action,
                call=call, refresh=refresh)
