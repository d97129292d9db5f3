"""Licence drift between two system states, the `rmfkit licenses` command, the status section, the decision
helper, the due-diligence scorecard, reference checks, and property tests of the licence reader."""
from __future__ import annotations

import rmfkit
import json
import shutil
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rmfkit.licenses import analyze, license_drift, recommend_openness, resolve
from rmfkit.models.system import SystemProfile
from rmfkit.safeparse import parse_yaml
from rmfkit.workspace import open_workspace
from rmfkit.yamlio import plain

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "licenses"


def _profile(name: str) -> SystemProfile:
    path = FIXTURES / name
    return SystemProfile.model_validate(plain(parse_yaml(path.read_bytes(), name)))


def test_drift_reports_old_and_new_licence_and_the_change_in_findings():
    changes = {c.component: c for c in license_drift(_profile("system-before.yaml"), _profile("system-after.yaml"))}
    assert list(changes) == ["chat-model", "reranker", "vector-db", "new-guard", "old-tool"]

    reranker = changes["reranker"]
    assert (reranker.change, reranker.old_license, reranker.new_license) == ("license_changed", "apache-2.0",
                                                                             "cc-by-nc-4.0")
    assert (reranker.old_openness, reranker.new_openness) == ("open_weights", "open_weights")
    assert [(f["severity"], f["topic"], f["message"]) for f in reranker.findings_added] == [
        ("blocker", "commercial_use", "CC-BY-NC-4.0 does not allow commercial use")]
    assert reranker.findings_removed == ()

    chat = changes["chat-model"]
    assert chat.change == "text_changed"
    assert chat.old_text_sha256 == "1" * 64 and chat.new_text_sha256 == "2" * 64
    assert chat.message == ("license text of llama3.1 changed under the same name (SHA-256 111111111111… → "
                            "222222222222…): re-read it")

    vector = changes["vector-db"]
    assert (vector.old_openness, vector.new_openness) == ("open_source", "closed")
    assert {(f["severity"], f["topic"]) for f in vector.findings_added} == {("caution", "commercial_use"),
                                                                            ("caution", "source_available")}
    assert changes["new-guard"].change == "added" and changes["new-guard"].old_license is None
    assert changes["old-tool"].change == "removed" and changes["old-tool"].new_license is None


def test_no_drift_between_identical_states():
    before = _profile("system-before.yaml")
    assert license_drift(before, before) == []


def test_drift_of_other_licence_names_shows_the_name():
    before = _profile("system-before.yaml")
    after = before.model_copy(deep=True)
    after.components[1].license = "other"
    after.components[1].license_name = "qwen-research"
    change = license_drift(before, after)[0]
    assert (change.old_license, change.new_license) == ("apache-2.0", "other (qwen-research)")
    assert change.to_dict()["findings_added"][0]["topic"] == "needs_review"


def test_cli_register_json(example_ws, run_cli):
    code, out, err = run_cli("licenses", "-w", example_ws, "--json")
    assert code == 0, err
    data = json.loads(out)
    rows = {r["component"]: r for r in data["register"]}
    assert rows["hosted-llm-api"]["openness"] == "open_access" and rows["hosted-llm-api"]["needs_review"] is True
    assert rows["llama-3.1-8b-instruct"]["license_names"] == ["Llama 3.1 Community License Agreement"]
    assert rows["llama-3.1-8b-instruct"]["evidence"] == ["card-llama-3.1-8b-instruct", "lic-llama-3.1"]
    assert rows["vllm"]["evidence"] == ["lic-vllm"]
    assert data["mof"]["class"] == "unclassified" and data["osaid"]["conformant"] is False
    assert data["counts"]["openness"]["open_access"] == 1
    assert data["drift"] is None and data["recommendation"] is None


