"""Unsafe serialization: a pickle that calls a function when loaded is flagged (exit 4, evidence for MEASURE
2.7 and MANAGE 3.2); a safetensors-only folder passes with that fact stated. No torch needed."""
from __future__ import annotations

import json
import os
import pickle
import re
import struct
from pathlib import Path

import pytest

from rmfkit.scan import scan_folder
from rmfkit.workspace import Workspace


class Payload:
    """Harmless, but exactly what a malicious checkpoint does: a callable run at unpickling time."""

    def __reduce__(self):
        return (os.getcwd, ())


def safetensors(path: Path, header: bytes | None = None) -> None:
    header = header if header is not None else json.dumps(
        {"w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}, "__metadata__": {"format": "pt"}}).encode()
    path.write_bytes(struct.pack("<Q", len(header)) + header + bytes(8))


@pytest.fixture
def malicious(tmp_path):
    folder = tmp_path / "malicious"
    folder.mkdir()
    (folder / "pytorch_model.bin").write_bytes(pickle.dumps({"weights": [1.0], "hook": Payload()}))
    (folder / "config.json").write_text("{}")
    return folder


@pytest.fixture
def clean(tmp_path):
    folder = tmp_path / "clean"
    folder.mkdir()
    safetensors(folder / "model-00001-of-00002.safetensors")
    safetensors(folder / "model-00002-of-00002.safetensors")
    (folder / "config.json").write_text("{}")
    return folder


def test_a_malicious_pickle_is_flagged_naming_the_import(malicious):
    report = scan_folder(malicious)
    assert not report.ok and not report.safetensors_only
    assert report.verdict == "pytorch_model.bin: flagged (posix.getcwd (dangerous))"


def test_a_plain_pickle_of_data_passes(tmp_path):
    (tmp_path / "m.pkl").write_bytes(pickle.dumps({"weights": [1.0, 2.0]}))
    assert scan_folder(tmp_path).ok


def test_a_safetensors_only_folder_passes_and_says_so(clean):
    report = scan_folder(clean)
    assert report.ok and report.safetensors_only
    assert report.verdict == "safetensors only: 2 safetensors files with a valid header, no pickle to run code from"


def test_a_broken_safetensors_header_is_invalid(tmp_path):
    safetensors(tmp_path / "model.safetensors", header=b"[1, 2]")
    (tmp_path / "bad.safetensors").write_bytes(struct.pack("<Q", 10 ** 9) + b"{}")
    report = scan_folder(tmp_path)
    assert [(f.path, f.status, f.findings) for f in report.files] == [
        ("bad.safetensors", "invalid", ("header length exceeds the file",)),
        ("model.safetensors", "invalid", ("header is not a JSON object",))]


def test_cli_flags_the_pickle_with_exit_4_and_stores_evidence(example_ws, run_cli, malicious):
    code, out, err = run_cli("ops", "scan-artifact", str(malicious), "--component", "llama-3.1-8b-instruct",
                             "-w", str(example_ws))
    assert code == 4 and "pytorch_model.bin: flagged (posix.getcwd (dangerous))" in err + out
    record = next(r for r in Workspace.open(example_ws).evidence.values() if r.kind == "model-scan")
    assert record.subcategories == ["MEASURE 2.7", "MANAGE 3.2"] and record.facts["ok"] is False


def test_cli_passes_a_safetensors_only_build(example_ws, run_cli, clean):
    code, out, err = run_cli("ops", "scan-artifact", str(clean), "-w", str(example_ws), "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["ok"] and data["safetensors_only"] and data["scanner"].startswith("picklescan ")


IMPORTERS = Path(__file__).resolve().parent / "fixtures" / "importers"


def test_a_modelscan_report_is_imported_as_a_model_scan_with_its_findings(example_ws, run_cli, tmp_path):
    from rmfkit.library.suggestions import suggest_subcategories

    w = ["-w", str(example_ws)]
    code, out, err = run_cli("evidence", "import", str(IMPORTERS / "modelscan_unsafe.json"), str(IMPORTERS / "modelscan_clean.json"),
                             "--component", "llama-3.1-8b-instruct", "--json", *w)
    assert code == 0, err
    records = sorted((r for r in Workspace.open(example_ws).evidence.values() if r.kind == "model-scan"),
                     key=lambda r: str(r.collected_at))
    assert [r.title for r in records] == ["modelscan report: unsafe content found (1 issue)",
                                          "modelscan report: passed"]
    unsafe, clean = records
    assert unsafe.facts["ok"] is False and clean.facts["ok"] is True
    assert unsafe.facts["findings"] == ["pytorch_model.bin:archive/data.pkl: posix.system (CRITICAL)"]
    assert (unsafe.facts["scanner"], unsafe.facts["skipped"], str(unsafe.collected_at)) == ("modelscan 0.8.1", 1, "2026-10-20")
    assert [s for s, _ in suggest_subcategories(unsafe)] == ["MEASURE 2.7", "MANAGE 3.2"]

    broken = json.loads((IMPORTERS / "modelscan_unsafe.json").read_text())
    del broken["issues"][0]["source"]
    (tmp_path / "broken.json").write_text(json.dumps(broken))
    code, out, err = run_cli("evidence", "import", str(tmp_path / "broken.json"), *w)
    assert code == 2 and "broken.json" in err and "issues[1] names no source file" in err


def test_scan_results_appear_in_the_packet_operations_section(example_ws, run_cli, malicious, clean, tmp_path):
    from pypdf import PdfReader

    w = ["-w", str(example_ws)]
    assert run_cli("ops", "scan-artifact", str(malicious), "--component", "llama-3.1-8b-instruct", *w)[0] == 4
    assert run_cli("ops", "scan-artifact", str(clean), *w)[0] == 0
    code, _, err = run_cli("packet", "--out", str(tmp_path / "packet"), *w)
    assert code == 0, err
    pdf = " ".join(" ".join(page.extract_text().replace("\u200b", "").split())
                   for page in PdfReader(tmp_path / "packet" / "packet.pdf").pages)
    html = " ".join(re.sub(r"<[^>]+>", " ", (tmp_path / "packet" / "packet.html").read_text("utf-8")).split())
    for document in (pdf, html):
        section = document[document.index("Model builds and release gate"):]
        assert "Serialization scan Result What it found" in section
        assert "passed safetensors only: no pickle to run code from picklescan " in section
        assert "failed pytorch_model.bin: posix.getcwd (dangerous) picklescan " in section


def test_a_scan_names_the_build_it_scanned(example_ws, run_cli, clean):
    """The scan hashes what it reads: its evidence carries the build digest verify-artifact would compute, so
    a scan of the files served now counts for the current build and a scan of other files does not."""
    from rmfkit.builds import manifest_digest, records_scopes
    from rmfkit.hashing import sha256_file

    served = manifest_digest({p.name: sha256_file(p) for p in clean.iterdir()})
    system = example_ws / "system.yaml"
    text = system.read_text("utf-8")
    start = text.index("digest:", text.index("id: llama-3.1-8b-instruct"))
    system.write_text(text[:start] + f"digest: {served}" + text[text.index("\n", start):], encoding="utf-8")
    w = ["-w", str(example_ws)]
    code, out, err = run_cli("ops", "scan-artifact", str(clean), "--component", "llama-3.1-8b-instruct", *w)
    assert code == 0, err
    assert f"build digest sha256:{served}" in out
    (clean / "config.json").write_text('{"changed": true}')
    assert run_cli("ops", "scan-artifact", str(clean), "--component", "llama-3.1-8b-instruct", *w)[0] == 0
    ws = Workspace.open(example_ws)
    scans = sorted((r for r in ws.evidence.values() if r.kind == "model-scan"), key=lambda r: r.id)
    assert scans[0].build.digest == served and scans[0].build.repository  # the component's facts, digests agree
    assert scans[1].build.digest != served and scans[1].build.repository is None
    scopes = records_scopes(ws.current())
    assert [scopes[r.id].state for r in scans] == ["current", "other_build"]
    assert scopes[scans[1].id].reason.startswith("scanned another build (sha256:")
