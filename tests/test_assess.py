"""Evidence-aware assessment: a claim loses support when its evidence expires, goes missing or is altered;
coverage is counted from what the evidence supports; target-profile gaps; guidance; suggestions."""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rmfkit.assess import EFFECTIVE_STATUSES, assess_records, guidance
from rmfkit.catalog import load_catalog
from rmfkit.library.freshness import EvidenceCheck
from rmfkit.models.evidence import EvidenceRecord
from rmfkit.models.mapping import STATUSES, SubcategoryAssessment
from rmfkit.workspace import Workspace
from tests.conftest import assessed

BEFORE = dt.date(2026, 6, 1)
AFTER = dt.date(2026, 7, 1)


def new_ws(tmp_path: Path) -> Workspace:
    return Workspace.create(tmp_path / "ws", system_id="demo", name="Demo", owner="Governance lead")


def add_evidence(ws: Workspace, evidence_id: str, content: bytes = b"signed policy v3\n", **fields) -> None:
    """Store an artefact and its sidecar the way the evidence store does (byte-exact, hashed)."""
    record = EvidenceRecord(id=evidence_id, title=fields.pop("title", f"Evidence {evidence_id}"),
                            kind=fields.pop("kind", "generic"), file="artefact.txt",
                            sha256=hashlib.sha256(content).hexdigest(), size=len(content), **fields)
    with ws.edit():
        ws.write_artifact(f"evidence/{evidence_id}/artefact.txt", content)
        ws.put(f"evidence/{evidence_id}/evidence.yaml", record)


def set_(ws: Workspace, sub_id: str, **changes) -> None:
    with ws.edit():
        ws.set_assessment(sub_id, **changes)


@pytest.fixture
def ws_with_claim(tmp_path):
    """GOVERN 1.1 met, supported only by E-POLICY, valid until 2026-06-30."""
    ws = new_ws(tmp_path)
    add_evidence(ws, "E-POLICY", valid_until=dt.date(2026, 6, 30))
    set_(ws, "GOVERN 1.1", status="met", owner="Legal", evidence=["E-POLICY"])
    set_(ws, "GOVERN 1.2", status="met", owner="Legal")
    return Workspace.open(ws.root)


def govern(result) -> dict:
    return next(r for r in result.coverage if r["function"] == "GOVERN")


# ---------------------------------------------------------------- acceptance: support is lost

def test_met_is_supported_while_its_evidence_is_fresh(ws_with_claim):
    result = assessed(ws_with_claim, today=BEFORE)
    row = result.row("GOVERN 1.1")
    assert (row["status"], row["effective_status"], row["supported"]) == ("met", "met", True)
    assert row["reason"] == "supported by E-POLICY"
    assert row["evidence_checks"] == [{"id": "E-POLICY", "status": "ok",
                                       "reason": "hash matches, valid until 2026-06-30"}]
    assert (govern(result)["met"], govern(result)["unsupported"], govern(result)["recorded_met"]) == (2, 0, 2)
    assert result.unsupported == []


def test_met_loses_support_when_its_only_evidence_expires(ws_with_claim):
    before = assessed(ws_with_claim, today=BEFORE)
    after = assessed(ws_with_claim, today=AFTER)
    row = after.row("GOVERN 1.1")
    assert (row["status"], row["effective_status"], row["supported"]) == ("met", "unsupported", False)
    assert row["reason"] == "marked met, but none of its evidence is usable: E-POLICY expired on 2026-06-30"
    assert govern(before)["met"] - govern(after)["met"] == 1
    assert (govern(after)["met"], govern(after)["unsupported"], govern(after)["recorded_met"]) == (1, 1, 2)
    assert before.totals["met_share"] == round(2 / 72, 3) and after.totals["met_share"] == round(1 / 72, 3)
    assert [u["id"] for u in after.unsupported] == ["GOVERN 1.1"]
    # The claim the team wrote still stands in the file: the gap is to re-establish evidence.
    assert [(g["id"], g["current"], g["target"]) for g in after.gaps] == [("GOVERN 1.1", "unsupported", "met")]


def test_met_loses_support_when_its_evidence_is_altered(ws_with_claim):
    artefact = ws_with_claim.evidence_dir("E-POLICY") / "artefact.txt"
    artefact.write_bytes(b"signed policy v4\n")
    result = assessed(ws_with_claim, today=BEFORE)
    row = result.row("GOVERN 1.1")
    assert row["effective_status"] == "unsupported"
    assert row["evidence_checks"][0]["status"] == "hash_mismatch"
    assert "E-POLICY artefact artefact.txt was altered" in row["reason"]
    assert govern(result)["met"] == 1 and govern(result)["unsupported"] == 1


