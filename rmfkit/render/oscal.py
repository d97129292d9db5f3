"""The RMF mapping as OSCAL assessment results (``oscal-assessment-results.json``) and the minimal
assessment plan they import (``oscal-assessment-plan.json``), both from the packet view.

What an auditor can rely on:

- **Every one of the 72 subcategories has a finding** (target ``objective-id`` such as ``measure-2.10``);
  ``reviewed-controls`` lists exactly those 72. A subcategory that was not assessed is ``not-satisfied``
  with a remark saying so, never dropped. Assessed subcategories also get an observation.
- **State** (:func:`state_of`): ``satisfied``/``pass`` only for an effective ``met`` with at least one
  current, unaltered evidence item; ``met`` without evidence (or with only broken evidence) is
  ``not-satisfied``; ``not_applicable`` with a justification is ``satisfied``/``other``.
- **Evidence**: ``relevant-evidence`` only where an item is recorded, pointing at a back-matter resource
  that carries the artefact's SHA-256; an observation's ``collected`` is the latest collection date of
  its evidence, else the subcategory's last review, else the assessment date (never the build time).
- **Risks**: the register with inherent and residual characterizations (likelihood, impact, score,
  level), mitigating factors (the measures), links to the findings and observations of their
  subcategories; an accepted risk with a named acceptor is ``deviation-approved`` (without one
  ``deviation-requested``).
- **Parties**: the assessor is the packet's preparer (``branding.prepared_by`` in ``rmfkit.yaml``, which
  falls back to the system owner); the system owner is a second party. Observations, findings and risk
  characterizations name the assessor as their origin.
- ``import-ap`` is the relative file name of the plan, a file of the same packet.

UUIDs are derived (uuid5) from the system id and the item id, so the same workspace gives the same
document. :data:`OSCAL_VERSION` is the version compliance-trestle's models implement.

>>> objective_id("MEASURE 2.10")
'measure-2.10'
>>> state_of({"status": "met", "effective_status": "met", "flags": [], "evidence": [{"id": "e", "status": "ok"}]})
('satisfied', 'pass')
>>> state_of({"status": "met", "effective_status": "met", "flags": ["met_without_evidence"], "evidence": []})
('not-satisfied', 'other')
>>> risk_status({"status": "open", "treatment": "accept", "accepted_by": "A. Novak, 2026-11-16"})
'deviation-approved'
"""
from __future__ import annotations

import uuid
from typing import Any

OSCAL_VERSION = "1.2.1"
NAMESPACE = "urn:rmfkit:oscal"
PLAN_NAME = "oscal-assessment-plan.json"
BUNDLE_NAME = "bundle.json"
_ROOT = uuid.UUID("5b3e8f0a-6c1d-4a57-9a53-0d1f4b7c2e61")
TEST_KINDS = frozenset({"lm-eval", "garak", "promptfoo", "inspect", "task-eval", "artifact-check"})
NOT_ASSESSED = "Not assessed: the workspace records no assessment of this subcategory."
METHOD = (
    "Each subcategory of the NIST AI RMF 1.0 Core is assessed by the team that owns it and recorded in the "
    "rmfkit workspace (mapping/*.yaml) with its evidence; rmfkit re-hashes every evidence artefact and derives "
    "the effective status. OSCAL state: satisfied (pass) only when the effective status is met and at least "
    "one linked evidence item is current and unaltered; not applicable with a justification is satisfied "
    "(other); partially met, met without usable evidence and not assessed are not-satisfied (other); not met "
    "is not-satisfied (fail).")


def objective_id(sub_id: str) -> str:
    function, _, number = sub_id.partition(" ")
    return f"{function.lower()}-{number}"


def state_of(row: dict[str, Any]) -> tuple[str, str]:
    """(OSCAL objective state, reason) of one packet-view mapping row."""
    effective = row["effective_status"]
    if effective == "met" and "met_without_evidence" not in row["flags"] and any(
            e["status"] == "ok" for e in row["evidence"]):
        return "satisfied", "pass"
    if effective == "not_applicable":
        return "satisfied", "other"
    if effective == "not_met":
        return "not-satisfied", "fail"
    return "not-satisfied", "other"


