"""The audit frame pages of the packet: ``Analysis.frame`` and ``Analysis.method`` as plain dicts.

Section "Scope, method and assurance" (scope, period, assurance level, independence, limitations, the status
rule table, test procedures with sample sizes, who assessed what), "NIST AI 600-1 coverage", the referenced
documents beside the evidence index, the contacts and Art. 30 reference in the DPIA section, and the changes
since the previous snapshot (which the packet builder fills in; see
:func:`rmfkit.analysis.frame.changes_since`). Nothing is dropped silently: a frame that is not recorded
carries the sentences saying what is missing.

>>> frame_view({"recorded": False, "missing": ["No audit frame recorded."], "assessed_by": [], "documents": [],
...             "contacts": {}, "gai": {"applicable": False}, "findings": []}, None, reviews=())["changes"]["message"][:20]
'No earlier snapshot '
"""
from __future__ import annotations

from typing import Any

from rmfkit.labels import plural

RULE_WORDS = {"met": "met", "partially_met": "partially met", "threshold": "a threshold",
              "met or partially_met": "met or partially met", "not_applicable": "not applicable"}
KIND_LABELS = {"lia": "Legitimate interest assessment", "tia": "Transfer impact assessment",
               "dpa": "Data processing agreement", "incident_report": "Incident report", "raci": "RACI",
               "policy": "Policy", "art30_record": "Art. 30 record", "provider_assurance": "Provider assurance",
               "contract": "Contract", "other": "Other"}


def status_rules(method: dict[str, Any] | None) -> dict[str, Any]:
    """The status rule table: recorded status, condition, effective status in the packet.

    >>> status_rules({"status_rules": [{"recorded": "met", "condition": "c", "effective": "unsupported"}],
    ...               "default_min_sample": 30, "confidence_level": 0.95})["rows"][0]["recorded"]
    'met'
    """
    if not method:
        return {"rows": [], "min_sample": None, "confidence": None}
    rows = [{"recorded": RULE_WORDS.get(r["recorded"], r["recorded"].replace("_", " ")), "condition": r["condition"],
             "effective": r["effective"].replace("_", " ")} for r in method["status_rules"]]
    return {"rows": rows, "min_sample": method["default_min_sample"],
            "confidence": f"{round(method['confidence_level'] * 100)}%"}


def _assessor_groups(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Who assessed what, one line per person and date, their subcategories in catalog order."""
    groups: dict[tuple, dict[str, Any]] = {}
    for row in rows:
        key = (row["source"], row["name"], row["role"], row["on"])
        group = groups.setdefault(key, {"name": row["name"], "role": row["role"], "organisation": row["organisation"],
                                        "on": row["on"], "source": row["source"], "subcategories": [],
                                        "own_work": []})
        group["subcategories"].append(row["id"])
        if row["own_work"]:
            group["own_work"].append(row["id"])
    return sorted(groups.values(), key=lambda g: (g["source"] != "audit.yaml", g["name"] or ""))


def _procedure(p: dict[str, Any]) -> dict[str, Any]:
    if p["sample_size"] is not None and p["population"] is not None:
        sample = f"{p['sample_size']:,} of {p['population']:,}"
    elif p["sample_size"] is not None:
        sample = f"{p['sample_size']:,} (population not stated)"
    else:
        sample = "not stated"
    return {**p, "sample": sample}


def _changes(reviews: tuple[str, ...]) -> dict[str, Any]:
    if not reviews:
        return {"computed": False, "previous": None,
                "message": "No earlier snapshot in reviews/: this is the first frozen assessment, so there is "
                           "nothing to compare with."}
    return {"computed": False, "previous": reviews[-1],
            "message": f"Changes since {reviews[-1]} are not part of this view: the packet builder adds them "
                       f"(`rmfkit review diff --from {reviews[-1]}` lists them)."}


def frame_view(frame: dict[str, Any] | None, method: dict[str, Any] | None, *, reviews: tuple[str, ...]
               ) -> dict[str, Any]:
    """The frame pages' data from ``Analysis.frame`` and ``Analysis.method`` (``reviews``: snapshot labels)."""
    if frame is None:  # an analysis made before the frame existed (an old snapshot)
        frame = {"recorded": False, "missing": ["This analysis predates the audit frame."], "assessed_by": [],
                 "documents": [], "contacts": {}, "gai": {"applicable": False, "risks": []}, "findings": []}
    docs = [{**d, "kind_label": KIND_LABELS.get(d["kind"], d["kind"]),
             "sha256_short": d["sha256"][:12] if d["sha256"] else None} for d in frame["documents"]]
    view = {**frame, "rules": status_rules(method), "documents": docs,
            "held": sum(1 for d in docs if d["held"]), "not_held": sum(1 for d in docs if not d["held"]),
            "assessor_groups": _assessor_groups(frame["assessed_by"]), "changes": _changes(reviews),
            "assessed_count": len(frame["assessed_by"]),
            "errors": [f for f in frame["findings"] if f["severity"] == "error"],
            "warnings": [f for f in frame["findings"] if f["severity"] == "warning"]}
    if frame["recorded"]:
        view["procedures"] = [_procedure(p) for p in frame["procedures"]]
    gai = frame["gai"]
    if gai.get("applicable"):
        view["gai"] = {**gai, "risks": [{**r, "open_text": [
            f"{o['subcategory']} ({plural(len(o['actions']), 'action')}, {o['status'].replace('_', ' ')})"
            for o in r["open"]]} for r in gai["risks"]]}
    return view
