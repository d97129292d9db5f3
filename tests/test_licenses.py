"""Licences and openness: one table of cases (component + licence + intended use -> openness, MOF class,
findings), plus the knowledge tables (every Hugging Face id, sources on every fact, the traps)."""
from __future__ import annotations

import pytest

from rmfkit.licenses import analyze, classify, hf_ids, model_licenses, resolve
from rmfkit.licenses.facts import spdx_facts
from rmfkit.models.system import Component, IntendedUse, SystemProfile

SAAS = dict(commercial_use=True, serves_third_parties=True, eu_users=True, expected_monthly_active_users=40_000)
INTERNAL = dict(commercial_use=True, expected_monthly_active_users=10)
RESEARCH = dict(commercial_use=False)
SHIP = dict(commercial_use=True, serves_third_parties=True, redistributes_weights=True, expected_monthly_active_users=1000)
PUBLISH = dict(commercial_use=True, fine_tunes_and_publishes=True, expected_monthly_active_users=1000)
DISTILL = dict(commercial_use=True, trains_on_outputs=True, expected_monthly_active_users=1000)
ONPREM = dict(commercial_use=True, distributes_software=True)
HASH = "ab" * 32

III = {"model_architecture": {}, "evaluation_results": {}, "model_card": {}, "data_card": {"license": "CC-BY-4.0"},
       "technical_report": {"license": "CC-BY-4.0"}}
II = {**III, "training_code": {}, "inference_code": {}, "evaluation_code": {}, "evaluation_data": {"license": "CC-BY-4.0"}}
I = {**II, "datasets": {"license": "CC-BY-4.0"}, "data_preprocessing_code": {}, "model_parameters_intermediate": {},
     "research_paper": {"license": "CC-BY-4.0"}}
OPENMDW_ALL = {name: {} for name in I}

O, B, C, N = "obligation", "blocker", "caution", "info"

