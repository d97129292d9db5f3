"""Operating the model: operations.yaml records, evidence-aware checklist, pilot, suggestions, comparison, CLI."""
from __future__ import annotations

import rmfkit
import datetime as dt
import hashlib
import json
import shutil
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rmfkit import ops
from rmfkit.artifacts import verify_artifact
from rmfkit.review.operations import compare_operations
from rmfkit.models.evidence import EvidenceRecord
from rmfkit.models.operations import ArtifactExpectation, ChecklistItem, Operations, PilotStep
from rmfkit.models.system import Component
from rmfkit.workspace import Workspace

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "ops"
MAY = dt.date(2026, 5, 1)
JULY = dt.date(2026, 7, 1)


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def add_evidence(ws: Workspace, evidence_id: str, content: bytes, valid_until: dt.date) -> None:
    ws.write_artifact(f"evidence/{evidence_id}/{evidence_id}.txt", content)
    ws.put(f"evidence/{evidence_id}/evidence.yaml",
           EvidenceRecord(id=evidence_id, title=f"{evidence_id} record", kind="generic", file=f"{evidence_id}.txt",
                          sha256=sha(content), size=len(content), collected_at=dt.date(2026, 1, 15),
                          valid_until=valid_until))


@pytest.fixture
def ops_ws(tmp_path: Path) -> Path:
    """A workspace with two evidence items, one risk, a weights component and the fixture operations.yaml."""
    root = tmp_path / "demo"
    ws = Workspace.create(root, system_id="demo", name="Demo assistant", owner="Head of ML")
    with ws.edit():
        ws.records["system.yaml"].components = [
            Component(id="demo-llm", name="Demo LLM weights", layer="weights", license="apache-2.0"),
            Component(id="vllm", name="vLLM", layer="tooling", license="Apache-2.0")]
        add_evidence(ws, "E-raci", b"RACI: model lifecycle owner = ML platform lead\n", dt.date(2026, 12, 31))
        add_evidence(ws, "E-rollback-drill", b"Rollback drill 2026-04-14: 4 min to previous build\n",
                     dt.date(2026, 6, 30))
    (root / "risks").mkdir()
    shutil.copy(FIXTURES / "R-0001.yaml", root / "risks" / "R-0001.yaml")
    shutil.copy(FIXTURES / "operations.yaml", root / "operations.yaml")
    return root


MODEL_FILES = {
    "config.json": b'{"architectures": ["LlamaForCausalLM"], "torch_dtype": "bfloat16"}\n',
    "model-00001-of-00002.safetensors": bytes(range(256)) * 5000,
    "model-00002-of-00002.safetensors": b"\x5a" * (1024 * 1024 + 4096),
    "tokenizer/tokenizer.json": b'{"version": "1.0", "model": {"type": "BPE"}}\n',
}


def make_model(folder: Path) -> dict[str, str]:
    """A multi-file model folder (with a download cache to ignore); returns the expected checksums."""
    for rel, data in MODEL_FILES.items():
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_bytes(data)
    (folder / ".cache").mkdir()
    (folder / ".cache" / "download.lock").write_bytes(b"")
    return {rel: sha(data) for rel, data in MODEL_FILES.items()}


def set_expected(root: Path, expected: dict[str, str]) -> None:
    ws = Workspace.open(root)
    with ws.edit():
        ws.records["operations.yaml"].artifacts = [
            ArtifactExpectation(component="demo-llm", files=expected, ignore=[".cache/*"], revision="abc123")]


# ---------------------------------------------------------------- template

