"""Quarterly review: snapshots and their hash chain, the diff of two constructed states (each kind of
change exactly once), the example's 2026-Q3 review against the live example, the review packet, the CLI."""
from __future__ import annotations

import copy
import json
import os
import shutil
from pathlib import Path

import pytest

from tests.conftest import EXAMPLE

TODAY = "2026-11-29"
EPOCH = "1795953600"  # 2026-11-29T12:00:00Z


@pytest.fixture(scope="module")
def pinned():
    saved = {k: os.environ.get(k) for k in ("RMFKIT_TODAY", "SOURCE_DATE_EPOCH")}
    os.environ.update(RMFKIT_TODAY=TODAY, SOURCE_DATE_EPOCH=EPOCH)
    yield
    for key, value in saved.items():
        os.environ.pop(key, None) if value is None else os.environ.__setitem__(key, value)


@pytest.fixture(scope="module")
def example(tmp_path_factory, pinned):
    """A copy of the example with its frozen 2026-Q3 and a 2026-Q4 snapshot taken now."""
    from rmfkit.review.snapshots import take_snapshot
    from rmfkit.workspace import Workspace

    root = tmp_path_factory.mktemp("review") / "support-assistant"
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns("build", ".rmfkit.lock", ".rmfkit-index.json"))
    ws = Workspace.open(root)
    result = take_snapshot(ws, "2026-Q4")
    return ws, result


@pytest.fixture(scope="module")
def example_diff(example):
    from rmfkit.review.diff import diff

    ws, _ = example
    return diff(ws, "2026-Q3", "2026-Q4")


# ---------------------------------------------------------------- constructed states

def _bundle(label: str, date: str) -> dict:
    """A minimal state (records and analysis, as the diff reads them) holding one of everything it compares."""
    def mapping_row(sid, status, effective=None, owner="o", overdue=False):
        return {"id": sid, "statement": sid, "status": status, "effective_status": effective or status,
                "owner": owner, "reason": None, "notes": None, "overdue": overdue, "target_status": "met",
                "target_date": "2026-10-01"}

    evidence = [{"id": "E-keep", "title": "kept", "kind": "generic", "sha256": "a" * 64, "status": "ok",
                 "expires_on": None, "supports": ["MAP 1.1"], "collected": "2026-01-01", "reason": "hash matches"},
                {"id": "E-rehash", "title": "rehashed", "kind": "generic", "sha256": "b" * 64, "status": "ok",
                 "expires_on": None, "supports": [], "collected": "2026-01-01", "reason": "hash matches"},
                {"id": "E-expire", "title": "expires", "kind": "garak", "sha256": "c" * 64, "status": "ok",
                 "expires_on": "2026-10-31", "supports": ["MEASURE 2.7", "R-0001"], "collected": "2026-05-01",
                 "reason": "hash matches"},
                {"id": "E-gone", "title": "removed", "kind": "generic", "sha256": "d" * 64, "status": "ok",
                 "expires_on": None, "supports": [], "collected": "2026-01-01", "reason": "hash matches"}]
    system = {"schema_version": 1, "id": "s", "name": "S", "owner": "o", "purpose": "p",
              "deployment_pattern": "hybrid",
              "components": [{"id": "emb", "name": "Embedder", "layer": "weights", "license": "CC-BY-NC-4.0"}],
              "data_flows": [{"id": "F1", "description": "chat", "data": "d", "personal_data": ["names"],
                              "source": "app", "destination": "emb", "region": "EU"}]}
    risks = {"risks/R-0001.yaml": {"schema_version": 1, "id": "R-0001", "title": "rescored", "category": "confabulation",
                                   "likelihood": 2, "impact": 3, "rationale": "r", "owner": "o", "status": "open"},
             "risks/R-0002.yaml": {"schema_version": 1, "id": "R-0002", "title": "closes", "category": "data-privacy",
                                   "likelihood": 3, "impact": 3, "rationale": "r", "owner": "o", "status": "open"}}
    operations = {"schema_version": 1, "checklist": [
        {"id": "updates.pinned", "status": "done", "owner": "o"},
        {"id": "evaluation.adversarial", "status": "done", "owner": "o", "evidence": ["E-expire"]}]}
    metric = {"id": "acc", "title": "Accuracy", "threshold": 0.8, "direction": "higher_is_better", "tolerance": None,
              "unit": None, "value": 0.82, "outcome": "pass", "reason": "0.82 vs >= 0.8"}
    return {
        "generated_at": f"{date}T12:00:00Z", "system_id": "s",
        "review": {"format": "rmfkit-review/1", "label": label, "date": date, "previous": None},
        "records": {"system.yaml": system, "operations.yaml": operations, **risks,
                    "dpia.yaml": {"schema_version": 1, "dpia_id": "D1", "status": "draft", "description": {}}},
        "analysis": {
            "mapping": {"rows": [
                mapping_row("MAP 1.1", "partially_met"), mapping_row("GOVERN 1.1", "met"),
                mapping_row("MEASURE 2.7", "met"), mapping_row("MANAGE 1.1", "not_assessed")],
                "coverage": [{"function": "MAP", "met": 0, "partially_met": 1, "unsupported": 0, "not_met": 0,
                              "not_applicable": 0, "not_assessed": 17, "total": 18}]},
            "evidence": {"recorded": True, "rows": evidence},
            "measurement": {"recorded": True, "rows": [metric]},
            "dpia": {"recorded": True, "status": "draft", "dpia_id": "D1",
                     "screening": {"decision": "recommended", "reasons": []}},
            "operations": {"recorded": True, "areas": []},
        },
    }


