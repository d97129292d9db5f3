"""DPIA: screening decisions, prefill from data flows, risk levels and prior consultation, completeness."""
from __future__ import annotations

import rmfkit
import datetime as dt
import hashlib
import shutil
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rmfkit import dpia, dpia_assessment
from rmfkit.analysis import of_workspace
from rmfkit.dpia_assessment import completeness
from rmfkit.views import status
from rmfkit.models.dpia import CRITERIA, Dpia
from rmfkit.models.system import SystemProfile
from rmfkit.workspace import Workspace

FIXTURES = Path(__file__).parent / "fixtures" / "dpia"


def system(*, generative=False, personal=False, special=False, mau=None, automated=False, groups=(),
           region="EU", mechanism=None, processor=None) -> SystemProfile:
    """A constructed system profile: one data flow whose content the flags decide."""
    flow = {"id": "F1", "description": "requests", "data": "messages", "source": "users", "destination": "svc",
            "region": region, "personal_data": ["contact details"] if personal else [],
            "special_category_data": special, "data_subjects": ["customers"] if personal else [],
            "processor": processor, "transfer_mechanism": mechanism, "retention": "30 days"}
    return SystemProfile.model_validate({
        "id": "demo", "name": "Demo", "owner": "o", "purpose": "p", "deployment_pattern": "self_hosted",
        "generative": generative, "automated_decisions": automated, "affected_groups": list(groups),
        "intended_use": {"expected_monthly_active_users": mau},
        "components": [{"id": "svc", "name": "Service", "layer": "tooling"}], "data_flows": [flow]})


def record(**data) -> Dpia:
    return Dpia.model_validate({"dpia_id": "DPIA-demo", **data})


def answer(value: str) -> dict:
    return {"answer": value, "rationale": f"recorded {value}"}


# ---------------------------------------------------------------- screening decisions

def test_no_criterion_means_not_required():
    result = dpia.screen(system(), None)
    assert result.criteria_met == [] and result.unsure == []
    assert result.rule_decision == "not_required"
    assert result.reasons == ["No trigger, no authority-list match and no criterion met."]
    c2 = next(c for c in result.criteria if c["id"] == "C2")
    assert c2 == {"id": "C2", "title": "Automated decision-making with legal or similar significant effect",
                  "answer": "no", "rationale": "system.yaml: automated_decisions is false.", "evidence": [],
                  "source": "prefilled"}


def test_one_criterion_means_recommended():
    result = dpia.screen(system(generative=True), None)
    assert result.criteria_met == ["C8"]
    assert result.rule_decision == "recommended"
    assert result.reasons == ["One criterion is met (C8): a DPIA may still be required; the controller judges."]


def test_two_or_more_criteria_mean_required():
    result = dpia.screen(system(generative=True, personal=True, mau=40_000), None)
    assert result.criteria_met == ["C5", "C8"]
    assert result.unsure == ["C4"]
    assert result.rule_decision == "required"
    assert result.reasons[0].startswith("2 of the nine WP248 criteria are met (C5, C8)")


def test_an_unsure_answer_alone_recommends_a_dpia():
    result = dpia.screen(system(personal=True, mau=500), None)
    assert result.criteria_met == [] and result.unsure == ["C5"]
    assert result.rule_decision == "recommended"


def test_art_35_3_trigger_requires_a_dpia_with_no_criteria():
    result = dpia.screen(system(), record(screening={"art35_3": {"c": answer("yes")}}))
    assert result.criteria_met == []
    assert result.rule_decision == "required"
    assert result.reasons[0] == "Art. 35(3)(c) applies: a DPIA is always required."


def test_special_category_data_at_large_scale_prefills_trigger_b():
    result = dpia.screen(system(personal=True, special=True, mau=50_000), None)
    trigger_b = next(t for t in result.triggers if t["id"] == "b")
    assert (trigger_b["answer"], trigger_b["source"]) == ("yes", "prefilled")
    assert result.rule_decision == "required"


