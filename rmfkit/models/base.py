"""Shared base for every workspace record: strict keys, ``schema_version``, ``x-`` extension keys.

Unknown keys are errors, except keys starting with ``x-``: those are the user's own and survive a save.

>>> class Demo(Record):
...     name: str
>>> Demo.model_validate({"schema_version": 1, "name": "a", "x-team": "ml"}).name
'a'
"""
from __future__ import annotations

import datetime as dt
import math
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

EXTENSION_PREFIX = "x-"
# Bounds every record value must keep, whatever its field: later arithmetic (a date plus an interval,
# a mean, a chart axis) must not overflow, and no text may read differently from what it holds.
FIRST_DATE, LAST_DATE = dt.date(1900, 1, 1), dt.date(2199, 12, 31)
MAX_NUMBER = 1e15
MAX_TEXT = 200_000  # characters in one text value
MAX_WORD = 2_000  # characters without a space: longer runs cannot be laid out on a page (and stall the typesetter)
MAX_DAYS = 36_500  # any ``*_days`` field: a hundred years
MAX_DEPTH = 32


def check_value(value: Any, depth: int = 0) -> None:
    """Raise ``ValueError`` for a non-finite or huge number, a date outside 1900-2199, or hidden text.

    >>> check_value([1.5, "ok", dt.date(2026, 1, 1)])
    >>> check_value(float("inf"))
    Traceback (most recent call last):
    ValueError: must be a finite number (got inf)
    """
    if type(value) is str and len(value) <= MAX_WORD and value.isascii():
        return  # the common case, first: short ASCII text can hold neither a long run nor a hidden character
    if depth > MAX_DEPTH or isinstance(value, (bool, type(None))):
        return
    if isinstance(value, (int, float)):
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError(f"must be a finite number (got {value})")
        if abs(value) > MAX_NUMBER:
            raise ValueError(f"must be between -{MAX_NUMBER:.0e} and {MAX_NUMBER:.0e} (got {value:.3g})")
    elif isinstance(value, (dt.date, dt.datetime)):
        day = value.date() if isinstance(value, dt.datetime) else value
        if not FIRST_DATE <= day <= LAST_DATE:
            raise ValueError(f"must be a date from {FIRST_DATE.year} to {LAST_DATE.year} (got {day.isoformat()})")
    elif isinstance(value, str):
        if len(value) > MAX_TEXT:
            raise ValueError(f"must be at most {MAX_TEXT:,} characters (got {len(value):,})")
        longest = max((len(word) for word in value.split()), default=0) if len(value) > MAX_WORD else 0
        if longest > MAX_WORD:
            raise ValueError(f"holds an unbroken run of {longest:,} characters (at most {MAX_WORD:,}); "
                             "break it with spaces, or link the long content as evidence")
        if value.isascii():  # every hidden character is outside ASCII
            return
        from rmfkit.text import hidden_characters

        hidden = hidden_characters(value)
        if hidden:
            raise ValueError(f"contains an invisible or direction-changing character ({hidden[0]}); "
                             "remove it, it makes the text read differently from what it holds")
    elif isinstance(value, dict):
        for key, item in value.items():
            check_value(key, depth + 1)
            check_value(item, depth + 1)
    elif isinstance(value, (list, tuple, set, frozenset)):
        for item in value:
            check_value(item, depth + 1)


class Strict(BaseModel):
    """Nested value objects: unknown keys are errors, ``x-*`` keys are allowed and ignored."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True, populate_by_name=True)

    @model_validator(mode="before")
    @classmethod
    def _drop_extensions(cls, data: Any) -> Any:
        if isinstance(data, dict) and any(isinstance(k, str) and k.startswith(EXTENSION_PREFIX) for k in data):
            return {k: v for k, v in data.items() if not (isinstance(k, str) and k.startswith(EXTENSION_PREFIX))}
        return data

    @field_validator("*", mode="after")
    @classmethod
    def _bounded(cls, value: Any, info: ValidationInfo) -> Any:
        check_value(value)
        if info.field_name.endswith("_days") and isinstance(value, int) and abs(value) > MAX_DAYS:
            raise ValueError(f"must be at most {MAX_DAYS:,} days (got {value:,})")
        return value


class Record(Strict):
    """A top-level workspace file. ``SCHEMA_VERSION`` is the version this rmfkit writes."""

    SCHEMA_VERSION: ClassVar[int] = 1
    schema_version: int = Field(1, description="Version of this file's format; older versions are migrated on load.")
