"""``rmfkit map show | set | suggest | gaps`` and the coverage / measurement sections of ``rmfkit status``."""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
from pathlib import Path

import pytest

from rmfkit.models.evidence import EvidenceRecord
from rmfkit.workspace import Workspace

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "measure"


@pytest.fixture
def ws_path(tmp_path, monkeypatch) -> Path:
    """A workspace with one met claim whose only evidence expired, one met claim without evidence,
    a target, a usable SBOM not yet linked, and thresholds with one failing metric."""
    monkeypatch.setenv("RMFKIT_TODAY", "2026-07-01")
    monkeypatch.setattr("rmfkit.assess._library_suggestions", lambda record: [])  # only declared links here
    ws = Workspace.create(tmp_path / "ws", system_id="demo", name="Demo", owner="Governance lead")
    items = {"E-POLICY": dict(kind="generic", valid_until=dt.date(2026, 6, 30)),
             "E-SBOM": dict(kind="cyclonedx", subcategories=["MAP 4.1"]),
             "E-LMEVAL": dict(kind="lm-eval", collected_at=dt.date(2026, 6, 20), example_data=True,
                              facts={"metrics": [{"task": "support_tickets", "metric": "acc", "value": 0.812,
                                                  "stderr": 0.016, "n": 600}]})}
    with ws.edit():
        for evidence_id, fields in items.items():
            content = f"{evidence_id}\n".encode()
            ws.write_artifact(f"evidence/{evidence_id}/a.txt", content)
            ws.put(f"evidence/{evidence_id}/evidence.yaml",
                   EvidenceRecord(id=evidence_id, title=evidence_id, file="a.txt",
                                  sha256=hashlib.sha256(content).hexdigest(), size=len(content), **fields))
        ws.set_assessment("GOVERN 1.1", status="met", owner="Legal counsel", evidence=["E-POLICY"])
        ws.set_assessment("GOVERN 2.1", status="met", owner="Head of CX")
        ws.set_assessment("MAP 4.1", status="partially_met", owner="ML platform lead", target_status="met",
                          target_date=dt.date(2026, 6, 15))
    shutil.copy(FIXTURES / "thresholds.yaml", ws.root / "thresholds.yaml")
    return ws.root


def test_status_names_unsupported_claims_and_failing_metrics(run_cli, ws_path):
    code, out, err = run_cli("status", "-w", ws_path)
    assert code == 0, err
    assert "Unsupported claims (1)" in out
    assert "GOVERN 1.1: marked met, but none of its evidence is usable: E-POLICY expired on 2026-06-30" in out
    assert "Met without evidence (1): GOVERN 2.1" in out
    assert "Target profile: 2 subcategories below target, 1 overdue (MAP 4.1) (see `rmfkit map gaps`)" in out
    assert "Measurement: 5 thresholds — 0 pass, 0 inconclusive, 1 fail, 4 not measured" in out
    assert "FAIL Support answer accuracy on labelled tickets (ticket-accuracy): 0.812 vs ≥ 0.85; short by 0.038" in out
    lines = [line.split() for line in out.splitlines()]
    assert ["GOVERN", "1", "0", "1", "0", "0", "17", "19", "10%", "5%"] in lines


def test_status_json_sections(run_cli, ws_path):
    code, out, _ = run_cli("status", "-w", ws_path, "--json")
    data = json.loads(out)
    coverage, measurement = data["coverage"], data["measurement"]
    assert coverage["totals"]["unsupported"] == 1 and coverage["totals"]["met"] == 1
    assert coverage["unsupported"] == [{"id": "GOVERN 1.1", "status": "met", "reason":
                                        "marked met, but none of its evidence is usable: E-POLICY expired on 2026-06-30"}]
    assert coverage["met_without_evidence"] == ["GOVERN 2.1"] and coverage["suggestions"] == 1
    assert (measurement["fail"], measurement["failing"]) == (1, ["ticket-accuracy"])
    assert measurement["characteristics_not_measured"][0] == "Safe"


def test_status_without_thresholds_says_not_yet_recorded(run_cli, ws_path):
    (ws_path / "thresholds.yaml").unlink()
    code, out, _ = run_cli("status", "-w", ws_path)
    assert "Measurement: not yet recorded (declare thresholds in thresholds.yaml)" in out
    assert json.loads(run_cli("status", "-w", ws_path, "--json")[1])["measurement"] is None


def test_map_show_filters_and_json(run_cli, ws_path):
    code, out, _ = run_cli("map", "show", "-w", ws_path, "--status", "unsupported", "--json")
    rows = json.loads(out)
    assert [(r["id"], r["status"], r["effective_status"]) for r in rows] == [("GOVERN 1.1", "met", "unsupported")]
    assert rows[0]["evidence_checks"] == [{"id": "E-POLICY", "status": "expired", "reason": "expired on 2026-06-30"}]
    rows = json.loads(run_cli("map", "show", "-w", ws_path, "--owner", "legal", "--json")[1])
    assert [r["id"] for r in rows] == ["GOVERN 1.1"]
    rows = json.loads(run_cli("map", "show", "-w", ws_path, "-f", "map", "--assessed", "--json")[1])
    assert [r["id"] for r in rows] == ["MAP 4.1"]
    rows = json.loads(run_cli("map", "show", "-w", ws_path, "--category", "govern-2", "--json")[1])
    assert [r["id"] for r in rows] == ["GOVERN 2.1", "GOVERN 2.2", "GOVERN 2.3"]
    code, out, _ = run_cli("map", "show", "-w", ws_path, "--status", "met")
    assert "met → unsupported" in out and "E-POLICY (expired)" in out and "met (no evidence)" in out