def test_authority_list_match_requires_a_dpia():
    result = dpia.screen(system(), record(screening={"authority_lists_checked": [
        {"authority": "ICO", "matched_item": "Innovative technology combined with a criterion"}]}))
    assert result.rule_decision == "required"
    assert result.authority_matches == ["ICO: Innovative technology combined with a criterion"]


def test_recorded_answers_override_the_prefill():
    result = dpia.screen(system(generative=True), record(screening={"criteria": {"C8": answer("no")}}))
    c8 = next(c for c in result.criteria if c["id"] == "C8")
    assert (c8["answer"], c8["source"], c8["rationale"]) == ("no", "recorded", "recorded no")
    assert result.rule_decision == "not_required"


def test_exemption_gives_not_required_unless_a_trigger_applies():
    exempt = {"exemption": {"type": "35(10)", "reference": "Act on X, impact assessment 2019"}}
    result = dpia.screen(system(generative=True), record(screening=exempt))
    assert result.rule_decision == "not_required"
    assert result.reasons[0] == "Exemption recorded: 35(10) (Act on X, impact assessment 2019)."
    triggered = dpia.screen(system(), record(screening={**exempt, "art35_3": {"a": answer("yes")}}))
    assert triggered.rule_decision == "required"


def test_not_required_with_criteria_met_needs_reasons_and_dpo_advice():
    screening = {"criteria": {"C8": answer("yes")}, "decision": "not_required"}
    findings = dpia.screen(system(generative=True), record(screening=screening)).findings
    assert "The recorded decision has no decision_rationale." in findings
    assert ("'not_required' with criteria met (C8) needs a decision_rationale and DPO advice before it can be "
            "final.") in findings
    assert ("Recorded decision 'not_required' departs from the rule ('recommended'): document the reasons and the "
            "DPO's view.") in findings
    advised = record(screening={**screening, "decision_rationale": "Internal tool, no personal data in outputs"},
                     dpo_advice={"name": "DPO", "date": "2026-05-01", "advice": "Agree", "recommendation": "proceed"})
    findings = dpia.screen(system(generative=True), advised).findings
    assert not any("needs a decision_rationale and DPO advice" in f for f in findings)


@settings(max_examples=80, deadline=None)
@given(st.dictionaries(st.sampled_from(sorted(CRITERIA)), st.sampled_from(["yes", "no", "unsure"]), max_size=9),
       st.sampled_from(sorted(CRITERIA)))
def test_answering_yes_never_weakens_the_decision(answers, extra):
    strength = {"not_required": 0, "recommended": 1, "required": 2}
    base = dpia.screen(system(), record(screening={"criteria": {k: answer(v) for k, v in answers.items()}}))
    more = dpia.screen(system(), record(screening={"criteria": {**{k: answer(v) for k, v in answers.items()},
                                                                extra: answer("yes")}}))
    assert strength[more.rule_decision] >= strength[base.rule_decision]
    met = sum(1 for v in answers.values() if v == "yes")
    assert (base.rule_decision == "required") == (met >= 2)


def test_prefill_of_the_example_system(example_ws):
    ws = Workspace.open(example_ws)
    prefill = dpia.prefill_screening(ws.system)["criteria"]
    assert {k: v["answer"] for k, v in prefill.items()} == {"C2": "no", "C4": "unsure", "C5": "yes", "C7": "unsure",
                                                           "C8": "yes"}
    assert prefill["C5"]["rationale"].startswith("About 40,000 expected monthly active users")


# ---------------------------------------------------------------- systematic description