def test_met_loses_support_when_its_evidence_is_missing(ws_with_claim):
    (ws_with_claim.evidence_dir("E-POLICY") / "artefact.txt").unlink()
    row = assessed(ws_with_claim, today=BEFORE).row("GOVERN 1.1")
    assert row["effective_status"] == "unsupported"
    assert row["reason"] == "marked met, but none of its evidence is usable: E-POLICY artefact artefact.txt is missing"


def test_one_usable_item_keeps_the_claim_but_names_the_broken_one(ws_with_claim):
    add_evidence(ws_with_claim, "E-MINUTES", b"board minutes\n", valid_until=dt.date(2027, 1, 1))
    set_(ws_with_claim, "GOVERN 1.1", evidence=["E-POLICY", "E-MINUTES"])
    row = assessed(Workspace.open(ws_with_claim.root), today=AFTER).row("GOVERN 1.1")
    assert row["effective_status"] == "met" and row["supported"] is True
    assert row["flags"] == ["evidence_problem"]
    assert row["reason"] == "supported by E-MINUTES; also linked: E-POLICY expired on 2026-06-30"


def test_partially_met_with_broken_evidence_is_unsupported_too(ws_with_claim):
    set_(ws_with_claim, "GOVERN 1.1", status="partially_met")
    row = assessed(Workspace.open(ws_with_claim.root), today=AFTER).row("GOVERN 1.1")
    assert row["effective_status"] == "unsupported"
    assert row["reason"].startswith("marked partially_met, but none of its evidence is usable")


def test_met_without_evidence_is_flagged_and_counted_apart(ws_with_claim):
    result = assessed(ws_with_claim, today=BEFORE)
    row = result.row("GOVERN 1.2")
    assert (row["effective_status"], row["supported"], row["flags"]) == ("met", False, ["met_without_evidence"])
    assert row["reason"] == "marked met without evidence"
    assert govern(result)["met_without_evidence"] == 1
    assert [r["id"] for r in result.met_without_evidence] == ["GOVERN 1.2"]


def test_not_assessed_is_not_counted_as_not_met(tmp_path):
    ws = new_ws(tmp_path)
    set_(ws, "MAP 1.1", status="not_met")
    result = assessed(Workspace.open(ws.root), today=BEFORE)
    map_row = next(r for r in result.coverage if r["function"] == "MAP")
    assert (map_row["not_met"], map_row["not_assessed"], map_row["total"], map_row["assessed"]) == (1, 17, 18, 1)
    assert result.totals["not_assessed"] == 71 and result.totals["total"] == 72


def test_not_applicable_needs_a_justification_to_count():
    result = assess_records({"MAP 3.3": SubcategoryAssessment(status="not_applicable"),
                             "MAP 3.4": SubcategoryAssessment(status="not_applicable", justification="No users.")},
                            {}, today=BEFORE)
    assert result.row("MAP 3.3")["effective_status"] == "not_assessed"
    assert result.row("MAP 3.3")["flags"] == ["not_applicable_without_justification"]
    assert (result.row("MAP 3.4")["effective_status"], result.row("MAP 3.4")["reason"]) == ("not_applicable",
                                                                                          "No users.")
    assert result.coverage[0]["applicable"] == 1


# ---------------------------------------------------------------- acceptance: target-profile gap numbers