def test_map_show_one_gives_guidance_at_the_point_of_decision(run_cli, ws_path):
    code, out, _ = run_cli("map", "show", "MAP 4.1", "-w", ws_path, "--json")
    data = json.loads(out)
    assert data["assessment"]["target_date"] == "2026-06-15" and data["assessment"]["overdue"] is True
    assert data["guidance"]["statement"].startswith("Approaches for mapping AI technology and legal risks")
    assert data["guidance"]["gai_actions"], "the example system is generative: AI 600-1 actions apply"
    code, out, _ = run_cli("map", "show", "map-4.1", "-w", ws_path)
    assert "Playbook suggested actions" in out and "AI 600-1 actions (generative AI profile)" in out
    assert "OVERDUE" in out


def test_map_set_adds_evidence_and_explains_the_computed_status(run_cli, ws_path):
    code, out, err = run_cli("map", "set", "GOVERN 1.1", "-w", ws_path, "--add-evidence", "E-SBOM")
    assert code == 0, err
    assert out.splitlines()[0] == "GOVERN 1.1: met, owner Legal counsel, evidence E-POLICY, E-SBOM"
    assert out.splitlines()[1] == "note: supported by E-SBOM; also linked: E-POLICY expired on 2026-06-30"
    ws = Workspace.open(ws_path)
    assert ws.assessment("GOVERN 1.1").evidence == ["E-POLICY", "E-SBOM"]
    assert ws.assessment("GOVERN 1.1").last_reviewed == dt.date(2026, 7, 1)
    code, out, _ = run_cli("map", "set", "GOVERN 1.1", "-w", ws_path, "--remove-evidence", "E-SBOM")
    assert "note: marked met, but none of its evidence is usable: E-POLICY expired on 2026-06-30" in out
    code, out, _ = run_cli("map", "set", "MAP 1.1", "-w", ws_path, "--status", "met")
    assert out.splitlines() == ["MAP 1.1: met", "note: marked met without evidence"]


def test_map_set_refuses_bad_input_and_leaves_the_workspace_unchanged(run_cli, ws_path):
    before = (ws_path / "mapping" / "govern.yaml").read_bytes()
    code, _, err = run_cli("map", "set", "GOVERN 1.1", "-w", ws_path, "--add-evidence", "E-POLICI")
    assert code == 2 and "unknown evidence 'E-POLICI' (did you mean E-POLICY?)" in err
    code, _, err = run_cli("map", "set", "GOVERN 1.1", "-w", ws_path, "--status", "not_applicable")
    assert code == 2 and 'status not_applicable needs a justification (add --justification "why")' in err
    code, _, err = run_cli("map", "set", "GOVERN 1.1", "-w", ws_path, "--status", "done")
    assert code == 2 and "--status: 'done' is not one of" in err
    code, _, err = run_cli("map", "show", "-w", ws_path, "--status", "done")
    assert code == 2 and "--status 'done' is not a status" in err
    assert (ws_path / "mapping" / "govern.yaml").read_bytes() == before


def test_map_suggest_and_gaps(run_cli, ws_path):
    data = json.loads(run_cli("map", "suggest", "-w", ws_path, "--json")[1])
    assert [(r["subcategory"], r["evidence"]) for r in data["evidence"]] == [("MAP 4.1", "E-SBOM")]
    assert data["records"] == []
    code, out, _ = run_cli("map", "suggest", "-w", ws_path)
    assert "MAP 4.1" in out and "E-SBOM" in out and "declared by the evidence item" in out
    data = json.loads(run_cli("map", "gaps", "-w", ws_path, "--json")[1])
    assert [(g["id"], g["current"], g["target"], g["overdue"]) for g in data["gaps"]] == [
        ("GOVERN 1.1", "unsupported", "met", False), ("MAP 4.1", "partially_met", "met", True)]
    assert {p["function"]: p["gap"] for p in data["profile"]} == {"GOVERN": 1, "MAP": 1, "MEASURE": 0, "MANAGE": 0}
    code, out, _ = run_cli("map", "gaps", "-w", ws_path, "--by-category")
    assert "GOVERN 1" in out and "2026-06-15 OVERDUE" in out


def test_measure_command_lists_results_and_what_is_not_measured(run_cli, ws_path):
    data = json.loads(run_cli("measure", "-w", ws_path, "--json")[1])
    assert [(r["id"], r["outcome"]) for r in data["rows"]] == [
        ("ticket-accuracy", "fail"), ("gsm8k-strict", "not_measured"), ("injection-pass-rate", "not_measured"),
        ("p95-latency", "not_measured"), ("language-accuracy-gap", "not_measured")]
    code, out, _ = run_cli("measure", "-w", ws_path, "--failing")
    assert code == 0
    assert "p95-latency: generic evidence holds no value of p95_latency_ms" in out
    assert "Trustworthiness characteristics not measured (MEASURE 1.1): Safe; Secure and resilient;" in out
    assert "ticket-accuracy: 0.812 vs ≥ 0.85; short by 0.038" in out
    (ws_path / "thresholds.yaml").unlink()
    assert run_cli("measure", "-w", ws_path)[1].startswith("No thresholds declared")
