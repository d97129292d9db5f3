"""The audit packet's view: records and one :class:`~rmfkit.analysis.Analysis` -> plain dicts, one per section.

Templates (Typst and HTML) and the OSCAL export read only these dicts; no section computes anything the
analysis does not hold. A section whose records do not
exist yet is still present, with ``recorded: False`` and a plain sentence saying what is missing, so
the packet never silently drops a section.

>>> from rmfkit.views.packet import not_recorded
>>> not_recorded("No DPIA recorded yet")["recorded"]
False
"""
from __future__ import annotations

import datetime as dt
import os
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any

from rmfkit.jsonable import jsonable
from rmfkit.labels import STATUS_LABELS, join_words, plural

if TYPE_CHECKING:
    from rmfkit.analysis import Analysis
    from rmfkit.records import Records

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


# ---------------------------------------------------------------- sections

def cover(ws: "Records", generated: dt.datetime) -> dict[str, Any]:
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


def system_profile(ws: "Records") -> dict[str, Any]:
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


def mapping(analysis: "Analysis") -> dict[str, Any]:
    """All 72 subcategories grouped by function and category, with the evidence-checked status, owner,
    evidence, notes and gaps."""
    from rmfkit.analysis.actions import shortfall
    from rmfkit.catalog import load_catalog

    result = analysis.mapping
    by_id = {row["id"]: row for row in result["rows"]}
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
                    "target_status": row["target_status"], "target_date": row["target_date"],
                    "last_reviewed": row["last_reviewed"],
                    "overdue": row["overdue"], "flags": list(row["flags"]),
                    "unsupported": unsupported, "reason": row["reason"],
                    "without_evidence": "met_without_evidence" in row["flags"],
                    "unsupported_reasons": [row["reason"]] if unsupported and row["reason"] else [],
                    "gap": shortfall(row),
                })
            categories.append({"id": category.id, "statement": category.statement, "rows": rows})
        functions.append({"id": function.id, "title": function.title, "categories": categories})
    return {"recorded": True, "functions": functions, "coverage": result["coverage"],
            "profile": result["profile"], "gaps": result["gaps"], "unsupported": result["unsupported"],
            "met_without_evidence": result["met_without_evidence"], "totals": result["totals"],
            "subcategory_count": sum(len(c["rows"]) for f in functions for c in f["categories"])}


def evidence_index(ws: "Records", analysis: "Analysis") -> dict[str, Any]:
    """One row per evidence item: id, title, kind, collected, status, SHA-256, what it supports.

    ``supports`` holds where the workspace links the item, as ``evidence ls`` shows it
    (:func:`rmfkit.library.listing.evidence_links`: ``MAP 4.1``, ``risk R-0003``, ``ops updates.rollback``,
    ``pilot step 5``, ``component vllm``); ``declared`` the subcategories the item names itself but the
    mapping does not link it to (they support nothing until linked).
    """
    items = ws.evidence
    checked = {row["id"]: row for row in analysis.evidence["rows"]}
    if not items:
        return not_recorded("No evidence recorded yet: import files with `rmfkit evidence import` "
                            "or pull them from the library with `rmfkit evidence pull`.")
    rows = []
    for eid, rec in sorted(items.items()):
        check = checked[eid]
        rows.append({
            "id": eid, "title": rec.title, "kind": rec.kind,
            "collected": rec.collected_at.isoformat() if rec.collected_at else None,
            "status": check["status"], "reason": check["reason"], "expires_on": check["expires_on"],
            "sha256": rec.sha256, "sha256_short": rec.sha256[:12], "size": rec.size, "file": rec.file,
            "example_data": rec.example_data,
            "supports": check["supports"], "declared": check["declared"],
        })
    counts = {status: analysis.evidence[status] for status in ("ok", "expired", "missing", "hash_mismatch")}
    return {"recorded": True, "rows": rows, "counts": counts}


def risks(analysis: "Analysis") -> dict[str, Any]:
    """The risk register, its summary and the heat-map counts, with the three highest open risks."""
    from rmfkit.risks import scale_legend

    if analysis.risks is None:
        return not_recorded("No risks recorded yet: add them with `rmfkit risk add` or adopt the starter "
                            "catalogue with `rmfkit risk adopt`.")
    rows = analysis.risks["rows"]
    open_rows = [r for r in rows if r["status"] != "closed"]
    top = sorted(open_rows, key=lambda r: (-(r["residual_score"] if r["residual_score"] is not None
                                              else r["inherent_score"]), r["id"]))[:3]
    return {"recorded": True, "rows": rows, "summary": analysis.risks["summary"], "scale": scale_legend(),
            "heat_map": analysis.risks["heat_map"], "open": len(open_rows), "total": len(rows),
            "top_residual": [{"id": r["id"], "title": r["title"], "owner": r["owner"],
                              "score": r["residual_score"] if r["residual_score"] is not None else r["inherent_score"],
                              "level": r["residual_level"] or r["inherent_level"],
                              "residual": r["residual_score"] is not None} for r in top]}


