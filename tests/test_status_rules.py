"""Issue 15 item 1: strict, stated status rules — thresholds pass only on a confidence bound and a sample
large enough; a met needs every mapped threshold passing; partially met without evidence is flagged."""
from __future__ import annotations

import datetime as dt

from hypothesis import given, settings, strategies as st

from rmfkit.assess import assess_records, method
from rmfkit.library.freshness import EvidenceCheck
from rmfkit.measure import evaluate_threshold, unrounded_interval
from rmfkit.models.evidence import EvidenceRecord
from rmfkit.models.mapping import SubcategoryAssessment
from rmfkit.models.thresholds import Threshold

OK = {"E1": EvidenceCheck("E1", "ok", "hash matches", None)}
DAY = dt.date(2026, 12, 1)


def _evidence(*metrics: dict, kind: str = "task-eval") -> dict[str, EvidenceRecord]:
    return {"E1": EvidenceRecord(id="E1", title="eval", kind=kind, file="r.json", sha256="0" * 64, size=1,
                                 facts={"metrics": list(metrics)})}


def _threshold(**kw) -> Threshold:
    base = dict(id="t", metric="m", direction="higher_is_better", threshold=0.85, subcategory="MEASURE 2.3")
    return Threshold(**{**base, **kw})


def test_pass_needs_the_lower_bound_above_the_threshold():
    row = evaluate_threshold(_threshold(), _evidence({"metric": "m", "value": 0.90, "n": 600}), OK)
    assert (row["outcome"], row["reason"]) == ("pass", "0.9 vs ≥ 0.85")
    row = evaluate_threshold(_threshold(), _evidence({"metric": "m", "value": 0.86, "n": 600}), OK)
    assert row["outcome"] == "inconclusive"
    assert row["reason"] == "0.86 vs ≥ 0.85; 95% CI lower bound 0.83 is below the threshold"


def test_lower_is_better_reads_the_upper_bound():
    """pii_leak 0.005 on 600 answers: the Wilson upper bound 0.0146 is above 1%, so not a pass."""
    t = _threshold(direction="lower_is_better", threshold=0.01)
    row = evaluate_threshold(t, _evidence({"metric": "m", "value": 0.005, "n": 600}), OK)
    assert row["outcome"] == "inconclusive"
    assert "95% CI upper bound 0.0146 is above the threshold" in row["reason"]


def test_small_or_unreported_samples_are_inconclusive():
    row = evaluate_threshold(_threshold(), _evidence({"metric": "m", "value": 1.0, "n": 5}), OK)
    assert (row["outcome"], row["reason"]) == ("inconclusive", "1 vs ≥ 0.85; n = 5 is below the minimum sample of 30")
    row = evaluate_threshold(_threshold(min_sample=3), _evidence({"metric": "m", "value": 1.0, "n": 5}), OK)
    assert row["outcome"] == "inconclusive"  # n is large enough, but the Wilson lower bound (0.566) is not
    row = evaluate_threshold(_threshold(), _evidence({"metric": "m", "value": 0.9, "stderr": 0.001}), OK)
    assert row["outcome"] == "inconclusive" and "sample size not reported (at least 30 needed)" in row["reason"]


def test_a_shortfall_fails_whatever_the_sample():
    row = evaluate_threshold(_threshold(), _evidence({"metric": "m", "value": 0.8, "n": 5}), OK)
    assert row["outcome"] == "fail"


def test_non_finite_value_is_reported_as_such():
    row = evaluate_threshold(_threshold(), _evidence({"metric": "m", "value": None, "non_finite": "inf"}), OK)
    assert (row["outcome"], row["reason"]) == ("not_measured", "E1: m is not a finite number (inf)")


def test_worst_garak_detector_counts_and_every_detector_is_listed():
    ev = _evidence({"task": "dan.Dan_11_0", "metric": "pass_rate", "value": 1.0, "n": 50, "slice": "dan.DAN"},
                   {"task": "dan.Dan_11_0", "metric": "pass_rate", "value": 0.8, "n": 50,
                    "slice": "mitigation.MitigationBypass"}, kind="garak")
    t = _threshold(metric="pass_rate", task="dan.Dan_11_0", slice="dan.DAN", threshold=0.95)
    row = evaluate_threshold(t, ev, OK)
    assert row["outcome"] == "fail" and row["slice"] == "mitigation.MitigationBypass" and row["value"] == 0.8
    assert [d["detector"] for d in row["detectors"]] == ["dan.DAN", "mitigation.MitigationBypass"]
    assert "worst of 2 detectors (mitigation.MitigationBypass)" in row["reason"]


@settings(max_examples=200, deadline=None)
@given(p=st.floats(0, 1), n=st.integers(1, 5000), threshold=st.floats(0.001, 0.999),
       higher=st.booleans(), min_sample=st.integers(1, 100))
def test_a_threshold_never_passes_with_its_bound_on_the_wrong_side(p, n, threshold, higher, min_sample):
    t = _threshold(threshold=threshold, direction="higher_is_better" if higher else "lower_is_better",
                   min_sample=min_sample)
    row = evaluate_threshold(t, _evidence({"metric": "m", "value": p, "n": n}), OK)
    if row["outcome"] == "pass":
        low, high, _ = unrounded_interval(p, None, n, bounded=True)
        assert n >= min_sample
        assert (low >= threshold) if higher else (high <= threshold)


def test_met_needs_every_mapped_threshold_to_pass():
    assessments = {"MEASURE 2.3": SubcategoryAssessment(status="met", evidence=["E1"])}
    thresholds = [_threshold(), _threshold(id="latency", metric="p95", direction="lower_is_better", threshold=3000,
                                           unit="ms")]
    result = assess_records(assessments, OK, today=DAY, evidence=_evidence({"metric": "m", "value": 0.9, "n": 600}),
                            thresholds=thresholds)
    row = result.row("MEASURE 2.3")
    assert (row["status"], row["effective_status"]) == ("met", "unsupported")
    assert row["reason"] == ("marked met, but threshold latency is not measured (the evidence holds no value of p95)")
    assert "threshold_not_passing" in row["flags"]


def test_partially_met_without_evidence_is_flagged_like_met():
    assessments = {"MAP 1.5": SubcategoryAssessment(status="partially_met"),
                   "MAP 1.1": SubcategoryAssessment(status="met")}
    result = assess_records(assessments, {}, today=DAY)
    assert result.row("MAP 1.5")["flags"] == ["partially_met_without_evidence"]
    assert result.row("MAP 1.5")["effective_status"] == "partially_met"  # the recorded status stays
    assert [r["id"] for r in result.partially_met_without_evidence] == ["MAP 1.5"]
    assert result.totals["partially_met_without_evidence"] == 1 and result.totals["met_without_evidence"] == 1


def test_the_rules_are_data_the_packet_can_print():
    rules = method()
    assert rules["default_min_sample"] == 30
    assert {r["effective"] for r in rules["status_rules"]} >= {"met", "unsupported", "not_assessed", "pass"}
