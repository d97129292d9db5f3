"""What changed in the operations checklist and the pilot plan between two quarters.

>>> transition("done", "in_progress")
'done → in progress'
"""
from __future__ import annotations

import datetime as dt
from typing import Any, Mapping

from rmfkit.clock import today
from rmfkit.models.operations import Operations
from rmfkit.ops import _RANK, _STEP_RANK, ItemState, item_states, pilot_steps


def compare_operations(before: Operations | None, after: Operations | None, *,
                       before_checks: Mapping[str, Any] | None = None, after_checks: Mapping[str, Any] | None = None,
                       before_date: dt.date | None = None, after_date: dt.date | None = None) -> list[dict]:
    """What changed in the checklist and pilot between two records (e.g. last quarter and this one).

    Each change is ``{"item", "title", "change", "before", "after", "detail"}`` with ``change`` one of
    ``regressed`` (shown status went down, e.g. done → open), ``lapsed`` (still marked done but its
    evidence is no longer usable), ``overdue`` (an open item's due date passed), ``removed`` (an item
    that was done is gone), ``improved``, ``added``; pilot steps report ``regressed`` or ``advanced``.
    ``*_checks`` map evidence ids to checks or status texts as of each date; ``None`` means every
    linked item counted as usable then.

    >>> from rmfkit.models.operations import Operations as O
    >>> q3 = O.model_validate({"checklist": [{"id": "updates.canary", "status": "done", "evidence": ["E-3"]}]})
    >>> q4 = O.model_validate({"checklist": [{"id": "updates.canary", "status": "open"}]})
    >>> [(c["item"], c["change"], c["before"], c["after"]) for c in compare_operations(q3, q4)]
    [('updates.canary', 'regressed', 'done', 'open')]
    """
    empty = Operations()
    before, after = before or empty, after or empty
    day_before = before_date or today()
    day_after = after_date or today()

    def judged(ops: Operations, checks: Mapping[str, Any] | None, day: dt.date) -> dict[str, ItemState]:
        if checks is None:
            checks = {e: "ok" for item in ops.checklist for e in item.evidence}
        return {s.id: s for s in item_states(ops, checks, day)}

    old, new = judged(before, before_checks, day_before), judged(after, after_checks, day_after)
    changes = []
    for item_id in list(old) + [i for i in new if i not in old]:
        was, now = old.get(item_id), new.get(item_id)
        title = (now or was).title
        if now is None:
            if was.shown_status == "done":
                changes.append(_change(item_id, title, "removed", was.shown_status, None,
                                       "was done, no longer in the checklist"))
            continue
        if was is None:
            changes.append(_change(item_id, title, "added", None, now.shown_status, "new checklist item"))
            continue
        if now.shown_status == "unsupported" and was.shown_status == "done":
            changes.append(_change(item_id, title, "lapsed", was.shown_status, now.shown_status, now.reason))
        elif _RANK[now.shown_status] < _RANK[was.shown_status]:
            changes.append(_change(item_id, title, "regressed", was.shown_status, now.shown_status,
                                   now.reason or transition(was.shown_status, now.shown_status)))
        elif _RANK[now.shown_status] > _RANK[was.shown_status]:
            changes.append(_change(item_id, title, "improved", was.shown_status, now.shown_status,
                                   now.reason or transition(was.shown_status, now.shown_status)))
        elif "overdue" in now.flags and "overdue" not in was.flags:
            changes.append(_change(item_id, title, "overdue", was.shown_status, now.shown_status, now.reason))
    old_steps, new_steps = pilot_steps(before), pilot_steps(after)
    for was, now in zip(old_steps, new_steps):
        delta = _STEP_RANK[now.status] - _STEP_RANK[was.status]
        if delta:
            changes.append(_change(f"pilot.{now.step}", now.title, "advanced" if delta > 0 else "regressed",
                                   was.status, now.status,
                                   f"pilot step {now.step}: {transition(was.status, now.status)}"))
    return changes


def transition(before: str, after: str) -> str:
    """A change of status in words, as people read it.

    >>> transition("done", "in_progress")
    'done → in progress'
    """
    return f"{before.replace('_', ' ')} → {after.replace('_', ' ')}"


def _change(item: str, title: str, change: str, before: str | None, after: str | None, detail: str | None) -> dict:
    return {"item": item, "title": title, "change": change, "before": before, "after": after, "detail": detail}
