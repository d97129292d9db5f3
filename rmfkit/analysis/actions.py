"""The action plan: every gap of an analysis in one list, each with what to do, the target, owner and date.

>>> plan = action_plan({"mapping": {"rows": []}, "measurement": None, "operations": {}, "licenses": None,
...                     "risks": None}, dt.date(2026, 12, 1))
>>> plan["items"], plan["counts"]["risk"]
([], 0)
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from rmfkit.labels import STATUS_LABELS, sentence

ACTION_GROUPS = (("subcategory", "RMF subcategories"), ("measurement", "Measurements"),
                 ("operations", "Operating the model"), ("license", "Licenses"), ("risk", "Open risks"))


def _item(group: str, ref: str, gap: str, action: str, target: str, owner: str | None = None,
          due: str | None = None, overdue: bool = False, kind: str = "") -> dict[str, Any]:
    return {"group": group, "ref": ref, "kind": kind or group, "gap": gap, "action": action, "target": target,
            "owner": owner, "due": due, "overdue": overdue}


def shortfall(row: dict[str, Any]) -> bool:
    """Is a subcategory short of met (partially or not met, or a claim its evidence does not support)?"""
    return (row["status"] in ("partially_met", "not_met") or "unsupported" in row["flags"]
            or row["effective_status"] == "not_met")


def _subcategory_items(rows: list[dict[str, Any]]) -> tuple[list[dict], list[str]]:
    """Target gaps, unsupported claims and claims met without evidence; and the ids not assessed yet."""
    items, not_assessed = [], []
    for row in rows:
        ref, owner, due = row["id"], row["owner"], row["target_date"]
        status_label = STATUS_LABELS[row["status"]]
        target = STATUS_LABELS.get(row["target_status"] or "")
        if row["status"] == "not_assessed":
            not_assessed.append(ref)
        elif "unsupported" in row["flags"]:
            items.append(_item("subcategory", ref, sentence(row["reason"]),
                               "Renew or replace the evidence, or record the status it can support",
                               f"{target or status_label}, with current evidence", owner, due,
                               row["overdue"], "unsupported claim"))
        elif "met_without_evidence" in row["flags"]:
            gap = f"Marked met, cites no evidence. {row['notes'] or ''}".strip()
            items.append(_item("subcategory", ref, gap, "Link evidence that shows it is met, or lower the status",
                               "Met, with evidence", owner, due, row["overdue"], "met without evidence"))
        elif shortfall(row):
            gap = f"{status_label}: {row['notes']}" if row["notes"] else status_label
            bare = "partially_met_without_evidence" in row["flags"]
            if bare:
                gap += " Cites no evidence."
            if not target:
                action, target = "Agree a target status and date for this subcategory", "not set"
            elif row["status"] == "not_met":
                action = f"Put the practice in place, link evidence, record it as {target.lower()}"
            else:
                action = f"Complete what the gap names, link evidence, record it as {target.lower()}"
            if row["overdue"]:
                action += "; the target date has passed: finish it or re-plan"
            items.append(_item("subcategory", ref, gap, action, target, owner, due, row["overdue"],
                               "partially met without evidence" if bare else "target gap"))
    return items, not_assessed


def _measurement_items(measurement: dict[str, Any] | None, rows_by_id: dict[str, dict]) -> list[dict]:
    """Failing, inconclusive and not measured thresholds; owner and date of the subcategory they support."""
    from rmfkit.measure import direction_sign, format_number

    items = []
    for row in (measurement or {}).get("rows", []):
        if row["outcome"] not in ("fail", "inconclusive", "not_measured"):
            continue
        sub = rows_by_id.get(row["subcategory"], {})
        unit = f" {row['unit']}" if row["unit"] else ""
        if row["outcome"] == "fail":
            gap = f"{row['title']}: fails ({row['reason']})"
            action = ("Improve the system until the metric meets the threshold, then re-run the evaluation "
                      f"({row['evidence']}) and import the result")
        elif row["outcome"] == "inconclusive":
            gap = f"{row['title']}: inconclusive ({row['reason']})"
            action = (f"Measure on a sample of at least {row['min_sample']} large enough that the 95% confidence "
                      "bound clears the threshold, and import the result")
        else:
            gap = f"{row['title']}: not measured ({row['reason']})"
            action = f"Run an evaluation that reports {row['metric']} and import its result as evidence"
        items.append(_item("measurement", row["id"], gap, action, f"{direction_sign(row['direction'])} {format_number(row['threshold'])}{unit}", sub.get("owner"),
                           sub.get("target_date"), bool(sub.get("overdue")),
                           f"threshold · {row['subcategory']}"))
    return items


def _operations_items(operations_view: dict[str, Any]) -> list[dict]:
    """Checklist items that are unsupported, done without evidence, overdue, unrecorded or ownerless, and
    model artefacts whose checksums were never verified or did not match."""
    items = []
    for area in operations_view.get("areas", []):
        for i in area["items"]:
            flags, ref, title = i["flags"], i["id"], i["title"]
            if i["shown_status"] == "unsupported":
                entry = (f"{title}: {i['reason']}", "Renew or replace the evidence, or reopen the item",
                         "Done, with current evidence")
            elif i["shown_status"] == "not_recorded":
                entry = (f"{title}: not recorded in the checklist", "Record its status, owner and due date",
                         "Recorded with an owner")
            elif "done_without_evidence" in flags:
                entry = (f"{title}: marked done without evidence", "Link evidence that it is done, or reopen it",
                         "Done, with evidence")
            elif "overdue" in flags:
                entry = (f"{title}: {i['status'].replace('_', ' ')}, past its due date",
                         "Finish it, or re-plan it with a new date", "Done")
            elif "no_owner" in flags:
                entry = (f"{title}: {i['status'].replace('_', ' ')} with no owner", "Name an owner", "Done")
            elif "not_applicable_without_justification" in flags:
                entry = (f"{title}: not applicable without a justification", "Write down why it does not apply",
                         "Not applicable, justified")
            else:
                continue
            items.append(_item("operations", ref, *entry, i["owner"], i["due"], "overdue" in flags,
                               "readiness checklist"))
    for row in operations_view.get("artifacts", []):
        if not row["recorded"]:
            entry = (f"{row['name']}: no expected checksum recorded",
                     "Record the published SHA-256 of each weights file in operations.yaml", "Checksums recorded")
        elif row["last_check"] is None:
            entry = (f"{row['name']}: expected checksums recorded, never verified against the deployed files",
                     f"Run `rmfkit ops verify-artifact {row['component']} PATH` on the deployed files",
                     "Deployed files match")
        elif not row["last_check"]["match"]:
            entry = (f"{row['name']}: the latest check ({row['last_check']['evidence_id']}) found files that differ",
                     "Find out why, redeploy the pinned files and verify them again", "Deployed files match")
        else:
            continue
        items.append(_item("operations", row["component"], *entry, kind="model artefact"))
    return items


def _license_items(licenses: dict[str, Any] | None, map_4_1: dict[str, Any]) -> list[dict]:
    """Blocker findings, findings that need legal review, and obligations to fulfil and show evidence for.

    Components have no owner of their own: the owner and date of MAP 4.1 (legal risks of components) apply.
    """
    items = []
    for finding in (licenses or {}).get("findings", []):
        severity = finding["severity"]
        if severity == "blocker":
            target, kind = "Resolved before release", "blocker"
        elif finding.get("needs_review"):
            target, kind = "Reviewed by counsel", "needs review"
        elif severity == "obligation":
            target, kind = "Obligation met, with evidence", "obligation"
        else:
            continue
        items.append(_item("license", finding["component"], sentence(finding["message"]),
                           sentence(finding["action"]), target,
                           map_4_1.get("owner"), map_4_1.get("target_date"), bool(map_4_1.get("overdue")),
                           f"{kind} · owner of MAP 4.1"))
    return items


def _risk_items(risks: dict[str, Any] | None, today: dt.date) -> list[dict]:
    """Open risks being treated (accepted risks stay in the register, not here), with their measures."""
    items = []
    for row in (risks or {}).get("rows", []):
        if row["status"] == "closed" or row["treatment"] == "accept":
            continue
        measures = "; ".join(row["measures"]) or "no measures recorded yet: decide them"
        target = (f"Residual {row['residual_level']} (score {row['residual_score']})"
                  if row["residual_score"] is not None else "Residual level not rated yet")
        items.append(_item("risk", row["id"], f"{row['title']} (now {row['current_level']})",
                           f"{row['treatment'].capitalize()}: {measures}", target, row["owner"], row["due"],
                           bool(row["due"]) and str(row["due"]) < today.isoformat(),
                           f"risk · {row['status'].replace('_', ' ')}"))
    return items


def action_plan(analysis: dict[str, Any], today: dt.date) -> dict[str, Any]:
    """Every gap in one place (from the analysis sections), grouped: subcategories short of target, unsupported, or
    met or partially met without evidence; failing, inconclusive and unmeasured thresholds; operating gaps; license findings to act on; open risks.
    Each item says what to do (``action``), the state to reach (``target``), owner and due date."""
    rows = analysis["mapping"]["rows"]
    rows_by_id = {row["id"]: row for row in rows}
    subcategory_items, not_assessed = _subcategory_items(rows)
    items = (subcategory_items + _measurement_items(analysis["measurement"], rows_by_id)
             + _operations_items(analysis["operations"])
             + _license_items(analysis["licenses"], rows_by_id.get("MAP 4.1", {}))
             + _risk_items(analysis["risks"], today))
    groups = [{"id": key, "title": title, "items": [i for i in items if i["group"] == key]}
              for key, title in ACTION_GROUPS]
    return {"recorded": True, "items": items, "groups": [g for g in groups if g["items"]],
            "counts": {g["id"]: len(g["items"]) for g in groups}, "not_assessed": not_assessed,
            "without_owner": sum(1 for i in items if not i["owner"]),
            "without_date": sum(1 for i in items if not i["due"]),
            "overdue": sum(1 for i in items if i["overdue"])}
