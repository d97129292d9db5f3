"""The RMF assessment as the evidence supports it: computed status, coverage, target-profile gaps, guidance.

The status a team records is a *claim*. This module checks each claim against its evidence and computes
the status an auditor would accept (``effective_status``):

- ``met`` or ``partially_met`` whose linked evidence is all expired, missing or altered becomes
  ``unsupported``, with the reason; one usable (``ok``) item is enough to keep the claim supported,
  the broken ones are still named in the reason;
- ``met`` with usable evidence becomes ``unsupported`` while a threshold mapped to the subcategory
  does not pass (fail, pass within tolerance, inconclusive or not measured: :mod:`rmfkit.measure`);
  the reason names each such threshold and its outcome;
- ``met`` or ``partially_met`` with no evidence at all keeps its status but is flagged
  ``met_without_evidence`` or ``partially_met_without_evidence`` and counted in its own column;
- ``not_applicable`` without a justification counts as ``not_assessed``.

:data:`STATUS_RULES` states these rules as data (the packet prints them as a table).

Coverage is counted from the effective status (``not_assessed`` is never folded into ``not_met``).
The *target profile* is each subcategory's ``target_status`` (or, when none is set, the recorded
status the team means to hold); the gap is every subcategory whose effective status is below it.

>>> import datetime as dt
>>> from rmfkit.models.mapping import SubcategoryAssessment as A
>>> from rmfkit.library.freshness import EvidenceCheck
>>> checks = {"E1": EvidenceCheck("E1", "expired", "expired on 2026-01-01", dt.date(2026, 1, 1))}
>>> result = assess_records({"GOVERN 1.1": A(status="met", evidence=["E1"]), "GOVERN 1.2": A()},
...                         checks, today=dt.date(2026, 6, 1))
>>> result.row("GOVERN 1.1")["effective_status"], result.row("GOVERN 1.1")["reason"]
('unsupported', 'marked met, but none of its evidence is usable: E1 expired on 2026-01-01')
>>> result.coverage[0]["met"], result.coverage[0]["unsupported"], result.gaps[0]["target"]
(0, 1, 'met')
"""
from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, Iterable, Mapping, Protocol, Sequence

from rmfkit.jsonable import jsonable
from rmfkit.catalog import FUNCTIONS, Catalog, load_catalog, subcategory_sort_key
from rmfkit.models.mapping import STATUSES, SubcategoryAssessment

if TYPE_CHECKING:
    from rmfkit.models.evidence import EvidenceRecord
    from rmfkit.models.thresholds import Threshold

# Statuses after the evidence check, in the order tables and charts show them.
EFFECTIVE_STATUSES: tuple[str, ...] = ("met", "partially_met", "unsupported", "not_met", "not_applicable",
                                       "not_assessed")
CLAIMS = ("met", "partially_met")
# The status rules as the packet states them: recorded status, condition, effective status and flag.
STATUS_RULES: tuple[dict[str, str], ...] = (
    {"recorded": "met", "condition": "at least one linked evidence item is current and unaltered, and every "
                                     "threshold mapped to the subcategory passes", "effective": "met"},
    {"recorded": "met", "condition": "a threshold mapped to the subcategory fails, passes only within "
                                     "tolerance, is inconclusive or is not measured", "effective": "unsupported"},
    {"recorded": "met or partially_met", "condition": "every linked evidence item is expired, missing, altered "
                                                      "or from another build", "effective": "unsupported"},
    {"recorded": "met or partially_met", "condition": "no evidence is linked",
     "effective": "unchanged, flagged 'without evidence'"},
    {"recorded": "partially_met", "condition": "at least one linked evidence item is current and unaltered",
     "effective": "partially_met"},
    {"recorded": "not_applicable", "condition": "no justification is written", "effective": "not_assessed"},
    {"recorded": "threshold", "condition": "passes only when the value and its 95% confidence bound on the "
                                           "threshold's side (lower for ≥, upper for ≤) meet it, on at least "
                                           "min_sample observations; otherwise fail (value short beyond the "
                                           "tolerance), pass within tolerance, inconclusive or not measured",
     "effective": "pass"},
)
# How far along a status is, for comparing current with target (not_applicable is handled apart).
_RANK = {"not_assessed": 0, "unsupported": 0, "not_met": 1, "partially_met": 2, "met": 3}