# (case id, component fields, intended use, openness, MOF class (weights only), {(severity, topic)}, needs_review)
CASES = [
    ("llama2-distill", dict(layer="weights", license="llama2"), DISTILL, "open_weights", "unclassified",
     {(O, "use_policy"), (N, "mau_cap"), (B, "output_training")}, False),
    ("llama3-publish", dict(layer="weights", license="llama3"), PUBLISH, "open_weights", "unclassified",
     {(O, "use_policy"), (O, "attribution"), (O, "naming"), (C, "passthrough"), (N, "mau_cap")}, True),
    ("llama3.1-saas", dict(layer="weights", license="llama3.1"), SAAS, "open_weights", "unclassified",
     {(O, "use_policy"), (O, "attribution"), (C, "passthrough"), (N, "mau_cap")}, True),
    ("llama3.1-over-mau-cap", dict(layer="weights", license="llama3.1"),
     dict(SAAS, expected_monthly_active_users=800_000_000), "open_weights", "unclassified",
     {(B, "mau_cap"), (O, "use_policy"), (O, "attribution"), (C, "passthrough")}, True),
    ("llama3.1-distill", dict(layer="weights", license="llama3.1"), DISTILL, "open_weights", "unclassified",
     {(O, "use_policy"), (O, "naming"), (N, "mau_cap")}, False),
    ("llama3.2-saas-eu", dict(layer="weights", license="llama3.2"), SAAS, "open_weights", "unclassified",
     {(O, "use_policy"), (O, "attribution"), (C, "passthrough"), (N, "mau_cap"), (C, "eu_exclusion")}, True),
    ("llama3.3-internal-no-mau", dict(layer="weights", license="llama3.3"), dict(commercial_use=True),
     "open_weights", "unclassified", {(O, "use_policy"), (C, "mau_cap"), (N, "eu_exclusion")}, True),
    ("llama4-internal-outside-eu", dict(layer="weights", license="llama4"), INTERNAL, "open_weights", "unclassified",
     {(O, "use_policy"), (N, "mau_cap"), (N, "eu_exclusion")}, False),
    ("gemma-ship-weights", dict(layer="weights", license="gemma"), SHIP, "open_weights", "unclassified",
     {(O, "use_policy"), (O, "passthrough"), (O, "redistribution"), (C, "terms_change")}, False),
    ("gemma-text-hash-recorded", dict(layer="weights", license="gemma", license_text_sha256=HASH), INTERNAL,
     "open_weights", "unclassified", {(O, "use_policy"), (N, "terms_change")}, False),
    ("gemma-by-license-name", dict(layer="weights", license="other", license_name="gemma-terms-of-use"), INTERNAL,
     "open_weights", "unclassified", {(C, "needs_review"), (O, "use_policy"), (C, "terms_change")}, True),
    ("bloom-rail-saas", dict(layer="weights", license="bigscience-bloom-rail-1.0"), SAAS, "open_weights",
     "unclassified", {(O, "use_policy"), (O, "passthrough"), (C, "terms_change")}, False),
    ("bigscience-openrail-m-publish", dict(layer="weights", license="bigscience-openrail-m"), PUBLISH, "open_weights",
     "unclassified", {(O, "use_policy"), (O, "passthrough"), (O, "derivatives"), (C, "terms_change")}, False),
    ("creativeml-openrail-m-distill", dict(layer="weights", license="creativeml-openrail-m"), DISTILL,
     "open_weights", "unclassified", {(O, "use_policy"), (O, "output_training"), (C, "terms_change")}, False),
    ("openrail++-internal", dict(layer="weights", license="openrail++"), INTERNAL, "open_weights", "unclassified",
     {(O, "use_policy"), (C, "terms_change")}, False),
    ("bigcode-openrail-m-publish", dict(layer="weights", license="bigcode-openrail-m"), PUBLISH, "open_weights",
     "unclassified", {(O, "use_policy"), (O, "passthrough"), (O, "derivatives"), (C, "terms_change")}, False),
    ("openrail-family-id", dict(layer="weights", license="openrail"), SAAS, None, "unclassified",
     {(C, "needs_review")}, True),
    ("deepseek-license-by-name", dict(layer="weights", license="other", license_name="deepseek",
                                      license_text_sha256=HASH), SAAS, "open_weights", "unclassified",
     {(O, "use_policy"), (O, "passthrough"), (N, "terms_change")}, False),
    ("tongyi-qianwen-distill", dict(layer="weights", license="other", license_name="tongyi-qianwen"), DISTILL,
     "open_weights", "unclassified", {(C, "needs_review"), (B, "output_training"), (N, "mau_cap")}, True),
    ("tongyi-qwen-ambiguous-name", dict(layer="weights", license="other", license_name="tongyi-qwen"), SAAS,
     None, "unclassified", {(C, "needs_review")}, True),
    ("qwen-distill", dict(layer="weights", license="other", license_name="qwen", license_text_sha256=HASH), DISTILL,
     "open_weights", "unclassified", {(C, "output_training"), (O, "attribution"), (N, "mau_cap")}, True),
    ("qwen-research-saas", dict(layer="weights", license="other", license_name="qwen-research",
                                license_text_sha256=HASH), SAAS, "open_weights", "unclassified",
     {(B, "commercial_use")}, False),
    ("mistral-mrl-research", dict(layer="weights", license="other", license_name="MRL", license_text_sha256=HASH),
     RESEARCH, "open_weights", "unclassified", set(), False),
    ("mistral-mnpl-saas", dict(layer="weights", license="other", license_name="mnpl", license_text_sha256=HASH),
     SAAS, "open_weights", "unclassified", {(B, "commercial_use"), (B, "hosting")}, False),
    ("grok2-publish", dict(layer="weights", license="grok2-community"), PUBLISH, "open_weights", "unclassified",
     {(C, "commercial_use"), (O, "use_policy"), (C, "passthrough"), (C, "derivatives"), (C, "terms_change")}, True),
    ("stability-community-internal", dict(layer="weights", license="other", license_name="stability-ai-community",
                                          license_text_sha256=HASH), INTERNAL, "open_weights", "unclassified",
     {(C, "revenue_cap"), (O, "use_policy")}, False),
    ("falcon-180b-hosting", dict(layer="weights", license="other", license_name="falcon-180b-tii-license-1.0",
                                 license_text_sha256=HASH), SAAS, "open_weights", "unclassified",
     {(B, "hosting"), (C, "commercial_use"), (O, "use_policy"), (C, "passthrough"), (N, "terms_change")}, True),
    ("h-research-uncertain", dict(layer="weights", license="h-research"), SAAS, "open_weights", "unclassified",
     {(B, "commercial_use")}, True),
    ("mit-weights-data-not-described", dict(layer="weights", license="mit"), SAAS, "open_weights", "unclassified",
     set(), False),
    ("apache-weights-class-III", dict(layer="weights", license="Apache-2.0", release_components=III), SAAS,
     "open_weights", "III", set(), False),
    ("apache-weights-class-II", dict(layer="weights", license="Apache-2.0", release_components=II), SAAS,
     "open_weights", "II", set(), False),
    ("apache-weights-class-I-osaid", dict(layer="weights", license="Apache-2.0", release_components=I), SAAS,
     "open_source", "I", set(), False),
    ("openmdw-whole-bundle", dict(layer="weights", license="OpenMDW-1.0", release_components=OPENMDW_ALL), SAAS,
     "open_source", "I", set(), False),
    ("llama-plus-apache-code", dict(layer="weights", license="Apache-2.0 AND llama3.1"), SAAS, "open_weights",
     "unclassified", {(O, "use_policy"), (O, "attribution"), (C, "passthrough"), (N, "mau_cap")}, True),
    ("unknown-weights", dict(layer="weights", license="unknown"), SAAS, None, "unclassified",
     {(C, "needs_review")}, True),
    ("cc-by-nc-data-commercial", dict(layer="data", license="cc-by-nc-4.0"), SAAS, "closed", None,
     {(B, "commercial_use"), (O, "attribution")}, False),
    ("cc-by-data", dict(layer="data", license="CC-BY-4.0"), SAAS, "open_source", None, {(O, "attribution")}, False),
    ("cc-by-sa-data-publish", dict(layer="data", license="cc-by-sa-4.0"), PUBLISH, "open_source", None,
     {(O, "attribution"), (C, "share_alike")}, False),
    ("cc-by-nd-data-publish", dict(layer="data", license="cc-by-nd-4.0"), PUBLISH, "closed", None,
     {(O, "attribution"), (C, "derivatives")}, False),
    ("cc0-data", dict(layer="data", license="cc0-1.0"), SAAS, "open_source", None, set(), False),
    ("odc-by-hub-family-id", dict(layer="data", license="odc-by"), SAAS, "open_source", None,
     {(O, "attribution")}, False),
    ("agpl-hosted", dict(layer="tooling", license="AGPL-3.0-only"), SAAS, "open_source", None,
     {(O, "network_copyleft")}, False),
    ("gpl-shipped-on-prem", dict(layer="tooling", license="GPL-3.0-or-later"), ONPREM, "open_source", None,
     {(O, "copyleft")}, False),
    ("gpl-hub-id-hosted-only", dict(layer="tooling", license="gpl-3.0"), SAAS, "open_source", None,
     {(N, "copyleft")}, False),
    ("lgpl-internal", dict(layer="framework", license="LGPL-2.1-only"), INTERNAL, "open_source", None,
     {(N, "copyleft")}, False),
    ("dual-mit-or-apache-shipped", dict(layer="tooling", license="MIT OR Apache-2.0"), ONPREM, "open_source", None,
     {(O, "notices")}, False),
    ("gpl2-and-apache", dict(layer="tooling", license="Apache-2.0 AND GPL-2.0-only"), ONPREM, "open_source", None,
     {(O, "copyleft"), (O, "notices"), (C, "license_incompatibility")}, False),
    ("gpl-with-classpath-exception", dict(layer="framework", license="GPL-2.0-only WITH Classpath-exception-2.0"),
     ONPREM, "open_source", None, {(O, "copyleft")}, False),
    ("busl-source-available", dict(layer="tooling", license="BUSL-1.1"), SAAS, "closed", None,
     {(C, "commercial_use"), (C, "source_available")}, False),
    ("sspl-source-available", dict(layer="tooling", license="SSPL-1.0"), SAAS, "closed", None,
     {(C, "source_available")}, False),
    ("elastic-source-available", dict(layer="tooling", license="Elastic-2.0"), SAAS, "closed", None,
     {(C, "source_available")}, False),
    ("polyform-noncommercial", dict(layer="tooling", license="PolyForm-Noncommercial-1.0.0"), SAAS, "closed", None,
     {(B, "commercial_use")}, False),
    ("bsl-1.0-is-boost", dict(layer="tooling", license="bsl-1.0"), INTERNAL, "open_source", None, set(), False),
    ("psf-permissive-not-osi", dict(layer="framework", license="PSF-2.0"), INTERNAL, "open_source", None,
     set(), False),
    ("gpl-family-id", dict(layer="tooling", license="gpl"), SAAS, None, None, {(C, "needs_review")}, True),
    ("hosted-api-terms", dict(layer="service", license="other", license_name="Provider API terms"), SAAS,
     "open_access", None, {(C, "needs_review")}, True),
    ("in-house-proprietary", dict(layer="tooling", license="LicenseRef-Proprietary"), SAAS, "closed", None,
     set(), False),
    ("no-licence-recorded", dict(layer="tooling"), SAAS, None, None, {(C, "needs_review")}, True),
]


