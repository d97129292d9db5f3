"""Guided sessions: which workspace a notebook works on, running a notebook headless, the session record.

A notebook's ``parameters`` cell names the workspace; :func:`open_session` turns that into an open
:class:`~rmfkit.workspace.Workspace` (by default a working copy of the shipped example, so the
example itself is never written to). :func:`run_notebook` executes a session notebook with injected
parameters (papermill convention), and :func:`render_session_record` exports executed notebooks to
HTML: the packet's appendix "what was decided in the session".

>>> session_workspace_dir().name
'session-workspace'
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Mapping

from rmfkit.paths import SOURCE_ROOT, example_dir

if TYPE_CHECKING:
    from rmfkit.workspace import Workspace

DEFAULT_EXAMPLE = "support-assistant"
WORKSPACE_ENV = "RMFKIT_WORKSPACE"
PARAMETERS_TAG = "parameters"
INJECTED_TAG = "injected-parameters"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
SESSION_RECORD_FOLDER = "session-record"
MAX_NOTEBOOK_BYTES = 64 * 1024 * 1024
_COPY_IGNORE = ("build", ".rmfkit.lock", ".rmfkit-index.json", "__pycache__")


def build_dir(name: str) -> Path:
    """A folder under the project's git-ignored ``build/`` (session copies, a first own workspace)."""
    return SOURCE_ROOT / "build" / name


def session_workspace_dir() -> Path:
    """Where the working copy of the example lives: ``build/session-workspace``."""
    return build_dir("session-workspace")


def copy_example(name: str, destination: Path | str) -> "Workspace":
    """A writable copy of a shipped example workspace (what ``rmfkit init DIR --example NAME`` makes)."""
    from rmfkit.errors import UsageError
    from rmfkit.workspace import Workspace

    destination = Path(destination)
    if destination.exists() and any(destination.iterdir()):
        raise UsageError(f"folder {destination} is not empty", hint="choose a new folder")
    shutil.copytree(example_dir(name), destination, dirs_exist_ok=True, ignore=shutil.ignore_patterns(*_COPY_IGNORE))
    return Workspace.open(destination)


def open_session(workspace: Path | str | None = None, *, example: str = DEFAULT_EXAMPLE) -> "Workspace":
    """The workspace a session works on.

    ``workspace`` (the notebook's parameter) wins; else ``RMFKIT_WORKSPACE``; else a working copy of
    the example in ``build/session-workspace``, made on first use and reused afterwards, so the
    sessions 00 → 07 build on each other.
    """
    from rmfkit.workspace import Workspace

    chosen = workspace or os.environ.get(WORKSPACE_ENV)
    if chosen:
        return Workspace.open(chosen)
    target = session_workspace_dir()
    if (target / "rmfkit.yaml").is_file():
        return Workspace.open(target)
    return copy_example(example, target)


def start_workspace(path: Path | str, *, system_id: str, name: str, owner: str, purpose: str,
                    deployment_pattern: str = "self_hosted") -> "Workspace":
    """Create a new workspace for your own system, or open it if this folder already holds it.

    Re-running the cell is therefore safe; a folder holding a *different* system is refused.
    """
    from rmfkit.errors import UsageError
    from rmfkit.workspace import MARKER, Workspace

    path = Path(path)
    if (path / MARKER).is_file():
        ws = Workspace.open(path)
        if ws.settings.system_id != system_id:
            raise UsageError(f"{path} already holds the workspace of '{ws.settings.system_id}'",
                             hint="choose another folder for a new system")
        return ws
    return Workspace.create(path, system_id=system_id, name=name, owner=owner, purpose=purpose,
                            deployment_pattern=deployment_pattern)


def record_assessments(ws: "Workspace", decisions: Iterable[Mapping[str, Any]]) -> list[dict]:
    """Record the mapping decisions of a session in one locked edit; returns before/after rows.

    Each decision names ``id`` and any of ``status``, ``owner``, ``notes``, ``justification``,
    ``target_status``, ``target_date`` and ``add_evidence`` (ids appended to the linked evidence),
    recorded by :meth:`~rmfkit.workspace.Workspace.record_assessment`. Nothing is written if any
    decision breaks a rule (unknown evidence, ``not_applicable`` without a justification, ...).
    """
    from rmfkit.catalog import load_catalog

    decisions = [dict(d) for d in decisions]
    rows = []
    if not decisions:
        return rows
    with ws.edit():
        for decision in decisions:
            sub_id = load_catalog().subcategory(decision.pop("id")).id
            before = ws.assessment(sub_id)
            after = ws.record_assessment(sub_id, **decision)
            rows.append({"id": sub_id, "before": before.status, "after": after.status, "owner": after.owner,
                         "evidence": list(after.evidence), "notes": after.notes})
    return rows


