"""The packet's framework pages: the ISO/IEC 42001 Statement of Applicability and the EU AI Act register,
from the analysis's ``frameworks`` section, with every result marked *direct* or *derived* and every pair
and legal fact carrying its source.

>>> status_text({"status": "partially_supported", "basis": "derived"})
'Partially supported (derived)'
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rmfkit.labels import EFFECTIVE_LABELS

if TYPE_CHECKING:
    from rmfkit.analysis import Analysis

FRAMEWORK_LABELS = {**EFFECTIVE_LABELS, "partially_supported": "Partially supported",
                    "not_supported": "Not supported"}
BASIS_LABELS = {"direct": "direct", "derived": "derived"}


def status_text(item: dict[str, Any]) -> str:
    """An item's status with how it was reached: assessed directly, or derived from RMF subcategories."""
    return f"{FRAMEWORK_LABELS.get(item['status'], item['status'])} ({BASIS_LABELS.get(item['basis'], item['basis'])})"


def _evidence(item: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"id": e["id"], "sha256_short": (e.get("sha256") or "")[:12], "date": e.get("date"),
             "status": e.get("status")} for e in item.get("evidence") or []]


def _citations(item: dict[str, Any]) -> list[str]:
    return sorted({pair["citation"] for pair in item.get("pairs") or [] if pair.get("citation")}
                  | {by for source in item.get("sources") or [] for by in source.get("listed_by") or []})


def iso42001(soa: dict[str, Any]) -> dict[str, Any]:
    """The Statement of Applicability: 38 Annex A controls, clause readiness, mapping note and caveats."""
    controls = [{"id": c["id"], "topic": c["topic"], "group_topic": c.get("group_topic"),
                 "applicable": "yes" if c["applicable"] else "no",
                 "justification": c.get("applicability_justification"),
                 "status": c["status"], "basis": c["basis"], "status_text": status_text(c),
                 "direct": c["basis"] == "direct", "reason": c.get("reason"),
                 "sources_met": c.get("sources_met") or [], "sources_not_met": c.get("sources_not_met") or [],
                 "evidence": _evidence(c), "flags": c.get("flags") or [], "citations": _citations(c),
                 "owner": c.get("owner")} for c in soa["controls"]]
    return {"recorded": True, "standard": soa["standard"], "copyright_note": soa.get("copyright_note"),
            "mapping": soa["mapping"], "caveats": soa["caveats"], "summary": soa["summary"], "controls": controls,
            "clauses": soa.get("clause_readiness") or []}


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
                    "evidence": _evidence(o), "legal_review": o.get("legal_review") or []}
                   for o in register["obligations"]]
    systems = [{"id": s["id"], "name": s.get("name"), "roles": [f"{r['role']} ({r['definition_ref']})"
                                                               for r in s["roles"]],
                "tiers": s["tiers"], "justification": s.get("role_justification"),
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
