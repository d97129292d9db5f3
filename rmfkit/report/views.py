"""Records and analysis results -> plain dicts, one function per packet section.

Templates, the bundle and the OSCAL export read only these dicts. A section whose records do not
exist yet is still present, with ``recorded: False`` and a plain sentence saying what is missing, so
the packet never silently drops a section.

>>> from rmfkit.report.views import not_recorded
>>> not_recorded("No DPIA recorded yet")["recorded"]
False
"""
from __future__ import annotations

import datetime as dt
import os
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rmfkit.workspace import Workspace

STATUS_LABELS = {"met": "Met", "partially_met": "Partially met", "not_met": "Not met",
                 "not_applicable": "Not applicable", "not_assessed": "Not assessed"}
GAP_STATUSES = ("partially_met", "not_met")
CADENCE_MONTHS = {"monthly": 1, "quarterly": 3, "semiannual": 6, "annual": 12}


def not_recorded(message: str) -> dict[str, Any]:
    """A section whose data does not exist yet; the packet prints ``message`` in its place."""
    return {"recorded": False, "message": message}


def generated_at() -> dt.datetime:
    """Generation time: ``SOURCE_DATE_EPOCH`` when set (reproducible builds), else now; UTC, whole seconds."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.strip().isdigit():
        return dt.datetime.fromtimestamp(int(epoch), tz=dt.timezone.utc)
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0)


def review_period(day: dt.date, cadence: str) -> dict[str, str]:
    """The review period (per the workspace's cadence) that contains ``day``.

    >>> review_period(dt.date(2026, 11, 29), "quarterly")["label"]
    '2026-Q4 (1 Oct 2026 – 31 Dec 2026)'
    """
    months = CADENCE_MONTHS.get(cadence, 3)
    start_month = ((day.month - 1) // months) * months + 1
    start = dt.date(day.year, start_month, 1)
    end_month = start_month + months
    end = (dt.date(day.year + 1, 1, 1) if end_month > 12 else dt.date(day.year, end_month, 1)) - dt.timedelta(days=1)
    name = {1: f"{day.year}-{start_month:02d}", 3: f"{day.year}-Q{(start_month - 1) // 3 + 1}",
            6: f"{day.year}-H{(start_month - 1) // 6 + 1}", 12: f"{day.year}"}[months]
    return {"start": start.isoformat(), "end": end.isoformat(),
            "label": f"{name} ({start.day} {start:%b %Y} – {end.day} {end:%b %Y})"}


def _plural(count: int, word: str, plural: str | None = None) -> str:
    return f"{count} {word if count == 1 else (plural or word + 's')}"


def _json_safe(value: Any) -> Any:
    """Dates to ISO strings, tuples to lists, dataclasses and models to dicts (bundle.json needs JSON)."""
    import dataclasses

    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        items = [_json_safe(v) for v in value]
        return sorted(items, key=str) if isinstance(value, (set, frozenset)) else items
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _json_safe(dataclasses.asdict(value))
    if hasattr(value, "model_dump"):
        return _json_safe(value.model_dump(mode="json"))
    return value


# ---------------------------------------------------------------- sections

def cover(ws: "Workspace", generated: dt.datetime) -> dict[str, Any]:
    """Cover page: system, version, period, prepared by, confidentiality label, date, branding."""
    import rmfkit
    from rmfkit.catalog import CATALOG_VERSION

    system, settings = ws.system, ws.settings
    branding = settings.branding
    return {
        "recorded": True,
        "system_name": system.name, "system_id": system.id, "version": system.version,
        "owner": system.owner, "period": review_period(generated.date(), settings.review_cadence),
        "prepared_by": branding.prepared_by or system.owner, "label": branding.label,
        "accent_color": branding.accent_color, "logo": branding.logo,
        "date": generated.date().isoformat(), "generated_at": generated.isoformat().replace("+00:00", "Z"),
        "rmfkit_version": rmfkit.__version__, "catalog_version": CATALOG_VERSION,
    }


def system_profile(ws: "Workspace") -> dict[str, Any]:
    """Purpose, context, users, intended use, components by layer, data flows."""
    system = ws.system
    use = system.intended_use
    intended = [(label, getattr(use, key)) for key, label in (
        ("commercial_use", "Commercial use"), ("serves_third_parties", "Serves third parties (hosted for customers)"),
        ("redistributes_weights", "Redistributes model weights"),
        ("fine_tunes_and_publishes", "Fine-tunes and publishes a model"),
        ("trains_on_outputs", "Trains other models on outputs"), ("eu_users", "Users in the EU"))]
    return {
        "recorded": True,
        "purpose": system.purpose, "context": system.context, "users": list(system.users),
        "affected_groups": list(system.affected_groups),
        "deployment_pattern": system.deployment_pattern.replace("_", " "),
        "generative": system.generative, "automated_decisions": system.automated_decisions,
        "go_live": system.go_live.isoformat() if system.go_live else None,
        "intended_use": [{"label": label, "value": "yes" if value else "no"} for label, value in intended],
        "intended_use_summary": use.summary,
        "monthly_active_users": use.expected_monthly_active_users,
        "components": [{"id": c.id, "name": c.name, "layer": c.layer, "version": c.version,
                        "license": c.license_name or c.license, "supplier": c.supplier,
                        "description": c.description} for c in system.components],
        "data_flows": [{"id": f.id, "description": f.description, "data": f.data, "source": f.source,
                        "destination": f.destination, "processor": f.processor, "region": f.region,
                        "personal_data": list(f.personal_data), "special_category_data": f.special_category_data,
                        "transfer_mechanism": f.transfer_mechanism, "retention": f.retention,
                        "share_of_requests": f.share_of_requests} for f in system.data_flows],
    }


def evidence_checks(ws: "Workspace", today: dt.date) -> dict[str, Any]:
    """Freshness and integrity of every evidence item (``rmfkit.library.freshness``)."""
    from rmfkit.library.freshness import check_all

    return check_all(ws, today)


def mapping(ws: "Workspace", checks: dict[str, Any], today: dt.date) -> dict[str, Any]:
    """All 72 subcategories grouped by function and category, with the evidence-checked status
    (``rmfkit.assess.assess``), owner, evidence, notes and gaps."""
    from rmfkit.assess import assess
    from rmfkit.catalog import load_catalog

    result = assess(ws, today, checks=checks)
    by_id = {row["id"]: row for row in result.rows}
    functions = []
    for function in load_catalog().functions:
        categories = []
        for category in function.categories:
            rows = []
            for sub in category.subcategories:
                row = by_id[sub.id]
                unsupported = "unsupported" in row["flags"]
                rows.append({
                    "id": sub.id, "statement": sub.statement, "status": row["status"],
                    "status_label": STATUS_LABELS[row["status"]], "effective_status": row["effective_status"],
                    "owner": row["owner"], "evidence": [{"id": e["id"], "status": e["status"]}
                                                        for e in row["evidence_checks"]],
                    "notes": row["notes"], "justification": row["justification"],
                    "target_status": row["target_status"],
                    "target_date": row["target_date"].isoformat() if row["target_date"] else None,
                    "overdue": row["overdue"], "flags": list(row["flags"]),
                    "unsupported": unsupported, "reason": row["reason"],
                    "without_evidence": "met_without_evidence" in row["flags"],
                    "unsupported_reasons": [row["reason"]] if unsupported and row["reason"] else [],
                    "gap": row["status"] in GAP_STATUSES or unsupported or row["effective_status"] == "not_met",
                })
            categories.append({"id": category.id, "statement": category.statement, "rows": rows})
        functions.append({"id": function.id, "title": function.title, "categories": categories})
    return {"recorded": True, "functions": functions, "coverage": _json_safe(result.coverage),
            "profile": _json_safe(result.profile), "gaps": _json_safe(result.gaps),
            "unsupported": _json_safe(result.unsupported),
            "met_without_evidence": _json_safe(result.met_without_evidence),
            "totals": _json_safe(result.totals),
            "subcategory_count": sum(len(c["rows"]) for f in functions for c in f["categories"])}


def evidence_index(ws: "Workspace", checks: dict[str, Any]) -> dict[str, Any]:
    """One row per evidence item: id, title, kind, collected, status, SHA-256, what it supports.

    ``supports`` holds where the workspace links the item, as ``evidence ls`` shows it
    (:func:`rmfkit.library.store.evidence_links`: ``MAP 4.1``, ``risk R-0003``, ``ops updates.rollback``,
    ``pilot step 5``, ``component vllm``); ``declared`` the subcategories the item names itself but the
    mapping does not link it to (they support nothing until linked).
    """
    from rmfkit.library.store import evidence_links

    items = ws.evidence
    if not items:
        return not_recorded("No evidence recorded yet: import files with `rmfkit evidence import` "
                            "or pull them from the library with `rmfkit evidence pull`.")
    links = evidence_links(ws, items)
    rows = []
    for eid, rec in sorted(items.items()):
        check = checks.get(eid)
        rows.append({
            "id": eid, "title": rec.title, "kind": rec.kind,
            "collected": rec.collected_at.isoformat() if rec.collected_at else None,
            "status": check.status if check else "missing", "reason": check.reason if check else "not checked",
            "expires_on": check.expires_on.isoformat() if check and check.expires_on else None,
            "sha256": rec.sha256, "sha256_short": rec.sha256[:12], "size": rec.size, "file": rec.file,
            "example_data": rec.example_data,
            "supports": [link.label() for link in links[eid] if link.via != "declared"],
            "declared": [link.id for link in links[eid] if link.via == "declared"],
        })
    counts = {status: sum(1 for r in rows if r["status"] == status) for status in ("ok", "expired", "missing",
                                                                                    "hash_mismatch")}
    return {"recorded": True, "rows": rows, "counts": counts}


def risks(ws: "Workspace") -> dict[str, Any]:
    """The risk register (``rmfkit.risks.register_rows``), its summary and the heat-map counts."""
    from rmfkit.risks import heatmap_counts, register_rows, scale_legend, summary

    records = list(ws.risks.values())
    if not records:
        return not_recorded("No risks recorded yet: add them with `rmfkit risk add` or adopt the starter "
                            "catalogue with `rmfkit risk adopt`.")
    rows = register_rows(ws)
    open_rows = [r for r in rows if r["status"] != "closed"]
    top = sorted(open_rows, key=lambda r: (-(r["residual_score"] if r["residual_score"] is not None
                                              else r["inherent_score"]), r["id"]))[:3]
    return {"recorded": True, "rows": rows, "summary": summary(records), "scale": scale_legend(),
            "heat_map": heatmap_counts(records, residual=True), "open": len(open_rows), "total": len(rows),
            "top_residual": [{"id": r["id"], "title": r["title"], "owner": r["owner"],
                              "score": r["residual_score"] if r["residual_score"] is not None else r["inherent_score"],
                              "level": r["residual_level"] or r["inherent_level"],
                              "residual": r["residual_score"] is not None} for r in top]}


def licenses(ws: "Workspace") -> dict[str, Any]:
    """License register, openness per component, the model release's MOF class and OSAID check,
    policy findings against the intended use (``rmfkit.licenses.analyze``)."""
    from rmfkit.licenses import analyze

    if not ws.system.components:
        return not_recorded("No components recorded yet in system.yaml, so there is no license register.")
    report = analyze(ws.system, ws.evidence).to_dict()
    names = {row["component"]: row["name"] for row in report["register"]}
    counts = report["counts"]
    mix = _join([f"{n} {kind.replace('_', ' ')}" for kind, n in counts["openness"].items() if n])
    summary = f"Of {_plural(counts['components'], 'component')}, {mix}."
    if report["primary_model"]:
        model = report["primary_model"]
        row = next(r for r in report["register"] if r["component"] == model)
        osaid = report["osaid"]
        summary = (f"The model release {names[model]} is {row['openness'].replace('_', ' ')}"
                   + (", conformant with the OSI Open Source AI Definition" if osaid and osaid["conformant"] else
                      f", not open source AI under the OSI definition ({_plural(len(osaid['failures']), 'requirement')}"
                      " unmet)" if osaid else "")
                   + (f"; Model Openness Framework class: {report['mof']['label']}" if report["mof"] else "")
                   + ". " + summary)
    register = report["register"]
    return {"recorded": True, "register": register, "findings": report["findings"],
            "counts": counts, "primary_model": report["primary_model"], "mof": report["mof"],
            "osaid": report["osaid"], "openness_summary": summary,
            "with_obligations": [row for row in register if row["obligations"]],
            "without_obligations": [row["name"] for row in register if not row["obligations"]]}


def measurement(ws: "Workspace", checks: dict[str, Any], today: dt.date) -> dict[str, Any]:
    """Metric results against acceptance thresholds (``rmfkit.measure.evaluate``) and the
    trustworthiness characteristics not measured."""
    from rmfkit.measure import (CI_METHODS, OUTCOME_LABELS, characteristics, direction_sign, evaluate, format_number,
                                format_pair, summary)

    rows = evaluate(ws, today, checks=checks)
    if not rows:
        return not_recorded("No measurement results recorded yet: declare acceptance thresholds in "
                            "thresholds.yaml and import the evaluation evidence they refer to.")
    shown = []
    for row in rows:
        value_text, threshold_text = (format_pair(row["value"], row["threshold"]) if row["value"] is not None
                                      else ("—", format_number(row["threshold"])))
        shown.append({**row, "outcome_label": OUTCOME_LABELS[row["outcome"]], "value_text": value_text,
                      "threshold_text": f"{direction_sign(row['direction'])} {threshold_text}",
                      "ci_text": (f"{format_number(row['ci_low'])} – {format_number(row['ci_high'])}"
                                  if row["ci_low"] is not None else None)})
    methods = [CI_METHODS[m] for m in CI_METHODS if any(r["ci_method"] == m for r in rows)]
    return {"recorded": True, "rows": shown, "summary": summary(rows), "characteristics": characteristics(rows),
            "ci_methods": methods}


def dpia(ws: "Workspace") -> dict[str, Any]:
    """DPIA screening and Art. 35(7) inputs (``rmfkit.dpia.view``); the screening is shown even
    before a DPIA is recorded."""
    from rmfkit.dpia import view

    result = view(ws)
    if not result["recorded"]:
        result["message"] = "No DPIA recorded yet: run `rmfkit dpia screen` and fill in dpia.yaml."
    return result


def operations(ws: "Workspace", checks: dict[str, Any], today: dt.date) -> dict[str, Any]:
    """MLOps readiness checklist and pilot plan for operating the model (``rmfkit.ops.view``)."""
    from rmfkit.ops import view

    result = view(ws, today, checks=checks)
    if not result["recorded"]:
        result["message"] = ("No operating plan recorded yet: create operations.yaml with `rmfkit ops init` "
                             "(readiness checklist and ten-step pilot plan).")
    return result


ACTION_GROUPS = (("subcategory", "RMF subcategories"), ("measurement", "Measurements"),
                 ("operations", "Operating the model"), ("license", "Licenses"), ("risk", "Open risks"))


def _sentence(text: str) -> str:
    """First letter upper-case (analysis messages start lower-case to fit inside other sentences).

    >>> _sentence("ask counsel first")
    'Ask counsel first'
    """
    return text[:1].upper() + text[1:]


def _item(group: str, ref: str, gap: str, action: str, target: str, owner: str | None = None,
          due: str | None = None, overdue: bool = False, kind: str = "") -> dict[str, Any]:
    return {"group": group, "ref": ref, "kind": kind or group, "gap": gap, "action": action, "target": target,
            "owner": owner, "due": due, "overdue": overdue}


def _subcategory_items(mapping_view: dict[str, Any]) -> tuple[list[dict], list[str]]:
    """Target gaps, unsupported claims and claims met without evidence; and the ids not assessed yet."""
    items, not_assessed = [], []
    for function in mapping_view["functions"]:
        for category in function["categories"]:
            for row in category["rows"]:
                ref, owner, due = row["id"], row["owner"], row["target_date"]
                target = STATUS_LABELS.get(row["target_status"] or "")
                if row["status"] == "not_assessed":
                    not_assessed.append(ref)
                elif row["unsupported"]:
                    items.append(_item("subcategory", ref, _sentence(row["reason"]),
                                       "Renew or replace the evidence, or record the status it can support",
                                       f"{target or row['status_label']}, with current evidence", owner, due,
                                       row["overdue"], "unsupported claim"))
                elif row["without_evidence"]:
                    gap = f"Marked met, cites no evidence. {row['notes'] or ''}".strip()
                    items.append(_item("subcategory", ref, gap, "Link evidence that shows it is met, or lower the status",
                                       "Met, with evidence", owner, due, row["overdue"], "met without evidence"))
                elif row["gap"]:
                    gap = f"{row['status_label']}: {row['notes']}" if row["notes"] else row["status_label"]
                    if not target:
                        action, target = "Agree a target status and date for this subcategory", "not set"
                    elif row["status"] == "not_met":
                        action = f"Put the practice in place, link evidence, record it as {target.lower()}"
                    else:
                        action = f"Complete what the gap names, link evidence, record it as {target.lower()}"
                    if row["overdue"]:
                        action += "; the target date has passed: finish it or re-plan"
                    items.append(_item("subcategory", ref, gap, action, target, owner, due, row["overdue"],
                                       "target gap"))
    return items, not_assessed


def _measurement_items(measurement_view: dict[str, Any], rows_by_id: dict[str, dict]) -> list[dict]:
    """Failing thresholds and thresholds not measured; owner and date of the subcategory they support."""
    items = []
    for row in measurement_view.get("rows", []) if measurement_view["recorded"] else []:
        if row["outcome"] not in ("fail", "not_measured"):
            continue
        sub = rows_by_id.get(row["subcategory"], {})
        unit = f" {row['unit']}" if row["unit"] else ""
        if row["outcome"] == "fail":
            gap = f"{row['title']}: fails ({row['reason']})"
            action = ("Improve the system until the metric meets the threshold, then re-run the evaluation "
                      f"({row['evidence']}) and import the result")
        else:
            gap = f"{row['title']}: not measured ({row['reason']})"
            action = f"Run an evaluation that reports {row['metric']} and import its result as evidence"
        items.append(_item("measurement", row["id"], gap, action, f"{row['threshold_text']}{unit}", sub.get("owner"),
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


def _license_items(license_view: dict[str, Any], map_4_1: dict[str, Any]) -> list[dict]:
    """Blocker findings, findings that need legal review, and obligations to fulfil and show evidence for.

    Components have no owner of their own: the owner and date of MAP 4.1 (legal risks of components) apply.
    """
    items = []
    for finding in license_view.get("findings", []) if license_view["recorded"] else []:
        severity = finding["severity"]
        if severity == "blocker":
            target, kind = "Resolved before release", "blocker"
        elif finding.get("needs_review"):
            target, kind = "Reviewed by counsel", "needs review"
        elif severity == "obligation":
            target, kind = "Obligation met, with evidence", "obligation"
        else:
            continue
        items.append(_item("license", finding["component"], _sentence(finding["message"]),
                           _sentence(finding["action"]), target,
                           map_4_1.get("owner"), map_4_1.get("target_date"), bool(map_4_1.get("overdue")),
                           f"{kind} · owner of MAP 4.1"))
    return items


def _risk_items(risk_view: dict[str, Any], today: dt.date) -> list[dict]:
    """Open risks being treated (accepted risks stay in the register, not here), with their measures."""
    items = []
    for row in risk_view.get("rows", []) if risk_view["recorded"] else []:
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


def action_plan(view: dict[str, Any], today: dt.date) -> dict[str, Any]:
    """Every gap in one place, grouped: subcategories short of target, unsupported or met without
    evidence; failing and unmeasured thresholds; operating gaps; license findings to act on; open risks.
    Each item says what to do (``action``), the state to reach (``target``), owner and due date."""
    mapping_view = view["mapping"]
    rows_by_id = {row["id"]: row for f in mapping_view["functions"] for c in f["categories"] for row in c["rows"]}
    subcategory_items, not_assessed = _subcategory_items(mapping_view)
    items = (subcategory_items + _measurement_items(view["measurement"], rows_by_id)
             + _operations_items(view["operations"]) + _license_items(view["licenses"], rows_by_id.get("MAP 4.1", {}))
             + _risk_items(view["risks"], today))
    groups = [{"id": key, "title": title, "items": [i for i in items if i["group"] == key]}
              for key, title in ACTION_GROUPS]
    return {"recorded": True, "items": items, "groups": [g for g in groups if g["items"]],
            "counts": {g["id"]: len(g["items"]) for g in groups}, "not_assessed": not_assessed,
            "without_owner": sum(1 for i in items if not i["owner"]),
            "without_date": sum(1 for i in items if not i["due"]),
            "overdue": sum(1 for i in items if i["overdue"])}


# How an auditor checks the packet folder without rmfkit (OpenSSL 3 and coreutils), printed in the packet.
CHECK_COMMANDS = [
    {"purpose": "Check the signature of manifest.json (prints 'Signature Verified Successfully')",
     "command": "openssl pkeyutl -verify -pubin -inkey packet-signing-key.pub.pem -rawin "
                "-in manifest.json -sigfile manifest.json.sig"},
    {"purpose": "Fingerprint of the public key (must print the signing key SHA-256 above)",
     "command": "openssl pkey -pubin -in packet-signing-key.pub.pem -outform DER | tail -c 32 | sha256sum"},
    {"purpose": "SHA-256 of bundle.json (must print the bundle.json SHA-256 above)",
     "command": "sha256sum bundle.json"},
    {"purpose": "Every file against manifest.json, and the signature, with rmfkit",
     "command": "rmfkit verify PACKET_DIR --key packet-signing-key.pub.pem"},
]


def signoff(ws: "Workspace", cover_view: dict, dpia_view: dict) -> dict[str, Any]:
    """Who signs the packet: preparer, system owner, DPO, approver (blank lines to sign), and the commands
    that check the packet; :func:`seal_signoff` adds what ties the page to the files."""
    dpo = dpia_view.get("dpo") if dpia_view["recorded"] else None
    dpo_name = dpo.get("name") if isinstance(dpo, dict) else dpo
    return {"recorded": True, "roles": [
        {"role": "Prepared by", "name": cover_view["prepared_by"]},
        {"role": "System owner", "name": ws.system.owner},
        {"role": "Data protection officer", "name": dpo_name},
        {"role": "Approved by (accountable executive)", "name": None},
    ], "check_commands": [dict(c) for c in CHECK_COMMANDS]}


def seal_signoff(signoff_view: dict[str, Any], *, bundle_sha256: str, signer_key_sha256: str | None
                 ) -> dict[str, Any]:
    """The sign-off view with the SHA-256 of ``bundle.json`` and of the signing key (None: unsigned),
    known only once ``bundle.json`` is written (it cannot hold its own hash).

    >>> seal_signoff({"roles": []}, bundle_sha256="ab" * 32, signer_key_sha256=None)["signed"]
    False
    """
    return {**signoff_view, "bundle_sha256": bundle_sha256, "signer_key_sha256": signer_key_sha256,
            "signed": signer_key_sha256 is not None}


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _titles(rows: list[dict], limit: int = 4) -> str:
    """Up to ``limit`` titles joined into a phrase, with how many more there are."""
    shown = [r["title"] for r in rows[:limit]]
    return _join(shown + ([f"{len(rows) - limit} more"] if len(rows) > limit else []))


def _coverage_sentence(totals: dict[str, Any]) -> tuple[str, str]:
    parts = [f"{totals['met']} met" + (f" ({totals['met_without_evidence']} of them citing no evidence)"
                                       if totals["met_without_evidence"] else "")]
    parts += [f"{totals[key]} {label}" for key, label in (
        ("partially_met", "partially met"), ("unsupported", "claimed but unsupported by evidence"),
        ("not_met", "not met"), ("not_applicable", "not applicable")) if totals[key]]
    text = (f"Of the {totals['total']} AI RMF subcategories, {totals['assessed']} are assessed: {_join(parts)}"
            + (f"; {totals['not_assessed']} are not yet assessed." if totals["not_assessed"] else "."))
    tone = "bad" if totals["unsupported"] or totals["not_met"] else (
        "warn" if totals["not_assessed"] or totals["partially_met"] or totals["met_without_evidence"] else "good")
    return text, tone


def _brief_reason(row: dict[str, Any]) -> str:
    """A threshold row's title and reason without the confidence-interval remark (the table has it)."""
    kept = [part for part in (row["reason"] or "").split("; ") if not part.startswith("95% CI")]
    return f"{row['title']}: {'; '.join(kept)}"


def _metrics_sentence(measurement_view: dict[str, Any]) -> tuple[str, str]:
    rows = measurement_view["rows"]
    by_outcome = {o: [r for r in rows if r["outcome"] == o] for o in ("pass", "pass_within_tolerance", "fail",
                                                                      "not_measured")}
    parts = [f"{len(by_outcome['pass'])} pass"]
    if by_outcome["pass_within_tolerance"]:
        parts.append(f"{len(by_outcome['pass_within_tolerance'])} "
                     f"{'passes' if len(by_outcome['pass_within_tolerance']) == 1 else 'pass'} only within the "
                     "declared tolerance (" + "; ".join(map(_brief_reason, by_outcome["pass_within_tolerance"])) + ")")
    if by_outcome["fail"]:
        parts.append(f"{len(by_outcome['fail'])} {'fails' if len(by_outcome['fail']) == 1 else 'fail'} ("
                     + "; ".join(map(_brief_reason, by_outcome["fail"])) + ")")
    if by_outcome["not_measured"]:
        parts.append(f"{len(by_outcome['not_measured'])} {'is' if len(by_outcome['not_measured']) == 1 else 'are'} "
                     f"not measured yet ({_titles(by_outcome['not_measured'])})")
    text = f"Of {_plural(len(rows), 'acceptance threshold')}, {_join(parts)}."
    unmeasured = measurement_view["summary"]["characteristics_not_measured"]
    if unmeasured:
        text += f" Trustworthiness characteristics with no measurement: {_join(unmeasured)}."
    tone = "bad" if by_outcome["fail"] else (
        "warn" if by_outcome["not_measured"] or by_outcome["pass_within_tolerance"] or unmeasured else "good")
    return text, tone


def _operations_sentence(ops: dict[str, Any]) -> tuple[str, str]:
    summary = ops["summary"]
    overdue = [i for area in ops["areas"] for i in area["items"] if "overdue" in i["flags"]]
    parts = []
    if overdue:
        parts.append(f"{len(overdue)} overdue (" + "; ".join(
            f"{i['title']}, due {i['due']}, owner {i['owner'] or 'not named'}" for i in overdue) + ")")
    if summary.get("unsupported"):
        parts.append(f"{summary['unsupported']} marked done whose evidence is no longer usable")
    if summary.get("done_without_evidence"):
        parts.append(f"{summary['done_without_evidence']} marked done without evidence")
    unverified = [a["name"] for a in ops["artifacts"] if a["recorded"] and a["last_check"] is None]
    text = (f"{summary['done']} of {summary['total']} readiness checklist items are done"
            + (f"; {_join(parts)}" if parts else "") + ".")
    if unverified:
        text += (f" {_plural(len(unverified), 'model artefact')} never verified against "
                 f"{'its' if len(unverified) == 1 else 'their'} recorded checksums: {_join(unverified)}.")
    text += f" Pilot plan: {ops['pilot']['label']}."
    return text, "bad" if overdue or summary.get("unsupported") else ("warn" if parts or unverified else "good")


def _by_component(findings: list[dict[str, Any]]) -> str:
    """``component: topic, topic; other: topic`` for a list of license findings."""
    topics: dict[str, list[str]] = {}
    for finding in findings:
        topics.setdefault(finding["component"], []).append(finding["topic"].replace("_", " "))
    return "; ".join(f"{component}: {', '.join(names)}" for component, names in topics.items())


def _licenses_sentence(lic: dict[str, Any]) -> tuple[str, str]:
    findings = lic["findings"]
    blockers = [f for f in findings if f["severity"] == "blocker"]
    obligations = [f for f in findings if f["severity"] == "obligation"]
    review = [f for f in findings if f.get("needs_review")]
    text = (f"{_plural(len(blockers), 'license finding')} {'blocks' if len(blockers) == 1 else 'block'} the "
            "intended use: " + "; ".join(f"{b['component']}: {b['message']}" for b in blockers) + "."
            if blockers else "No license finding blocks the intended use.")
    if obligations:
        text += (f" {_plural(len(obligations), 'obligation')} to meet and keep evidence of ("
                 + _by_component(obligations) + ")")
    if review:
        text += (f"{';' if obligations else ''} {_plural(len(review), 'item')} "
                 f"{'needs' if len(review) == 1 else 'need'} legal review (" + _by_component(review) + ")")
    if obligations or review:
        text += "; see sections 3 and 10."
    return text, "bad" if blockers else ("warn" if obligations or review else "good")


def executive_summary(view: dict) -> dict[str, Any]:
    """Sentences a manager can read: overall coverage, subcategories below target, unsupported claims,
    metrics (failing, within tolerance, not measured), top risks, DPIA, operations, openness, license
    obligations and review items, evidence, and where the action plan is. Missing inputs are named."""
    sentences: list[dict[str, str]] = []

    def say(topic: str, text: str, tone: str = "neutral") -> None:
        sentences.append({"topic": topic, "text": text, "tone": tone})

    mapping_view = view["mapping"]
    say("Coverage", *_coverage_sentence(mapping_view["totals"]))
    gaps = mapping_view["gaps"]
    if gaps:
        overdue = sum(1 for g in gaps if g["overdue"])
        dates = sorted(g["target_date"] for g in gaps if g["target_date"])
        say("Targets", f"{_plural(len(gaps), 'subcategory', 'subcategories')} "
            f"{'is' if len(gaps) == 1 else 'are'} below the target status set for "
            f"{'it' if len(gaps) == 1 else 'them'}" + (f", {overdue} past the target date" if overdue else "")
            + (f"; the next target date is {dates[0]}." if dates else "."), "bad" if overdue else "warn")
    unsupported = mapping_view["unsupported"]
    if unsupported:
        say("Unsupported claims", f"{_plural(len(unsupported), 'subcategory', 'subcategories')} claimed as met or "
            f"partially met {'has' if len(unsupported) == 1 else 'have'} no usable evidence: "
            + "; ".join(f"{r['id']} ({r['reason']})" for r in unsupported) + ".", "bad")
    else:
        say("Unsupported claims", "Every claim that has evidence is backed by at least one current, intact item.",
            "good")
    if mapping_view["met_without_evidence"]:
        ids = [r["id"] for r in mapping_view["met_without_evidence"]]
        say("Claims without evidence", f"{_plural(len(ids), 'subcategory', 'subcategories')} marked met "
            f"{'cites' if len(ids) == 1 else 'cite'} no evidence at all: {_join(ids)}.", "warn")
    measurement_view = view["measurement"]
    if measurement_view["recorded"]:
        say("Metrics", *_metrics_sentence(measurement_view))
    else:
        say("Metrics", "No measurement results are recorded yet.", "warn")
    risk_view = view["risks"]
    if risk_view["recorded"]:
        top = "; ".join(f"{r['id']} {r['title']} ({r['level']}, score {r['score']}, owner {r['owner']})"
                        for r in risk_view["top_residual"])
        say("Risks", f"{risk_view['open']} of {risk_view['total']} risks are open; the highest remaining "
            f"{'is' if len(risk_view['top_residual']) == 1 else 'are'}: {top}.",
            "bad" if any(r["level"] == "high" for r in risk_view["top_residual"]) else "warn")
    else:
        say("Risks", "No risks are recorded yet.", "warn")
    say("DPIA", _dpia_sentence(view["dpia"]), "neutral" if view["dpia"]["recorded"] else "warn")
    operations_view = view["operations"]
    if operations_view["recorded"]:
        say("Operations", *_operations_sentence(operations_view))
    else:
        say("Operations", "No operating plan (readiness checklist and pilot plan) is recorded yet.", "warn")
    lic = view["licenses"]
    if lic["recorded"]:
        say("Openness", lic["openness_summary"])
        say("Licenses", *_licenses_sentence(lic))
    else:
        say("Openness and licenses", "The license register and openness classification are not recorded yet.",
            "warn")
    evidence_view = view["evidence"]
    if evidence_view["recorded"]:
        counts = evidence_view["counts"]
        bad = counts["expired"] + counts["missing"] + counts["hash_mismatch"]
        say("Evidence", f"{_plural(len(evidence_view['rows']), 'evidence item')}: {counts['ok']} current, "
            f"{counts['expired']} expired, {counts['missing']} missing, {counts['hash_mismatch']} altered.",
            "bad" if bad else "good")
    else:
        say("Evidence", "No evidence is recorded yet, so no claim can be checked.", "bad")
    actions = view["actions"]
    if actions["items"]:
        say("Action plan", f"Section 10 lists all {len(actions['items'])} gaps in one place, each with the action to "
            f"take, the target, owner and due date ({actions['without_owner']} without an owner, "
            f"{actions['without_date']} without a date yet).", "neutral")
    return {"recorded": True, "sentences": sentences}


def _dpia_sentence(dpia_view: dict) -> str:
    screening = dpia_view["screening"]
    decision = (screening.get("decision") or "undecided").replace("_", " ")
    met = screening.get("criteria_met_count", 0)
    if not dpia_view["recorded"]:
        return (f"No DPIA is recorded yet. The automatic screening finds {_plural(met, 'criterion', 'criteria')} "
                f"met; on that basis a DPIA is {decision}.")
    high = sum(1 for r in dpia_view["risks"] if r["residual_level"] == "high")
    name = dpia_view.get("dpia_id") or "recorded"
    version = f", version {dpia_view['version']}" if dpia_view.get("version") else ""
    questions = len(dpia_view["completeness"])
    text = (f"The DPIA ({name}{version}) is {str(dpia_view.get('status') or 'draft').replace('_', ' ')}; "
            f"screening: {_plural(met, 'criterion', 'criteria')} met, so a DPIA is {decision}. "
            f"{_plural(len(dpia_view['risks']), 'privacy risk')} assessed, {high} with a high residual level. "
            + (f"A DPO would still ask {_plural(questions, 'question')} (see section 7)." if questions else
               "The completeness check leaves nothing outstanding."))
    if dpia_view["prior_consultation_required"]:
        text += " Prior consultation of the supervisory authority is required (Art. 36)."
    return text


def session_record(entries: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The appendix listing the session record pages (packet writer entries: path -> sha256, size).

    >>> session_record({"session-record/03_map.html": {"sha256": "ab" * 32, "size": 10}})["files"][0]["sha256_short"]
    'abababababab'
    """
    files = [{"name": PurePosixPath(path).stem, "path": path, "sha256": entry["sha256"],
              "sha256_short": entry["sha256"][:12], "size": entry["size"]} for path, entry in sorted(entries.items())]
    return {"recorded": bool(files), "files": files,
            "message": "" if files else "No session record attached."}


def packet_view(ws: "Workspace", *, generated: dt.datetime | None = None) -> dict[str, Any]:
    """Every section of the audit packet as plain dicts, in reading order.

    >>> import pathlib, tempfile
    >>> from rmfkit.workspace import Workspace
    >>> ws = Workspace.create(pathlib.Path(tempfile.mkdtemp()) / "w", system_id="s", name="S", owner="o")
    >>> view = packet_view(ws)
    >>> view["mapping"]["subcategory_count"], view["dpia"]["recorded"], view["evidence"]["message"][:20]
    (72, False, 'No evidence recorded')
    """
    from rmfkit.clock import today as workspace_today

    when = generated or generated_at()
    today = workspace_today()
    checks = evidence_checks(ws, today)
    view: dict[str, Any] = {"cover": cover(ws, when)}
    view["system"] = system_profile(ws)
    view["licenses"] = licenses(ws)
    view["mapping"] = mapping(ws, checks, today)
    view["measurement"] = measurement(ws, checks, today)
    view["risks"] = risks(ws)
    view["dpia"] = dpia(ws)
    view["operations"] = operations(ws, checks, today)
    view["evidence"] = evidence_index(ws, checks)
    view["actions"] = action_plan(view, today)
    view["signoff"] = signoff(ws, view["cover"], view["dpia"])
    view["summary"] = executive_summary(view)
    return _json_safe(view)
