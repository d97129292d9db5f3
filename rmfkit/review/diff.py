"""What changed between two states of a workspace (two snapshots, or a snapshot and the live workspace).

The diff reads each state's records and :class:`~rmfkit.analysis.Analysis` (never view dicts) by id and
reports every change once, as rows ``{"category", "kind", "ref", "title", "before", "after", "detail"}``.

>>> rank_change("partially_met", "met"), rank_change("met", "unsupported"), rank_change("not_assessed", "not_met")
('improved', 'regressed', 'newly_assessed')
"""
from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, Callable

from rmfkit.bundle import review_date
from rmfkit.labels import plural
from rmfkit.review.operations import transition

if TYPE_CHECKING:
    from rmfkit.analysis import Analysis
    from rmfkit.bundle import State
    from rmfkit.records import Records
    from rmfkit.workspace import Workspace

# A metric "moved" when it changed by more than its threshold's declared tolerance, else by this share
# of the threshold value.
DEFAULT_RELATIVE_TOLERANCE = 0.02
CATEGORIES: dict[str, str] = {
    "status": "Subcategory status", "evidence": "Evidence", "licenses": "License drift",
    "metrics": "Evaluation metrics", "risks": "Risks", "dpia": "DPIA", "actions": "Overdue owners' actions",
    "operations": "Operations checklist",
}
_RANK = {"unsupported": 0, "not_met": 1, "partially_met": 2, "met": 3}
LIVE = "live"


def _kind_records(bundle: dict, pattern: str) -> dict[str, dict]:
    from fnmatch import fnmatchcase

    return {rel: rec for rel, rec in (bundle.get("records") or {}).items()
            if fnmatchcase(rel, pattern) and rel.count("/") == pattern.count("/")}


def _results(bundle: dict, section: str) -> dict:
    """One section of the bundle's analysis (``{}`` when the workspace had no such records)."""
    return (bundle.get("analysis") or {}).get(section) or {}


def _mapping_rows(bundle: dict) -> dict[str, dict]:
    return {row["id"]: row for row in _results(bundle, "mapping").get("rows", [])}


def _evidence_rows(bundle: dict) -> dict[str, dict]:
    return {row["id"]: row for row in _results(bundle, "evidence").get("rows", [])}


def _review_date(bundle: dict) -> dt.date:
    return review_date(bundle)


def _label(bundle: dict) -> str:
    return (bundle.get("review") or {}).get("label") or LIVE


def _row(category: str, kind: str, ref: str, title: str | None, before: Any, after: Any, detail: str | None,
         **extra: Any) -> dict[str, Any]:
    return {"category": category, "kind": kind, "ref": ref, "title": title, "before": before, "after": after,
            "detail": detail, **extra}


# ---------------------------------------------------------------- one category at a time

def rank_change(before: str, after: str) -> str | None:
    """How an evidence-checked status moved: improved, regressed, newly_assessed, rescoped, or None."""
    if before == after:
        return None
    if before == "not_assessed":
        return "newly_assessed"
    if after == "not_assessed":
        return "regressed"
    if "not_applicable" in (before, after):
        return "rescoped"
    return "improved" if _RANK[after] > _RANK[before] else "regressed"


def status_changes(old: dict, new: dict) -> list[dict]:
    """Per subcategory, the change of its evidence-checked status (recorded claim shown beside it)."""
    before, after = _mapping_rows(old), _mapping_rows(new)
    out = []
    for sub_id, now in after.items():
        was = before.get(sub_id)
        if was is None:
            continue
        kind = rank_change(was["effective_status"], now["effective_status"])
        if kind is None:
            continue
        detail = now.get("reason") or now.get("notes")
        if now["effective_status"] != now["status"] or was["effective_status"] != was["status"]:
            recorded = (f"still recorded {now['status'].replace('_', ' ')}" if was["status"] == now["status"]
                        else f"recorded {transition(was['status'], now['status'])}")
            detail = recorded + (f"; {detail}" if detail else "")
        out.append(_row("status", kind, sub_id, now.get("statement"), was["effective_status"],
                        now["effective_status"], detail, owner=now.get("owner")))
    return out


