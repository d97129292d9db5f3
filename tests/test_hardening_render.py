"""Issue 21 items 1, 3, 8 and 10 through a real packet or review packet of the example workspace.

Item 1 (a template override reading a workspace file into the packet) is checked as a claim about every
packet file: with the signing key and a ``.env`` inside the workspace, no override (HTML or Typst) gets
their bytes into packet.pdf (text or attachment), packet.html, bundle.zip or any other sealed file.
"""
from __future__ import annotations

import base64
import io
import re
import time
import zipfile
from pathlib import Path

import pytest

from rmfkit.seal import generate_keys

SECRET = "rmfkit-test-secret-7f3a9c"


@pytest.fixture(autouse=True)
def pinned_today(monkeypatch):
    monkeypatch.setenv("RMFKIT_TODAY", "2026-12-01")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1796083200")


def secrets_of(ws: Path) -> list[bytes]:
    """What must never appear in a packet: the private key's body and a .env value, in every encoding tried."""
    generate_keys(ws / "keys")
    (ws / ".env").write_text(f"API_TOKEN={SECRET}\n", "utf-8")
    body = "".join(line for line in (ws / "keys" / "packet-signing-key.pem").read_text().splitlines()
                   if "-----" not in line)
    return [body.encode(), SECRET.encode(), base64.b64encode(SECRET.encode()), base64.b64decode(body)]


def packet_bytes(out: Path) -> list[bytes]:
    """Every sealed file, every bundle.zip entry, every PDF attachment and the PDF's text."""
    from pypdf import PdfReader

    found = [p.read_bytes() for p in out.rglob("*") if p.is_file()]
    with zipfile.ZipFile(out / "bundle.zip") as archive:
        found += [archive.read(name) for name in archive.namelist()]
    reader = PdfReader(io.BytesIO((out / "packet.pdf").read_bytes()))
    found += [payload for payloads in reader.attachments.values() for payload in payloads]
    found += ["".join(page.extract_text() or "" for page in reader.pages).encode()]
    return found


OVERRIDES = {
    "html-link-attachment": ("packet.html.j2",
                             '<link rel="attachment" href="file:///proc/self/cwd/keys/packet-signing-key.pem">'
                             '<link rel="attachment" href="../.env"><img src="file:///proc/self/cwd/.env">'
                             '{{ view.cover }}'),
    "html-include-key": ("packet.html.j2", '{% include "../keys/packet-signing-key.pem" %}'),
    "html-include-env": ("packet.html.j2", '{% include "../.env" %}'),
    "typst-read-key": ("cover.typ", '#let cover(..args) = [#read("../keys/packet-signing-key.pem")]\n'
                                    '#read("/proc/self/cwd/keys/packet-signing-key.pem")\n'),
    "typst-read-env-absolute": ("cover.typ", '#let cover(..args) = [#read("/proc/self/cwd/.env")]\n'),
    "typst-image-key": ("cover.typ", '#let cover(..args) = [#image("../keys/packet-signing-key.pem")]\n'),
}


DEFAULT_RUN = ("html-link-attachment", "typst-read-key")  # the rest: -m slow


@pytest.mark.parametrize("case", [c if c in DEFAULT_RUN else pytest.param(c, marks=pytest.mark.slow)
                                  for c in sorted(OVERRIDES)])
def test_template_override_cannot_read_workspace_files(example_ws, tmp_path, run_cli, case):
    name, source = OVERRIDES[case]
    secrets = secrets_of(example_ws)
    (example_ws / "templates").mkdir(exist_ok=True)
    (example_ws / "templates" / name).write_text(source, "utf-8")
    out = tmp_path / "out"
    code, out_text, err = run_cli("packet", "--out", out, "-w", example_ws)
    assert "Traceback" not in err and SECRET not in out_text + err
    if code == 0:
        assert not [s for s in secrets for payload in packet_bytes(out) if s in payload], case
    else:
        assert code == 2 and err.startswith("error: ") and not out.exists(), (code, err)
        assert not secrets[0].decode() in err


@pytest.mark.parametrize("license_id", ["LicenseRef-acme-model", *[pytest.param(x, marks=pytest.mark.slow)
                                                                  for x in ("NOASSERTION", "apache2", "MIT AND (")]])
def test_unknown_model_license_builds_packet_and_snapshot(example_ws, tmp_path, run_cli, license_id):
    """Item 3: AttributeError 'NoneType' object has no attribute 'replace' before; now 'undetermined'."""
    system = example_ws / "system.yaml"
    text = system.read_text("utf-8")
    system.write_text(text.replace("license: llama3.1", f"license: '{license_id}'", 1), "utf-8")
    code, _, err = run_cli("review", "snapshot", "--label", "2026-Q4", "-w", example_ws)
    assert code == 0, err
    if license_id in ("LicenseRef-acme-model", "MIT AND ("):
        code, _, err = run_cli("packet", "--out", tmp_path / "out", "-w", example_ws)
        assert code == 0, err
        assert "undetermined" in (tmp_path / "out" / "packet.html").read_text("utf-8").lower()