def test_template_has_the_seven_areas_nineteen_items_and_ten_steps():
    from rmfkit.catalog import load_catalog
    from rmfkit.models.risk import risk_categories

    t = ops.load_template()
    assert [a.id for a in t.areas] == ["serving", "quantization", "observability", "updates", "evaluation",
                                       "ownership", "supply_chain"]
    assert len(t.items) == 19 and len({i.id for i in t.items}) == 19
    assert {i.seed_concept for i in t.items} == {7, 12}
    assert t.item("updates.rollback").subcategories == ("MANAGE 2.4", "MANAGE 2.3")
    assert t.item("observability.drift").subcategories == ("MEASURE 2.4", "MEASURE 3.1", "MANAGE 4.1")
    assert "GOVERN 6.1" in t.item("supply_chain.checksums").subcategories
    catalog = load_catalog()
    assert all(catalog.subcategory(s).id == s for i in t.items for s in i.subcategories)
    assert all(c in risk_categories() for i in t.items for c in i.risk_categories)
    assert [s.step for s in t.pilot_steps] == list(range(1, 11))
    assert t.step(1).title == "One concrete task and one metric"
    assert t.step(9).title == "Gated release to a small user group behind a feature flag"
    assert t.step(10).title == "Iterate weekly"
    assert {s.seed_concept for s in t.pilot_steps} == {13}


def test_starter_operations_lists_every_template_item_open():
    starter = ops.starter_operations()
    assert [i.id for i in starter.checklist] == [t.id for t in ops.load_template().items]
    assert {i.status for i in starter.checklist} == {"open"}
    assert [(s.step, s.status) for s in starter.pilot] == [(n, "not_started") for n in range(1, 11)]


# ---------------------------------------------------------------- records

def test_fixture_validates_and_an_unchanged_save_writes_nothing(ops_ws: Path):
    before = (ops_ws / "operations.yaml").read_bytes()
    ws = Workspace.open(ops_ws)
    assert rmfkit.validate(ws) == []
    record = ws.records["operations.yaml"]
    assert isinstance(record, Operations)
    assert record.item("serving.gpu_autoscaling").title == "GPU pool autoscales on queue depth"
    assert record.item("updates.rollback").subcategories == ["MANAGE 2.4"]
    assert record.artifact("demo-llm").revision == "0e9e39f249a16976918f6564b8830bc894c89659"
    assert ws.save() == []
    assert (ops_ws / "operations.yaml").read_bytes() == before


def test_editing_one_item_changes_only_its_line_and_keeps_comments(ops_ws: Path):
    before = (ops_ws / "operations.yaml").read_text().splitlines()
    ws = Workspace.open(ops_ws)
    with ws.edit():
        ws.records["operations.yaml"].item("serving.capacity").status = "in_progress"
    after = (ops_ws / "operations.yaml").read_text().splitlines()
    changed = [(a, b) for a, b in zip(before, after) if a != b]
    assert changed == [("    status: open", "    status: in_progress")]
    assert len(before) == len(after)
    assert "  - id: serving.gpu_autoscaling    # the team's own item" in after
    assert "    x-ticket: OPS-412" in after


_item_ids = st.sampled_from([t.id for t in ops.load_template().items])
_text = st.text(alphabet=st.characters(whitelist_categories=("L", "N", "P", "Zs")), min_size=1, max_size=30)
_items = st.builds(ChecklistItem, id=_item_ids, status=st.sampled_from(["done", "in_progress", "open"]),
                   owner=st.none() | _text, due=st.none() | st.dates(dt.date(2020, 1, 1), dt.date(2035, 12, 31)),
                   evidence=st.lists(st.from_regex(r"\AE-[a-z0-9]{1,8}\Z"), max_size=3),
                   subcategories=st.none() | st.lists(st.sampled_from(["MANAGE 2.4", "MEASURE 2.10", "GOVERN 6.1"]),
                                                       max_size=2),
                   notes=st.none() | _text)


@settings(max_examples=60, deadline=None)
@given(items=st.lists(_items, max_size=5),
       steps=st.lists(st.builds(PilotStep, step=st.integers(1, 10),
                                status=st.sampled_from(["done", "in_progress", "not_started", "skipped"])), max_size=4))
def test_operations_round_trip_through_yaml(items, steps):
    from rmfkit.safeparse import parse_yaml
    from rmfkit.records import record_data
    from rmfkit.yamlio import plain, dump_yaml, merge_into

    record = Operations(checklist=items, pilot=steps)
    text = dump_yaml(merge_into(None, record_data(record)))
    assert Operations.model_validate(plain(parse_yaml(text, "operations.yaml"))) == record


