"""PDFs typeset with Typst: a template from ``templates/`` plus a view dict handed in as JSON data.

Each call builds a fresh temporary *render root* (never the workspace) holding every ``*.typ``
template (packaged ones first, then a workspace's ``templates/`` overriding them by file name, so a
workspace can replace just ``cover.typ``), the view as ``view.json``, the images under ``images/``, the
attachments under ``attachments/`` and ``render.json`` saying which images and attachments are there.
Typst compiles with that folder as its root, so a template can read nothing outside it, and user text
reaches the page only as JSON strings (printed literally, never evaluated as markup).

The output is PDF/A-3b and PDF/UA-1 (title, tagged headings and tables); attachments are embedded
with ``pdf.attach``. Only the fonts inside the typst wheel are used (system fonts ignored) and the
creation date is the view's ``generated_at``, so the same view gives the same bytes on any machine.

Packaging: the top-level ``templates/`` folder is installed as ``rmfkit/_templates`` (pyproject's
``package-dir`` maps the package ``rmfkit._templates`` to that folder); in a source checkout or an
editable install :func:`packaged_templates_dir` finds the folder itself.

>>> view = {"cover": {"generated_at": "2026-12-07T08:00:00Z"}}
>>> render_timestamp(view)
datetime.datetime(2026, 12, 7, 8, 0, tzinfo=datetime.timezone.utc)
>>> render_pdf("packet.typ", packet_view, images={"coverage": png}, attachments={"bundle.json": data},
...            template_dirs=[workspace_root / "templates"])[:5]  # doctest: +SKIP
b'%PDF-'
"""
from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from rmfkit.errors import InputFileError, UsageError
from rmfkit.text import printable

TEMPLATE_SUFFIX = ".typ"
PDF_STANDARDS = ["a-3b", "ua-1"]
VIEW_FILE = "view.json"
RENDER_FILE = "render.json"
_PLAIN_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")
_PACKAGE_IMPORT = re.compile(r"""["']@[a-z0-9-]+/""")
_LOCATION = re.compile(r"┌─ (?P<path>[^\n]*?):(?P<line>\d+):\d+")


def packaged_templates_dir() -> Path:
    """The templates shipped with rmfkit: ``rmfkit/_templates`` in a wheel, ``templates/`` in a checkout."""
    package = Path(__file__).resolve().parent.parent
    for candidate in (package / "_templates", package.parent / "templates"):
        if (candidate / "packet.typ").is_file():
            return candidate
    raise FileNotFoundError(f"rmfkit's Typst templates are missing (looked in {package / '_templates'} "
                            f"and {package.parent / 'templates'})")


def template_sources(template_dirs: list[Path]) -> dict[str, Path]:
    """Template file name -> the file used: the first of ``template_dirs`` that has it, else the packaged one.

    Only regular ``*.typ`` files count (a symlink is ignored, so an override cannot pull in a file from
    elsewhere); missing folders are skipped.
    """
    sources = {p.name: p for p in sorted(packaged_templates_dir().glob("*" + TEMPLATE_SUFFIX))}
    for folder in reversed([Path(d) for d in template_dirs]):
        if folder.is_dir():
            sources.update({p.name: p for p in sorted(folder.glob("*" + TEMPLATE_SUFFIX))
                            if p.is_file() and not p.is_symlink()})
    return sources


def render_timestamp(view: dict[str, Any]) -> dt.datetime:
    """The PDF's creation date: the view's ``generated_at`` (top level, or on its cover), in UTC."""
    stamp = view.get("generated_at") or (view.get("cover") or {}).get("generated_at")
    if not stamp:
        raise ValueError("the view has no generated_at (needed as the PDF's creation date)")
    when = stamp if isinstance(stamp, dt.datetime) else dt.datetime.fromisoformat(str(stamp).replace("Z", "+00:00"))
    return when.astimezone(dt.timezone.utc) if when.tzinfo else when.replace(tzinfo=dt.timezone.utc)


def render_pdf(template: str, view: dict[str, Any], *, images: dict[str, bytes], attachments: dict[str, bytes],
               template_dirs: list[Path]) -> bytes:
    """PDF bytes of ``template`` (``packet.typ``, ``review.typ``, ``portfolio.typ``) filled with ``view``.

    ``images`` maps names the template knows (``coverage``, ``metrics``, ``heat_map``, ``logo`` …) to PNG,
    JPEG or SVG bytes; ``attachments`` maps file names to bytes embedded in the PDF; ``template_dirs``
    are folders whose ``*.typ`` files override the packaged ones by name (first folder wins).
    A broken override raises :class:`InputFileError` naming the file and line.
    """
    from pydantic_core import to_jsonable_python

    if not template.endswith(TEMPLATE_SUFFIX) or not _PLAIN_NAME.fullmatch(template):
        raise UsageError(f"template {template!r} is not a Typst template file name", hint="e.g. packet.typ")
    sources = template_sources(template_dirs)
    if template not in sources:
        raise UsageError(f"no template named {template}", hint="available: " + ", ".join(sorted(sources)))
    overrides = {name: path for name, path in sources.items() if path.parent != packaged_templates_dir()}
    _refuse_packages(overrides)
    timestamp = render_timestamp(view)
    with tempfile.TemporaryDirectory(prefix="rmfkit-render-") as folder:
        root = Path(folder)
        for name, path in sources.items():
            shutil.copyfile(path, root / name)
        placed = {"images": _place(root / "images", images, kind="image"),
                  "attachments": sorted(_place(root / "attachments", attachments, kind="attachment"))}
        data = printable(to_jsonable_python(view))  # no font shows a control character: its escape instead
        (root / VIEW_FILE).write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        (root / RENDER_FILE).write_text(json.dumps(placed), encoding="utf-8")
        return _compile(root, template, timestamp, sources, overrides)


