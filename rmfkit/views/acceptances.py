"""Residual-risk acceptances as the packet lists them: who accepted which residual level on which date, signed or not.

>>> rows = acceptances({"rows": [{"id": "R-0002", "title": "t", "treatment": "accept", "status": "open",
...     "accepted_by": "A. Novak, Head of CX", "accepted_on": "2026-11-16", "residual_score": 6,
...     "residual_level": "medium", "current_level": "medium", "inherent_score": 9, "due": "2027-02-15",
...     "acceptance_key_sha256": None, "acceptance_intact": None}]})
>>> rows[0]["person"], rows[0]["role"], rows[0]["signature"]
('A. Novak', 'Head of CX', 'not signed')
"""
from __future__ import annotations

from typing import Any


def acceptances(risks_section: dict[str, Any] | None) -> list[dict[str, Any]]:
    """One row per risk treated by acceptance, from the analysis's ``risks`` section (empty without risks)."""
    out = []
    for row in (risks_section or {}).get("rows", []):
        if row["treatment"] != "accept":
            continue
        person, _, role = (row["accepted_by"] or "").partition(",")
        if row["acceptance_key_sha256"] is None:
            signature = "not signed"
        elif row["acceptance_intact"]:
            signature = f"signed (key SHA-256 {row['acceptance_key_sha256']})"
        else:
            signature = "signed, but the risk record changed after signing"
        score = row["residual_score"] if row["residual_score"] is not None else row["inherent_score"]
        out.append({"id": row["id"], "title": row["title"], "person": person.strip() or None,
                    "role": role.strip() or None, "on": row["accepted_on"], "residual_score": score,
                    "residual_level": row["current_level"], "status": row["status"], "review_due": row["due"],
                    "signature": signature})
    return out
