"""Builds read from the evidence file or declared at import; evidence without one is 'build unknown'."""
from __future__ import annotations

import json

from hypothesis import given, strategies as st

from rmfkit.analysis import of_workspace
from rmfkit.builds import same_build
from rmfkit.library.importers import read_evidence
from rmfkit.models.build import Build
from rmfkit.workspace import Workspace

LM_EVAL = {"results": {"mmlu": {"acc,none": 0.6}}, "versions": {"mmlu": 2}, "model_revision": "main",
           "model_sha": "0e9e39f249a16976918f6564b8830bc894c89659",
           "config": {"model": "vllm", "model_args": "pretrained=org/model-AWQ,quantization=awq,revision=abc123"}}


def test_lm_eval_model_args_name_the_build():
    parsed = read_evidence(json.dumps(LM_EVAL).encode(), "results.json")
    assert parsed.facts["build"] == {"repository": "org/model-AWQ", "revision": "abc123", "quantization": "awq",
                                     "serving": {"name": "vllm"}, "source": "file"}


def test_inspect_log_names_model_and_revision():
    log = {"version": 2, "status": "success", "eval": {"task": "t", "model": "hf/org/model",
                                                        "model_args": {"revision": "r1"}},
           "results": {"completed_samples": 1, "scores": [{"name": "m", "metrics": {"accuracy": {"value": 1.0}}}]}}
    assert read_evidence(json.dumps(log).encode(), "log.json").facts["build"] == {
        "repository": "org/model", "revision": "r1", "serving": {"name": "hf"}, "source": "file"}


def test_import_stores_the_build_on_the_record_and_build_unknown_is_said(example_ws, run_cli, tmp_path):
    results = tmp_path / "results.json"
    results.write_text(json.dumps({**LM_EVAL, "config": {"model": "hf", "model_args": "pretrained=x/y"}}))
    code, out, err = run_cli("evidence", "import", str(results), "--component", "llama-3.1-8b-instruct",
                             "--id", "run-1", "-w", str(example_ws))
    assert code == 0, err
    ws = Workspace.open(example_ws)
    assert ws.evidence["run-1"].build == Build(repository="x/y", revision=LM_EVAL["model_sha"], serving={"name": "hf"}, source="file")
    assert "build" not in ws.evidence["run-1"].facts
    states = {e["id"]: (e["state"], e["reason"]) for e in of_workspace(ws).gates["evidence"]}
    assert states["run-1"][0] == "other_build"  # repository x/y is not the served meta-llama build
    assert states["card-llama-3.1-8b-instruct"][0] == "unknown"
    assert states["card-llama-3.1-8b-instruct"][1].startswith("build unknown: it names no build comparable")


def test_a_declared_build_of_another_component_is_one_clear_line(example_ws, run_cli, tmp_path):
    notes = tmp_path / "notes.md"
    notes.write_text("eval notes")
    code, _, err = run_cli("evidence", "import", str(notes), "--component", "vllm", "--build",
                           "llama-3.1-8b-instruct", "-w", str(example_ws))
    assert code == 2 and "--build names the build of 'llama-3.1-8b-instruct'" in err


builds = st.builds(Build, digest=st.none() | st.sampled_from(["a" * 64, "b" * 64]),
                   repository=st.none() | st.sampled_from(["m/x", "M/X", "m/y"]),
                   revision=st.none() | st.sampled_from(["r1", "r2"]),
                   quantization=st.none() | st.sampled_from(["none", "awq"]))


@given(builds, builds)
def test_same_build_is_symmetric_and_a_digest_decides(a, b):
    assert same_build(a, b) == same_build(b, a)
    if a.digest and b.digest:
        assert same_build(a, b) == (a.digest == b.digest)
    assert same_build(a, a) in (True, None)
