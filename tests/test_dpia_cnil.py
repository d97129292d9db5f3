"""CNIL PIA export: the documented import shape exactly (keys, types, reference numbers, gauges 0-4), and
faithful to the record: status from the DPIA state, evaluations from the decision and the DPO advice,
measures with their text, gauges at the residual levels with the levels before measures in the text."""
from __future__ import annotations

import datetime as dt
import html
import json
import re
from pathlib import Path

import pytest

from rmfkit import dpia
from rmfkit.dpia import GAUGE_LABELS
from rmfkit.render.cnil import to_cnil
from rmfkit.workspace import Workspace

SHAPE = json.loads((Path(__file__).parent / "fixtures" / "dpia" / "cnil-shape.json").read_text())
ISO = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
# The evaluation fields the CNIL tool's importer reads (section D2 of the DPIA reference).
EVALUATION_KEYS = ["reference_to", "status", "global_status", "evaluation_comment", "action_plan_comment",
                   "evaluation_date", "estimated_implementation_date", "person_in_charge", "gauges", "created_at"]


def check_type(value, kind: str) -> bool:
    return {"string": isinstance(value, str),
            "int": isinstance(value, int) and not isinstance(value, bool),
            "iso": isinstance(value, str) and bool(ISO.match(value)),
            "int01|null": value in (0, 1, None) and not isinstance(value, bool),
            "bool|null": value is None or isinstance(value, bool)}[kind]


def assert_documented_shape(export: dict) -> None:
    assert list(export) == SHAPE["top_level"]
    assert all(isinstance(export[k], list) for k in SHAPE["top_level"][1:])
    assert set(export["pia"]) == set(SHAPE["pia_fields"])
    for name, kind in SHAPE["pia_fields"].items():
        assert check_type(export["pia"][name], kind), (name, export["pia"][name])
    allowed = set(SHAPE["text_questions"]) | set(SHAPE["list_questions"]) | {int(k) for k in SHAPE["gauge_questions"]}
    refs = [a["reference_to"] for a in export["answers"]]
    assert len(refs) == len(set(refs))
    for item in export["answers"]:
        assert list(item) == SHAPE["answer_keys"] and list(item["data"]) == SHAPE["answer_data_keys"]
        ref, data = item["reference_to"], item["data"]
        assert type(ref) is int and ref in allowed
        assert ISO.match(item["created_at"])
        assert isinstance(data["list"], list) and all(isinstance(x, str) for x in data["list"])
        if ref in SHAPE["text_questions"]:
            assert isinstance(data["text"], str) and data["text"] and data["gauge"] is None and data["list"] == []
        elif ref in SHAPE["list_questions"]:
            assert data["text"] is None and data["gauge"] is None
        else:
            assert type(data["gauge"]) is int and 0 <= data["gauge"] <= 4 and isinstance(data["text"], str)
    for measure in export["measures"]:
        assert list(measure) == SHAPE["measure_keys"]
        assert type(measure["id"]) is int and isinstance(measure["title"], str) and ISO.match(measure["created_at"])
        assert measure["placeholder"] == "measures.default_placeholder"
    titles = {m["title"] for m in export["measures"]}
    for item in export["answers"]:
        if item["reference_to"] in SHAPE["measure_title_questions"]:
            assert set(item["data"]["list"]) <= titles
    for comment in export["comments"]:
        assert set(comment) == set(SHAPE["comment_keys"])
        assert type(comment["reference_to"]) is int and isinstance(comment["for_measure"], bool)
    measure_refs = {f"3.1.{m['id']}" for m in export["measures"]}
    evaluation_refs = [e["reference_to"] for e in export["evaluations"]]
    assert len(evaluation_refs) == len(set(evaluation_refs))
    for evaluation in export["evaluations"]:
        assert list(evaluation) == EVALUATION_KEYS
        ref = evaluation["reference_to"]
        assert ref in ("1.1", "1.2", "3.2", "3.3", "3.4") or ref in measure_refs or re.match(r"^2\.[12]\.2[12]\d$", ref)
        assert evaluation["status"] in (0, 1, 2, 3) and evaluation["global_status"] in (0, 1, 2)
        assert ISO.match(evaluation["evaluation_date"]) and ISO.match(evaluation["created_at"])
        planned = evaluation["estimated_implementation_date"]
        assert planned is None or ISO.match(planned)
        assert all(isinstance(evaluation[k], str) for k in ("evaluation_comment", "action_plan_comment",
                                                            "person_in_charge"))
        if ref in ("3.2", "3.3", "3.4"):
            assert set(evaluation["gauges"]) == {"x", "y"} and all(1 <= v <= 4 for v in evaluation["gauges"].values())
        else:
            assert evaluation["gauges"] is None