def test_us_hosted_processor_is_a_transfer_needing_a_mechanism(example_ws):
    prefill = dpia.prefill_description(Workspace.open(example_ws).system)
    assert prefill["international_transfers"] == [{
        "importer": "US LLM provider (example)", "country": "US",
        "mechanism": "Standard Contractual Clauses (2021/914), module 2, with transfer impact assessment",
        "data_flow": "F3-rag-to-hosted-api", "needs_mechanism": True, "mechanism_recorded": True}]
    assert prefill["processors"] == [{"name": "US LLM provider (example)",
                                      "service": "Hosted long-context LLM API (US provider)", "location": "US",
                                      "data_flows": ["F3-rag-to-hosted-api"]}]
    assert prefill["data_subjects"] == ["customers' employees", "end users of customers", "support agents"]
    names = [c["name"] for c in prefill["data_categories"]]
    assert names == ["contact details", "account identifiers", "free-text content of messages",
                     "pseudonymised account identifiers", "pseudonymised agent identifiers"]
    # identifiers are redacted before the fallback call: only the free text reaches the US provider
    assert prefill["data_categories"][1]["recipients"] == ["Support RAG service (in-house)"]
    assert prefill["data_categories"][2]["recipients"] == ["Support RAG service (in-house)", "vLLM inference server",
                                                           "US LLM provider (example)"]


def test_transfer_without_mechanism_is_flagged_and_asked():
    profile = system(personal=True, region="US", processor="Acme API Inc.")
    transfer = dpia.prefill_description(profile)["international_transfers"][0]
    assert (transfer["country"], transfer["mechanism"], transfer["mechanism_recorded"]) == ("US", None, False)
    asks = [a["question"] for a in completeness(profile, record(screening={"decision": "required"}))]
    assert ("Data flow F1 sends personal data to Acme API Inc. in US: record the transfer and its mechanism "
            "(Chapter V).") in asks
    recorded = record(screening={"decision": "required"},
                      description={"international_transfers": [{"importer": "Acme API Inc.", "country": "US",
                                                                  "data_flow": "F1"}]})
    asks = [a for a in completeness(profile, recorded) if a["section"] == "description"]
    assert {"section": "description", "field": "description.international_transfers.0.mechanism",
            "question": "Which Chapter V mechanism covers the transfer to Acme API Inc. (US)?"} in asks


def test_draft_from_system_is_valid_and_prefilled(example_ws):
    ws = Workspace.open(example_ws)
    draft = dpia.draft(ws.system, today=dt.date(2026, 11, 29))
    assert draft.status == "draft" and draft.screening.decision is None
    assert draft.screening.criteria == {} and draft.screening.art35_3 == {}
    assert dpia.screen(ws.system, draft).criteria_met == ["C5", "C8"]
    assert [(t.importer, t.country, t.data_flow) for t in draft.description.international_transfers] == [
        ("US LLM provider (example)", "US", "F3-rag-to-hosted-api")]
    assert Dpia.model_validate(draft.model_dump()) == draft


# ---------------------------------------------------------------- risk levels and prior consultation

def test_risk_level_matrix_matches_the_reference():
    expected = {4: ["medium", "high", "high", "high"], 3: ["low", "medium", "high", "high"],
                2: ["low", "low", "medium", "medium"], 1: ["low", "low", "low", "low"]}
    assert {s: [dpia.risk_level(s, l) for l in range(1, 5)] for s in range(4, 0, -1)} == expected
    assert dpia.risk_level(2, 4, large_scale=True) == "high"


def dpia_risk(**changes) -> dict:
    return {"id": "DR-01", "title": "Prompts sent abroad", "feared_event": "illegitimate_access", "severity": 3,
            "severity_justification": "private details", "likelihood": 3, "likelihood_justification": "daily",
            **changes}


def test_prior_consultation_when_a_residual_risk_stays_high():
    high = record(risks=[dpia_risk(residual_severity=4, residual_likelihood=2, residual_justification="little helps")])
    rows = dpia.risk_rows(high, is_large_scale=False)
    assert (rows[0]["inherent_level"], rows[0]["residual_level"]) == ("high", "high")
    assert dpia.prior_consultation_required(rows) is True
    asks = completeness(system(), high.model_copy(update={"screening": high.screening.model_copy(
        update={"decision": "required"})}))
    assert {"section": "outcome", "field": "prior_consultation",
            "question": "A residual risk stays high: consult the supervisory authority before processing "
                        "(Art. 36(1)), or add measures."} in asks
    reduced = record(risks=[dpia_risk(residual_severity=2, residual_likelihood=2, residual_justification="redaction")])
    assert dpia.prior_consultation_required(dpia.risk_rows(reduced, is_large_scale=False)) is False


