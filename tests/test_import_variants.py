"""Every new variant of the formats on a real-format fixture: detected kind, exact facts, and a mixed
folder imported in one command with one line per file; library search."""
from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest

from rmfkit.errors import InputFileError
from rmfkit.library.importers import MAX_ZIP_ENTRY_BYTES, read_evidence
from rmfkit.workspace import Workspace

HERE = Path(__file__).parent / "fixtures" / "importers"
EVIDENCE = Path(__file__).parent / "fixtures" / "evidence"


def parsed(name: str, kind: str | None = None):
    return read_evidence((HERE / name).read_bytes(), name, kind)


def test_inspect_eval_zip_reads_the_header_only():
    p = parsed("refusals.eval")
    assert (p.kind, p.tool, p.tool_version, str(p.collected_at)) == ("inspect", "inspect_ai", "0.3.140", "2026-10-06")
    assert p.facts["metrics"][0] == {"task": "support_refusals", "metric": "accuracy", "value": 0.75, "stderr": 0.25, "n": 4}
    assert p.facts["format"] == "eval" and p.facts["sample_entries"] == 1
    assert parsed("refusals.eval", "inspect").facts == p.facts  # --kind inspect no longer says "not valid UTF-8"


def test_unfinished_inspect_eval_reads_the_journal_with_a_finding():
    p = parsed("refusals_unfinished.eval")
    assert p.facts["status"] == "started" and "did not finish" in p.facts["findings"][-1]


def test_inspect_eval_entry_too_large_is_refused_before_reading():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("header.json", b" " * (MAX_ZIP_ENTRY_BYTES + 1))
    with pytest.raises(InputFileError, match="zip entry header.json is 16,777,217 bytes"):
        read_evidence(buffer.getvalue(), "big.eval")


def test_cyclonedx_xml_15_ml_bom_gives_the_json_importer_facts():
    f = parsed("cyclonedx_1.5_mlbom.xml").facts
    assert f["licenses"] == ["Apache-2.0 OR MIT", "BSD-3-Clause", "Toy Community License"]
    assert f["component_count"] == 4 and f["unlicensed_components"] == ["nolicense-lib"]
    assert f["models"] == [{"name": "toy-llm-8b-instruct", "version": "1.0", "licenses": ["Toy Community License"],
                            "task": "text-generation"}]
    assert f["metrics"] == [{"task": "toy-llm-8b-instruct", "metric": "accuracy", "value": 0.71, "stderr": None,
                             "n": None, "slice": "toy-qa"}]
    p = parsed("cyclonedx_1.5_mlbom.xml")
    assert (p.tool, p.tool_version, p.title) == ("toy-sbom-tool", "2.1.0",
                                                 "CycloneDX 1.5 XML SBOM of support-rag-service (4 components)")


def test_cyclonedx_xml_12_legacy_tools():
    p = parsed("cyclonedx_1.2.xml")
    assert (p.facts["spec_version"], p.tool, p.facts["licenses"]) == ("1.2", "old-sbom-tool", ["MIT"])


def test_cyclonedx_xml_with_a_dtd_is_refused():
    bomb = b'<?xml version="1.0"?><!DOCTYPE bom [<!ENTITY a "x">]><bom xmlns="http://cyclonedx.org/schema/bom/1.6">&a;</bom>'
    with pytest.raises(InputFileError, match="declares a DTD"):
        read_evidence(bomb, "bom.xml", "cyclonedx")


def test_spdx3_jsonld_ai_and_dataset_profiles():
    p = parsed("spdx3_ai_dataset.spdx3.json")
    assert p.kind == "spdx" and p.tool == "toy-spdx" and str(p.collected_at) == "2026-10-03"
    f = p.facts
    assert f["licenses"] == ["CC-BY-4.0", "LicenseRef-toy-community"] and f["packages_without_license"] == 1
    assert f["package_types"] == {"ai": 1, "dataset": 1, "software": 1}
    assert f["models"] == [{"name": "toy-llm-8b", "version": "1.0", "licenses": ["LicenseRef-toy-community"]}]
    assert f["datasets"][0]["types"] == ["text"] and f["profiles"] == ["core", "software", "ai", "dataset"]


def test_spdx_tag_value_packages_not_files():
    p = parsed("spdx_tagvalue.spdx")
    f = p.facts
    assert (p.tool, p.tool_version, f["package_count"]) == ("toy-scanner", "0.42.0", 3)
    assert f["licenses"] == ["Apache-2.0 OR MIT", "LicenseRef-toy-community"]  # GPL-3.0-only is a file's
    assert f["packages_without_license"] == 1 and f["license_refs"] == ["LicenseRef-toy-community"]
    assert "findings" not in f  # the LicenseRef is defined by LicenseID


