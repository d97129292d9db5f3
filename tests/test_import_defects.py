"""Issue 20's wrong facts, one test each (each failed before the fix), plus property tests of the parsers."""
from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rmfkit.errors import InputFileError
from rmfkit.library.facts import metric
from rmfkit.library.importers import read_evidence
from rmfkit.library.suggestions import suggest_subcategories
from rmfkit.models.evidence import EvidenceRecord
from rmfkit.safeparse import decode_text, parse_json

EVIDENCE = Path(__file__).parent / "fixtures" / "evidence"


def card(body: str, front: str = "license: llama3.1\n") -> bytes:
    return f"---\n{front}---\n{body}".encode()


# ---------------------------------------------------------------- model-card titles and conflicts

def test_card_title_skips_a_comment_inside_a_fenced_code_block():
    body = "## Use\n```python\n# First, define a tool\nprint(1)\n```\n# Llama 3.1 8B Instruct\n"
    assert read_evidence(card(body), "README.md").title == "Model card: Llama 3.1 8B Instruct"


def test_card_title_skips_tilde_fences_and_second_level_headings():
    body = "~~~\n# tokenizer.eos_token_id is the id of <|EOT|> token\n~~~\n## Usage\n"
    p = read_evidence(card(body, "license: other\nlicense_name: deepseek\nmodel_name: deepseek-coder-6.7b\n"),
                      "README.md")
    assert p.title == "Model card: deepseek-coder-6.7b" and p.subject == "deepseek-coder-6.7b"


def test_card_without_heading_or_name_is_titled_by_file_name_never_a_path():
    p = read_evidence(card("No heading here.\n"), "/home/alice/models/card/README.md")
    assert p.title == "Model card: README.md" and "/home" not in json.dumps(p.facts)
    assert read_evidence(b"just text", "C:\\Users\\bob\\README.md", "model-card").title == "Model card: README.md"


def test_card_model_index_name_disagreeing_with_heading_is_a_note():
    front = "license: other\nmodel-index:\n- name: starcoderbase\n  results: []\n"
    p = read_evidence(card("# stable-code-3b\n", front), "README.md")
    assert p.facts["notes"] == ["the card's heading names 'stable-code-3b' but its model-index names 'starcoderbase'; "
                                "check which model this card describes"]
    agreeing = read_evidence(card("# Llama 3.1 8B\n", "license: llama3.1\nmodel-index:\n- name: Llama-3.1-8B\n"
                                  "  results: []\n"), "README.md")
    assert "notes" not in agreeing.facts


def test_card_note_is_shown_by_import(tmp_path, run_cli):
    from rmfkit.workspace import Workspace

    Workspace.create(tmp_path / "ws", system_id="demo", name="Demo", owner="me")
    path = tmp_path / "README.md"
    path.write_bytes(card("# stable-code-3b\n", "license: other\nmodel-index:\n- name: starcoderbase\n  results: []\n"))
    code, out, _ = run_cli("evidence", "import", path, "-w", tmp_path / "ws")
    assert code == 0 and "  note: the card's heading names 'stable-code-3b' but its model-index" in out


# ---------------------------------------------------------------- promptfoo, garak

def test_promptfoo_run_whose_tests_all_errored_still_names_its_providers():
    doc = {"evalId": "e", "results": {"version": 3, "results": [
        {"provider": {"id": "openai:gpt-4o-mini"}, "success": False, "failureReason": 2, "error": "timeout"},
        {"provider": {"id": "vllm:toy"}, "success": False, "failureReason": 2, "error": "timeout"}]}}
    facts = read_evidence(json.dumps(doc).encode(), "out.json").facts
    assert facts["providers"] == ["openai:gpt-4o-mini", "vllm:toy"] and facts["errors"] == 2 and facts["metrics"] == []


def test_garak_passed_more_than_total_is_refused_naming_the_record():
    line = {"entry_type": "eval", "probe": "dan.Dan", "detector": "dan.DAN", "passed": 9, "total": 2}
    with pytest.raises(InputFileError) as err:
        read_evidence(json.dumps(line).encode() + b"\n", "r.report.jsonl")
    assert str(err.value) == ("r.report.jsonl: eval record for probe dan.Dan, detector dan.DAN: passed 9 of total 2 is "
                              "impossible (passed must be between 0 and the number of outputs evaluated)")


def test_garak_early_stop_run_gets_one_consistent_finding():
    lines = [{"entry_type": "eval", "probe": "grandma.Win10", "detector": "productkey.Win5x5", "passed": 3,
              "total_evaluated": 4},
             {"entry_type": "eval", "probe": "grandma.Win10", "detector": "EarlyStop", "passed": 0, "total_evaluated": 1}]
    facts = read_evidence(b"\n".join(json.dumps(x).encode() for x in lines), "r.report.jsonl").facts
    assert [m["slice"] for m in facts["metrics"]] == ["productkey.Win5x5"]
    assert len(facts["findings"]) == 1 and facts["findings"][0].startswith("early-stop run")


# ---------------------------------------------------------------- non-finite values

