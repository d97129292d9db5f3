"""Coverage of the RMF mapping: counts per function and status, computed, never typed in.

>>> from rmfkit.models.mapping import SubcategoryAssessment as A
>>> row = coverage_rows({"GOVERN 1.1": A(status="met"), "GOVERN 1.2": A()})[0]
>>> row["function"], row["met"], row["not_assessed"], row["total"]
('GOVERN', 1, 1, 2)
"""
from __future__ import annotations

from rmfkit.catalog import FUNCTIONS
from rmfkit.models.mapping import STATUSES, SubcategoryAssessment


def coverage_rows(assessments: dict[str, SubcategoryAssessment]) -> list[dict]:
    """One row per function: count of each status, total, and the share assessed."""
    rows = []
    for function in FUNCTIONS:
        mine = [a for sid, a in assessments.items() if sid.split(" ")[0] == function]
        if not mine:
            continue
        counts = {status: sum(1 for a in mine if a.status == status) for status in STATUSES}
        assessed = len(mine) - counts["not_assessed"]
        rows.append({"function": function, **counts, "total": len(mine),
                     "assessed_share": round(assessed / len(mine), 3)})
    return rows