@pytest.fixture(scope="module")
def constructed():
    """(before, after): after changes one thing of every kind the diff knows."""
    before = _bundle("2026-Q3", "2026-09-30")
    after = copy.deepcopy(before)
    after["review"].update(label="2026-Q4", date="2026-12-31")
    after["generated_at"] = "2026-12-31T12:00:00Z"
    rows = {r["id"]: r for r in after["analysis"]["mapping"]["rows"]}
    rows["MAP 1.1"].update(status="met", effective_status="met")                      # improved
    rows["GOVERN 1.1"].update(status="not_met", effective_status="not_met")          # regressed
    rows["MANAGE 1.1"].update(status="partially_met", effective_status="partially_met")  # newly assessed
    rows["MEASURE 2.7"].update(effective_status="unsupported", overdue=False)         # regressed (evidence expired)
    evidence = {r["id"]: r for r in after["analysis"]["evidence"]["rows"]}
    evidence["E-rehash"]["sha256"] = "e" * 64                                          # changed hash
    evidence["E-expire"].update(status="expired", reason="expired on 2026-10-31")     # expired since
    after["analysis"]["evidence"]["rows"] = [r for r in evidence.values() if r["id"] != "E-gone"] + [  # removed
        {"id": "E-new", "title": "new", "kind": "lm-eval", "sha256": "f" * 64, "status": "ok", "expires_on": None,
         "supports": [], "collected": "2026-11-01", "reason": "hash matches"}]               # added
    after["records"]["system.yaml"]["components"][0]["license"] = "MIT"                # licence drift
    after["records"]["system.yaml"]["data_flows"].append(                              # new processing + transfer
        {"id": "F2", "description": "fallback", "data": "d", "personal_data": ["names"], "source": "app",
         "destination": "api", "region": "US", "transfer_mechanism": "SCCs"})
    after["analysis"]["measurement"]["rows"][0].update(value=0.78, outcome="fail", reason="0.78 vs >= 0.8")
    after["records"]["risks/R-0001.yaml"].update(likelihood=4)                         # re-scored
    after["records"]["risks/R-0002.yaml"].update(status="closed")                      # closed
    after["records"]["risks/R-0003.yaml"] = {"schema_version": 1, "id": "R-0003", "title": "new",
                                             "category": "operational", "likelihood": 1, "impact": 2,
                                             "rationale": "r", "owner": "o", "status": "open",
                                             "due": "2026-11-30"}          # added; overdue at 2026-12-31
    after["analysis"]["dpia"].update(status="approved", screening={"decision": "required", "reasons": ["two criteria"]})
    after["records"]["operations.yaml"]["checklist"][0]["status"] = "in_progress"      # regressed; adversarial lapses
    return before, after


