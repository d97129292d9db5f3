"""Issue 15 item 2: ``rmfkit check`` — the example agrees with itself; each class of contradiction planted
in a copy gives exit 3 and a finding naming the file and the field."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new, 1))


def _errors(run_cli, ws: Path) -> tuple[int, list[dict]]:
    code, out, _ = run_cli("check", "-w", ws, "--json")
    return code, [f for f in json.loads(out)["findings"] if f["severity"] == "error"]


def test_the_example_has_no_error_level_finding(run_cli, example_ws):
    code, out, _ = run_cli("check", "-w", example_ws)
    assert code == 0, out
    assert re.search(r"^0 errors, \d+ warnings$", out, re.M)
    code, out, _ = run_cli("status", "-w", example_ws, "--json")
    assert json.loads(out)["findings"]["error"] == 0


def _planted(run_cli, ws: Path, rule: str, file: str, field: str) -> dict:
    code, errors = _errors(run_cli, ws)
    assert code == 3
    hits = [f for f in errors if f["rule"] == rule and f["file"] == file and f["field"] == field]
    assert hits, errors
    code, out, _ = run_cli("check", "-w", ws)
    assert code == 3 and f"ERROR {file}" in out and f"{field}: " in out
    return hits[0]


def test_approved_dpia_with_an_open_point(run_cli, example_ws):
    _edit(example_ws / "dpia.yaml", "    closed_on: 2026-11-13\n", "")
    hit = _planted(run_cli, example_ws, "dpia-open-points", "dpia.yaml", "open_points.0")
    assert "DSK" in hit["message"]


def test_dpia_and_register_disagree_on_a_residual_level(run_cli, example_ws):
    _edit(example_ws / "risks" / "R-0008.yaml", "residual_likelihood: 2\nresidual_impact: 3",
          "residual_likelihood: 2\nresidual_impact: 2")
    hit = _planted(run_cli, example_ws, "privacy-risk-levels", "dpia.yaml", "risks.2.residual_severity")
    assert "DR-03" in hit["message"] and "R-0008" in hit["message"]


def test_a_measure_described_in_two_states(run_cli, example_ws):
    _edit(example_ws / "system.yaml", "(requested, DPIA M-13)", "(in place, DPIA M-13)")
    hit = _planted(run_cli, example_ws, "measure-state", "system.yaml", "data_flows.2.retention")
    assert "M-13" in hit["message"] and "planned" in hit["message"]


def test_dpia_approved_after_go_live(run_cli, example_ws):
    _edit(example_ws / "dpia.yaml", "  first_approved_on: 2026-02-27\n", "")
    hit = _planted(run_cli, example_ws, "dpia-after-go-live", "dpia.yaml", "sign_off.date")
    assert "2026-03-02" in hit["message"] and "Art. 35(1)" in hit["message"]


def test_acceptance_by_a_body(run_cli, example_ws):
    _edit(example_ws / "risks" / "R-0002.yaml", "accepted_by: A. Novak, Head of Customer Experience",
          "accepted_by: AI risk committee")
    hit = _planted(run_cli, example_ws, "acceptance-person", "risks/R-0002.yaml", "accepted_by")
    assert "not a person" in hit["message"]


def test_privacy_acceptance_before_the_dpo_advice(run_cli, example_ws):
    _edit(example_ws / "dpia.yaml", "    approved_on: 2026-11-16\n    register_risk: R-0009",
          "    approved_on: 2026-06-12\n    register_risk: R-0009")
    hit = _planted(run_cli, example_ws, "acceptance-before-advice", "dpia.yaml", "risks.5.approved_on")
    assert "2026-11-10" in hit["message"]


def test_accepted_risk_left_open_without_a_due_date(run_cli, example_ws):
    _edit(example_ws / "risks" / "R-0002.yaml", "due: 2027-02-15\n", "")
    _planted(run_cli, example_ws, "accepted-open-no-due", "risks/R-0002.yaml", "due")


def test_residual_lowered_by_a_control_that_never_ran(run_cli, example_ws):
    _edit(example_ws / "risks" / "R-0003.yaml", "residual_controls: [supply_chain.sbom]",
          "residual_controls: [supply_chain.sbom, supply_chain.checksums, artifact:llama-3.1-8b-instruct]")
    hit = _planted(run_cli, example_ws, "residual-control-not-run", "risks/R-0003.yaml", "residual_controls.1")
    assert "in progress" in hit["message"]
    _planted(run_cli, example_ws, "residual-control-not-run", "risks/R-0003.yaml", "residual_controls.2")


def test_packet_strict_refuses_while_errors_exist(run_cli, example_ws, tmp_path):
    _edit(example_ws / "risks" / "R-0002.yaml", "due: 2027-02-15\n", "")
    code, _, err = run_cli("packet", "-w", example_ws, "--out", tmp_path / "out", "--strict")
    assert code == 3 and "risks/R-0002.yaml" in err and "accepted-open-no-due" in err
    assert not (tmp_path / "out").exists()
