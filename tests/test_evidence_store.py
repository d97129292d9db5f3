"""Evidence store through the CLI: import, duplicates, ls, verify, expiry, pull and drift, hostile input."""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import tracemalloc
from pathlib import Path

import pytest

from rmfkit.library import imports, store
from rmfkit.hashing import sha256_file
from rmfkit.workspace import Workspace

FIXTURES = Path(__file__).parent / "fixtures" / "evidence"
ROOT = Path(__file__).resolve().parent.parent


def snapshot(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` (but the disposable index and lock) with its hash."""
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and p.name not in (".rmfkit-index.json", ".rmfkit.lock")}


@pytest.fixture(autouse=True)
def pinned_today(monkeypatch):
    """The example's statuses are stated for 2026-11-29."""
    monkeypatch.setenv("RMFKIT_TODAY", "2026-11-29")


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    Workspace.create(tmp_path / "ws", system_id="demo", name="Demo", owner="me")
    return tmp_path / "ws"


def test_import_stores_byte_exact_with_provenance_and_detects_duplicates(ws, run_cli):
    code, out, _ = run_cli("evidence", "import", FIXTURES / "lmeval_results.json", "--subcategory", "measure-2.3",
                           "--valid-until", "2027-01-31", "-w", ws)
    assert code == 0 and "imported eval-lmeval-llama-3.1-8b-instruct-2026-10 (lm-eval)" in out
    folder = ws / "evidence" / "eval-lmeval-llama-3.1-8b-instruct-2026-10"
    assert (folder / "lmeval_results.json").read_bytes() == (FIXTURES / "lmeval_results.json").read_bytes()
    rec = Workspace(ws).evidence["eval-lmeval-llama-3.1-8b-instruct-2026-10"]
    assert rec.sha256 == sha256_file(FIXTURES / "lmeval_results.json") and rec.subcategories == ["MEASURE 2.3"]
    assert (rec.source.tool, rec.source.tool_version, str(rec.collected_at)) == ("lm-evaluation-harness", "0.4.8", "2026-10-06")
    assert str(rec.valid_until) == "2027-01-31"
    code, out, _ = run_cli("evidence", "import", FIXTURES / "lmeval_results.json", "-w", ws)
    assert code == 0 and out.startswith("duplicate:") and len(list((ws / "evidence").iterdir())) == 1


def test_import_json_reports_facts_and_suggestions(ws, run_cli):
    code, out, _ = run_cli("evidence", "import", FIXTURES / "garak.report.jsonl", "--json", "-w", ws)
    item = json.loads(out)[0]
    assert code == 0 and item["kind"] == "garak" and item["facts"]["attack_success_rate"] == round(33 / 710, 6)
    assert [s["id"] for s in item["suggested_subcategories"]][:2] == ["MEASURE 2.7", "MEASURE 2.6"]


def test_bad_file_in_an_all_or_nothing_batch_leaves_workspace_unchanged(ws, run_cli, tmp_path):
    before = snapshot(ws)
    broken = tmp_path / "results.json"
    broken.write_bytes((FIXTURES / "lmeval_results.json").read_bytes()[:300])
    code, _, err = run_cli("evidence", "import", FIXTURES / "spdx_2.3.json", broken, "-w", ws, "--all-or-nothing")
    assert code == 2 and err.count("\n") == 1 and str(broken) in err and "invalid JSON" in err
    assert snapshot(ws) == before


def test_batch_imports_the_valid_files_and_refuses_each_bad_one_with_a_line(ws, run_cli, tmp_path):
    broken = tmp_path / "results.json"
    broken.write_bytes((FIXTURES / "lmeval_results.json").read_bytes()[:300])
    missing = tmp_path / "missing.json"
    code, out, err = run_cli("evidence", "import", FIXTURES / "spdx_2.3.json", broken, missing, "-w", ws)
    lines = err.splitlines()
    assert code == 2 and len(lines) == 2
    assert lines[0].startswith(f"error: {broken} line 5: looks like JSON but cannot be read: invalid JSON")
    assert lines[1] == f"error: {missing}: file not found"
    assert out.splitlines()[0].startswith("imported sbom-spdx-support-rag-image-")
    assert out.splitlines()[-1] == "3 files: 1 imported, 0 duplicate, 2 refused"
    assert [p.name for p in (ws / "evidence").iterdir() if p.is_dir()] == [out.split()[1]]


def test_batch_json_reports_every_file_even_when_one_is_refused(ws, run_cli, tmp_path):
    missing = tmp_path / "missing.json"
    code, out, _ = run_cli("evidence", "import", FIXTURES / "spdx_2.3.json", missing, "-w", ws, "--json")
    rows = json.loads(out)
    assert code == 2 and [r["status"] for r in rows] == ["imported", "refused"]
    assert rows[1]["message"] == f"{missing}: file not found" and rows[0]["kind"] == "spdx"


@pytest.mark.parametrize("make", ["traversal", "symlink", "directory", "unknown_component", "bad_subcategory"])
def test_hostile_or_wrong_input_exit_2_one_line_unchanged(ws, run_cli, tmp_path, make):
    before = snapshot(ws)
    target = FIXTURES / "task_eval.csv"
    args: list = []
    if make == "traversal":
        args = [str(ws / ".." / ".." / "no-such-dir" / "etc" / "passwd")]
    elif make == "symlink":
        link = tmp_path / "link.csv"
        link.symlink_to(target)
        args = [link]
    elif make == "directory":
        args = [tmp_path]
    elif make == "unknown_component":
        args = [target, "--component", "no-such-component"]
    else:
        args = [target, "--subcategory", "MEASURE 9.9"]
    code, _, err = run_cli("evidence", "import", *args, "-w", ws)
    assert code == 2 and err.count("\n") == 1, err
    assert snapshot(ws) == before


def test_traversal_name_is_stored_under_a_plain_name(ws, run_cli, tmp_path):
    nested = tmp_path / "a" / "b"
    nested.mkdir(parents=True)
    (tmp_path / "passwd").write_text("root:x:0:0\n")
    code, out, _ = run_cli("evidence", "import", nested / ".." / ".." / "passwd", "--id", "doc-passwd", "-w", ws)
    assert code == 0
    assert sorted(p.name for p in (ws / "evidence" / "doc-passwd").iterdir()) == ["evidence.yaml", "passwd"]
    assert store.safe_file_name("../../etc/passwd") == "passwd"


def test_two_gigabyte_sparse_file_is_refused_without_reading(ws, run_cli, tmp_path):
    big = tmp_path / "weights.bin"
    with open(big, "wb") as handle:
        handle.truncate(2 * 1024 ** 3)
    before = snapshot(ws)
    tracemalloc.start()
    code, _, err = run_cli("evidence", "import", big, "-w", ws)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert code == 2 and "2,147,483,648 bytes" in err and err.count("\n") == 1
    assert peak < 64 * 1024 ** 2 and snapshot(ws) == before


def test_large_generic_file_is_streamed(ws, monkeypatch, tmp_path):
    monkeypatch.setattr(imports, "MAX_PARSE_BYTES", 1024 * 1024)
    big = tmp_path / "trace.log"
    with open(big, "wb") as handle:
        handle.truncate(48 * 1024 ** 2)
    tracemalloc.start()
    outcome = store.import_files(Workspace(ws), [big])[0]
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert outcome.record.kind == "generic" and outcome.record.size == 48 * 1024 ** 2
    assert outcome.record.sha256 == hashlib.sha256(bytes(48 * 1024 ** 2)).hexdigest()
    assert peak < 16 * 1024 ** 2


def test_ls_verify_and_one_changed_byte(example_ws, run_cli):
    code, out, _ = run_cli("evidence", "ls", "--json", "-w", example_ws)
    rows = {r["id"]: r for r in json.loads(out)}
    assert code == 0 and rows["redteam-promptfoo-support-assistant-2026-05"]["status"] == "expired"
    assert rows["lic-llama-3.1"]["library_id"] == "lic-llama-3.1"
    assert {r["status"] for k, r in rows.items() if k != "redteam-promptfoo-support-assistant-2026-05"} == {"ok"}
    code, out, _ = run_cli("evidence", "verify", "-w", example_ws)
    assert code == 0 and "every artefact matches" in out and "expired: redteam-promptfoo-support-assistant-2026-05" in out
    artefact = example_ws / "evidence" / "eval-task-support-tickets-2026-10" / "support-tickets-eval-2026-10.csv"
    data = bytearray(artefact.read_bytes())
    data[100] ^= 1
    artefact.write_bytes(bytes(data))
    code, out, err = run_cli("evidence", "verify", "-w", example_ws)
    assert code == 4 and "FAIL eval-task-support-tickets-2026-10: artefact support-tickets-eval-2026-10.csv was altered" in err
    (example_ws / "evidence" / "lic-vllm" / "license-record.json").unlink()
    code, out, err = run_cli("evidence", "verify", "-w", example_ws)
    assert code == 4 and "FAIL lic-vllm: artefact license-record.json is missing" in err


def test_ls_index_is_rebuilt_when_a_sidecar_changes(example_ws, run_cli):
    run_cli("evidence", "ls", "-w", example_ws)
    assert (example_ws / ".rmfkit-index.json").is_file()
    sidecar = example_ws / "evidence" / "lic-qdrant" / "evidence.yaml"
    sidecar.write_text(sidecar.read_text().replace("valid_until", "valid_until").replace(
        "review_interval_days: 365", "valid_until: 2026-01-01"))
    code, out, _ = run_cli("evidence", "ls", "--json", "-w", example_ws)
    assert {r["id"]: r["status"] for r in json.loads(out)}["lic-qdrant"] == "expired"


def test_ls_index_sees_an_edit_that_puts_the_modification_time_back(example_ws, run_cli, monkeypatch):
    """Same size, same mtime (``touch -d``), settled long ago as far as the index knows: the change time tells."""
    from rmfkit.library import index

    monkeypatch.setattr(index, "RACY_NS", -10**15)  # the index trusts its entries at once
    monkeypatch.setenv("RMFKIT_NO_MEMO", "1")
    run_cli("evidence", "ls", "-w", example_ws)
    sidecar = example_ws / "evidence" / "lic-qdrant" / "evidence.yaml"
    stamp, text = sidecar.stat(), sidecar.read_text("utf-8")
    title = next(line for line in text.splitlines() if line.startswith("title: "))
    sidecar.write_text(text.replace(title, "title: " + "X" * (len(title) - 7)), encoding="utf-8")
    os.utime(sidecar, ns=(stamp.st_atime_ns, stamp.st_mtime_ns))
    rows = json.loads(run_cli("evidence", "ls", "--json", "-w", example_ws)[1])
    assert {r["id"]: r["title"] for r in rows}["lic-qdrant"] == "X" * (len(title) - 7)


def test_invalid_sidecar_is_a_validation_problem(example_ws, run_cli):
    sidecar = example_ws / "evidence" / "lic-qdrant" / "evidence.yaml"
    sidecar.write_text(sidecar.read_text().replace("file: license-record.json", "file: ../../system.yaml"))
    code, _, err = run_cli("evidence", "ls", "-w", example_ws)
    assert code == 3 and "must be a plain file name" in err


def test_pull_check_reports_llama_license_drift(example_ws, run_cli):
    code, out, _ = run_cli("evidence", "pull", "--check", "-w", example_ws)
    assert code == 0 and out.startswith("lic-llama-3.1: library copy changed since the pull")
    assert "attribution: Notice file → Notice file + 'Built with Llama'" in out
    code, out, _ = run_cli("evidence", "pull", "lic-llama-3.1", "-w", example_ws)
    assert code == 0 and out.startswith("updated: lic-llama-3.1")
    library_copy = ROOT / "evidence" / "lic-llama-3.1" / "license-record.json"
    assert (example_ws / "evidence" / "lic-llama-3.1" / "license-record.json").read_bytes() == library_copy.read_bytes()
    code, out, _ = run_cli("evidence", "pull", "--check", "-w", example_ws)
    assert out.strip() == "every pulled item matches its library copy"


def test_pull_new_item_keeps_library_id_and_hash(example_ws, run_cli):
    code, out, _ = run_cli("evidence", "pull", "lic-gemma", "lic-gemma", "-w", example_ws)
    assert code == 0 and out.strip() == "pulled: lic-gemma"
    rec = Workspace(example_ws).evidence["lic-gemma"]
    assert rec.library_id == "lic-gemma" and rec.sha256 == rec.library_sha256
    assert rec.facts["licenses"] == ["gemma"] and rec.facts["passthrough_required"] is True
    code, out, _ = run_cli("evidence", "pull", "lic-gemma", "-w", example_ws)
    assert out.strip() == "up to date: lic-gemma"
    code, _, err = run_cli("evidence", "pull", "lic-gema", "-w", example_ws)
    assert code == 2 and "did you mean lic-gemma" in err


def test_pull_refuses_a_tampered_library(example_ws, run_cli, tmp_path, monkeypatch):
    library = tmp_path / "lib"
    shutil.copytree(ROOT / "evidence" / "lic-mistral-7b", library / "lic-mistral-7b")
    (library / "lic-mistral-7b" / "license-record.json").write_text("{}")
    monkeypatch.setenv("RMFKIT_LIBRARY", str(library))
    before = snapshot(example_ws)
    code, _, err = run_cli("evidence", "pull", "lic-mistral-7b", "-w", example_ws)
    assert code == 4 and "does not match its recorded SHA-256" in err and snapshot(example_ws) == before


def test_status_has_evidence_counts(example_ws):
    from rmfkit.analysis import of_workspace
    from rmfkit.views.status import evidence

    section = evidence(of_workspace(Workspace(example_ws), cached=True))
    assert section["total"] == 13 and section["expired"] == 1 and section["ok"] == 12
    assert section["attention"][0]["id"] == "redteam-promptfoo-support-assistant-2026-05"


def test_shipped_library_is_consistent():
    listing = store.Library(ROOT / "evidence").listing()
    assert listing.problems == []
    for eid, rec in listing.records.items():
        assert rec.id == eid and sha256_file(ROOT / "evidence" / eid / rec.file) == rec.sha256
        if rec.kind == "license-record":
            assert rec.facts["licenses"] and rec.facts["sources"]
        else:
            assert rec.example_data is True
    for name in ("pytorch", "tensorflow", "transformers", "vllm", "llama.cpp", "langchain", "ollama", "gemma",
                 "creativeml-openrail-m", "llama-3.1", "mistral-7b", "deepseek-r1"):
        assert f"lic-{name}" in listing.records
