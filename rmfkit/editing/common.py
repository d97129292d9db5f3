"""Saving an edit as every form and action does: ``ws.edit()``, the model's validation, ``rmfkit.validate``.

>>> import tempfile, pathlib
>>> from rmfkit.workspace import Workspace
>>> ws = Workspace.create(pathlib.Path(tempfile.mkdtemp()) / "w", system_id="s", name="S", owner="o")
>>> with saving(ws):
...     pass
>>> clean({"a": "", "b": None, "c": [], "d": 0})
{'d': 0}
"""
from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any, Iterator, Mapping, TypeVar

from pydantic import BaseModel, ValidationError

from rmfkit.errors import UsageError, ValidationFailed

if TYPE_CHECKING:
    from rmfkit.workspace import Workspace

M = TypeVar("M", bound=BaseModel)


def _key(problem) -> tuple:
    return problem.file, problem.field, problem.message


@contextlib.contextmanager
def saving(ws: "Workspace") -> Iterator["Workspace"]:
    """``ws.edit()`` that also refuses a change adding a reference problem (unknown id, duplicate...).

    Problems the workspace already had do not block the save; new ones raise
    :class:`~rmfkit.errors.ValidationFailed` and nothing is written.
    """
    from rmfkit.validation import validate

    with ws.edit():
        before = {_key(p) for p in validate(ws.current())}
        yield ws
        new = [p for p in validate(ws.current()) if _key(p) not in before]
        if new:
            raise ValidationFailed(new)


def clean(values: Mapping[str, Any]) -> dict[str, Any]:
    """Drop what a form leaves empty (``None``, blank text, empty lists), keep ``False`` and ``0``."""
    return {k: v for k, v in values.items()
            if v is not None and not (isinstance(v, str) and not v.strip()) and v != [] and v != {}}


def validated(model: type[M], data: Mapping[str, Any], *, file: str, prefix: str = "") -> M:
    """``model.model_validate(data)`` with the first problem as a :class:`UsageError` naming the field."""
    from rmfkit.wording import describe_validation_error

    try:
        return model.model_validate(dict(data))
    except ValidationError as exc:
        field, message = describe_validation_error(exc.errors()[0])
        if field is None and ": " in message and message.split(": ", 1)[0].replace(".", "").replace("_", "").isalnum():
            field, message = message.split(": ", 1)
        raise UsageError(message, file=file, field=f"{prefix}{field}" if field else prefix.rstrip(".") or None) from None


def lines(value: Any) -> list[str]:
    """A list from a form's text: one entry per line (or comma-separated on one line); lists pass through.

    >>> lines("claims handlers\\npolicyholders"), lines("a, b"), lines(["x"])
    (['claims handlers', 'policyholders'], ['a', 'b'], ['x'])
    """
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return [str(v).strip() for v in value if str(v).strip()]
    text = str(value)
    parts = text.splitlines() if "\n" in text else text.split(",")
    return [p.strip() for p in parts if p.strip()]


def slug_id(text: str, taken: set[str] = frozenset()) -> str:
    """A record id from words: ``Health details`` -> ``health-details`` (``-2`` when taken).

    >>> slug_id("Health details (claims)"), slug_id("a", {"a"})
    ('health-details-claims', 'a-2')
    """
    import re

    base = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:40] or "item"
    candidate, number = base, 1
    while candidate in taken:
        number += 1
        candidate = f"{base}-{number}"
    return candidate