@pytest.mark.parametrize("token, marker", [("Infinity", "inf"), ("-Infinity", "-inf"), ("NaN", "nan"), ("1e999", "inf")])
def test_lm_eval_non_finite_value_is_recorded_as_such_and_json_safe(token, marker):
    data = ('{"results": {"wikitext": {"word_perplexity,none": ' + token + ', "acc,none": 0.5}}, '
            '"versions": {"wikitext": 2}}').encode()
    entry = next(m for m in read_evidence(data, "r.json").facts["metrics"] if m["metric"] == "word_perplexity")
    assert entry["value"] is None and entry["non_finite"] == marker
    json.dumps(entry, allow_nan=False)  # never a bare Infinity in what rmfkit writes


def test_inspect_eval_log_infinity_is_marked():
    facts = read_evidence((Path(__file__).parent / "fixtures" / "importers" / "refusals.eval").read_bytes(),
                          "refusals.eval").facts
    assert {m["metric"]: m.get("non_finite") for m in facts["metrics"]} == {"accuracy": None, "perplexity": "inf"}


# ---------------------------------------------------------------- suggestions

def _record(task: str, kind: str = "lm-eval") -> EvidenceRecord:
    return EvidenceRecord(id="r", title="t", kind=kind, file="r.json", sha256="0" * 64, size=1,
                          facts={"metrics": [metric(task, "acc", 0.5)]})


def test_materials_safety_task_does_not_suggest_harmful_output():
    assert "MEASURE 2.6" not in dict(suggest_subcategories(_record("materials_safety_classification")))
    assert "MEASURE 2.10" not in dict(suggest_subcategories(_record("leakage_current_regression")))
    assert "MEASURE 2.11" not in dict(suggest_subcategories(_record("unbiased_estimator")))
    # only whole curated words count, and the reason names the word that matched
    reason = dict(suggest_subcategories(_record("truthfulqa_mc2")))["MEASURE 2.6"]
    assert reason.endswith("(task or probe names mention 'truthfulqa')")


# ---------------------------------------------------------------- JSON: JSONL separators, duplicate keys, encodings

def test_jsonl_line_holding_u2028_and_u0085_is_read():
    rows = [{"entry_type": "eval", "probe": "p.P", "detector": "d.D", "passed": 1, "total_evaluated": 2,
             "note": "a\u2028b\u0085c"}]
    data = b"\n".join(json.dumps(r, ensure_ascii=False).encode() for r in rows * 2)
    assert read_evidence(data, "r.report.jsonl").facts["metrics"][0]["value"] == 0.5


def test_duplicate_json_key_is_refused_naming_key_and_line():
    data = b'{"bomFormat": "CycloneDX",\n "specVersion": "1.6",\n "bomFormat": "SPDX"}'
    with pytest.raises(InputFileError) as err:
        read_evidence(data, "bom.json")
    assert 'duplicate key "bomFormat"' in err.value.message and err.value.line == 3


@pytest.mark.parametrize("encoding", ["utf-16", "utf-32", "utf-16-be", "utf-8-sig"])
def test_json_with_a_byte_order_mark_is_read_with_a_note(encoding):
    text = (EVIDENCE / "lmeval_results.json").read_text("utf-8")
    data = ("\ufeff" + text).encode(encoding) if encoding == "utf-16-be" else text.encode(encoding)
    p = read_evidence(data, "r.json")
    assert p.kind == "lm-eval" and len(p.facts["metrics"]) == 5
    assert encoding == "utf-8-sig" or p.facts["findings"][-1].startswith("read as UTF-")


def test_latin1_text_is_read_with_a_note_and_binary_is_refused():
    p = read_evidence("# Notes on café\n".encode("latin-1"), "notes.md")
    assert p.kind == "generic"
    text, note = decode_text("Résumé".encode("latin-1"), "notes.txt")
    assert text == "Résumé" and "Latin-1" in note
    with pytest.raises(InputFileError, match="not valid UTF-8"):
        decode_text(b"\xff\xfe\x00\x00\xff\xff\xff\xff", "x.bin")


# ---------------------------------------------------------------- properties

json_values = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
                           lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(), children,
                                                                                               max_size=4),
                           max_leaves=20)


@given(json_values)
@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
def test_parse_json_reads_what_json_writes(value):
    assert parse_json(json.dumps(value).encode(), "x.json") == value


@given(st.text(max_size=200), st.sampled_from(["utf-8", "utf-16", "utf-32", "utf-8-sig"]))
@settings(max_examples=200)
def test_decode_text_gives_back_the_text_of_any_bom_encoding(text, encoding):
    if any(ord(c) < 32 and c not in "\t\n\r\f" or c == "\x7f" for c in text) and encoding != "utf-8":
        return  # control characters make BOM-marked bytes read as binary, by design
    decoded, _ = decode_text(text.encode(encoding), "x.txt")
    assert decoded == text.removeprefix("\ufeff") or decoded == text


@given(st.floats(allow_nan=True, allow_infinity=True))
def test_metric_value_is_finite_or_marked(value):
    entry = metric("t", "m", value)
    assert (entry["value"] is not None and math.isfinite(entry["value"])) or entry.get("non_finite")
    json.dumps(entry, allow_nan=False)


@given(st.binary(max_size=512))
@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
def test_any_bytes_are_read_or_refused_with_one_line(data):
    try:
        p = read_evidence(data, "input")
    except InputFileError as exc:
        assert exc.file == "input" and "\n" not in str(exc)
    else:
        assert isinstance(p.title, str) and isinstance(p.facts, dict)
