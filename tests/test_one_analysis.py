"""One analysis for every view: status, the packet's bundle.json, the portfolio row and the notebook summary
print the same counts; a snapshot written by rmfkit 0.1 (bundle format 1) stays readable forever."""
from __future__ import annotations

import hashlib
import json
import re
import shutil
from pathlib import Path

import pytest

from tests.conftest import EXAMPLE

FIXTURE_01 = Path(__file__).parent / "fixtures" / "snapshot-0.1" / "2026-Q3"
TODAY = "2026-11-29"


@pytest.fixture
def pinned(monkeypatch):
    monkeypatch.setenv("RMFKIT_TODAY", TODAY)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1795953600")


def digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def test_the_examples_frozen_quarter_is_the_0_1_snapshot_byte_for_byte():
    """The example's 2026-Q3 was written by rmfkit 0.1 and is never rewritten."""
    assert digest(EXAMPLE / "reviews" / "2026-Q3") == digest(FIXTURE_01)
    assert json.loads((FIXTURE_01 / "bundle.json").read_bytes())["format"] == "rmfkit-bundle/1"


def test_status_bundle_portfolio_and_notebook_report_the_same_counts(example_ws, run_cli, tmp_path, pinned):
    from rmfkit.analysis import of_workspace
    from rmfkit.review.portfolio import portfolio
    from rmfkit.workspace import Workspace

    code, out, _ = run_cli("status", "--json", "-w", example_ws)
    assert code == 0
    status = json.loads(out)
    code, _, _ = run_cli("packet", "--out", tmp_path / "packet", "-w", example_ws)
    assert code == 0
    bundle = json.loads((tmp_path / "packet" / "bundle.json").read_bytes())
    analysis = bundle["analysis"]
    row = portfolio([example_ws])["systems"][0]
    live = of_workspace(Workspace.open(example_ws)).counts()

    totals = analysis["mapping"]["totals"]
    assert status["coverage"]["totals"] == totals
    assert {k: totals[k] for k in live["coverage"]} == live["coverage"]
    assert row["unsupported_claims"] == len(analysis["mapping"]["unsupported"]) == len(status["coverage"]["unsupported"])
    assert row["coverage"]["MAP"]["met"] == next(r["met"] for r in analysis["mapping"]["coverage"]
                                                 if r["function"] == "MAP")
    evidence = {k: analysis["evidence"][k] for k in ("total", "ok", "expired", "missing", "hash_mismatch")}
    assert {k: status["evidence"][k] for k in evidence} == evidence == row["evidence"] == live["evidence"]
    assert evidence == {"total": 13, "ok": 12, "expired": 1, "missing": 0, "hash_mismatch": 0}
    assert status["risks"] == analysis["risks"]["summary"]
    assert row["open_risks"] == status["risks"]["open"] == live["risks_open"] == 12
    thresholds = {k: analysis["measurement"]["summary"][k] for k in live["thresholds"]}
    assert {k: status["measurement"][k] for k in thresholds} == thresholds == live["thresholds"]
    assert {k: row["thresholds"][k] for k in thresholds} == thresholds
    assert status["findings"]["total"] == len(analysis["findings"]) == live["findings"]

    from rmfkit import notebook as show

    card = re.sub(r"<[^>]+>", " ", re.sub(r"<style.*?</style>", "", show.status_overview(
        show.analysis_of(Workspace.open(example_ws)))._repr_html_(), flags=re.S))
    card = " ".join(card.split())
    assert f"{totals['assessed']} of {totals['total']} subcategories assessed" in card
    assert (f"Items {evidence['total']} OK {evidence['ok']} Expired {evidence['expired']} "
            f"Missing {evidence['missing']} Altered {evidence['hash_mismatch']}") in card
    assert f"Open {status['risks']['open']} of {status['risks']['total']}" in card
    assert f"Thresholds {thresholds['thresholds']}" in card


@pytest.fixture
def workspace_01(tmp_path):
    """A copy of the example as rmfkit 0.1 left it: its 2026-Q3 is the byte copy of a 0.1 snapshot."""
    root = tmp_path / "ws"
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns("build", "reviews", ".rmfkit*"))
    shutil.copytree(FIXTURE_01, root / "reviews" / "2026-Q3")
    return root


def test_a_0_1_snapshot_is_diffed_extended_verified_and_reported(workspace_01, run_cli, tmp_path, pinned):
    code, out, err = run_cli("review", "diff", "--from", "2026-Q3", "--to", "live", "-w", workspace_01)
    assert code == 0, err
    assert "Subcategory status" in out and "MEASURE 2.3" in out
    code, _, err = run_cli("review", "snapshot", "--label", "2099-Q1", "-w", workspace_01)
    assert code == 0, err
    new = json.loads((workspace_01 / "reviews" / "2099-Q1" / "bundle.json").read_bytes())
    assert new["format"] == "rmfkit-bundle/2" and new["analysis_version"] == 1 and "results" not in new
    assert new["review"]["previous"]["label"] == "2026-Q3"
    code, out, err = run_cli("verify", workspace_01 / "reviews" / "2099-Q1")
    assert code == 0, err
    code, out, err = run_cli("verify", "--json", workspace_01 / "reviews" / "2099-Q1")
    assert json.loads(out)["files_checked"] == 2  # the new bundle, and the 0.1 bundle it chains to
    code, _, err = run_cli("review", "packet", "--from", "2026-Q3", "--to", "2099-Q1", "--out", tmp_path / "rp",
                           "-w", workspace_01)
    assert code == 0, err
    assert digest(workspace_01 / "reviews" / "2026-Q3") == digest(FIXTURE_01)


def test_a_0_1_snapshot_is_re_analysed_with_the_evidence_checks_it_froze(workspace_01, pinned):
    from rmfkit.review.snapshots import load_snapshot
    from rmfkit.workspace import Workspace

    state = load_snapshot(Workspace.open(workspace_01), "2026-Q3")
    frozen = json.loads((FIXTURE_01 / "bundle.json").read_bytes())["results"]
    assert state.label == "2026-Q3" and state.date.isoformat() == "2026-09-30"
    assert {r["id"]: r["status"] for r in state.analysis.evidence["rows"]} == \
        {r["id"]: r["status"] for r in frozen["evidence"]["rows"]}
    old_rows = {r["id"]: r for f in frozen["mapping"]["functions"] for c in f["categories"] for r in c["rows"]}
    rows = {r["id"]: r for r in state.analysis.mapping["rows"]}
    assert {k: r["status"] for k, r in rows.items()} == {k: r["status"] for k, r in old_rows.items()}
    # today's stricter rules (a met claim needs every mapped threshold to pass) may downgrade a claim 0.1 accepted,
    # and say why; nothing else differs
    changed = {k for k in rows if rows[k]["effective_status"] != old_rows[k]["effective_status"]}
    assert all(rows[k]["effective_status"] == "unsupported" and "threshold" in rows[k]["reason"] for k in changed)