def packet_dir(ws: "Workspace") -> Path:
    """A new folder for this session's packet: ``build/packets/<today>``, then ``<today>-2``, ``-3``…

    Packets are never overwritten, so re-running a session builds a new one beside the last.
    """
    from rmfkit.clock import today

    return _new_folder(ws.path("build/packets"), today().isoformat())


def _new_folder(base: Path, stem: str) -> Path:
    candidate, number = base / stem, 1
    while candidate.exists():
        number += 1
        candidate = base / f"{stem}-{number}"
    return candidate


# ---------------------------------------------------------------- the quarterly review

def quarter_label(day) -> str:
    """The snapshot label of the quarter ``day`` falls in.

    >>> import datetime as dt
    >>> quarter_label(dt.date(2026, 11, 20))
    '2026-Q4'
    """
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def review_labels(ws: "Workspace", baseline: str | None = None, new_label: str | None = None) -> tuple[str, str]:
    """(snapshot to compare with, label of the snapshot this review takes).

    Defaults: this quarter's label (:func:`quarter_label` of today) and the latest snapshot other than
    it, so re-running a review session compares against the same earlier quarter.
    """
    from rmfkit.errors import UsageError
    from rmfkit.review import snapshots
    from rmfkit.clock import today

    new_label = new_label or quarter_label(today())
    if baseline:
        return baseline, new_label
    earlier = [s.label for s in snapshots(ws) if s.label != new_label]
    if not earlier:
        raise UsageError("no earlier snapshot to compare with",
                         hint="take a first one with `rmfkit review snapshot --label LABEL` and review next quarter")
    return earlier[-1], new_label


def review_snapshot(ws: "Workspace", label: str, *, sign_key: Path | str | None = None) -> dict[str, Any]:
    """Take snapshot ``label`` of the review, or report the one already taken (re-running the cell is safe).

    Returns ``label``, ``folder``, ``manifest_sha256``, ``previous``, ``signed`` and ``taken_now``.
    """
    from rmfkit.review import snapshots, take_snapshot

    existing = next((s for s in snapshots(ws) if s.label == label), None)
    if existing is not None:
        folder = ws.path(f"reviews/{label}")
        return {**existing.as_dict(), "folder": str(folder), "signed": (folder / "manifest.json.sig").is_file(),
                "taken_now": False}
    taken = take_snapshot(ws, label, sign_key=Path(sign_key) if sign_key else None)
    return {**taken.as_dict(), "taken_now": True}


def review_packet_dir(ws: "Workspace", from_label: str, to_label: str) -> Path:
    """A new folder for a review packet: ``build/review-packets/<from>_to_<to>``, then ``-2``, ``-3``…"""
    return _new_folder(ws.path("build/review-packets"), f"{from_label}_to_{to_label}")


# ---------------------------------------------------------------- running notebooks

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

    Errors in a cell raise ``nbclient.exceptions.CellExecutionError`` with the cell's traceback.
    """
    import nbformat
    from nbclient import NotebookClient

    path = Path(path)
    notebook = nbformat.read(path, as_version=4)
    if parameters:
        inject_parameters(notebook, parameters)
    client = NotebookClient(notebook, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    client.execute(env={**os.environ, **(env or {})})
    return notebook


# ---------------------------------------------------------------- the session record

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
    """One executed notebook as a self-contained HTML page (no scripts fetched from the network)."""
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(template_name="lab", exclude_input_prompt=True, exclude_output_prompt=True,
                            mathjax_url="", require_js_url="", widget_renderer_url="", jquery_url="")
    resources = {"metadata": {"name": title}} if title else {}
    body, _ = exporter.from_notebook_node(_static_copy(notebook), resources=resources)
    return body.encode("utf-8")


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
    from rmfkit.safeparse import parse_json
    from rmfkit.fileio import read_user_file

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
    folder = Path(folder or ".")
    chosen = []
    for path in sorted(folder.glob("*.ipynb")):
        if before and path.stem >= before:
            continue
        notebook = read_notebook(path)
        if any(cell.get("outputs") for cell in notebook.cells):
            chosen.append(path)
    return chosen


def render_session_record(paths: Iterable[Path | str]) -> dict[str, bytes]:
    """Executed notebooks -> ``{"session-record/<name>.html": bytes}`` for the packet bundle.

    ``paths`` are ``.ipynb`` files or folders of them (:func:`session_notebooks`); notebooks without
    outputs are rendered too. The packet writer stores these files and lists their SHA-256 in the
    manifest. A file that is not a notebook, or two notebooks with the same name, is refused
    before anything is rendered.
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