def coverage_then_now(old: dict, new: dict) -> list[dict]:
    """Coverage per function in both states, with the change in met and in assessed subcategories."""
    keys = ("met", "partially_met", "unsupported", "not_met", "not_applicable", "not_assessed", "total")
    before = {r["function"]: r for r in _results(old, "mapping").get("coverage", [])}
    rows = []
    for now in _results(new, "mapping").get("coverage", []):
        was = before.get(now["function"], {})
        rows.append({"function": now["function"], "then": {k: was.get(k, 0) for k in keys},
                     "now": {k: now.get(k, 0) for k in keys},
                     "met_delta": now.get("met", 0) - was.get("met", 0),
                     "assessed_delta": (now.get("total", 0) - now.get("not_assessed", 0))
                     - (was.get("total", 0) - was.get("not_assessed", 0))})
    return rows


def evidence_changes(old: dict, new: dict) -> list[dict]:
    """Evidence added, removed, with a changed SHA-256, expired since, broken since, or renewed."""
    before, after = _evidence_rows(old), _evidence_rows(new)
    out = []
    for eid, now in after.items():
        was = before.get(eid)
        if was is None:
            out.append(_row("evidence", "added", eid, now["title"], None, now["status"],
                            f"{now['kind']}, collected {now.get('collected') or 'on an unrecorded date'}"))
            continue
        if was["sha256"] != now["sha256"]:
            out.append(_row("evidence", "changed_hash", eid, now["title"], was["sha256"][:12], now["sha256"][:12],
                            "a new version of the artefact replaced the one frozen before"))
        if was["status"] == now["status"]:
            continue
        kind = {"expired": "expired", "missing": "broken", "hash_mismatch": "broken"}.get(now["status"])
        if kind is None and was["status"] != "ok" and now["status"] == "ok":
            kind = "renewed"
        if kind:
            out.append(_row("evidence", kind, eid, now["title"], was["status"], now["status"], now.get("reason")))
    for eid, was in before.items():
        if eid not in after:
            out.append(_row("evidence", "removed", eid, was["title"], was["status"], None,
                            f"{was['kind']}; supported {', '.join(was.get('supports') or []) or 'nothing'}"))
    return out


def stale_evidence(bundle: dict) -> list[dict]:
    """Evidence past its validity or review interval at the bundle's review date, with what it weakens."""
    from rmfkit.catalog import load_catalog

    catalog = load_catalog()
    mapping = _mapping_rows(bundle)
    out = []
    for eid, row in _evidence_rows(bundle).items():
        if row["status"] != "expired":
            continue
        subs = [s for s in row.get("supports") or [] if catalog.is_subcategory(s)]
        out.append({"id": eid, "title": row["title"], "expired_on": row.get("expires_on"), "weakens": subs,
                    "now_unsupported": [s for s in subs if mapping.get(s, {}).get("effective_status") == "unsupported"],
                    "other_links": [s for s in row.get("supports") or [] if s not in subs]})
    return out


def _system(bundle: dict):
    from rmfkit.models.system import SystemProfile

    record = (bundle.get("records") or {}).get("system.yaml")
    return SystemProfile.model_validate(record) if record else None


def license_changes(old: dict, new: dict) -> list[dict]:
    """License drift per component (:func:`rmfkit.licenses.license_drift`) with the findings that changed."""
    from rmfkit.licenses import license_drift
    from rmfkit.licenses.drift import NO_LICENSE

    before, after = _system(old), _system(new)
    if before is None or after is None:
        return []
    out = []
    for change in license_drift(before, after):
        data = change.to_dict()
        shown = {"version_changed": (change.old_version, change.new_version),
                 "license_changed": (change.old_license or NO_LICENSE, change.new_license or NO_LICENSE)}
        was, now = shown.get(change.change, (change.old_license, change.new_license))
        detail = None if change.change in shown else change.message  # before/after already say it
        out.append(_row("licenses", change.change, change.component, None, was, now, detail,
                        openness_before=change.old_openness, openness_after=change.new_openness,
                        findings_added=[f"{f['severity']}: {f['message']}" for f in data["findings_added"]],
                        findings_removed=[f"{f['severity']}: {f['message']}" for f in data["findings_removed"]]))
    return out


def metric_tolerance(row: dict) -> float:
    """The declared tolerance of a threshold, else 2% of the threshold value."""
    if row.get("tolerance") is not None:
        return float(row["tolerance"])
    return abs(float(row["threshold"])) * DEFAULT_RELATIVE_TOLERANCE