class CheckLike(Protocol):
    """What an evidence check must offer (``rmfkit.library.freshness.EvidenceCheck`` does)."""

    status: str
    reason: str


@dataclass
class Assessment:
    """Everything computed about a workspace's mapping; every part is plain data (dicts and lists)."""

    today: dt.date
    generative: bool
    rows: list[dict]
    coverage: list[dict]
    categories: list[dict]
    totals: dict
    unsupported: list[dict]
    met_without_evidence: list[dict]
    gaps: list[dict]
    profile: list[dict]
    category_profile: list[dict]
    partially_met_without_evidence: list[dict] = field(default_factory=list)
    suggestions: list[dict] = field(default_factory=list)
    record_suggestions: list[dict] = field(default_factory=list)

    def row(self, sub_id: str) -> dict:
        """The row of one subcategory (any id form: ``"measure-2.10"`` works)."""
        wanted = load_catalog().subcategory(sub_id).id
        return next(r for r in self.rows if r["id"] == wanted)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready view (dates as ISO text)."""
        return jsonable(asdict(self))




# ---------------------------------------------------------------- one subcategory

def _evidence_support(evidence_ids: list[str], checks: Mapping[str, CheckLike],
                      build_scopes: Mapping[str, Any] | None = None) -> tuple[list[dict], list[str]]:
    """Per linked item: id, status, reason (and build state); plus the ids that are usable (``ok``).

    Evidence produced on another build than its component's current one is not usable
    (``other_build``: see :mod:`rmfkit.builds`).
    """
    from rmfkit.builds import support_item

    items = []
    for evidence_id in evidence_ids:
        check = checks.get(evidence_id)
        if check is None:
            items.append({"id": evidence_id, "status": "missing", "reason": "is not in this workspace"})
        else:
            items.append(support_item(evidence_id, check.status, check.reason, build_scopes))
    usable = [i["id"] for i in items if i["status"] == "ok"]
    return items, usable


def evaluate_assessment(sub_id: str, assessment: SubcategoryAssessment, checks: Mapping[str, CheckLike],
                        today: dt.date, catalog: Catalog | None = None,
                        build_scopes: Mapping[str, Any] | None = None, *, thresholds: Sequence[dict] = ()) -> dict:
    """The row of one subcategory: recorded claim, evidence check, effective status, target and flags.

    ``thresholds`` are the :func:`rmfkit.measure.evaluate_threshold` rows mapped to this subcategory.

    >>> from rmfkit.models.mapping import SubcategoryAssessment as A
    >>> evaluate_assessment("MAP 1.1", A(status="met"), {}, dt.date(2026, 1, 1))["flags"]
    ['met_without_evidence']
    >>> from rmfkit.library.freshness import EvidenceCheck
    >>> row = evaluate_assessment("MEASURE 2.7", A(status="met", evidence=["E1"]),
    ...                           {"E1": EvidenceCheck("E1", "ok", "hash matches", None)}, dt.date(2026, 1, 1),
    ...                           thresholds=[{"id": "dan", "outcome": "inconclusive", "reason": "n = 5 is below 30"}])
    >>> row["effective_status"], row["reason"]
    ('unsupported', 'marked met, but threshold dan is inconclusive (n = 5 is below 30)')
    """
    sub = (catalog or load_catalog()).subcategory(sub_id)
    items, usable = _evidence_support(assessment.evidence, checks, build_scopes)
    broken = [i for i in items if i["status"] != "ok"]
    broken_text = "; ".join(f"{i['id']} {i['reason']}" for i in broken)
    status = assessment.status
    effective = status
    flags: list[str] = []
    reason = None
    if status in CLAIMS and items and not usable:
        effective = "unsupported"
        flags.append("unsupported")
        reason = f"marked {status}, but none of its evidence is usable: {broken_text}"
    elif status == "met" and usable and (short := [t for t in thresholds if t["outcome"] != "pass"]):
        effective = "unsupported"
        flags += ["unsupported", "threshold_not_passing"]
        reason = "marked met, but " + "; ".join(_threshold_words(t) for t in short)
    elif status in CLAIMS and usable:
        reason = "supported by " + ", ".join(usable) + (f"; also linked: {broken_text}" if broken else "")
        if broken:
            flags.append("evidence_problem")
    elif status in CLAIMS:
        flags.append(f"{status}_without_evidence")
        reason = f"marked {status.replace('_', ' ')} without evidence"
    elif status == "not_applicable" and not (assessment.justification or "").strip():
        effective = "not_assessed"
        flags.append("not_applicable_without_justification")
        reason = "marked not_applicable without a justification, so counted as not assessed"
    elif status == "not_applicable":
        reason = assessment.justification.strip()

    target = assessment.target_status or status
    gap = _below_target(effective, target)
    overdue = bool(gap and assessment.target_date and assessment.target_date < today)
    if overdue:
        flags.append("target_overdue")
    return {
        "id": sub.id, "function": sub.function, "category": sub.category, "statement": sub.statement,
        "status": status, "effective_status": effective,
        "supported": (bool(usable) if status in CLAIMS else None),
        "reason": reason, "flags": flags,
        "owner": assessment.owner, "evidence": list(assessment.evidence), "evidence_checks": items,
        "notes": assessment.notes, "justification": assessment.justification,
        "target_status": assessment.target_status, "target": target, "target_date": assessment.target_date,
        "gap": gap, "overdue": overdue, "last_reviewed": assessment.last_reviewed,
    }


def _threshold_words(row: dict) -> str:
    from rmfkit.measure import OUTCOME_LABELS

    return f"threshold {row['id']} is {OUTCOME_LABELS[row['outcome']]} ({row['reason']})"


def method() -> dict[str, Any]:
    """The assessment method as data: the status rules and the default minimum sample of a threshold.

    >>> m = method(); m["default_min_sample"], m["status_rules"][0]["effective"]
    (30, 'met')
    """
    from rmfkit.models.thresholds import DEFAULT_MIN_SAMPLE

    return {"status_rules": [dict(rule) for rule in STATUS_RULES], "default_min_sample": DEFAULT_MIN_SAMPLE,
            "confidence_level": 0.95}


def _below_target(effective: str, target: str) -> bool:
    """Is the effective status short of the target? A ``not_applicable`` target is met only by itself;
    a ``not_applicable`` current status is never short of a target (the subcategory is out of scope)."""
    if target == "not_applicable":
        return effective != "not_applicable"
    if effective == "not_applicable":
        return False
    return _RANK[effective] < _RANK[target]


# ---------------------------------------------------------------- counting

def coverage_rows(rows: Iterable[dict], key: str = "function", labels: Mapping[str, str] | None = None) -> list[dict]:
    """Counts of each effective status per ``key`` (``function`` or ``category``), in catalog order.

    ``met`` counts only claims the evidence supports (or that have no evidence, flagged apart as
    ``met_without_evidence``); ``recorded_met`` is what the files say, so a drop is visible.

    >>> rows = [{"function": "MAP", "status": "met", "effective_status": "unsupported", "flags": ["unsupported"]},
    ...         {"function": "MAP", "status": "not_assessed", "effective_status": "not_assessed", "flags": []}]
    >>> r = coverage_rows(rows)[0]
    >>> r["met"], r["recorded_met"], r["unsupported"], r["assessed_share"], r["met_share"]
    (0, 1, 1, 0.5, 0.0)
    """
    groups: dict[str, list[dict]] = {}
    for row in rows:
        groups.setdefault(row[key], []).append(row)
    out = []
    for name in sorted(groups, key=_group_order):
        entry = {key: name}
        if labels is not None:
            entry["statement"] = labels.get(name)
        out.append({**entry, **_count(groups[name])})
    return out


def _count(rows: list[dict]) -> dict:
    counts = {s: sum(1 for r in rows if r["effective_status"] == s) for s in EFFECTIVE_STATUSES}
    total = len(rows)
    assessed = total - counts["not_assessed"]
    applicable = total - counts["not_applicable"]
    return {**counts,
            "met_without_evidence": sum(1 for r in rows if "met_without_evidence" in r["flags"]),
            "partially_met_without_evidence": sum(1 for r in rows if "partially_met_without_evidence" in r["flags"]),
            "recorded_met": sum(1 for r in rows if r["status"] == "met"),
            "total": total, "assessed": assessed, "applicable": applicable,
            "assessed_share": round(assessed / total, 3) if total else 0.0,
            "met_share": round(counts["met"] / applicable, 3) if applicable else 0.0}


def _group_order(name: str) -> tuple:
    if name in FUNCTIONS:
        return (FUNCTIONS.index(name), 0, 0)
    return subcategory_sort_key(name + ".0")


def profile_rows(rows: Iterable[dict], key: str = "function") -> list[dict]:
    """Current vs target profile per ``key``: status counts of each, the gap, overdue targets and the
    earliest target date still ahead.

    >>> rows = [{"function": "MAP", "effective_status": "partially_met", "target": "met", "gap": True,
    ...          "overdue": False, "target_status": "met", "target_date": dt.date(2027, 1, 31)}]
    >>> r = profile_rows(rows)[0]
    >>> r["current"]["partially_met"], r["target"]["met"], r["gap"], r["with_target"], r["next_target_date"]
    (1, 1, 1, 1, datetime.date(2027, 1, 31))
    """
    groups: dict[str, list[dict]] = {}
    for row in rows:
        groups.setdefault(row[key], []).append(row)
    out = []
    for name in sorted(groups, key=_group_order):
        mine = groups[name]
        out.append({
            key: name, "total": len(mine),
            "current": {s: sum(1 for r in mine if r["effective_status"] == s) for s in EFFECTIVE_STATUSES},
            "target": {s: sum(1 for r in mine if r["target"] == s) for s in STATUSES},
            "with_target": sum(1 for r in mine if r["target_status"]),
            "gap": sum(1 for r in mine if r["gap"]),
            "overdue": sum(1 for r in mine if r["overdue"]),
            "next_target_date": min((r["target_date"] for r in mine if r["gap"] and r["target_date"]
                                     and not r["overdue"]), default=None),
        })
    return out


# ---------------------------------------------------------------- suggestions from evidence

def _library_suggestions(record: "EvidenceRecord") -> list[tuple[str, str]]:
    """(subcategory, reason) pairs from the evidence engineer's suggestion table, if it is installed."""
    try:
        from rmfkit.library.suggestions import suggest_subcategories
    except ImportError:
        return []
    pairs = []
    for item in suggest_subcategories(record) or []:
        if isinstance(item, str):
            pairs.append((item, f"{record.kind} evidence"))
        elif isinstance(item, dict):
            pairs.append((item.get("subcategory") or item.get("id"), item.get("reason") or f"{record.kind} evidence"))
        else:
            sub, *rest = item
            pairs.append((sub, rest[0] if rest else f"{record.kind} evidence"))
    return pairs


