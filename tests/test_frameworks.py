"""The framework layer: packaged data, ISO/IEC 42001 SoA, EU AI Act register, and carrying a change across."""
from __future__ import annotations

import csv
import io
import json

import pytest

from rmfkit.catalog import load_catalog
from rmfkit.frameworks import load_registry
from rmfkit.frameworks.inputs import parse_frameworks

def test_every_packaged_pair_resolves_to_a_subcategory_and_an_iso_id():
    reg = load_registry()
    catalog = load_catalog()
    assert len(reg.crosswalk.pairs) == 280
    for pair in reg.crosswalk.pairs:
        assert catalog.is_subcategory(pair.source) and catalog.subcategory(pair.source).id == pair.source
        assert pair.target in reg.iso_items, pair
        assert pair.relationship == "unknown" and pair.page and 1 <= pair.page <= 16
    assert {p.source for p in reg.crosswalk.pairs} == {s.id for s in catalog.subcategories}
    assert len(reg.iso_controls) == 38 and {p.target for p in reg.crosswalk.pairs} >= {c.id for c in reg.iso_controls}


def test_packaged_data_is_the_reference_copy_and_ships_no_iso_titles():
    import hashlib
    from importlib import resources

    reg = load_registry()
    data = resources.files("rmfkit.frameworks").joinpath("data")
    for name, digest in reg.provenance["sha256"].items():
        assert hashlib.sha256(data.joinpath(name).read_bytes()).hexdigest() == digest
    assert all(len(i.topic.split()) <= 6 for i in reg.iso_items.values())
    raw = json.loads(data.joinpath("nist-ai-rmf-to-iso-42001.json").read_text("utf-8"))
    keys = {k for p in raw["pairs"] for k in p}
    assert keys <= {"rmf", "iso", "kind", "annex_a_control", "source_page", "occurrences", "flags", "iso_as_printed",
                    "note", "rmf_header_page"}, "no ISO title field in the packaged crosswalk"


def test_soa_of_the_example_lists_all_38_controls_with_sources(example_ws, run_cli, tmp_path):
    out_csv = tmp_path / "soa.csv"
    code, out, err = run_cli("frameworks", "iso42001", "-w", example_ws, "--json", "--csv", out_csv)
    assert code == 0, err
    soa = json.loads(out)
    ids = [c["id"] for c in soa["controls"]]
    assert ids == [c.id for c in load_registry().iso_controls] and len(ids) == 38
    a22 = next(c for c in soa["controls"] if c["id"] == "A.2.2")
    assert (a22["basis"], a22["status"], a22["owner"]) == ("direct", "partially_met", "Governance lead (J. Okafor)")
    assert "target_ambiguous_in_source" in a22["flags"]
    assert all(p["citation"] for c in soa["controls"] for p in c["pairs"])
    assert [r["clause"] for r in soa["clause_readiness"]] == ["4", "5", "6", "7", "8", "9", "10"]
    raw = out_csv.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw
    table = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert len(table) == 39 and table[0][0] == "Control"


def test_ai_act_register_of_the_example_names_art_4_and_art_50_with_dates_and_sources(example_ws, run_cli):
    code, out, err = run_cli("frameworks", "ai-act", "-w", example_ws, "--json")
    assert code == 0, err
    reg = json.loads(out)
    rows = {o["id"]: o for o in reg["obligations"]}
    assert rows["Art 4"]["applies_from"]["date"] == "2025-02-02"
    assert rows["Art 50(1)"]["applies_from"]["date"] == "2026-08-02"
    assert "2026-12-02" in rows["Art 50(2)"]["applies_from"]["transitional"]
    for oid in ("Art 4", "Art 50(1)", "Art 50(2)"):
        af = rows[oid]["applies_from"]
        assert af["rule"] and af["original_date"] and "2026/1744" in af["source"]
    assert not {"Art 9", "Art 26", "Art 53"} & set(rows), "a limited-risk deployer has no high-risk or GPAI rows"
    assert "2026/1744" in reg["reflects"] and reg["data_as_of"] == "2026-08-05"
    assert any("Not legal advice" in c for c in reg["caveats"])
    tiers = {s["id"]: s["tiers"] for s in reg["systems"]}
    assert tiers["support-assistant"] == ["transparency"]
    llama = next(s for s in reg["systems"] if s["id"] == "llama-3.1-8b-instruct")
    assert llama["value_chain"][0]["case"] == "fine_tunes_gpai_model"
    assert "needs legal review" in llama["value_chain"][0]["legal_review"]
    assert reg["annex_iv"]["summary"]["gap"] > 0 and len(reg["annex_iv"]["items"]) == 23


