"""The ML-BOM: CycloneDX 1.6 validated with cyclonedx-python-lib's strict JSON schema validator; SPDX 3.0.1
JSON-LD loaded by the SPDX 3 model bindings (spdx-python-model: unknown properties, wrong types and enum
values are refused) plus the structural checks the bindings do not make (every element in the document,
every reference resolvable, every component with a license relationship). The example's SBOM lists every
component of system.yaml with its license and build."""
from __future__ import annotations

import json

import pytest
import spdx_python_model
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator

from rmfkit.render.sbom import render_sbom
from rmfkit.workspace import Workspace

WHEN = "2026-11-02T10:00:00Z"
LLAMA_DIGEST = "f72074ac558567ffe941f33bd0c93ec6728d4b7c02f7238dc71c7da2cf67f388"


@pytest.fixture(scope="module")
def records():
    from pathlib import Path

    return Workspace.open(Path(__file__).resolve().parent.parent / "examples" / "support-assistant").current()


def test_cyclonedx_validates_and_lists_every_component_with_license_and_build(records):
    data = render_sbom(records, "cyclonedx", WHEN)
    assert JsonStrictValidator(SchemaVersion.V1_6).validate_str(data.decode()) is None
    bom = json.loads(data)
    listed = {c["bom-ref"]: c for c in bom["components"] + bom.get("services", [])}
    assert set(listed) == {f"component:{c.id}" for c in records.system.components}
    assert all(c["licenses"] for c in listed.values())
    llama = listed["component:llama-3.1-8b-instruct"]
    assert llama["type"] == "machine-learning-model" and llama["hashes"] == [{"alg": "SHA-256", "content": LLAMA_DIGEST}]
    assert llama["licenses"] == [{"license": {"name": "Llama 3.1 Community License Agreement",
                                              "url": records.system.component("llama-3.1-8b-instruct").license_link}}]
    props = {p["name"]: p["value"] for p in llama["properties"]}
    assert props["rmfkit:build:quantization"] == "none" and props["rmfkit:build:serving"] == "vLLM 0.6.3"
    card = llama["modelCard"]
    assert {"ref": "component:support-eval-set"} in card["modelParameters"]["datasets"]
    assert {"type": "acc", "value": "0.6121", "slice": "mmlu"} in card["quantitativeAnalysis"]["performanceMetrics"]
    assert any("security posture" in t for t in card["considerations"]["technicalLimitations"])
    assert listed["component:hosted-llm-api"]["provider"] == {"name": "US LLM provider (example)"}
    assert listed["component:help-center-articles"]["type"] == "data"


def test_cyclonedx_validator_rejects_a_broken_bom(records):
    bom = json.loads(render_sbom(records, "cyclonedx", WHEN))
    bom["components"][0]["type"] = "weights"
    assert JsonStrictValidator(SchemaVersion.V1_6).validate_str(json.dumps(bom)) is not None


def test_spdx3_loads_in_the_model_bindings_and_is_complete(records):
    doc = json.loads(render_sbom(records, "spdx3", WHEN))
    model, objects = spdx_python_model.load_data(doc)
    assert model.__name__.endswith("v3_0_1")
    assert objects.link() == {"https://spdx.org/licenses/CC0-1.0"}  # the only reference outside the document
    graph = doc["@graph"]
    by_id = {e.get("spdxId"): e for e in graph}
    document = next(e for e in graph if e["type"] == "SpdxDocument")
    assert {"ai", "dataset"} <= set(document["profileConformance"])
    assert set(document["element"]) == {e["spdxId"] for e in graph if "spdxId" in e and e is not document
                                        and e["type"] not in ("Tool",) and e["spdxId"] != f"{document['spdxId']}#owner"}
    packages = {e["name"]: e for e in graph if e["type"] in ("ai_AIPackage", "dataset_DatasetPackage", "software_Package")}
    for component in records.system.components:
        package = packages[component.name]
        licensed = [r for r in graph if r["type"] == "Relationship" and r["from"] == package["spdxId"]
                    and r["relationshipType"] == "hasConcludedLicense"]
        assert len(licensed) == 1 and all(t in by_id for t in licensed[0]["to"])
    llama = packages["Meta Llama 3.1 8B Instruct"]
    assert llama["type"] == "ai_AIPackage" and llama["verifiedUsing"][0]["hashValue"] == LLAMA_DIGEST
    assert "unquantized" in llama["comment"]
    assert packages["Help-center articles corpus"]["type"] == "dataset_DatasetPackage"


def test_spdx3_bindings_refuse_a_wrong_enum_value(records):
    doc = json.loads(render_sbom(records, "spdx3", WHEN))
    next(e for e in doc["@graph"] if e["type"] == "ai_AIPackage")["software_primaryPurpose"] = "weights"
    with pytest.raises(Exception):
        spdx_python_model.load_data(doc)


def test_cli_writes_both_formats_and_refuses_an_unknown_one(example_ws, run_cli, tmp_path):
    for fmt in ("cyclonedx", "spdx3"):
        code, out, err = run_cli("sbom", "--format", fmt, "--out", str(tmp_path / f"bom-{fmt}.json"),
                                 "-w", str(example_ws))
        assert code == 0, err
        assert out.startswith(f"wrote {tmp_path / f'bom-{fmt}.json'} ({fmt}, 11 components,")
    code, _, err = run_cli("sbom", "--format", "xml", "--out", str(tmp_path / "x"), "-w", str(example_ws))
    assert code == 2 and "--format 'xml' is not an SBOM format (use cyclonedx or spdx3)" in err