def risk_status(row: dict[str, Any]) -> str:
    """OSCAL risk status of a register row: acceptance first, then the register's status."""
    if row["treatment"] == "accept":
        return "deviation-approved" if (row.get("accepted_by") or "").strip() else "deviation-requested"
    return {"closed": "closed", "in_treatment": "remediating"}.get(row["status"], "open")


def _uuid(system_id: str, *parts: str) -> str:
    return str(uuid.uuid5(_ROOT, "/".join((system_id, *parts))))


def _prop(name: str, value: Any) -> dict[str, str]:
    return {"name": name, "ns": NAMESPACE, "value": " ".join(str(value).split())}


def _stamp(day: str) -> str:
    return f"{day}T00:00:00Z"


def _rows(view: dict[str, Any]) -> list[dict[str, Any]]:
    return [row for function in view["mapping"]["functions"] for category in function["categories"]
            for row in category["rows"]]


def _reviewed_controls(rows: list[dict[str, Any]]) -> dict[str, Any]:
    return {"description": f"The {len(rows)} subcategories of the NIST AI RMF 1.0 Core, each a control objective.",
            "control-selections": [{"include-controls": [{"control-id": objective_id(r["id"])} for r in rows]}]}


def _parties(view: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """Metadata roles, parties and responsible parties, and the assessor's party uuid."""
    cover = view["cover"]
    system_id, assessor, owner = cover["system_id"], cover["prepared_by"], cover["owner"]
    people = {"assessor": assessor, "system-owner": owner}
    uuids = {name: _uuid(system_id, "party", name) for name in dict.fromkeys(people.values())}
    parties = [{"uuid": uuids[name], "type": "person" if name == owner else "organization", "name": name}
               for name in uuids]
    metadata = {"roles": [{"id": "assessor", "title": "Assessor (prepared the assessment)"},
                          {"id": "system-owner", "title": "System owner"}],
                "parties": parties,
                "responsible-parties": [{"role-id": role, "party-uuids": [uuids[name]]}
                                        for role, name in people.items()]}
    return metadata, uuids[assessor]


def _metadata(view: dict[str, Any], title: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Document metadata and the ``origins`` (the assessor) to put on observations, findings and risks."""
    cover = view["cover"]
    parties, assessor = _parties(view)
    metadata = {"title": title, "last-modified": cover["generated_at"], "version": cover["version"] or "unversioned",
                "oscal-version": OSCAL_VERSION,
                "props": [_prop("catalog-version", cover["catalog_version"]),
                          _prop("rmfkit-version", cover["rmfkit_version"])], **parties}
    return metadata, [{"actors": [{"type": "party", "actor-uuid": assessor, "role-id": "assessor"}]}]


def assessment_plan(view: dict[str, Any]) -> dict[str, Any]:
    """The minimal OSCAL assessment plan the results import (``oscal-assessment-plan.json``): parties,
    method, the 72 subcategories, and the system profile (``bundle.json``) in place of an SSP."""
    cover = view["cover"]
    system_id = cover["system_id"]
    metadata, _ = _metadata(view, f"NIST AI RMF assessment plan — {cover['system_name']}")
    profile = _uuid(system_id, "plan-resource", "system-profile")
    plan = {
        "uuid": _uuid(system_id, "assessment-plan", cover["period"]["start"]),
        "metadata": metadata,
        "import-ssp": {"href": f"#{profile}",
                       "remarks": "No OSCAL system security plan exists: the system profile (system.yaml) is "
                                  f"carried in {BUNDLE_NAME} of the same packet."},
        "terms-and-conditions": {"parts": [
            {"name": "method", "title": "Assessment method and status rules", "prose": METHOD},
            {"name": "period", "title": "Assessment period", "prose": f"{cover['period']['label']}."}]},
        "reviewed-controls": _reviewed_controls(_rows(view)),
        "back-matter": {"resources": [
            {"uuid": profile, "title": f"System profile of {cover['system_name']} (system.yaml)",
             "rlinks": [{"href": BUNDLE_NAME, "media-type": "application/json"}]}]},
    }
    return {"assessment-plan": plan}


def _evidence_resources(view: dict[str, Any], files: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Back-matter resource per recorded evidence item (recorded SHA-256), by evidence id."""
    system_id = view["cover"]["system_id"]
    rows = view["evidence"]["rows"] if view["evidence"]["recorded"] else []
    resources = {}
    for row in rows:
        path = f"evidence/{row['id']}/{row['file']}"
        resources[row["id"]] = {
            "uuid": _uuid(system_id, "evidence", row["id"]), "title": f"{row['id']}: {row['title']}",
            "props": [_prop("evidence-kind", row["kind"]), _prop("evidence-status", row["status"]),
                      *([_prop("collected", row["collected"])] if row["collected"] else [])],
            "rlinks": [{"href": path, "media-type": "application/octet-stream",
                        "hashes": [{"algorithm": "SHA-256", "value": row["sha256"]}]}],
            **({} if path in files else {"remarks": "The artefact is not part of this packet "
                                                    "(missing in the workspace)."}),
        }
    return resources


def _collected(row: dict[str, Any], evidence: dict[str, dict[str, Any]], as_of: str) -> tuple[str, str]:
    """(date, basis): latest collection date of the row's recorded evidence, else its last review, else
    the assessment date."""
    dates = [evidence[e["id"]]["collected"] for e in row["evidence"]
             if e["id"] in evidence and evidence[e["id"]]["collected"]]
    if dates:
        return max(dates), "evidence-collected"
    if row.get("last_reviewed"):
        return row["last_reviewed"], "last-reviewed"
    return as_of, "assessment-date"


def _observation(row: dict[str, Any], view: dict[str, Any], resources: dict[str, dict[str, Any]],
                 origins: list[dict[str, Any]]) -> dict[str, Any]:
    evidence = {r["id"]: r for r in view["evidence"]["rows"]} if view["evidence"]["recorded"] else {}
    day, basis = _collected(row, evidence, view["cover"]["date"])
    text = row["notes"] or row["justification"] or f"Recorded as {row['status_label'].lower()}."
    relevant = []
    for item in row["evidence"]:
        if item["id"] in resources:
            relevant.append({"href": f"#{resources[item['id']]['uuid']}",
                             "description": f"Evidence {item['id']} ({item['status'].replace('_', ' ')})",
                             "props": [_prop("evidence-id", item["id"]),
                                       _prop("sha256", evidence[item["id"]]["sha256"])]})
        else:
            relevant.append({"description": f"Evidence {item['id']} is linked but not recorded in this workspace.",
                             "props": [_prop("evidence-id", item["id"])]})
    kinds = {evidence[e["id"]]["kind"] for e in row["evidence"] if e["id"] in evidence}
    methods = (["TEST"] if kinds & TEST_KINDS else []) + (["EXAMINE"] if kinds - TEST_KINDS else [])
    observation = {
        "uuid": _uuid(view["cover"]["system_id"], "observation", row["id"]), "title": f"{row['id']} assessment",
        "description": text, "props": [_prop("rmf-status", row["status"]), _prop("collected-from", basis),
                                       *([_prop("owner", row["owner"])] if row["owner"] else [])],
        "methods": methods or ["UNKNOWN"], "types": ["control-objective"], "origins": origins,
        "collected": _stamp(day),
    }
    if relevant:
        observation["relevant-evidence"] = relevant
    if row["reason"]:
        observation["remarks"] = row["reason"]
    return observation


def _finding(row: dict[str, Any], system_id: str, origins: list[dict[str, Any]], observed: bool,
             risk_uuids: list[str]) -> dict[str, Any]:
    state, reason = state_of(row)
    remarks = NOT_ASSESSED if row["status"] == "not_assessed" else (
        row["reason"] or f"Recorded as {row['status_label'].lower()}.")
    finding = {
        "uuid": _uuid(system_id, "finding", row["id"]), "title": row["id"], "description": row["statement"],
        "props": [_prop("rmf-status", row["status"]), _prop("effective-status", row["effective_status"]),
                  *[_prop("flag", flag) for flag in row["flags"]]],
        "origins": origins,
        "target": {"type": "objective-id", "target-id": objective_id(row["id"]),
                   "status": {"state": state, "reason": reason, "remarks": remarks}},
    }
    if observed:
        finding["related-observations"] = [{"observation-uuid": _uuid(system_id, "observation", row["id"])}]
    if risk_uuids:
        finding["related-risks"] = [{"risk-uuid": u} for u in risk_uuids]
    return finding


def _characterization(origins: list[dict[str, Any]], phase: str, likelihood: int, impact: int, score: int,
                      level: str) -> dict[str, Any]:
    facets = [("likelihood", likelihood), ("impact", impact), ("score", score), ("level", level)]
    return {"props": [_prop("assessment", phase), _prop("scale", "5x5 (likelihood x impact)")], "origin": origins[0],
            "facets": [{"name": name, "system": NAMESPACE, "value": str(value)} for name, value in facets]}


def _risk(row: dict[str, Any], system_id: str, origins: list[dict[str, Any]], observed: set[str]) -> dict[str, Any]:
    statement = (f"Inherent: likelihood {row['likelihood']} x impact {row['impact']} = {row['inherent_score']} "
                 f"({row['inherent_level']}). {row['rationale']}")
    characterizations = [_characterization(origins, "inherent", row["likelihood"], row["impact"],
                                           row["inherent_score"], row["inherent_level"])]
    if row["residual_score"] is not None:
        statement += (f"\n\nResidual: likelihood {row['residual_likelihood']} x impact {row['residual_impact']} = "
                      f"{row['residual_score']} ({row['residual_level']}). {row['residual_rationale']}")
        characterizations.append(_characterization(origins, "residual", row["residual_likelihood"],
                                                   row["residual_impact"], row["residual_score"],
                                                   row["residual_level"]))
    risk = {
        "uuid": _uuid(system_id, "risk", row["id"]), "title": f"{row['id']}: {row['title']}",
        "description": f"{row['title']} ({row['category_title']}).", "statement": statement,
        "props": [_prop("risk-id", row["id"]), _prop("category", row["category"]), _prop("owner", row["owner"]),
                  _prop("treatment", row["treatment"]), _prop("register-status", row["status"]),
                  *([_prop("accepted-by", row["accepted_by"])] if row.get("accepted_by") else [])],
        "status": risk_status(row), "origins": origins, "characterizations": characterizations,
    }
    if row["measures"]:
        risk["mitigating-factors"] = [{"uuid": _uuid(system_id, "risk", row["id"], "measure", str(n)),
                                       "description": text} for n, text in enumerate(row["measures"], start=1)]
    if row["due"]:
        risk["deadline"] = _stamp(row["due"])
    linked = [sub for sub in row["subcategories"] if sub in observed]
    if linked:
        risk["related-observations"] = [{"observation-uuid": _uuid(system_id, "observation", sub)} for sub in linked]
    return risk


def assessment_results(view: dict[str, Any], files: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The OSCAL assessment results as a dict; ``files`` are the packet writer's entries (path -> sha256,
    size), so an evidence artefact missing from the packet is marked as such."""
    cover = view["cover"]
    system_id, when = cover["system_id"], cover["generated_at"]
    metadata, origins = _metadata(view, f"NIST AI RMF assessment results — {cover['system_name']}")
    resources = _evidence_resources(view, files)
    rows = _rows(view)
    risk_rows = view["risks"]["rows"] if view["risks"]["recorded"] else []
    risks_by_sub: dict[str, list[str]] = {}
    for r in risk_rows:
        for sub in r["subcategories"]:
            risks_by_sub.setdefault(sub, []).append(_uuid(system_id, "risk", r["id"]))
    observations = [_observation(row, view, resources, origins) for row in rows if row["status"] != "not_assessed"]
    observed = {row["id"] for row in rows if row["status"] != "not_assessed"}
    findings = [_finding(row, system_id, origins, row["id"] in observed, risks_by_sub.get(row["id"], []))
                for row in rows]
    result: dict[str, Any] = {
        "uuid": _uuid(system_id, "result", when), "title": f"AI RMF assessment of {cover['system_name']}",
        "description": f"Assessment against the NIST AI RMF 1.0 for the period {cover['period']['label']}.",
        "start": _stamp(cover["period"]["start"]), "end": when,
        "reviewed-controls": _reviewed_controls(rows), "findings": findings,
    }
    if observations:
        result["observations"] = observations
    if risk_rows:
        result["risks"] = [_risk(r, system_id, origins, observed) for r in risk_rows]
    document = {
        "uuid": _uuid(system_id, "assessment-results", when), "metadata": metadata,
        "import-ap": {"href": PLAN_NAME, "remarks": f"The assessment plan is {PLAN_NAME} in the same packet."},
        "results": [result],
    }
    if resources:
        document["back-matter"] = {"resources": list(resources.values())}
    return {"assessment-results": document}
