"""Issue 19 acceptance, in a copy of the example: a quantized build re-scopes the lm-eval-backed claims, the
gate names every metric not re-measured, re-runs on the new build plus an approval pass, and the decision
is in the analysis, the packet view and the next snapshot."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from rmfkit.analysis import of_workspace
from rmfkit.workspace import Workspace

OLD = "f72074ac558567ffe941f33bd0c93ec6728d4b7c02f7238dc71c7da2cf67f388"
NEW = "9a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b"
LMEVAL = "eval-lmeval-llama31-8b-instruct-2026-10"
TASK = "eval-task-support-tickets-2026-10"
GARAK = "redteam-garak-support-assistant-2026-10"
REQUIRED = ["answer-accuracy", "answer-accuracy-integrations", "groundedness", "escalation", "pii-leak-rate",
            "prompt-injection", "jailbreak-dan", "mmlu-regression-guard"]


def quantize(ws_path: Path) -> None:
    system = ws_path / "system.yaml"
    text = system.read_text(encoding="utf-8")
    swapped = text.replace(f"digest: {OLD}\n      repository: meta-llama/Llama-3.1-8B-Instruct\n      quantization: none",
                           f"digest: {NEW}\n      repository: hugging-quants/Meta-Llama-3.1-8B-Instruct-AWQ-INT4\n"
                           "      quantization: awq")
    assert swapped != text
    system.write_text(swapped, encoding="utf-8")


def rerun(ws_path: Path, evidence_id: str, out: Path) -> Path:
    """A re-run of an example artefact on the new build (same format, a trailing newline so the bytes differ)."""
    folder = ws_path / "evidence" / evidence_id
    source = next(p for p in folder.iterdir() if p.name != "evidence.yaml")
    target = out / f"rerun-{source.name}"
    target.write_bytes(source.read_bytes().rstrip(b"\n") + b"\n\n")
    return target


def test_the_example_build_is_current_and_its_evals_are_on_it(example_ws):
    gates = of_workspace(Workspace.open(example_ws)).gates
    states = {e["id"]: e["state"] for e in gates["evidence"]}
    assert states[LMEVAL] == "current" and states[TASK] == "current"
    assert gates["components"][0]["build"]["digest"] == OLD


def test_a_quantized_build_makes_the_lm_eval_backed_claims_unsupported(example_ws, run_cli):
    quantize(example_ws)
    analysis = of_workspace(Workspace.open(example_ws))
    row = analysis.row("MEASURE 2.3")
    assert row["status"] == "met" and row["effective_status"] == "unsupported"
    assert f"{LMEVAL} evaluated on another build (meta-llama/Llama-3.1-8B-Instruct, unquantized" in row["reason"]
    assert "now serves hugging-quants/Meta-Llama-3.1-8B-Instruct-AWQ-INT4, awq" in row["reason"]
    assert {e["id"]: e["status"] for e in row["evidence_checks"]} == {TASK: "other_build", LMEVAL: "other_build"}
    code, out, _ = run_cli("status", "-w", str(example_ws))
    assert "MEASURE 2.3: marked met, but none of its evidence is usable" in out and "evaluated on another build" in out

    from rmfkit.views.packet import packet_view

    packet = packet_view(Workspace.open(example_ws).current(), analysis)
    shown = next(r for c in packet["mapping"]["functions"] for cat in c["categories"] for r in cat["rows"]
                 if r["id"] == "MEASURE 2.3") if "functions" in packet["mapping"] else None
    if shown is not None:
        assert shown["unsupported"] and "evaluated on another build" in shown["reason"]
    # thresholds read only runs on the builds served now: the lm-eval and task metrics are not measured
    rows = {r["id"]: r for r in analysis.measurement["rows"]}
    assert rows["mmlu-regression-guard"]["outcome"] == "not_measured"
    assert rows["answer-accuracy"]["outcome"] == "not_measured"


def test_gate_blocks_until_re_measured_then_an_approval_passes_and_is_in_the_packet(example_ws, run_cli, tmp_path):
    quantize(example_ws)
    w = ["-w", str(example_ws)]
    code, out, err = run_cli("gate", "--candidate", "llama-3.1-8b-instruct", *w)
    assert code == 3
    for name in REQUIRED:
        assert f"blocking: {name} (" in err and "not re-measured on the candidate build" in err
    assert "not gated (no measuring evidence kind): p95-latency, language-accuracy-gap" in out

    code, _, err = run_cli("gate", "--candidate", "llama-3.1-8b-instruct", "--approve", "--by", "ML lead",
                           "--reason", "looks fine", *w)
    assert code == 3 and "cannot approve a blocked gate" in err
    assert not (example_ws / "gates").exists()

    for evidence_id, component in ((LMEVAL, "llama-3.1-8b-instruct"), (TASK, "llama-3.1-8b-instruct"),
                                   (GARAK, "llama-3.1-8b-instruct")):
        code, out, err = run_cli("evidence", "import", str(rerun(example_ws, evidence_id, tmp_path)),
                                 "--component", component, "--build", f"sha256:{NEW[:16]}",
                                 "--subcategory", "MEASURE 2.3", *w)
        assert code == 0, err
    code, out, err = run_cli("gate", "--candidate", f"sha256:{NEW}", "--approve", "--by", "ML lead (R. Haddad)",
                             "--reason", "AWQ build re-measured: no regression beyond tolerance", "--json", *w)
    assert code == 0, err
    result = json.loads(out)
    assert result["passed"] and {m["outcome"] for m in result["metrics"]} == {"ok"}
    assert result["decision"]["id"] == "G-0001" and result["decision"]["candidate"]["digest"] == NEW

    analysis = of_workspace(Workspace.open(example_ws))
    decision = analysis.gates["decisions"][0]
    assert (decision["decision"], decision["reviewer"], decision["result"], decision["signature"]) == \
           ("approve", "ML lead (R. Haddad)", "pass", "unsigned")
    checks = {e["id"]: e for e in analysis.row("MEASURE 2.3")["evidence_checks"]}  # re-runs linked at import
    assert checks[LMEVAL]["status"] == checks[TASK]["status"] == "other_build"
    assert sorted(e["build"] for i, e in checks.items() if i not in (LMEVAL, TASK)) == ["current"] * 3
    assert all(e["status"] == "ok" for i, e in checks.items() if i not in (LMEVAL, TASK))
    from rmfkit.views.gates import gates_view

    view = gates_view(analysis.gates)
    assert view["decisions"][0]["summary"].startswith("Approved by ML lead (R. Haddad) on ")
    assert LMEVAL in view["other_build"]

    from pypdf import PdfReader

    code, _, err = run_cli("packet", "--out", str(tmp_path / "packet"), *w)
    assert code == 0, err
    pdf = " ".join(" ".join(page.extract_text().split()) for page in PdfReader(tmp_path / "packet" / "packet.pdf").pages)
    html = " ".join((tmp_path / "packet" / "packet.html").read_text("utf-8").split())
    for document in (pdf.replace("\u200b", ""), html):
        assert "Model builds and release gate" in document
        assert "Approved by ML lead (R. Haddad)" in document


def test_a_regression_beyond_tolerance_blocks_and_a_signed_rejection_is_recorded(example_ws, run_cli, tmp_path):
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    quantize(example_ws)
    w = ["-w", str(example_ws)]
    lm = json.loads((example_ws / "evidence" / LMEVAL / "results_2026-10-06T09-40-00.json").read_text())
    lm["results"]["mmlu"]["acc,none"] = 0.55
    worse = tmp_path / "lm-eval-awq.json"
    worse.write_text(json.dumps(lm))
    assert run_cli("evidence", "import", str(worse), "--component", "llama-3.1-8b-instruct",
                   "--build", "llama-3.1-8b-instruct", *w)[0] == 0
    code, out, err = run_cli("keys", "generate", "--out", str(tmp_path / "keys"))
    assert code == 0, err
    key = tmp_path / "keys" / "packet-signing-key.pem"
    code, out, err = run_cli("gate", "--candidate", "llama-3.1-8b-instruct", "--reject", "--by", "ML lead",
                             "--reason", "MMLU dropped on the AWQ build", "--sign", str(key), *w)
    assert code == 3
    assert "blocking: mmlu-regression-guard (acc of mmlu): 0.55 on the candidate, 0.6121 on the baseline" in err
    assert "recorded reject by ML lead as gates/G-0001.yaml (signed)" in out
    decision = of_workspace(Workspace.open(example_ws)).gates["decisions"][0]
    assert decision["signature"] == "valid" and decision["result"] == "blocked"
    text = (example_ws / "gates" / "G-0001.yaml").read_text()
    (example_ws / "gates" / "G-0001.yaml").write_text(text.replace("MMLU dropped", "MMLU rose"))
    assert of_workspace(Workspace.open(example_ws)).gates["decisions"][0]["signature"] == "invalid"
    assert Ed25519PrivateKey  # the key type the reviewer signs with


@pytest.mark.parametrize("ref, message", [("nope", "'nope' names no build"),
                                          ("sha256:0123456789ab", "no component's build has a digest starting")])
def test_a_candidate_that_names_no_build_is_one_clear_line(example_ws, run_cli, ref, message):
    code, out, err = run_cli("gate", "--candidate", ref, "-w", str(example_ws))
    assert code == 2 and message in err and "Traceback" not in err
