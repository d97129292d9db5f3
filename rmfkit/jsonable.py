"""Results as JSON-ready values (dates as ISO text, tuples as lists, dataclasses and models as dicts).

The one converter of the package, a thin name for ``pydantic_core.to_jsonable_python``.

>>> import datetime as dt
>>> jsonable({"due": dt.date(2027, 1, 31), "ids": ("A", "B")})
{'due': '2027-01-31', 'ids': ['A', 'B']}
"""
from __future__ import annotations

from typing import Any

from pydantic_core import to_jsonable_python


def jsonable(value: Any) -> Any:
    """``value`` as plain JSON data (sets keep no order: sort them before handing them in)."""
    return to_jsonable_python(value)
