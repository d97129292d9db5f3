"""Recording an assessment: one function (Workspace.record_assessment) checks every rule, for the CLI,
the notebook form and a session's decisions alike; a refused decision writes nothing."""
from __future__ import annotations

import rmfkit
import datetime as dt
import hashlib
from pathlib import Path

import pytest

from rmfkit.errors import UnknownIdError, UsageError
from rmfkit.hashing import sha256_file
from rmfkit.models.evidence import EvidenceRecord
from rmfkit.workspace import Workspace


def tree_hashes(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): sha256_file(p) for p in sorted(root.rglob("*"))
            if p.is_file() and p.name != ".rmfkit.lock"}


@pytest.fixture
def ws(tmp_path, monkeypatch) -> Workspace:
    """A new workspace holding one evidence item, E-POLICY; today is 2026-11-02."""
    monkeypatch.setenv("RMFKIT_TODAY", "2026-11-02")
    ws = Workspace.create(tmp_path / "ws", system_id="demo", name="Demo", owner="Governance lead")
    content = b"signed policy v3\n"
    with ws.edit():
        ws.write_artifact("evidence/E-POLICY/policy.txt", content)
        ws.put("evidence/E-POLICY/evidence.yaml",
               EvidenceRecord(id="E-POLICY", title="AI policy", kind="generic", file="policy.txt",
                              sha256=hashlib.sha256(content).hexdigest(), size=len(content)))
    return ws


@pytest.mark.parametrize("changes, error, message", [
    ({"status": "not_applicable"}, UsageError,
     "mapping/govern.yaml: subcategories.GOVERN 1.7.justification: status not_applicable needs a justification "
     "(say why the subcategory does not apply)"),
    ({"status": "not_applicable", "justification": "   "}, UsageError,
     "mapping/govern.yaml: subcategories.GOVERN 1.7.justification: status not_applicable needs a justification "
     "(say why the subcategory does not apply)"),
    ({"status": "done"}, UsageError,
     "mapping/govern.yaml: subcategories.GOVERN 1.7.status: 'done' is not one of met, partially_met, not_met, "
     "not_applicable, not_assessed"),
    ({"target_status": "perfect"}, UsageError,
     "mapping/govern.yaml: subcategories.GOVERN 1.7.target_status: 'perfect' is not one of met, partially_met, "
     "not_met, not_applicable, not_assessed"),
    ({"target_date": "2026-02-30"}, UsageError,
     "mapping/govern.yaml: subcategories.GOVERN 1.7.target_date: '2026-02-30' is not a date (use YYYY-MM-DD)"),
    ({"status": "met", "evidence": ["E-POLICI"]}, UnknownIdError, "unknown evidence 'E-POLICI' (did you mean E-POLICY?)"),
    ({"add_evidence": ["E-GONE"]}, UnknownIdError, "unknown evidence 'E-GONE' (list items with `rmfkit evidence ls`)"),
    ({"owner": ["a", "b"]}, UsageError, "mapping/govern.yaml: subcategories.GOVERN 1.7.owner: must be text (got a list)"),
])
def test_every_rule_is_checked_and_a_refused_decision_writes_nothing(ws: Workspace, changes, error, message):
    before = tree_hashes(ws.root)
    with pytest.raises(error) as caught:
        with ws.edit():
            ws.record_assessment("GOVERN 1.7", **changes)
    assert str(caught.value) == message
    assert tree_hashes(ws.root) == before


def test_a_recorded_decision_is_reviewed_today_and_empty_text_clears_a_field(ws: Workspace):
    with ws.edit():
        ws.record_assessment("GOVERN 1.7", status="not_applicable", justification="No third-party users.",
                             owner="Legal counsel", target_date="2027-01-31")
    with ws.edit():
        ws.record_assessment("GOVERN 1.7", owner="", add_evidence=["E-POLICY"])
    assert (ws.root / "mapping" / "govern.yaml").read_text(encoding="utf-8") == (
        "schema_version: 1\n"
        "function: GOVERN\n"
        "subcategories:\n"
        "  GOVERN 1.7:\n"
        "    status: not_applicable\n"
        "    justification: No third-party users.\n"
        "    target_date: 2027-01-31\n"
        "    last_reviewed: 2026-11-02\n"
        "    evidence:\n"
        "      - E-POLICY\n")
    assert rmfkit.validate(Workspace.open(ws.root)) == []


def test_map_set_names_the_option_and_clears_the_owner_with_empty_text(ws: Workspace, run_cli):
    before = tree_hashes(ws.root)
    code, out, err = run_cli("map", "set", "-w", ws.root, "GOVERN 1.7", "--status", "not_applicable")
    assert (code, out) == (2, "")
    assert err == ('error: --justification: status not_applicable needs a justification '
                   '(add --justification "why")\n')
    code, _, err = run_cli("map", "set", "-w", ws.root, "GOVERN 1.7", "--target-date", "31/01/2027")
    assert (code, err) == (2, "error: --target-date: '31/01/2027' is not a date (use YYYY-MM-DD)\n")
    assert tree_hashes(ws.root) == before
    assert run_cli("map", "set", "-w", ws.root, "GOVERN 1.7", "--status", "met", "--owner", "Legal")[:2] == (
        0, "GOVERN 1.7: met, owner Legal\nnote: marked met without evidence\n")
    code, out, _ = run_cli("map", "set", "-w", ws.root, "GOVERN 1.7", "--owner", "")
    assert (code, out.splitlines()[0]) == (0, "GOVERN 1.7: met")
    assert "owner" not in (ws.root / "mapping" / "govern.yaml").read_text(encoding="utf-8")


def test_the_notebook_form_refuses_not_applicable_without_a_justification(ws: Workspace):
    pytest.importorskip("ipywidgets")
    from rmfkit.notebook import AssessmentForm

    form = AssessmentForm(ws, "GOVERN 1.7")
    form.widget()
    form._fields["status"].value = "not_applicable"
    before = tree_hashes(ws.root)
    with pytest.raises(UsageError, match="status not_applicable needs a justification"):
        form.save()
    assert tree_hashes(ws.root) == before
    form._fields["justification"].value = "No third-party users."
    assert form.save() == "Saved GOVERN 1.7: Not applicable"
    saved = Workspace.open(ws.root)
    assert saved.assessment("GOVERN 1.7").justification == "No third-party users."
    assert saved.assessment("GOVERN 1.7").last_reviewed == dt.date(2026, 11, 2)
    assert rmfkit.validate(saved) == []


def test_a_session_records_all_decisions_or_none(ws: Workspace):
    from rmfkit.notebook import record_assessments

    before = tree_hashes(ws.root)
    with pytest.raises(UsageError, match=r"subcategories\.MAP 1\.1\.justification: status not_applicable"):
        record_assessments(ws, [{"id": "GOVERN 1.1", "status": "met", "add_evidence": ["E-POLICY"]},
                                {"id": "MAP 1.1", "status": "not_applicable"}])
    assert tree_hashes(ws.root) == before
    rows = record_assessments(ws, [{"id": "GOVERN 1.1", "status": "met", "add_evidence": ["E-POLICY"]},
                                   {"id": "MAP 1.1", "status": "not_applicable", "justification": "Internal tool."}])
    assert rows == [{"id": "GOVERN 1.1", "before": "not_assessed", "after": "met", "owner": None,
                     "evidence": ["E-POLICY"], "notes": None},
                    {"id": "MAP 1.1", "before": "not_assessed", "after": "not_applicable", "owner": None,
                     "evidence": [], "notes": None}]
    assert rmfkit.validate(Workspace.open(ws.root)) == []
