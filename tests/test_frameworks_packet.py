"""The packet's framework pages (issue 18 items 3-5): the ISO/IEC 42001 Statement of Applicability and the
EU AI Act register in packet.pdf and packet.html, built once from a copy of the example workspace whose
A.2.3 applicability justification is hostile Typst and HTML."""
from __future__ import annotations

import html
import json
import os
import re
import shutil

import pytest
from markupsafe import escape

from tests.conftest import EXAMPLE

HOSTILE = '#sys.inputs #include "/etc/passwd" #read("x") ] $ @label <lbl> *bold* _em_ ` \\ #{1+1}'
ISO_HEADING = "14. ISO/IEC 42001 Statement of Applicability"
ACT_HEADING = "15. EU AI Act obligation register"
CROSSWALK = "NIST AI Resource Center crosswalk (AI RMF to ISO/IEC FDIS 42001), p"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """(view of the frameworks, page texts of packet.pdf, packet.html as text) for the example + hostile text."""
    from pypdf import PdfReader

    from rmfkit.packet import build_packet
    from rmfkit.workspace import Workspace

    base = tmp_path_factory.mktemp("frameworks-packet")
    ws_dir = base / "ws"
    shutil.copytree(EXAMPLE, ws_dir, ignore=shutil.ignore_patterns("build", ".rmfkit.lock", ".rmfkit-index.json"))
    doc = ws_dir / "frameworks.yaml"
    text = doc.read_text("utf-8")
    line = re.search(r"^    A\.2\.3: \{applicable: true, applicability_justification: .*\}$", text, re.M)
    assert line, "the example's A.2.3 entry changed shape"
    doc.write_text(text.replace(line.group(0), "    A.2.3: {applicable: true, applicability_justification: "
                                              + json.dumps(HOSTILE) + "}"), encoding="utf-8")
    saved = {k: os.environ.get(k) for k in ("SOURCE_DATE_EPOCH", "RMFKIT_TODAY")}
    os.environ.update(SOURCE_DATE_EPOCH="1790000000", RMFKIT_TODAY="2026-11-29")
    try:
        ws = Workspace.open(ws_dir).require_valid()
        result = build_packet(ws, base / "out")
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    pages = [joined(page.extract_text()) for page in PdfReader(result.out / "packet.pdf").pages]
    document = (result.out / "packet.html").read_text("utf-8")
    return pages, document


def joined(text: str) -> str:
    """Page text with whitespace collapsed and words joined again where the layout broke them: at a break
    opportunity (U+200B, as tests/test_packet.py reads it), after a hyphen, or after a solidus ("ISO/" "IEC")."""
    return " ".join(re.sub("\u200b\\s*|(?<=\\w[-/])\n(?=\\w)", "", text).split())


def html_text(document: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", document)).split())


def section(text: str, start: str, end: str | None) -> str:
    """A section's body: from its heading (the last occurrence; the first is its contents line) to ``end``."""
    begin = text.rindex(start)
    return text[begin:text.index(end, begin) if end else len(text)]


def annex_a_ids() -> list[str]:
    from rmfkit.frameworks.registry import load_registry

    ids = [c.id for c in load_registry().iso_controls]
    assert len(ids) == 38
    return ids


def has_id(text: str, item: str) -> bool:
    return re.search(rf"(?<![\w.]){re.escape(item)}(?![\w.]|\.\d)", text) is not None


def check_facts(iso: str, act: str) -> None:
    """The facts both renderings must state."""
    missing = [i for i in annex_a_ids() if not has_id(iso, i)]
    assert not missing, f"Annex A controls missing from the SoA: {missing}"
    assert iso.count("DIRECT") >= 2 and iso.count("derived") >= 2, "legend plus at least one row of each"
    assert CROSSWALK in iso and "pp. 1, 6, 8, as B.2.2" in iso
    assert "A crosswalk pair means only" in iso and "ISO/IEC text is copyrighted" in iso
    assert "printed label mismatch" in iso
    assert re.search(r"Art 4 AI literacy .{0,200}?2025-02-02", act), "Art 4 with its application date"
    assert re.search(r"Art 50\(1\) AI systems intended to interact .{0,300}?2026-08-02", act)
    assert re.search(r"Art 50\(2\) .{0,300}?2026-08-02", act)
    assert "Not legal advice" in act and "Needs legal review" in act
    assert "Data as of 2026-08-05" in act and "as amended by Regulation (EU) 2026/1744" in act
    assert "DIRECT" in act and "derived" in act
    assert "recorded by team" in act  # a team pair's citation
    assert "Gaps:" in act and "no instructions for use held" in act


def test_pdf_framework_pages_state_every_control_marker_date_and_caveat(built):
    pages, _ = built
    text = " ".join(pages)
    contents = next(p for p in pages if p.startswith("AI RMF audit packet") and "Contents" in p)
    assert ISO_HEADING in contents and ACT_HEADING in contents
    check_facts(section(text, ISO_HEADING, ACT_HEADING), section(text, ACT_HEADING, None))


def test_pdf_caveats_share_the_page_with_the_start_of_each_table(built):
    pages, _ = built
    iso_page = next(p for p in pages if ISO_HEADING in p and "Applicable and why" in p)
    for needle in ("A crosswalk pair means only", "ISO/IEC text is copyrighted", CROSSWALK, "A.2.2"):
        assert needle in iso_page, needle
    act_page = next(p for p in pages if ACT_HEADING in p and "Data as of" in p)
    assert act_page.index("Not legal advice") < act_page.index("Systems: role and risk tier")
    assert "Needs legal review" in act_page and "Role (Art 3)" in act_page


def test_html_framework_pages_state_the_same_facts(built):
    _, document = built
    text = html_text(document)
    assert 'href="#s-iso42001"' in document and 'href="#s-ai-act"' in document
    check_facts(section(text, ISO_HEADING, ACT_HEADING), section(text, ACT_HEADING, None))
    assert 'class="basis basis-direct"' in document and 'class="basis basis-derived"' in document


def test_hostile_justification_prints_literally(built):
    pages, document = built
    squeezed = re.sub(r"\s", "", " ".join(pages))
    assert re.sub(r"\s", "", HOSTILE) in squeezed, "the justification is printed as text, not evaluated"
    assert "root:" not in squeezed
    assert str(escape(HOSTILE)) in document, "autoescaped, once"
    assert "<lbl>" not in document