def metric_changes(old: dict, new: dict) -> list[dict]:
    """Per threshold: crossed (pass ↔ fail), moved past its tolerance, newly measured, no longer measured."""
    before = {r["id"]: r for r in _results(old, "measurement").get("rows", [])}
    out = []
    for now in _results(new, "measurement").get("rows", []):
        was = before.get(now["id"])
        if was is None:
            continue
        value_then, value_now = was.get("value"), now.get("value")
        extra = {"threshold": now["threshold"], "direction": now["direction"], "unit": now.get("unit")}
        if value_then is None and value_now is not None:
            out.append(_row("metrics", "newly_measured", now["id"], now["title"], None, value_now, now["reason"],
                            **extra))
        elif value_then is not None and value_now is None:
            out.append(_row("metrics", "no_longer_measured", now["id"], now["title"], value_then, None,
                            now["reason"], **extra))
        elif value_then is None:
            continue
        elif {was["outcome"], now["outcome"]} == {"pass", "fail"}:
            kind = "crossed_to_fail" if now["outcome"] == "fail" else "crossed_to_pass"
            out.append(_row("metrics", kind, now["id"], now["title"], value_then, value_now,
                            f"{transition(was['outcome'], now['outcome'])}: {now['reason']}", **extra))
        elif abs(value_now - value_then) > metric_tolerance(now) + 1e-12:
            better = (value_now > value_then) == (now["direction"] == "higher_is_better")
            out.append(_row("metrics", "moved_better" if better else "moved_worse", now["id"], now["title"],
                            value_then, value_now, f"changed by {value_now - value_then:+.4g}, more than the "
                            f"tolerance {metric_tolerance(now):.4g}; still {now['outcome']}", **extra))
    return out


def _score(risk: dict) -> int:
    if risk.get("residual_likelihood") and risk.get("residual_impact"):
        return risk["residual_likelihood"] * risk["residual_impact"]
    return risk["likelihood"] * risk["impact"]


def risk_changes(old: dict, new: dict) -> list[dict]:
    """Risks added, removed, closed, reopened, or re-scored (inherent or residual score changed)."""
    from rmfkit.risks import level

    before = {r["id"]: r for r in _kind_records(old, "risks/*.yaml").values()}
    after = {r["id"]: r for r in _kind_records(new, "risks/*.yaml").values()}
    out = []
    for rid, now in sorted(after.items()):
        was = before.get(rid)
        score = f"score {_score(now)} ({level(_score(now))})"
        if was is None:
            out.append(_row("risks", "added", rid, now["title"], None, score, now.get("rationale"),
                            owner=now["owner"]))
        elif was["status"] != "closed" and now["status"] == "closed":
            out.append(_row("risks", "closed", rid, now["title"], was["status"], "closed",
                            now.get("residual_rationale") or now.get("rationale"), owner=now["owner"]))
        elif was["status"] == "closed" and now["status"] != "closed":
            out.append(_row("risks", "reopened", rid, now["title"], "closed", now["status"], None, owner=now["owner"]))
        elif (was["likelihood"], was["impact"], _score(was)) != (now["likelihood"], now["impact"], _score(now)):
            history = now.get("history") or []
            reason = history[-1]["reason"] if history else None
            out.append(_row("risks", "rescored", rid, now["title"],
                            f"{was['likelihood']}x{was['impact']}, current {_score(was)} ({level(_score(was))})",
                            f"{now['likelihood']}x{now['impact']}, current {_score(now)} ({level(_score(now))})",
                            reason, owner=now["owner"], score_before=_score(was), score_after=_score(now)))
    for rid, was in sorted(before.items()):
        if rid not in after:
            out.append(_row("risks", "removed", rid, was["title"], was["status"], None, None, owner=was["owner"]))
    return out


def _processing(bundle: dict) -> dict[str, str]:
    """Processing of personal data: data flows carrying it, and the DPIA's purposes."""
    system = (bundle.get("records") or {}).get("system.yaml") or {}
    found = {f"flow {f['id']}": f["description"] for f in system.get("data_flows", []) if f.get("personal_data")}
    dpia = (bundle.get("records") or {}).get("dpia.yaml") or {}
    for purpose in (dpia.get("description") or {}).get("purposes", []):
        found[f"purpose: {purpose['purpose']}"] = (f"DPIA purpose, lifecycle phase {purpose['lifecycle_phase']}"
                                                    + (f", lawful basis {purpose['lawful_basis']}"
                                                       if purpose.get("lawful_basis") else ""))
    return found


