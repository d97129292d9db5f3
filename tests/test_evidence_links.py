"""What evidence supports, one meaning everywhere: ``evidence ls`` shows where the workspace links an item
(mapping, risks, operations checklist and pilot, components) and, marked apart, the subcategories it only
declares; ``evidence import --subcategory`` links the item in the mapping (status unchanged)."""
from __future__ import annotations

import rmfkit
import hashlib
import json
from pathlib import Path

import pytest

from rmfkit.workspace import Workspace
from tests.conftest import assessed

FIXTURES = Path(__file__).parent / "fixtures" / "evidence"
INSPECT_ID = "eval-inspect-llama-3.1-8b-instruct-2026-10"


@pytest.fixture(autouse=True)
def pinned_today(monkeypatch):
    monkeypatch.setenv("RMFKIT_TODAY", "2026-11-29")


def supports(run_cli, ws: Path) -> dict[str, list[tuple[str, str]]]:
    code, out, _ = run_cli("evidence", "ls", "--json", "-w", ws)
    assert code == 0
    return {row["id"]: [(s["label"], s["via"]) for s in row["supports"]] for row in json.loads(out)}


def test_ls_shows_mapping_risk_operations_and_pilot_links(example_ws, run_cli):
    found = supports(run_cli, example_ws)
    assert found["lic-vllm"] == [("GOVERN 6.1", "mapping"), ("MAP 4.1", "mapping")]
    assert found["eval-task-support-tickets-2026-10"] == [
        ("MEASURE 2.3", "mapping"), ("MEASURE 2.5", "mapping"), ("MEASURE 2.10", "mapping"),
        ("risk R-0004", "risk"), ("risk R-0007", "risk"), ("risk R-0013", "risk"),
        ("ops evaluation.suite", "operations")]
    assert found["card-llama-3.1-8b-instruct"] == [("MANAGE 3.1", "mapping"), ("risk R-0002", "risk")]
    assert all(found.values()), "every example item supports something"
    # the example's pilot steps cite no evidence (none collected before their dates); a step that does is listed
    operations = example_ws / "operations.yaml"
    text = operations.read_text(encoding="utf-8")
    operations.write_text(text.replace("  - step: 7\n    status: in_progress\n",
                                       "  - step: 7\n    status: in_progress\n    evidence: [eval-task-support-tickets-2026-10]\n"),
                          encoding="utf-8")
    assert supports(run_cli, example_ws)["eval-task-support-tickets-2026-10"][-1] == ("pilot step 7", "pilot")


def test_import_with_subcategory_links_it_in_the_mapping_status_unchanged(example_ws, run_cli):
    before = Workspace(example_ws).assessment("MAP 4.1")
    code, out, _ = run_cli("evidence", "import", FIXTURES / "inspect_v2.json", "--subcategory", "MAP 4.1",
                           "--subcategory", "govern-1.3", "--subcategory", "MEASURE 2.3", "-w", example_ws)
    assert code == 0 and f"imported {INSPECT_ID} (inspect)" in out
    assert "suggested: MEASURE 2.3" not in out and "suggested: MEASURE 2.5" in out  # linked already
    ws = Workspace(example_ws)
    after = ws.assessment("MAP 4.1")
    assert (after.status, after.owner) == (before.status, before.owner) == ("partially_met",
                                                                          "ML platform lead (S. Lindqvist)")
    assert after.evidence == [*before.evidence, INSPECT_ID]
    assert after.last_reviewed == before.last_reviewed  # linking an item is not a review of the decision
    unassessed = ws.assessment("GOVERN 1.3")  # not recorded before: only the evidence id is added
    assert (unassessed.status, unassessed.evidence) == ("not_assessed", [INSPECT_ID])
    assert ws.evidence[INSPECT_ID].subcategories == ["MAP 4.1", "GOVERN 1.3", "MEASURE 2.3"]
    assert supports(run_cli, example_ws)[INSPECT_ID] == [("GOVERN 1.3", "mapping"), ("MAP 4.1", "mapping"),
                                                         ("MEASURE 2.3", "mapping")]

    
    rows = {row["id"]: row for row in assessed(ws).rows}
    assert INSPECT_ID in [e["id"] for e in rows["MAP 4.1"]["evidence_checks"]]
    assert rmfkit.validate(Workspace(example_ws)) == []


def test_import_with_subcategory_links_once_and_a_failed_batch_links_nothing(example_ws, run_cli, tmp_path):
    mapping = example_ws / "mapping" / "map.yaml"
    before = hashlib.sha256(mapping.read_bytes()).hexdigest()
    broken = tmp_path / "results.json"
    broken.write_text('{"eval": ', encoding="utf-8")
    # --all-or-nothing: one bad file stops the batch, so nothing is stored or linked
    code, _, err = run_cli("evidence", "import", FIXTURES / "inspect_v2.json", broken, "--kind", "inspect",
                           "--subcategory", "MAP 4.1", "--all-or-nothing", "-w", example_ws)
    assert code == 2 and hashlib.sha256(mapping.read_bytes()).hexdigest() == before
    # the default batch stores and links the valid file (once) and still exits 2 for the bad one
    code, _, err = run_cli("evidence", "import", FIXTURES / "inspect_v2.json", broken, "--kind", "inspect",
                           "--subcategory", "MAP 4.1", "-w", example_ws)
    assert code == 2 and str(broken.name) in err
    assert Workspace(example_ws).assessment("MAP 4.1").evidence.count(INSPECT_ID) == 1
    run_cli("evidence", "import", FIXTURES / "inspect_v2.json", "--subcategory", "MAP 4.1", "-w", example_ws)
    run_cli("evidence", "import", FIXTURES / "inspect_v2.json", "--subcategory", "MAP 4.1", "-w", example_ws)
    assert Workspace(example_ws).assessment("MAP 4.1").evidence.count(INSPECT_ID) == 1


