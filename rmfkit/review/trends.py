"""Trends over all snapshots, and when the next review is due.

>>> next_review_due(dt.date(2026, 9, 30), "quarterly")
datetime.date(2026, 12, 31)
"""
from __future__ import annotations

import datetime as dt
from typing import Any, Iterable

from rmfkit.review.diff import _kind_records, _label, _results, _review_date, _score

CADENCE_DAYS = {"monthly": 31, "quarterly": 92, "semiannual": 183, "annual": 366}


def trend_point(bundle: dict) -> dict[str, Any]:
    """What the trend charts plot for one state: coverage per function, risk scores, metric values."""
    coverage = {r["function"]: {"met": r.get("met", 0), "assessed": r.get("total", 0) - r.get("not_assessed", 0),
                                "total": r.get("total", 0)} for r in _results(bundle, "mapping").get("coverage", [])}
    risks = {r["id"]: {"score": _score(r), "status": r["status"], "title": r["title"]}
             for r in _kind_records(bundle, "risks/*.yaml").values()}
    metrics = {r["id"]: {"value": r.get("value"), "threshold": r["threshold"], "title": r["title"],
                         "direction": r["direction"], "unit": r.get("unit")}
               for r in _results(bundle, "measurement").get("rows", [])}
    return {"label": _label(bundle), "date": _review_date(bundle).isoformat(), "coverage": coverage,
            "risks": risks, "metrics": metrics}


def trend(points: Iterable[dict]) -> list[dict]:
    """Trend points in date order (each from :func:`trend_point`)."""
    return sorted(points, key=lambda p: (p["date"], p["label"]))


def next_review_due(last_review: dt.date | None, cadence: str) -> dt.date | None:
    """The date the next review is due after ``last_review`` under the workspace's cadence.

    >>> next_review_due(dt.date(2026, 9, 30), "quarterly")
    datetime.date(2026, 12, 31)
    """
    if last_review is None:
        return None
    return last_review + dt.timedelta(days=CADENCE_DAYS.get(cadence, 92))