def test_unrated_residual_counts_as_inherent_and_large_scale_lifts_limited_x_maximum():
    unrated = record(risks=[dpia_risk()])
    assert dpia.prior_consultation_required(dpia.risk_rows(unrated, is_large_scale=False)) is True
    edge = record(risks=[dpia_risk(severity=2, likelihood=4)])
    assert dpia.risk_rows(edge, is_large_scale=False)[0]["inherent_level"] == "medium"
    assert dpia.risk_rows(edge, is_large_scale=True)[0]["inherent_level"] == "high"


# ---------------------------------------------------------------- completeness

def test_example_dpia_is_complete_and_its_status(example_ws, monkeypatch):
    monkeypatch.setenv("RMFKIT_TODAY", "2026-11-29")
    ws = Workspace.open(example_ws)
    assert completeness(ws.system, dpia.load(ws)) == []
    assert status.dpia(of_workspace(ws)) == {"state": "approved", "decision": "required", "criteria_met": 4, "risks": 10,
                                             "residual_high": 0, "prior_consultation_required": False,
                                             "open_questions": 0}
    monkeypatch.setenv("RMFKIT_TODAY", "2027-03-01")
    assert completeness(ws.system, dpia.load(ws)) == [
        {"section": "outcome", "field": "next_review_due", "question": "The review was due on 2027-02-15."}]


def test_what_a_dpo_still_asks_of_a_fresh_draft(example_ws):
    ws = Workspace.open(example_ws)
    draft = dpia.draft(ws.system, today=dt.date(2026, 11, 29))
    asks = completeness(ws.system, draft)
    fields = [a["field"] for a in asks]
    assert fields.count("screening") == 4
    assert asks[0]["question"] == "Not answered yet: a, b, c, C1, C3, C6, C9."
    assert asks[1]["question"] == "Prefilled from system.yaml, to confirm and record: C2, C4, C5, C7, C8."
    assert asks[2]["question"] == "Record which supervisory authority lists (Art. 35(4)) were checked."
    assert asks[3]["question"] == "No decision recorded yet; the rule gives 'required'."
    assert "description.purposes" in fields
    assert "description.processors.0.dpa_signed" in fields
    assert "description.international_transfers.0.mechanism" not in fields  # SCCs come from the data flow
    assert next(a["question"] for a in asks if a["field"] == "description.international_transfers.0.tia_ref") == (
        "Where is the transfer impact assessment for US LLM provider (example) (US)?")
    assert sum(1 for f in fields if f.startswith("necessity.")) == 15
    risk_questions = [a["question"] for a in asks if a["section"] == "risks"]
    assert risk_questions == [
        "Which risks to data subjects' rights and freedoms were identified and rated?",
        "AI-specific risk R02 (Memorisation / extraction of training data) is not assessed.",
        "AI-specific risk R03 (Inference of sensitive attributes / unintended profiling) is not assessed.",
        "AI-specific risk R04 (Prompts with personal data sent to a hosted model API) is not assessed.",
        "AI-specific risk R05 (Logging and retention of prompts, outputs and traces) is not assessed."]
    assert [a["field"] for a in asks[-5:]] == ["dpo", "dpo_advice", "data_subject_views", "sign_off",
                                              "next_review_due"]


def test_no_dpia_record_asks_for_one():
    assert completeness(system(), None) == [
        {"section": "dpia", "field": "dpia.yaml",
         "question": "No DPIA record yet: run the screening and record the decision (`rmfkit dpia screen`)."}]


# ---------------------------------------------------------------- bad input

def snapshot(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file() and ".rmfkit" not in p.name}