def _system(component: dict, use: dict) -> SystemProfile:
    return SystemProfile(id="s", name="S", owner="o", purpose="p", deployment_pattern="hybrid",
                         intended_use=IntendedUse(**use), components=[Component(id="c", name="C", **component)])


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_case_table(case):
    _, component, use, openness, mof, findings, review = case
    report = analyze(_system(component, use))
    result = report.components[0]
    assert result.classification.openness == openness
    assert (result.classification.mof.klass if result.classification.mof else None) == mof
    assert {(f.severity, f.topic) for f in result.findings} == findings
    assert result.needs_review is review
    assert all(f.clause and f.action and f.source for f in result.findings)


def test_table_covers_every_licence_family_and_expression_form():
    written = {c[1].get("license") for c in CASES} | {c[1].get("license_name") for c in CASES}
    for needed in ("llama2", "llama3", "llama3.1", "llama3.2", "llama3.3", "llama4", "gemma",
                   "bigscience-bloom-rail-1.0", "bigscience-openrail-m", "creativeml-openrail-m", "openrail++",
                   "deepseek", "tongyi-qianwen", "qwen", "qwen-research", "MRL", "mnpl", "cc-by-nc-4.0", "CC-BY-4.0",
                   "cc-by-sa-4.0", "cc0-1.0", "odc-by", "other"):
        assert needed in written, needed
    assert any(" OR " in (w or "") for w in written) and any(" AND " in (w or "") for w in written)
    assert any(" WITH " in (w or "") for w in written)
    assert len(CASES) >= 30