def test_artifact_expectation_needs_exactly_one_form():
    digest = "ab" * 32
    assert ArtifactExpectation(component="m", sha256=digest).expected == digest
    assert ArtifactExpectation(component="m", files={"a/b.bin": digest}).expected == {"a/b.bin": digest}
    with pytest.raises(ValueError, match="either sha256"):
        ArtifactExpectation(component="m", sha256=digest, files={"a": digest})
    with pytest.raises(ValueError, match="either sha256"):
        ArtifactExpectation(component="m")
    with pytest.raises(ValueError, match="'../a' must be a plain relative path"):
        ArtifactExpectation(component="m", files={"../a": digest})


# ---------------------------------------------------------------- evidence-aware status

def test_done_item_with_expired_evidence_is_shown_unsupported(ops_ws: Path):
    ws = Workspace.open(ops_ws)
    may = {s.id: s for s in ops.checklist_status(ws, MAY, checks=ws.check_evidence(MAY))}
    assert may["updates.rollback"].shown_status == "done"
    assert may["updates.rollback"].reason == "supported by E-rollback-drill"
    july = {s.id: s for s in ops.checklist_status(ws, JULY, checks=ws.check_evidence(JULY))}
    assert july["updates.rollback"].status == "done"
    assert july["updates.rollback"].shown_status == "unsupported"
    assert july["updates.rollback"].reason == ("marked done, but none of its evidence is usable: "
                                               "E-rollback-drill expired on 2026-06-30")
    assert july["ownership.lifecycle_owner"].shown_status == "done"
    assert july["observability.drift"].flags == ("overdue",)
    assert july["serving.capacity"].flags == ("no_owner",)


def test_done_item_with_altered_evidence_is_shown_unsupported(ops_ws: Path):
    (ops_ws / "evidence" / "E-raci" / "E-raci.txt").write_bytes(b"RACI: model lifecycle owner = nobody\n")
    ws = Workspace.open(ops_ws)
    state = next(s for s in ops.checklist_status(ws, MAY, checks=ws.check_evidence(MAY)) if s.id == "ownership.lifecycle_owner")
    assert state.shown_status == "unsupported"
    assert state.reason == ("marked done, but none of its evidence is usable: E-raci artefact E-raci.txt was altered "
                            "(SHA-256 differs from the recorded one)")


def test_one_usable_item_keeps_the_claim_and_names_the_broken_one():
    record = Operations(checklist=[ChecklistItem(id="updates.canary", status="done", evidence=["E-1", "E-2"])])
    state = ops.item_states(record, {"E-1": "ok", "E-2": "expired"}, MAY)[0]
    assert (state.shown_status, state.flags) == ("done", ("evidence_problem",))
    assert state.reason == "supported by E-1; also linked: E-2 expired"
    bare = ops.item_states(Operations(checklist=[ChecklistItem(id="updates.canary", status="done")]), {}, MAY)[0]
    assert (bare.shown_status, bare.flags) == ("done", ("done_without_evidence",))


def test_status_section_counts_and_current_pilot_step(ops_ws: Path, monkeypatch):
    from rmfkit.analysis import of_workspace
    from rmfkit.views.status import operations

    monkeypatch.setenv("RMFKIT_TODAY", "2026-07-01")
    ws = Workspace.open(ops_ws)
    assert operations(of_workspace(ws)) == {"items_done": 1, "items_open": 3, "items_unsupported": 1,
                                          "items_overdue": 1, "pilot": "step 3 of 10: Local inference behind a thin API"}
    (ops_ws / "operations.yaml").unlink()
    assert operations(of_workspace(Workspace.open(ops_ws))) is None


def test_current_pilot_step_skips_done_and_skipped_steps():
    record = Operations(pilot=[PilotStep(step=n, status="done") for n in range(1, 6)]
                        + [PilotStep(step=6, status="skipped"), PilotStep(step=7, status="not_started"),
                           PilotStep(step=8, status="in_progress")])
    assert ops.current_pilot_step(record).step == 7
    finished = Operations(pilot=[PilotStep(step=n, status="done") for n in range(1, 11)])
    assert ops.current_pilot_step(finished) is None