@pytest.mark.parametrize("fixture, line, field, text", [
    ("unknown-criterion.yaml", 9, "screening.criteria.C10.[key]", "'C10' is not one of C1, C2, C3"),
    ("severity-out-of-scale.yaml", 8, "risks.0.severity", "must be at most 4 (got 5)"),
    ("missing-justification.yaml", 6, "screening.criteria.C5.rationale", "required field is missing"),
])
def test_bad_dpia_file_names_file_line_and_field(example_ws, run_cli, fixture, line, field, text):
    shutil.copy(FIXTURES / fixture, example_ws / "dpia.yaml")
    before = snapshot(example_ws)
    code, _, err = run_cli("validate", "-w", example_ws)
    assert code == 3
    first = err.splitlines()[0]
    assert first.startswith(f"dpia.yaml line {line}: {field}: ")
    assert text in first
    for command in (("dpia", "screen"), ("dpia", "export", "--format", "cnil")):
        code, _, err = run_cli(*command, "-w", example_ws)
        assert code == 3 and err.startswith("dpia.yaml line")
    assert snapshot(example_ws) == before


def test_reference_checks_catch_unknown_ids(example_ws, run_cli):
    path = example_ws / "dpia.yaml"
    text = path.read_text()
    text = text.replace("    measures: [M-08, M-12]\n", "    measures: [M-08, M-99]\n", 1)
    text = text.replace("    register_risk: R-0013\n", "    register_risk: R-0999\n", 1)
    text = text.replace("      data_flow: F3-rag-to-hosted-api\n", "      data_flow: F9-nowhere\n", 1)
    path.write_text(text)
    code, _, err = run_cli("validate", "-w", example_ws)
    assert code == 3
    lines = [l for l in err.splitlines() if l.startswith("dpia.yaml")]
    assert any("risks.DR-01.measures: measure 'M-99' is not in measures" in l for l in lines)
    assert any("risks.DR-02.register_risk: risk 'R-0999' is not in risks/" in l for l in lines)
    assert any("description.international_transfers.data_flow: data flow 'F9-nowhere' is not in system.yaml" in l
               for l in lines)


# ---------------------------------------------------------------- CLI and views

def test_dpia_init_and_screen_on_a_new_workspace(tmp_path, run_cli):
    root = tmp_path / "ws"
    Workspace.create(root, system_id="demo", name="Demo", owner="o")
    code, out, _ = run_cli("dpia", "screen", "--json", "-w", root)
    assert code == 0
    import json

    result = json.loads(out)
    assert (result["rule_decision"], result["recorded_decision"], result["criteria_met"]) == ("recommended", None,
                                                                                             ["C8"])
    code, out, _ = run_cli("dpia", "init", "-w", root)
    assert code == 0 and (root / "dpia.yaml").is_file()
    assert rmfkit.validate(Workspace.open(root)) == []
    code, _, err = run_cli("dpia", "init", "-w", root)
    assert code == 2 and "dpia.yaml already exists" in err
    code, out, _ = run_cli("dpia", "check", "--json", "-w", root)
    assert code == 0 and json.loads(out)[0]["section"] == "screening"


def test_view_for_the_packet(example_ws):
    ws = Workspace.open(example_ws)
    view = dpia_assessment.view(ws)
    assert view["recorded"] is True and view["dpia_id"] == "DPIA-support-assistant" and view["example_data"] is True
    assert view["screening"]["decision"] == "required"
    assert view["screening"]["decided_at"] == "2026-10-05"
    assert [n["key"] for n in view["necessity"]][:3] == ["purpose_specification", "lawful_basis", "minimisation"]
    assert len(view["necessity"]) == 15 and all(n["answer"] for n in view["necessity"])
    assert [r["id"] for r in view["risks"]] == [f"DR-{i:02d}" for i in range(1, 11)]
    dr3 = view["risks"][2]
    assert (dr3["inherent_level"], dr3["residual_level"], dr3["measures"][0]["title"]) == (
        "high", "medium", "Redaction of contact details and account identifiers before the fallback call")
    assert (dr3["register_risk"], dr3["approved_by"]) == ("R-0008", "A. Novak, Head of Customer Experience")
    assert view["prior_consultation_required"] is False and view["completeness"] == []
    assert view["scale"]["severity"] == {"1": "Negligible", "2": "Limited", "3": "Important", "4": "Maximum"}
    import json

    assert json.loads(json.dumps(view)) == view


