"""The audit frame (issue 15 item 3) in the example packet, PDF and HTML: scope, method and assurance, the status
rule table, who assessed what, NIST AI 600-1 coverage, referenced documents, contacts and the Art. 30 record,
changes since 2026-Q3, consistency findings and risk acceptances; a workspace without audit.yaml says what is
missing; hostile text in every frame field prints literally."""
from __future__ import annotations

import html as html_lib
import io
import json
import os
import re
import shutil
from pathlib import Path

import pytest

from tests.conftest import EXAMPLE

HOSTILE = '#eval("1+1") *bold* $x$ <script>alert(1)</script> [a](b) @ref // c'
HEADINGS = ("2. Scope, method and assurance", "Scope and boundaries", "Shared responsibility with providers",
            "Limitations", "Status rules", "Test procedures and sample sizes", "Who assessed what",
            "Changes since the previous snapshot (2026-Q3)", "6. NIST AI 600-1 coverage",
            "Referenced documents", "Risk acceptances", "Consistency findings")


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\u200b", ""))


def _pdf_text(path: Path) -> str:
    import pypdf

    reader = pypdf.PdfReader(io.BytesIO(path.read_bytes()))
    return _flat("\n".join(page.extract_text() for page in reader.pages))


def _html_text(path: Path) -> str:
    return _flat(html_lib.unescape(re.sub(r"<[^>]+>", " ", path.read_text("utf-8"))))


def _build(ws_root: Path, out: Path) -> tuple[str, str]:
    from rmfkit.packet import build_packet
    from rmfkit.workspace import Workspace

    saved = {k: os.environ.get(k) for k in ("SOURCE_DATE_EPOCH", "RMFKIT_TODAY")}
    os.environ.update(SOURCE_DATE_EPOCH="1790000000", RMFKIT_TODAY="2026-11-29")
    try:
        build_packet(Workspace.open(ws_root).require_valid(), out)
    finally:
        for key, value in saved.items():
            os.environ.pop(key, None) if value is None else os.environ.__setitem__(key, value)
    return _pdf_text(out / "packet.pdf"), _html_text(out / "packet.html")


def _copy(target: Path) -> Path:
    shutil.copytree(EXAMPLE, target, ignore=shutil.ignore_patterns("build", ".rmfkit.lock", ".rmfkit-index.json"))
    return target


@pytest.fixture(scope="module")
def example(tmp_path_factory):
    base = tmp_path_factory.mktemp("frame")
    return _build(_copy(base / "ws"), base / "out")


@pytest.mark.parametrize("surface", [0, 1], ids=["pdf", "html"])
def test_example_packet_shows_every_frame_section_and_fact(example, surface):
    from rmfkit.assess import method
    from rmfkit.catalog import load_catalog

    text = example[surface]
    for heading in HEADINGS:
        assert heading in text, heading
    for rule in method()["status_rules"]:
        assert _flat(rule["condition"]) in text, rule["condition"]
    assert "Internal audit" in text and "this is an internal audit, not an independent external assurance" in text
    assert "60 of 600" in text and "Random, seed 20261104" in text
    assert "J. Keller" in text and "P. Laine" in text
    scope = text[text.rindex("6. NIST AI 600-1 coverage"):]
    for risk in load_catalog().gai_risks:
        assert f"{risk.number}. {risk.title}" in scope, risk.title
    assert "212 suggested actions" in scope
    assert "referenced, not held" in text and "Available under NDA from the provider's trust portal" in text
    assert "held" in text and "c84b594a4f63" in text  # the held model card, with its short SHA-256
    dpia = text[text.rindex("9. DPIA inputs"):]
    for fact in ("Example SaaS GmbH", "privacy@example.com", "E. Meyer", "dpo@example.com", "ROPA-P-017",
                 "Record of processing (Art. 30)"):
        assert fact in dpia, fact
    assert "changes since 2026-Q3" in text and "R-0006" in text
    acceptances = text[text.rindex("Risk acceptances"):]
    assert "A. Novak" in acceptances and "Head of Customer Experience" in acceptances and "not signed" in acceptances
    assert "warnings" in text[text.index("Consistency findings"):]


def test_the_pdf_contents_page_lists_the_new_sections_in_order(example):
    contents = example[0][:example[0].index("How to check this packet")]
    order = [contents.index(h) for h in ("1. Executive summary", "2. Scope, method and assurance",
                                         "5. RMF mapping", "6. NIST AI 600-1 coverage", "7. Measurement results",
                                         "13. Sign-off", "15. EU AI Act obligation register")]
    assert order == sorted(order)