def test_cli_tables_and_drift_against_an_earlier_profile(example_ws, run_cli, tmp_path):
    earlier = tmp_path / "system-earlier.yaml"
    text = (example_ws / "system.yaml").read_text(encoding="utf-8")
    earlier.write_text(text.replace("    license: llama3.1\n", "    license: llama3\n", 1), encoding="utf-8")
    code, out, err = run_cli("licenses", "-w", example_ws, "--against", earlier, "--recommend", "strict_privacy")
    assert code == 0, err
    flat = " ".join(out.split())
    assert "License register (11 components)" in flat
    assert "license changed from llama3 to llama3.1" in flat
    assert "MOF Unclassified" in flat
    assert "Recommended openness for strict_privacy: open weights" in flat


def test_library_drift_of_license_facts_is_said_in_words(example_ws, run_cli, monkeypatch):
    """The fact base's [?] (a fact it could not confirm) and true/false read as words in drift lines."""
    from rmfkit.library.facts import diff_facts

    assert diff_facts({"osi_approved": True}, {"osi_approved": False, "passthrough_required": "[?] recipients get "
                                               "the agreement"}) == [
        "osi_approved: yes → no", "passthrough_required: added not confirmed: recipients get the agreement"]
    monkeypatch.setenv("RMFKIT_LIBRARY", str(Path(__file__).resolve().parent.parent / "evidence"))
    code, out, err = run_cli("licenses", "-w", example_ws, "--json")
    assert code == 0, err
    [llama] = json.loads(out)["library_drift"]
    assert llama["evidence"] == "lic-llama-3.1" and llama["changes"][2:6] == [
        "eu_multimodal_exclusion: added no",
        "naming_rule: added distributed derived models must start their name with 'Llama' (also when trained on "
        "outputs)", "outputs_may_improve_other_models: added yes",
        "passthrough_required: added not confirmed: recipients get the agreement; no explicit pass-through clause"]
    assert "[?]" not in out


