"""Analysis results as JSON-ready values (dates as ISO text), for ``--json`` output and view models.

>>> import datetime as dt
>>> jsonable({"due": dt.date(2027, 1, 31), "ids": ("A", "B")})
{'due': '2027-01-31', 'ids': ['A', 'B']}
"""
from __future__ import annotations

import datetime as dt
from typing import Any


def jsonable(value: Any) -> Any:
    """Dicts, lists and tuples recursively; dates and datetimes as ISO text; everything else unchanged."""
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value
