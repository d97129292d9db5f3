"""Risk register: model rules, scoring and levels, starter catalogue, heat map, register rows, CLI."""
from __future__ import annotations

import rmfkit
import hashlib
import json
import shutil
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from rmfkit import risks
from rmfkit.catalog import load_catalog
from rmfkit.models.risk import OPEN_SOURCE_AI_CATEGORIES, Risk, risk_categories
from rmfkit.workspace import Workspace

FIXTURES = Path(__file__).parent / "fixtures" / "risks"


def make_risk(**changes) -> Risk:
    data = {"id": "R-0001", "title": "t", "category": "confabulation", "likelihood": 2, "impact": 3,
            "rationale": "seen in evals", "owner": "o", **changes}
    return Risk.model_validate(data)


def snapshot(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file() and ".rmfkit" not in p.name}


# ---------------------------------------------------------------- model

def test_categories_are_the_12_gai_risks_plus_open_source_ai_and_general():
    gai = [r.id for r in load_catalog().gai_risks]
    categories = risk_categories()
    assert len(gai) == 12 and all(g in categories for g in gai)
    assert list(OPEN_SOURCE_AI_CATEGORIES) == ["license-drift", "data-provenance", "supply-chain-integrity",
                                               "quality-variance", "hidden-infrastructure-cost", "governance-debt"]
    assert len(categories) == 22
    assert categories["value-chain-component-integration"] == "Value Chain and Component Integration"


def test_scores_and_levels():
    risk = make_risk(likelihood=4, impact=4, residual_likelihood=2, residual_impact=3, residual_rationale="redaction")
    assert (risk.inherent_score, risk.residual_score, risk.current_score) == (16, 6, 6)
    assert risk.scale == "5x5"
    assert [risks.level(s) for s in (1, 4, 5, 12, 15, 25)] == ["low", "low", "medium", "medium", "high", "high"]


@pytest.mark.parametrize("changes, field, text", [
    ({"category": "licence-drift"}, "category", "did you mean license-drift"),
    ({"likelihood": 6}, "likelihood", "less than or equal to 5"),
    ({"impact": 0}, "impact", "greater than or equal to 1"),
    ({"rationale": "   "}, "rationale", "rationale must not be blank"),
    ({"residual_likelihood": 2}, "residual_impact", "give both residual_likelihood and residual_impact"),
    ({"residual_likelihood": 2, "residual_impact": 2}, "residual_rationale", "needs a written residual_rationale"),
    ({"treatment": "accept", "status": "closed"}, "accepted_by", "needs accepted_by"),
])
def test_model_rejects_bad_values_naming_the_field(changes, field, text):
    with pytest.raises(ValidationError) as info:
        make_risk(**changes)
    errors = info.value.errors()
    assert errors[0]["loc"] == (field,)
    assert text in errors[0]["msg"]


def test_rationale_is_required():
    data = make_risk().model_dump()
    del data["rationale"]
    with pytest.raises(ValidationError) as info:
        Risk.model_validate(data)
    assert info.value.errors()[0]["loc"] == ("rationale",) and info.value.errors()[0]["type"] == "missing"


# ---------------------------------------------------------------- bad files in a workspace

@pytest.mark.parametrize("fixture, field, text", [
    ("likelihood-out-of-scale.yaml", "likelihood", "must be at most 5 (got 7)"),
    ("unknown-category.yaml", "category", "unknown risk category 'licence-drift'"),
    ("missing-rationale.yaml", "rationale", "required field is missing"),
    ("residual-without-rationale.yaml", "residual_rationale", "residual score needs a written residual_rationale"),
])
def test_bad_risk_file_is_reported_with_file_line_and_field(example_ws, run_cli, fixture, field, text):
    shutil.copy(FIXTURES / fixture, example_ws / "risks" / "R-0099.yaml")
    before = snapshot(example_ws)
    code, out, err = run_cli("validate", "-w", example_ws)
    assert code == 3
    line = next(l for l in err.splitlines() if l.startswith("risks/R-0099.yaml"))
    assert f": {field}: " in line and text in line
    assert " line " in line.split(":")[0]
    code, _, err = run_cli("risk", "ls", "-w", example_ws)
    assert code == 3 and "risks/R-0099.yaml" in err
    assert snapshot(example_ws) == before