def test_cli_bad_against_file_is_one_clear_line(example_ws, run_cli, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("schema_version: 1\nid: x\ncomponents: 3\n", encoding="utf-8")
    code, out, err = run_cli("licenses", "-w", example_ws, "--against", bad)
    assert code == 2
    assert "Traceback" not in err and "bad.yaml" in err


def test_cli_unknown_need_is_a_usage_error(example_ws, run_cli):
    code, _, err = run_cli("licenses", "-w", example_ws, "--recommend", "cheap")
    assert code == 2 and "unknown need(s): cheap" in err


def test_status_section_counts(example_ws):
    from rmfkit.analysis import of_workspace
    from rmfkit.views.status import status_summary

    section = status_summary(of_workspace(open_workspace(example_ws)))["licenses"]
    assert section["openness"] == {"open_source": 5, "open_weights": 2, "open_access": 1, "closed": 3,
                                   "undetermined": 0}
    assert section["mof_class"] == "unclassified" and section["primary_model"] == "llama-3.1-8b-instruct"
    assert section["findings"]["obligation"] >= 1 and section["needs_review"] >= 1


def test_reference_checks_name_bad_release_keys_and_evidence(example_ws):
    path = example_ws / "system.yaml"
    text = path.read_text(encoding="utf-8")
    text = text.replace("      model_card:\n", "      modelcard:\n", 1)
    text = text.replace("        evidence: [lic-vllm]\n", "        evidence: [lic-vllm, E-missing]\n", 1)
    path.write_text(text, encoding="utf-8")
    problems = [str(p) for p in rmfkit.validate(open_workspace(example_ws))]
    assert any("'modelcard' is not a Model Openness Framework component" in p for p in problems)
    assert any("evidence 'E-missing' is not in this workspace" in p and "vllm.due_diligence.license_clarity" in p
               for p in problems)


def test_licence_record_evidence_that_disagrees_is_a_finding():
    from rmfkit.models.evidence import EvidenceRecord

    system = _profile("system-before.yaml")
    record = EvidenceRecord(id="LR-reranker", title="t", kind="license-record", file="r.json", sha256="0" * 64, size=1,
                            components=["reranker"], facts={"licenses": ["CC-BY-NC-4.0"]})
    same = EvidenceRecord(id="LR-vdb", title="t", kind="license-record", file="v.json", sha256="0" * 64, size=1,
                          components=["vector-db"], facts={"licenses": ["Apache-2.0"]})
    report = analyze(system, {"LR-reranker": record, "LR-vdb": same})
    reranker = report.component("reranker")
    assert reranker.evidence == ("LR-reranker",)
    mismatch = [f for f in reranker.findings if f.topic == "evidence_mismatch"]
    assert [f.message for f in mismatch] == [
        "system.yaml names Apache-2.0 for reranker, but license record LR-reranker names CC-BY-NC-4.0"]
    assert not [f for f in report.component("vector-db").findings if f.topic == "evidence_mismatch"]
    assert report.register_rows()[2]["evidence"] == ["LR-vdb"]


def test_decision_helper_shows_reasoning():
    advice = recommend_openness(["research_reproducibility"])
    assert advice.level == "open_source" and advice.acceptable == ("open_source",)
    assert "OSI Open Source AI Definition conformance" in advice.look_for
    assert advice.reasoning[0].startswith("Research reproducibility → open source: permissive end to end")
    assert recommend_openness(["unsure"]).level is None
    assert recommend_openness(["ship_fast", "commercial_redistribution"]).level == "open_source"


def test_scorecard_rows_and_computed_license_clarity(example_ws):
    report = analyze(open_workspace(example_ws).system)
    card = report.component("llama-3.1-8b-instruct").scorecard
    assert [r["check"] for r in card["rows"]] == ["license_clarity", "documentation", "release_cadence",
                                                  "benchmarks_evaluations", "maintenance_governance", "ecosystem_fit",
                                                  "security_posture", "community_signals"]
    assert card["counts"] == {"good": 3, "adequate": 4, "concern": 1, "not_assessed": 0}
    assert card["rows"][6]["note"].startswith("No signed weights")
    assert card["computed_license_clarity"] == "adequate"  # known licence, not OSI-approved
    assert report.component("hosted-llm-api").scorecard["computed_license_clarity"] == "concern"


def test_report_to_dict_is_json_ready(example_ws):
    data = analyze(open_workspace(example_ws).system).to_dict()
    assert json.loads(json.dumps(data, default=str))["system"] == "support-assistant"
    llama = next(c for c in data["components"] if c["component"] == "llama-3.1-8b-instruct")
    assert llama["licenses"][0]["mau_cap"] == 700_000_000
    assert llama["mof"]["missing"]["III"][0]["reason"] == "not described"


def test_example_workspace_has_not_changed_after_analysis(example_ws):
    before = (example_ws / "system.yaml").read_bytes()
    analyze(open_workspace(example_ws).system)
    assert (example_ws / "system.yaml").read_bytes() == before


LICENSE_IDS = ["MIT", "Apache-2.0", "GPL-3.0-only", "CC-BY-4.0", "llama3.1", "gemma", "BUSL-1.1", "foo-1.0"]


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=40))
def test_resolve_never_raises_on_any_text(text):
    result = resolve(text)
    assert result.licenses
    assert result.known or result.needs_review


@settings(max_examples=40, deadline=None)
@given(st.lists(st.sampled_from(LICENSE_IDS), min_size=2, max_size=3, unique=True))
def test_or_choice_does_not_depend_on_order(ids):
    forward, backward = resolve(" OR ".join(ids)), resolve(" OR ".join(reversed(ids)))
    assert forward.commercial_use == backward.commercial_use
    assert forward.osi_approved == backward.osi_approved
    assert set(forward.alternatives) | {forward.expression} == set(backward.alternatives) | {backward.expression}


