"""The session record: run a session notebook headless, and export executed notebooks to HTML pages,
the audit packet's appendix "what was decided in the session".

:func:`render_session_record` is what the packet builder calls (``rmfkit packet --session-record``);
the pages go under :data:`SESSION_RECORD_FOLDER` in the packet and are hashed in its manifest.

>>> session_notebooks([])
[]
"""
from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any, Iterable, Mapping

PARAMETERS_TAG = "parameters"
INJECTED_TAG = "injected-parameters"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
SESSION_RECORD_FOLDER = "session-record"
MAX_NOTEBOOK_BYTES = 64 * 1024 * 1024


def inject_parameters(notebook, parameters: Mapping[str, Any]) -> None:
    """Insert a cell assigning ``parameters`` right after the ``parameters`` cell (papermill style)."""
    import nbformat

    lines = [f"{name} = {value!r}" for name, value in parameters.items()]
    cell = nbformat.v4.new_code_cell("\n".join(lines), id=INJECTED_TAG)
    cell.metadata["tags"] = [INJECTED_TAG]
    index = next((i for i, c in enumerate(notebook.cells) if PARAMETERS_TAG in c.metadata.get("tags", [])), None)
    if index is None:
        raise ValueError("notebook has no cell tagged 'parameters'")
    notebook.cells.insert(index + 1, cell)


def run_notebook(path: Path | str, parameters: Mapping[str, Any] | None = None, *, timeout: int = 300,
                 env: Mapping[str, str] | None = None):
    """Execute a session notebook headless; returns the executed notebook (nbformat node).

    An error in a cell raises ``nbclient.exceptions.CellExecutionError`` with the cell's traceback.
    """
    import nbformat
    from nbclient import NotebookClient

    path = Path(path)
    notebook = nbformat.read(path, as_version=4)
    if parameters:
        inject_parameters(notebook, parameters)
    # No widget state is stored: exported HTML then shows each form's text echo, not an empty widget view.
    client = NotebookClient(notebook, timeout=timeout, kernel_name="python3", store_widget_state=False,
                            resources={"metadata": {"path": str(path.parent)}})
    client.execute(env={**os.environ, **(env or {})})
    return notebook


def _static_copy(notebook):
    """A copy without live-widget views: frontends without the widget manager show the HTML fallback."""
    import copy

    static = copy.deepcopy(notebook)
    static.metadata.pop("widgets", None)
    for cell in static.cells:
        for output in cell.get("outputs", []):
            data = output.get("data")
            if data and WIDGET_VIEW in data and len(data) > 1:
                del data[WIDGET_VIEW]
    return static


def render_notebook_html(notebook, *, title: str | None = None) -> bytes:
    """One executed notebook as a self-contained, inert HTML page (:func:`inert_html`: no scripts, frames or
    remote URLs; outputs sanitised by nbconvert, the mermaid CDN loader left out)."""
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(template_name="lab", exclude_input_prompt=True, exclude_output_prompt=True,
                            mathjax_url="", require_js_url="", widget_renderer_url="", jquery_url="",
                            sanitize_html=True, mermaid_js_url="", mermaid_layout_elk_js_url="")
    resources = {"metadata": {"name": title}} if title else {}
    body, _ = exporter.from_notebook_node(_static_copy(notebook), resources=resources)
    return inert_html(body).encode("utf-8")


ACTIVE_TAGS = ("script", "iframe", "frame", "frameset", "object", "embed", "applet", "base", "form", "meta")
URL_ATTRIBUTES = ("src", "href", "srcset", "action", "formaction", "poster", "data", "background", "xlink:href")
REMOTE = re.compile(r"^\s*(?:[a-z][a-z0-9+.-]*:|//)", re.I)  # any scheme (http:, javascript:, file:) or //host


