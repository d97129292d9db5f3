"""The audit frame as the analysis sees it: ``audit.yaml`` checked against the workspace, who assessed each
subcategory, the referenced documents (held with their evidence check, or referenced and not held), the
controller and DPO (from ``dpia.yaml``) and, for generative systems, NIST AI 600-1 coverage.

Pure: records, evidence checks, the mapping rows of the same analysis and a date in, plain data out.
Who assessed a subcategory: the most specific ``assessors`` entry of ``audit.yaml`` that names it (its id
before its function); where none does, the mapping's ``owner`` and ``last_reviewed`` stand in, marked
``"owner"`` (the owner judged their own work). Findings use the consistency rules' shape
(``{"severity", "rule", "file", "field", "message", "line"}``).

Changes since the previous snapshot are not here: the analysis cannot read a snapshot. The packet builder
computes the diff and passes it through :func:`changes_since`.

>>> import datetime as dt
>>> from rmfkit.records import Records
>>> records = Records.from_data({"system.yaml": {"schema_version": 1, "id": "s", "name": "S", "owner": "o",
...     "purpose": "p", "deployment_pattern": "self_hosted", "generative": True}})
>>> out = section(records, {}, [], dt.date(2026, 12, 1))
>>> out["recorded"], len(out["gai"]["risks"]), out["findings"][0]["rule"]
(False, 12, 'audit-frame-missing')
"""
from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, Callable, Mapping

if TYPE_CHECKING:
    from rmfkit.models.audit import AuditFrame
    from rmfkit.records import Records

AUDIT_FILE = "audit.yaml"
FUNCTIONS = ("GOVERN", "MAP", "MEASURE", "MANAGE")
OPEN_STATUSES = ("partially_met", "unsupported", "not_met", "not_assessed")


def _finding(severity: str, rule: str, field: str | None, message: str) -> dict[str, Any]:
    return {"severity": severity, "rule": rule, "file": AUDIT_FILE, "field": field, "message": message, "line": None}


def _missing(audit: "AuditFrame | None") -> list[str]:
    """Plain sentences naming each part of the frame that is not recorded."""
    if audit is None:
        return ["No audit frame recorded: audit.yaml is missing, so this packet states no scope and boundaries, "
                "assessment period, test procedures, named assessors, independence statement, limitations, "
                "assurance level, referenced documents or Art. 30 record reference."]
    parts = [(not (audit.scope.in_scope or audit.scope.out_of_scope), "scope (in scope, out of scope)"),
             (audit.period is None, "assessment period"), (not audit.procedures, "test procedures"),
             (not audit.assessors, "named assessors"), (not (audit.independence or "").strip(),
                                                        "independence statement"),
             (audit.assurance_level is None, "assurance level"), (not audit.limitations, "limitations"),
             (audit.art30_record is None, "Art. 30 record reference")]
    return [f"Not recorded in audit.yaml: {what}." for gap, what in parts if gap]


