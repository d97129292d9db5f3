"""Portfolio roll-up: one row per system with exact values, broken folders reported and skipped,
review overdue per cadence, HTML/PDF/JSON output, the read-only loader it relies on."""
from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest

from tests.conftest import EXAMPLE, FIXTURES

DAY = dt.date(2026, 11, 29)


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    """The example and a copy of it (same system id), a fresh minimal workspace, a workspace with an invalid risk
    file, a folder that is not a workspace and one that does not exist."""
    from rmfkit.workspace import Workspace

    base = tmp_path_factory.mktemp("portfolio")
    shutil.copytree(EXAMPLE, base / "support-assistant",
                    ignore=shutil.ignore_patterns("build", ".rmfkit.lock", ".rmfkit-index.json"))
    shutil.copytree(base / "support-assistant", base / "copy-of-support-assistant")
    Workspace.create(base / "fresh", system_id="fresh", name="Fresh system", owner="Team Fresh")
    broken = base / "broken"
    shutil.copytree(FIXTURES / "review" / "broken-workspace", broken)
    (base / "not-a-workspace").mkdir()
    return base, [base / "support-assistant", base / "fresh", broken, base / "not-a-workspace",
                  base / "missing", base / "copy-of-support-assistant"]


@pytest.fixture(scope="module")
def rolled(folders):
    from rmfkit.review.portfolio import portfolio

    _, paths = folders
    return portfolio(paths, today=DAY)


def test_one_row_per_system_with_exact_values(rolled):
    rows = {Path(r["path"]).name: r for r in rolled["systems"]}
    assert sorted(rows) == ["broken", "copy-of-support-assistant", "fresh", "support-assistant"]
    example = rows["support-assistant"]
    assert {k: example[k] for k in ("owner", "deployment_pattern", "model", "model_openness", "unsupported_claims",
                                    "open_risks", "open_high_risks", "dpia", "last_review", "last_review_label",
                                    "next_review_due", "review_overdue")} == {
        "owner": "Head of Customer Experience (A. Novak)", "deployment_pattern": "hybrid",
        "model": "llama-3.1-8b-instruct", "model_openness": "open_weights", "unsupported_claims": 3,
        "open_risks": 12, "open_high_risks": 0, "dpia": "approved (decision: required)",
        "last_review": "2026-09-30", "last_review_label": "2026-Q3", "next_review_due": "2026-12-31",
        "review_overdue": False}
    assert example["coverage"]["MEASURE"] == {"met": 0, "partially_met": 3, "assessed": 8, "total": 22}
    assert (example["validation_problems"], example["problems"]) == (0, [])
    fresh = rows["fresh"]
    assert (fresh["model"], fresh["model_openness"], fresh["last_review"], fresh["review_overdue"]) == (
        None, None, None, True)
    assert fresh["dpia"].startswith("not recorded (screening: ")
    assert rolled["totals"] == {"systems": 4, "skipped": 2, "with_problems": 1, "duplicate_ids": 1,
                                "unsupported_claims": 6, "open_high_risks": 0, "review_overdue": 2,
                                "without_dpia": 2}


def test_a_workspace_failing_validation_is_rolled_up_from_what_loaded_and_flagged(rolled):
    broken = next(r for r in rolled["systems"] if r["system_id"] == "broken")
    assert broken["validation_problems"] == 1
    assert len(broken["problems"]) == 1
    assert broken["problems"][0].startswith("risks/R-0001.yaml line 5: likelihood: ")
    assert broken["problems"][0].endswith(" 5 (got 9)")
    assert (broken["name"], broken["open_risks"], broken["same_id_as"]) == ("Broken system", 0, [])


def test_two_workspaces_with_one_system_id_name_each_other(rolled, folders):
    base, _ = folders
    rows = {Path(r["path"]).name: r for r in rolled["systems"]}
    assert rows["support-assistant"]["same_id_as"] == [str(base / "copy-of-support-assistant")]
    assert rows["copy-of-support-assistant"]["same_id_as"] == [str(base / "support-assistant")]
    assert rows["fresh"]["same_id_as"] == [] and rows["broken"]["same_id_as"] == []


def test_unloadable_folders_are_reported_and_skipped(rolled, folders):
    base, _ = folders
    skipped = {Path(s["folder"]).name: s["error"] for s in rolled["skipped"]}
    assert sorted(skipped) == ["missing", "not-a-workspace"]
    assert skipped["missing"].startswith(f"folder {base / 'missing'} does not exist")
    assert skipped["not-a-workspace"].startswith("no rmfkit.yaml in")


