"""The session record: executed notebooks exported to HTML, stored in the audit packet's bundle,
hashed in its manifest and listed in the PDF's appendix (``rmfkit packet --session-record``)."""
from __future__ import annotations

import hashlib
import json
import re
import zipfile
from pathlib import Path

import pytest
from hypothesis import given, strategies as st

from rmfkit.errors import InputFileError, UsageError
from rmfkit.notebook.record import SESSION_RECORD_FOLDER, executed_notebooks, render_session_record
from rmfkit.packet import session_record_files

FIXTURES = Path(__file__).parent / "fixtures" / "session"
EXECUTED = FIXTURES / "03_map_the_rmf.ipynb"
NOT_RUN = FIXTURES / "07_quarterly_review.ipynb"
PAGES = ["session-record/03_map_the_rmf.html", "session-record/07_quarterly_review.html"]


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def packet(tmp_path_factory):
    """One packet of the example built by the CLI with the fixture folder as session record."""
    import shutil

    from rmfkit.cli.app import main

    root = tmp_path_factory.mktemp("session-record")
    ws = root / "ws"
    shutil.copytree(Path(__file__).parent.parent / "examples" / "support-assistant", ws,
                    ignore=shutil.ignore_patterns("build", ".rmfkit.lock", ".rmfkit-index.json"))
    out = root / "packet"
    assert main(["packet", "-w", str(ws), "--out", str(out), "--session-record", str(FIXTURES)]) == 0
    return out


def test_manifest_lists_each_page_with_its_hash(packet):
    manifest = {f["path"]: f for f in json.loads((packet / "manifest.json").read_text())["files"]}
    assert [p for p in manifest if p.startswith("session-record/")] == PAGES
    for name in PAGES:
        assert manifest[name]["sha256"] == sha256(packet / name)
        assert manifest[name]["size"] == (packet / name).stat().st_size
    inner = {f["path"]: f["sha256"] for f in json.loads((packet / "bundle-manifest.json").read_text())["files"]}
    assert {name: inner[name] for name in PAGES} == {name: manifest[name]["sha256"] for name in PAGES}
    with zipfile.ZipFile(packet / "bundle.zip") as archive:
        for name in PAGES:
            assert hashlib.sha256(archive.read(name)).hexdigest() == manifest[name]["sha256"]
    from pypdf import PdfReader

    attached = json.loads(PdfReader(packet / "packet.pdf").attachments["bundle-manifest.json"][0])
    assert {f["path"]: f["sha256"] for f in attached["files"] if f["path"] in PAGES} == inner_pages(inner)


def test_pages_hold_the_decisions_and_the_unexecuted_notebook(packet):
    executed = (packet / PAGES[0]).read_text(encoding="utf-8")
    assert "Decisions recorded in this session" in executed and "Acceptable-use policy drafted" in executed
    assert "<title>03_map_the_rmf</title>" in executed
    not_run = (packet / PAGES[1]).read_text(encoding="utf-8")
    assert "Not run yet in this session" in not_run and "review_diff" in not_run


def inner_pages(inner: dict) -> dict:
    return {name: inner[name] for name in PAGES}


def pdf_text(path: Path) -> str:
    """The PDF's text (pypdf), with identifiers broken at a U+200B break opportunity joined again."""
    from pypdf import PdfReader

    text = "\n".join(page.extract_text() for page in PdfReader(path).pages)
    return " ".join(re.sub("\u200b\\s*|(?<=\\w-)\n(?=\\w)", "", text).split())


def test_pdf_appendix_names_the_files_and_short_hashes(packet):
    text = pdf_text(packet / "packet.pdf")
    appendix = text[text.rindex("Appendix A. Session record"):]
    rows = [appendix.index(f"{Path(name).stem} {name}") for name in PAGES]  # Session, File, Bytes, SHA-256
    assert rows == sorted(rows)
    for name, start, end in zip(PAGES, rows, [*rows[1:], len(appendix)]):
        assert sha256(packet / name)[:12] in appendix[start:end], name
    assert "No session record attached" not in text
    contents = text[text.index("Contents"):text.index("How to check this packet")]
    assert "Appendix A. Session record" in contents