def licenses(analysis: "Analysis") -> dict[str, Any]:
    """License register, openness per component, the model release's MOF class and OSAID check,
    policy findings against the intended use."""
    if analysis.licenses is None:
        return not_recorded("No components recorded yet in system.yaml, so there is no license register.")
    report = analysis.licenses
    names = {row["component"]: row["name"] for row in report["register"]}
    counts = report["counts"]
    mix = join_words([f"{n} {kind.replace('_', ' ')}" for kind, n in counts["openness"].items() if n])
    summary = f"Of {plural(counts['components'], 'component')}, {mix}."
    if report["primary_model"]:
        model = report["primary_model"]
        row = next(r for r in report["register"] if r["component"] == model)
        osaid = report["osaid"]
        summary = (f"The model release {names[model]} is {(row['openness'] or 'undetermined').replace('_', ' ')}"
                   + (", conformant with the OSI Open Source AI Definition" if osaid and osaid["conformant"] else
                      f", not open source AI under the OSI definition ({plural(len(osaid['failures']), 'requirement')}"
                      " unmet)" if osaid else "")
                   + (f"; Model Openness Framework class: {report['mof']['label']}" if report["mof"] else "")
                   + ". " + summary)
    register = report["register"]
    return {"recorded": True, "register": register, "findings": report["findings"],
            "counts": counts, "primary_model": report["primary_model"], "mof": report["mof"],
            "osaid": report["osaid"], "openness_summary": summary,
            "openness_decision": openness_decision(report, names),
            "with_obligations": [row for row in register if row["obligations"]],
            "without_obligations": [row["name"] for row in register if not row["obligations"]]}


def openness_decision(report: dict[str, Any], names: dict[str, str]) -> str:
    """The team's openness decision in one sentence, and whether the model release fits it.

    >>> openness_decision({"openness_decision": {"needs": ["strict_privacy"], "level": "open_weights",
    ...     "acceptable": ["open_source", "open_weights"], "decided_on": "2026-12-07", "fits": True},
    ...     "primary_model": "llama"}, {"llama": "Llama 3.1"})
    'Openness decision of 2026-12-07: the team needs strict privacy or offline operation, which calls for open weights (accepted: open source, open weights); the model release Llama 3.1 fits it.'
    """
    from rmfkit.licenses.decision import needs

    decision = report.get("openness_decision")
    if not decision:
        return "Openness decision: not recorded (session 01's decision helper records the team's needs)."
    labels = needs()
    wanted = join_words([labels.get(n, n).lower() for n in decision["needs"]])
    level = (decision.get("level") or "no single level").replace("_", " ")
    accepted = ", ".join(a.replace("_", " ") for a in decision.get("acceptable", [])) or "none"
    model = names.get(report.get("primary_model"), report.get("primary_model"))
    fits = {True: f"the model release {model} fits it", False: f"the model release {model} does not fit it "
            "(see the policy findings)", None: "there is no model release to compare"}[decision.get("fits")]
    when = f" of {decision['decided_on']}" if decision.get("decided_on") else ""
    by = f" by {decision['decided_by']}" if decision.get("decided_by") else ""
    return f"Openness decision{when}{by}: the team needs {wanted}, which calls for {level} (accepted: {accepted}); {fits}."


def measurement(analysis: "Analysis") -> dict[str, Any]:
    """Metric results against acceptance thresholds and the trustworthiness characteristics not measured."""
    from rmfkit.measure import CI_METHODS, OUTCOME_LABELS, direction_sign, format_number, format_pair

    rows = analysis.measurement["rows"] if analysis.measurement else []
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
    return {"recorded": True, "rows": shown, "summary": analysis.measurement["summary"],
            "characteristics": analysis.measurement["characteristics"], "ci_methods": methods}


def dpia(analysis: "Analysis") -> dict[str, Any]:
    """DPIA screening and Art. 35(7) inputs; the screening is shown even before a DPIA is recorded."""
    result = dict(analysis.dpia)
    if not result["recorded"]:
        result["message"] = "No DPIA recorded yet: run `rmfkit dpia screen` and fill in dpia.yaml."
    return result


