"""validate lists every problem: a file that broke its schema hides nothing else and is reported once."""
from __future__ import annotations

import json
from pathlib import Path


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} is not once in {path.name}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def break_system_and_three_more(ws: Path) -> None:
    edit(ws / "system.yaml", "deployment_pattern: hybrid\n", "deployment_pattern: hybird\n")
    edit(ws / "mapping" / "govern.yaml", "      - lic-llama-3.1\n      - lic-vllm\n",
         "      - lic-nothing\n      - lic-vllm\n")
    edit(ws / "operations.yaml", "prefix caching; answers streamed to the chat widget.\n    risks: [R-0005]\n",
         "prefix caching; answers streamed to the chat widget.\n    risks: [R-9999]\n")
    edit(ws / "dpia.yaml", "    measures: [M-01, M-02]\n", "    measures: [M-01, M-99]\n")


EVERY_PROBLEM = [
    "system.yaml line 21: deployment_pattern: 'hybird' is not one of self_hosted, hosted_api, hybrid, on_device, "
    "batch, embedded",
    "mapping/govern.yaml line 41: subcategories.GOVERN 6.1.evidence: evidence 'lic-nothing' is not in this workspace "
    "(import or pull it first)",
    "operations.yaml line 13: checklist.serving.runtime.risks: risk 'R-9999' is not in the risk register (risks/)",
    "dpia.yaml line 205: necessity.minimisation.measures: measure 'M-99' is not in measures",
]


def test_a_bad_system_file_hides_no_other_problem(example_ws: Path, run_cli):
    break_system_and_three_more(example_ws)
    code, out, err = run_cli("validate", "-w", example_ws)
    assert (code, out) == (3, "")
    assert err.splitlines() == [*EVERY_PROBLEM, "4 problem(s) found"]


def test_validate_json_lists_every_problem_and_exits_3(example_ws: Path, run_cli):
    break_system_and_three_more(example_ws)
    code, out, err = run_cli("validate", "-w", example_ws, "--json")
    assert (code, err) == (3, "")
    listed = json.loads(out)
    assert [f"{p['file']} line {p['line']}: {p['field']}: {p['message']}" for p in listed] == EVERY_PROBLEM
    assert listed[0] == {"file": "system.yaml", "line": 21, "field": "deployment_pattern",
                         "message": "'hybird' is not one of self_hosted, hosted_api, hybrid, on_device, batch, "
                                    "embedded"}


def test_components_of_a_broken_system_file_are_not_reported_missing(example_ws: Path, run_cli):
    """Risks, operations and the DPIA name components and data flows; with system.yaml broken they are unknown."""
    edit(example_ws / "system.yaml", "deployment_pattern: hybrid\n", "deployment_pattern: hybird\n")
    code, _, err = run_cli("validate", "-w", example_ws)
    assert code == 3
    assert err.splitlines() == [EVERY_PROBLEM[0], "1 problem(s) found"]
