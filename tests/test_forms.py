"""Forms and the documented calls behind them: a save goes through the workspace's rules, a refused save
names the field and writes nothing, the static echo shows the values, live views redraw after a save."""
from __future__ import annotations

import hashlib

import pytest

import rmfkit
from rmfkit.notebook import (checklist_form, component_form, data_category_form, data_flow_form, decision_form,
                             profile_form, risk_form, screening_form, start_workspace, threshold_form)


def digest(folder):
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*.yaml"))}


@pytest.fixture
def ws(tmp_path):
    return start_workspace(tmp_path / "w", system_id="claims-triage", name="Claims triage", owner="A. Rivera",
                           purpose="Route claims")


def test_new_workspace_has_operations(ws):
    assert (ws.root / "operations.yaml").is_file() and len(ws.records["operations.yaml"].pilot) == 10


def test_profile_and_components_save_through_the_rules(ws):
    profile_form(ws).set(users=["claims handlers"], eu_users=True).save()
    component_form(ws).set(id="mistral-7b", name="Mistral-7B-Instruct", layer="weights", license="Apache-2.0",
                            artifact_sha256="ab" * 32).save()
    ws = rmfkit.open_workspace(ws.root)
    assert ws.system.users == ["claims handlers"] and ws.system.intended_use.eu_users
    assert ws.system.component("mistral-7b").license == "Apache-2.0"
    assert ws.records["operations.yaml"].artifact("mistral-7b").sha256 == "ab" * 32


def test_refused_save_names_the_field_and_writes_nothing(ws):
    before = digest(ws.root)
    form = component_form(ws).set(id="bad id!", name="x", layer="weights")
    with pytest.raises(Exception) as caught:
        form.save()
    assert form.errors_of(caught.value).get("id"), form.errors_of(caught.value)
    risk = risk_form(ws).set(title="t", category="confabulation", likelihood=7, impact=2, rationale="r", owner="o")
    with pytest.raises(Exception) as caught:
        risk.save()
    assert "at most 5" in risk.errors_of(caught.value)["likelihood"]
    flow = data_flow_form(ws).set(id="f", description="d", data="d", source="s", destination="nowhere")
    with pytest.raises(Exception) as caught:
        flow.save()
    assert "destination" in flow.errors_of(caught.value)
    assert digest(ws.root) == before


def test_special_category_belongs_to_the_data_category(ws):
    component_form(ws).set(id="m", name="M", layer="weights").save()
    data_category_form(ws).set(id="contact", name="Contact details").save()
    data_category_form(ws).set(id="health", name="Health details", special_category=True).save()
    data_flow_form(ws).set(id="a", description="d", data="d", source="s", destination="m",
                           personal_data=["contact"]).save()
    data_flow_form(ws).set(id="b", description="d", data="d", source="s", destination="m",
                           personal_data=["contact", "health"]).save()
    flows = {f.id: f.special_category_data for f in rmfkit.open_workspace(ws.root).system.data_flows}
    assert flows == {"a": False, "b": True}
    assert "special_category_data" not in (ws.root / "system.yaml").read_text(encoding="utf-8")
    with pytest.raises(Exception, match="not a data category id"):
        rmfkit.notebook.edit.system.set_data_flow(ws, "c", description="d", data="d", source="s", destination="m",
                                                  personal_data=["unknown"])


def test_older_profiles_move_the_flag_onto_categories(ws):
    from rmfkit.editing.system import adopt_data_categories, set_component

    set_component(ws, "m", name="M", layer="weights")
    with ws.edit():
        data = ws.system.model_dump(exclude_unset=True)
        data["data_flows"] = [{"id": "f", "description": "d", "data": "d", "source": "s", "destination": "m",
                               "personal_data": ["Contact details", "Health details"], "special_category_data": True}]
        ws.put("system.yaml", type(ws.system).model_validate(data))
    categories = adopt_data_categories(ws, special=["Health details"])
    assert {c.name: c.special_category for c in categories} == {"Contact details": False, "Health details": True}


