"""The packet's framework pages: the ISO/IEC 42001 Statement of Applicability and the EU AI Act register,
from the analysis's ``frameworks`` section, with every result marked *direct* or *derived* and every pair
and legal fact carrying its source.

>>> status_text({"status": "partially_supported", "basis": "derived"})
'Partially supported (derived)'
"""
from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from rmfkit.labels import EFFECTIVE_LABELS

if TYPE_CHECKING:
    from rmfkit.analysis import Analysis

FRAMEWORK_LABELS = {**EFFECTIVE_LABELS, "partially_supported": "Partially supported",
                    "not_supported": "Not supported"}
BASIS_LABELS = {"direct": "direct", "derived": "derived"}
_PAGE = re.compile(r"^(?P<doc>.*), p\. (?P<page>\d+)(?P<rest>, as .*)?$")


def status_text(item: dict[str, Any]) -> str:
    """An item's status with how it was reached: assessed directly, or derived from RMF subcategories."""
    return f"{FRAMEWORK_LABELS.get(item['status'], item['status'])} ({BASIS_LABELS.get(item['basis'], item['basis'])})"


def _evidence(item: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"id": e["id"], "sha256_short": (e.get("sha256") or "")[:12], "date": e.get("date"),
             "status": e.get("status")} for e in item.get("evidence") or []]


def _citations(item: dict[str, Any]) -> list[str]:
    return sorted({pair["citation"] for pair in item.get("pairs") or [] if pair.get("citation")}
                  | {by for source in item.get("sources") or [] for by in source.get("listed_by") or []})


def cited(citations: list[str]) -> list[str]:
    """Citations with one line per document: the pages of one crosswalk listing are joined.

    >>> cited(["X crosswalk, p. 8, as B.2.2", "X crosswalk, p. 1, as B.2.2", "recorded by team A 2026-10-14"])
    ['X crosswalk, pp. 1, 8, as B.2.2', 'recorded by team A 2026-10-14']
    """
    pages: dict[tuple[str, str], list[int]] = {}
    out: list[str] = []
    for citation in citations:
        match = _PAGE.match(citation)
        if match is None:
            out.append(citation)
            continue
        pages.setdefault((match["doc"], match["rest"] or ""), []).append(int(match["page"]))
    grouped = [f"{doc}, {'p.' if len(set(p)) == 1 else 'pp.'} {', '.join(str(n) for n in sorted(set(p)))}{rest}"
               for (doc, rest), p in pages.items()]
    return sorted(grouped) + sorted(out)


def _not_met(item: dict[str, Any]) -> list[str]:
    """The sources that do not support the item, grouped by why: their RMF status, or met without current
    evidence ("not assessed: MAP 1.4, MAP 3.2")."""
    groups: dict[str, list[str]] = {}
    for source in item.get("sources") or []:
        if source.get("support") == "met":
            continue
        status = source.get("effective_status")
        words = FRAMEWORK_LABELS.get(status, str(status)).lower()
        if source.get("support") == "claimed" and status == "met":
            words += " without current evidence"
        groups.setdefault(words, []).append(source["id"])
    return [f"{words}: {', '.join(ids)}" for words, ids in groups.items()] or list(item.get("sources_not_met") or [])


def _derived_text(item: dict[str, Any]) -> str | None:
    """For a direct result: what the RMF mapping alone would give."""
    if item["basis"] != "direct" or not item.get("derived_status"):
        return None
    return FRAMEWORK_LABELS.get(item["derived_status"], item["derived_status"])


def _clause_rows(soa: dict[str, Any]) -> list[dict[str, Any]]:
    """The clause readiness rows, each with its assessable sub-clauses and their results."""
    items: dict[str, list[dict[str, Any]]] = {}
    for c in soa.get("clauses") or []:
        items.setdefault(str(c["id"]).split(".")[0], []).append(
            {"id": c["id"], "topic": c.get("topic"), "status": c["status"], "basis": c["basis"],
             "direct": c["basis"] == "direct", "status_text": FRAMEWORK_LABELS.get(c["status"], c["status"])})
    return [{**row, "items": items.get(str(row["clause"]), [])} for row in soa.get("clause_readiness") or []]


