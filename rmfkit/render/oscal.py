"""The RMF mapping as OSCAL assessment results (``oscal-assessment-results.json``).

One observation and one finding per assessed subcategory (status other than ``not_assessed``); the
finding's target is the subcategory (``objective-id`` such as ``measure-2.10``) with state
``satisfied`` / ``not-satisfied``; evidence is ``relevant-evidence`` pointing at a back-matter
resource that carries the artefact's SHA-256; open risks are OSCAL risks linked from the findings of
their subcategories. UUIDs are derived (uuid5) from the system id and the item id, so the same
workspace gives the same document.

>>> objective_id("MEASURE 2.10")
'measure-2.10'
>>> state_of({"status": "met", "unsupported": False})
('satisfied', 'pass')
"""
from __future__ import annotations

import uuid
from typing import Any

OSCAL_VERSION = "1.1.2"
NAMESPACE = "urn:rmfkit:oscal"
_ROOT = uuid.UUID("5b3e8f0a-6c1d-4a57-9a53-0d1f4b7c2e61")
IMPORT_AP_NOTE = ("No separate OSCAL assessment plan exists; the assessment follows the NIST AI RMF 1.0 "
                  "subcategories as recorded in the rmfkit workspace.")


def objective_id(sub_id: str) -> str:
    function, _, number = sub_id.partition(" ")
    return f"{function.lower()}-{number}"


def state_of(row: dict[str, Any]) -> tuple[str, str]:
    """(OSCAL objective state, reason) for one mapping row; ``met`` without current evidence fails."""
    if row["status"] == "met" and not row["unsupported"]:
        return "satisfied", "pass"
    if row["status"] == "not_applicable":
        return "satisfied", "other"
    if row["status"] == "partially_met":
        return "not-satisfied", "other"
    return "not-satisfied", "fail"


def _uuid(system_id: str, *parts: str) -> str:
    return str(uuid.uuid5(_ROOT, "/".join((system_id, *parts))))


def _prop(name: str, value: Any) -> dict[str, str]:
    return {"name": name, "ns": NAMESPACE, "value": str(value)}


def assessment_results(view: dict[str, Any], files: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The OSCAL document as a dict; ``files`` are the packet writer's entries (path -> sha256, size)."""
    cover = view["cover"]
    system_id = cover["system_id"]
    when = cover["generated_at"]
    evidence_rows = {r["id"]: r for r in view["evidence"].get("rows", [])} if view["evidence"]["recorded"] else {}
    resources = []
    for eid, row in evidence_rows.items():
        path = f"evidence/{eid}/{row['file']}"
        entry = files.get(path)
        resources.append({
            "uuid": _uuid(system_id, "evidence", eid), "title": f"{eid}: {row['title']}",
            "props": [_prop("evidence-kind", row["kind"]), _prop("evidence-status", row["status"])],
            "rlinks": [{"href": path, "media-type": "application/octet-stream",
                        "hashes": [{"algorithm": "SHA-256", "value": row["sha256"]}]}],
            **({"remarks": "The artefact is not part of this packet (missing in the workspace)."} if entry is None
               else {}),
        })
    risk_rows = view["risks"].get("rows", []) if view["risks"]["recorded"] else []
    risks = [{
        "uuid": _uuid(system_id, "risk", r["id"]), "title": f"{r['id']}: {r['title']}",
        "description": r.get("description") or r["title"],
        "statement": "; ".join(r.get("measures") or []) or f"Treatment: {r.get('treatment', 'not recorded')}",
        "status": "closed" if r.get("status") == "closed" else "open",
        "props": [_prop("inherent-score", r["inherent_score"]), _prop("owner", r.get("owner") or "unassigned"),
                  *([_prop("residual-score", r["residual_score"])] if r.get("residual_score") is not None else [])],
        **({"deadline": f"{r['due']}T00:00:00Z"} if r.get("due") else {}),
    } for r in risk_rows]
    risks_by_sub: dict[str, list[str]] = {}
    for r in risk_rows:
        for sub in r.get("subcategories") or []:
            risks_by_sub.setdefault(sub, []).append(_uuid(system_id, "risk", r["id"]))

    observations, findings = [], []
    for function in view["mapping"]["functions"]:
        for category in function["categories"]:
            for row in category["rows"]:
                if row["status"] == "not_assessed":
                    continue
                obs_uuid = _uuid(system_id, "observation", row["id"])
                state, reason = state_of(row)
                text = row["notes"] or row["justification"] or f"Recorded as {row['status_label'].lower()}."
                observation = {
                    "uuid": obs_uuid, "title": f"{row['id']} assessment",
                    "description": text, "methods": ["EXAMINE"], "types": ["control-objective"],
                    "collected": when,
                    "props": [_prop("rmf-status", row["status"]),
                              *([_prop("owner", row["owner"])] if row["owner"] else [])],
                }
                evidence = [{"href": f"#{_uuid(system_id, 'evidence', e['id'])}",
                             "description": f"Evidence {e['id']} ({e['status'].replace('_', ' ')})",
                             "props": [_prop("evidence-id", e["id"]),
                                       *([_prop("sha256", evidence_rows[e["id"]]["sha256"])]
                                         if e["id"] in evidence_rows else [])]}
                            for e in row["evidence"]]
                if evidence:
                    observation["relevant-evidence"] = evidence
                observations.append(observation)
                finding = {
                    "uuid": _uuid(system_id, "finding", row["id"]), "title": row["id"],
                    "description": row["statement"],
                    "target": {"type": "objective-id", "target-id": objective_id(row["id"]),
                               "status": {"state": state, "reason": reason,
                                          **({"remarks": "; ".join(row["unsupported_reasons"])}
                                             if row["unsupported"] else {})}},
                    "related-observations": [{"observation-uuid": obs_uuid}],
                }
                if row["id"] in risks_by_sub:
                    finding["related-risks"] = [{"risk-uuid": u} for u in risks_by_sub[row["id"]]]
                findings.append(finding)

    result: dict[str, Any] = {
        "uuid": _uuid(system_id, "result", when), "title": f"AI RMF assessment of {cover['system_name']}",
        "description": f"Assessment against the NIST AI RMF 1.0 for the period {cover['period']['label']}.",
        "start": f"{cover['period']['start']}T00:00:00Z", "end": when,
        "reviewed-controls": {"control-selections": [{"include-all": {}}],
                              "description": "All 72 subcategories of the NIST AI RMF 1.0 Core."},
    }
    for key, items in (("observations", observations), ("risks", risks), ("findings", findings)):
        if items:
            result[key] = items
    document = {
        "uuid": _uuid(system_id, "assessment-results", when),
        "metadata": {"title": f"NIST AI RMF assessment results — {cover['system_name']}",
                     "last-modified": when, "version": cover["version"] or "unversioned",
                     "oscal-version": OSCAL_VERSION,
                     "props": [_prop("catalog-version", cover["catalog_version"]),
                               _prop("rmfkit-version", cover["rmfkit_version"])]},
        "import-ap": {"href": "#assessment-plan-not-provided", "remarks": IMPORT_AP_NOTE},
        "results": [result],
    }
    if resources:
        document["back-matter"] = {"resources": resources}
    return {"assessment-results": document}