def test_rmf_suggestions_name_the_four_subcategories(example_ws):
    ws = Workspace.open(example_ws)
    suggested = dict(dpia.rmf_suggestions(ws))
    not_met = [s for s in dpia.RMF_LINKS if ws.assessment(s).status != "met"]
    assert list(suggested) == not_met
    with ws.edit():
        for sub in dpia.RMF_LINKS:
            ws.set_assessment(sub, status="partially_met")
    suggested = dict(dpia.rmf_suggestions(Workspace.open(example_ws)))
    assert list(suggested) == ["GOVERN 1.1", "MAP 1.1", "MAP 5.1", "MEASURE 2.10"]
    assert suggested["GOVERN 1.1"].startswith("GDPR Art. 35 screening recorded (decision 'required')")
    assert suggested["MEASURE 2.10"] == ("Privacy risks examined and documented in the DPIA: 10 risks, 13 measures "
                                         "with residual risk.")


def test_status_shows_not_recorded_without_dpia(tmp_path):
    ws = Workspace.create(tmp_path / "ws", system_id="demo", name="Demo", owner="o")
    from rmfkit.analysis import of_workspace
    from rmfkit.views.status import status_summary

    summary = status_summary(of_workspace(ws))
    assert summary["dpia"] is None and summary["risks"] is None


def test_packet_dpia_section_names_what_is_missing(example_ws, monkeypatch):
    import re

    from rmfkit.render.html import render_packet_html
    from rmfkit.views.packet import packet_view

    monkeypatch.setenv("RMFKIT_TODAY", "2026-11-29")
    path = example_ws / "dpia.yaml"
    text = path.read_text("utf-8")
    path.write_text(text[:text.index("dpo_advice:")] + "data_subject_views:\n  sought: false\n  reasons_if_not_sought: "
                    "B2B users reached only through their employers; the customer advisory board is planned for Q1.\n",
                    encoding="utf-8")
    ws = Workspace.open(example_ws)
    html = render_packet_html(packet_view(ws.current(), of_workspace(ws)), workspace_root=ws.root)
    section = " ".join(re.sub(r"<[^>]+>", " ", html[html.index('id="s-dpia"'):html.index('id="s-operations"')]).split())
    assert "Not recorded: the DPO's advice and whether it was followed (dpia.yaml, dpo_advice)." in section
    assert ("Not sought, because: B2B users reached only through their employers; the customer advisory board is "
            "planned for Q1.") in section
    assert "Measures approved by not recorded Residual risks approved by not recorded Date not recorded" in section
    assert "2 questions are still open in the completeness check" in section
    for question in ("What did the DPO advise (Art. 35(2)), and was it followed?",
                     "Who approved the measures and the residual risks, and when?"):
        assert question in section


def test_special_category_follows_the_data_category_not_the_flow_it_travels_in():
    """Contact details travelling with health data stay ordinary personal data in the DPIA's prefill."""
    from rmfkit.dpia import prefill_description

    system = SystemProfile.model_validate({
        "id": "s", "name": "S", "owner": "o", "purpose": "p", "deployment_pattern": "self_hosted",
        "components": [{"id": "m", "name": "M", "layer": "weights", "license": "mit"}],
        "data_categories": [{"id": "contact", "name": "Contact details"},
                            {"id": "health", "name": "Health details", "special_category": True}],
        "data_flows": [{"id": "F1", "description": "claims", "data": "claims", "personal_data": ["contact", "health"],
                        "source": "app", "destination": "m"}]})
    categories = {c["name"]: c["special_category"] for c in prefill_description(system)["data_categories"]}
    assert categories == {"Contact details": False, "Health details": True}
