"""ISO/IEC 42001:2023 Statement of Applicability and clause readiness, carried from the RMF. Pure.

Every one of the 38 Annex A controls gets a row: applicable or not with the team's justification, the
implementation status (direct if the team assessed the control, else derived from the RMF through the
NIST-listed crosswalk and the team's own pairs), the RMF subcategories met and not met, the evidence
with hash and date, and where each pair comes from (crosswalk page or team). Clauses 4-10 get the same
per sub-clause, rolled up into one readiness row per clause.

>>> from rmfkit.models.frameworks import FrameworksFile
>>> soa = statement_of_applicability([], FrameworksFile())
>>> len(soa["controls"]), soa["controls"][0]["id"], soa["controls"][0]["status"]
(38, 'A.2.2', 'not_assessed')
>>> [r["clause"] for r in soa["clause_readiness"]]
['4', '5', '6', '7', '8', '9', '10']
>>> soa_csv(soa)[:3] == b"\\xef\\xbb\\xbf"
True
"""
from __future__ import annotations

import csv
import io
from typing import Any, Iterable, Mapping

from rmfkit.frameworks.derive import derive_item, rows_by_id
from rmfkit.frameworks.registry import Registry, load_registry

STATUS_LABELS = {"met": "Met", "partially_met": "Partially met", "partially_supported": "Partially supported",
                 "not_supported": "Not supported", "not_met": "Not met", "unsupported": "Unsupported",
                 "not_applicable": "Not applicable", "not_assessed": "Not assessed"}
READY = ("met",)
UNDER_WAY = ("partially_met", "partially_supported")
CAVEATS = (
    "A crosswalk pair means only that the NIST-listed crosswalk lists the two items together: it gives no "
    "relationship and no rationale, so it is never shown as equivalence or as evidence of conformity.",
    "The crosswalk cites ISO/IEC FDIS 42001 (the final draft); every id it cites exists in the published 2023 "
    "numbering. Rows flagged printed_label_mismatch have an ambiguous target in the source.",
    "Topic labels are rmfkit's own words, not ISO titles; buy the standard for the normative text.",
    "A derived status is never stronger than the RMF subcategories it comes from; a direct assessment by the "
    "team is shown as direct.",
)


def _direct_of(entry: Any) -> dict | None:
    if entry is None:
        return None
    return {"status": entry.status, "owner": entry.owner, "evidence": list(entry.evidence),
            "justification": entry.justification}


def _row(item, registry: Registry, pairs_extra: list, rows: Mapping, direct: Any, evidence: Mapping) -> dict:
    pairs = registry.crosswalk.pairs_for(item.id) + [p for p in pairs_extra if p.target == item.id]
    result = derive_item(item.id, pairs, rows, _direct_of(direct), evidence)
    if any(f == "printed_label_mismatch" for f in result["flags"]):
        result["flags"].append("target_ambiguous_in_source")
    return {**result, "topic": item.topic, "parent": item.parent,
            "pairs": [p.to_dict() for p in pairs], "pages": sorted({p.page for p in pairs if p.page})}


def _control_rows(registry: Registry, pairs: list, rows: Mapping, doc: Any, evidence: Mapping) -> list[dict]:
    out = []
    for item in registry.iso_controls:
        entry = doc.iso42001.controls.get(item.id)
        row = _row(item, registry, pairs, rows, entry, evidence)
        applicable = entry.applicable if entry else True
        justification = entry.applicability_justification if entry else None
        flags = list(row["flags"])
        if not (justification or "").strip():
            flags.append("applicability_not_justified")
        if not applicable:
            row.update(status="not_applicable", basis="direct",
                       reason=justification or "excluded by the team without a justification")
        group = registry.iso_items[item.parent]
        while group.parent:
            group = registry.iso_items[group.parent]
        out.append({**row, "group": group.id, "group_topic": group.topic, "guidance": "B" + item.id[1:],
                    "applicable": applicable, "applicability_justification": justification, "flags": flags})
    return out


