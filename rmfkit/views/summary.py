"""The executive summary: sentences a manager can read, built from the packet's section views.

>>> _titles([{"title": "A"}, {"title": "B"}])
'A and B'
"""
from __future__ import annotations

from typing import Any

from rmfkit.labels import join_words, plural

def _titles(rows: list[dict], limit: int = 4) -> str:
    """Up to ``limit`` titles joined into a phrase, with how many more there are."""
    shown = [r["title"] for r in rows[:limit]]
    return join_words(shown + ([f"{len(rows) - limit} more"] if len(rows) > limit else []))


def _coverage_sentence(totals: dict[str, Any]) -> tuple[str, str]:
    parts = [f"{totals['met']} met" + (f" ({totals['met_without_evidence']} of them citing no evidence)"
                                       if totals["met_without_evidence"] else "")]
    parts += [f"{totals[key]} {label}" for key, label in (
        ("partially_met", "partially met"), ("unsupported", "claimed but unsupported by evidence"),
        ("not_met", "not met"), ("not_applicable", "not applicable")) if totals[key]]
    text = (f"Of the {totals['total']} AI RMF subcategories, {totals['assessed']} are assessed: {join_words(parts)}"
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
                                                                      "inconclusive", "not_measured")}
    parts = [f"{len(by_outcome['pass'])} pass"]
    if by_outcome["pass_within_tolerance"]:
        parts.append(f"{len(by_outcome['pass_within_tolerance'])} "
                     f"{'passes' if len(by_outcome['pass_within_tolerance']) == 1 else 'pass'} only within the "
                     "declared tolerance (" + "; ".join(map(_brief_reason, by_outcome["pass_within_tolerance"])) + ")")
    if by_outcome["fail"]:
        parts.append(f"{len(by_outcome['fail'])} {'fails' if len(by_outcome['fail']) == 1 else 'fail'} ("
                     + "; ".join(map(_brief_reason, by_outcome["fail"])) + ")")
    if by_outcome["inconclusive"]:
        parts.append(f"{len(by_outcome['inconclusive'])} {'is' if len(by_outcome['inconclusive']) == 1 else 'are'} "
                     f"inconclusive: too few samples or a confidence bound on the wrong side "
                     f"({_titles(by_outcome['inconclusive'])})")
    if by_outcome["not_measured"]:
        parts.append(f"{len(by_outcome['not_measured'])} {'is' if len(by_outcome['not_measured']) == 1 else 'are'} "
                     f"not measured yet ({_titles(by_outcome['not_measured'])})")
    text = f"Of {plural(len(rows), 'acceptance threshold')}, {join_words(parts)}."
    unmeasured = measurement_view["summary"]["characteristics_not_measured"]
    if unmeasured:
        text += f" Trustworthiness characteristics with no measurement: {join_words(unmeasured)}."
    tone = "bad" if by_outcome["fail"] else (
        "warn" if by_outcome["not_measured"] or by_outcome["pass_within_tolerance"] or by_outcome["inconclusive"]
        or unmeasured else "good")
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
            + (f"; {join_words(parts)}" if parts else "") + ".")
    if unverified:
        text += (f" {plural(len(unverified), 'model artefact')} never verified against "
                 f"{'its' if len(unverified) == 1 else 'their'} recorded checksums: {join_words(unverified)}.")
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
    text = (f"{plural(len(blockers), 'license finding')} {'blocks' if len(blockers) == 1 else 'block'} the "
            "intended use: " + "; ".join(f"{b['component']}: {b['message']}" for b in blockers) + "."
            if blockers else "No license finding blocks the intended use.")
    if obligations:
        text += (f" {plural(len(obligations), 'obligation')} to meet and keep evidence of ("
                 + _by_component(obligations) + ")")
    if review:
        text += (f"{';' if obligations else ''} {plural(len(review), 'item')} "
                 f"{'needs' if len(review) == 1 else 'need'} legal review (" + _by_component(review) + ")")
    if obligations or review:
        text += "; see sections 4 and 12."
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
        say("Targets", f"{plural(len(gaps), 'subcategory', 'subcategories')} "
            f"{'is' if len(gaps) == 1 else 'are'} below the target status set for "
            f"{'it' if len(gaps) == 1 else 'them'}" + (f", {overdue} past the target date" if overdue else "")
            + (f"; the next target date is {dates[0]}." if dates else "."), "bad" if overdue else "warn")
    unsupported = mapping_view["unsupported"]
    if unsupported:
        say("Unsupported claims", f"{plural(len(unsupported), 'subcategory', 'subcategories')} claimed as met or "
            f"partially met {'has' if len(unsupported) == 1 else 'have'} no usable evidence: "
            + "; ".join(f"{r['id']} ({r['reason']})" for r in unsupported) + ".", "bad")
    else:
        say("Unsupported claims", "Every claim that has evidence is backed by at least one current, intact item.",
            "good")
    if mapping_view["met_without_evidence"]:
        ids = [r["id"] for r in mapping_view["met_without_evidence"]]
        say("Claims without evidence", f"{plural(len(ids), 'subcategory', 'subcategories')} marked met "
            f"{'cites' if len(ids) == 1 else 'cite'} no evidence at all: {join_words(ids)}.", "warn")
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
        say("Evidence", f"{plural(len(evidence_view['rows']), 'evidence item')}: {counts['ok']} current, "
            f"{counts['expired']} expired, {counts['missing']} missing, {counts['hash_mismatch']} altered.",
            "bad" if bad else "good")
    else:
        say("Evidence", "No evidence is recorded yet, so no claim can be checked.", "bad")
    actions = view["actions"]
    if actions["items"]:
        say("Action plan", f"Section 12 lists all {len(actions['items'])} gaps in one place, each with the action to "
            f"take, the target, owner and due date ({actions['without_owner']} without an owner, "
            f"{actions['without_date']} without a date yet).", "neutral")
    return {"recorded": True, "sentences": sentences}


def _dpia_sentence(dpia_view: dict) -> str:
    screening = dpia_view["screening"]
    decision = (screening.get("decision") or "undecided").replace("_", " ")
    met = screening.get("criteria_met_count", 0)
    if not dpia_view["recorded"]:
        return (f"No DPIA is recorded yet. The automatic screening finds {plural(met, 'criterion', 'criteria')} "
                f"met; on that basis a DPIA is {decision}.")
    high = sum(1 for r in dpia_view["risks"] if r["residual_level"] == "high")
    name = dpia_view.get("dpia_id") or "recorded"
    version = f", version {dpia_view['version']}" if dpia_view.get("version") else ""
    questions = len(dpia_view["completeness"])
    text = (f"The DPIA ({name}{version}) is {str(dpia_view.get('status') or 'draft').replace('_', ' ')}; "
            f"screening: {plural(met, 'criterion', 'criteria')} met, so a DPIA is {decision}. "
            f"{plural(len(dpia_view['risks']), 'privacy risk')} assessed, {high} with a high residual level. "
            + (f"A DPO would still ask {plural(questions, 'question')} (see section 9)." if questions else
               "The completeness check leaves nothing outstanding."))
    if dpia_view["prior_consultation_required"]:
        text += " Prior consultation of the supervisory authority is required (Art. 36)."
    return text


