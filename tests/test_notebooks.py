"""The guided-session notebooks: committed clean, and each one executed headless on a copy of the example.

Each notebook runs in its own kernel against its own copy of ``examples/support-assistant`` (the
workspace path is injected after the ``parameters`` cell, papermill style). A run fails on any error
output, any stderr output (warnings), a change to the shipped example, or a workspace left invalid;
key outputs are checked against what the library computes for the same workspace.
"""
from __future__ import annotations

import hashlib
import html
import re
import shutil
from pathlib import Path

import nbformat
import pytest

import rmfkit

from rmfkit.labels import plural
from rmfkit.notebook import label
from rmfkit.notebook.record import INJECTED_TAG, PARAMETERS_TAG, render_session_record, run_notebook
from tests.conftest import executed_cleanly

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK_DIR = ROOT / "notebooks"
EXAMPLE = ROOT / "examples" / "support-assistant"
SESSIONS = ["00_start_here", "01_intake_and_openness", "02_evidence_library", "03_map_the_rmf", "04_measure",
            "05_risks_and_dpia", "06_audit_packet", "07_quarterly_review"]
PRESENT = [name for name in SESSIONS if (NOTEBOOK_DIR / f"{name}.ipynb").is_file()]
CELL_ID = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
PINNED_TODAY = "2026-11-20"
SESSION_FIXTURES = ROOT / "tests" / "fixtures" / "session"
# Session 06 attaches the sessions executed before it: an executed 03 and a 07 (later, so left out).
SAVED_BESIDE = {"06_audit_packet": (SESSION_FIXTURES / "03_map_the_rmf.ipynb",
                                    SESSION_FIXTURES / "07_quarterly_review.ipynb")}