def test_target_profile_gap_per_function_and_category(tmp_path):
    ws = new_ws(tmp_path)
    set_(ws, "GOVERN 1.1", status="partially_met", target_status="met", target_date=dt.date(2026, 5, 31))
    set_(ws, "GOVERN 1.2", status="not_met", target_status="partially_met", target_date=dt.date(2026, 9, 30))
    set_(ws, "GOVERN 2.1", status="met", target_status="met")
    set_(ws, "MAP 1.1", status="not_assessed", target_status="met", target_date=dt.date(2026, 12, 31))
    set_(ws, "MAP 4.1", status="met", target_status="partially_met")
    set_(ws, "MEASURE 2.12", status="not_applicable", justification="No training.")
    result = assessed(Workspace.open(ws.root), today=BEFORE)

    gaps = {g["id"]: g for g in result.gaps}
    assert sorted(gaps) == ["GOVERN 1.1", "GOVERN 1.2", "MAP 1.1"]
    assert gaps["GOVERN 1.1"] == {"id": "GOVERN 1.1", "function": "GOVERN", "category": "GOVERN 1", "owner": None,
                                  "current": "partially_met", "target": "met", "target_date": "2026-05-31",
                                  "overdue": True, "days_left": -1}
    assert (gaps["GOVERN 1.2"]["overdue"], gaps["GOVERN 1.2"]["days_left"]) == (False, 121)

    profile = {p["function"]: p for p in result.profile}
    assert (profile["GOVERN"]["gap"], profile["GOVERN"]["overdue"], profile["GOVERN"]["with_target"]) == (2, 1, 3)
    assert profile["GOVERN"]["current"]["met"] == 1 and profile["GOVERN"]["target"]["met"] == 2
    assert profile["GOVERN"]["target"]["partially_met"] == 1 and profile["GOVERN"]["target"]["not_assessed"] == 16
    assert (profile["MAP"]["gap"], profile["MAP"]["current"]["met"], profile["MAP"]["target"]["met"]) == (1, 1, 1)
    assert (profile["MEASURE"]["gap"], profile["MANAGE"]["gap"]) == (0, 0)
    assert profile["MEASURE"]["target"]["not_applicable"] == 1

    by_category = {p["category"]: p for p in result.category_profile}
    assert (by_category["GOVERN 1"]["gap"], by_category["GOVERN 1"]["total"]) == (2, 7)
    assert by_category["GOVERN 2"]["gap"] == 0 and by_category["MAP 1"]["gap"] == 1
    assert [p["category"] for p in result.category_profile][:3] == ["GOVERN 1", "GOVERN 2", "GOVERN 3"]
    assert len(result.category_profile) == 19 and len(result.categories) == 19
    assert result.row("GOVERN 1.1")["flags"] == ["partially_met_without_evidence", "target_overdue"]


def test_assessment_is_json_ready(ws_with_claim):
    data = assessed(ws_with_claim, today=AFTER).to_dict()
    text = json.dumps(data)
    assert json.loads(text)["today"] == "2026-07-01"
    assert len(data["rows"]) == 72 and data["unsupported"][0]["id"] == "GOVERN 1.1"


# ---------------------------------------------------------------- guidance and suggestions

def test_guidance_carries_playbook_and_gai_for_generative_systems():
    catalog = load_catalog()
    sub = catalog.subcategory("MEASURE 2.10")
    g = guidance("measure-2.10", generative=True)
    assert g["statement"] == ("Privacy risk of the AI system – as identified in the map function – is examined "
                              "and documented.")
    assert g["category_statement"] == "AI systems are evaluated for trustworthy characteristics."
    assert g["suggested_actions"] == list(sub.suggested_actions) and len(g["suggested_actions"]) == 8
    assert len(g["documentation_questions"]) == 5
    assert [a["id"] for a in g["gai_actions"]][0] == "MS-2.10-001" and len(g["gai_actions"]) == 3
    assert [r["id"] for r in g["gai_risks"]] == list(sub.gai_risks)
    assert g["gai_risks"][0]["title"] == catalog.gai_risk(sub.gai_risks[0]).title
    plain = guidance("MEASURE 2.10", generative=False)
    assert (plain["gai_actions"], plain["gai_risks"]) == ([], [])
    assert plain["suggested_actions"] == g["suggested_actions"]


def test_non_generative_system_gets_no_gai_guidance_flag(tmp_path):
    ws = new_ws(tmp_path)
    with ws.edit():
        ws.system.generative = False
    assert assessed(Workspace.open(ws.root), today=BEFORE).generative is False


def test_suggestions_from_declared_subcategories_until_accepted(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "rmfkit.library.suggestions", None)  # the table may not exist: tolerated
    ws = new_ws(tmp_path)
    add_evidence(ws, "E-SBOM", b'{"bomFormat": "CycloneDX"}', kind="cyclonedx", title="SBOM",
                 subcategories=["MAP 4.1", "govern-6.1"])
    add_evidence(ws, "E-OLD", b"old", subcategories=["MAP 4.1"], valid_until=dt.date(2026, 1, 1))
    result = assessed(Workspace.open(ws.root), today=BEFORE)
    assert [(s["subcategory"], s["evidence"], s["reason"]) for s in result.suggestions] == [
        ("GOVERN 6.1", "E-SBOM", "declared by the evidence item"),
        ("MAP 4.1", "E-SBOM", "declared by the evidence item")]
    assert result.suggestions[1]["command"] == 'rmfkit map set "MAP 4.1" --add-evidence E-SBOM'
    set_(ws, "MAP 4.1", evidence=["E-SBOM"])
    again = assessed(Workspace.open(ws.root), today=BEFORE)
    assert [s["subcategory"] for s in again.suggestions] == ["GOVERN 6.1"]


