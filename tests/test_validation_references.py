"""validate lists every problem: a file that broke its schema hides nothing else and is reported once."""
from __future__ import annotations

import json
from pathlib import Path


def edit(path: Path, old: str, new: str) -> int:
    """Replace the one ``old`` in ``path`` by ``new``; returns the line the change starts on."""
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} is not once in {path.name}"
    path.write_text(text.replace(old, new), encoding="utf-8")
    return text[: text.index(old)].count("\n") + 1


def break_system_and_three_more(ws: Path) -> list[str]:
    """Four mistakes in four files; the problems validate must list, in its order."""
    system = edit(ws / "system.yaml", "deployment_pattern: hybrid\n", "deployment_pattern: hybird\n")
    govern = edit(ws / "mapping" / "govern.yaml", "      - lic-llama-3.1\n      - lic-vllm\n",
                  "      - lic-nothing\n      - lic-vllm\n")
    operations = edit(ws / "operations.yaml", "risks: [R-0005]\n  - id: serving.capacity\n",
                      "risks: [R-9999]\n  - id: serving.capacity\n")
    dpia = edit(ws / "dpia.yaml", "    measures: [M-01, M-02]\n", "    measures: [M-01, M-99]\n")
    return [
        f"system.yaml line {system}: deployment_pattern: 'hybird' is not one of self_hosted, hosted_api, hybrid, "
        "on_device, batch, embedded",
        f"mapping/govern.yaml line {govern}: subcategories.GOVERN 6.1.evidence: evidence 'lic-nothing' is not in this "
        "workspace (import or pull it first)",
        f"operations.yaml line {operations}: checklist.serving.runtime.risks: risk 'R-9999' is not in the risk "
        "register (risks/)",
        f"dpia.yaml line {dpia}: necessity.minimisation.measures: measure 'M-99' is not in measures",
    ]


def test_a_bad_system_file_hides_no_other_problem(example_ws: Path, run_cli):
    every_problem = break_system_and_three_more(example_ws)
    code, out, err = run_cli("validate", "-w", example_ws)
    assert (code, out) == (3, "")
    assert err.splitlines() == [*every_problem, "4 problems found"]


def test_validate_json_lists_every_problem_and_exits_3(example_ws: Path, run_cli):
    every_problem = break_system_and_three_more(example_ws)
    code, out, err = run_cli("validate", "-w", example_ws, "--json")
    assert (code, err) == (3, "")
    listed = json.loads(out)
    assert [f"{p['file']} line {p['line']}: {p['field']}: {p['message']}" for p in listed] == every_problem
    assert listed[0] == {"file": "system.yaml", "line": listed[0]["line"], "field": "deployment_pattern",
                         "message": "'hybird' is not one of self_hosted, hosted_api, hybrid, on_device, batch, "
                                    "embedded"}


def test_components_of_a_broken_system_file_are_not_reported_missing(example_ws: Path, run_cli):
    """Risks, operations and the DPIA name components and data flows; with system.yaml broken they are unknown."""
    line = edit(example_ws / "system.yaml", "deployment_pattern: hybrid\n", "deployment_pattern: hybird\n")
    code, _, err = run_cli("validate", "-w", example_ws)
    assert code == 3
    assert err.splitlines() == [f"system.yaml line {line}: deployment_pattern: 'hybird' is not one of self_hosted, "
                                "hosted_api, hybrid, on_device, batch, embedded", "1 problem found"]