@settings(max_examples=40, deadline=None)
@given(st.lists(st.sampled_from(LICENSE_IDS), min_size=2, max_size=3, unique=True))
def test_and_is_as_strict_as_its_strictest_part(ids):
    combined = resolve(" AND ".join(ids))
    ranks = {"no": 0, "unknown": 1, "conditional": 2, "yes": 3}
    assert ranks[combined.commercial_use] == min(ranks[resolve(i).commercial_use] for i in ids)


BRITISH = r"\b[Ll]icences?\b"


def _prose(node, key=None):
    """Every text value of a data file except names (a published name keeps its own spelling)."""
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _prose(v, k)
    elif isinstance(node, list):
        for v in node:
            yield from _prose(v, key)
    elif isinstance(node, str) and key != "name":
        yield node


def test_user_facing_text_says_license_us_spelling(example_ws, run_cli, tmp_path):
    import re
    from importlib import resources

    data = resources.files("rmfkit.licenses").joinpath("data")
    texts = [t for f in data.iterdir() if f.name.endswith(".yaml")
             for t in _prose(plain(parse_yaml(f.read_bytes(), f.name)))]
    assert len(texts) > 500 and [t for t in texts if re.search(BRITISH, t)] == []
    earlier = tmp_path / "system-earlier.yaml"
    text = (example_ws / "system.yaml").read_text(encoding="utf-8")
    earlier.write_text(text.replace("    license: llama3.1\n", "    license: llama3\n", 1), encoding="utf-8")
    # the tables, drift and status (--json would also echo the example's own notes, written by its team)
    outputs = [run_cli("licenses", "-w", example_ws, "--against", earlier), run_cli("status", "-w", example_ws),
               run_cli("licenses", "--help")]
    assert [code for code, _, _ in outputs] == [0, 0, 0]
    flat = " ".join(" ".join(out for _, out, _ in outputs).replace("│", " ").split())
    assert "License register (11 components)" in flat
    # library drift quotes the evidence records' own facts as written (and hashed) by their authors
    quoted = "confidence: S: model card licence summary → V: clause comparison of the licence texts"
    assert flat.count(quoted) == 1 and re.findall(BRITISH, flat.replace(quoted, "")) == []
    messages = [m for c in analyze(_profile("system-after.yaml")).components
                for m in (*c.review, *(f.message for f in c.findings), *(f.action for f in c.findings))]
    assert messages and [m for m in messages if re.search(BRITISH, m)] == []


def test_a_linked_model_card_naming_another_license_is_a_finding_with_both_sources(example_ws, run_cli):
    """Licenses follow the evidence: the Llama component declared Apache-2.0 while its linked card says llama3.1."""
    system = example_ws / "system.yaml"
    text = system.read_text("utf-8")
    start = text.index("id: llama-3.1-8b-instruct")
    license_at = text.index("license:", start)
    end = text.index("\n", license_at)
    system.write_text(text[:license_at] + "license: apache-2.0" + text[end:], encoding="utf-8")
    code, out, err = run_cli("licenses", "-w", example_ws, "--json")
    assert code == 0, err
    data = json.loads(out)
    row = next(r for r in data["register"] if r["component"] == "llama-3.1-8b-instruct")
    assert "card-llama-3.1-8b-instruct" in row["evidence"] and row["needs_review"] is True
    found = [f for f in data["findings"] if f["component"] == "llama-3.1-8b-instruct" and f["topic"] == "evidence_mismatch"]
    assert any("model card card-llama-3.1-8b-instruct names llama3.1" in f["message"] and "system.yaml" in f["clause"]
               and "card-llama-3.1-8b-instruct" in f["clause"] for f in found), found


def test_a_disjunction_reports_the_most_permissive_option_as_an_election():
    from rmfkit.licenses.facts import resolve

    result = resolve("GPL-2.0-or-later OR LGPL-2.1-or-later OR MPL-1.1")
    assert result.expression == "MPL-1.1" and set(result.alternatives) == {"GPL-2.0-or-later", "LGPL-2.1-or-later"}
    assert result.notes[0].startswith("an election:")