def test_a_workspace_without_audit_yaml_says_what_is_missing(tmp_path):
    root = _copy(tmp_path / "ws")
    (root / "audit.yaml").unlink()
    for text in _build(root, tmp_path / "out"):
        assert "No audit frame recorded: audit.yaml is missing" in text
        assert "No referenced documents listed: audit.yaml is missing." in text
        assert "not recorded (audit.yaml, art30_record)" in text
        assert "owner's own assessment" in text and "Status rules" in text


def test_hostile_text_in_every_frame_field_prints_literally(tmp_path):
    root = _copy(tmp_path / "ws")
    tag = lambda name: f"{HOSTILE} {name}"  # noqa: E731
    frame = {
        "schema_version": 1, "independence": tag("independence"), "assurance_level": "self_assessment",
        "period": {"start": "2026-10-01", "end": "2026-11-27"}, "limitations": [tag("limitation")],
        "scope": {"in_scope": [tag("in-scope")], "out_of_scope": [tag("out-of-scope")],
                  "shared_responsibility": [{"provider": tag("provider"), "component": tag("component"),
                                             "provider_responsible": [tag("provider-part")],
                                             "team_responsible": [tag("team-part")], "relied_on": tag("relied")}]},
        "procedures": [{"id": tag("proc-id"), "title": tag("proc-title"), "description": tag("proc-description"),
                        "applies_to": [tag("applies")], "population": 5, "sample_size": 2,
                        "sampling": tag("sampling")}],
        "assessors": [{"name": tag("assessor"), "role": tag("role"), "organisation": tag("organisation"),
                       "subcategories": ["GOVERN"], "assessed_on": "2026-11-20"}],
        "documents": [{"id": tag("doc-id"), "title": tag("doc-title"), "version": tag("doc-version"),
                       "kind": "art30_record", "not_held_reason": tag("doc-reason")}],
        "art30_record": tag("doc-id"),
    }
    (root / "audit.yaml").write_text(json.dumps(frame), encoding="utf-8")
    out = tmp_path / "out"
    pdf, html = _build(root, out)
    names = ("independence", "limitation", "in-scope", "out-of-scope", "provider", "component", "provider-part",
             "team-part", "relied", "proc-id", "proc-title", "proc-description", "applies", "sampling", "assessor",
             "role", "organisation", "doc-id", "doc-title", "doc-version", "doc-reason")
    squeezed = re.sub(r"\s+", "", pdf)  # a narrow cell may break a line after "/" or a space
    for name in names:
        assert re.sub(r"\s+", "", tag(name)) in squeezed, name
        assert tag(name) in html, name
    raw = (out / "packet.html").read_text("utf-8")
    assert "<script>alert(1)</script>" not in raw and "&lt;script&gt;alert(1)&lt;/script&gt;" in raw


def test_frame_checks_name_file_and_field(tmp_path):
    import datetime as dt

    from rmfkit.analysis import frame, of_workspace
    from rmfkit.workspace import Workspace

    root = _copy(tmp_path / "ws")
    text = (root / "audit.yaml").read_text("utf-8")
    text = text.replace("evidence: card-llama-3.1-8b-instruct", "evidence: no-such-item")
    text = text.replace("subcategories: [MEASURE]", "subcategories: [MEASURE, MEASURE 9.9]")
    (root / "audit.yaml").write_text(text, encoding="utf-8")
    records = Workspace.open(root).current()
    rows = of_workspace(Workspace.open(root), dt.date(2026, 11, 29), cached=True).mapping["rows"]
    found = {(f["rule"], f["field"]) for f in frame.section(records, {}, rows, dt.date(2026, 11, 29))["findings"]}
    assert ("audit-document-evidence", "documents.10.evidence") in found
    assert ("audit-assessor-scope", "assessors.1.subcategories") in found


def test_changes_since_says_when_the_diff_cannot_be_made():
    from rmfkit.analysis.frame import changes_since
    from rmfkit.errors import IntegrityError

    def broken(label):
        raise IntegrityError(f"reviews/{label}/bundle.json was altered")

    result = changes_since("2026-Q3", broken)
    assert result["computed"] is False and "could not be computed" in result["message"]


def test_audit_show_prints_the_frame_and_json(run_cli, example_ws):
    code, out, _ = run_cli("audit", "show", "-w", str(example_ws), "--as-of", "2026-11-29")
    assert code == 0 and "Assurance level: Internal audit" in out and "referenced, not held" in out
    code, out, _ = run_cli("audit", "show", "-w", str(example_ws), "--as-of", "2026-11-29", "--json")
    data = json.loads(out)
    assert data["assurance_level"] == "internal_audit" and len(data["gai"]["risks"]) == 12
    (example_ws / "audit.yaml").unlink()
    code, out, _ = run_cli("audit", "show", "-w", str(example_ws))
    assert code == 0 and "audit.yaml is missing" in out