def test_accepted_risk_without_approver_is_a_validation_problem(example_ws, run_cli):
    shutil.copy(FIXTURES / "accepted-without-approver.yaml", example_ws / "risks" / "R-0099.yaml")
    code, _, err = run_cli("validate", "-w", example_ws)
    assert code == 3
    assert err.splitlines()[0] == ("risks/R-0099.yaml line 9: accepted_by: an accepted risk needs accepted_by: the "
                                   "person who accepted the residual risk, as 'Name, role' (e.g. 'A. Novak, Head of "
                                   "Customer Experience')")
    text = (example_ws / "risks" / "R-0099.yaml").read_text(encoding="utf-8")
    (example_ws / "risks" / "R-0099.yaml").write_text(
        text.replace("status: open\n", "status: open\naccepted_by: Head of Customer Experience, 2026-11-20\n"),
        encoding="utf-8")
    code, out, err = run_cli("validate", "-w", example_ws)
    assert code == 0, err


# ---------------------------------------------------------------- the example register

def test_example_register_rows(example_ws):
    ws = Workspace.open(example_ws)
    rows = risks.register_rows(ws)
    assert len(rows) == 13
    assert [r["id"] for r in rows[:3]] == ["R-0004", "R-0010", "R-0012"]
    first = rows[0]
    assert (first["likelihood"], first["impact"], first["inherent_score"], first["inherent_level"]) == (4, 3, 12, "medium")
    assert first["residual_score"] is None and first["rescored"] == 1
    r8 = next(r for r in rows if r["id"] == "R-0008")
    assert (r8["inherent_score"], r8["inherent_level"], r8["residual_score"], r8["residual_level"]) == (16, "high", 6, "medium")
    assert r8["category_title"] == "Data Privacy"
    categories = {r["category"] for r in rows}
    assert set(OPEN_SOURCE_AI_CATEGORIES) <= categories
    assert len(categories & {g.id for g in load_catalog().gai_risks}) >= 5
    assert sum(1 for r in rows if r["residual_score"] is not None) == 10
    accepted = [(r["id"], r["accepted_by"]) for r in rows if r["treatment"] == "accept"]
    assert accepted == [("R-0002", "A. Novak, Head of Customer Experience")]
    json.dumps(rows)


def test_example_heatmap_counts(example_ws):
    ws = Workspace.open(example_ws)
    assert risks.heatmap_counts(ws.risks.values()) == [
        [0, 0, 0, 0, 0], [0, 0, 1, 0, 0], [0, 0, 6, 2, 0], [0, 0, 2, 1, 0], [0, 0, 0, 0, 0]]
    assert risks.heatmap_counts(ws.risks.values(), residual=True) == [
        [0, 0, 0, 0, 0], [0, 2, 2, 0, 0], [0, 3, 2, 1, 0], [0, 2, 0, 0, 0], [0, 0, 0, 0, 0]]


def test_summary_counts_by_current_level(example_ws, monkeypatch):
    ws = Workspace.open(example_ws)
    monkeypatch.setenv("RMFKIT_TODAY", "2026-11-29")
    assert risks.summary(ws.risks.values()) == {"total": 13, "open": 12, "open_high": 0, "open_medium": 10,
                                                "open_low": 2, "with_residual_score": 10, "overdue": 0}
    monkeypatch.setenv("RMFKIT_TODAY", "2026-12-16")
    assert risks.summary(ws.risks.values())["overdue"] == 1


def test_unchanged_register_saves_nothing(example_ws):
    ws = Workspace.open(example_ws)
    assert ws.save() == []


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 5), st.integers(1, 5), st.sampled_from(["open", "in_treatment", "closed"])),
                max_size=30))