def tree_digest(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def html_of(notebook, cell_id: str) -> str:
    """All HTML a cell displayed (fails if the cell does not exist)."""
    cell = next((c for c in notebook.cells if c.get("id") == cell_id), None)
    assert cell is not None, f"no cell with id {cell_id!r}"
    return "".join(o.get("data", {}).get("text/html", "") for o in cell.get("outputs", []))


def table_rows(markup: str, first_cells: tuple[str, ...]) -> list[list[str]]:
    """Rows of rendered tables whose first cell is one of ``first_cells`` (cell texts, tags stripped)."""
    rows = []
    for tr in re.findall(r"<tr(?: class=\"\w+\")?>(.*?)</tr>", markup, flags=re.S):
        cells = [html.unescape(re.sub(r"<[^>]+>", "", c)).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", tr, flags=re.S)]
        if cells and cells[0] in first_cells:
            rows.append(cells)
    return rows


def analysis(ws_path: Path):
    """The analysis of the workspace as it is now, on the pinned date."""
    import datetime as dt

    from rmfkit.analysis import of_workspace

    return of_workspace(rmfkit.open_workspace(ws_path), dt.date.fromisoformat(PINNED_TODAY))


def expected_coverage(ws_path: Path) -> list[list[str]]:
    """The coverage rows the analysis holds, as the table prints them."""
    keys = ("function", "met", "partially_met", "unsupported", "not_met", "not_applicable", "not_assessed", "total")
    return [[str(row[k]) for k in keys] + [f"{row['assessed_share']:.0%}", f"{row['met_share']:.0%}"]
            for row in analysis(ws_path).mapping["coverage"]]


# ---------------------------------------------------------------- committed form

def test_all_eight_sessions_exist():
    assert PRESENT == SESSIONS


@pytest.mark.parametrize("name", PRESENT)
def test_committed_without_outputs_with_stable_ids(name):
    notebook = nbformat.read(NOTEBOOK_DIR / f"{name}.ipynb", as_version=4)
    nbformat.validate(notebook)
    ids = [cell.get("id") for cell in notebook.cells]
    assert all(i and CELL_ID.match(i) for i in ids), ids
    assert len(ids) == len(set(ids))
    for cell in notebook.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, f"{name}: cell {cell.id} has outputs"
    assert "widgets" not in notebook.metadata


@pytest.mark.parametrize("name", PRESENT)
def test_header_and_parameters_cell(name):
    notebook = nbformat.read(NOTEBOOK_DIR / f"{name}.ipynb", as_version=4)
    header = notebook.cells[0]
    assert header.cell_type == "markdown" and header.id == "header"
    for line in ("**What this session decides**", "**Who should be in the room**", "**How long it takes**"):
        assert line in header.source
    tagged = [c for c in notebook.cells if PARAMETERS_TAG in c.metadata.get("tags", [])]
    assert len(tagged) == 1 and tagged[0].id == "parameters"
    assert re.search(r"^workspace = None\b", tagged[0].source, flags=re.M)


# ---------------------------------------------------------------- display objects

def test_table_words_tones_folding_and_escaping():
    from rmfkit.notebook import table

    rows = [{"id": f"MAP 1.{i}", "status": "partially_met", "evidence": ["E1", "E2"], "owner": None}
            for i in range(1, 15)]
    markup = table(rows, {"id": "Subcategory", "status": "Status", "evidence": "Evidence", "owner": "Owner"},
                   title="Demo", status_columns=("status",), summary="14 rows")._repr_html_()
    assert markup.count("<tr") == 15 and "<details><summary>14 rows (click to expand)</summary>" in markup
    assert "E1, E2" in markup and "<td>—</td>" in markup and "None" not in markup
    assert '<span class="status tone-warn">Partially met</span>' in markup
    assert "<details>" not in table(rows[:3], {"id": "Subcategory"}, title="Short")._repr_html_()
    hostile = table([{"id": "<script>alert(1)</script>"}], {"id": "Id"})._repr_html_()
    assert "<script>" not in hostile and "&lt;script&gt;" in hostile


def test_same_words_and_palette_as_the_packet():
    """Status words come from rmfkit.labels ("Not applicable", never "n/a"); tones use the packet's colours."""
    from rmfkit.labels import EFFECTIVE_LABELS
    from rmfkit.notebook import label

    assert {k: label(k) for k in EFFECTIVE_LABELS} == EFFECTIVE_LABELS
    sources = ROOT / "rmfkit" / "notebook"
    texts = [p for pattern in ("*.py", "*.j2", "*.css") for p in sources.rglob(pattern)]
    assert len(texts) > 10 and not [p.name for p in texts if "n/a" in p.read_text(encoding="utf-8")]
    packet_css = (ROOT / "rmfkit" / "templates" / "styles" / "packet.css").read_text(encoding="utf-8")
    notebook_css = (sources / "templates" / "styles.css").read_text(encoding="utf-8")
    for tone in ("good", "warn", "bad"):
        colour = re.search(rf"\.tone-{tone}[^{{]*\{{ color: (#[0-9a-f]{{6}})", packet_css).group(1)
        assert f"--{tone}: {colour};" in notebook_css, tone
    header = re.search(r"^th \{ background: (#[0-9a-f]{6})", packet_css, flags=re.M).group(1)
    assert f"--head: {header};" in notebook_css


def test_importing_the_notebook_layer_stays_light():
    import subprocess
    import sys

    code = ("import sys, rmfkit.notebook; "
            "print(sorted(m for m in ('pandas', 'matplotlib', 'nbconvert', 'ipywidgets') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


# ---------------------------------------------------------------- executed

def execute(name: str, tmp_path: Path, edit=None, extra: dict | None = None):
    """Run one notebook on a fresh copy of the example (``extra``: more parameters); returns (notebook,
    workspace path). Nothing may be written to the default folder (``RMFKIT_HOME``).

    Notebooks listed in ``SAVED_BESIDE`` are placed next to it first, as JupyterLab would have saved them.
    """
    for saved in SAVED_BESIDE.get(name, ()):
        shutil.copy(saved, tmp_path / saved.name)
    ws_path = tmp_path / "ws"
    shutil.copytree(EXAMPLE, ws_path, ignore=shutil.ignore_patterns("build", ".rmfkit.lock", ".rmfkit-index.json"))
    source = nbformat.read(NOTEBOOK_DIR / f"{name}.ipynb", as_version=4)
    if edit:
        edit(source)
    path = tmp_path / f"{name}.ipynb"
    nbformat.write(source, path)
    before = tree_digest(EXAMPLE)
    parameters = {"workspace": str(ws_path), **(extra or {})}
    home = tmp_path / "rmfkit-home"
    notebook = run_notebook(path, parameters, env={"RMFKIT_TODAY": PINNED_TODAY, "RMFKIT_HOME": str(home)})
    assert tree_digest(EXAMPLE) == before, "the shipped example was changed"
    assert not home.exists(), "a default folder was written"
    problems = executed_cleanly(notebook)
    assert not problems, problems
    injected = [c for c in notebook.cells if INJECTED_TAG in c.metadata.get("tags", [])]
    assert len(injected) == 1 and str(ws_path) in injected[0].source
    assert rmfkit.validate(rmfkit.open_workspace(ws_path)) == []
    return notebook, ws_path


# The room's decisions, passed as the sessions' parameters (papermill style).
PARAMETERS = {
    "03_map_the_rmf": {"guide": "MEASURE 2.10", "decisions": [
        {"id": "measure-2.10", "status": "partially_met", "owner": "DPO (name)", "notes": "Prompt logging reviewed.",
         "target_status": "met"}]},
    "01_intake_and_openness": {"team_needs": ["strict_privacy", "commercial_redistribution"]},
}


@pytest.mark.parametrize("name", PRESENT)
def test_notebook_executes_cleanly(name, tmp_path):
    notebook, ws_path = execute(name, tmp_path, extra=PARAMETERS.get(name))
    CHECKS.get(name, lambda nb, ws, tmp: None)(notebook, ws_path, tmp_path)


def check_start_here(notebook, ws_path, tmp_path):
    # the status display was updated in place after the first decision: it shows the state after it
    coverage = table_rows(html_of(notebook, "status"), ("GOVERN", "MAP", "MEASURE", "MANAGE"))
    assert coverage == expected_coverage(ws_path)
    assert [r[0] for r in coverage] == ["GOVERN", "MAP", "MEASURE", "MANAGE"]
    assert "The workspace is valid" in html_of(notebook, "validate")
    from rmfkit.views.status import operations

    pilot = operations(analysis(ws_path))["pilot"]
    assert pilot.startswith("step ") and f"Pilot: {pilot}" in html.unescape(html_of(notebook, "pilot"))
    owner = rmfkit.open_workspace(ws_path).system.owner
    assert rmfkit.open_workspace(ws_path).assessment("GOVERN 2.1").owner == owner
    assert table_rows(html_of(notebook, "record-first"), ("GOVERN 2.1",))
    first_packet = ws_path / "build" / "packets" / PINNED_TODAY
    assert (first_packet / "packet.pdf").read_bytes().startswith(b"%PDF")
    assert "Verified:" in html_of(notebook, "packet")


def test_start_session_creates_then_opens(tmp_path):
    from rmfkit.notebook import start_session

    ws = start_session(tmp_path / "new", system_id="claims-triage", name="Claims triage", owner="A. Rivera",
                       purpose="Route claims")
    assert ws.system.purpose == "Route claims" and (tmp_path / "new" / "operations.yaml").is_file()
    again = start_session(tmp_path / "new", system_id="other", name="Other", owner="B", purpose="P")
    assert again.system.id == "claims-triage"


def check_map_the_rmf(notebook, ws_path, tmp_path):
    for cell in ("open-workspace", "coverage-after"):
        assert table_rows(html_of(notebook, cell), ("GOVERN", "MAP", "MEASURE", "MANAGE")) == \
            expected_coverage(ws_path)
    ws = rmfkit.open_workspace(ws_path)
    govern_rows = table_rows(html_of(notebook, "govern-table"), tuple(f"GOVERN {n}" for n in
                                                                        ("1.1", "1.2", "6.2")))
    assert [r[0] for r in govern_rows] == ["GOVERN 1.1", "GOVERN 1.2", "GOVERN 6.2"]
    assert govern_rows[1][2] == "Partially met" and govern_rows[1][3] == ws.assessment("GOVERN 1.2").owner
    assert '<tr class="gap"><td>GOVERN 1.2</td>' in html_of(notebook, "govern-table")
    assert "Privacy risk of the AI system" in html_of(notebook, "guidance")
    assert "NIST AI 600-1 actions for generative AI" in html_of(notebook, "guidance")
    # the MEASURE table shown before the decisions cell was updated in place: it shows the decision
    assert table_rows(html_of(notebook, "measure-table"), ("MEASURE 2.10",))[0][2] == "Partially met"
    assert "Statement of Applicability" in html_of(notebook, "frameworks")
    # the decision typed into the decisions cell lands in mapping/measure.yaml and in the session record
    recorded = ws.assessment("MEASURE 2.10")
    assert (recorded.status, recorded.owner, recorded.notes, recorded.target_status) == (
        "partially_met", "DPO (name)", "Prompt logging reviewed.", "met")
    assert str(recorded.last_reviewed) == PINNED_TODAY
    rows = table_rows(html_of(notebook, "decisions"), ("MEASURE 2.10",))
    assert rows and rows[0][2] == "Partially met" and rows[0][3] == "DPO (name)"
    executed = tmp_path / "03_map_the_rmf.executed.ipynb"
    nbformat.write(notebook, executed)
    record = render_session_record([executed])
    assert list(record) == ["session-record/03_map_the_rmf.executed.html"]
    page = record["session-record/03_map_the_rmf.executed.html"].decode("utf-8")
    assert "Decisions recorded in this session" in page and "Prompt logging reviewed." in page
    assert "application/vnd.jupyter.widget-view+json" not in page
    assert not re.search(r"<script[^>]+src=\"https?://", page), "the session record fetches scripts"
    suggested = analysis(ws_path).mapping["record_suggestions"]
    shown = table_rows(html_of(notebook, "record-suggestions"), tuple(s["subcategory"] for s in suggested))
    assert [(r[0], r[1], r[3]) for r in shown] == [
        (s["subcategory"], s["source"], label(s["current_status"])) for s in suggested]
    assert {s["subcategory"] for s in suggested} >= {"MAP 5.1", "MEASURE 2.10"}


def check_measure(notebook, ws_path, tmp_path):
    measurement = analysis(ws_path).measurement
    labels = tuple(c["label"] for c in measurement["characteristics"])
    shown = table_rows(html_of(notebook, "characteristics"), labels)
    assert [r[0] for r in shown] == list(labels) and len(shown) == 7
    assert [r[2] for r in shown] == [label(c["status"]) for c in measurement["characteristics"]]
    rows = measurement["rows"]
    results = html_of(notebook, "open-workspace")
    assert [r[0] for r in table_rows(results, tuple(r["title"] for r in rows))] == [r["title"] for r in rows]
    assert "<img" in html_of(notebook, "coverage-chart") and "<img" in html_of(notebook, "metrics-chart")
    summary = html_of(notebook, "summary")
    assert f"<th>Thresholds</th><td>{measurement['summary']['thresholds']}</td>" in summary


def check_risks_and_dpia(notebook, ws_path, tmp_path):
    result = analysis(ws_path)
    expected = [r["id"] for r in result.risks["rows"]]
    assert [r[0] for r in table_rows(html_of(notebook, "open-workspace"), tuple(expected))] == expected
    assert html_of(notebook, "heatmaps").count("<img") == 2
    screening = result.dpia["screening"]
    assert f"DPIA {label(screening['decision']).lower()}" in html_of(notebook, "dpia-view")
    shown = html_of(notebook, "screening")
    assert f"{screening['criteria_met_count']} of 9 criteria met" in shown
    assert len(table_rows(shown, tuple(f"C{i}" for i in range(1, 10)))) == 9


def check_intake(notebook, ws_path, tmp_path):
    ws = rmfkit.open_workspace(ws_path)
    report = analysis(ws_path).licenses
    shown = {row[1]: row for row in table_rows(html_of(notebook, "register"),
                                                tuple(c.layer for c in ws.system.components))}
    assert set(shown) == {r["component"] for r in report["register"]}
    for row in report["register"]:
        assert shown[row["component"]][3] == label(row["openness"] or "undetermined")
    assert f"{plural(len(report['findings']), 'finding')}" in html_of(notebook, "findings")
    from rmfkit.licenses.decision import recommend_openness

    level = recommend_openness(["strict_privacy", "commercial_redistribution"]).level
    assert f"Recommended openness: {label(level)}</h4>" in html_of(notebook, "decision")
    decision = ws.system.openness_decision  # the room's answer is recorded, not only shown
    assert (decision.needs, decision.level) == (["strict_privacy", "commercial_redistribution"], level)
    fits = "is at an accepted level" if report["openness_decision"]["fits"] else "is not at an accepted level"
    assert "Recorded in system.yaml on" in html_of(notebook, "openness-apply") and fits in html_of(notebook, "decision")
    primary = next(c for c in report["components"] if c["component"] == report["primary_model"])
    assert primary["scorecard"]["summary"] in html_of(notebook, "scorecard")


def check_evidence_library(notebook, ws_path, tmp_path):
    ws = rmfkit.open_workspace(ws_path)
    pulled = ws.evidence["redteam-promptfoo-support-assistant-2026-10"]
    assert pulled.library_id == "redteam-promptfoo-support-assistant-2026-10"
    assert (ws_path / "evidence" / pulled.id / pulled.file).is_file()
    assert table_rows(html_of(notebook, "pull"), (pulled.id,))[0][1] == "Pulled"
    attention = html_of(notebook, "attention")
    for row in analysis(ws_path).evidence["rows"]:
        assert (row["id"] in attention) == (row["status"] != "ok")
    assert "no files imported in this run" in html_of(notebook, "import")


def check_audit_packet(notebook, ws_path, tmp_path):
    import json

    packets = sorted((ws_path / "build" / "packets").iterdir())
    assert [p.name for p in packets] == [PINNED_TODAY]
    assert {"packet.pdf", "packet.html", "bundle.zip", "manifest.json"} <= {p.name for p in packets[0].iterdir()}
    assert "Verified:" in html_of(notebook, "verify") and ("not signed (no manifest.json.sig): the files match "
                                                           "manifest.json, but nothing shows who sealed it"
                                                           ) in html_of(notebook, "verify")
    assert "<iframe" in html_of(notebook, "preview")
    assert "03_map_the_rmf → session-record/03_map_the_rmf.html" in html_of(notebook, "session-record")
    manifest = json.loads((packets[0] / "manifest.json").read_text())
    record = [f["path"] for f in manifest["files"] if f["path"].startswith("session-record/")]
    assert record == ["session-record/03_map_the_rmf.html"]
    page = (packets[0] / record[0]).read_text(encoding="utf-8")
    assert "Acceptable-use policy drafted" in page
    assert "session-record/03_map_the_rmf.html" in (packets[0] / "packet.html").read_text(encoding="utf-8")


def check_quarterly_review(notebook, ws_path, tmp_path):
    from rmfkit.library.pull import check_drift
    from rmfkit.review.diff import CATEGORIES, KIND_WORDS
    from rmfkit.review.snapshots import snapshots

    ws = rmfkit.open_workspace(ws_path)
    drifts = check_drift(ws)
    shown = table_rows(html_of(notebook, "drift"), tuple(d.id for d in drifts))
    assert [r[0] for r in shown] == [d.id for d in drifts]
    assert [r[0] for r in table_rows(html_of(notebook, "open-workspace"), ("2026-Q3", "2026-Q4"))] == ["2026-Q3"]
    # the diff as the library computes it against the frozen quarter (the workspace is unchanged by then
    # except for the snapshot the notebook took afterwards, which the live state does not include)
    pinned = pytest.MonkeyPatch()
    pinned.setenv("RMFKIT_TODAY", PINNED_TODAY)
    try:
        expected = rmfkit.diff(ws, "2026-Q3", "live")
    finally:
        pinned.undo()
    diff = html_of(notebook, "diff")
    assert "From 2026-Q3 (2026-09-30) to the live workspace (2026-11-20)" in diff
    summary = {row[0]: row[1] for row in table_rows(diff, tuple(s["topic"] for s in expected["summary"]))}
    assert summary == {s["topic"]: s["text"] for s in expected["summary"]}
    for category, title in CATEGORIES.items():
        count = sum(1 for c in expected["changes"] if c["category"] == category)
        assert (f"{title}: {plural(count, 'change')}" if count else title) in html.unescape(diff)
    refs = tuple(c["ref"] for c in expected["changes"])
    words = (*KIND_WORDS.values(), "re-scored up", "re-scored down")  # a re-scored risk says which way
    assert sorted(r[1] for r in table_rows(diff, words) if r[1] in refs) == sorted(refs)
    coverage = table_rows(diff, ("GOVERN", "MAP", "MEASURE", "MANAGE"))
    assert [r[0] for r in coverage] == ["GOVERN", "MAP", "MEASURE", "MANAGE"]
    assert "{" not in diff.split("</style>")[-1] and "None" not in re.sub(r"<[^>]+>", " ", diff.split("</style>")[-1])
    stale = table_rows(html_of(notebook, "stale"), tuple(s["id"] for s in expected["stale_evidence"]))
    assert [(r[0], r[3]) for r in stale] == [(s["id"], ", ".join(s["weakens"])) for s in expected["stale_evidence"]]
    assert stale, "the example has stale evidence"
    assert html_of(notebook, "trends").count("<img") == 3
    assert [s.label for s in snapshots(ws)] == ["2026-Q3", "2026-Q4"]
    assert "Snapshot 2026-Q4 taken" in html_of(notebook, "snapshot")
    assert rmfkit.verify(ws_path / "reviews" / "2026-Q4").ok
    assert "Chain verified: 2026-Q4 → 2026-Q3" in html_of(notebook, "verify-chain")
    packet = ws_path / "build" / "review-packets" / "2026-Q3_to_2026-Q4"
    assert (packet / "review.pdf").read_bytes().startswith(b"%PDF") and rmfkit.verify(packet).ok
    assert "Review packet written" in html_of(notebook, "review-packet") and str(packet) in html_of(
        notebook, "review-packet")


CHECKS = {"00_start_here": check_start_here, "01_intake_and_openness": check_intake,
          "02_evidence_library": check_evidence_library, "06_audit_packet": check_audit_packet,
          "07_quarterly_review": check_quarterly_review, "03_map_the_rmf": check_map_the_rmf, "04_measure": check_measure,
          "05_risks_and_dpia": check_risks_and_dpia}
