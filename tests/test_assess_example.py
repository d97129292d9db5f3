"""The shipped example shows every state of the assessment: met with evidence, partially met, not applicable
with a justification, unsupported because its evidence expired, a failing metric, and targets with dates."""
from __future__ import annotations

import datetime as dt

import pytest

from rmfkit import measure
from rmfkit.assess import assess
from rmfkit.workspace import Workspace

TODAY = dt.date(2026, 12, 1)


@pytest.fixture
def ws(example_ws) -> Workspace:
    return Workspace.open(example_ws)


def test_example_mapping_shows_every_state(ws):
    result = assess(ws, TODAY)
    supported = result.row("MEASURE 2.3")
    assert (supported["effective_status"], supported["supported"]) == ("met", True)
    assert supported["evidence"] == ["eval-task-support-tickets-2026-10", "eval-lmeval-llama31-8b-instruct-2026-10"]
    assert result.row("MEASURE 2.7")["reason"] == "supported by redteam-garak-support-assistant-2026-10"
    assert result.row("MAP 4.1")["effective_status"] == "partially_met" and result.row("MAP 4.1")["supported"]
    not_applicable = result.row("MEASURE 2.12")
    assert not_applicable["effective_status"] == "not_applicable"
    assert not_applicable["reason"].startswith("No model training happens in this system")

    assert [u["id"] for u in result.unsupported] == ["MEASURE 2.6"]
    assert result.unsupported[0]["reason"] == ("marked met, but none of its evidence is usable: "
                                               "redteam-promptfoo-support-assistant-2026-05 expired on 2026-10-31")
    measure_row = next(r for r in result.coverage if r["function"] == "MEASURE")
    assert (measure_row["met"], measure_row["recorded_met"], measure_row["unsupported"]) == (2, 3, 1)


def test_example_target_profile_has_dates(ws):
    result = assess(ws, TODAY)
    dated = [g for g in result.gaps if g["target_date"]]
    assert len(dated) == 11 and all(g["target_date"] > TODAY for g in dated)
    assert {p["function"]: p["next_target_date"] for p in result.profile} == {
        "GOVERN": dt.date(2027, 1, 15), "MAP": dt.date(2027, 1, 15), "MEASURE": dt.date(2027, 2, 28),
        "MANAGE": dt.date(2027, 1, 31)}
    assert ("MEASURE 2.6", "unsupported", "met", None) in [
        (g["id"], g["current"], g["target"], g["target_date"]) for g in result.gaps]


def test_example_measurement_has_a_failing_metric_and_unmeasured_characteristics(ws):
    rows = {r["id"]: r for r in measure.evaluate(ws, TODAY)}
    failing = rows["answer-accuracy-integrations"]
    assert (failing["outcome"], failing["value"], failing["slice"], failing["n"]) == ("fail", 0.7583333333333333,
                                                                                    "integrations", 120)
    assert failing["evidence"] == "eval-task-support-tickets-2026-10" and failing["example_data"] is True
    assert rows["answer-accuracy"]["slice"] is None and rows["answer-accuracy"]["value"] == 0.85
    assert rows["prompt-injection"]["within_tolerance"] is True
    assert rows["pii-leak-rate"]["outcome"] == "pass" and rows["pii-leak-rate"]["direction"] == "lower_is_better"
    assert [r for r in rows if rows[r]["outcome"] == "not_measured"] == ["p95-latency", "language-accuracy-gap"]
    assert measure.summary(list(rows.values()))["characteristics_not_measured"] == [
        "Accountable and transparent", "Explainable and interpretable", "Fair, with harmful bias managed"]


def test_example_validates(ws):
    assert [str(p) for p in ws.validate()] == []