def _transfers(bundle: dict) -> dict[str, str]:
    """Transfers outside the EEA: data flows to a non-EEA region, and DPIA transfers not tied to a flow."""
    from rmfkit.dpia import in_eea

    system = (bundle.get("records") or {}).get("system.yaml") or {}
    found = {f"flow {f['id']}": f"to {f.get('processor') or f['destination']} in {f['region']}"
             + (f" under {f['transfer_mechanism']}" if f.get("transfer_mechanism") else " (no mechanism recorded)")
             for f in system.get("data_flows", []) if f.get("personal_data") and in_eea(f.get("region")) is False}
    dpia = (bundle.get("records") or {}).get("dpia.yaml") or {}
    flows = {f"flow {f['id']}" for f in system.get("data_flows", [])}
    for t in (dpia.get("description") or {}).get("international_transfers", []):
        if not t.get("data_flow") or f"flow {t['data_flow']}" not in flows:
            found[f"transfer to {t['importer']} ({t['country']})"] = t.get("mechanism") or "no mechanism recorded"
    return found


def dpia_changes(old: dict, new: dict) -> list[dict]:
    """New or ended processing and transfers, a changed screening decision, a changed DPIA state."""
    out = []
    for kind_new, kind_gone, read in (("new_processing", "processing_ended", _processing),
                                      ("new_transfer", "transfer_ended", _transfers)):
        before, after = read(old), read(new)
        out += [_row("dpia", kind_new, ref, None, None, "recorded", text) for ref, text in after.items()
                if ref not in before]
        out += [_row("dpia", kind_gone, ref, None, "recorded", None, text) for ref, text in before.items()
                if ref not in after]
    was, now = _results(old, "dpia"), _results(new, "dpia")
    decision_then = (was.get("screening") or {}).get("decision")
    decision_now = (now.get("screening") or {}).get("decision")
    if decision_then != decision_now:
        out.append(_row("dpia", "decision_changed", "screening", "DPIA screening decision", decision_then,
                        decision_now, "; ".join((now.get("screening") or {}).get("reasons") or [])))
    state_then = was.get("status") if was.get("recorded") else "not recorded"
    state_now = now.get("status") if now.get("recorded") else "not recorded"
    if state_then != state_now:
        out.append(_row("dpia", "state_changed", now.get("dpia_id") or "dpia.yaml", "DPIA state", state_then,
                        state_now, None))
    return out


def overdue_actions(bundle: dict) -> dict[str, dict]:
    """Owners' actions past their date at the bundle's review date, by reference."""
    day = _review_date(bundle)
    found: dict[str, dict] = {}
    for sub_id, row in _mapping_rows(bundle).items():
        if row.get("overdue"):
            found[sub_id] = {"title": f"reach {row.get('target_status')}", "owner": row.get("owner"),
                             "due": row.get("target_date"), "source": "mapping target"}
    for risk in _kind_records(bundle, "risks/*.yaml").values():
        if risk["status"] != "closed" and risk.get("due") and dt.date.fromisoformat(risk["due"]) < day:
            found[risk["id"]] = {"title": f"treat: {risk['title']}", "owner": risk["owner"], "due": risk["due"],
                                 "source": "risk treatment"}
    for area in _results(bundle, "operations").get("areas", []):
        for item in area.get("items", []):
            if "overdue" in (item.get("flags") or []):
                found[item["id"]] = {"title": item.get("title"), "owner": item.get("owner"), "due": item.get("due"),
                                     "source": "operations checklist"}
    dpia = (bundle.get("records") or {}).get("dpia.yaml") or {}
    for measure in dpia.get("measures", []):
        if measure.get("status") == "planned" and measure.get("due") and dt.date.fromisoformat(measure["due"]) < day:
            found[measure["id"]] = {"title": measure["title"], "owner": measure.get("owner"), "due": measure["due"],
                                    "source": "DPIA measure"}
    return found