def test_constructed_diff_reports_each_change_exactly_once(constructed):
    from rmfkit.review.diff import diff_bundles

    result = diff_bundles(*constructed)
    found = sorted((r["category"], r["kind"], r["ref"]) for r in result["changes"])
    assert found == sorted([
        ("status", "improved", "MAP 1.1"), ("status", "regressed", "GOVERN 1.1"),
        ("status", "newly_assessed", "MANAGE 1.1"), ("status", "regressed", "MEASURE 2.7"),
        ("evidence", "changed_hash", "E-rehash"), ("evidence", "expired", "E-expire"),
        ("evidence", "removed", "E-gone"), ("evidence", "added", "E-new"),
        ("licenses", "license_changed", "emb"),
        ("metrics", "crossed_to_fail", "acc"),
        ("risks", "rescored", "R-0001"), ("risks", "closed", "R-0002"), ("risks", "added", "R-0003"),
        ("dpia", "new_processing", "flow F2"), ("dpia", "new_transfer", "flow F2"),
        ("dpia", "decision_changed", "screening"), ("dpia", "state_changed", "D1"),
        ("actions", "newly_overdue", "R-0003"),
        ("operations", "regressed", "updates.pinned"), ("operations", "lapsed", "evaluation.adversarial"),
    ])
    licence = next(r for r in result["changes"] if r["category"] == "licenses")
    assert (licence["before"], licence["after"]) == ("CC-BY-NC-4.0", "MIT")
    assert (licence["findings_removed"], licence["findings_added"]) == (
        ["blocker: CC-BY-NC-4.0 does not allow commercial use"], [])
    rescored = next(r for r in result["changes"] if r["ref"] == "R-0001")
    assert (rescored["score_before"], rescored["score_after"]) == (6, 12)
    assert result["stale_evidence"] == [{"id": "E-expire", "title": "expires", "expired_on": "2026-10-31",
                                         "weakens": ["MEASURE 2.7"], "now_unsupported": ["MEASURE 2.7"],
                                         "other_links": ["R-0001"]}]
    assert result["coverage"][0]["then"]["met"] == 0 and result["from"]["label"] == "2026-Q3"


def test_identical_states_have_no_change_but_still_list_overdue_actions(constructed):
    from rmfkit.review.diff import diff_bundles

    _, after = constructed
    result = diff_bundles(after, after)
    assert [(r["category"], r["kind"], r["ref"]) for r in result["changes"]] == [("actions", "still_overdue", "R-0003")]


def test_metric_moves_past_tolerance_and_within_it(constructed):
    from rmfkit.review.diff import metric_changes

    before, _ = constructed
    for value, expected in ((0.83, []), (0.85, ["moved_better"]), (0.79, ["crossed_to_fail"])):
        after = copy.deepcopy(before)
        after["analysis"]["measurement"]["rows"][0].update(value=value, outcome="pass" if value >= 0.8 else "fail")
        assert [c["kind"] for c in metric_changes(before, after)] == expected, value


# ---------------------------------------------------------------- the example