def test_open_weights_without_data_information_is_not_open_source_ai():
    result = classify(Component(id="r1", name="R1", layer="weights", license="mit"))
    assert result.openness == "open_weights"
    assert not result.osaid.conformant
    assert "data information (training data description): not described" in result.osaid.failures
    assert result.reason.startswith("weights can be downloaded under MIT, but it is not open source AI: ")
    assert result.mof.missing["III"][0] == {"component": "model_architecture", "name": "Model architecture",
                                            "reason": "not described"}


def test_mof_names_what_is_missing_for_the_next_class_and_warns_on_type():
    result = classify(Component(id="m", name="M", layer="weights", license="Apache-2.0", release_components=II))
    assert result.mof.klass == "II" and result.mof.label == "Class II - Open Tooling Model"
    assert [g["component"] for g in result.mof.missing["I"]] == [
        "datasets", "data_preprocessing_code", "model_parameters_intermediate", "research_paper"]
    assert ("Model parameters (Final): Apache-2.0 is open but not a recommended license for data (conditional pass)"
            in result.mof.warnings)


def test_mof_llama_release_is_unclassified_even_with_open_parts():
    release = {name: {"license": "Apache-2.0"} for name in I}
    result = classify(Component(id="l", name="L", layer="weights", license="llama3.1", release_components=release))
    assert result.mof.klass == "unclassified"
    assert result.mof.missing == {"III": [{"component": "model_parameters_final", "name": "Model parameters (Final)",
                                           "reason": "not openly licensed (Llama 3.1 Community License Agreement)"}]}