# A compiler in its own short-lived process: with a time limit (a runaway override stops with one line), and
# safe in a process forked from one whose Typst threads held a lock (compiling there in-process can deadlock).
_COMPILER = """
import datetime, json, sys, typst
job = json.loads(sys.stdin.read())
try:
    pdf = typst.compile(job["input"], root=job["root"], font_paths=[], ignore_system_fonts=True,
                        pdf_standards=job["standards"], timestamp=datetime.datetime.fromisoformat(job["timestamp"]))
except typst.TypstError as error:
    json.dump({"message": str(getattr(error, "message", "") or error), "diagnostic": getattr(error, "diagnostic", "")
               or ""}, sys.stderr)
    sys.exit(3)
sys.stdout.buffer.write(pdf)
"""


class CompileError(Exception):
    """A Typst error reported by the compiler process (``message`` and ``diagnostic`` as Typst gives them)."""

    def __init__(self, message: str, diagnostic: str):
        super().__init__(message)
        self.message, self.diagnostic = message, diagnostic


def render_seconds() -> float:
    """How long one compile may take (``RMFKIT_RENDER_SECONDS``, 30 s by default)."""
    try:
        return max(1.0, float(os.environ.get("RMFKIT_RENDER_SECONDS", "30")))
    except ValueError:
        return 30.0


# The process that first compiled in-process: Typst's threads live there, so a fork of it compiles apart.
_COMPILED_IN: list[int] = []


def _compile(root: Path, template: str, timestamp: dt.datetime, sources: dict[str, Path],
             overrides: dict[str, Path]) -> bytes:
    """PDF bytes from the render root; a Typst error is one line naming the template (:func:`_explain`).

    The packaged templates compile in this process (fast); a workspace override compiles in a process of its
    own with a time limit, and so does every compile in a process forked after Typst ran here.
    """
    if not overrides and _COMPILED_IN in ([], [os.getpid()]):
        import typst

        _COMPILED_IN[:] = [os.getpid()]
        try:
            return typst.compile(str(root / template), root=str(root), font_paths=[], ignore_system_fonts=True,
                                 pdf_standards=PDF_STANDARDS, timestamp=timestamp)
        except typst.TypstError as error:
            raise _explain(error, template, sources, overrides) from None
    job = json.dumps({"input": str(root / template), "root": str(root), "standards": PDF_STANDARDS,
                      "timestamp": timestamp.isoformat()})
    try:
        done = subprocess.run([sys.executable, "-c", _COMPILER], input=job.encode("utf-8"), capture_output=True,
                              timeout=render_seconds(), cwd=root)
    except subprocess.TimeoutExpired:
        raise UsageError(f"typesetting {template} took longer than {render_seconds():.0f} s and was stopped",
                         hint="check the workspace's templates/ overrides for a runaway loop "
                              "(RMFKIT_RENDER_SECONDS sets the limit)") from None
    if done.returncode == 3:
        reported = json.loads(done.stderr.decode("utf-8", "replace"))
        raise _explain(CompileError(reported["message"], reported["diagnostic"]), template, sources, overrides)
    if done.returncode != 0:
        raise RuntimeError(f"the Typst compiler stopped: {done.stderr.decode('utf-8', 'replace').strip()[-500:]}")
    return done.stdout


def _place(folder: Path, files: dict[str, bytes], *, kind: str) -> dict[str, str]:
    """Write ``files`` into ``folder`` of the render root; name -> path as the template opens it."""
    folder.mkdir()
    placed = {}
    for name, payload in sorted(files.items()):
        if not _PLAIN_NAME.fullmatch(name):
            raise UsageError(f"{kind} name {name!r} is not a plain file name")
        file_name = f"{name}.{_image_suffix(name, payload)}" if kind == "image" else name
        (folder / file_name).write_bytes(payload)
        placed[name] = f"/{folder.name}/{file_name}"
    return placed


def _image_suffix(name: str, payload: bytes) -> str:
    """``png``, ``jpg`` or ``svg`` from the bytes themselves (a name may not say)."""
    if payload.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if payload.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if b"<svg" in payload[:4096].lower():
        return "svg"
    raise UsageError(f"image {name!r} is not a PNG, JPEG or SVG image")


def _refuse_packages(overrides: dict[str, Path]) -> None:
    """Typst would download ``@preview/…`` packages: rendering never touches the network."""
    for name, path in overrides.items():
        text = path.read_text(encoding="utf-8", errors="replace")
        for number, line in enumerate(text.splitlines(), start=1):
            if _PACKAGE_IMPORT.search(line):
                raise InputFileError("imports a Typst package; packet templates may only use the files in "
                                     "templates/", file=str(path), line=number,
                                     hint="copy what you need into a .typ file beside it")


def _explain(error: Exception, template: str, sources: dict[str, Path], overrides: dict[str, Path]) -> Exception:
    """A Typst error as one line naming the template file (and line) it comes from."""
    message = str(getattr(error, "message", "") or error).strip().splitlines()[0]
    found = _LOCATION.search(getattr(error, "diagnostic", "") or "")
    name = Path(found["path"]).name if found else template
    line = int(found["line"]) if found else None
    if name in overrides:
        return InputFileError(f"Typst template error: {message}", file=str(overrides[name]), line=line,
                              hint="fix the template, or remove it to use the packaged one")
    if overrides:
        names = ", ".join(str(p) for p in overrides.values())
        return InputFileError(f"Typst error in the packaged {name} line {line} while using the workspace "
                              f"templates {names}: {message}", file=str(next(iter(overrides.values()))),
                              hint="the override must keep the functions and arguments the packaged templates use")
    return RuntimeError(f"packaged Typst template {sources.get(name, name)} line {line} failed: {message}")
