"""``rmfkit evidence rm ID [--unlink]``: refused while records link the item; --unlink reports every link."""
from __future__ import annotations

import rmfkit

LICENSE = "lic-llama-3.1"  # linked from the mapping, a risk, the operations checklist and a component
CARD = "card-llama-3.1-8b-instruct"  # audit.yaml names it as the evidence of a document: it cannot just go


def test_rm_refused_while_linked_then_unlinks_and_reports(example_ws, run_cli):
    before = (example_ws / "system.yaml").read_bytes()
    code, out, err = run_cli("evidence", "rm", LICENSE, "-w", example_ws)
    assert code == 2 and "is linked from GOVERN" in err and "risk R-0001" in err and "--unlink" in err
    assert (example_ws / "evidence" / LICENSE).is_dir() and (example_ws / "system.yaml").read_bytes() == before
    code, out, err = run_cli("evidence", "rm", LICENSE, "--unlink", "-w", example_ws)
    assert code == 0, err
    lines = out.splitlines()
    assert "unlinked from risk R-0001" in lines and any(line.startswith("unlinked from system components ")
                                                       for line in lines)
    assert lines[-1] == f"removed {LICENSE}" and not (example_ws / "evidence" / LICENSE).exists()
    ws = rmfkit.open_workspace(example_ws)
    assert rmfkit.validate(ws) == [] and LICENSE not in ws.evidence
    assert LICENSE not in ws.risks["R-0001"].evidence


def test_rm_refused_when_a_record_needs_the_link(example_ws, run_cli):
    code, _, err = run_cli("evidence", "rm", CARD, "--unlink", "-w", example_ws)
    assert code == 2 and "cannot be unlinked from audit.yaml" in err
    assert (example_ws / "evidence" / CARD).is_dir() and CARD in rmfkit.open_workspace(example_ws).risks[
        "R-0002"].evidence


def test_rm_unknown_id_and_unlinked_item(example_ws, run_cli, tmp_path):
    code, _, err = run_cli("evidence", "rm", "no-such-item", "-w", example_ws)
    assert code != 0 and "unknown evidence 'no-such-item'" in err
    note = tmp_path / "notes.md"
    note.write_text("# notes\n")
    code, out, _ = run_cli("evidence", "import", note, "--id", "loose-notes", "-w", example_ws)
    assert code == 0
    code, out, _ = run_cli("evidence", "rm", "loose-notes", "--json", "-w", example_ws)
    assert code == 0 and '"unlinked": []' in out


def test_import_hint_adds_rather_than_replaces(example_ws, run_cli, tmp_path):
    results = tmp_path / "results.json"
    results.write_text('{"results": {"truthfulqa_mc2": {"acc,none": 0.5, "acc_stderr,none": 0.01}}, '
                       '"config": {"model": "hf"}, "n-samples": {"truthfulqa_mc2": {"effective": 817}}}')
    code, out, err = run_cli("evidence", "import", results, "-w", example_ws)
    assert "--evidence " not in out
    assert "accept with" not in out or "--add-evidence" in out
