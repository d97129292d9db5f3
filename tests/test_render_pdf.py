"""The Typst PDFs: what a reader sees in the packet, review and portfolio, rendered from golden views.

The views in tests/fixtures/typst/ are trimmed copies of the example workspace's packet, review and
portfolio views (the contract between the view builders and the templates).
"""
from __future__ import annotations

import copy
import io
import json
import re
import tomllib
from pathlib import Path

import pypdf
import pytest

from rmfkit.errors import InputFileError, UsageError
from rmfkit.render.pdf import packaged_templates_dir, render_pdf

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "typst"
CHART = (b'<svg xmlns="http://www.w3.org/2000/svg" width="400" height="200">'
         b'<rect width="400" height="200" fill="#1f4e79"/></svg>')
PACKET_IMAGES = {"coverage": CHART, "metrics": CHART, "heat_map": CHART}
ATTACHMENTS = {"bundle.json": b'{"format": "rmfkit-bundle"}', "bundle-manifest.json": b'{"files": {}}'}
HOSTILE = '#sys.inputs #include "/etc/passwd" #read("x") ] $ @label <lbl> *bold* _em_ ` \\ #{1+1}'


def view(name: str) -> dict:
    return json.loads((FIXTURES / f"{name}-view.json").read_text(encoding="utf-8"))


def render(template: str, data: dict, images: dict | None = None, template_dirs: list[Path] | None = None) -> bytes:
    return render_pdf(template, data, images=images or {}, attachments=ATTACHMENTS, template_dirs=template_dirs or [])


def text_of(pdf: bytes) -> str:
    """The PDF's text with whitespace collapsed, and identifiers broken across lines joined again (a line
    may end after a hyphen or at a break opportunity, U+200B, inserted after - . / _)."""
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    text = "\n".join(page.extract_text() for page in reader.pages)
    return re.sub(r"\s+", " ", re.sub("\u200b\\s*|(?<=-)\n", "", text))


@pytest.fixture(scope="module")
def packet() -> tuple[dict, bytes]:
    data = view("packet")
    return data, render("packet.typ", data, PACKET_IMAGES)


def test_packet_shows_every_subcategory_with_its_status(packet):
    data, pdf = packet
    text = text_of(pdf)
    rows = [r for f in data["mapping"]["functions"] for c in f["categories"] for r in c["rows"]]
    assert len(rows) == 72
    start = text.rindex("5. RMF mapping: all 72 subcategories")  # the section, not its contents line
    section = text[start:text.index("6. NIST AI 600-1 coverage", start)]
    for row, following in zip(rows, [*rows[1:], None]):
        start = section.index(row["id"] + " ")
        end = section.index(following["id"] + " ", start) if following else len(section)
        assert row["status_label"] in section[start:end], row["id"]
    assert "n/a" not in section and "Not applicable" in section


def test_packet_has_every_section_license_rows_hashes_and_page_numbers(packet):
    data, pdf = packet
    text = text_of(pdf)
    pages = len(pypdf.PdfReader(io.BytesIO(pdf)).pages)
    for heading in ("Contents", "1. Executive summary", "2. Scope, method and assurance", "3. System profile and data flows",
                    "4. License register and openness", "6. NIST AI 600-1 coverage", "7. Measurement results", "8. Risk register",
                    "9. DPIA inputs", "10. Operating the model", "11. Evidence index", "12. Gaps and action plan",
                    "13. Sign-off", "Appendix A. Session record"):
        assert heading in text
    for row in data["licenses"]["register"]:
        assert row["name"] in text
    for row in data["evidence"]["rows"]:
        assert row["sha256_short"] in text
    for flow in data["system"]["data_flows"]:
        assert flow["id"] in text
    assert f"Page 1 of {pages}" in text and f"Page {pages} of {pages}" in text
    assert re.search(r"9\. DPIA inputs (\. )+\d+ 10\. Operating", text), "the contents list gives each page"


def test_appendix_only_when_a_session_record_is_present():
    data = view("packet")
    del data["session_record"]
    assert "Appendix A" not in text_of(render("packet.typ", data))