@pytest.mark.parametrize("source, words", [("{% if %}", "template error"),
                                           pytest.param("{{ nothing_here }}", "is undefined", marks=pytest.mark.slow),
                                           pytest.param("{{ 1 / 0 }}", "division by zero", marks=pytest.mark.slow),
                                           ("{{ ''.__class__.__mro__ }}", "unsafe")])
def test_review_template_override_error_is_exit_2_and_leaves_nothing(example_ws, tmp_path, run_cli, source, words):
    """Item 8: exit 1 with bundle.json, charts/ and states/ left in --out before."""
    (example_ws / "templates").mkdir(exist_ok=True)
    (example_ws / "templates" / "review.html.j2").write_text(source, "utf-8")
    out = tmp_path / "review-out"
    code, _, err = run_cli("review", "packet", "--from", "2026-Q3", "--to", "live", "--out", out, "-w", example_ws)
    assert code == 2 and "templates/review.html.j2" in err and words in err, err
    assert not out.exists() and not list(tmp_path.glob(".review-out*"))


@pytest.mark.parametrize("source, words", [
    ("{% for i in range(100000) %}{% for j in range(100000) %}{% set x = j %}{% endfor %}{% endfor %}", "took longer"),
    ("{{ 'a' * 3000000000 }}", "larger than templates may build"),
    ("{% for i in range(100000) %}{{ 'x' * 1000000 }}{% endfor %}", "grew past 100,000,000 characters"),
    pytest.param("{{ [1] * 100000 * 100000 }}", "larger than templates may build", marks=pytest.mark.slow),
    pytest.param("{{ 10 ** 100000 }}", "larger than templates may compute", marks=pytest.mark.slow),
])
def test_runaway_template_override_stops_quickly(example_ws, tmp_path, run_cli, monkeypatch, source, words):
    """Item 10: nested ranges never finished and 'a'*3000000000 was a MemoryError (exit 1). The nested loop
    writes nothing, so the time limit stops it, never the size limit (a race on a fast machine)."""
    monkeypatch.setenv("RMFKIT_RENDER_SECONDS", "3")
    (example_ws / "templates").mkdir(exist_ok=True)
    (example_ws / "templates" / "packet.html.j2").write_text(source, "utf-8")
    started = time.monotonic()
    code, _, err = run_cli("packet", "--out", tmp_path / "out", "-w", example_ws)
    assert code == 2 and words in err and "templates/packet.html.j2" in err, err
    assert time.monotonic() - started < 30
    assert not (tmp_path / "out").exists()


def test_as_of_gives_every_page_one_date(example_ws, tmp_path, run_cli, monkeypatch):
    """Issue 15 item 8: with SOURCE_DATE_EPOCH only, the cover and the 'as of' pages used different dates."""
    monkeypatch.delenv("RMFKIT_TODAY")
    monkeypatch.setenv("TZ", "Etc/GMT+12")
    code, _, err = run_cli("packet", "--out", tmp_path / "out", "-w", example_ws)
    assert code == 0, err
    html = (tmp_path / "out" / "packet.html").read_text("utf-8")
    assert "2026-12-01" in html and "2026-11-30" not in html and "2026-12-07" not in html
    code, _, err = run_cli("packet", "--as-of", "2026-11-15", "--out", tmp_path / "out2", "-w", example_ws)
    assert code == 0, err
    assert "as of 2026-11-15" in (tmp_path / "out2" / "packet.html").read_text("utf-8").replace("\n", " ")


def test_session_record_html_is_inert():
    """Item 9: notebook HTML was copied verbatim (scripts, frames, remote images) and the mermaid template
    loaded its library from a CDN."""
    import nbformat

    from rmfkit.notebook.record import render_notebook_html

    notebook = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("show()")
    cell.outputs = [nbformat.v4.new_output("display_data", data={"text/html": (
        '<script>fetch("http://attacker.invalid/x")</script><iframe src="http://attacker.invalid/"></iframe>'
        '<img src="http://attacker.invalid/p.png" onerror="alert(1)"><a href="javascript:alert(1)">x</a>'
        '<b>kept</b>')})]
    mermaid = nbformat.v4.new_markdown_cell("```mermaid\ngraph TD; A-->B\n```")
    notebook.cells = [cell, mermaid]
    from bs4 import BeautifulSoup

    html = render_notebook_html(notebook, title="session").decode("utf-8")
    soup = BeautifulSoup(html, "html.parser")
    assert not soup.find_all(["script", "iframe", "object", "embed"])
    for tag in soup.find_all(True):
        for name, value in tag.attrs.items():
            assert not name.startswith("on"), tag
            assert not re.match(r"\s*(https?:|//|javascript:)", str(value), re.I), tag
    assert "cdnjs" not in html and "<b>kept</b>" in html and "graph TD" in html