def action_changes(old: dict, new: dict) -> list[dict]:
    """Actions overdue at the later review date: newly overdue, or still overdue since the earlier one."""
    before, after = overdue_actions(old), overdue_actions(new)
    return [_row("actions", "still_overdue" if ref in before else "newly_overdue", ref, a["title"],
                 "overdue" if ref in before else "not due yet", "overdue", f"{a['source']}, due {a['due']}",
                 owner=a["owner"], due=a["due"]) for ref, a in after.items()]


def operations_changes(old: dict, new: dict) -> list[dict]:
    """Checklist items and pilot steps that regressed, lapsed, improved… (:func:`rmfkit.review.operations.compare_operations`).

    An item that became overdue is listed once, under the owners' actions (:func:`action_changes`).
    """
    from rmfkit.models.operations import Operations
    from rmfkit.review.operations import compare_operations

    def ops(bundle: dict) -> Operations | None:
        record = (bundle.get("records") or {}).get("operations.yaml")
        return Operations.model_validate(record) if record else None

    def checks(bundle: dict) -> dict[str, str]:
        return {eid: row["status"] for eid, row in _evidence_rows(bundle).items()}

    def detail(change: dict) -> str | None:
        """The change's own reason; the plain 'done → in progress' is left out (before and after show it)."""
        plain = change["before"] and change["after"] and change["detail"].endswith(
            transition(change["before"], change["after"]))
        return None if plain else change["detail"]

    changes = compare_operations(ops(old), ops(new), before_checks=checks(old), after_checks=checks(new),
                                 before_date=_review_date(old), after_date=_review_date(new))
    listed_as_actions = overdue_actions(new)
    return [_row("operations", c["change"], c["item"], c["title"], c["before"], c["after"], detail(c))
            for c in changes if not (c["change"] == "overdue" and c["item"] in listed_as_actions)]


# ---------------------------------------------------------------- the whole diff

CHANGE_FUNCTIONS: list[Callable[[dict, dict], list[dict]]] = [
    status_changes, evidence_changes, license_changes, metric_changes, risk_changes, dpia_changes,
    action_changes, operations_changes]


def diff_bundles(old: dict, new: dict) -> dict[str, Any]:
    """Everything that changed from ``old`` to ``new`` (bundle dicts), each change once.

    Returns ``from``/``to`` (label, review date, generated_at), ``changes`` (flat rows), ``counts``
    per category and kind, ``coverage`` then and now, ``stale_evidence`` at the later review date,
    and ``summary`` sentences.
    """
    changes = [{**row, "tone": tone(row)} for fn in CHANGE_FUNCTIONS for row in fn(old, new)]
    counts: dict[str, dict[str, int]] = {c: {} for c in CATEGORIES}
    for row in changes:
        counts[row["category"]][row["kind"]] = counts[row["category"]].get(row["kind"], 0) + 1
    result = {
        "from": _side(old), "to": _side(new), "changes": changes, "counts": counts,
        "coverage": coverage_then_now(old, new), "stale_evidence": stale_evidence(new),
    }
    result["summary"] = summary_sentences(result)
    return result


def _side(bundle: dict) -> dict[str, Any]:
    return {"label": _label(bundle), "date": _review_date(bundle).isoformat(), "generated_at": bundle["generated_at"],
            "system_id": bundle.get("system_id"), "system_name": (bundle.get("records") or {}).get(
                "system.yaml", {}).get("name")}


KIND_WORDS = {
    "improved": "improved", "regressed": "regressed", "newly_assessed": "newly assessed", "rescoped": "rescoped",
    "added": "added", "removed": "removed", "changed_hash": "changed hash", "expired": "expired since",
    "broken": "missing or altered", "renewed": "renewed", "license_changed": "license changed",
    "text_changed": "license text changed", "version_changed": "license version changed",
    "crossed_to_fail": "now fail", "crossed_to_pass": "now pass", "moved_worse": "moved worse past tolerance",
    "moved_better": "moved better past tolerance", "newly_measured": "newly measured",
    "no_longer_measured": "no longer measured", "closed": "closed", "reopened": "reopened", "rescored": "re-scored",
    "new_processing": "new processing", "processing_ended": "processing ended", "new_transfer": "new transfer",
    "transfer_ended": "transfer ended", "decision_changed": "decision changed", "state_changed": "state changed",
    "newly_overdue": "newly overdue", "still_overdue": "still overdue", "lapsed": "lapsed", "overdue": "overdue",
    "advanced": "advanced",
}
BAD_KINDS = {"regressed", "expired", "broken", "removed", "crossed_to_fail", "moved_worse", "no_longer_measured",
              "reopened", "newly_overdue", "still_overdue", "lapsed", "overdue", "new_transfer", "license_changed",
              "text_changed"}