# ---------------------------------------------------------------- suggestions

def test_done_items_suggest_their_subcategories_until_the_mapping_links_the_evidence(ops_ws: Path):
    ws = Workspace.open(ops_ws)
    owner = "operations checklist item ownership.lifecycle_owner (A named owner of the model lifecycle)"
    rollback = ("operations checklist item updates.rollback "
                "(Previous versions archived for rollback and audit; rollback tested)")
    assert ops.mapping_suggestions(ws, MAY, checks=ws.check_evidence(MAY)) == [
        ("GOVERN 2.1", f"{owner} is done with evidence E-raci; GOVERN 2.1 is not_assessed and does not link it"),
        ("MANAGE 2.4", f"{owner} is done with evidence E-raci; MANAGE 2.4 is not_assessed and does not link it"),
        ("MANAGE 2.4", f"{rollback} is done with evidence E-rollback-drill; MANAGE 2.4 is not_assessed "
                       "and does not link it"),
    ]
    with ws.edit():
        ws.set_assessment("MANAGE 2.4", status="partially_met", evidence=["E-rollback-drill"])
    assert [s for s, _ in ops.mapping_suggestions(ws, MAY, checks=ws.check_evidence(MAY))] == ["GOVERN 2.1", "MANAGE 2.4"]
    assert "E-raci" in ops.mapping_suggestions(ws, MAY, checks=ws.check_evidence(MAY))[1][1]
    # expired evidence suggests nothing
    assert all("E-rollback-drill" not in reason for _, reason in ops.mapping_suggestions(ws, JULY, checks=ws.check_evidence(JULY)))


# ---------------------------------------------------------------- view and comparison

def test_view_is_plain_data_with_not_recorded_items_and_gaps(ops_ws: Path):
    ws = Workspace.open(ops_ws)
    data = ops.view(ws, JULY, checks=ws.check_evidence(JULY))
    assert json.loads(json.dumps(data)) == data  # only plain JSON values
    assert data["summary"] == {"done": 1, "unsupported": 1, "in_progress": 1, "open": 2, "not_applicable": 1,
                               "not_recorded": 14, "overdue": 1, "done_without_evidence": 0, "total": 20}
    serving = data["areas"][0]
    assert [i["id"] for i in serving["items"]] == ["serving.capacity", "serving.gpu_autoscaling", "serving.runtime"]
    assert serving["items"][2]["shown_status"] == "not_recorded"
    assert data["pilot"]["label"] == "step 3 of 10: Local inference behind a thin API"
    assert [s["step"] for s in data["pilot"]["steps"] if s["current"]] == [3]
    assert data["artifacts"] == [{"component": "demo-llm", "name": "Demo LLM weights", "layer": "weights",
                                  "recorded": True, "form": "folder", "files": 2,
                                  "revision": "0e9e39f249a16976918f6564b8830bc894c89659",
                                  "source": "publisher's file listing at that revision (fixture data)",
                                  "last_check": None}]
    assert ("Previous versions archived for rollback and audit; rollback tested: marked done, but none of its "
            "evidence is usable: E-rollback-drill expired on 2026-06-30.") in data["gaps"]
    assert ("Drift checks on inputs and answer quality in production: in progress, due 2026-05-31 (overdue), "
            "owner ML lead.") in data["gaps"]
    assert "Demo LLM weights: expected checksums recorded, but never verified against the deployed files." in data["gaps"]


def test_view_without_operations_file_states_the_gap(ops_ws: Path):
    (ops_ws / "operations.yaml").unlink()
    opened = Workspace.open(ops_ws)
    data = ops.view(opened, MAY, checks=opened.check_evidence(MAY))
    assert (data["recorded"], data["summary"], data["pilot"], data["areas"]) == (False, None, None, [])
    assert data["gaps"] == [
        "No operations.yaml: the operational readiness checklist and the pilot plan are not recorded.",
        "Demo LLM weights: no expected checksum recorded for these weights."]