def test_heatmap_counts_every_open_risk_once_in_its_cell(scores):
    items = [make_risk(id=f"R-{i:04d}", likelihood=l, impact=im, status=s) for i, (l, im, s) in enumerate(scores)]
    counts = risks.heatmap_counts(items)
    assert sum(map(sum, counts)) == sum(1 for _, _, s in scores if s != "closed")
    for likelihood, impact, status in scores:
        if status != "closed":
            assert counts[impact - 1][likelihood - 1] >= 1


# ---------------------------------------------------------------- starter catalogue, add, re-score

def test_adopt_starter_once_with_honest_rationale(tmp_path):
    ws = Workspace.create(tmp_path / "ws", system_id="demo", name="Demo", owner="Owner A")
    with ws.edit():
        added = risks.adopt_starter(ws)
    assert [r.id for r in added] == [f"R-{i:04d}" for i in range(1, 11)]
    assert [r.starter for r in added[:6]] == list(OPEN_SOURCE_AI_CATEGORIES)
    assert all(r.rationale == risks.STARTER_RATIONALE and r.owner == "Owner A" for r in added)
    with ws.edit():
        assert risks.adopt_starter(ws) == []
    assert sorted(p.name for p in (tmp_path / "ws" / "risks").iterdir())[0] == "R-0001.yaml"
    assert rmfkit.validate(Workspace.open(tmp_path / "ws")) == []


def test_adopt_skips_categories_the_register_already_covers(example_ws, run_cli):
    code, out, _ = run_cli("risk", "adopt", "-w", example_ws)
    assert code == 0 and out.strip().endswith("0 starter risk(s) adopted; re-score them with `rmfkit risk score`.")
    code, out, _ = run_cli("risk", "adopt", "supply-chain-integrity", "--json", "-w", example_ws)
    assert code == 0
    adopted = json.loads(out)
    assert adopted == [{"id": "R-0014", "starter": "supply-chain-integrity",
                        "title": "Tampered or unverified model artefacts"}]
    risk = Workspace.open(example_ws).risks["R-0014"]
    assert risk.components == ["llama-3.1-8b-instruct", "pytorch", "vllm", "qdrant", "bge-small-en", "langchain",
                               "rag-service"]
    code, _, err = run_cli("risk", "adopt", "nope", "-w", example_ws)
    assert code == 2 and "unknown starter risk 'nope'" in err


def test_cli_add_writes_a_valid_risk(example_ws, run_cli, monkeypatch):
    monkeypatch.setenv("RMFKIT_TODAY", "2026-11-29")
    code, out, err = run_cli("risk", "add", "-w", example_ws, "--title", "GPU capacity shortage at peak",
                             "--category", "operational", "--likelihood", "2", "--impact", "3",
                             "--rationale", "Peak traffic doubled in Q3", "--subcategory", "manage-2.2",
                             "--component", "vllm", "--due", "2027-01-15")
    assert code == 0, err
    assert out.strip() == "R-0014: GPU capacity shortage at peak (score 6) -> risks/R-0014.yaml"
    text = (example_ws / "risks" / "R-0014.yaml").read_text()
    assert "subcategories:\n  - MANAGE 2.2\n" in text and "identified_on: 2026-11-29" in text
    code, out, _ = run_cli("risk", "ls", "--json", "-w", example_ws)
    row = next(r for r in json.loads(out) if r["id"] == "R-0014")
    assert row["owner"] == "Head of Customer Experience (A. Novak)" and row["inherent_score"] == 6


