"""The packet's release-gate section: the builds served now, which evidence was produced on which build,
and every recorded gate decision (who, what, why, signed or not) — from the analysis's ``gates``.

>>> gates_view({"components": [], "evidence": [], "decisions": []})["message"]
'No model build is recorded and no release-gate decision was taken.'
"""
from __future__ import annotations

from typing import Any

from rmfkit.labels import plural

STATE_LABELS = {"current": "Current build", "other_build": "Another build", "unknown": "Build unknown"}
DECISION_LABELS = {"approve": "Approved", "reject": "Rejected"}


def gates_view(section: dict[str, Any] | None) -> dict[str, Any]:
    """Plain dict for the packet (an older analysis without the section gives the empty view)."""
    section = section or {"components": [], "evidence": [], "decisions": []}
    decisions = [{**d, "decision_label": DECISION_LABELS[d["decision"]],
                  "signed": d["signature"] == "valid",
                  "summary": (f"{DECISION_LABELS[d['decision']]} by {d['reviewer']} on {str(d['decided_at'])[:10]}: "
                              f"{d['candidate']} (gate {d['result']}"
                              + (f", {plural(d['blocking'], 'metric')} blocking" if d["blocking"] else "") + ")")}
                 for d in section["decisions"]]
    evidence = [{**e, "state_label": STATE_LABELS[e["state"]]} for e in section["evidence"]]
    scans = [{**s, "outcome": "passed" if s["ok"] else "failed", "collected_at": str(s["collected_at"] or "undated"),
              "scanner": s["scanner"] or "scanner not named",
              "detail": ("safetensors only: no pickle to run code from" if s["safetensors_only"] else
                         "; ".join(s["findings"]) or "no unsafe import found")}
             for s in section.get("scans", [])]
    empty = not (section["components"] or decisions or scans)
    return {"recorded": not empty, "builds": list(section["components"]), "evidence": evidence, "scans": scans,
            "decisions": decisions,
            "other_build": [e["id"] for e in evidence if e["state"] == "other_build"],
            "unknown_build": [e["id"] for e in evidence if e["state"] == "unknown"],
            "message": ("No model build is recorded and no release-gate decision was taken." if empty else None)}