def suggestion_rows(evidence: Mapping[str, "EvidenceRecord"], rows: list[dict],
                    checks: Mapping[str, CheckLike], catalog: Catalog | None = None) -> list[dict]:
    """Subcategories that usable evidence speaks to but the mapping does not link yet ("accept?").

    Sources: the subcategories an evidence item declares, and the library's suggestion table.
    """
    catalog = catalog or load_catalog()
    by_id = {r["id"]: r for r in rows}
    seen: set[tuple[str, str]] = set()
    out = []
    for evidence_id, record in sorted(evidence.items()):
        check = checks.get(evidence_id)
        if check is None or check.status != "ok":
            continue
        pairs = [(s, "declared by the evidence item") for s in record.subcategories] + _library_suggestions(record)
        for sub_text, reason in pairs:
            if not sub_text or not catalog.is_subcategory(sub_text):
                continue
            sub_id = catalog.subcategory(sub_text).id
            row = by_id.get(sub_id)
            if row is None or evidence_id in row["evidence"] or (sub_id, evidence_id) in seen:
                continue
            seen.add((sub_id, evidence_id))
            out.append({"subcategory": sub_id, "evidence": evidence_id, "title": record.title,
                        "kind": record.kind, "reason": reason, "current_status": row["status"],
                        "command": f'rmfkit map set "{sub_id}" --add-evidence {evidence_id}'})
    return sorted(out, key=lambda s: (subcategory_sort_key(s["subcategory"]), s["evidence"]))


