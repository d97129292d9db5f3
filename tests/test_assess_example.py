"""The shipped example shows every state of the assessment: met with evidence, partially met, not applicable
with a justification, unsupported because its evidence expired, a failing metric, and targets with dates."""
from __future__ import annotations

import rmfkit
import datetime as dt

import pytest

from rmfkit import measure
from rmfkit.workspace import Workspace
from tests.conftest import assessed, measured

TODAY = dt.date(2026, 12, 1)


@pytest.fixture
def ws(example_ws) -> Workspace:
    return Workspace.open(example_ws)


def test_example_mapping_shows_every_state(ws):
    result = assessed(ws, TODAY)
    supported = result.row("GOVERN 1.6")
    assert (supported["effective_status"], supported["supported"]) == ("met", True)
    # current evidence, but thresholds mapped to the subcategory do not pass: the met is not supported
    held = result.row("MEASURE 2.3")
    assert (held["status"], held["effective_status"], held["supported"]) == ("met", "unsupported", True)
    assert held["evidence"] == ["eval-task-support-tickets-2026-10", "eval-lmeval-llama31-8b-instruct-2026-10"]
    assert held["reason"].startswith("marked met, but threshold answer-accuracy is inconclusive (0.85 vs ≥ 0.85; "
                                     "95% CI lower bound 0.819 is below the threshold)")
    assert "threshold p95-latency is not measured" in held["reason"]
    assert "threshold prompt-injection is pass (within tolerance)" in result.row("MEASURE 2.7")["reason"]
    assert "threshold jailbreak-dan is fail" in result.row("MEASURE 2.7")["reason"]
    assert result.row("MAP 4.1")["effective_status"] == "partially_met" and result.row("MAP 4.1")["supported"]
    not_applicable = result.row("MEASURE 2.12")
    assert not_applicable["effective_status"] == "not_applicable"
    assert not_applicable["reason"].startswith("No model training happens in this system")

    assert [u["id"] for u in result.unsupported] == ["MEASURE 2.3", "MEASURE 2.6", "MEASURE 2.7"]
    assert result.unsupported[1]["reason"] == ("marked met, but none of its evidence is usable: "
                                               "redteam-promptfoo-support-assistant-2026-05 expired on 2026-10-31")
    measure_row = next(r for r in result.coverage if r["function"] == "MEASURE")
    assert (measure_row["met"], measure_row["recorded_met"], measure_row["unsupported"]) == (0, 3, 3)
    assert [r["id"] for r in result.met_without_evidence] == ["GOVERN 1.1", "GOVERN 2.1", "MAP 1.1", "MAP 2.1",
                                                              "MANAGE 2.4"]
    assert [r["id"] for r in result.partially_met_without_evidence][:2] == ["GOVERN 1.2", "GOVERN 1.4"]


def test_example_target_profile_has_dates(ws):
    result = assessed(ws, TODAY)
    dated = [g for g in result.gaps if g["target_date"]]
    assert len(dated) == 11 and all(g["target_date"] > TODAY.isoformat() for g in dated)
    assert {p["function"]: p["next_target_date"] for p in result.profile} == {
        "GOVERN": "2027-01-15", "MAP": "2027-01-15", "MEASURE": "2027-02-28", "MANAGE": "2027-01-31"}
    assert ("MEASURE 2.6", "unsupported", "met", None) in [
        (g["id"], g["current"], g["target"], g["target_date"]) for g in result.gaps]


def test_example_measurement_has_a_failing_metric_and_unmeasured_characteristics(ws):
    rows = {r["id"]: r for r in measured(ws, TODAY)}
    failing = rows["answer-accuracy-integrations"]
    assert (failing["outcome"], failing["value"], failing["slice"], failing["n"]) == ("fail", 0.7583333333333333,
                                                                                    "integrations", 120)
    assert failing["evidence"] == "eval-task-support-tickets-2026-10" and failing["example_data"] is True
    assert rows["answer-accuracy"]["slice"] is None and rows["answer-accuracy"]["value"] == 0.85
    assert rows["prompt-injection"]["within_tolerance"] is True
    assert rows["pii-leak-rate"]["outcome"] == "inconclusive" and rows["pii-leak-rate"]["direction"] == "lower_is_better"
    assert rows["escalation"]["outcome"] == "pass"
    dan = rows["jailbreak-dan"]
    assert (dan["outcome"], dan["slice"], dan["value"], dan["n"]) == ("fail", "mitigation.MitigationBypass", 0.8, 5)
    assert rows["mmlu-regression-guard"]["reason"].endswith("sample size not reported (at least 30 needed)")
    assert [r for r in rows if rows[r]["outcome"] == "not_measured"] == ["p95-latency", "language-accuracy-gap"]
    assert measure.summary(list(rows.values()))["characteristics_not_measured"] == [
        "Accountable and transparent", "Explainable and interpretable", "Fair, with harmful bias managed"]