def test_example_review_has_every_category(example_diff):
    counts = example_diff["counts"]
    assert counts["status"] == {"regressed": 3, "newly_assessed": 2}
    assert counts["evidence"] == {"changed_hash": 1, "added": 4, "expired": 1, "removed": 1}
    assert counts["licenses"] == {"license_changed": 1, "version_changed": 1}
    assert counts["metrics"] == {"moved_worse": 2, "moved_better": 1, "newly_measured": 3}
    assert counts["risks"] == {"rescored": 2, "closed": 1, "added": 1}
    assert counts["dpia"] == {"new_processing": 2, "new_transfer": 1, "decision_changed": 1, "state_changed": 1}
    assert counts["actions"] == {"newly_overdue": 1}
    assert counts["operations"] == {"regressed": 1, "lapsed": 1, "improved": 1}  # overdue: under actions only
    by_ref = {(r["category"], r["ref"]): r for r in example_diff["changes"]}
    assert by_ref[("status", "MEASURE 2.3")]["after"] == "unsupported"  # a threshold now withholds the claim
    assert by_ref[("metrics", "answer-accuracy-integrations")]["kind"] == "moved_worse"
    assert by_ref[("risks", "R-0004")]["tone"] == "bad" and by_ref[("risks", "R-0003")]["tone"] == "bad"
    assert by_ref[("licenses", "bge-small-en")]["findings_removed"] == ["caution: no license recorded for this component"]
    assert (by_ref[("licenses", "bge-small-en")]["before"], by_ref[("licenses", "bge-small-en")]["after"]) == (
        "no license recorded", "MIT")
    assert (by_ref[("licenses", "hosted-llm-api")]["before"], by_ref[("licenses", "hosted-llm-api")]["after"]) == (
        "2026-05 (example)", "2026-08 (example)")
    assert [r["category"] for r in example_diff["changes"] if r["ref"] == "observability.drift"] == ["actions"]
    assert by_ref[("dpia", "flow F3-rag-to-hosted-api")]["kind"] == "new_transfer"
    assert by_ref[("risks", "R-0004")]["before"].startswith("2x3") and by_ref[("risks", "R-0004")]["after"].startswith("4x3")
    assert [s["id"] for s in example_diff["stale_evidence"]] == ["redteam-promptfoo-support-assistant-2026-05"]
    assert example_diff["stale_evidence"][0]["weakens"] == ["MEASURE 2.6"]


def test_example_q3_snapshot_is_reproducible_and_verifies():
    from rmfkit.integrity import verify

    report = verify(EXAMPLE / "reviews" / "2026-Q3")
    assert report.ok, report.failures
    manifest = json.loads((EXAMPLE / "reviews" / "2026-Q3" / "manifest.json").read_text("utf-8"))
    assert manifest["review"] == {"cadence": "quarterly", "date": "2026-09-30", "format": "rmfkit-review/1",
                                  "label": "2026-Q3", "previous": None}
    assert manifest["generated_at"] == "2026-09-30T16:00:00Z"


# ---------------------------------------------------------------- snapshots and the chain

def test_snapshot_chains_to_the_previous_manifest(example):
    from rmfkit.hashing import sha256_bytes

    ws, result = example
    q3_manifest = (ws.root / "reviews" / "2026-Q3" / "manifest.json").read_bytes()
    assert result.previous == {"label": "2026-Q3", "manifest_sha256": sha256_bytes(q3_manifest)}
    manifest = json.loads((result.folder / "manifest.json").read_text("utf-8"))
    bundle = json.loads((result.folder / "bundle.json").read_text("utf-8"))
    assert manifest["review"]["previous"] == bundle["review"]["previous"] == result.previous
    assert sorted(p.name for p in result.folder.iterdir()) == ["bundle.json", "manifest.json"]
    assert "reviews/2026-Q3/bundle.json" not in bundle["records"]
    assert bundle["review"]["date"] == TODAY


def test_duplicate_label_is_refused_without_touching_disk(example, run_cli):
    ws, _ = example

    def state():
        return sorted((str(p.relative_to(ws.root)), p.stat().st_mtime_ns, p.stat().st_size)
                      for p in ws.root.rglob("*"))

    before = state()
    code, out, err = run_cli("review", "snapshot", "--label", "2026-Q4", "-w", ws.root)
    assert code == 2 and "snapshot 2026-Q4 already exists" in err and "Traceback" not in err
    assert state() == before