def test_review_overdue_follows_the_cadence(folders):
    from rmfkit.review.portfolio import portfolio

    _, paths = folders
    later = portfolio(paths[:1], today=dt.date(2027, 1, 1))["systems"][0]
    assert (later["next_review_due"], later["review_overdue"]) == ("2026-12-31", True)


def test_portfolio_cli_writes_a_verifiable_report(folders, run_cli, tmp_path):
    from pypdf import PdfReader

    from rmfkit.integrity import verify

    _, paths = folders
    code, out, err = run_cli("portfolio", *paths, "--out", tmp_path / "pf", "--json")
    assert code == 0, err
    result = json.loads(out)
    assert result["totals"]["systems"] == 4 and result["written"]["files"] == 5
    assert verify(tmp_path / "pf").ok
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(tmp_path / "pf" / "portfolio.pdf").pages).split())
    for fact in ("Customer Support Assistant", "Fresh system", "open weights", "approved (decision: required)",
                 "OVERDUE: never reviewed", "Folders skipped", "not-a-workspace", "1 workspace fails validation",
                 "Fails validation: 1 problem", "risks/R-0001.yaml line 5: likelihood:",
                 "1 system id used by more than one workspace", "Duplicate system id"):
        assert fact in text, fact
    bundle = json.loads((tmp_path / "pf" / "bundle.json").read_text("utf-8"))
    assert bundle["format"] == "rmfkit-portfolio/1" and len(bundle["systems"]) == 4


def test_portfolio_cli_table_names_skipped_folders(folders, run_cli):
    _, paths = folders
    code, out, _ = run_cli("portfolio", *paths)
    assert code == 0
    assert ("support-assistant: open weights; met 3/19 2/18 0/22 1/13; 3 unsupported; 0 open high risks; "
            "DPIA approved; reviewed 2026-09-30") in " ".join(out.split())
    flat = " ".join(out.split())
    assert "fresh: no model; met 0/19 0/18 0/22 0/13" in flat
    assert ("broken: no model; met 0/19 0/18 0/22 0/13; 0 unsupported; 0 open high risks; DPIA not recorded; never "
            "reviewed, OVERDUE 1 validation problem, rolled up from the records that loaded; first: "
            "risks/R-0001.yaml line 5: likelihood:") in flat
    assert flat.count("DUPLICATE system id support-assistant: also used by") == 2
    skipped = " ".join(out[out.index("skipped "):].split())
    assert skipped.count("skipped ") == 2 and "not-a-workspace: no rmfkit.yaml in" in skipped


def test_read_only_load_gives_the_same_records_and_refuses_to_save():
    from rmfkit.errors import UsageError
    from rmfkit.workspace import Workspace

    fast, full = Workspace.open(EXAMPLE, read_only=True), Workspace.open(EXAMPLE)
    assert fast.records == full.records and fast.problems == full.problems == []
    with pytest.raises(UsageError):
        fast.save()


@pytest.mark.parametrize("text, expected", [
    (b"schema_version: 1\nanswer: no\nflag: true\nn: 0777\nid: 2.10\nt: 2026-10-01\n",
     {"schema_version": 1, "answer": "no", "flag": True, "n": 777, "id": 2.1, "t": dt.date(2026, 10, 1)}),
    (b"a: 1:20\nb: off\nc: ~\n", {"a": "1:20", "b": "off", "c": None}),
])
def test_plain_loader_reads_like_the_round_trip_loader(text, expected):
    from rmfkit.safeparse import parse_yaml, parse_yaml_plain
    from rmfkit.yamlio import plain

    assert parse_yaml_plain(text, "x.yaml") == expected == plain(parse_yaml(text, "x.yaml"))


@pytest.mark.parametrize("text, message", [
    (b"a: 1\na: 2\n", 'x.yaml line 2: duplicate key "a": a key may appear only once in a mapping'),
    (b"a: &x [1]\nb: *x\n", "x.yaml line 2: YAML aliases (*name) are not allowed"),
    (b"- 1\n", "x.yaml: expected a mapping of keys to values at the top, found a list"),
])
def test_plain_loader_refuses_what_the_workspace_refuses(text, message):
    from rmfkit.errors import InputFileError
    from rmfkit.safeparse import parse_yaml_plain

    with pytest.raises(InputFileError) as caught:
        parse_yaml_plain(text, "x.yaml")
    assert str(caught.value).startswith(message)