def test_user_text_is_printed_literally_never_evaluated():
    data = view("packet")

    def poison(value):
        if isinstance(value, dict):
            return {k: poison(v) for k, v in value.items()}
        if isinstance(value, list):
            return [poison(v) for v in value]
        return HOSTILE if isinstance(value, str) else value

    hostile = poison(data)
    hostile["cover"]["generated_at"] = data["cover"]["generated_at"]
    text = text_of(render("packet.typ", hostile, PACKET_IMAGES))
    squeezed, needle = re.sub(r"\s", "", text), re.sub(r"\s", "", HOSTILE)
    assert squeezed.count(needle) > 500
    assert "root:" not in text and "bold*" in text


def test_control_characters_print_as_escapes_in_pdf_and_html():
    from markupsafe import Markup

    from rmfkit.render.html import environment

    data = view("packet")
    data["summary"]["sentences"][0]["text"] = "Form\x0cfeed, bell\x07 and \x1b[2J"  # no font shows these: escapes
    assert "Form\\x0cfeed, bell\\x07 and \\x1b[2J" in text_of(render("packet.typ", data, PACKET_IMAGES))
    page = environment(None).from_string("<p>{{ text }}</p>{{ chart }}")
    document = page.render(text=data["summary"]["sentences"][0]["text"], chart=Markup("<svg>\x0c</svg>"))
    assert document == "<p>Form\\x0cfeed, bell\\x07 and \\x1b[2J</p><svg>\x0c</svg>"  # markup is ours, as it is


def test_same_view_gives_the_same_bytes(packet):
    data, pdf = packet
    assert render("packet.typ", copy.deepcopy(data), PACKET_IMAGES) == pdf


def test_pdf_is_pdf_a_3b_with_the_bundle_attached_and_titled(packet):
    _, pdf = packet
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    assert {name: payloads[0] for name, payloads in reader.attachments.items()} == ATTACHMENTS
    metadata = reader.trailer["/Root"]["/Metadata"].get_object().get_data()
    assert b"<pdfaid:part>3" in metadata and b"<pdfaid:conformance>B" in metadata
    assert b"<pdfuaid:part>1" in metadata
    assert reader.metadata.title == "AI RMF audit packet — Customer Support Assistant"


def test_review_packet_lists_every_change(tmp_path):
    data = view("review")
    pdf = render("review.typ", data, {"coverage_trend": CHART, "risk_trend": CHART, "metrics_trend": CHART})
    text = text_of(pdf)
    for change in data["diff"]["changes"]:
        assert change["ref"] in text
    for heading in ("1. What changed", "2. The changes in detail", "3. Trends over all reviews", "Snapshot chain"):
        assert heading in text
    assert data["cover"]["snapshots"][0]["manifest_sha256"] in text
    assert "Page 1 of" in text


def test_portfolio_has_a_row_per_system_and_the_skipped_folders():
    data = view("portfolio")
    text = text_of(render("portfolio.typ", data, {"coverage": CHART}))
    assert text.count(data["systems"][0]["name"]) == len(data["systems"])
    assert "Folders skipped" in text and data["skipped"][0]["folder"] in text
    assert "Page 1 of" in text


def test_a_workspace_template_overrides_the_cover_by_name(tmp_path):
    (tmp_path / "cover.typ").write_text('#let cover(..args) = [Cover of the Example audit office]\n',
                                        encoding="utf-8")
    text = text_of(render("packet.typ", view("packet"), template_dirs=[tmp_path / "missing", tmp_path]))
    assert "Cover of the Example audit office" in text
    assert "AI risk management audit packet — NIST AI RMF 1.0" not in text
    assert "1. Executive summary" in text


def test_a_broken_override_is_named_with_its_line(tmp_path):
    (tmp_path / "cover.typ").write_text("#let cover(..args) = [\n  #nonexistent-function()\n]\n", encoding="utf-8")
    with pytest.raises(InputFileError) as caught:
        render("packet.typ", view("packet"), template_dirs=[tmp_path])
    assert str(caught.value).startswith(f"{tmp_path / 'cover.typ'} line 2: Typst template error: unknown variable")


