"""The date rmfkit treats as today: one place, so every surface of one run agrees.

``RMFKIT_TODAY=YYYY-MM-DD`` pins it (tests, reproducible snapshots).

>>> import os
>>> os.environ["RMFKIT_TODAY"] = "2026-10-01"
>>> today().isoformat()
'2026-10-01'
>>> del os.environ["RMFKIT_TODAY"]
"""
from __future__ import annotations

import datetime as dt
import os


def today() -> dt.date:
    """The date rmfkit treats as today (``RMFKIT_TODAY=YYYY-MM-DD`` pins it for tests and snapshots)."""
    pinned = os.environ.get("RMFKIT_TODAY")
    return dt.date.fromisoformat(pinned) if pinned else dt.date.today()