def record_suggestion_rows(pairs_by_source: Mapping[str, list[tuple[str, str]]], rows: list[dict]) -> list[dict]:
    """Subcategories that recorded work (DPIA, risk register, operations checklist) speaks to, not yet met.

    >>> record_suggestion_rows({"DPIA": [("MAP 5.1", "10 risks rated")]}, [{"id": "MAP 5.1", "status": "not_assessed"}])
    [{'subcategory': 'MAP 5.1', 'source': 'DPIA', 'reason': '10 risks rated', 'current_status': 'not_assessed'}]
    """
    by_id = {r["id"]: r for r in rows}
    out = []
    for source, pairs in pairs_by_source.items():
        for sub_id, reason in pairs:
            row = by_id.get(sub_id)
            if row is not None and row["status"] != "met":
                out.append({"subcategory": sub_id, "source": source, "reason": reason,
                            "current_status": row["status"]})
    return sorted(out, key=lambda s: (subcategory_sort_key(s["subcategory"]), s["source"]))


def assess_records(assessments: Mapping[str, SubcategoryAssessment], checks: Mapping[str, CheckLike], *,
                   today: dt.date, evidence: Mapping[str, "EvidenceRecord"] | None = None,
                   generative: bool = False, catalog: Catalog | None = None,
                   build_scopes: Mapping[str, Any] | None = None,
                   thresholds: Sequence["Threshold"] | None = None) -> Assessment:
    """The mapping part of the analysis: recorded assessments + evidence checks in, :class:`Assessment` out.

    ``thresholds`` (from ``thresholds.yaml``) are evaluated against ``evidence``; a ``met`` needs every
    threshold mapped to its subcategory to pass.
    """
    from rmfkit.measure import evaluate_records

    catalog = catalog or load_catalog()
    by_sub: dict[str, list[dict]] = {}
    for row in evaluate_records(list(thresholds or []), evidence or {}, checks):
        if catalog.is_subcategory(row["subcategory"]):
            by_sub.setdefault(catalog.subcategory(row["subcategory"]).id, []).append(row)
    rows = [evaluate_assessment(sid, a, checks, today, catalog, build_scopes, thresholds=by_sub.get(sid, ()))
            for sid, a in sorted(assessments.items(), key=lambda kv: subcategory_sort_key(catalog.subcategory(kv[0]).id))]
    category_labels = {c.id: c.statement for c in catalog.categories}
    gaps = [{"id": r["id"], "function": r["function"], "category": r["category"], "owner": r["owner"],
             "current": r["effective_status"], "target": r["target"], "target_date": r["target_date"],
             "overdue": r["overdue"], "days_left": (r["target_date"] - today).days if r["target_date"] else None}
            for r in rows if r["gap"]]
    return Assessment(
        today=today, generative=generative, rows=rows,
        coverage=coverage_rows(rows, "function"),
        categories=coverage_rows(rows, "category", labels=category_labels),
        totals={"scope": "all", **_count(rows)},
        unsupported=[_brief(r) for r in rows if "unsupported" in r["flags"]],
        met_without_evidence=[_brief(r) for r in rows if "met_without_evidence" in r["flags"]],
        partially_met_without_evidence=[_brief(r) for r in rows if "partially_met_without_evidence" in r["flags"]],
        gaps=gaps,
        profile=profile_rows(rows, "function"),
        category_profile=profile_rows(rows, "category"),
        suggestions=suggestion_rows(evidence or {}, rows, checks, catalog),
    )


