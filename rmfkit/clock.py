"""The date rmfkit treats as today: one place, so every page of one build uses the same evaluation date.

The evaluation date is, first match wins: ``--as-of DATE`` (the commands that build or report pin it
with :func:`pinned`), ``RMFKIT_TODAY=YYYY-MM-DD``, the date of ``SOURCE_DATE_EPOCH`` (reproducible
builds), else today in the workspace's time zone (``timezone`` in ``rmfkit.yaml``, UTC by default) —
never the machine's local date, so ``TZ`` cannot move it.

>>> import os
>>> os.environ["RMFKIT_TODAY"] = "2026-10-01"
>>> today().isoformat()
'2026-10-01'
>>> with pinned(evaluation_date("2026-12-31")):
...     today().isoformat()
'2026-12-31'
>>> del os.environ["RMFKIT_TODAY"]
"""
from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import os
from typing import Iterator

from rmfkit.errors import UsageError

_PINNED: contextvars.ContextVar[dt.date | None] = contextvars.ContextVar("rmfkit_evaluation_date", default=None)


def _parse(text: str, where: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise UsageError(f"{where} must be a date YYYY-MM-DD (got {text!r:.40})", field=where,
                         hint="e.g. 2026-12-31") from None


def evaluation_date(as_of: str | dt.date | None = None, timezone: str = "UTC") -> dt.date:
    """The build's one date: ``as_of``, else ``RMFKIT_TODAY``, else ``SOURCE_DATE_EPOCH``'s date in
    ``timezone``, else today in ``timezone``.

    >>> evaluation_date("2026-11-30").isoformat()
    '2026-11-30'
    """
    from zoneinfo import ZoneInfo

    if isinstance(as_of, dt.date):
        return as_of
    if as_of:
        return _parse(as_of, "--as-of")
    if os.environ.get("RMFKIT_TODAY"):
        return _parse(os.environ["RMFKIT_TODAY"], "RMFKIT_TODAY")
    zone = ZoneInfo(timezone)
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch:
        if not epoch.isdigit():
            raise UsageError(f"SOURCE_DATE_EPOCH must be whole seconds since 1970 (got {epoch!r:.40})",
                             field="SOURCE_DATE_EPOCH")
        return dt.datetime.fromtimestamp(int(epoch), tz=zone).date()
    return dt.datetime.now(zone).date()


@contextlib.contextmanager
def pinned(day: dt.date) -> Iterator[dt.date]:
    """Within the block, :func:`today` is ``day`` (a command pins its evaluation date once)."""
    token = _PINNED.set(day)
    try:
        yield day
    finally:
        _PINNED.reset(token)


def today() -> dt.date:
    """The evaluation date: the pinned one, else :func:`evaluation_date` in UTC."""
    return _PINNED.get() or evaluation_date()
