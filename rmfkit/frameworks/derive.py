"""Carry the RMF assessment to a target item without claiming more than the mapping supports. Pure.

Input: the RMF rows as plain dicts (``{"id", "effective_status", "evidence": [{"id", "sha256", "date"}]}``;
an evidence item may also carry ``"status"``: only ``ok`` counts as current), the pairs listed against a
target, and the team's direct assessment of it, if any.

Each mapped subcategory *supports* the target as one of: ``met`` (effectively met with current evidence),
``claimed`` (partially met, or met without current evidence), ``not_met`` (not met or unsupported),
``not_applicable`` or ``not_assessed``. The derived status is then

- ``met`` only when every mapped subcategory supports it as ``met`` **and** at least one pair says the
  subcategory covers the target (``equal`` or ``superset``; a crosswalk pair's strength is unknown);
- ``partially_supported`` when at least one subcategory is ``met`` or ``claimed``;
- ``not_supported`` when some subcategory was assessed and none is met or claimed;
- ``not_assessed`` when nothing is mapped or no mapped subcategory was assessed.

A direct assessment wins and is marked ``basis: direct``; its claim is checked against its evidence as
the RMF claims are (``met`` / ``partially_met`` with only unusable evidence becomes ``unsupported``).

>>> from rmfkit.frameworks.registry import Pair
>>> rows = {"MAP 1.1": {"id": "MAP 1.1", "effective_status": "met",
...                     "evidence": [{"id": "E1", "sha256": "ab", "date": "2026-10-01"}]}}
>>> pairs = [Pair("MAP 1.1", "A.5.2", "unknown", "crosswalk", "p. 5")]
>>> r = derive_item("A.5.2", pairs, rows)
>>> r["status"], r["basis"], r["sources_met"], r["evidence"][0]["via"]
('partially_supported', 'derived', ['MAP 1.1'], ['MAP 1.1'])
>>> derive_item("A.5.2", [Pair("MAP 1.1", "A.5.2", "superset", "team", "team")], rows)["status"]
'met'
>>> derive_item("A.5.2", pairs, rows, direct={"status": "not_met", "owner": "CISO"})["basis"]
'direct'
"""
from __future__ import annotations

from typing import Any, Iterable, Mapping

from rmfkit.frameworks.registry import COVERING, UNKNOWN, Pair

DERIVED_STATUSES: tuple[str, ...] = ("met", "partially_supported", "not_supported", "not_assessed")
DERIVED_RANK = {"not_assessed": 0, "not_supported": 1, "partially_supported": 2, "met": 3}
SUPPORT = ("met", "claimed", "not_met", "not_applicable", "not_assessed")
CLAIMS = ("met", "partially_met")


def _current(item: Mapping[str, Any]) -> bool:
    return item.get("status", "ok") == "ok"


def support_of(row: Mapping[str, Any] | None) -> str:
    """How one RMF row supports a target: one of :data:`SUPPORT`.

    >>> support_of({"effective_status": "met", "evidence": []}), support_of(None)
    ('claimed', 'not_assessed')
    """
    if row is None:
        return "not_assessed"
    status = row.get("effective_status", "not_assessed")
    if status == "met":
        return "met" if any(_current(e) for e in row.get("evidence") or ()) else "claimed"
    return {"partially_met": "claimed", "not_met": "not_met", "unsupported": "not_met",
            "not_applicable": "not_applicable"}.get(status, "not_assessed")


def _sources(pairs: Iterable[Pair], rows: Mapping[str, Mapping[str, Any]]) -> list[dict]:
    """One entry per mapped subcategory; a team pair's relationship replaces the crosswalk's unknown one."""
    by_source: dict[str, dict] = {}
    for pair in pairs:
        entry = by_source.setdefault(pair.source, {"id": pair.source, "relationship": UNKNOWN, "listed_by": [],
                                                   "flags": [], "rationale": None})
        if pair.origin == "team":
            entry["relationship"], entry["rationale"] = pair.relationship, pair.rationale
        entry["listed_by"].append(pair.citation)
        entry["flags"] += [f for f in pair.flags if f not in entry["flags"]]
    for entry in by_source.values():
        row = rows.get(entry["id"])
        entry["effective_status"] = (row or {}).get("effective_status", "not_assessed")
        entry["support"] = support_of(row)
    return list(by_source.values())


def derived_status(sources: list[dict]) -> tuple[str, str]:
    """The derived status of a target from its sources (see the module docstring), with the reason."""
    if not sources:
        return "not_assessed", "no RMF subcategory is mapped to it"
    support = [s["support"] for s in sources]
    covering = [s["id"] for s in sources if s["relationship"] in COVERING]
    if all(x == "met" for x in support):
        if covering:
            return "met", f"every mapped subcategory is met with current evidence; {', '.join(covering)} covers it"
        return "partially_supported", ("every mapped subcategory is met, but no pair says they cover it "
                                       "(the crosswalk gives no relationship)")
    short = [f"{s['id']} {s['effective_status'].replace('_', ' ')}" for s in sources if s["support"] != "met"]
    if any(x in ("met", "claimed") for x in support):
        return "partially_supported", "not every mapped subcategory is met with current evidence: " + ", ".join(short)
    if any(x == "not_met" for x in support):
        return "not_supported", "no mapped subcategory is met or partially met: " + ", ".join(short)
    if all(x == "not_applicable" for x in support):
        return "not_assessed", "every mapped subcategory is not applicable; assess it directly"
    return "not_assessed", "no mapped subcategory has been assessed"


