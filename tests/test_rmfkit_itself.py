"""examples/rmfkit-itself: rmfkit's own release governed with rmfkit, and its packet built and verified."""
from __future__ import annotations

import rmfkit
import json
import shutil
from pathlib import Path

import pytest

from rmfkit.workspace import open_workspace

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "rmfkit-itself"


@pytest.fixture
def itself(tmp_path: Path) -> Path:
    target = tmp_path / "rmfkit-itself"
    shutil.copytree(EXAMPLE, target, ignore=shutil.ignore_patterns("build", ".rmfkit.lock", ".rmfkit-index.json"))
    return target


def test_valid_with_register_sbom_and_test_results(itself: Path):
    ws = open_workspace(itself)
    assert rmfkit.validate(ws) == []
    by_kind = {record.kind: record for record in ws.evidence.values()}
    assert {"python-env", "cyclonedx", "generic"} <= set(by_kind)
    sbom = json.loads((itself / "evidence" / by_kind["cyclonedx"].id / by_kind["cyclonedx"].file).read_text("utf-8"))
    assert sbom["bomFormat"] == "CycloneDX" and sbom["metadata"]["component"]["name"] == "rmfkit"
    listed = {component["name"].lower() for component in sbom["components"]}
    assert {c.name.lower() for c in ws.system.components} <= listed, "every component of system.yaml is in the SBOM"
    assert by_kind["cyclonedx"].facts["component_count"] == len(sbom["components"])
    register = json.loads((itself / "evidence" / by_kind["python-env"].id / by_kind["python-env"].file).read_text())
    installed = {package["name"].lower() for package in register["packages"]}
    assert {"typst", "certifi", "pydantic"} <= installed and not {"weasyprint", "pyphen"} & installed


def test_every_license_finding_is_an_accepted_risk(itself: Path, run_cli):
    code, out, _ = run_cli("licenses", "-w", itself, "--json")
    assert code == 0
    flagged = {finding["component"] for finding in json.loads(out)["findings"]}
    assert flagged == {"certifi"}
    accepted = {c for risk in open_workspace(itself).risks.values() if risk.treatment == "accept"
                for c in risk.components}
    assert flagged <= accepted


def test_packet_builds_and_verifies(itself: Path, tmp_path: Path, run_cli):
    code, _, err = run_cli("packet", "-w", itself, "--out", tmp_path / "packet", "--json")
    assert code == 0, err
    code, out, err = run_cli("verify", tmp_path / "packet")
    assert code == 0, err
    assert out.startswith(f"OK {tmp_path / 'packet'}")
    manifest = json.loads((tmp_path / "packet" / "manifest.json").read_text("utf-8"))
    evidence_files = {entry["path"] for entry in manifest["files"] if entry["path"].startswith("evidence/")}
    assert len(evidence_files) == len(open_workspace(itself).evidence)