def test_snapshot_folder_appears_complete_or_not_at_all(example, tmp_path, monkeypatch):
    """Written through Workspace.write_new_folder: a failure half-way leaves no folder and no staging folder;
    a staging folder left by an interrupted run is cleared by the next snapshot."""
    import rmfkit.workspace
    from rmfkit.review.snapshots import take_snapshot
    from rmfkit.workspace import Workspace

    ws, _ = example
    root = tmp_path / "ws"
    shutil.copytree(ws.root, root)
    real_write, written = rmfkit.workspace.atomic_write_bytes, []

    def fail_on_manifest(path, data):
        if path.name == "manifest.json" and path.parent.name.endswith(".partial"):
            raise OSError(28, "No space left on device")
        written.append(path.name)
        real_write(path, data)

    monkeypatch.setattr(rmfkit.workspace, "atomic_write_bytes", fail_on_manifest)
    with pytest.raises(OSError):
        take_snapshot(Workspace.open(root), "2027-Q1")
    assert written == ["bundle.json"]
    assert sorted(p.name for p in (root / "reviews").iterdir()) == ["2026-Q3", "2026-Q4"]
    monkeypatch.setattr(rmfkit.workspace, "atomic_write_bytes", real_write)
    (root / "reviews" / ".2027-Q1.partial").mkdir()
    (root / "reviews" / ".2027-Q1.partial" / "bundle.json").write_text("half")
    result = take_snapshot(Workspace.open(root), "2027-Q1")
    assert sorted(p.name for p in (root / "reviews").iterdir()) == ["2026-Q3", "2026-Q4", "2027-Q1"]
    assert sorted(p.name for p in result.folder.iterdir()) == ["bundle.json", "manifest.json"]
    assert result.previous["label"] == "2026-Q4"


@pytest.mark.parametrize("label", ["live", "../x", "a/b", ""])
def test_bad_labels_are_refused(example, label):
    from rmfkit.errors import UsageError
    from rmfkit.review.snapshots import take_snapshot

    ws, _ = example
    with pytest.raises(UsageError):
        take_snapshot(ws, label)


@pytest.fixture
def chain(example, tmp_path):
    """A copy of the reviews folder (Q3 <- Q4) to damage."""
    ws, _ = example
    target = tmp_path / "reviews"
    shutil.copytree(ws.root / "reviews", target)
    return target


def test_one_byte_altered_in_an_earlier_snapshot_fails_the_chain_naming_it(chain):
    from rmfkit.integrity import verify

    assert verify(chain / "2026-Q4").ok
    path = chain / "2026-Q3" / "bundle.json"
    data = bytearray(path.read_bytes())
    data[100] ^= 0x01
    path.write_bytes(bytes(data))
    assert verify(chain / "2026-Q4").failures == [
        "snapshot 2026-Q3: altered: bundle.json (SHA-256 differs from the manifest)"]


def test_rewritten_earlier_manifest_fails_the_chain(chain):
    from rmfkit.integrity import verify

    path = chain / "2026-Q3" / "manifest.json"
    path.write_bytes(path.read_bytes().replace(b'"2026-09-30"', b'"2026-09-29"'))
    failures = verify(chain / "2026-Q4").failures
    assert failures == ["altered: snapshot 2026-Q3: manifest.json differs from the SHA-256 recorded by snapshot 2026-Q4"]


def test_deleted_earlier_snapshot_fails_the_chain(chain, run_cli):
    shutil.rmtree(chain / "2026-Q3")
    code, _, err = run_cli("verify", chain / "2026-Q4")
    assert code == 4
    assert "FAIL missing: snapshot 2026-Q3 (snapshot 2026-Q4 chains to it" in err


@pytest.fixture
def tampered(example, tmp_path):
    """A copy of the example workspace (Q3 <- Q4) whose 2026-Q3 bundle.json has one byte altered."""
    ws, _ = example
    root = tmp_path / "ws"
    shutil.copytree(ws.root, root)
    path = root / "reviews" / "2026-Q3" / "bundle.json"
    data = bytearray(path.read_bytes())
    data[100] ^= 0x01
    path.write_bytes(bytes(data))
    return root


@pytest.mark.parametrize("ends", [("2026-Q3", "2026-Q4"), ("2026-Q3", "live"), ("2026-Q4", "live")])
def test_diff_refuses_an_altered_snapshot_at_either_end_or_earlier_in_the_chain(tampered, run_cli, ends):
    code, out, err = run_cli("review", "diff", "--from", ends[0], "--to", ends[1], "-w", tampered)
    assert code == 4 and out == "" and "Traceback" not in err
    assert "FAIL snapshot 2026-Q3: altered: bundle.json (SHA-256 differs from the manifest)" in err \
        or "FAIL altered: bundle.json (SHA-256 differs from the manifest)" in err
    assert "does not verify" in err and "rmfkit verify reviews/" in err