def test_example_export_matches_the_documented_shape(example_ws):
    export = to_cnil(Workspace.open(example_ws).current())
    assert_documented_shape(export)
    refs = [a["reference_to"] for a in export["answers"]]
    assert refs == SHAPE["text_questions"] + [321, 322, 323, 324, 325, 326, 331, 332, 333, 334, 335, 336,
                                              341, 342, 343, 344, 345, 346]
    count = len(dpia.load(Workspace.open(example_ws).current()).measures)
    assert count >= 12 and [m["id"] for m in export["measures"]] == list(range(1, count + 1))
    refs = [e["reference_to"] for e in export["evaluations"]]
    assert refs[:2] == ["1.1", "1.2"] and refs[-3:] == ["3.2", "3.3", "3.4"]
    assert [r for r in refs if r.startswith("3.1.")] == [f"3.1.{n}" for n in range(1, count + 1)]
    assert json.loads(json.dumps(export)) == export


def test_example_export_values(example_ws):
    export = to_cnil(Workspace.open(example_ws).current())
    pia = export["pia"]
    assert (pia["name"], pia["category"], pia["status"]) == (
        "Customer Support Assistant (LLM drafting and in-app chat answers)", "AI system", 2)  # approved: validated
    assert (pia["created_at"], pia["updated_at"]) == ("2026-02-18T00:00:00.000Z", "2026-11-16T00:00:00.000Z")
    assert (pia["dpos_names"], pia["dpo_status"], pia["concerned_people_searched_opinion"]) == ("E. Meyer", 1, True)
    assert pia["people_names"] == "Customer advisory board" and pia["concerned_people_status"] == 1
    answers = {a["reference_to"]: a["data"] for a in export["answers"]}
    # Each feared event folds its risks: the highest residual severity and likelihood (not the inherent 3/3).
    record = dpia.load(Workspace.open(example_ws).current())
    for event, base in (("illegitimate_access", 320), ("unwanted_modification", 330), ("disappearance", 340)):
        folded = [r for r in record.risks if r.feared_event == event]
        assert all(r.residual_severity is not None for r in folded)
        assert answers[base + 5]["gauge"] == max(r.residual_severity for r in folded)
        assert answers[base + 6]["gauge"] == max(r.residual_likelihood for r in folded)
        for r in folded:
            assert (f"{r.id} {html.escape(r.title)}: {r.residual_severity} ({GAUGE_LABELS[r.residual_severity]}) "
                    f"after measures; {r.severity} ({GAUGE_LABELS[r.severity]}) before measures.") \
                in answers[base + 5]["text"]
    assert (answers[325]["gauge"], answers[326]["gauge"]) != (3, 3)  # the inherent worst case of illegitimate access
    assert answers[323]["list"] == ["External user of the chat", "Internal staff", "External attacker",
                                    "Model API provider", "Third-country public authorities"]
    assert answers[344]["list"] == []
    assert answers[324]["list"][:2] == ["Output filter for personal data not present in the conversation",
                                        "Red-team suite with injection and extraction prompts before each release"][::-1]
    assert "Standard Contractual Clauses (2021/914), module 2; transfer impact assessment TIA-2026-10" in answers[227]["text"]
    assert answers[212]["text"].count("6(1)(f) legitimate interests") == 4
    # Rights and fairness risks have no native slot: they are described in the closest principle's answer.
    assert "Risk DR-05 Wrong statements about a customer&#x27;s account or a named person" in answers[214]["text"]
    assert "Risk DR-10 Data subjects cannot exercise rights" in answers[225]["text"]
    assert "Risk DR-04 Inference of sensitive attributes" in answers[213]["text"]
    assert "&#x27;" in pia["dpo_opinion"] and "'" not in pia["dpo_opinion"]


def test_minimal_record_exports_all_keys_and_no_empty_answers(tmp_path):
    ws = Workspace.create(tmp_path / "ws", system_id="demo", name="Demo <AI>", owner="o")
    with ws.edit():
        ws.put("dpia.yaml", dpia.draft(ws.system, today=dt.date(2026, 11, 29)))
    export = to_cnil(Workspace.open(tmp_path / "ws").current())
    assert_documented_shape(export)
    assert export["pia"]["name"] == "Demo <AI>"
    assert export["pia"]["updated_at"] == export["pia"]["created_at"] == "2026-11-29T00:00:00.000Z"
    assert (export["pia"]["dpo_status"], export["pia"]["concerned_people_searched_opinion"]) == (None, None)
    assert [a["reference_to"] for a in export["answers"]] == [111]  # no components, flows or answers yet
    assert "<p>Demo &lt;AI&gt;</p>" in export["answers"][0]["data"]["text"]
    assert export["measures"] == [] and export["evaluations"] == [] and len(export["comments"]) == 1
    assert export["pia"]["status"] == 0  # a draft is "in progress"; the evaluation is left to the tool