def _readiness(clause_rows: list[dict]) -> list[dict]:
    out = []
    for top in ("4", "5", "6", "7", "8", "9", "10"):
        mine = [r for r in clause_rows if r["id"] == top or r["id"].split(".")[0] == top]
        counts = {s: sum(1 for r in mine if r["status"] == s) for s in STATUS_LABELS}
        ready = sum(1 for r in mine if r["status"] in READY)
        under_way = sum(1 for r in mine if r["status"] in UNDER_WAY)
        if ready == len(mine):
            label = "ready"
        elif ready or under_way:
            label = "in progress"
        elif any(r["status"] in ("not_met", "not_supported", "unsupported") for r in mine):
            label = "not ready"
        else:
            label = "not assessed"
        out.append({"clause": top, "total": len(mine), "ready": ready, "in_progress": under_way,
                    "counts": counts, "readiness": label, "direct": sum(1 for r in mine if r["basis"] == "direct"),
                    "without_mapping": [r["id"] for r in mine if not r["pairs"]]})
    return out


def statement_of_applicability(rows: Iterable[Mapping[str, Any]], doc: Any,
                               evidence: Mapping[str, Mapping[str, Any]] | None = None,
                               registry: Registry | None = None) -> dict:
    """The SoA: ``controls`` (38), ``clauses`` (assessable sub-clauses of 4-10), ``clause_readiness`` (7 rows).

    ``rows``: RMF rows (see :mod:`rmfkit.frameworks.derive`); ``doc``: a
    :class:`rmfkit.models.frameworks.FrameworksFile`; ``evidence``: evidence id -> ``{"sha256", "date", "status"}``
    for the evidence of direct assessments.
    """
    registry = registry or load_registry()
    evidence = evidence or {}
    indexed = rows_by_id(rows)
    pairs = registry.team_pairs(doc.pairs, "iso42001")
    controls = _control_rows(registry, pairs, indexed, doc, evidence)
    clauses = [_row(item, registry, pairs, indexed, doc.iso42001.clauses.get(item.id), evidence)
               for item in registry.iso_clauses]
    summary = {"controls": len(controls), "applicable": sum(1 for c in controls if c["applicable"]),
               "direct": sum(1 for c in controls if c["basis"] == "direct"),
               "by_status": {s: sum(1 for c in controls if c["status"] == s) for s in STATUS_LABELS}}
    source = registry.crosswalk.source
    return {"standard": registry.frameworks["iso42001"].title, "copyright_note": registry.iso_note,
            "mapping": {"title": registry.crosswalk.title, "document": source["document_title"],
                        "url": source["original_url"], "listed_by": source["listed_by"],
                        "semantics": registry.crosswalk.semantics, "team_pairs": len(pairs)},
            "caveats": list(CAVEATS), "summary": summary, "controls": controls, "clauses": clauses,
            "clause_readiness": _readiness(clauses)}


CSV_COLUMNS = ["Control", "Group", "Topic (rmfkit label)", "Applicable", "Applicability justification",
               "Implementation status", "Basis", "Owner", "Reason", "RMF subcategories met",
               "RMF subcategories not met", "Evidence (id, SHA-256, date)", "Pairs (source)", "Flags"]


def soa_csv(soa: Mapping[str, Any]) -> bytes:
    """The Annex A part of the SoA as CSV for Excel: UTF-8 with a byte-order mark, CRLF line ends."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for c in soa["controls"]:
        writer.writerow([
            c["id"], f"{c['group']} {c['group_topic']}", c["topic"], "yes" if c["applicable"] else "no",
            c["applicability_justification"] or "", STATUS_LABELS[c["status"]], c["basis"], c["owner"] or "",
            c["reason"] or "", "; ".join(c["sources_met"]), "; ".join(c["sources_not_met"]),
            "; ".join(f"{e['id']} sha256:{e['sha256'] or '?'} {e['date'] or ''}".strip() for e in c["evidence"]),
            "; ".join(f"{p['source']} ({p['citation']}; {p['relationship']})" for p in c["pairs"]),
            "; ".join(c["flags"])])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