def test_technical_report_may_be_replaced_by_research_paper():
    release = {k: v for k, v in III.items() if k != "technical_report"}
    release["research_paper"] = {"license": "CC-BY-4.0"}
    assert classify(Component(id="m", name="M", layer="weights", license="Apache-2.0",
                              release_components=release)).mof.klass == "III"


def test_finding_text_for_llama_redistribution_names_the_notice_and_naming_rule():
    use = dict(commercial_use=True, redistributes_weights=True, fine_tunes_and_publishes=True,
               expected_monthly_active_users=5)
    findings = {f.topic: f for f in analyze(_system(dict(layer="weights", license="llama2"), use)).findings}
    assert findings["redistribution"].action == (
        'ship a copy of the Llama 2 Community License Agreement; ship a \'Notice\' text file reading "Llama 2 is '
        'licensed under the LLAMA 2 Community License, Copyright (c) Meta Platforms, Inc. All Rights Reserved."')
    llama31 = {f.topic: f for f in analyze(_system(dict(layer="weights", license="llama3.1"), use)).findings}
    assert llama31["naming"].message == 'a distributed derivative\'s name must start with "Llama"'
    assert llama31["attribution"].action.startswith('show "Built with Llama" on a related website')
    assert llama31["mau_cap"].clause == "section 2 (Additional Commercial Terms)"
    assert llama31["mau_cap"].source.startswith("meta-llama/llama-models models/llama3_1/LICENSE")


def test_every_hugging_face_id_is_mapped_including_the_traps():
    ids = hf_ids()
    assert len(ids) == 83
    for hub_id, entry in ids.items():
        kinds = [k for k in ("spdx", "license", "family", "unknown", "other") if entry.get(k)]
        assert len(kinds) == 1, hub_id
        if entry.get("license"):
            assert entry["license"] in model_licenses(), hub_id
    assert resolve("bsl-1.0").licenses[0].name == "Boost Software License 1.0"
    assert resolve("gpl").review and resolve("gpl").licenses[0].category == "unknown"
    for family in ("bsd", "cc", "gfdl", "lgpl", "openrail"):
        assert resolve(family).needs_review, family
    assert resolve("agpl-3.0").expression == "AGPL-3.0-only"
    assert "does not say -only or -or-later" in resolve("agpl-3.0").notes[0]
    assert resolve("other").review == ("license 'other' without license_name: read the license file (license_link) "
                                       "and name it",)
    assert resolve("c-uda").expression == "C-UDA-1.0" and resolve("pddl").expression == "PDDL-1.0"


@pytest.mark.parametrize("hub_id", sorted(hf_ids()))
def test_each_hub_id_resolves_without_error(hub_id):
    result = resolve(hub_id)
    assert result.licenses
    assert result.known or result.needs_review


def test_every_fact_has_a_source_and_uncertain_facts_are_not_decided():
    for key, facts in {**model_licenses(), **spdx_facts()}.items():
        assert facts.source, key
        assert facts.confidence in ("V", "S", "?"), key
    llama = model_licenses()["llama3.1"]
    assert llama.passthrough_required is None and "passthrough_required" in llama.uncertain
    assert llama.mau_cap == 700_000_000 and llama.osi_approved is False
    assert model_licenses()["gemma"].attribution_display is None  # no "Built with Gemma" rule exists