def iso42001(soa: dict[str, Any]) -> dict[str, Any]:
    """The Statement of Applicability: 38 Annex A controls, clause readiness, mapping note and caveats."""
    controls = [{"id": c["id"], "topic": c["topic"], "group_topic": c.get("group_topic"),
                 "applicable": "yes" if c["applicable"] else "no",
                 "justification": c.get("applicability_justification"),
                 "status": c["status"], "basis": c["basis"], "status_text": status_text(c),
                 "direct": c["basis"] == "direct", "reason": c.get("reason"),
                 "sources_met": c.get("sources_met") or [], "sources_not_met": c.get("sources_not_met") or [],
                 "evidence": _evidence(c), "flags": c.get("flags") or [], "citations": _citations(c),
                 "cited": cited(_citations(c)), "not_met_detail": _not_met(c), "derived_text": _derived_text(c),
                 "owner": c.get("owner")} for c in soa["controls"]]
    return {"recorded": True, "standard": soa["standard"], "copyright_note": soa.get("copyright_note"),
            "mapping": soa["mapping"], "caveats": soa["caveats"], "summary": soa["summary"], "controls": controls,
            "clauses": _clause_rows(soa)}


def ai_act(register: dict[str, Any]) -> dict[str, Any]:
    """Roles and tiers per system, the obligation register with dates and sources, Annex IV, caveats."""
    obligations = [{"id": o["id"], "title": o.get("label") or o["title"],
                    "bound": sorted({f"{b['system']}: {b['role']}" for b in o["bound"]}),
                    "applies_from": o["applies_from"]["date"], "rule": o["applies_from"]["rule"],
                    "original_date": o["applies_from"].get("original_date"),
                    "source": o["applies_from"].get("source"), "owner": o.get("owner"),
                    "status": o["status"], "basis": o["basis"], "status_text": status_text(o),
                    "direct": o["basis"] == "direct", "reason": o.get("reason"),
                    "sources_met": o.get("sources_met") or [], "sources_not_met": o.get("sources_not_met") or [],
                    "evidence": _evidence(o), "legal_review": o.get("legal_review") or [],
                    "original_rule": o["applies_from"].get("original_rule"), "citations": _citations(o),
                    "cited": cited(_citations(o)), "not_met_detail": _not_met(o), "derived_text": _derived_text(o)}
                   for o in register["obligations"]]
    systems = [{"id": s["id"], "name": s.get("name"), "roles": [f"{r['role']} ({r['definition_ref']})"
                                                               for r in s["roles"]],
                "tiers": s["tiers"], "justification": s.get("role_justification"), "kind": s.get("kind"),
                "transparency_cases": s.get("transparency_cases") or [],
                "high_risk_routes": s.get("high_risk_routes") or [], "not_screened": s.get("not_screened") or [],
                "legal_review": [*s.get("legal_review", []), *(v["label"] for v in s.get("value_chain", []))]}
               for s in register["systems"]]
    annex = register["annex_iv"]
    return {"recorded": True, "regulation": register["regulation"], "reflects": register["reflects"],
            "data_as_of": register["data_as_of"], "caveats": register["caveats"], "systems": systems,
            "obligations": obligations, "legal_review": register["legal_review"],
            "annex_iv": {"title": annex["title"], "summary": annex["summary"], "gaps": annex["gaps"],
                         "note": annex["note"],
                         "items": [{"ref": i["ref"], "label": i["item_label"], "state": i["state"],
                                    "detail": i["detail"]} for i in annex["items"]]}}


def frameworks(analysis: "Analysis") -> dict[str, Any]:
    """Both framework pages of the packet."""
    return {"recorded": True, "iso42001": iso42001(analysis.frameworks["iso42001"]),
            "ai_act": ai_act(analysis.frameworks["ai_act"])}