def operations(analysis: "Analysis") -> dict[str, Any]:
    """MLOps readiness checklist and pilot plan for operating the model."""
    result = dict(analysis.operations)
    if not result["recorded"]:
        result["message"] = ("No operating plan recorded yet: create operations.yaml with `rmfkit ops init` "
                             "(readiness checklist and ten-step pilot plan).")
    return result


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
# An unsigned packet has no signature to check: only its files against manifest.json.
UNSIGNED_CHECK_COMMANDS = [
    {"purpose": "SHA-256 of bundle.json (must print the bundle.json SHA-256 above)",
     "command": "sha256sum bundle.json"},
    {"purpose": "Every file against manifest.json, with rmfkit", "command": "rmfkit verify PACKET_DIR"},
]
# Where the reader gets the public key of a signed packet (it is never in the packet itself).
PUBLIC_KEY_SOURCE = ("The public key is not part of this packet: obtain packet-signing-key.pub.pem from the "
                     "organisation that sealed it through a channel other than the one that delivered the packet, and "
                     "confirm its SHA-256 (the signing key SHA-256 on the sign-off page) with them; a key that arrives with the "
                     "packet proves nothing.")


def signoff(ws: "Records", cover_view: dict, dpia_view: dict) -> dict[str, Any]:
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

    An unsigned packet lists only the commands that check its files (no signature to check); a signed one
    says where the public key comes from.

    >>> seal_signoff({"roles": []}, bundle_sha256="ab" * 32, signer_key_sha256=None)["signed"]
    False
    """
    signed = signer_key_sha256 is not None
    commands = signoff_view.get("check_commands", CHECK_COMMANDS) if signed else UNSIGNED_CHECK_COMMANDS
    return {**signoff_view, "bundle_sha256": bundle_sha256, "signer_key_sha256": signer_key_sha256,
            "signed": signed, "check_commands": [dict(c) for c in commands],
            "public_key_source": PUBLIC_KEY_SOURCE if signed else None}


def session_record(entries: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The appendix listing the session record pages (packet writer entries: path -> sha256, size).

    >>> session_record({"session-record/03_map.html": {"sha256": "ab" * 32, "size": 10}})["files"][0]["sha256_short"]
    'abababababab'
    """
    files = [{"name": PurePosixPath(path).stem, "path": path, "sha256": entry["sha256"],
              "sha256_short": entry["sha256"][:12], "size": entry["size"]} for path, entry in sorted(entries.items())]
    return {"recorded": bool(files), "files": files,
            "message": "" if files else "No session record attached."}


def packet_view(records: "Records", analysis: "Analysis", *, generated: dt.datetime | None = None
                ) -> dict[str, Any]:
    """Every section of the audit packet as plain dicts, in reading order.

    >>> import pathlib, tempfile
    >>> from rmfkit.analysis import of_workspace
    >>> from rmfkit.workspace import Workspace
    >>> ws = Workspace.create(pathlib.Path(tempfile.mkdtemp()) / "w", system_id="s", name="S", owner="o")
    >>> view = packet_view(ws.load(), of_workspace(ws))
    >>> view["mapping"]["subcategory_count"], view["dpia"]["recorded"], view["evidence"]["message"][:20]
    (72, False, 'No evidence recorded')
    """
    from rmfkit.analysis.consistency import counts as finding_counts
    from rmfkit.views.acceptances import acceptances
    from rmfkit.views.frame import frame_view
    from rmfkit.views.frameworks import frameworks
    from rmfkit.views.gates import gates_view
    from rmfkit.views.summary import executive_summary

    when = generated or generated_at()
    view: dict[str, Any] = {"cover": cover(records, when)}
    view["system"] = system_profile(records)
    view["licenses"] = licenses(analysis)
    view["mapping"] = mapping(analysis)
    view["measurement"] = measurement(analysis)
    view["risks"] = risks(analysis)
    view["dpia"] = dpia(analysis)
    view["operations"] = operations(analysis)
    view["evidence"] = evidence_index(records, analysis)
    view["frameworks"] = frameworks(analysis)
    view["gates"] = gates_view(analysis.gates)
    view["acceptances"] = acceptances(analysis.risks)
    view["method"] = analysis.method
    view["findings"] = {"items": analysis.findings, "counts": finding_counts(analysis.findings)}
    view["frame"] = frame_view(analysis.frame, analysis.method, reviews=records.reviews)
    view["actions"] = dict(analysis.actions)
    view["signoff"] = signoff(records, view["cover"], view["dpia"])
    view["summary"] = executive_summary(view)
    return jsonable(view)
