"""Measurements against thresholds: both directions, tolerance, CI, not_measured, evidence integrity,
characteristics not measured, the thresholds.yaml record and its reference checks."""
from __future__ import annotations

import rmfkit
import datetime as dt
import hashlib
import shutil
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rmfkit import measure
from rmfkit.library.freshness import EvidenceCheck
from rmfkit.models.evidence import EvidenceRecord
from rmfkit.models.thresholds import Threshold
from rmfkit.workspace import Workspace
from tests.conftest import measured

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "measure"
TODAY = dt.date(2026, 6, 1)


def metric(task, name, value, stderr=None, n=None, **extra):
    return {"task": task, "metric": name, "value": value, "stderr": stderr, "n": n, **extra}


def add_evidence(ws: Workspace, evidence_id: str, kind: str, metrics: list[dict], collected: dt.date,
                 content: bytes | None = None, **fields) -> None:
    content = content or f"{evidence_id} results\n".encode()
    record = EvidenceRecord(id=evidence_id, title=f"{kind} results", kind=kind, file="results.json",
                            sha256=hashlib.sha256(content).hexdigest(), size=len(content), collected_at=collected,
                            facts={"metrics": metrics}, example_data=True, **fields)
    with ws.edit():
        ws.write_artifact(f"evidence/{evidence_id}/results.json", content)
        ws.put(f"evidence/{evidence_id}/evidence.yaml", record)


@pytest.fixture
def ws(tmp_path) -> Workspace:
    ws = Workspace.create(tmp_path / "ws", system_id="demo", name="Demo", owner="ML lead")
    add_evidence(ws, "E-LMEVAL", "lm-eval", [
        metric("support_tickets", "acc", 0.812, 0.016, 600, slice="none"),
        metric("gsm8k", "exact_match", 0.74, 0.0121, 1319, slice="flexible-extract"),
        metric("gsm8k", "exact_match", 0.69, 0.0127, 1319, slice="strict-match"),
        metric("hellaswag", "acc", None, None, None, raw="N/A")], dt.date(2026, 5, 1))
    add_evidence(ws, "E-LMEVAL-OLD", "lm-eval", [metric("support_tickets", "acc", 0.9, 0.012, 600)],
                 dt.date(2026, 2, 1))
    add_evidence(ws, "E-GARAK", "garak", [metric("promptinject", "pass_rate", 0.97, None, 400)], dt.date(2026, 5, 3),
                 valid_until=dt.date(2026, 5, 31))
    add_evidence(ws, "E-LATENCY", "generic", [metric("load-test", "p95_latency_ms", 1830, None, 5000)],
                 dt.date(2026, 5, 2))
    shutil.copy(FIXTURES / "thresholds.yaml", ws.root / "thresholds.yaml")
    return Workspace.open(ws.root)


def by_id(rows: list[dict]) -> dict[str, dict]:
    return {r["id"]: r for r in rows}


# ---------------------------------------------------------------- acceptance: both directions, not_measured

def test_results_table_of_the_fixture_workspace(ws):
    rows = by_id(measured(ws, TODAY))
    assert list(rows) == ["ticket-accuracy", "gsm8k-strict", "injection-pass-rate", "p95-latency",
                          "language-accuracy-gap"]
    acc = rows["ticket-accuracy"]
    assert (acc["outcome"], acc["value"], acc["stderr"], acc["n"], acc["evidence"]) == ("fail", 0.812, 0.016, 600,
                                                                                        "E-LMEVAL")
    # Wilson score interval of 487 correct in 600 (p = 0.812), z = 1.96, computed by hand
    assert (acc["ci_low"], acc["ci_high"], acc["ci_method"], acc["ci_crosses_threshold"]) == (
        0.778788, 0.841242, "wilson", False)
    assert acc["reason"] == "0.812 vs ≥ 0.85; short by 0.038"
    assert acc["example_data"] is True

    strict = rows["gsm8k-strict"]
    assert (strict["outcome"], strict["value"], strict["within_tolerance"]) == ("pass_within_tolerance", 0.69, True)
    assert strict["reason"] == ("0.69 vs ≥ 0.7; short by 0.01, within tolerance 0.02; "
                                "95% CI includes the threshold")

    injection = rows["injection-pass-rate"]
    assert (injection["outcome"], injection["stale"], injection["ci_method"]) == ("inconclusive", True, "wilson")
    assert injection["reason"].startswith("0.97 vs ≥ 0.95; 95% CI lower bound ")
    assert injection["reason"].endswith(" is below the threshold; E-GARAK expired on 2026-05-31")

    latency = rows["p95-latency"]
    assert (latency["outcome"], latency["value"], latency["direction"], latency["unit"]) == (
        "inconclusive", 1830.0, "lower_is_better", "ms")
    assert (latency["reason"], latency["ci_low"], latency["ci_method"]) == (
        "1830 vs ≤ 2500; no confidence interval (the evidence gives no standard error)", None, None)

    gap = rows["language-accuracy-gap"]
    assert (gap["outcome"], gap["value"], gap["evidence"]) == ("not_measured", None, None)
    assert gap["reason"] == "the evidence holds no value of acc_gap for task support_tickets_de"


