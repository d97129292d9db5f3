"""The risk register: add, re-score, treat and accept risks (each one locked, validated save).

>>> import tempfile, pathlib
>>> from rmfkit.workspace import Workspace
>>> ws = Workspace.create(pathlib.Path(tempfile.mkdtemp()) / "w", system_id="s", name="S", owner="o")
>>> r = add(ws, title="Wrong triage of urgent claims", category="confabulation", likelihood=3, impact=4,
...         rationale="Seen in the pilot", owner="Claims ops lead")
>>> r.id, accept(ws, r.id, by="Head of Claims, 2026-11-20").treatment
('R-0001', 'accept')
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterable

from rmfkit.editing.common import clean, lines, saving, validated
from rmfkit.errors import UnknownIdError, UsageError
from rmfkit.models.risk import Risk

if TYPE_CHECKING:
    from rmfkit.workspace import Workspace


def add(ws: "Workspace", **fields: Any) -> Risk:
    """Add a risk: ``title``, ``category``, ``likelihood``, ``impact``, ``rationale``, ``owner`` and any of
    ``description``, ``measures``, ``subcategories``, ``components``, ``evidence``, ``treatment``, ``due``."""
    from rmfkit.risks import add_risk

    for key in ("measures", "subcategories", "components", "evidence"):
        if key in fields:
            fields[key] = lines(fields[key])
    with saving(ws):
        return add_risk(ws, **clean(fields))


def adopt(ws: "Workspace", keys: Iterable[str]) -> list[str]:
    """Adopt starter risks by key (already adopted ones are skipped); returns the new ids."""
    from rmfkit.risks import adopt_starter

    keys = list(keys)
    if not keys:
        return []
    with saving(ws):
        return [r.id for r in adopt_starter(ws, keys)]


def rescore(ws: "Workspace", risk_id: str, *, reason: str, **scores: Any) -> Risk:
    """Re-score (``likelihood``, ``impact``, ``rationale``, ``residual_likelihood``, ``residual_impact``,
    ``residual_rationale``); the previous score is kept in the risk's history with ``reason``."""
    from rmfkit.risks import rescore as rescore_risk

    if not (reason or "").strip():
        raise UsageError("say why the score changed", field="reason")
    with saving(ws):
        return rescore_risk(ws, risk_id, reason=reason, **clean(scores))


def _change(ws: "Workspace", risk_id: str, changes: dict[str, Any]) -> Risk:
    risk = ws.risks.get(risk_id)
    if risk is None:
        raise UnknownIdError(f"unknown risk '{risk_id}'", field="risk", hint="list risks with `rmfkit risk ls`")
    rel = ws.rel_of(risk)
    updated = validated(Risk, {**risk.model_dump(exclude_unset=True), **changes}, file=rel)
    ws.put(rel, updated)
    return updated


def treat(ws: "Workspace", risk_id: str, *, treatment: str, measures: Any = None, status: str | None = None,
          due: Any = None, owner: str | None = None) -> Risk:
    """Decide the treatment (``mitigate``, ``transfer``, ``avoid``; use :func:`accept` to accept) with its
    measures, status (``open``, ``in_treatment``, ``closed``), due date and owner."""
    if treatment == "accept":
        raise UsageError("accepting a risk needs a named person", field="treatment", hint="use accept(ws, ID, by=...)")
    with saving(ws):
        changes = clean({"treatment": treatment, "status": status, "due": due, "owner": owner})
        if measures is not None:
            changes["measures"] = lines(measures)
        return _change(ws, risk_id, changes)


def accept(ws: "Workspace", risk_id: str, *, by: str, close: bool = False) -> Risk:
    """Accept the residual risk, naming who accepted it and when (``"Head of Claims, 2026-11-20"``)."""
    if not (by or "").strip():
        raise UsageError("name who accepts the residual risk", field="accepted_by")
    with saving(ws):
        return _change(ws, risk_id, {"treatment": "accept", "accepted_by": by.strip(),
                                     **({"status": "closed"} if close else {})})