def test_compare_reports_regressed_lapsed_overdue_removed_and_pilot_moves():
    q3 = Operations(
        checklist=[ChecklistItem(id="updates.canary", status="done", evidence=["E-canary"]),
                   ChecklistItem(id="updates.rollback", status="done", evidence=["E-drill"]),
                   ChecklistItem(id="observability.drift", status="open", owner="ML lead", due=dt.date(2026, 11, 30)),
                   ChecklistItem(id="supply_chain.sbom", status="done", evidence=["E-sbom"])],
        pilot=[PilotStep(step=1, status="done"), PilotStep(step=2, status="in_progress")])
    q4 = Operations(
        checklist=[ChecklistItem(id="updates.canary", status="open", owner="ML lead"),
                   ChecklistItem(id="updates.rollback", status="done", evidence=["E-drill"]),
                   ChecklistItem(id="observability.drift", status="open", owner="ML lead", due=dt.date(2026, 11, 30)),
                   ChecklistItem(id="evaluation.latency", status="in_progress", owner="SRE lead")],
        pilot=[PilotStep(step=1, status="done"), PilotStep(step=2, status="done")])
    changes = compare_operations(q3, q4, before_checks={"E-canary": "ok", "E-drill": "ok", "E-sbom": "ok"},
                                     after_checks={"E-drill": "expired"},
                                     before_date=dt.date(2026, 9, 30), after_date=dt.date(2026, 12, 31))
    assert [(c["item"], c["change"], c["before"], c["after"]) for c in changes] == [
        ("observability.drift", "overdue", "open", "open"),
        ("updates.canary", "regressed", "done", "open"),
        ("updates.rollback", "lapsed", "done", "unsupported"),
        ("supply_chain.sbom", "removed", "done", None),
        ("evaluation.latency", "added", None, "in_progress"),
        ("pilot.2", "advanced", "in_progress", "done"),
    ]
    assert changes[2]["detail"] == "marked done, but none of its evidence is usable: E-drill expired"
    assert (changes[1]["detail"], changes[5]["detail"]) == ("done → open", "pilot step 2: in progress → done")


# ---------------------------------------------------------------- artefact integrity

def test_verify_artifact_names_the_file_with_a_one_byte_change(tmp_path: Path):
    model = tmp_path / "model"
    expected = make_model(model)
    assert verify_artifact(expected, model, ignore=[".cache/*"]).ok
    shard = model / "model-00002-of-00002.safetensors"
    data = bytearray(shard.read_bytes())
    data[1024 * 1024 + 7] ^= 0x01
    shard.write_bytes(bytes(data))
    result = verify_artifact(expected, model, ignore=[".cache/*"], progress=True)
    assert not result.ok
    assert result.total_bytes == sum(len(v) for v in MODEL_FILES.values())
    assert [(f.path, f.status, f.expected, f.actual) for f in result.failures] == [
        ("model-00002-of-00002.safetensors", "mismatch", sha(MODEL_FILES["model-00002-of-00002.safetensors"]),
         sha(bytes(data)))]
    assert result.failures[0].describe().startswith("model-00002-of-00002.safetensors: SHA-256 differs (expected ")


def test_verify_artifact_names_missing_and_extra_files(tmp_path: Path):
    model = tmp_path / "model"
    expected = make_model(model)
    (model / "tokenizer" / "tokenizer.json").unlink()
    (model / "model-00003-of-00002.safetensors").write_bytes(b"stray")
    result = verify_artifact(expected, model, ignore=[".cache/*"])
    assert [(f.path, f.status) for f in result.failures] == [("model-00003-of-00002.safetensors", "extra"),
                                                             ("tokenizer/tokenizer.json", "missing")]
    without_ignore = verify_artifact(expected, model)
    assert ".cache/download.lock" in [f.path for f in without_ignore.failures if f.status == "extra"]