def test_diff_refuses_an_earlier_snapshot_rewritten_with_a_matching_manifest(tampered, run_cli):
    """Bundle and manifest of 2026-Q3 rewritten consistently: only the newer snapshot's chain can tell."""
    from rmfkit.hashing import sha256_bytes

    q3 = tampered / "reviews" / "2026-Q3"
    manifest = json.loads((q3 / "manifest.json").read_text("utf-8"))
    payload = (q3 / "bundle.json").read_bytes()
    manifest["files"][0].update(sha256=sha256_bytes(payload), size=len(payload))
    (q3 / "manifest.json").write_text(json.dumps(manifest), "utf-8")
    code, _, err = run_cli("review", "diff", "--from", "2026-Q3", "--to", "live", "-w", tampered)
    assert code == 4
    assert ("FAIL altered: snapshot 2026-Q3: manifest.json differs from the SHA-256 recorded by snapshot 2026-Q4"
            in err)
    assert "error: snapshot 2026-Q3 does not verify" in err


def test_review_packet_refuses_an_altered_snapshot_and_writes_nothing(tampered, tmp_path, run_cli):
    out = tmp_path / "review-out"
    code, _, err = run_cli("review", "packet", "--from", "2026-Q3", "--to", "live", "--out", out, "-w", tampered)
    assert code == 4 and "error: snapshot 2026-Q3 does not verify" in err
    assert not out.exists()


# ---------------------------------------------------------------- CLI and packet

def test_cli_diff_json_against_live(example, run_cli):
    ws, _ = example
    code, out, err = run_cli("review", "diff", "--from", "2026-Q3", "--to", "live", "--json", "-w", ws.root)
    assert code == 0, err
    result = json.loads(out)
    assert result["to"] == {"label": "live", "date": TODAY, "generated_at": "2026-11-29T12:00:00Z",
                            "system_id": "support-assistant", "system_name": "Customer Support Assistant"}
    assert result["counts"]["risks"] == {"rescored": 2, "closed": 1, "added": 1}


def test_cli_diff_lists_each_change_once_in_words(example, run_cli):
    ws, _ = example
    code, out, err = run_cli("review", "diff", "--from", "2026-Q3", "--to", "2026-Q4", "-w", ws.root)
    assert code == 0, err
    flat = " ".join(out.split())
    assert "moved worse: answer-accuracy-integrations, 0.808 → 0.758. changed by -0.05" in flat
    assert "regressed: updates.pinned, done → in progress\n" in out  # the transition is not repeated as detail
    assert "regressed: MEASURE 2.3, partially met → unsupported. recorded partially met →" in flat
    assert " -> " not in out and "in_progress" not in out and "partially_met" not in out
    assert ("license changed: bge-small-en, no license recorded → MIT. findings resolved: caution: no license "
            "recorded for this component") in flat
    assert "version changed: hosted-llm-api, 2026-05 (example) → 2026-08 (example)" in flat
    assert "regressed: GOVERN 4.2, partially met → not met." in flat
    assert flat.count("observability.drift, not due yet → overdue") == 1 and "None" not in flat
    assert "0.80833" not in flat and "0.75833" not in flat


def test_cli_change_line_cuts_long_detail_at_a_word_with_an_ellipsis():
    from rmfkit.cli.review import DETAIL_CHARS, change_line

    row = {"category": "risks", "kind": "added", "ref": "R-0099", "before": None, "after": "score 6 (medium)",
           "detail": "word " * 100}
    line = change_line(row)
    assert line.startswith("added: R-0099, now score 6 (medium). word word")
    assert line.endswith("word …") and len(line) < DETAIL_CHARS + 50


def test_cli_diff_unknown_label_is_one_line(example, run_cli):
    ws, _ = example
    code, _, err = run_cli("review", "diff", "--from", "2025-Q1", "-w", ws.root)
    assert code == 2
    assert err.strip() == "error: no snapshot '2025-Q1' in reviews/ (available: 2026-Q3, 2026-Q4, live)"