def test_osi_flag_comes_from_the_spdx_list():
    assert resolve("Apache-2.0").osi_approved is True
    assert resolve("CC0-1.0").osi_approved is False
    assert resolve("PSF-2.0").osi_approved is False and resolve("Python-2.0").osi_approved is True
    assert resolve("OpenMDW-1.0").osi_approved is False


def test_or_picks_the_choice_a_consumer_would_make_and_says_so():
    result = resolve("GPL-3.0-only OR MIT")
    assert result.expression == "MIT" and result.alternatives == ("GPL-3.0-only",)
    assert result.notes[0] == ("an election: the licensor offers a choice, and rmfkit evaluates the most permissive option "
                               "you can elect, 'MIT' (other choices: GPL-3.0-only); record the election you make")


def test_example_workspace_register(example_ws):
    from rmfkit.workspace import open_workspace

    ws = open_workspace(example_ws)
    report = analyze(ws.system, ws.evidence)
    rows = {r["component"]: r for r in report.register_rows()}
    assert rows["hosted-llm-api"]["openness"] == "open_access"
    assert rows["hosted-llm-api"]["needs_review"] is True
    assert rows["llama-3.1-8b-instruct"]["openness"] == "open_weights"
    assert rows["llama-3.1-8b-instruct"]["commercial_distribution"] == "conditional"
    assert rows["llama-3.1-8b-instruct"]["due_diligence"] == "8 of 8 checks assessed, 1 concern"
    assert rows["bge-small-en"]["openness"] == "open_weights"
    assert rows["vllm"] | {} and rows["vllm"]["osi_approved"] is True and rows["vllm"]["openness"] == "open_source"
    assert rows["rag-service"]["openness"] == "closed"
    assert all(r["openness"] for r in rows.values())
    assert {f.severity for f in report.findings} & {"blocker", "obligation"}
    assert report.mof.klass == "unclassified" and report.osaid.conformant is False
    assert set(rows["llama-3.1-8b-instruct"]) >= {"component", "layer", "license", "osi_approved",
                                                  "commercial_distribution", "obligations", "openness", "evidence"}


def test_the_openness_decision_is_stated_in_the_packet_and_by_the_cli(example_ws, run_cli, tmp_path):
    import re
    from html import unescape

    from pypdf import PdfReader

    from rmfkit.editing.system import decide_openness
    from rmfkit.workspace import Workspace

    code, out, _ = run_cli("licenses", "-w", str(example_ws))
    assert code == 0 and ("Openness decision of 2026-02-10 by ML platform lead (R. Haddad): the team needs strict "
                          "privacy or offline operation, which calls for open weights (accepted: open source, open "
                          "weights); the model release Meta Llama 3.1 8B Instruct fits it.") in " ".join(out.split())
    decide_openness(Workspace.open(example_ws), ["research_reproducibility"], decided_by="ML lead")
    sentence = ("Openness decision of {day} by ML lead: the team needs research reproducibility, which calls for "
                "open source (accepted: open source); the model release Meta Llama 3.1 8B Instruct does not fit it "
                "(see the policy findings).")
    code, out, _ = run_cli("licenses", "-w", str(example_ws))
    day = Workspace.open(example_ws).system.openness_decision.decided_on.isoformat()
    assert sentence.format(day=day) in " ".join(out.split())
    code, _, err = run_cli("packet", "-w", str(example_ws), "--out", str(tmp_path / "packet"))
    assert code == 0, err
    pdf = " ".join(" ".join(page.extract_text().replace("\u200b", "").split())
                   for page in PdfReader(tmp_path / "packet" / "packet.pdf").pages)
    html = " ".join(unescape(re.sub(r"<[^>]+>", " ", (tmp_path / "packet" / "packet.html").read_text("utf-8"))).split())
    for document in (pdf, html):
        assert sentence.format(day=day) in document
        assert "llama-3.1-8b-instruct is open weights, but the team's openness decision accepts open source" in document