GOOD_KINDS = {"improved", "newly_assessed", "renewed", "crossed_to_pass", "moved_better", "newly_measured", "closed",
              "advanced"}


def tone(change: dict[str, Any]) -> str:
    """``bad`` for a deterioration (a bad kind of change, or a risk re-scored to a higher score), ``good`` for an
    improvement, else ``neutral``: the one reading the CLI, the notebooks and the review packet show in colour.

    >>> tone({"kind": "rescored", "score_before": 6, "score_after": 12}), tone({"kind": "improved"})
    ('bad', 'good')
    """
    if change["kind"] == "rescored" and change.get("score_before") is not None and change.get("score_after") is not None:
        return "bad" if change["score_after"] > change["score_before"] else "good"
    return "bad" if change["kind"] in BAD_KINDS else "good" if change["kind"] in GOOD_KINDS else "neutral"


def summary_sentences(diff: dict) -> list[dict[str, str]]:
    """One sentence per category, worst news first within it; categories without change say so."""
    out = []
    for category, title in CATEGORIES.items():
        counts = diff["counts"][category]
        if not counts:
            out.append({"category": category, "topic": title, "text": "No change.", "tone": "neutral"})
            continue
        parts = [f"{n} {KIND_WORDS.get(kind, kind.replace('_', ' '))}"
                 for kind, n in sorted(counts.items(), key=lambda kv: (kv[0] not in BAD_KINDS, kv[0]))]
        refs = [r["ref"] for r in diff["changes"] if r["category"] == category and r["tone"] == "bad"]
        text = ", ".join(parts) + "." + (f" Needs attention: {', '.join(refs[:8])}"
                                         + (f" and {len(refs) - 8} more" if len(refs) > 8 else "") + "." if refs else "")
        out.append({"category": category, "topic": title, "text": text,
                    "tone": "bad" if refs else "good"})
    stale = diff["stale_evidence"]
    if stale:
        weakened = sorted({s for item in stale for s in item["weakens"]})
        out.append({"category": "stale", "topic": "Stale evidence",
                    "text": f"{plural(len(stale), 'item')} past their validity on {diff['to']['date']}, weakening "
                            f"{', '.join(weakened) or 'no subcategory'}.", "tone": "warn"})
    return out


def state_data(state: "State") -> dict[str, Any]:
    """A state as the change functions read it: records, analysis, review block and generation time."""
    return {**{k: v for k, v in state.document.items() if k not in ("results", "analysis")},
            "analysis": state.analysis.model_dump(mode="json"),
            "review": {**(state.document.get("review") or {}), "label": state.label, "date": state.date.isoformat()}}


def analysed_data(records: "Records", analysis: "Analysis", generated_at: str) -> dict[str, Any]:
    """The live workspace as the change functions read it, from an analysis made already (not made again)."""
    return {"generated_at": generated_at, "system_id": records.system.id, "records": records.dump(),
            "analysis": analysis.model_dump(mode="json"),
            "review": {"label": LIVE, "date": analysis.as_of.isoformat()}}


def since(ws: "Workspace", label: str, records: "Records", analysis: "Analysis", generated_at: str) -> dict[str, Any]:
    """What changed from snapshot ``label`` (verified, with the chain behind the newest) to an analysis in hand."""
    from rmfkit.review.snapshots import resolve

    return diff_bundles(state_data(resolve(ws, label)), analysed_data(records, analysis, generated_at))


def diff(ws: "Workspace", from_label: str, to_label: str = LIVE) -> dict[str, Any]:
    """Everything that changed in a workspace from one snapshot (or ``live``) to another.

    Both states are verified first (exit 4 for an altered quarter); see :func:`diff_bundles` for the result.
    """
    from rmfkit.review.snapshots import resolve

    return diff_bundles(state_data(resolve(ws, from_label)), state_data(resolve(ws, to_label)))