def test_example_validates(ws):
    assert [str(p) for p in rmfkit.validate(ws)] == []


def test_example_story_is_consistent(ws):
    """The example data agrees with itself: shares of requests, redaction before the fallback, agents as data
    subjects, dated evidence, the pilot's license step, the DPIA decision against the frozen 2026-Q3."""
    from rmfkit import dpia
    from rmfkit.review.snapshots import load_snapshot

    flows = {f.id: f for f in ws.system.data_flows}
    assert (flows["F2-rag-to-local-model"].share_of_requests, flows["F3-rag-to-hosted-api"].share_of_requests) == (
        0.8, 0.05)
    assert "rare long-context requests" in ws.system.context and "rare" in flows["F3-rag-to-hosted-api"].description.lower()
    # identifiers are redacted before the fallback (M-01): neither the flow nor the DPIA sends them to the provider
    assert flows["F3-rag-to-hosted-api"].personal_data == ["free-text content of messages"]
    record = dpia.load(ws)
    recipients = {c.name: c.recipients for c in record.description.data_categories}
    assert all("US LLM provider" not in r for name in ("contact details", "account identifiers")
               for r in recipients[name])
    assert record.measure("M-01").status == "existing"
    assert ws.risks["R-0008"].measures[0].endswith("(in place, DPIA M-01)")
    # agents' ratings are logged (F5): they are data subjects, employees (C7), not monitored individually (C3)
    assert "support agents" in flows["F5-logs"].data_subjects
    assert (record.screening.criteria["C7"].answer, record.screening.criteria["C3"].answer) == ("yes", "no")
    assert any("per team, not per agent" in g for g in ws.system.affected_groups)
    # the German list, asked for by the DPO, was checked before approval: the open point is closed
    assert [a.authority for a in record.screening.authority_lists_checked] == [
        "ICO (UK), Art. 35(4) list (for the UK users)", "DSK (Germany), Art. 35(4) list"]
    assert [(p.closed_on, "DSK" in p.point) for p in record.open_points] == [(dt.date(2026, 11, 13), True)]
    # approved before go-live (Art. 35(1)); zero-retention is one planned measure, described so everywhere
    assert record.sign_off.first_approved_on < ws.system.go_live
    assert record.measure("M-13").status == "planned" and "M-13, requested" in record.necessity["storage_limitation"].answer
    assert "(requested, DPIA M-13)" in flows["F3-rag-to-hosted-api"].retention
    assert "DPIA M-13" in ws.risks["R-0008"].measures[3] and "requested" in ws.risks["R-0008"].measures[3]
    # one residual level per privacy risk: DR-03 and R-0008 are both medium
    assert [r.register_risk for r in record.risks if r.register_risk] == ["R-0013", "R-0008", "R-0009"]
    # the decision changed within Q4; the frozen Q3 snapshot still holds the earlier one
    assert record.screening.decided_at == dt.date(2026, 10, 5) and record.screening.decision == "required"
    q3 = load_snapshot(ws, "2026-Q3").document["records"]["dpia.yaml"]["screening"]
    assert (q3["decision"], q3["decided_at"]) == ("recommended", "2026-02-18")
    assert record.sign_off.date == dt.date(2026, 11, 16) and record.dpo_advice.date == dt.date(2026, 11, 10)
    # evidence is imported after it was collected; pilot steps cite nothing collected after their date
    for item in ws.evidence.values():
        assert item.imported_at.date() >= item.collected_at, item.id
    operations = {s.step: s for s in __import__("rmfkit.ops", fromlist=["x"]).operations_of(ws).pilot}
    for step in operations.values():
        for evidence_id in step.evidence:
            assert ws.evidence[evidence_id].collected_at <= step.date, (step.step, evidence_id)
    assert "not a permissive one" in operations[2].notes
    accepted = ws.risks["R-0002"]
    assert (accepted.accepted_by, accepted.accepted_on, accepted.due) == (
        "A. Novak, Head of Customer Experience", dt.date(2026, 11, 16), dt.date(2027, 2, 15))
    assert accepted.accepted_on >= record.dpo_advice.date
    # R-0003's residual relies only on controls that ran; the checksum check has not
    assert ws.risks["R-0003"].residual_controls == ["supply_chain.sbom"] and ws.risks["R-0003"].residual_score == 8
