"""Every importer on real-format fixtures: exact facts; malformed and truncated input gives one clear error."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rmfkit.errors import InputFileError
from rmfkit.library.facts import diff_facts, facts_sha256
from rmfkit.library.importers import by_kind, read_evidence
from rmfkit.library.suggestions import suggest_subcategories
from rmfkit.models.evidence import EvidenceRecord

FIXTURES = Path(__file__).parent / "fixtures" / "evidence"


def parsed(name: str, kind: str | None = None):
    return read_evidence((FIXTURES / name).read_bytes(), name, kind)


def metrics_by_key(facts):
    return {(m["task"], m["metric"], m.get("slice")): m for m in facts["metrics"]}


def test_lm_eval_04_every_metric_with_filter_stderr_and_n():
    p = parsed("lmeval_results.json")
    assert p.kind == "lm-eval" and p.tool_version == "0.4.8" and str(p.collected_at) == "2026-10-06"
    m = metrics_by_key(p.facts)
    assert m[("gsm8k", "exact_match", "strict-match")] == {
        "task": "gsm8k", "metric": "exact_match", "value": 0.7521, "stderr": 0.0119, "n": 1319,
        "slice": "strict-match", "higher_is_better": True}
    assert m[("gsm8k", "exact_match", "flexible-extract")]["value"] == 0.7733
    assert m[("truthfulqa_mc2", "acc", None)]["stderr"] is None  # "N/A"
    assert m[("mmlu_humanities", "acc", None)]["n"] == 4705
    assert len(p.facts["metrics"]) == 5
    assert p.facts["model"] == "meta-llama/Llama-3.1-8B-Instruct" and p.facts["backend"] == "vllm"
    assert p.facts["groups"] == ["mmlu"] and p.facts["n_shot"]["gsm8k"] == 5


def test_lm_eval_legacy_03_without_filters():
    p = parsed("lmeval_legacy_0.3.json")
    assert metrics_by_key(p.facts)[("hellaswag", "acc_norm", None)] == {
        "task": "hellaswag", "metric": "acc_norm", "value": 0.7602, "stderr": 0.0043, "n": None}
    assert p.facts["model"] == "EleutherAI/pythia-1.4b" and p.collected_at is None


def test_model_card_other_license_model_index_and_yaml_strings():
    p = parsed("model_card_other.md")
    assert p.kind == "model-card"
    assert p.facts["licenses"] == ["other:toy-community-license"] and p.facts["license_link"] == "LICENSE"
    assert p.facts["base_model"] == ["org/toy-base"] and p.facts["languages"] == ["en", "fr", "no"]
    assert p.facts["gated"] is True
    m = metrics_by_key(p.facts)
    assert m[("Toy Set (5-shot)", "acc", "test")]["value"] == 61.2  # percent kept as found
    assert m[("BBQ ambiguous", "accuracy", None)]["value"] == 0.659


def test_model_card_crlf_and_bom():
    p = parsed("model_card_crlf.md")
    assert p.facts == {"licenses": ["apache-2.0"], "pipeline_tag": "text-classification"}
    assert p.title == "Model card: CRLF card"


def test_model_card_without_front_matter_is_accepted_when_forced():
    p = read_evidence(b"# Just a readme\n", "README.md", "model-card")
    assert p.facts["licenses"] == [] and "no YAML front matter" in p.facts["findings"][0]


def test_cyclonedx_16_licenses_models_and_findings():
    p = parsed("cyclonedx_1.6.json")
    assert p.kind == "cyclonedx" and (p.tool, p.tool_version) == ("cyclonedx-py", "7.5.0")
    f = p.facts
    assert f["component_count"] == 8 and f["components_without_license"] == 2
    assert f["licenses"] == ["Apache-2.0", "BSD-3-Clause", "License :: OSI Approved :: Python Software Foundation License",
                             "Llama 3.1 Community License Agreement", "MIT"]
    assert f["models"][0]["task"] == "text-generation"
    m = metrics_by_key(f)
    assert m[("Llama-3.1-8B-Instruct", "answer_accuracy", "support-tickets")]["value"] == 0.81
    assert m[("Llama-3.1-8B-Instruct", "placeholder", None)]["value"] is None
    assert any("both id and name" in x for x in f["findings"])


def test_cyclonedx_14_tools_array():
    p = parsed("cyclonedx_1.4.json")
    assert (p.tool, p.tool_version, str(p.collected_at)) == ("cyclonedx-bom", "3.11.7", "2024-03-01")


def test_spdx_23_and_lenient_trivy_22():
    p = parsed("spdx_2.3.json")
    assert p.facts["licenses"] == ["Apache-2.0", "LicenseRef-Proprietary", "MIT OR LicenseRef-toy"]
    assert p.facts["packages_noassertion"] == 1 and (p.tool, p.tool_version) == ("syft", "1.14.0")
    assert p.facts["findings"] == ["LicenseRef-toy is used but not defined in hasExtractedLicensingInfos"]
    trivy = parsed("spdx_trivy_2.2.json")
    assert trivy.facts["package_count"] == 1 and "comma-separated" in trivy.facts["findings"][0]


def test_pip_licenses_both_shapes():
    p = parsed("pip_licenses.json")
    assert p.facts["licenses"] == ["Apache-2.0 OR BSD-2-Clause", "BSD License", "MIT License"]
    assert p.facts["unknown"] == ["mystery"] and p.facts["package_count"] == 4
    assert parsed("pip_licenses_finder.json").facts["licenses"] == ["MIT"]


def test_python_env_reads_this_environment():
    from rmfkit.library.importers import python_env

    p = read_evidence(python_env.snapshot(), "env.json")
    names = {row["name"].lower(): row for row in p.facts["packages"]}
    assert p.kind == "python-env" and "pydantic" in names and names["pydantic"]["license"] != "UNKNOWN"


def test_garak_current_old_and_early_stop():
    p = parsed("garak.report.jsonl")
    m = metrics_by_key(p.facts)
    assert m[("promptinject.HijackHateHumans", "pass_rate", "promptinject.AttackRogueString")]["value"] == 0.94
    assert m[("dan.Dan_11_0", "pass_rate", "mitigation.MitigationBypass")]["n"] == 5
    assert p.facts["pass_rate"] == round(677 / 710, 6) and p.facts["target"] == "support-assistant-staging"
    old = parsed("garak_0.9.report.jsonl")
    assert old.facts["metrics"][0]["value"] == 0.9 and old.facts["target"] == "gpt2"
    early = parsed("garak_earlystop.report.jsonl")  # nested detector lists, null scores, duplicate uuids
    assert early.facts["metrics"][0]["value"] == 0.75 and early.facts["metrics"][0]["n"] == 4


def test_promptfoo_red_team_success_means_resisted():
    p = parsed("promptfoo_redteam.json")
    assert p.facts["redteam"] is True and p.facts["errors"] == 1 and p.facts["pass_rate"] == 0.75
    m = metrics_by_key(p.facts)
    assert m[("pii:direct", "pass_rate", "support-assistant")]["value"] == 0.5
    assert p.facts["strategies"] == ["crescendo", "jailbreak"] and p.tool_version == "0.96.2"


def test_inspect_v2_nan_and_v1():
    p = parsed("inspect_v2.json")
    m = metrics_by_key(p.facts)
    assert m[("support_refusals", "accuracy", "model_graded_qa")]["stderr"] == 0.0303
    assert m[("support_refusals", "accuracy", "includes")]["value"] is None  # bare NaN token
    v1 = parsed("inspect_v1.json")
    assert v1.facts["metrics"][0]["value"] == 0.5 and "error" in v1.facts["findings"][0]


def test_task_eval_csv_means_stderr_and_slices():
    p = parsed("task_eval.csv")
    m = metrics_by_key(p.facts)
    assert m[("task_eval", "correct", None)]["value"] == 0.8 and m[("task_eval", "correct", None)]["n"] == 5
    assert m[("task_eval", "correct", "billing")]["value"] == 0.5
    assert m[("task_eval", "pii_leak", None)]["value"] == 0.2


def test_license_record_and_generic():
    assert parsed("license_record.json").facts["licenses"] == ["apache-2.0"]
    assert parsed("review-minutes.pdf").facts == {"media_type": "application/pdf"}


def test_facts_hash_and_diff_are_stable():
    assert facts_sha256({"a": 1, "b": [1, 2]}) == facts_sha256({"b": [1, 2], "a": 1})
    assert diff_facts({"licenses": ["apache-2.0"]}, {"licenses": ["other:custom"]}) == \
        ["licenses: apache-2.0 → other:custom"]


def test_suggestions_follow_kind_and_facts():
    rec = EvidenceRecord(id="e", title="t", kind="model-card", file="README.md", sha256="0" * 64, size=1,
                         facts=parsed("model_card_other.md").facts)
    ids = [sub for sub, _ in suggest_subcategories(rec)]
    assert {"MEASURE 2.3", "MEASURE 2.11", "MAP 4.1", "GOVERN 6.1"} <= set(ids)
    sbom = EvidenceRecord(id="s", title="t", kind="cyclonedx", file="b.json", sha256="0" * 64, size=1,
                          facts={"licenses": ["MIT"]}, subcategories=["MAP 4.1"])
    assert [s for s, _ in suggest_subcategories(sbom)] == ["GOVERN 6.1", "MAP 4.2", "MANAGE 3.1"]


BAD = {  # forced kind -> content that is well-formed but not that format
    "lm-eval": b'{"results": []}', "model-card": b"---\nlicense: [\n", "cyclonedx": b'{"bomFormat": "SPDX"}',
    "spdx": b'{"spdxVersion": 3}', "pip-licenses": b"[]", "python-env": b"{}", "garak": b"[1, 2]\n",
    "promptfoo": b'{"results": {}}', "inspect": b'{"eval": 1}', "task-eval": b"no table here",
    "license-record": b'{"format": "rmfkit-license-record"}',
}


@pytest.mark.parametrize("kind", sorted(BAD))
def test_wrong_content_for_forced_kind_is_one_clear_line(kind):
    with pytest.raises(InputFileError) as err:
        read_evidence(BAD[kind], "input.bin", kind)
    assert str(err.value).startswith("input.bin") and "\n" not in str(err.value)


def test_json_nesting_bomb_and_yaml_alias_bomb_are_refused():
    with pytest.raises(InputFileError, match="nested more than"):
        read_evidence(b"[" * 100_000 + b"]" * 100_000, "bomb.json")
    laughs = b"---\nlicense: mit\na: &a [x, x]\nb: &b [*a, *a]\nc: [*b, *b]\n---\n# card\n"
    with pytest.raises(InputFileError, match="aliases"):
        read_evidence(laughs, "README.md")


FIXTURE_FILES = sorted(p.name for p in FIXTURES.iterdir() if p.is_file())


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=st.sampled_from(FIXTURE_FILES), cut=st.floats(0, 1), flip=st.integers(0, 255), where=st.floats(0, 1))
def test_truncated_or_corrupted_fixture_never_crashes(name, cut, flip, where):
    """Any importer on a truncated or one-byte-corrupted real file: a result, or one clear InputFileError."""
    data = (FIXTURES / name).read_bytes()
    data = data[: int(len(data) * cut)]
    if data:
        i = int((len(data) - 1) * where)
        data = data[:i] + bytes([flip]) + data[i + 1:]
    kind = parsed(name).kind
    for forced in (None, kind):
        try:
            result = read_evidence(data, name, forced)
        except InputFileError as exc:
            assert str(exc).startswith(name) and "\n" not in str(exc)
        else:
            json.dumps(result.facts)  # facts are always plain JSON


@settings(max_examples=40, deadline=None)
@given(doc=st.recursive(st.none() | st.booleans() | st.floats(allow_nan=False) | st.text(max_size=5),
                        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
                        max_leaves=12),
       kind=st.sampled_from(sorted(k for k in by_kind() if k not in ("generic",))))
def test_arbitrary_json_for_every_importer(doc, kind):
    try:
        read_evidence(json.dumps(doc).encode(), "x.json", kind)
    except InputFileError as exc:
        assert str(exc).startswith("x.json")