def _brief(row: dict) -> dict:
    return {k: row[k] for k in ("id", "function", "status", "effective_status", "owner", "evidence", "reason")}


# ---------------------------------------------------------------- guidance at the point of decision

def guidance(sub_id: str, *, generative: bool, catalog: Catalog | None = None) -> dict:
    """What the RMF, the Playbook and (for generative systems) AI 600-1 say about one subcategory.

    >>> g = guidance("MEASURE 2.10", generative=True)
    >>> g["id"], len(g["suggested_actions"]) > 0, len(g["gai_actions"]) > 0
    ('MEASURE 2.10', True, True)
    >>> guidance("MEASURE 2.10", generative=False)["gai_actions"]
    []
    """
    catalog = catalog or load_catalog()
    sub = catalog.subcategory(sub_id)
    category = catalog.category(sub.category)
    gai_actions = [{"id": a.id, "action": a.action, "risks": list(a.risks), "risk_labels": list(a.risk_labels)}
                   for a in sub.gai_actions] if generative else []
    gai_risks = [{"id": r.id, "title": r.title, "definition": r.definition}
                 for r in (catalog.gai_risk(rid) for rid in sub.gai_risks)] if generative else []
    return {"id": sub.id, "function": sub.function, "category": sub.category,
            "category_statement": category.statement, "statement": sub.statement, "about": sub.about,
            "suggested_actions": list(sub.suggested_actions),
            "documentation_questions": list(sub.documentation_questions),
            "ai_actors": list(sub.ai_actors), "topics": list(sub.topics),
            "gai_actions": gai_actions, "gai_risks": gai_risks}