@pytest.fixture(scope="module")
def review_packet(example, tmp_path_factory):
    from rmfkit.seal import generate_keys
    from rmfkit.review.packet import build_review_packet

    ws, _ = example
    base = tmp_path_factory.mktemp("review-packet")
    generate_keys(base / "keys")
    summary = build_review_packet(ws, "2026-Q3", "2026-Q4", base / "out", sign_key=base / "keys" /
                                  "packet-signing-key.pem")
    return base, summary


def test_review_packet_is_verifiable_and_shows_every_category(review_packet):
    from pypdf import PdfReader

    from rmfkit.integrity import verify

    base, summary = review_packet
    out = base / "out"
    assert summary["signed"] and summary["files"] == 9
    report = verify(out, base / "keys" / "packet-signing-key.pub.pem")
    assert report.ok and report.signature == "valid", report.failures
    text = " ".join(page.extract_text() for page in PdfReader(out / "review.pdf").pages)
    text = " ".join(text.split())
    for heading in ("1. What changed", "2.1 Subcategory status", "2.2 Evidence", "2.3 License drift",
                    "2.4 Evaluation metrics", "2.5 Risks", "2.6 DPIA", "2.7 Overdue owners' actions",
                    "2.8 Operations checklist and pilot", "Stale evidence on 2026-11-29", "3. Trends over all reviews"):
        assert heading in text
    assert text.index("1. What changed") < text.index("2.1 Subcategory status") < text.index("3. Trends")
    for fact in ("answer-accuracy-integrations", "R-0013", "flow F3-rag-to-hosted-api", "observability.drift",
                 "evaluation.adversarial", "bge-small-en", "card-llama-3.1-8b-instruct", "MEASURE 2.6",
                 "0.808 0.758", "Openness: not classified → open weights"):
        assert fact in text, fact
    html = (out / "review.html").read_text("utf-8")
    for cells in ('<td class="value">no license recorded</td>\n        <td class="value">MIT</td>',
                  '<td class="value">2026-05 (example)</td>\n        <td class="value">2026-08 (example)</td>'):
        assert cells in html, cells
    assert "No change." not in text
    for raw in ("None", "0.8083", "0.7583", "not_met", "licence changed"):
        assert raw not in text, raw
    details = text[text.index("2. The changes in detail"):text.index("3. Trends")]
    assert details.count("observability.drift") == 1
    bundle = json.loads((out / "bundle.json").read_text("utf-8"))
    assert [p["label"] for p in bundle["trend"]] == ["2026-Q3", "2026-Q4"]
    assert sorted(p.name for p in (out / "charts").iterdir()) == ["coverage_trend.png", "metrics_trend.png",
                                                                   "risk_trend.png"]
    assert sorted(p.name for p in (out / "states").iterdir()) == ["2026-Q3.json", "2026-Q4.json"]


@pytest.mark.parametrize("folder", ["evidence/pkt", "reviews/pkt", "mapping", "risks/a/b"])
@pytest.mark.parametrize("command", [("packet",), ("review", "packet", "--from", "2026-Q3")])
def test_packets_refuse_an_out_folder_inside_the_workspace_records(example, run_cli, folder, command):
    ws, _ = example
    before = sorted(p.relative_to(ws.root).as_posix() for p in ws.root.rglob("*"))
    code, out, err = run_cli(*command, "--out", ws.root / folder, "-w", ws.root)
    assert code == 2 and out == "" and "Traceback" not in err
    name = folder.split("/")[0]
    assert err.strip() == (f"error: --out: {ws.root / folder} is inside the workspace's {name}/ folder, which "
                           "holds its records (write packets outside the workspace or under build/, "
                           "e.g. --out build/packet)")
    assert sorted(p.relative_to(ws.root).as_posix() for p in ws.root.rglob("*")) == before


def test_review_packet_refuses_a_non_empty_folder(example, tmp_path):
    from rmfkit.errors import UsageError
    from rmfkit.review.packet import build_review_packet

    ws, _ = example
    (tmp_path / "keep.txt").write_text("x")
    with pytest.raises(UsageError):
        build_review_packet(ws, "2026-Q3", "live", tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == ["keep.txt"]