def test_threshold_picker_lists_metrics_and_dpia_and_checklist_save(ws, tmp_path):
    csv = tmp_path / "triage.csv"
    csv.write_text("item_id,task,correct\n" + "".join(f"{i},claims_triage,{i % 2}\n" for i in range(40)))
    rmfkit.notebook.edit.evidence.add(ws, [csv])
    form = threshold_form(ws)
    pick = next(text for text, _ in form._field("pick").choices() if text.startswith("correct · task claims_triage"))
    form.set(id="acc", pick=pick, threshold=0.4).save()
    assert rmfkit.open_workspace(ws.root).records["thresholds.yaml"].thresholds[0].task == "claims_triage"
    screening_form(ws).set(C4="yes", C4_rationale="Health details").save()
    decision_form(ws).set(decision="required", rationale="C4", by="DPO").save()
    checklist_form(ws).set(item="updates.rollback", status="done", owner="Platform").save()
    ws = rmfkit.open_workspace(ws.root)
    assert ws.records["dpia.yaml"].screening.decision == "required"
    assert ws.records["operations.yaml"].item("updates.rollback").status == "done"
    assert rmfkit.validate(ws) == []


def test_static_echo_shows_values_and_the_call(ws):
    bundle = profile_form(ws)._repr_mimebundle_()
    html = bundle["text/html"]
    assert "Route claims" in html and "show.edit.system.set_profile(ws" in html
    assert "application/vnd.jupyter.widget-view+json" in bundle


def test_live_form_save_redraws_views_and_shows_problems_inline(ws):
    pytest.importorskip("ipywidgets")
    drawn = []

    class View:
        def refresh(self):
            drawn.append(ws.system.purpose)

    form = profile_form(ws, refresh=[View()])
    form.widget()
    form.set(purpose="Route insurance claims")
    assert "Saved the system profile" in form.click_save() and drawn == ["Route insurance claims"]
    form.set(deployment_pattern="self_hosted", expected_monthly_active_users=-3)
    assert "Not saved" in form.click_save()
    assert "at least 0" in form._errors["expected_monthly_active_users"].value


def test_openness_form_records_the_decision_and_the_findings_follow_it(ws):
    """Session 01's decision helper saves the team's needs; the main model is then held to the levels they accept."""
    from rmfkit.analysis import of_workspace
    from rmfkit.notebook import openness_decision, openness_form

    assert "no decision recorded yet" in openness_decision(ws)._repr_html_()
    component_form(ws).set(id="llama", name="Llama 3.1 8B", layer="weights", license="llama3.1").save()
    form = openness_form(ws).set(needs=["research_reproducibility"], decided_by="ML lead")
    assert "show.edit.system.decide_openness(ws, [&#39;research_reproducibility&#39;], decided_by=&#39;ML lead&#39;)" \
        in form._repr_mimebundle_()["text/html"]
    assert form.save() == "Recorded the openness decision: open source"
    ws = rmfkit.open_workspace(ws.root)
    decision = ws.system.openness_decision
    assert (decision.needs, decision.level, decision.acceptable, decision.decided_by) == (
        ["research_reproducibility"], "open_source", ["open_source"], "ML lead")
    licenses = of_workspace(ws).licenses
    finding, = [f for f in licenses["findings"] if f["topic"] == "openness_decision"]
    assert finding["component"] == "llama" and finding["needs_review"]
    assert finding["message"] == ("llama is open weights, but the team's openness decision accepts open source "
                                  "(needs: research_reproducibility)")
    assert licenses["openness_decision"]["fits"] is False
    shown = openness_decision(ws)._repr_html_()
    assert "Recommended openness: Open source" in shown and "is not at an accepted level" in shown
    openness_form(ws).set(needs=["strict_privacy"]).save()  # a new decision replaces the old one
    licenses = of_workspace(rmfkit.open_workspace(ws.root)).licenses
    assert licenses["openness_decision"]["fits"] is True
    assert not [f for f in licenses["findings"] if f["topic"] == "openness_decision"]
