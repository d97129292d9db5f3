"""ISO/IEC 42001 and EU AI Act in session 03: the Statement of Applicability summary and the obligations,
read from the analysis through the packet's framework view (same words as the packet's framework pages).

>>> from rmfkit.notebook.frameworks import STATUS_ORDER
>>> STATUS_ORDER[0]
'met'
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from rmfkit.notebook.html import Html, facts, stack, table

if TYPE_CHECKING:
    from rmfkit.analysis import Analysis

STATUS_ORDER = ("met", "partially_met", "partially_supported", "not_supported", "not_met", "unsupported",
                "not_applicable", "not_assessed")


def frameworks_summary(analysis: "Analysis") -> Html:
    """The SoA in numbers (controls by status) and the AI Act role, tier and obligations with their dates."""
    from rmfkit.notebook.html import label
    from rmfkit.views.frameworks import frameworks

    view = frameworks(analysis)
    soa, act = view["iso42001"], view["ai_act"]
    by_status = soa["summary"]["by_status"]
    counts = {label(k): by_status[k] for k in STATUS_ORDER if by_status.get(k)}
    parts = [facts(f"ISO/IEC 42001 Statement of Applicability: {soa['summary']['applicable']} of "
                   f"{soa['summary']['controls']} Annex A controls applicable, {soa['summary']['direct']} assessed "
                   "directly", counts)]
    for system in act["systems"]:
        parts.append(facts(f"EU AI Act: {system['name'] or system['id']}",
                           {"roles": system["roles"], "tiers": system["tiers"],
                            "needs legal review": system["legal_review"]}))
    parts.append(table(act["obligations"], {"id": "Obligation", "title": "What", "applies_from": "Applies from",
                                            "status_text": "Status", "bound": "Who"},
                       title=f"EU AI Act obligations ({len(act['obligations'])})", wrap_columns=("title", "bound")))
    return stack(parts, "ISO/IEC 42001 and EU AI Act")