def _carried_evidence(sources: list[dict], rows: Mapping[str, Mapping[str, Any]]) -> list[dict]:
    """Evidence of the mapped subcategories, once per item, with hash, date and the subcategories it came by."""
    out: dict[str, dict] = {}
    for source in sources:
        for item in (rows.get(source["id"]) or {}).get("evidence") or ():
            entry = out.setdefault(item["id"], {"id": item["id"], "sha256": item.get("sha256"),
                                                "date": item.get("date"), "status": item.get("status", "ok"),
                                                "via": []})
            entry["via"].append(source["id"])
    return sorted(out.values(), key=lambda e: e["id"])


def check_direct(direct: Mapping[str, Any], evidence: Mapping[str, Mapping[str, Any]]) -> dict:
    """A direct assessment with its evidence looked up and its claim checked against that evidence.

    >>> check_direct({"status": "met", "evidence": ["E9"]}, {})["status"]
    'unsupported'
    """
    items = [{"id": eid, **({k: v for k, v in evidence[eid].items()} if eid in evidence
                            else {"sha256": None, "date": None, "status": "missing"}), "via": ["direct"]}
             for eid in direct.get("evidence") or ()]
    recorded = direct["status"]
    status, reason = recorded, (direct.get("justification") or None)
    if recorded in CLAIMS and items and not any(_current(i) for i in items):
        status = "unsupported"
        reason = f"assessed {recorded} directly, but none of its evidence is current: " + ", ".join(
            f"{i['id']} {i['status']}" for i in items)
    elif recorded == "not_applicable" and not (direct.get("justification") or "").strip():
        status, reason = "not_assessed", "marked not_applicable without a justification"
    flags = ["met_without_evidence"] if recorded == "met" and not items else []
    return {"status": status, "recorded_status": recorded, "reason": reason, "owner": direct.get("owner"),
            "evidence": items, "flags": flags}


def derive_item(target: str, pairs: Iterable[Pair], rows: Mapping[str, Mapping[str, Any]],
                direct: Mapping[str, Any] | None = None,
                evidence: Mapping[str, Mapping[str, Any]] | None = None) -> dict:
    """The status of one target item: derived from its mapped subcategories, or the team's direct one."""
    sources = _sources(pairs, rows)
    status, reason = derived_status(sources)
    result = {
        "id": target, "status": status, "basis": "derived", "reason": reason,
        "derived_status": status, "derived_reason": reason, "sources": sources,
        "sources_met": [s["id"] for s in sources if s["support"] == "met"],
        "sources_not_met": [s["id"] for s in sources if s["support"] != "met"],
        "evidence": _carried_evidence(sources, rows), "owner": (direct or {}).get("owner"), "direct": None,
        "flags": sorted({f for s in sources for f in s["flags"]}),
    }
    if direct and direct.get("status"):
        checked = check_direct(direct, evidence or {})
        result.update(status=checked["status"], basis="direct", reason=checked["reason"], direct=checked,
                      evidence=checked["evidence"], flags=sorted({*result["flags"], *checked["flags"]}))
    return result


def rows_by_id(rows: Iterable[Mapping[str, Any]]) -> dict[str, Mapping[str, Any]]:
    """Index RMF rows by subcategory id."""
    return {r["id"]: r for r in rows}


def rmf_rows(assessment_rows: Iterable[Mapping[str, Any]], evidence: Mapping[str, Mapping[str, Any]]) -> list[dict]:
    """Rows of ``rmfkit.assess`` (evidence as ids, checks apart) in the shape :func:`derive_item` reads.

    ``evidence`` maps an evidence id to ``{"sha256", "date"}`` (see :func:`evidence_index`); the check
    status of each item comes from the row's ``evidence_checks``.

    >>> rmf_rows([{"id": "MAP 1.1", "effective_status": "met", "evidence": ["E1"],
    ...            "evidence_checks": [{"id": "E1", "status": "expired"}]}], {"E1": {"sha256": "ab", "date": None}})
    [{'id': 'MAP 1.1', 'effective_status': 'met', 'evidence': [{'id': 'E1', 'sha256': 'ab', 'date': None, 'status': 'expired'}]}]
    """
    out = []
    for row in assessment_rows:
        checks = {c["id"]: c["status"] for c in row.get("evidence_checks") or ()}
        items = [{"id": eid, "sha256": (evidence.get(eid) or {}).get("sha256"),
                  "date": (evidence.get(eid) or {}).get("date"), "status": checks.get(eid, "ok")}
                 for eid in row.get("evidence") or ()]
        out.append({"id": row["id"], "effective_status": row["effective_status"], "evidence": items})
    return out


def evidence_index(records: Mapping[str, Any], checks: Mapping[str, Any] | None = None) -> dict[str, dict]:
    """Evidence id -> ``{"sha256", "date", "status"}`` from evidence records (and checks, if given).

    ``date`` is the date the evidence is about (``collected_at``), else the import date.
    """
    out = {}
    for eid, rec in records.items():
        day = rec.collected_at or (rec.imported_at.date() if rec.imported_at else None)
        check = (checks or {}).get(eid)
        out[eid] = {"sha256": rec.sha256, "date": day.isoformat() if day else None,
                    "status": getattr(check, "status", "ok") if checks is not None else "ok"}
    return out
