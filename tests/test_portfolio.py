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
    """The example, a fresh minimal workspace, and three broken folders."""
    from rmfkit.workspace import Workspace

    base = tmp_path_factory.mktemp("portfolio")
    shutil.copytree(EXAMPLE, base / "support-assistant",
                    ignore=shutil.ignore_patterns("build", ".rmfkit.lock", ".rmfkit-index.json"))
    Workspace.create(base / "fresh", system_id="fresh", name="Fresh system", owner="Team Fresh")
    broken = base / "broken"
    shutil.copytree(FIXTURES / "review" / "broken-workspace", broken)
    (base / "not-a-workspace").mkdir()
    return base, [base / "support-assistant", base / "fresh", broken, base / "not-a-workspace",
                  base / "missing"]


@pytest.fixture(scope="module")
def rolled(folders):
    from rmfkit.review import portfolio

    _, paths = folders
    return portfolio(paths, today=DAY)


def test_one_row_per_system_with_exact_values(rolled):
    rows = {r["system_id"]: r for r in rolled["systems"]}
    assert sorted(rows) == ["fresh", "support-assistant"]
    example = rows["support-assistant"]
    assert {k: example[k] for k in ("owner", "deployment_pattern", "model", "model_openness", "unsupported_claims",
                                    "open_risks", "open_high_risks", "dpia", "last_review", "last_review_label",
                                    "next_review_due", "review_overdue")} == {
        "owner": "Head of Customer Experience (A. Novak)", "deployment_pattern": "hybrid",
        "model": "llama-3.1-8b-instruct", "model_openness": "open_weights", "unsupported_claims": 1,
        "open_risks": 12, "open_high_risks": 0, "dpia": "approved (decision: required)",
        "last_review": "2026-09-30", "last_review_label": "2026-Q3", "next_review_due": "2026-12-31",
        "review_overdue": False}
    assert example["coverage"]["MEASURE"] == {"met": 2, "partially_met": 3, "assessed": 8, "total": 22}
    fresh = rows["fresh"]
    assert (fresh["model"], fresh["model_openness"], fresh["last_review"], fresh["review_overdue"]) == (
        None, None, None, True)
    assert fresh["dpia"].startswith("not recorded (screening: ")
    assert rolled["totals"] == {"systems": 2, "skipped": 3, "unsupported_claims": 1, "open_high_risks": 0,
                                "review_overdue": 1, "without_dpia": 1}


def test_broken_folders_are_reported_and_skipped(rolled, folders):
    base, _ = folders
    skipped = {Path(s["folder"]).name: s["error"] for s in rolled["skipped"]}
    assert sorted(skipped) == ["broken", "missing", "not-a-workspace"]
    assert skipped["broken"].startswith("risks/R-0001.yaml line 5: likelihood:")
    assert skipped["missing"].startswith(f"folder {base / 'missing'} does not exist")
    assert skipped["not-a-workspace"].startswith("no rmfkit.yaml in")


def test_review_overdue_follows_the_cadence(folders):
    from rmfkit.review import portfolio

    _, paths = folders
    later = portfolio(paths[:1], today=dt.date(2027, 1, 1))["systems"][0]
    assert (later["next_review_due"], later["review_overdue"]) == ("2026-12-31", True)


def test_portfolio_cli_writes_a_verifiable_report(folders, run_cli, tmp_path):
    from pypdf import PdfReader

    from rmfkit.report.verify import verify

    _, paths = folders
    code, out, err = run_cli("portfolio", *paths, "--out", tmp_path / "pf", "--json")
    assert code == 0, err
    result = json.loads(out)
    assert result["totals"]["systems"] == 2 and result["written"]["files"] == 5
    assert verify(tmp_path / "pf").ok
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(tmp_path / "pf" / "portfolio.pdf").pages).split())
    for fact in ("Customer Support Assistant", "Fresh system", "open weights", "approved (decision: required)",
                 "OVERDUE: never reviewed", "Folders skipped", "not-a-workspace"):
        assert fact in text, fact
    bundle = json.loads((tmp_path / "pf" / "bundle.json").read_text("utf-8"))
    assert bundle["format"] == "rmfkit-portfolio/1" and len(bundle["systems"]) == 2


def test_portfolio_cli_table_names_skipped_folders(folders, run_cli):
    _, paths = folders
    code, out, _ = run_cli("portfolio", *paths)
    assert code == 0
    assert ("support-assistant: open weights; met 3/19 2/18 2/22 1/13; 1 unsupported; 0 open high risks; "
            "DPIA approved; reviewed 2026-09-30") in " ".join(out.split())
    assert "fresh: no model; met 0/19 0/18 0/22 0/13" in " ".join(out.split())
    skipped = " ".join(out[out.index("skipped "):].split())
    assert skipped.count("skipped ") == 3 and "not-a-workspace: no rmfkit.yaml in" in skipped


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
    from rmfkit.workspace import _plain

    assert parse_yaml_plain(text, "x.yaml") == expected == _plain(parse_yaml(text, "x.yaml"))


@pytest.mark.parametrize("text, message", [
    (b"a: 1\na: 2\n", "x.yaml line 2: invalid YAML: found duplicate key 'a'"),
    (b"a: &x [1]\nb: *x\n", "x.yaml line 2: YAML aliases (*name) are not allowed"),
    (b"- 1\n", "x.yaml: expected a mapping of keys to values at the top, found a list"),
])
def test_plain_loader_refuses_what_the_workspace_refuses(text, message):
    from rmfkit.errors import InputFileError
    from rmfkit.safeparse import parse_yaml_plain

    with pytest.raises(InputFileError) as caught:
        parse_yaml_plain(text, "x.yaml")
    assert str(caught.value).startswith(message)
