"""The operations record (``operations.yaml``): the MLOps readiness checklist and the ten pilot steps.

>>> import tempfile, pathlib
>>> from rmfkit.workspace import Workspace
>>> ws = Workspace.create(pathlib.Path(tempfile.mkdtemp()) / "w", system_id="s", name="S", owner="o")
>>> len(start(ws).pilot)
10
>>> set_step(ws, 1, status="done", notes="One task: triage new claims").step(1).status
'done'
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rmfkit.editing.common import clean, lines, saving, validated
from rmfkit.models.operations import Operations

if TYPE_CHECKING:
    from rmfkit.workspace import Workspace

FILE = "operations.yaml"


def _current(ws: "Workspace") -> dict:
    from rmfkit.ops import starter_operations

    return (ws.records.get(FILE) or starter_operations()).model_dump(exclude_unset=True)


def _save(ws: "Workspace", data: dict, prefix: str = "") -> Operations:
    record = validated(Operations, data, file=FILE, prefix=prefix)
    ws.put(FILE, record)
    return record


def start(ws: "Workspace") -> Operations:
    """``operations.yaml`` with every template item open and the pilot not started, when it is missing."""
    with saving(ws):
        return ws.records.get(FILE) or _save(ws, _current(ws))


def set_item(ws: "Workspace", item_id: str, **fields: Any) -> Operations:
    """Change a checklist item (``status``: done, in_progress, open, not_applicable; ``owner``, ``due``,
    ``completed_on``, ``evidence``, ``notes``, ``justification``); your own item also needs ``area`` and ``title``."""
    if "evidence" in fields:
        fields["evidence"] = lines(fields["evidence"])
    with saving(ws):
        data = _current(ws)
        items = data.setdefault("checklist", [])
        index = next((i for i, item in enumerate(items) if item["id"] == item_id), None)
        merged = clean({**(items[index] if index is not None else {"id": item_id}), **fields})
        if index is None:
            items.append(merged)
        else:
            items[index] = merged
        return _save(ws, data, prefix=f"checklist.{item_id}.")


def set_step(ws: "Workspace", step: int, **fields: Any) -> Operations:
    """Record progress on pilot step ``step`` (1-10): ``status`` (done, in_progress, not_started, skipped),
    ``date``, ``evidence``, ``notes``."""
    if "evidence" in fields:
        fields["evidence"] = lines(fields["evidence"])
    with saving(ws):
        data = _current(ws)
        steps = [s for s in data.setdefault("pilot", []) if s["step"] != step]
        steps.append(clean({"step": step, **fields}))
        data["pilot"] = sorted(steps, key=lambda s: s["step"])
        return _save(ws, data, prefix=f"pilot.{step}.")
