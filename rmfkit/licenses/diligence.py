"""Component due-diligence scorecard: the eight checks a careful team makes before adopting an open project.

Ratings are recorded by people in ``system.yaml`` (``components[].due_diligence``); the license-clarity
check is also *computed* from the license analysis so the two can be compared.

>>> from rmfkit.models.system import Component
>>> from rmfkit.licenses.openness import classify
>>> card = scorecard(classify(Component(id="v", name="vLLM", layer="tooling", license="Apache-2.0")))
>>> card["summary"], card["computed_license_clarity"]
('0 of 8 checks assessed', 'good')
"""
from __future__ import annotations

from functools import lru_cache
from typing import Any

from rmfkit.licenses.openness import Classification


@lru_cache(maxsize=1)
def checks() -> dict[str, dict[str, str]]:
    """The eight checks in order: id -> {name, question}."""
    from rmfkit.licenses.facts import _load, _plain

    return _plain(_load("due_diligence.yaml"))["checks"]


def computed_license_clarity(c: Classification) -> str:
    """``good`` = license known with nothing to review; ``concern`` = review needed; ``adequate`` otherwise."""
    if c.needs_review or not c.license.known:
        return "concern"
    if c.license.osi_approved or c.component.layer == "service" or c.license.has("proprietary"):
        return "good"
    return "adequate"


def scorecard(c: Classification) -> dict[str, Any]:
    """Rows for every check (rating, note, evidence), counts per rating and a one-line summary."""
    recorded = c.component.due_diligence
    rows = []
    for check_id, meta in checks().items():
        entry = getattr(recorded, check_id) if recorded else None
        rows.append({"check": check_id, "name": meta["name"], "question": meta["question"],
                     "rating": entry.rating if entry else "not_assessed",
                     "note": entry.note if entry else None,
                     "evidence": list(entry.evidence) if entry else []})
    counts = {r: sum(1 for row in rows if row["rating"] == r) for r in ("good", "adequate", "concern", "not_assessed")}
    assessed = len(rows) - counts["not_assessed"]
    summary = f"{assessed} of {len(rows)} checks assessed"
    if counts["concern"]:
        summary += f", {counts['concern']} concern" + ("s" if counts["concern"] > 1 else "")
    return {"component": c.component.id, "rows": rows, "counts": counts, "summary": summary,
            "assessed_on": recorded.assessed_on if recorded else None,
            "assessed_by": recorded.assessed_by if recorded else None,
            "computed_license_clarity": computed_license_clarity(c)}