def _flip(ws_path, sub_id):
    path = ws_path / "mapping" / f"{sub_id.split()[0].lower()}.yaml"
    text = path.read_text()
    head, _, tail = text.partition(f"  {sub_id}:\n    status: met\n")
    assert tail, f"{sub_id} is not met in the example"
    path.write_text(head + f"  {sub_id}:\n    status: not_met\n" + tail)


RANK = {"not_assessed": 0, "not_supported": 1, "partially_supported": 2, "met": 3}


def test_flipping_one_subcategory_takes_its_support_away_everywhere(example_ws, run_cli):
    sub = "GOVERN 1.1"

    def results():
        iso = json.loads(run_cli("frameworks", "iso42001", "-w", example_ws, "--json")[1])
        act = json.loads(run_cli("frameworks", "ai-act", "-w", example_ws, "--json")[1])
        items = iso["controls"] + iso["clauses"] + act["obligations"]
        return {i["id"]: i for i in items if sub in [s["id"] for s in i["sources"]]}

    before = results()
    _flip(example_ws, sub)
    after = results()
    assert set(before) == set(after) and {"A.2.2", "A.2.4", "Art 5", "Art 50(1)"} <= set(after)
    changed = 0
    for target, old in before.items():
        new = after[target]
        assert sub in old["sources_not_met"] or sub in [s["id"] for s in old["sources"] if s["support"] != "met"]
        assert sub in new["sources_not_met"] and next(s for s in new["sources"] if s["id"] == sub)["support"] == "not_met"
        if old["basis"] == "direct":
            assert (new["basis"], new["status"]) == ("direct", old["status"]), target
            continue
        assert RANK[new["status"]] <= RANK[old["status"]] and new["status"] != "met", target
        others = [s for s in new["sources"] if s["id"] != sub and s["support"] in ("met", "claimed")]
        if not others:
            assert new["status"] == "not_supported", target
        changed += new["status"] != old["status"]
    assert changed >= 3  # A.2.4, 6.2 and Art 50(1) lean on GOVERN 1.1 alone


def test_a_covering_team_pair_is_the_only_way_to_derived_met():
    from rmfkit.frameworks.derive import derive_item
    from rmfkit.frameworks.registry import Pair

    met = {"id": "MEASURE 2.7", "effective_status": "met",
           "evidence": [{"id": "E1", "sha256": "a" * 64, "date": "2026-10-01"}]}
    crosswalk = [Pair("MEASURE 2.7", "A.7.2", "unknown", "crosswalk", "p. 11")]
    assert derive_item("A.7.2", crosswalk, {"MEASURE 2.7": met})["status"] == "partially_supported"
    team = crosswalk + [Pair("MEASURE 2.7", "A.7.2", "superset", "team", "recorded by the team")]
    result = derive_item("A.7.2", team, {"MEASURE 2.7": met})
    assert result["status"] == "met" and result["evidence"][0]["sha256"] == "a" * 64
    flipped = derive_item("A.7.2", team, {"MEASURE 2.7": {**met, "effective_status": "not_met"}})
    assert flipped["status"] == "not_supported" and flipped["sources_not_met"] == ["MEASURE 2.7"]
    expired = {**met, "evidence": [{**met["evidence"][0], "status": "expired"}]}
    assert derive_item("A.7.2", team, {"MEASURE 2.7": expired})["status"] == "partially_supported"


def test_frameworks_yaml_errors_name_the_field():
    from rmfkit.errors import InputFileError
    from rmfkit.safeparse import parse_yaml
    from rmfkit.models.frameworks import FrameworksFile

    with pytest.raises(InputFileError, match="relationship"):
        parse_frameworks(b"pairs: [{rmf: MAP 1.1, framework: iso42001, target: A.5.2, relationship: equivalent,"
                         b" rationale: x}]\n")
    with pytest.raises(InputFileError, match="AI Act provision"):
        parse_frameworks(b"obligations: {Article 4: {owner: x}}\n")
    doc = FrameworksFile.model_validate(parse_yaml(b"schema_version: 1\nx-team: ml\n", "frameworks.yaml"))
    assert doc.schema_version == 1


def test_example_frameworks_yaml_validates():
    from tests.conftest import EXAMPLE

    doc = parse_frameworks((EXAMPLE / "frameworks.yaml").read_bytes())
    assert {s.id for s in doc.ai_act.systems} == {"support-assistant", "hosted-llm-api", "llama-3.1-8b-instruct"}