def assessed_by(audit: "AuditFrame | None", mapping_rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Who assessed each assessed subcategory (recorded status other than ``not_assessed``), in catalog order.

    >>> assessed_by(None, [{"id": "MAP 1.1", "status": "met", "effective_status": "met",
    ...                     "owner": "Legal (M. Ruiz)", "last_reviewed": "2026-10-14"}])[0]["source"]
    'owner'
    """
    from rmfkit.catalog import load_catalog

    catalog = load_catalog()
    named: dict[str, Any] = {}
    for person in (audit.assessors if audit else []):
        for ref in person.subcategories:
            key = ref.strip().upper()
            if key in FUNCTIONS:
                named.setdefault(key, person)
            elif catalog.is_subcategory(ref):
                named[catalog.subcategory(ref).id] = person
    rows = []
    for row in mapping_rows:
        if row["status"] == "not_assessed":
            continue
        person = named.get(row["id"]) or named.get(row["id"].split()[0])
        owner = row.get("owner") or ""
        if person is not None:
            own = bool(owner) and person.name.strip().lower() in owner.lower()
            rows.append({"id": row["id"], "status": row["effective_status"], "name": person.name, "role": person.role,
                         "organisation": person.organisation, "on": person.assessed_on.isoformat(),
                         "source": "audit.yaml", "owner": owner or None, "own_work": own})
        else:
            rows.append({"id": row["id"], "status": row["effective_status"], "name": owner or None, "role": "owner",
                         "organisation": None, "on": row.get("last_reviewed"), "source": "owner",
                         "owner": owner or None, "own_work": True})
    return rows


def documents(audit: "AuditFrame | None", records: "Records", checks: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The referenced documents: held ones with their evidence's SHA-256 and check, the others with why not."""
    out = []
    for doc in (audit.documents if audit else []):
        evidence = records.evidence.get(doc.evidence) if doc.evidence else None
        check = checks.get(doc.evidence) if doc.evidence else None
        out.append({"id": doc.id, "title": doc.title, "kind": doc.kind, "version": doc.version, "held": doc.held,
                    "evidence": doc.evidence, "sha256": evidence.sha256 if evidence else None,
                    "status": (check.status if check else "missing") if doc.held else None,
                    "reason": doc.not_held_reason, "art30": audit.art30_record == doc.id})
    return out


def gai_coverage(records: "Records", mapping_rows: list[dict[str, Any]]) -> dict[str, Any]:
    """NIST AI 600-1 coverage: for each of the 12 GAI risks, its actions through the assessed subcategories.

    An action is *addressed* when its subcategory is met with current evidence, *not applicable* when the
    subcategory is, and *open* otherwise (partially met, unsupported, not met or not assessed).
    """
    from rmfkit.catalog import load_catalog

    catalog = load_catalog()
    if not records.system.generative:
        return {"applicable": False, "risks": [],
                "message": "Not a generative AI system (system.yaml, generative: false): NIST AI 600-1 does not apply."}
    by_id = {row["id"]: row for row in mapping_rows}
    register = list(records.risks.values())
    out = []
    for risk in sorted(catalog.gai_risks, key=lambda r: r.number):
        addressed, not_applicable, evidence = [], [], set()
        open_by_sub: dict[str, dict[str, Any]] = {}
        for action in (a for a in catalog.gai_actions if risk.id in a.risks):
            row = by_id.get(action.subcategory, {"effective_status": "not_assessed", "evidence_checks": []})
            status = row["effective_status"]
            if status == "met":
                addressed.append(action.id)
            elif status == "not_applicable":
                not_applicable.append(action.id)
            else:
                open_by_sub.setdefault(action.subcategory, {"subcategory": action.subcategory, "status": status,
                                                            "actions": []})["actions"].append(action.id)
            if status in ("met", "partially_met"):
                evidence.update(e["id"] for e in row["evidence_checks"] if e["status"] == "ok")
        opened = sorted(open_by_sub.values(), key=lambda o: catalog.subcategory(o["subcategory"]).sort_key)
        total = len(addressed) + len(not_applicable) + sum(len(o["actions"]) for o in opened)
        state = "addressed" if not opened else "open" if not addressed else "partly addressed"
        out.append({"id": risk.id, "number": risk.number, "title": risk.title, "actions": total,
                    "addressed": addressed, "not_applicable": not_applicable, "open": opened,
                    "open_count": total - len(addressed) - len(not_applicable), "evidence": sorted(evidence),
                    "register_risks": [{"id": r.id, "status": r.status} for r in register if r.category == risk.id],
                    "state": state})
    counts = {s: sum(1 for r in out if r["state"] == s) for s in ("addressed", "partly addressed", "open")}
    return {"applicable": True, "risks": out, "counts": counts, "actions": len(catalog.gai_actions)}


def _check(audit: "AuditFrame | None", records: "Records", docs: list[dict[str, Any]], rows: list[dict[str, Any]],
           today: dt.date) -> list[dict[str, Any]]:
    from rmfkit.catalog import load_catalog

    if audit is None:
        return [_finding("warning", "audit-frame-missing", None, _missing(None)[0])]
    catalog = load_catalog()
    out = [_finding("warning", "audit-frame-incomplete", None, m) for m in _missing(audit)]
    for i, doc in enumerate(docs):
        if doc["held"] and doc["evidence"] not in records.evidence:
            out.append(_finding("error", "audit-document-evidence", f"documents.{i}.evidence",
                                f"document {doc['id']} names evidence {doc['evidence']}, which is not in this "
                                "workspace: import it, or list it as not held with a reason"))
        elif doc["held"] and doc["status"] != "ok":
            out.append(_finding("warning", "audit-document-stale", f"documents.{i}.evidence",
                                f"document {doc['id']} is held as {doc['evidence']}, which is {doc['status']}"))
    for i, person in enumerate(audit.assessors):
        for ref in person.subcategories:
            if ref.strip().upper() not in FUNCTIONS and not catalog.is_subcategory(ref):
                out.append(_finding("error", "audit-assessor-scope", f"assessors.{i}.subcategories",
                                    f"{person.name} is named for '{ref}', which is neither an AI RMF subcategory "
                                    "nor a function"))
        if person.assessed_on > today:
            out.append(_finding("error", "audit-assessor-date", f"assessors.{i}.assessed_on",
                                f"{person.name} assessed on {person.assessed_on}, after the analysis date {today}"))
        elif audit.period and not audit.period.start <= person.assessed_on <= audit.period.end:
            out.append(_finding("warning", "audit-assessor-date", f"assessors.{i}.assessed_on",
                                f"{person.name} assessed on {person.assessed_on}, outside the assessment period "
                                f"{audit.period.start} to {audit.period.end}"))
    own = [r["id"] for r in rows if r["source"] == "audit.yaml" and r["own_work"]]
    if audit.assurance_level == "independent" and own:
        out.append(_finding("error", "audit-independence", "assurance_level",
                            f"assurance level 'independent' while assessors own what they assessed: {', '.join(own)}"))
    unnamed = [r["id"] for r in rows if r["source"] == "owner"]
    if audit.assessors and unnamed:
        out.append(_finding("warning", "audit-assessor-missing", "assessors",
                            f"{len(unnamed)} assessed subcategories name no assessor, so their owner stands in: "
                            + ", ".join(unnamed)))
    return out


def section(records: "Records", checks: Mapping[str, Any], mapping_rows: list[dict[str, Any]],
            today: dt.date) -> dict[str, Any]:
    """The ``frame`` section of :class:`~rmfkit.analysis.Analysis` (see the module docstring)."""
    from rmfkit.models.audit import ASSURANCE_LABELS

    audit = records.audit
    rows = assessed_by(audit, mapping_rows)
    docs = documents(audit, records, checks)
    dpia = records.dpia
    party = (lambda p: {"name": p.name, "contact": p.contact} if p else None)
    frame: dict[str, Any] = {
        "recorded": audit is not None, "missing": _missing(audit),
        "contacts": {"controller": party(dpia.controller) if dpia else None,
                     "dpo": party(dpia.dpo) if dpia else None, "source": "dpia.yaml" if dpia else None},
        "assessed_by": rows, "documents": docs, "gai": gai_coverage(records, mapping_rows),
        "findings": _check(audit, records, docs, rows, today),
    }
    if audit is not None:
        frame.update({
            "scope": audit.scope.model_dump(mode="json"),
            "period": audit.period.model_dump(mode="json") if audit.period else None,
            "procedures": [p.model_dump(mode="json") for p in audit.procedures],
            "assessors": [a.model_dump(mode="json") for a in audit.assessors],
            "independence": audit.independence, "limitations": list(audit.limitations),
            "assurance_level": audit.assurance_level,
            "assurance_label": ASSURANCE_LABELS.get(audit.assurance_level or "", None),
            "art30_record": next((d for d in docs if d["art30"]), None),
        })
    return frame


def _text(value: Any) -> str | None:
    """A diff value as text: a measured number to four significant digits, anything else as it is."""
    if isinstance(value, float):
        return f"{value:.4g}"
    return None if value is None else str(value)


def changes_since(label: str, compute: Callable[[str], dict[str, Any]]) -> dict[str, Any]:
    """What changed since snapshot ``label``, from ``compute(label)`` (a :func:`rmfkit.review.diff.diff`
    result), for the packet; a diff that cannot be made (a snapshot fails verification) is said, not hidden.

    >>> changes_since("2026-Q3", lambda label: {"changes": [{"category": "risks", "kind": "closed", "ref": "R-1",
    ...     "before": "open", "after": "closed"}], "summary": [{"category": "risks", "topic": "Risks",
    ...     "text": "1 closed.", "tone": "good"}]})["rows"][0]["change"]
    'closed'
    """
    from rmfkit.errors import RmfkitError

    try:
        result = compute(label)
    except RmfkitError as exc:
        return {"computed": False, "previous": label,
                "message": f"Changes since {label} could not be computed: {exc}"}
    topics = {s["category"]: s["topic"] for s in result["summary"]}
    rows = [{"category": topics.get(r["category"], r["category"]), "change": r["kind"].replace("_", " "),
             "ref": r["ref"], "before": _text(r["before"]), "after": _text(r["after"])} for r in result["changes"]]
    return {"computed": True, "previous": label, "total": len(rows), "rows": rows,
            "summary": [{"topic": s["topic"], "text": s["text"], "tone": s["tone"]} for s in result["summary"]]}