def test_cli_export_to_file_and_bad_format(example_ws, run_cli, tmp_path):
    out = tmp_path / "pia.json"
    code, stdout, err = run_cli("dpia", "export", "--format", "cnil", "--out", out, "-w", example_ws)
    assert code == 0, err
    export = to_cnil(Workspace.open(example_ws).current())
    assert stdout.strip() == f"Wrote {out} ({len(export['answers'])} answers, {len(export['measures'])} measures)"
    assert json.loads(out.read_text()) == export
    code, stdout, _ = run_cli("dpia", "export", "--format", "cnil", "-w", example_ws)
    assert code == 0 and json.loads(stdout)["pia"]["status"] == 2
    code, _, err = run_cli("dpia", "export", "--format", "pdf", "-w", example_ws)
    assert code == 2 and "--format 'pdf' is not supported" in err
    code, _, err = run_cli("dpia", "export", "--format", "cnil", "--out", tmp_path, "-w", example_ws)
    assert code == 2 and "is a directory" in err


def test_export_without_dpia_is_a_clear_error(tmp_path, run_cli):
    Workspace.create(tmp_path / "ws", system_id="demo", name="Demo", owner="o")
    code, _, err = run_cli("dpia", "export", "--format", "cnil", "-w", tmp_path / "ws")
    assert code == 2
    assert err.strip() == "error: dpia.yaml: no DPIA recorded yet (start one with `rmfkit dpia init`)"


@pytest.mark.parametrize("feared_event, section", [("illegitimate_access", 32), ("unwanted_modification", 33),
                                                    ("disappearance", 34)])
def test_each_feared_event_lands_on_its_cnil_item(tmp_path, feared_event, section):
    ws = Workspace.create(tmp_path / "ws", system_id="demo", name="Demo", owner="o")
    record = dpia.Dpia.model_validate({
        "dpia_id": "DPIA-demo", "created_at": "2026-11-01",
        "measures": [{"id": "M-01", "title": "Backups"}],
        "risks": [{"id": "DR-01", "title": "Risk", "feared_event": feared_event, "impacts": ["i"], "threats": ["t"],
                   "sources": ["s"], "severity": 4, "severity_justification": "why s", "likelihood": 1,
                   "likelihood_justification": "why l", "measures": ["M-01"]}]})
    with ws.edit():
        ws.put("dpia.yaml", record)
    answers = {a["reference_to"]: a["data"] for a in to_cnil(Workspace.open(tmp_path / "ws").current())["answers"]}
    base = section * 10
    assert [answers[base + k]["list"] for k in (1, 2, 3, 4)] == [["i"], ["t"], ["s"], ["Backups"]]
    assert (answers[base + 5]["gauge"], answers[base + 6]["gauge"]) == (4, 1)
    assert answers[base + 5]["text"] == "<p>DR-01 Risk: 4 (Maximum), no residual level recorded. why s</p>"
    assert sorted(r for r in answers if r > 300) == [base + k for k in range(1, 7)]


def test_example_measures_carry_their_text(example_ws):
    record = dpia.load(Workspace.open(example_ws).current())
    export = to_cnil(Workspace.open(example_ws).current())
    assert [m["title"] for m in export["measures"]] == [m.title for m in record.measures]
    for measure, content in zip(record.measures, (m["content"] for m in export["measures"])):
        assert content.startswith(f"<p>{measure.id} {html.escape(measure.title)}.</p>")
        if measure.description:
            assert f"<p>{html.escape(measure.description)}</p>" in content
        assert f"<li>Type: {measure.type.replace('_', ' ')}</li><li>Status: {measure.status}</li>" in content
        assert (f"<li>Owner: {html.escape(measure.owner)}</li>" in content) == bool(measure.owner)
        assert (f"<li>Due: {measure.due}</li>" in content) == bool(measure.due)
        for risk in (r for r in record.risks if measure.id in r.measures):
            assert f"{risk.id} {html.escape(risk.title)}" in content
    described = next(m for m in export["measures"] if "Art. 28 DPA including 28(3)(f) assistance" in m["content"])
    assert "<li>Type: legal</li><li>Status: existing</li><li>Owner: DPO (E. Meyer)</li>" in described["content"]