@pytest.mark.parametrize("args, text", [
    (["--likelihood", "9"], "likelihood: must be at most 5 (got 9)"),
    (["--category", "licence-drift"], "category: unknown risk category 'licence-drift'"),
    (["--rationale", " "], "rationale: rationale must not be blank"),
    (["--component", "gpt-5"], "components: unknown component 'gpt-5'"),
    (["--subcategory", "MAP 9.9"], "MAP 9.9"),
    (["--due", "soon"], "--due 'soon' is not a date"),
    (["--treatment", "accept"], "accepted_by: treatment 'accept' needs who accepted the residual risk, and when "
                                "(e.g. 'A. Novak, Head of Customer Experience') (on the command line: --accepted-by NAME)"),
    (["--treatment", "accept", "--accepted-by", " "], "accepted_by: treatment 'accept' needs who accepted"),
])
def test_cli_add_rejects_bad_input_and_leaves_workspace_unchanged(example_ws, run_cli, args, text):
    base = {"--title": "x", "--category": "operational", "--likelihood": "2", "--impact": "2", "--rationale": "r"}
    for i in range(0, len(args), 2):
        base[args[i]] = args[i + 1]
    before = snapshot(example_ws)
    code, _, err = run_cli("risk", "add", "-w", example_ws, *[v for kv in base.items() for v in kv])
    assert code == 2
    assert text in err
    assert snapshot(example_ws) == before


def test_cli_add_accepted_risk_names_who_accepted_it_in_ls_and_packet(example_ws, run_cli, monkeypatch):
    import re

    from rmfkit.render.html import render_packet_html
    from rmfkit.analysis import of_workspace
    from rmfkit.views.packet import packet_view

    monkeypatch.setenv("RMFKIT_TODAY", "2026-11-29")
    code, out, err = run_cli("risk", "add", "-w", example_ws, "--title", "Slower answers at month end",
                             "--category", "operational", "--likelihood", "2", "--impact", "2",
                             "--rationale", "Batch jobs share the GPUs", "--treatment", "accept",
                             "--accepted-by", "Head of Support (example), 2026-11-28")
    assert code == 0, err
    assert "accepted_by: Head of Support (example), 2026-11-28\n" in (example_ws / "risks" / "R-0014.yaml").read_text()
    code, out, _ = run_cli("risk", "ls", "-w", example_ws)
    assert code == 0
    assert out.splitlines()[-2:] == ["R-0002: accepted by A. Novak, Head of Customer Experience on 2026-11-16",
                                     "R-0014: accepted by Head of Support (example), 2026-11-28"]
    code, out, _ = run_cli("risk", "ls", "--json", "-w", example_ws)
    assert {r["id"]: r["acceptance"] for r in json.loads(out) if r["acceptance"]} == {
        "R-0002": "accepted by A. Novak, Head of Customer Experience on 2026-11-16",
        "R-0014": "accepted by Head of Support (example), 2026-11-28"}

    ws = Workspace.open(example_ws)
    html = render_packet_html(packet_view(ws.current(), of_workspace(ws)), workspace_root=ws.root)
    section = html[html.index('id="s-risks"'):]
    section = section[:section.index("</section>")]
    section, acceptances = section.split("<h3>Risk acceptances</h3>")  # the register, then who accepted what
    assert "A. Novak" in acceptances and "Head of Support (example)" in acceptances
    cells = {m.group(1): " ".join(re.sub(r"<[^>]+>", " ", m.group(2)).split())
             for m in re.finditer(r'<td class="mono">(R-\d+)</td>(.*?)</tr>', section, re.S)}
    assert "accept accepted by A. Novak, Head of Customer Experience on 2026-11-16" in cells["R-0002"]
    assert "accept accepted by Head of Support (example), 2026-11-28" in cells["R-0014"]
    assert sum("accepted by" in text for text in cells.values()) == 2


def test_rescore_keeps_history(example_ws, run_cli, monkeypatch):
    monkeypatch.setenv("RMFKIT_TODAY", "2026-12-10")
    code, out, err = run_cli("risk", "score", "R-0010", "-w", example_ws, "--reason", "Per-language evaluation done",
                             "--residual-likelihood", "2", "--residual-impact", "3",
                             "--residual-rationale", "German and French now pass the threshold")
    assert code == 0, err
    assert out.strip() == "R-0010: inherent 9, residual 6"
    risk = Workspace.open(example_ws).risks["R-0010"]
    assert risk.last_reviewed.isoformat() == "2026-12-10"
    assert [(h.date.isoformat(), h.likelihood, h.impact, h.residual_likelihood, h.reason) for h in risk.history] == [
        ("2026-11-16", 3, 3, None, "Per-language evaluation done")]
    code, _, err = run_cli("risk", "score", "R-0012", "-w", example_ws, "--reason", "x", "--residual-likelihood", "2")
    assert code == 2 and "give both residual_likelihood and residual_impact" in err
    code, _, err = run_cli("risk", "score", "R-9999", "-w", example_ws, "--reason", "x")
    assert code == 2 and "unknown risk 'R-9999'" in err