def test_override_may_not_import_packages_or_name_unknown_templates(tmp_path):
    (tmp_path / "cover.typ").write_text('#import "@preview/anything:0.1.0": *\n', encoding="utf-8")
    with pytest.raises(InputFileError, match="imports a Typst package"):
        render("packet.typ", view("packet"), template_dirs=[tmp_path])
    with pytest.raises(UsageError, match="no template named nothing.typ"):
        render("nothing.typ", view("packet"))
    with pytest.raises(UsageError, match="not a PNG, JPEG or SVG"):
        render("packet.typ", view("packet"), {"coverage": b"GIF89a"})


def test_templates_are_packaged_and_every_python_folder_is_listed():
    assert {"packet.typ", "review.typ", "portfolio.typ", "common.typ", "cover.typ"} <= {
        p.name for p in packaged_templates_dir().glob("*.typ")}
    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    assert setuptools["package-dir"]["rmfkit._templates"] == "templates"
    with_code = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "rmfkit").rglob("*.py")}
    assert with_code <= set(setuptools["packages"]), "add the new package to [tool.setuptools] packages"


REVIEW_CHARTS = {"coverage_trend": CHART, "risk_trend": CHART, "metrics_trend": CHART}


def test_review_packet_ends_with_sign_off_and_how_to_check_signed_or_not():
    data = view("review")
    unsigned = text_of(render("review.typ", data, REVIEW_CHARTS))
    section = unsigned[unsigned.rindex("4. Sign-off and how to check"):]
    for role in ("Prepared by", "System owner", "Reviewed and approved by (accountable executive)"):
        assert role in section
    assert "This review packet is not signed, so nothing in it shows who sealed it" in section
    assert "rmfkit verify REVIEW_DIR" in section and "rmfkit verify reviews/LABEL" in section
    assert "openssl" not in section and "--key" not in section and "public key" not in section
    fingerprint = "ab12" * 16
    signed = text_of(render("review.typ", {**data, "signer_key_sha256": fingerprint}, REVIEW_CHARTS))
    section = signed[signed.rindex("4. Sign-off and how to check"):]
    assert fingerprint in section.replace(" ", "")
    assert "The public key is not part of this packet" in section
    assert "rmfkit verify REVIEW_DIR --key packet-signing-key.pub.pem" in section


@pytest.mark.parametrize("template, images", [("packet.typ", PACKET_IMAGES), ("review.typ", REVIEW_CHARTS),
                                              ("portfolio.typ", {"coverage": CHART})])
def test_counts_are_written_with_singular_or_plural_nouns(template, images):
    text = text_of(render(template, view(template.removesuffix(".typ")), images))
    counted = r"\b\d+\s+(?:[\w-]+\s+){0,2}[\w-]+\(s\)"  # "2 system(s)", "1 open high risk(s)"; not NIST's "setting(s)"
    assert re.findall(counted, text) == []


def test_an_identifier_longer_than_its_column_wraps_only_after_a_separator():
    """A hostile evidence id, far wider than the register's id column, is broken across lines (it did not
    overflow the cell) and every break falls after - . / or _ (never mid-token, as "promptfo o" once did)."""
    long_id = "eval_lmeval_llama31_8b_instruct.support_assistant_staging.quantized_awq_int4-run_2026_10_06.retry"
    data = view("packet")
    data["evidence"]["rows"][0]["id"] = long_id
    reader = pypdf.PdfReader(io.BytesIO(render("packet.typ", data, PACKET_IMAGES)))
    raw = "\n".join(page.extract_text() for page in reader.pages)
    pieces = re.escape(long_id[0]) + "".join(f"(\u200b?\\s*){re.escape(c)}" for c in long_id[1:])
    found = re.search(pieces, raw)
    assert found, "the id is not in the PDF text, or a break split it without a break opportunity"
    breaks = [i for i, gap in enumerate(found.groups(), start=1) if "\n" in gap or " " in gap]
    assert len(breaks) >= 2, "the id fits on one line: it no longer tests wrapping"
    assert {long_id[i - 1] for i in breaks} <= set("-./_")