def test_verify_passes_then_names_a_flipped_page(packet, tmp_path, run_cli):
    import shutil

    code, out, _ = run_cli("verify", packet)
    assert code == 0 and out.startswith("OK ")
    copy = tmp_path / "packet"
    shutil.copytree(packet, copy)
    page = copy / PAGES[0]
    data = bytearray(page.read_bytes())
    data[len(data) // 2] ^= 0x01
    page.write_bytes(bytes(data))
    code, out, err = run_cli("verify", copy)
    assert code == 4
    assert f"altered: {PAGES[0]} (SHA-256 differs from the manifest)" in out + err
    assert PAGES[1] not in out + err


def test_packet_without_session_record_has_no_empty_appendix(example_ws):
    from rmfkit.render.html import render_packet_html
    from rmfkit.analysis import of_workspace
    from rmfkit.views.packet import packet_view, session_record
    from rmfkit.workspace import open_workspace

    ws = open_workspace(example_ws)
    view = packet_view(ws.current(), of_workspace(ws))
    view["session_record"] = session_record({})
    charts = {name: "<svg/>" for name in ("coverage", "profile", "metrics", "heat_map")}
    document = render_packet_html(view, workspace_root=example_ws, charts=charts)
    assert 'id="s-session-record"' not in document and "Appendix A" not in document
    assert "13. Sign-off" in document


@pytest.mark.parametrize("given_path, message", [
    (FIXTURES / "bad" / "not-a-notebook.ipynb", "line 1"),
    (FIXTURES / "bad" / "lm-eval-results.ipynb", "is not a Jupyter notebook (no 'cells' list or nbformat 4)"),
    (FIXTURES / "missing.ipynb", "file not found"),
    (FIXTURES / "bad", "is not a Jupyter notebook (no 'cells' list or nbformat 4)"),
])
def test_bad_file_is_one_line_naming_it_and_writes_nothing(given_path, message, example_ws, tmp_path, run_cli):
    out = tmp_path / "packet"
    code, stdout, err = run_cli("packet", "-w", example_ws, "--out", out, "--session-record", EXECUTED,
                                "--session-record", given_path)
    lines = err.strip().splitlines()
    assert code == 2 and len(lines) == 1, err
    named = given_path if given_path.is_file() or not given_path.exists() else given_path / "lm-eval-results.ipynb"
    assert str(named) in lines[0] and message in lines[0] and "Traceback" not in err
    assert not out.exists()


def test_non_notebook_suffix_and_empty_folder_are_refused(example_ws, tmp_path, run_cli):
    text = tmp_path / "notes.txt"
    text.write_text("decided: ship it\n")
    empty = tmp_path / "empty"
    empty.mkdir()
    for path, message in ((text, "is not a Jupyter notebook (.ipynb)"), (empty, "folder holds no .ipynb notebooks")):
        code, _, err = run_cli("packet", "-w", example_ws, "--out", tmp_path / "out", "--session-record", path)
        assert code == 2 and err.strip() == f"error: {path}: {message}" + err.strip().split(message, 1)[1]
        assert not (tmp_path / "out").exists()


def test_pre_rendered_pages_by_name():
    pages = session_record_files({"session-record/06_audit_packet.html": b"<p>a</p>", "00_start_here": b"<p>b</p>"})
    assert pages == {"session-record/00_start_here.html": b"<p>b</p>",
                     "session-record/06_audit_packet.html": b"<p>a</p>"}
    for bad in ({"../escape": b"x"}, {"a/b": b"x"}, {"ok": "not bytes"}, {".hidden": b"x"}):
        with pytest.raises(UsageError):
            session_record_files(bad)


@given(st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_. -]{0,40}", fullmatch=True))
def test_any_plain_page_name_stays_inside_session_record(stem):
    (name, payload), = session_record_files({stem: b"<html></html>"}).items()
    assert name.startswith("session-record/") and name.count("/") == 1 and name.endswith(".html")
    assert payload == b"<html></html>"


# ---------------------------------------------------------------- the renderer the packet calls

def test_render_session_record_names_pages_by_notebook():
    record = render_session_record([FIXTURES])
    assert list(record) == PAGES and all(name.startswith(f"{SESSION_RECORD_FOLDER}/") for name in record)
    page = record[PAGES[0]].decode("utf-8")
    assert page.startswith("<!DOCTYPE html>") and "<title>03_map_the_rmf</title>" in page
    assert not [line for line in page.splitlines() if "<script" in line and "src=\"http" in line]


def test_two_notebooks_with_one_name_are_refused_before_rendering(tmp_path):
    other = tmp_path / "elsewhere"
    other.mkdir()
    copy = other / EXECUTED.name
    copy.write_bytes(EXECUTED.read_bytes())
    with pytest.raises(InputFileError, match="same name as another notebook"):
        render_session_record([EXECUTED, copy])


def test_executed_notebooks_keeps_those_run_before_a_session(tmp_path):
    for source in (EXECUTED, NOT_RUN):
        (tmp_path / source.name).write_bytes(source.read_bytes())
    assert executed_notebooks(tmp_path) == [tmp_path / EXECUTED.name]
    assert executed_notebooks(tmp_path, before="03_map_the_rmf") == []