def test_example_evaluations_carry_the_decision_and_the_dpo_advice(example_ws):
    record = dpia.load(Workspace.open(example_ws).current())
    export = to_cnil(Workspace.open(example_ws).current())
    evaluations = {e["reference_to"]: e for e in export["evaluations"]}
    context = evaluations["1.1"]
    assert record.status == "approved" and (context["status"], context["global_status"]) == (3, 2)
    assert context["evaluation_date"] == f"{record.sign_off.date}T00:00:00.000Z"
    advice = record.dpo_advice
    assert context["evaluation_comment"] == (
        f"<p>DPIA approved by {record.approver} on {record.sign_off.date}.</p>"
        f"<p>DPO advice of {advice.date} ({advice.name}): proceed with conditions.</p>")
    access = evaluations["3.2"]  # residual gauges; planned measures leave the item improvable, with a plan
    folded = [r for r in record.risks if r.feared_event == "illegitimate_access"]
    assert access["gauges"] == {"x": max(r.residual_severity for r in folded),
                                "y": max(r.residual_likelihood for r in folded)}
    pending = {m.id: m for r in folded for m in map(record.measure, r.measures) if m and m.status != "existing"}
    assert pending and access["status"] == 2
    assert access["estimated_implementation_date"] == f"{max(m.due for m in pending.values() if m.due)}T00:00:00.000Z"
    assert all(f"{m.id} {html.escape(m.title)}: {m.status}" in access["action_plan_comment"] for m in pending.values())
    assert access["evaluation_comment"].startswith(context["evaluation_comment"])
    ids = {m["title"]: m["id"] for m in export["measures"]}
    for measure in record.measures:
        evaluation = evaluations[f"3.1.{ids[measure.title]}"]
        assert evaluation["status"] == (3 if measure.status == "existing" else 2)
        assert evaluation["person_in_charge"] == ("" if measure.status == "existing" else (measure.owner or ""))
    assert evaluations["2.1.215"]["status"] == 2 and "M-03" in evaluations["2.1.215"]["action_plan_comment"]


@pytest.mark.parametrize("state, status, evaluated", [("draft", 0, False), ("in_review", 0, False),
                                                      ("approved", 2, True), ("rejected", 1, True)])
def test_status_and_evaluations_follow_the_dpia_state(tmp_path, state, status, evaluated):
    ws = Workspace.create(tmp_path / "ws", system_id="demo", name="Demo", owner="o")
    record = dpia.Dpia.model_validate({
        "dpia_id": "DPIA-demo", "status": state, "created_at": "2026-11-01", "approver": "C. Lead",
        "sign_off": {"date": "2026-11-20"},
        "measures": [{"id": "M-01", "title": "Backups", "status": "planned", "due": "2027-01-10", "owner": "Ops"}],
        "risks": [{"id": "DR-01", "title": "Loss", "feared_event": "disappearance", "severity": 3,
                   "severity_justification": "s", "likelihood": 3, "likelihood_justification": "l",
                   "measures": ["M-01"], "residual_severity": 2, "residual_likelihood": 1,
                   "residual_justification": "restored from backups"}]})
    with ws.edit():
        ws.put("dpia.yaml", record)
    export = to_cnil(Workspace.open(tmp_path / "ws").current())
    assert_documented_shape(export)
    answers = {a["reference_to"]: a["data"] for a in export["answers"]}
    assert export["pia"]["status"] == status
    assert (answers[345]["gauge"], answers[346]["gauge"]) == (2, 1)
    assert answers[345]["text"] == "<p>DR-01 Loss: 2 (Limited) after measures; 3 (Important) before measures. s " \
                                   "restored from backups</p>"
    evaluations = {e["reference_to"]: e for e in export["evaluations"]}
    if not evaluated:
        assert evaluations == {}
        return
    assert set(evaluations) == {"1.1", "1.2", "3.1.1", "3.4"}
    assert evaluations["3.4"]["gauges"] == {"x": 2, "y": 1}
    assert evaluations["1.1"]["evaluation_comment"] == f"<p>DPIA {state} by C. Lead on 2026-11-20.</p>"
    assert evaluations["3.4"]["status"] == (2 if state == "approved" else 1)
    assert evaluations["3.1.1"]["estimated_implementation_date"] == "2027-01-10T00:00:00.000Z"