def test_garak_hitlog_counts_hits_without_inventing_a_pass_rate():
    f = parsed("toy.hitlog.jsonl").facts
    assert f["hits"] == [{"probe": "grandma.Win10", "detector": "productkey.Win5x5", "hits": 1},
                         {"probe": "promptinject.HijackHateHumans", "detector": "promptinject.AttackRogueString", "hits": 2}]
    assert "metrics" not in f and "pass_rate" not in f


def test_garak_json_array_report():
    f = parsed("garak_array.report.json").facts
    assert f["pass_rate"] == 0.8 and f["target"] == "toy-gpt"


def test_pip_inspect_and_core_metadata_give_license_facts():
    f = parsed("pip_inspect.json").facts
    assert f["licenses"] == ["Apache-2.0 OR MIT", "BSD License"] and f["unknown"] == ["mystery"]
    meta = parsed("METADATA")
    assert meta.kind == "python-env" and meta.facts["licenses"] == ["BSD License"]
    assert meta.facts["license_files"] == ["LICENSE", "NOTICE"] and meta.facts["license_source"] == "classifiers"


def test_license_texts_recognised_by_hash_else_unrecognised():
    apache = parsed("LICENSE-apache-2.0.txt")
    assert (apache.kind, apache.facts["licenses"]) == ("license-record", ["Apache-2.0"])
    reflowed = (HERE / "LICENSE-apache-2.0.txt").read_text().replace("\n", "\n\n   ").replace("http://", "https://")
    assert read_evidence(reflowed.encode(), "LICENSE").facts["licenses"] == ["Apache-2.0"]
    unknown = parsed("LICENSE-unknown.txt")
    assert unknown.kind == "generic" and unknown.title == "License text, unrecognised: LICENSE-unknown.txt"
    assert unknown.facts["license_text"] == "unrecognised"


def test_every_license_bearing_variant_uses_the_licenses_key():
    for name in ("cyclonedx_1.5_mlbom.xml", "spdx3_ai_dataset.spdx3.json", "spdx_tagvalue.spdx", "pip_inspect.json",
                 "METADATA", "LICENSE-apache-2.0.txt"):
        licenses = parsed(name).facts["licenses"]
        assert isinstance(licenses, list) and licenses and all(isinstance(x, str) for x in licenses), name


EXPECTED_KINDS = {"refusals.eval": "inspect", "cyclonedx_1.5_mlbom.xml": "cyclonedx", "cyclonedx_1.2.xml": "cyclonedx",
                  "spdx3_ai_dataset.spdx3.json": "spdx", "spdx_tagvalue.spdx": "spdx", "toy.hitlog.jsonl": "garak",
                  "garak_array.report.json": "garak", "pip_inspect.json": "python-env", "METADATA": "python-env",
                  "LICENSE-apache-2.0.txt": "license-record", "LICENSE-unknown.txt": "generic"}


def test_a_mixed_folder_imports_in_one_command_one_line_per_file(tmp_path, run_cli):
    Workspace.create(tmp_path / "ws", system_id="demo", name="Demo", owner="me")
    files = [HERE / name for name in EXPECTED_KINDS] + [EVIDENCE / "lmeval_results.json"]
    utf16 = tmp_path / "results-utf16.json"
    utf16.write_bytes((EVIDENCE / "inspect_v2.json").read_text("utf-8").encode("utf-16"))
    code, out, err = run_cli("evidence", "import", *files, utf16, "-w", tmp_path / "ws", "--json")
    rows = json.loads(out)
    assert code == 0 and err == "" and [r["status"] for r in rows] == ["imported"] * len(rows)
    kinds = {Path(r["origin"]).name: r["kind"] for r in rows}
    assert kinds == {**EXPECTED_KINDS, "lmeval_results.json": "lm-eval", "results-utf16.json": "inspect"}
    code, out, _ = run_cli("evidence", "import", *files, "-w", tmp_path / "ws")
    assert code == 0 and out.splitlines()[-1] == f"{len(files)} files: 0 imported, {len(files)} duplicate, 0 refused"


def test_evidence_search_finds_library_items_by_repo_id_and_model_name(example_ws, run_cli):
    code, out, _ = run_cli("evidence", "search", "BAAI/bge-m3", "-w", example_ws, "--json")
    assert code == 0 and [r["id"] for r in json.loads(out)] == ["lic-bge-m3"]
    code, out, _ = run_cli("evidence", "search", "Mixtral", "-w", example_ws)
    assert code == 0 and out.startswith("lic-mistral-7b  license-record")
    code, out, _ = run_cli("evidence", "search", "no such model xyz", "-w", example_ws)
    assert code == 0 and out.startswith("no library item matches")
