"""Small helpers the importers share: failing with one clear line, dates, names.

>>> short_name("meta-llama/Llama-3.1-8B-Instruct")
'Llama-3.1-8B-Instruct'
>>> date_from("2026-10-05T09:12:00.123Z")
datetime.date(2026, 10, 5)
"""
from __future__ import annotations

import datetime as dt
import re
from typing import Any, NoReturn

from rmfkit.errors import InputFileError


def fail(name: str, message: str, hint: str | None = None) -> NoReturn:
    raise InputFileError(message, file=name, hint=hint)


def mapping(value: Any) -> dict:
    """``value`` if it is a JSON object, else an empty one (optional sections)."""
    return value if isinstance(value, dict) else {}


def listing(value: Any) -> list:
    """``value`` if it is a list, a one-item list for a single value, else empty."""
    if isinstance(value, list):
        return value
    return [] if value is None or value == "" else [value]


def text(value: Any, limit: int = 300) -> str | None:
    """A short single-line text for titles and facts, or None."""
    if value is None or isinstance(value, (dict, list)):
        return None
    shown = " ".join(str(value).split())
    return shown[:limit] if shown else None


def date_from(value: Any) -> dt.date | None:
    """The date of an ISO timestamp or a Unix epoch number; None when it is neither."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        try:
            return dt.datetime.fromtimestamp(float(value), tz=dt.timezone.utc).date()
        except (OverflowError, OSError, ValueError):
            return None
    if isinstance(value, str):
        match = re.match(r"\s*(\d{4})-(\d{2})-(\d{2})", value)
        if match:
            try:
                return dt.date(*(int(g) for g in match.groups()))
            except ValueError:
                return None
    return None


def short_name(model: Any) -> str | None:
    """The last part of a model or package reference (``org/name`` -> ``name``)."""
    shown = text(model)
    if not shown:
        return None
    return shown.rstrip("/").rsplit("/", 1)[-1] or shown


def unique_sorted(values) -> list[str]:
    return sorted({str(v) for v in values if v not in (None, "")}, key=str.lower)


def pass_rate_stderr(passed: int, total: int) -> float | None:
    """Binomial standard error of a pass rate, None below two samples."""
    if total < 2:
        return None
    p = passed / total
    return (p * (1 - p) / total) ** 0.5