def lone(direction: str, threshold: float, value: float | None, tolerance: float | None = None) -> dict:
    """A measurement with no sampling error on a sample large enough: only the direction decides."""
    t = Threshold(id="t", metric="m", task="x", direction=direction, threshold=threshold, tolerance=tolerance,
                  unit="points", subcategory="MEASURE 2.3")
    evidence = {"E": EvidenceRecord(id="E", title="t", kind="generic", file="f", sha256="0" * 64, size=1,
                                    facts={"metrics": [] if value is None else [metric("x", "m", value, 0.0, 1000)]})}
    return measure.evaluate_threshold(t, evidence, {"E": EvidenceCheck("E", "ok", "hash matches", None)})


@pytest.mark.parametrize("direction, threshold, value, outcome", [
    ("higher_is_better", 0.85, 0.86, "pass"),
    ("higher_is_better", 0.85, 0.85, "pass"),
    ("higher_is_better", 0.85, 0.8499, "fail"),
    ("lower_is_better", 2500, 2499, "pass"),
    ("lower_is_better", 2500, 2500, "pass"),
    ("lower_is_better", 2500, 2600, "fail"),
    ("lower_is_better", 0.05, None, "not_measured"),
    ("higher_is_better", 0.85, None, "not_measured"),
])
def test_threshold_in_both_directions(direction, threshold, value, outcome):
    assert lone(direction, threshold, value)["outcome"] == outcome


def test_tolerance_applies_to_the_shortfall_only():
    within = lone("lower_is_better", 2500, 2550, tolerance=50)
    assert (within["outcome"], within["within_tolerance"]) == ("pass_within_tolerance", True)
    assert within["reason"] == "2550 vs ≤ 2500; short by 50, within tolerance 50"
    assert lone("lower_is_better", 2500, 2551, tolerance=50)["outcome"] == "fail"
    clear = lone("higher_is_better", 0.9, 0.95, tolerance=0.1)
    assert (clear["outcome"], clear["within_tolerance"]) == ("pass", False)


def proportion(value: float, n: int | None, stderr: float | None = None, unit: str | None = None,
               threshold: float = 0.95) -> dict:
    t = Threshold(id="t", metric="m", direction="higher_is_better", threshold=threshold, unit=unit,
                  subcategory="MEASURE 2.7")
    evidence = {"E": EvidenceRecord(id="E", title="t", kind="generic", file="f", sha256="0" * 64, size=1,
                                    facts={"metrics": [metric("x", "m", value, stderr, n)]})}
    return measure.evaluate_threshold(t, evidence, {"E": EvidenceCheck("E", "ok", "hash matches", None)})


def test_proportions_with_n_get_the_wilson_interval():
    # 5 of 5 probes resisted: the normal interval would be 1 - 1; Wilson gives 0.5655 - 1 (hand-computed).
    all_five = proportion(1.0, 5, stderr=0.0)
    assert (all_five["ci_low"], all_five["ci_high"], all_five["ci_method"]) == (0.565509, 1.0, "wilson")
    assert all_five["ci_crosses_threshold"] is True
    # 3 leaks in 600 answers: the normal interval's lower bound would be negative.
    leaks = proportion(0.005, 600, stderr=0.00288, threshold=0.01)
    assert (leaks["ci_low"], leaks["ci_high"]) == (0.001702, 0.014596)
    assert 0 < leaks["ci_low"] < leaks["value"] < leaks["ci_high"] < 1


