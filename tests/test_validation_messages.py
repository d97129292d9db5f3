"""Schema problems in plain words: no pydantic phrasing, no Python values, one line per mistake."""
from __future__ import annotations

from pathlib import Path

import pytest

from rmfkit.wording import describe_validation_error


def edit(path: Path, old: str, new: str) -> int:
    """Replace the one ``old`` in ``path`` by ``new``; returns the line the change starts on."""
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} is not once in {path.name}"
    path.write_text(text.replace(old, new), encoding="utf-8")
    return text[: text.index(old)].count("\n") + 1 + old[:1].count("\n")


@pytest.mark.parametrize("file, old, new, line", [
    ("risks/R-0003.yaml", "likelihood: 3\n", "likelihood: 7\n",
     "risks/R-0003.yaml line {line}: likelihood: must be at most 5 (got 7)"),
    ("risks/R-0003.yaml", "likelihood: 3\n", "likelihood: 0\n",
     "risks/R-0003.yaml line {line}: likelihood: must be at least 1 (got 0)"),
    ("risks/R-0003.yaml", "likelihood: 3\n", "likelihood: high\n",
     "risks/R-0003.yaml line {line}: likelihood: must be a whole number (got 'high')"),
    ("risks/R-0003.yaml", "likelihood: 3\n", "likelihood: 2.5\n",
     "risks/R-0003.yaml line {line}: likelihood: must be a whole number (got 2.5)"),
    ("evidence/lic-vllm/evidence.yaml", "size: 746\n", "size: [746]\n",
     "evidence/lic-vllm/evidence.yaml line {line}: size: must be a whole number (got a list)"),
    ("evidence/lic-vllm/evidence.yaml", "\nsha256: bdf88c11", "\nsha256: BDF88C11",
     "evidence/lic-vllm/evidence.yaml line {line}: sha256: must be a SHA-256: 64 lowercase hex digits "
     "(got 'BDF88C11aa6a0cac4550fdf2af4b9474fa2a35105c066b5408ba524dd...')"),
    ("system.yaml", "go_live: 2026-03-02\n", "go_live: 2026-02-30\n",
     "system.yaml line {line}: go_live: '2026-02-30' is not a date that exists; write a date as YYYY-MM-DD"),
    ("system.yaml", "go_live: 2026-03-02\n", "go_live: next spring\n",
     "system.yaml line {line}: go_live: must be a date written YYYY-MM-DD (got 'next spring')"),
    ("system.yaml", "generative: true\n", "generative: {answer: true}\n",
     "system.yaml line {line}: generative: must be true or false (got a mapping)"),
    ("system.yaml", "name: Customer Support Assistant\n", "name: [Customer, Support]\n",
     "system.yaml line {line}: name: must be text (got a list)"),
])
def test_a_schema_problem_reads_in_plain_words_and_is_listed_once(example_ws: Path, run_cli, file, old, new, line):
    """One mistake, one line: a risk that failed to load is not also 'not in the risk register' elsewhere."""
    at = edit(example_ws / file, old, new)
    code, out, err = run_cli("validate", "-w", example_ws)
    assert (code, out) == (3, "")
    assert err.splitlines() == [line.format(line=at), "1 problem found"]


def test_components_written_as_a_mapping(example_ws: Path, run_cli):
    system = example_ws / "system.yaml"
    text = system.read_text(encoding="utf-8")
    start, end = text.index("\ncomponents:\n") + 1, text.index("\ndata_flows:\n") + 1
    system.write_text(text[:start] + "components: {llama: vllm}\n" + text[end:], encoding="utf-8")
    code, _, err = run_cli("validate", "-w", example_ws)
    assert code == 3
    line = text[:start].count("\n") + 1
    assert err.splitlines() == [f"system.yaml line {line}: components: must be a list (got a mapping)",
                                "1 problem found"]


def test_a_duplicate_key_is_named_without_python_values(example_ws: Path, run_cli):
    line = edit(example_ws / "risks" / "R-0003.yaml", "likelihood: 3\n", "likelihood: 3\nlikelihood:\n  value: 4\n")
    code, out, err = run_cli("validate", "-w", example_ws)
    assert (code, out) == (2, "")
    assert err == (f'error: risks/R-0003.yaml line {line + 1}: duplicate key "likelihood": a key may appear only once in a '
                   "mapping; keep one of them\n")


@pytest.mark.parametrize("error, message", [
    ({"type": "greater_than", "loc": ("review_interval_days",), "input": 0, "ctx": {"gt": 0}},
     "must be more than 0 (got 0)"),
    ({"type": "less_than_equal", "loc": ("share",), "input": 1.25, "ctx": {"le": 1}}, "must be at most 1 (got 1.25)"),
    ({"type": "literal_error", "loc": ("status",), "input": 3, "ctx": {"expected": "'met' or 'not_met'"}},
     "3 is not one of met, not_met"),
    ({"type": "string_too_short", "loc": ("id",), "input": "", "ctx": {"min_length": 1}}, "must not be empty"),
    ({"type": "string_pattern_mismatch", "loc": ("id",), "input": "M1", "ctx": {"pattern": r"^M-\d{2,}$"}},
     "must look like M-01 (got 'M1')"),
    ({"type": "dict_type", "loc": ("criteria",), "input": [{"a": 1}]}, "must be a mapping of keys to values (got a list)"),
    ({"type": "finite_number", "loc": ("tolerance",), "input": float("nan")}, "must be a finite number (got .nan)"),
])
def test_pydantic_errors_in_words(error, message):
    assert describe_validation_error(error) == (error["loc"][0], message)