def test_library_suggestion_table_is_used_when_present(tmp_path, monkeypatch):
    import types

    table = types.ModuleType("rmfkit.library.suggestions")
    table.suggest_subcategories = lambda record: [("MEASURE 2.7", "red-team results")] if record.kind == "garak" else []
    monkeypatch.setitem(sys.modules, "rmfkit.library.suggestions", table)
    ws = new_ws(tmp_path)
    add_evidence(ws, "E-GARAK", b'{"entry_type": "init"}\n', kind="garak")
    result = assessed(Workspace.open(ws.root), today=BEFORE)
    assert [(s["subcategory"], s["reason"]) for s in result.suggestions] == [("MEASURE 2.7", "red-team results")]


def test_the_evidence_libraries_suggestion_table_speaks_for_an_sbom(tmp_path):
    ws = new_ws(tmp_path)
    add_evidence(ws, "E-SBOM", b'{"bomFormat": "CycloneDX"}', kind="cyclonedx", title="SBOM",
                 facts={"licenses": ["Apache-2.0", "MIT"]})
    result = assessed(Workspace.open(ws.root), today=BEFORE)
    suggested = {s["subcategory"]: s for s in result.suggestions}
    assert {"MAP 4.1", "GOVERN 6.1"} <= set(suggested)
    assert suggested["MAP 4.1"]["evidence"] == "E-SBOM" and suggested["MAP 4.1"]["kind"] == "cyclonedx"
    assert "licenses" in suggested["MAP 4.1"]["reason"]


# ---------------------------------------------------------------- property: counting is honest

CHECK_STATUSES = ("ok", "expired", "missing", "hash_mismatch")
SUB_IDS = [s.id for s in load_catalog().subcategories]


@settings(max_examples=60, deadline=None)
@given(st.dictionaries(st.sampled_from(SUB_IDS),
                       st.tuples(st.sampled_from(STATUSES), st.lists(st.sampled_from(CHECK_STATUSES), max_size=3)),
                       max_size=20))
def test_counts_add_up_and_unsupported_means_no_usable_evidence(entries):
    assessments, checks = {}, {}
    for sub_id, (status, evidence_states) in entries.items():
        ids = [f"{sub_id}-{i}" for i in range(len(evidence_states))]
        for evidence_id, state in zip(ids, evidence_states):
            checks[evidence_id] = EvidenceCheck(evidence_id, state, state, None)
        assessments[sub_id] = SubcategoryAssessment(status=status, evidence=ids, justification="n/a")
    result = assess_records(assessments, checks, today=BEFORE)
    assert sum(result.totals[s] for s in EFFECTIVE_STATUSES) == result.totals["total"] == len(assessments)
    assert result.totals["met"] <= result.totals["recorded_met"]
    for row in result.rows:
        usable = [c for c in row["evidence_checks"] if c["status"] == "ok"]
        expect_unsupported = row["status"] in ("met", "partially_met") and row["evidence"] and not usable
        assert (row["effective_status"] == "unsupported") == bool(expect_unsupported)


def test_records_suggest_subcategories_from_dpia_risks_and_operations(example_ws, run_cli, monkeypatch):
    """The DPIA, the risk register and done checklist items speak to subcategories; `map suggest` lists them."""
    import json

    monkeypatch.setenv("RMFKIT_TODAY", "2026-12-01")
    code, out, _ = run_cli("map", "suggest", "-w", example_ws, "--json")
    assert code == 0
    data = json.loads(out)
    records = {(s["subcategory"], s["source"]) for s in data["records"]}
    assert ("MAP 5.1", "DPIA and risk register") in records
    assert any(source == "operations checklist" for _, source in records)
    assert all(s["current_status"] != "met" for s in data["records"])
    assert data["evidence"] and all("evidence" in s for s in data["evidence"])
