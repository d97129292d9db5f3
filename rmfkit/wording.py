"""Schema problems in plain words: a pydantic error becomes "must be at most 5 (got 7)".

>>> describe_validation_error({"type": "missing", "loc": ("owner",)})
('owner', 'required field is missing')
"""
from __future__ import annotations

import datetime as dt
import re
from typing import Any

from rmfkit.yamlio import as_written


PATTERN_WORDS = {
    r"^[0-9a-f]{64}$": "must be a SHA-256: 64 lowercase hex digits",
    r"^[A-Za-z0-9][A-Za-z0-9._-]*$": "must start with a letter or digit and hold only letters, digits, '.', '_' and '-'",
    r"^#[0-9a-fA-F]{6}$": "must be a colour written #RRGGBB",
    r"^DR-\d{2,}$": "must look like DR-01",
    r"^M-\d{2,}$": "must look like M-01",
    r"^R-\d{4,}$": "must look like R-0001",
    r"^[a-z][a-z0-9_]*\.[a-z0-9_.-]+$": "must look like area.item in lowercase, e.g. serving.runtime",
}
_BOUNDS = {"less_than_equal": ("le", "at most"), "less_than": ("lt", "less than"),
           "greater_than_equal": ("ge", "at least"), "greater_than": ("gt", "more than")}
_TYPE_WORDS = {"int": "a whole number", "float": "a number", "bool": "true or false", "list": "a list",
               "tuple": "a list", "set": "a list", "dict": "a mapping of keys to values",
               "model": "a mapping of keys to values", "datetime": "a date and time (2026-10-06T12:00:00Z)",
               "string": "text"}


def shown_value(value: Any) -> str:
    """A value a user wrote, in YAML's words rather than Python's.

    >>> shown_value({"a": 1}), shown_value([1]), shown_value(True), shown_value(None), shown_value("x")
    ('a mapping', 'a list', 'true', 'nothing', "'x'")
    """
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, (list, tuple, set)):
        return "a list"
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "nothing"
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    text = value if isinstance(value, str) else as_written(value)
    text = text if len(text) <= 60 else text[:57] + "..."
    return f"'{text}'" if isinstance(value, str) else text


def describe_validation_error(err: dict) -> tuple[str, str]:
    """(field, message) in plain words for one pydantic error dict.

    >>> describe_validation_error({"type": "less_than_equal", "loc": ("likelihood",), "input": 7, "ctx": {"le": 5}})
    ('likelihood', 'must be at most 5 (got 7)')
    >>> describe_validation_error({"type": "int_parsing", "loc": ("size",), "input": "big"})
    ('size', "must be a whole number (got 'big')")
    """
    loc = tuple(err.get("loc", ()))
    field = ".".join(str(p) for p in loc) or None
    kind = err.get("type", "")
    value = err.get("input")
    ctx = err.get("ctx") or {}
    got = f"(got {shown_value(value)})"
    family = kind.split("_", 1)[0]
    if kind in ("literal_error", "enum"):
        expected = str(ctx.get("expected", "")).replace("'", "").replace(" or ", ", ")
        return field, f"{shown_value(value)} is not one of {expected}"
    if kind == "extra_forbidden":
        return field, "unknown field (check the spelling; your own keys must start with 'x-')"
    if kind == "missing":
        return field, "required field is missing"
    if kind == "string_type" and isinstance(value, (int, float)) and not isinstance(value, bool):
        return field, f"must be text; write it in quotes (\"{as_written(value)}\") so YAML keeps it a string"
    if kind == "value_error":  # our own validators already explain the problem in words
        return field, str(err.get("msg", "invalid value")).removeprefix("Value error, ")
    if kind in _BOUNDS:
        key, words = _BOUNDS[kind]
        return field, f"must be {words} {as_written(ctx.get(key))} {got}"
    if kind == "int_from_float":
        return field, f"must be a whole number {got}"
    if family == "date":
        if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{1,2}-\d{1,2}", value):
            return field, f"{shown_value(value)} is not a date that exists; write a date as YYYY-MM-DD"
        return field, f"must be a date written YYYY-MM-DD {got}"
    if kind == "string_too_short":
        minimum = ctx.get("min_length", 1)
        return field, "must not be empty" if minimum == 1 else f"must be at least {minimum} characters long"
    if kind == "string_too_long":
        return field, f"must be at most {ctx.get('max_length')} characters long"
    if kind == "too_short":
        return field, f"needs at least {ctx.get('min_length')} item(s)"
    if kind == "too_long":
        return field, f"may hold at most {ctx.get('max_length')} item(s)"
    if kind == "string_pattern_mismatch":
        pattern = str(ctx.get("pattern", ""))
        return field, f"{PATTERN_WORDS.get(pattern, f'must match the pattern {pattern}')} {got}"
    if kind == "finite_number":
        return field, f"must be a finite number {got}"
    if family in _TYPE_WORDS and kind.endswith(("_type", "_parsing", "_attributes_type")):
        return field, f"must be {_TYPE_WORDS[family]} {got}"
    return field, f"{err.get('msg', 'invalid value')} {got}"