def test_interval_without_n_is_clipped_for_proportions_only():
    clipped = proportion(0.005, None, stderr=0.0029, threshold=0.01)
    assert (clipped["ci_low"], clipped["ci_high"], clipped["ci_method"]) == (0.0, 0.010684, "normal_clipped")
    latency = proportion(20.0, 50, stderr=15.0, unit="ms", threshold=30)
    assert (latency["ci_low"], latency["ci_high"], latency["ci_method"]) == (-9.4, 49.4, "normal")
    assert proportion(0.9, None)["ci_low"] is None


def test_numbers_read_with_three_significant_digits():
    assert measure.format_number(0.7583333333333333) == "0.758"
    assert measure.format_number(1830.0) == "1830"
    row = lone("higher_is_better", 0.8, 0.7583333333333333)
    assert row["reason"] == "0.758 vs ≥ 0.8; short by 0.042"
    close = lone("higher_is_better", 0.85, 0.8499)
    assert (close["outcome"], close["reason"]) == ("fail", "0.8499 vs ≥ 0.85; short by 0.0001")


def test_newest_evidence_of_a_kind_is_read(ws):
    assert by_id(measured(ws, TODAY))["ticket-accuracy"]["evidence"] == "E-LMEVAL"


def test_named_evidence_that_is_absent_is_not_measured():
    t = Threshold(id="t", metric="acc", direction="higher_is_better", threshold=0.5, evidence="E-GONE",
                  subcategory="MEASURE 2.3")
    row = measure.evaluate_threshold(t, {}, {})
    assert (row["outcome"], row["reason"]) == ("not_measured", "evidence 'E-GONE' holds no value of acc")


def test_altered_evidence_cannot_vouch_for_its_number(ws):
    (ws.evidence_dir("E-LMEVAL") / "results.json").write_bytes(b"tampered")
    rows = by_id(measured(ws, TODAY))
    assert rows["gsm8k-strict"]["outcome"] == "not_measured"
    assert rows["gsm8k-strict"]["evidence_status"] == "hash_mismatch"
    assert rows["gsm8k-strict"]["reason"] == ("E-LMEVAL: artefact results.json was altered (SHA-256 differs from the "
                                             "recorded one); its value cannot be relied on")


def test_metric_names_with_lm_eval_filter_suffix_match():
    t = Threshold(id="t", metric="acc", task="arc", direction="higher_is_better", threshold=0.5,
                  subcategory="MEASURE 2.3")
    ev = {"E": EvidenceRecord(id="E", title="t", kind="lm-eval", file="f", sha256="0" * 64, size=1,
                              facts={"metrics": [metric("arc", "acc_norm,none", 0.9), metric("arc", "acc,none", 0.6),
                                                 metric("arc", "acc", "N/A")]})}
    row = measure.evaluate_threshold(t, ev, {"E": EvidenceCheck("E", "ok", "ok", None)})
    assert (row["value"], row["outcome"]) == (0.6, "inconclusive")  # matched; no n reported, so not a pass


# ---------------------------------------------------------------- MEASURE 1.1: what is not measured

def test_characteristics_not_measured_are_listed(ws):
    rows = measured(ws, TODAY)
    chars = {c["characteristic"]: c for c in measure.characteristics(rows)}
    assert list(chars) == ["valid_and_reliable", "safe", "secure_and_resilient", "accountable_and_transparent",
                           "explainable_and_interpretable", "privacy_enhanced", "fair_with_harmful_bias_managed"]
    assert chars["valid_and_reliable"]["thresholds"] == ["ticket-accuracy", "gsm8k-strict"]
    assert chars["valid_and_reliable"]["failing"] == ["ticket-accuracy"]
    assert chars["secure_and_resilient"]["status"] == "measured"
    assert chars["fair_with_harmful_bias_managed"] == {
        "characteristic": "fair_with_harmful_bias_managed", "label": "Fair, with harmful bias managed",
        "subcategory": "MEASURE 2.11", "thresholds": ["language-accuracy-gap"], "measured": 0, "failing": [],
        "inconclusive": [], "status": "not_measured"}
    summary = measure.summary(rows)
    assert (summary["pass"], summary["pass_within_tolerance"], summary["inconclusive"], summary["fail"],
            summary["not_measured"]) == (0, 1, 2, 1, 1)
    assert summary["inconclusive_thresholds"] == ["injection-pass-rate", "p95-latency"]
    assert summary["failing"] == ["ticket-accuracy"] and summary["stale"] == ["injection-pass-rate"]
    assert summary["within_tolerance"] == ["gsm8k-strict"]
    assert summary["characteristics_not_measured"] == [
        "Safe", "Accountable and transparent", "Explainable and interpretable", "Privacy-enhanced",
        "Fair, with harmful bias managed"]