def test_import_with_subcategory_checks_the_assessment_rules_and_stores_nothing_when_one_fails(example_ws, run_cli):
    mapping = example_ws / "mapping" / "map.yaml"
    lines = mapping.read_text(encoding="utf-8").splitlines(keepends=True)
    start = lines.index("    status: not_applicable\n", lines.index("  MAP 3.3:\n"))
    end = next((i for i in range(start + 3, len(lines)) if not lines[i].startswith("      ")), len(lines))
    assert lines[start + 2] == "    justification: >-\n"
    mapping.write_text("".join(lines[:start + 2] + lines[end:]), encoding="utf-8")  # MAP 3.3 loses it
    before = hashlib.sha256(mapping.read_bytes()).hexdigest()
    code, _, err = run_cli("evidence", "import", FIXTURES / "inspect_v2.json", "--subcategory", "MAP 3.3",
                           "-w", example_ws)
    assert code == 2
    assert err.strip() == ("error: mapping/map.yaml: subcategories.MAP 3.3.justification: status not_applicable "
                           "needs a justification (say why the subcategory does not apply)")
    assert hashlib.sha256(mapping.read_bytes()).hexdigest() == before
    assert not (example_ws / "evidence" / INSPECT_ID).exists() and INSPECT_ID not in Workspace(example_ws).evidence


def test_declared_but_unlinked_subcategories_are_marked_apart(example_ws, run_cli):
    sidecar = example_ws / "evidence" / "lic-vllm" / "evidence.yaml"
    sidecar.write_text(sidecar.read_text("utf-8") + "subcategories:\n  - MAP 4.1\n  - MEASURE 2.7\n",
                       encoding="utf-8")
    assert supports(run_cli, example_ws)["lic-vllm"] == [
        ("GOVERN 6.1", "mapping"), ("MAP 4.1", "mapping"), ("MEASURE 2.7", "declared")]
    code, out, _ = run_cli("evidence", "ls", "-w", example_ws)
    block = out.split("lic-vllm  ok  license-record\n", 1)[1].split("\nredteam-", 1)[0]
    assert " ".join(block.split()) == ("License record: vLLM (Apache-2.0) collected 2026-09-15 · expires 2027-09-15 · "
                                       "supports GOVERN 6.1, MAP 4.1; declared, not linked: MEASURE 2.7")


def test_ls_is_readable_at_80_columns(example_ws, run_cli, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    flipped = example_ws / "evidence" / "lic-qdrant" / "license-record.json"
    flipped.unlink()
    code, out, _ = run_cli("evidence", "ls", "-w", example_ws)
    lines = out.splitlines()
    assert code == 0 and lines[0] == "Evidence (13 items)"
    assert max(len(line) for line in lines) <= 80
    assert "…" not in out and "(example data) (example data)" not in out
    assert "redteam-promptfoo-support-assistant-2026-05  expired  promptfoo" in lines
    assert "lic-qdrant  missing  license-record" in lines
    assert "    artefact license-record.json is missing" in lines
    assert "    Task evaluation on 600 labelled support tickets (example data)" in lines
    joined = " ".join(out.split())
    assert "expires 2026-10-31" in joined and "MEASURE 2.10, risk R-0004" in joined


def test_packet_evidence_index_says_what_evidence_ls_says(example_ws, run_cli):
    import re

    from rmfkit.render.html import render_packet_html
    from rmfkit.analysis import of_workspace
    from rmfkit.views.packet import packet_view

    sidecar = example_ws / "evidence" / "lic-vllm" / "evidence.yaml"
    sidecar.write_text(sidecar.read_text("utf-8") + "subcategories:\n  - MAP 4.1\n  - MEASURE 2.7\n",
                       encoding="utf-8")
    listed = supports(run_cli, example_ws)
    ws = Workspace.open(example_ws)
    view = packet_view(ws.current(), of_workspace(ws))
    rows = {row["id"]: row for row in view["evidence"]["rows"]}
    assert rows.keys() == listed.keys()
    for eid, links in listed.items():
        assert rows[eid]["supports"] == [label for label, via in links if via != "declared"], eid
        assert rows[eid]["declared"] == [label for label, via in links if via == "declared"], eid
    assert rows["eval-task-support-tickets-2026-10"]["supports"] == [
        "MEASURE 2.3", "MEASURE 2.5", "MEASURE 2.10", "risk R-0004", "risk R-0007", "risk R-0013",
        "ops evaluation.suite"]
    html = render_packet_html(view, workspace_root=ws.root)
    section = html[html.index('id="s-evidence"'):]
    row = section[section.index('<td class="mono">lic-vllm</td>'):]
    row = " ".join(re.sub(r"<[^>]+>", " ", row[:row.index("</tr>")]).split())
    assert row.endswith("GOVERN 6.1, MAP 4.1 declared, not linked: MEASURE 2.7")