def test_verify_artifact_single_file_and_wrong_shapes(tmp_path: Path):
    from rmfkit.errors import InputFileError, UsageError

    model = tmp_path / "model"
    expected = make_model(model)
    config = model / "config.json"
    assert verify_artifact(expected["config.json"], config).ok
    assert not verify_artifact("0" * 64, config).ok
    with pytest.raises(UsageError, match="is a folder, but one checksum"):
        verify_artifact(expected["config.json"], model)
    with pytest.raises(UsageError, match="is a file, but checksums of 4 files"):
        verify_artifact(expected, config)
    with pytest.raises(InputFileError, match="not found"):
        verify_artifact(expected, tmp_path / "nowhere")


# ---------------------------------------------------------------- CLI

def test_cli_verify_artifact_stores_evidence_and_exits_4_naming_the_file(ops_ws: Path, tmp_path: Path, run_cli,
                                                                          monkeypatch):
    monkeypatch.setenv("RMFKIT_TODAY", "2026-05-01")
    model = tmp_path / "model"
    set_expected(ops_ws, make_model(model))
    code, out, err = run_cli("ops", "verify-artifact", "demo-llm", model, "-w", ops_ws, "--no-progress")
    assert (code, err) == (0, "")
    assert out.strip() == (f"demo-llm: 4 file(s), {sum(len(v) for v in MODEL_FILES.values()):,} bytes hashed: "
                           "all files match; recorded as evidence artifact-check-demo-llm-2026-05-01")
    folder = ops_ws / "evidence" / "artifact-check-demo-llm-2026-05-01"
    record = Workspace.open(ops_ws).evidence["artifact-check-demo-llm-2026-05-01"]
    result_bytes = (folder / "artifact-check.json").read_bytes()
    assert (record.kind, record.sha256, record.size) == ("artifact-check", sha(result_bytes), len(result_bytes))
    assert record.components == ["demo-llm"] and record.facts["ok"] is True
    assert record.subcategories == ["GOVERN 6.1", "MANAGE 3.2"]
    document = json.loads(result_bytes)
    assert (document["ok"], document["files_checked"], document["revision"]) == (True, 4, "abc123")

    shard = model / "tokenizer" / "tokenizer.json"
    shard.write_bytes(shard.read_bytes().replace(b"BPE", b"BPF"))
    code, out, err = run_cli("ops", "verify-artifact", "demo-llm", model, "-w", ops_ws, "--no-progress")
    assert code == 4
    assert "FAIL tokenizer/tokenizer.json: SHA-256 differs" in err
    assert "recorded as evidence artifact-check-demo-llm-2026-05-01-2" in err
    ws = Workspace.open(ops_ws)
    assert ws.evidence["artifact-check-demo-llm-2026-05-01-2"].facts["ok"] is False
    assert rmfkit.validate(ws) == []
    last = ops.view(ws, MAY, checks=ws.check_evidence(MAY))["artifacts"][0]["last_check"]
    assert (last["evidence_id"], last["match"]) == ("artifact-check-demo-llm-2026-05-01-2", False)
    code, out, _ = run_cli("ops", "verify-artifact", "demo-llm", model, "-w", ops_ws, "--json", "--no-progress")
    document = json.loads(out)
    assert (code, document["evidence_id"], document["ok"]) == (4, "artifact-check-demo-llm-2026-05-01-3", False)
    assert document["failures"] == [f"tokenizer/tokenizer.json: SHA-256 differs (expected "
                                    f"{sha(MODEL_FILES['tokenizer/tokenizer.json'])}, found {sha(shard.read_bytes())})"]


def test_cli_verify_artifact_refuses_unknown_component_and_missing_expectation(ops_ws: Path, tmp_path: Path,
                                                                                run_cli):
    model = tmp_path / "model"
    make_model(model)
    code, _, err = run_cli("ops", "verify-artifact", "demo-lm", model, "-w", ops_ws)
    assert (code, err.strip()) == (2, "error: unknown component 'demo-lm' (did you mean demo-llm?)")
    code, _, err = run_cli("ops", "verify-artifact", "vllm", model, "-w", ops_ws)
    assert code == 2 and "no expected checksum is recorded for 'vllm'" in err
    assert sorted(p.name for p in (ops_ws / "evidence").iterdir()) == ["E-raci", "E-rollback-drill"]


