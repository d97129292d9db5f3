"""A new team's afternoon: sessions 00-07 executed in order on an EMPTY folder, with their parameters only.

The system is not the example: a claims-triage assistant on a LoRA-tuned Mistral-7B-Instruct, with a BGE-M3
retriever and a hosted-API fallback. Every record comes from a session's parameters, applied by the
documented calls (``show.edit...``); no YAML is written by the test. The run ends with a signed packet
that verifies, a DPIA decision, a risk register, measured thresholds, a baseline snapshot (session 06)
and the first quarterly review next quarter (session 07).
"""
from __future__ import annotations

import random
from pathlib import Path

import nbformat
import pytest

import rmfkit
from rmfkit.notebook.record import run_notebook
from tests.conftest import executed_cleanly

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
TODAY, NEXT_QUARTER = "2026-11-20", "2027-02-15"
SHA = "3f" * 32


def task_eval_csv(path: Path) -> Path:
    """The team's own labelled evaluation in the task-eval format (templates/task-eval.csv)."""
    rng = random.Random(7)
    lines = ["item_id,task,category,correct,urgent_flagged,latency_ms"]
    for i in range(1, 161):
        category = "urgent" if i % 4 == 0 else "routine"
        lines.append(f"{i},claims_triage,{category},{int(rng.random() < 0.93)},{int(rng.random() < 0.97)},"
                     f"{rng.randint(500, 1400)}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def parameters(tmp: Path, ws: Path, keys: tuple[Path, Path]) -> dict[str, dict]:
    from rmfkit.catalog import load_catalog

    subs = [s.id for s in load_catalog().subcategories]
    statuses = ["met", "partially_met", "not_met", "partially_met"]
    decisions = [{"id": sub, "status": statuses[i % 4], "owner": "Head of Claims Ops (A. Rivera)",
                  "notes": "Agreed in session 03", **({"target_status": "met", "target_date": "2027-03-31"}
                                                      if statuses[i % 4] != "met" else {})}
                 for i, sub in enumerate(subs[:44])]
    decisions += [{"id": "MEASURE 2.3", "status": "partially_met", "owner": "ML lead (J. Chen)",
                   "add_evidence": ["eval-triage"]}]
    return {
        "00_start_here": {"system_id": "claims-triage", "system_name": "Claims triage assistant",
                          "owner": "Head of Claims Ops (A. Rivera)",
                          "purpose": "Routes incoming insurance claims to the right queue and flags urgent ones."},
        "01_intake_and_openness": {
            "profile": {"users": ["claims handlers"], "affected_groups": ["policyholders", "claimants"],
                        "deployment_pattern": "hybrid",
                        "intended_use": {"eu_users": True, "expected_monthly_active_users": 4000}},
            "components": [
                {"component_id": "mistral-7b-instruct", "name": "Mistral-7B-Instruct v0.3", "layer": "weights",
                 "license": "Apache-2.0", "version": "v0.3", "supplier": "Mistral AI"},
                {"component_id": "claims-lora", "name": "Claims LoRA adapter", "layer": "weights",
                 "license": "Apache-2.0", "version": "2026-10", "artifact_sha256": SHA},
                {"component_id": "bge-m3", "name": "BGE-M3 retriever", "layer": "weights", "license": "MIT"},
                {"component_id": "vllm", "name": "vLLM", "layer": "tooling", "license": "Apache-2.0"},
                {"component_id": "hosted-fallback", "name": "Hosted LLM API (fallback)", "layer": "service"}],
            "data_categories": [
                {"category_id": "contact", "name": "Contact details"},
                {"category_id": "health", "name": "Health details in injury claims", "special_category": True}],
            "data_flows": [
                {"flow_id": "claims-to-model", "description": "Claim text to the triage model", "data": "claim text",
                 "source": "claims portal", "destination": "mistral-7b-instruct",
                 "personal_data": ["contact", "health"], "data_subjects": ["claimants"], "region": "EU"},
                {"flow_id": "fallback", "description": "Long claims to the hosted fallback", "data": "claim text",
                 "source": "triage service", "destination": "hosted-fallback", "personal_data": ["contact"],
                 "processor": "LLM API vendor", "region": "US", "transfer_mechanism": "SCCs"}],
            "team_needs": ["strict_privacy"]},
        "02_evidence_library": {"evidence_files": [str(task_eval_csv(tmp / "triage-eval.csv"))],
                                "import_options": {"evidence_id": "eval-triage", "components": ["claims-lora"],
                                                   "subcategories": ["MEASURE 2.5"], "valid_until": "2027-06-30"}},
        "03_map_the_rmf": {"guide": "MEASURE 2.10", "decisions": decisions},
        "04_measure": {"thresholds": [
            {"threshold_id": "triage-accuracy", "metric": "correct", "task": "claims_triage",
             "direction": "higher_is_better", "threshold": 0.85, "tolerance": 0.02, "min_sample": 100,
             "subcategory": "MEASURE 2.5"},
            {"threshold_id": "urgent-flagged", "metric": "urgent_flagged", "task": "claims_triage",
             "direction": "higher_is_better", "threshold": 0.9, "min_sample": 100, "subcategory": "MEASURE 2.6"},
            {"threshold_id": "latency", "metric": "latency_ms", "task": "claims_triage",
             "direction": "lower_is_better", "threshold": 1500, "min_sample": 100, "subcategory": "MEASURE 2.3"}]},
        "05_risks_and_dpia": {
            "adopt": ["license-drift", "data-privacy", "supply-chain-integrity"],
            "new_risks": [
                {"title": "Urgent injury claim triaged as routine", "category": "confabulation", "likelihood": 3,
                 "impact": 4, "rationale": "2 of 40 urgent claims missed in the pilot", "owner": "Claims Ops lead"},
                {"title": "Fallback API outage delays long claims", "category": "operational", "likelihood": 2,
                 "impact": 2, "rationale": "Vendor SLA 99.5%", "owner": "Platform lead"}],
            "rescores": [{"risk_id": "R-0004", "reason": "Human review of every urgent flag",
                          "residual_likelihood": 2, "residual_impact": 3,
                          "residual_rationale": "A handler confirms each urgent flag within an hour"}],
            "acceptances": [{"risk_id": "R-0005", "by": "Head of Claims Ops (A. Rivera), 2026-11-20"}],
            "dpia_answers": {"C4": ("yes", "Health details in injury claims"),
                             "C5": ("no", "About 4,000 handlers' cases a month in one member state"),
                             "C8": ("yes", "Fine-tuned LLM")},
            "dpia_measures": [{"title": "Pseudonymise claim text before the fallback", "type": "data"}],
            "dpo_advice": {"name": "DPO (M. Okafor)", "advice": "Proceed once pseudonymisation is live",
                           "recommendation": "proceed_with_conditions"},
            "dpia_decision": {"decision": "required", "rationale": "C4 and C8 met", "by": "DPO (M. Okafor)"}},
        "06_audit_packet": {"sign_key": str(keys[0]), "public_key": str(keys[1])},
        "07_quarterly_review": {"sign_key": str(keys[0])},
    }


def test_empty_folder_to_signed_packet_and_first_review(tmp_path):
    from rmfkit.analysis import of_workspace
    from rmfkit.notebook import signing_keys

    import datetime as dt

    ws_path = tmp_path / "claims-triage"
    keys = signing_keys(tmp_path / "keys")
    session_dir = tmp_path / "sessions"
    session_dir.mkdir()
    env = {"RMFKIT_HOME": str(tmp_path / "home")}
    for name, params in parameters(tmp_path, ws_path, keys).items():
        path = session_dir / f"{name}.ipynb"
        path.write_bytes((NOTEBOOKS / f"{name}.ipynb").read_bytes())
        today = NEXT_QUARTER if name == "07_quarterly_review" else TODAY
        notebook = run_notebook(path, {"workspace": str(ws_path), **params}, env={**env, "RMFKIT_TODAY": today})
        nbformat.write(notebook, path)  # saved as JupyterLab would: session 06 attaches 00-05
        assert executed_cleanly(notebook) == [], name
    assert not (tmp_path / "home").exists(), "a default folder was written"

    ws = rmfkit.open_workspace(ws_path)
    assert rmfkit.validate(ws) == []
    result = of_workspace(ws, dt.date.fromisoformat(TODAY))
    assessed = [a for a in ws.assessments().values() if a.status != "not_assessed"]
    assert len(assessed) >= 40
    assert ws.records["dpia.yaml"].screening.decision == "required"
    assert len(ws.risks) >= 5 and ws.risks["R-0005"].accepted_by
    measured = [r for r in result.measurement["rows"] if r["outcome"] != "not_measured"]
    assert len(measured) >= 3
    assert ws.system.data_flows[1].special_category_data is False  # contact details stay ordinary data
    assert (ws_path / "operations.yaml").is_file()
    packet = sorted((ws_path / "build" / "packets").iterdir())[-1]  # 00 built a first one, 06 the signed one
    report = rmfkit.verify(packet, keys[1], require_signature=True)
    assert report.ok, report.failures
    assert sorted(p.name for p in (ws_path / "reviews").iterdir()) == ["2026-Q4", "2027-Q1"]
    [review] = sorted((ws_path / "build" / "review-packets").iterdir())
    assert review.name == "2026-Q4_to_2027-Q1" and rmfkit.verify(review, keys[1]).ok