def test_rescore_of_a_never_reviewed_risk_round_trips(tmp_path, monkeypatch):
    monkeypatch.setenv("RMFKIT_TODAY", "2026-10-01")
    ws = Workspace.create(tmp_path / "ws", system_id="demo", name="Demo", owner="o")
    with ws.edit():
        risks.adopt_starter(ws, ["quality-variance"])
    monkeypatch.setenv("RMFKIT_TODAY", "2026-11-02")
    with ws.edit():
        risks.rescore(ws, "R-0001", reason="Scored with the team", likelihood=2, rationale="Task evals pass")
    risk = Workspace.open(tmp_path / "ws").risks["R-0001"]
    assert [(h.date.isoformat(), h.likelihood) for h in risk.history] == [("2026-10-01", 3)]
    assert (risk.likelihood, risk.rationale, risk.last_reviewed.isoformat()) == (2, "Task evals pass", "2026-11-02")


def test_categories_command_lists_groups(run_cli):
    code, out, _ = run_cli("risk", "categories", "--json")
    rows = json.loads(out)
    assert code == 0 and len(rows) == 22
    assert {r["group"] for r in rows} == {"NIST AI 600-1", "open-source AI", "general"}
    assert rows[0] == {"id": "cbrn", "title": "CBRN Information or Capabilities", "group": "NIST AI 600-1"}


def test_register_supports_rmf_subcategories(example_ws):
    ws = Workspace.open(example_ws)
    suggestions = dict(risks.rmf_suggestions(ws))
    assert list(suggestions) == ["MAP 5.1", "MANAGE 1.4", "MEASURE 2.10"]
    assert suggestions["MEASURE 2.10"].endswith("R-0008, R-0013")


# ---------------------------------------------------------------- heat-map chart

def test_heatmap_chart_shows_each_count_in_its_cell(example_ws):
    import xml.etree.ElementTree as ET

    from rmfkit.render.risk_charts import CELL, heatmap_svg

    counts = risks.heatmap_counts(Workspace.open(example_ws).risks.values())
    svg = heatmap_svg(counts, title="Open risks")
    assert svg == heatmap_svg(counts, title="Open risks") and svg.startswith(b"<?xml")
    ns = "{http://www.w3.org/2000/svg}"
    cells = [r for r in ET.fromstring(svg).iter(f"{ns}rect") if r.get("width") == f"{CELL:g}"]
    assert len(cells) == 25
    numbers = {(float(t.get("x")), float(t.get("y"))): int(t.text) for t in ET.fromstring(svg).iter(f"{ns}text")
               if t.get("font-size") == "16"}
    assert sorted(numbers.values()) == sorted(n for row in counts for n in row if n)
    assert f"Open risks ({sum(map(sum, counts))} open risks)".encode() in svg
    for (x, y), n in numbers.items():  # each number sits inside a cell of its likelihood (across) and impact (up)
        cell = next(c for c in cells if float(c.get("x")) < x < float(c.get("x")) + CELL
                    and float(c.get("y")) < y < float(c.get("y")) + CELL)
        likelihood = round((float(cell.get("x")) - float(cells[0].get("x"))) / CELL) + 1
        impact = 5 - round((float(cell.get("y")) - min(float(c.get("y")) for c in cells)) / CELL)
        assert counts[impact - 1][likelihood - 1] == n
    assert heatmap_svg(risks.heatmap_counts([])) != svg
    with pytest.raises(ValueError, match="5x5 grid"):
        heatmap_svg([[0] * 4])