def test_cli_show_json_and_table(ops_ws: Path, run_cli, monkeypatch):
    monkeypatch.setenv("RMFKIT_TODAY", "2026-07-01")
    code, out, _ = run_cli("ops", "show", "-w", ops_ws, "--json")
    assert code == 0
    data = json.loads(out)
    assert data["summary"]["unsupported"] == 1 and data["pilot"]["current"]["step"] == 3
    code, out, _ = run_cli("ops", "show", "-w", ops_ws)
    assert code == 0
    assert "1 unsupported" in out and "Gaps" in out and "GPU pool" in out


def test_cli_init_creates_the_starter_once(ops_ws: Path, run_cli):
    (ops_ws / "operations.yaml").unlink()
    code, out, _ = run_cli("ops", "init", "-w", ops_ws)
    assert code == 0 and out.startswith("Created operations.yaml with 19 checklist items and 10 pilot steps")
    assert Workspace.open(ops_ws).records["operations.yaml"] == ops.starter_operations()
    code, _, err = run_cli("ops", "init", "-w", ops_ws)
    assert code == 2 and "operations.yaml already exists" in err


# ---------------------------------------------------------------- bad files

def test_bad_status_is_reported_with_line_and_field(ops_ws: Path, tmp_path: Path, run_cli):
    shutil.copy(FIXTURES / "bad_status.yaml", ops_ws / "operations.yaml")
    code, out, err = run_cli("ops", "show", "-w", ops_ws)
    assert code == 3
    assert err.splitlines()[0] == ("operations.yaml line 4: checklist.0.status: 'finished' is not one of done, "
                                   "in_progress, open, not_applicable")
    model = tmp_path / "model"
    make_model(model)
    code, _, _ = run_cli("ops", "verify-artifact", "demo-llm", model, "-w", ops_ws)
    assert code == 3
    assert sorted(p.name for p in (ops_ws / "evidence").iterdir()) == ["E-raci", "E-rollback-drill"]


def test_bad_artifact_entry_is_reported(ops_ws: Path, run_cli):
    shutil.copy(FIXTURES / "bad_artifact.yaml", ops_ws / "operations.yaml")
    code, _, err = run_cli("validate", "-w", ops_ws)
    assert code == 3
    assert "operations.yaml line 5: artifacts.0.files: '../outside.bin' must be a plain relative path" in err


def test_bad_references_are_all_listed(ops_ws: Path, run_cli):
    shutil.copy(FIXTURES / "bad_references.yaml", ops_ws / "operations.yaml")
    code, _, err = run_cli("validate", "-w", ops_ws)
    assert code == 3
    lines = [line for line in err.splitlines() if line.startswith("operations.yaml")]
    assert lines == [
        "operations.yaml line 3: checklist.updates.rolback: 'updates.rolback' is not a template item (did you mean "
        "updates.rollback?); your own items need an area and a title",
        "operations.yaml line 7: checklist.updates.canary.evidence: evidence 'E-nowhere' is not in this workspace "
        "(import or pull it first)",
        "operations.yaml line 8: checklist.updates.canary.risks: risk 'R-0099' is not in the risk register (risks/)",
        "operations.yaml line 9: checklist.updates.canary.subcategories: 'MANAGE 9.9' is not an AI RMF subcategory",
        "operations.yaml line 11: checklist.quantization.build.justification: status not_applicable needs a "
        "justification",
        "operations.yaml line 13: artifacts.component: component 'no-such-model' is not in system.yaml",
        "operations.yaml line 18: pilot.step: pilot step 2 is listed twice",
    ]


# ---------------------------------------------------------------- the example workspace