def inert_html(html: str) -> str:
    """``html`` without anything that runs or fetches: active elements removed, ``on*`` handlers dropped,
    URL attributes kept only when they stay in the page (``#anchor``) or are ``data:`` images.

    >>> inert_html('<p onclick="x()">a<script>x()</script><img src="http://e.invalid/t.png"></p>')
    '<p>a<img/></p>'
    """
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "html.parser")
    for tag in soup.find_all(ACTIVE_TAGS):
        tag.decompose()
    for tag in soup.find_all(True):
        for name in list(tag.attrs):
            value = " ".join(tag[name]) if isinstance(tag[name], list) else str(tag[name])
            if name.lower().startswith("on") or (name.lower() in URL_ATTRIBUTES and REMOTE.match(value)
                                                  and not value.lower().startswith("data:image/")):
                del tag[name]
    for style in soup.find_all("style"):
        style.string = re.sub(r"url\(\s*['\"]?\s*(?:[a-z][a-z0-9+.-]*:|//)(?!image/)[^)]*\)", "none",
                              style.get_text(), flags=re.I)
    return str(soup)


def session_notebooks(paths: Iterable[Path | str]) -> list[Path]:
    """The notebook files named by ``paths``: a file as given, a folder as every ``*.ipynb`` in it (sorted).

    A path that does not exist, a folder without notebooks, or a file not ending in ``.ipynb`` is an
    :class:`~rmfkit.errors.InputFileError` naming it.
    """
    from rmfkit.errors import InputFileError

    found: list[Path] = []
    for path in (Path(p) for p in paths):
        if path.is_dir() and not path.is_symlink():
            inside = sorted(p for p in path.glob("*.ipynb") if p.is_file())
            if not inside:
                raise InputFileError("folder holds no .ipynb notebooks", file=str(path),
                                     hint="name the executed session notebooks or the folder they are saved in")
            found.extend(inside)
        elif path.suffix != ".ipynb":
            raise InputFileError("is not a Jupyter notebook (.ipynb)", file=str(path),
                                 hint="the session record takes executed .ipynb files or a folder of them")
        else:
            found.append(path)
    return list(dict.fromkeys(found))


def read_notebook(path: Path | str):
    """Read a notebook a user handed in; anything that is not one is an ``InputFileError`` naming the file."""
    import nbformat

    from rmfkit.errors import InputFileError
    from rmfkit.fileio import read_user_file
    from rmfkit.safeparse import parse_json

    name = str(path)
    payload = read_user_file(Path(path), name, max_bytes=MAX_NOTEBOOK_BYTES)
    document = parse_json(payload, name, allow_nan=False)
    if not (isinstance(document, dict) and isinstance(document.get("cells"), list)
            and isinstance(document.get("nbformat"), int) and document["nbformat"] >= 4):
        raise InputFileError("is not a Jupyter notebook (no 'cells' list or nbformat 4)", file=name)
    problems: dict = {}  # schema quirks of older frontends are tolerated; rendering fails loudly if it must
    return nbformat.reads(payload.decode("utf-8-sig"), as_version=4, capture_validation_error=problems)


def executed_notebooks(folder: Path | str | None = None, *, before: str | None = None) -> list[Path]:
    """Session notebooks in ``folder`` (default: the current one) that have outputs, i.e. were run and saved.

    ``before`` keeps only those whose file name sorts before it: the sessions held so far
    (``before="06_audit_packet"`` -> 00 to 05).
    """
    chosen = []
    for path in sorted(Path(folder or ".").glob("*.ipynb")):
        if before and path.stem >= before:
            continue
        if any(cell.get("outputs") for cell in read_notebook(path).cells):
            chosen.append(path)
    return chosen


def render_session_record(paths: Iterable[Path | str]) -> dict[str, bytes]:
    """Executed notebooks -> ``{"session-record/<name>.html": bytes}`` for the packet.

    ``paths`` are ``.ipynb`` files or folders of them (:func:`session_notebooks`); notebooks without
    outputs are rendered too. A file that is not a notebook, or two notebooks with the same name, is
    refused before anything is rendered.
    """
    from rmfkit.errors import InputFileError

    notebooks = {}
    for path in session_notebooks(paths):
        name = f"{SESSION_RECORD_FOLDER}/{path.stem}.html"
        if name in notebooks:
            raise InputFileError(f"has the same name as another notebook of the session record ({path.name})",
                                 file=str(path), hint="rename one of them")
        notebooks[name] = (path, read_notebook(path))
    record = {}
    for name, (path, notebook) in sorted(notebooks.items()):
        try:
            record[name] = render_notebook_html(notebook, title=path.stem)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise InputFileError(f"cannot be rendered as a notebook ({type(exc).__name__}: {exc})",
                                 file=str(path)) from None
    return record