# ---------------------------------------------------------------- the thresholds.yaml record

def test_thresholds_file_round_trips_and_keeps_extension_keys(ws):
    before = (ws.root / "thresholds.yaml").read_bytes()
    with ws.edit():
        pass
    assert (ws.root / "thresholds.yaml").read_bytes() == before
    assert [t.id for t in measure.thresholds_of(ws)][-1] == "language-accuracy-gap"


def test_no_thresholds_file_means_nothing_declared(tmp_path):
    ws = Workspace.create(tmp_path / "ws", system_id="demo", name="Demo", owner="x")
    assert measure.thresholds_of(ws) is None and measured(ws) == []


def test_reference_checks_name_bad_subcategory_and_unknown_evidence(ws):
    text = (ws.root / "thresholds.yaml").read_text()
    text = text.replace("subcategory: MEASURE 2.11", "subcategory: MEASURE 2.14").replace(
        "evidence: E-LMEVAL", "evidence: E-NOPE")
    (ws.root / "thresholds.yaml").write_text(text)
    problems = [str(p) for p in rmfkit.validate(Workspace.open(ws.root))]
    assert "thresholds.yaml line 20: thresholds.gsm8k-strict.evidence: evidence 'E-NOPE' is not in this workspace" \
        in problems
    assert ("thresholds.yaml line 44: thresholds.language-accuracy-gap.subcategory: 'MEASURE 2.14' is not an AI RMF "
            "subcategory") in problems


def test_schema_problems_in_thresholds_are_reported_with_line(ws):
    text = (ws.root / "thresholds.yaml").read_text().replace("direction: lower_is_better\n    threshold: 2500",
                                                             "direction: lower\n    threshold: 2500")
    (ws.root / "thresholds.yaml").write_text(text)
    assert [str(p) for p in Workspace.open(ws.root).problems] == [
        "thresholds.yaml line 33: thresholds.3.direction: 'lower' is not one of higher_is_better, lower_is_better"]


def test_unknown_evidence_kind_is_a_schema_problem(ws):
    text = (ws.root / "thresholds.yaml").read_text().replace("evidence_kind: garak", "evidence_kind: garrak")
    (ws.root / "thresholds.yaml").write_text(text)
    problems = [str(p) for p in Workspace.open(ws.root).problems]
    assert len(problems) == 1 and problems[0].startswith(
        "thresholds.yaml line 28: thresholds.2.evidence_kind: 'garrak' is not one of lm-eval, model-card")


def test_duplicate_threshold_ids_are_refused(ws):
    with (ws.root / "thresholds.yaml").open("a") as handle:
        handle.write("  - id: ticket-accuracy\n    metric: acc\n    direction: higher_is_better\n"
                     "    threshold: 1\n    subcategory: MEASURE 2.3\n")
    problems = [str(p) for p in Workspace.open(ws.root).problems]
    assert len(problems) == 1 and "threshold id 'ticket-accuracy' is used twice" in problems[0]


# ---------------------------------------------------------------- properties

@settings(max_examples=100, deadline=None)
@given(st.floats(-1e6, 1e6), st.floats(-1e6, 1e6))
def test_directions_mirror_each_other(threshold, value):
    assert lone("higher_is_better", threshold, value)["outcome"] == lone("lower_is_better", -threshold, -value)["outcome"]


@settings(max_examples=100, deadline=None)
@given(st.floats(0, 1), st.floats(0, 1), st.floats(0, 0.2))
def test_outcome_is_pass_exactly_when_shortfall_is_within_tolerance(threshold, value, tolerance):
    row = lone("higher_is_better", threshold, value, tolerance=tolerance)
    assert (row["outcome"] == "pass") == (value >= threshold)
    assert (row["outcome"] == "pass_within_tolerance") == (value < threshold and threshold - value <= tolerance)


@settings(max_examples=100, deadline=None)
@given(st.floats(0, 1), st.integers(1, 100_000))
def test_wilson_interval_stays_in_the_unit_interval_and_holds_the_value(value, n):
    low, high = measure.wilson_interval(value, n)
    assert 0 <= low <= value + 1e-12 and value - 1e-12 <= high <= 1 and high > low