def test_example_workspace_fills_the_checklist_realistically(example_ws: Path, run_cli, monkeypatch):
    monkeypatch.setenv("RMFKIT_TODAY", "2026-11-30")
    code, out, _ = run_cli("ops", "show", "-w", example_ws, "--json")
    assert code == 0
    data = json.loads(out)
    summary = data["summary"]
    assert summary["total"] == 19 and summary["not_recorded"] == 0
    assert summary["done"] + summary["unsupported"] >= 8
    assert summary["open"] + summary["in_progress"] >= 4
    assert summary["overdue"] == 1
    items = [i for area in data["areas"] for i in area["items"]]
    by_id = {i["id"]: i for i in items}
    assert by_id["evaluation.suite"]["shown_status"] == "done"
    assert by_id["evaluation.suite"]["reason"] == "supported by eval-task-support-tickets-2026-10"
    assert by_id["evaluation.adversarial"]["shown_status"] == "unsupported"
    assert by_id["evaluation.adversarial"]["reason"] == (
        "marked done, but none of its evidence is usable: redteam-promptfoo-support-assistant-2026-05 "
        "expired on 2026-10-31")
    assert {"subcategory": "MEASURE 2.1", "reason": (
        "operations checklist item evaluation.suite (Task-specific evaluation suite with the hard cases and "
        "acceptance thresholds) is done with evidence eval-task-support-tickets-2026-10; MEASURE 2.1 is "
        "not_assessed and does not link it")} in data["suggestions"]
    assert all(i["owner"] for i in items)
    assert all(i["due"] for i in items if i["status"] in ("open", "in_progress"))
    assert data["pilot"]["label"] == "step 7 of 10: Quantize if latency or cost demands it, then re-evaluate"
    assert [(a["component"], a["form"], a["files"]) for a in data["artifacts"]] == [
        ("llama-3.1-8b-instruct", "folder", 10), ("bge-small-en", "file", 1)]
    assert all("EXAMPLE DATA" in a["source"] for a in data["artifacts"])
    assert rmfkit.validate(Workspace.open(example_ws)) == []


def test_verify_artifact_counts_missing_and_extra_files_apart_from_altered_ones(ops_ws: Path, tmp_path: Path,
                                                                              run_cli, monkeypatch):
    monkeypatch.setenv("RMFKIT_TODAY", "2026-05-01")
    model = tmp_path / "model"
    set_expected(ops_ws, make_model(model))
    (model / "tokenizer" / "tokenizer.json").unlink()
    (model / "model-00003-of-00002.safetensors").write_bytes(b"stray")
    code, out, err = run_cli("ops", "verify-artifact", "demo-llm", model, "-w", ops_ws, "--no-progress")
    hashed = sum(len(v) for k, v in MODEL_FILES.items() if k != "tokenizer/tokenizer.json")
    assert code == 4 and out.strip() == (f"demo-llm: 3 file(s), {hashed:,} bytes hashed: 1 file missing, 1 extra file; "
                                         "recorded as evidence artifact-check-demo-llm-2026-05-01")
    assert "differ" not in out + err
    record = Workspace.open(ops_ws).evidence["artifact-check-demo-llm-2026-05-01"]
    assert record.title == "Artefact integrity check of demo-llm: 1 file missing, 1 extra file"
    shard = model / "config.json"
    shard.write_bytes(shard.read_bytes() + b" ")
    expectation = ops.operations_of(Workspace.open(ops_ws)).artifact("demo-llm")
    result = verify_artifact(expectation.expected, model, ignore=expectation.ignore)
    assert result.verdict == "1 file differs, 1 file missing, 1 extra file"


def test_artifact_hashing_reports_progress_through_the_one_hash_function(tmp_path: Path, monkeypatch):
    from rmfkit import hashing

    model = tmp_path / "model"
    expected = make_model(model)
    seen: list[str] = []
    real = hashing.sha256_file

    def counting(path, *args, progress=None, **kwargs):
        seen.append(Path(path).relative_to(model).as_posix())
        return real(path, *args, progress=progress, **kwargs)

    monkeypatch.setattr(hashing, "sha256_file", counting)
    result = verify_artifact(expected, model, ignore=[".cache/*"], progress=True)
    assert result.ok and sorted(seen) == sorted(MODEL_FILES)
    assert not hasattr(ops, "_sha256_with_progress")
    advanced: list[int] = []
    shard = model / "model-00002-of-00002.safetensors"
    assert real(shard, progress=advanced.append) == sha(MODEL_FILES["model-00002-of-00002.safetensors"])
    assert advanced == [1024 * 1024, 4096]
