"""HTML rendering: one Jinja2 environment (sandboxed, autoescaped, strict) over a chain of template folders.

The workspace's own ``templates/`` folder comes first, so a team can override any template, partial
or stylesheet (branding); the built-in ``rmfkit/templates/`` folder supplies the rest. Overrides
arrive with a workspace, so they render in Jinja2's sandbox (no access to Python internals), and a
broken override is reported as the user's file with its line (exit 2), not as a crash.

>>> env = environment(None)
>>> env.from_string("{{ x }}").render(x="<b>")
'&lt;b&gt;'
"""
from __future__ import annotations

import base64
import contextlib
import mimetypes
import os
import signal
import threading
from pathlib import Path
from typing import Any, Iterator

from markupsafe import Markup

from rmfkit.paths import templates_dir
from rmfkit.text import printable

OVERRIDE_FOLDER = "templates"
PACKET_TEMPLATE = "packet.html.j2"
MAX_VALUE = 10_000_000  # characters or items one template expression may build
DEFAULT_RENDER_SECONDS = 30.0
MAX_RENDERED_CHARS = 100_000_000  # far above any packet (the example is about 1 MB of HTML)
IMAGE_TYPES = {".png": "image/png", ".svg": "image/svg+xml", ".jpg": "image/jpeg", ".jpeg": "image/jpeg"}


def template_folders(workspace_root: Path | None) -> list[Path]:
    """Where templates are looked up, first match wins: workspace override, then built-in."""
    folders = []
    if workspace_root is not None and (workspace_root / OVERRIDE_FOLDER).is_dir():
        folders.append(workspace_root / OVERRIDE_FOLDER)
    folders.append(templates_dir())
    return folders


def _printable_text(value: Any) -> Any:
    """Every value a template prints, control characters as escapes (as the PDF shows them; see
    :func:`rmfkit.text.printable`). Markup (the charts' SVG) is ours and passes as it is."""
    return printable(value) if type(value) is str else value


def environment(workspace_root: Path | None):
    """The Jinja2 environment: sandboxed, ``autoescape=True``, ``StrictUndefined``, override -> built-in loaders."""
    from jinja2 import ChoiceLoader, FileSystemLoader, StrictUndefined
    from jinja2.sandbox import SandboxedEnvironment, SecurityError

    class InsideFolderLoader(FileSystemLoader):
        """A template must really lie in its folder: a symbolic link out of it (to a key file) is refused."""

        def get_source(self, environment, template):
            source, filename, uptodate = super().get_source(environment, template)
            folder = Path(self.searchpath[0]).resolve()
            if folder not in Path(filename).resolve().parents:
                raise SecurityError(f"{template} is a link to a file outside the {folder.name}/ folder")
            return source, filename, uptodate

    class BoundedEnvironment(SandboxedEnvironment):
        """The sandbox, plus no operator may build a value larger than :data:`MAX_VALUE` (``'a' * 3e9``)."""

        intercepted_binops = frozenset({"*", "**", "+"})

        def call_binop(self, context, operator, left, right):
            if operator == "**" and isinstance(right, (int, float)) and (abs(right) > 64 or (
                    isinstance(left, int) and abs(left).bit_length() * abs(right) > MAX_VALUE)):
                raise SecurityError(f"the power {left!r:.20} ** {right} is larger than templates may compute")
            if operator == "*":
                for seq, times in ((left, right), (right, left)):
                    if isinstance(seq, (str, list, tuple)) and isinstance(times, int) \
                            and len(seq) * times > MAX_VALUE:
                        raise SecurityError(f"a value of {len(seq) * times:,} items is larger than templates may "
                                            f"build ({MAX_VALUE:,})")
            result = super().call_binop(context, operator, left, right)
            if isinstance(result, (str, list, tuple)) and len(result) > MAX_VALUE:
                raise SecurityError(f"a value of {len(result):,} items is larger than templates may build")
            return result

    loaders = [InsideFolderLoader(str(folder)) for folder in template_folders(workspace_root)]
    env = BoundedEnvironment(loader=ChoiceLoader(loaders), autoescape=True, undefined=StrictUndefined,
                             trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
                             finalize=_printable_text)
    env.filters["label"] = lambda value: str(value).replace("_", " ")
    env.filters["dash"] = lambda value: "—" if value in (None, "", []) else value
    return env


def data_uri(payload: bytes, media_type: str) -> str:
    """Inline bytes as a ``data:`` URI so packet.html is complete on its own.

    >>> data_uri(b"<svg/>", "image/svg+xml")
    'data:image/svg+xml;base64,PHN2Zy8+'
    """
    return f"data:{media_type};base64,{base64.b64encode(payload).decode('ascii')}"


def image_uri(name: str, payload: bytes) -> str:
    """A workspace image (the branding logo) as a data URI; only known image types.

    >>> image_uri("logo.png", b"x")[:22]
    'data:image/png;base64,'
    """
    media_type = IMAGE_TYPES.get(Path(name).suffix.lower()) or mimetypes.guess_type(name)[0]
    if media_type not in IMAGE_TYPES.values():
        from rmfkit.errors import InputFileError

        raise InputFileError("branding logo must be a PNG, JPEG or SVG image", file=name, field="branding.logo")
    return data_uri(payload, media_type)


def inline_svg(picture: bytes) -> Markup:
    """An SVG chart of :mod:`rmfkit.render.svg` as markup to place in the page, its labels real text.

    Only for those drawings: they escape every text they hold, so the markup is safe to insert as is.

    >>> str(inline_svg(b'<?xml version="1.0" encoding="UTF-8"?>\\n<svg/>\\n'))
    '<svg/>'
    """
    text = picture.decode("utf-8")
    if text.startswith("<?xml"):
        text = text.split("?>", 1)[1]
    return Markup(text.strip())


def render_packet_html(view: dict[str, Any], *, workspace_root: Path | None, images: dict[str, str] | None = None,
                       charts: dict[str, Markup] | None = None) -> str:
    """The packet as one self-contained HTML document (styles, images and charts inline, no JavaScript).

    ``images`` maps names (``logo``, and the charts for a workspace's template overrides written for images)
    to data URIs; ``charts`` maps chart names to :func:`inline_svg` markup, which the built-in templates use.
    """
    return render_template(workspace_root, PACKET_TEMPLATE, view=view, images=images or {}, charts=charts or {})


def _bounded(chunks: Iterator[str]) -> str:
    """The rendered text, refused once it grows past :data:`MAX_RENDERED_CHARS` (a loop without bound stops
    early, before it fills the memory)."""
    parts, size = [], 0
    for chunk in chunks:
        size += len(chunk)
        if size > MAX_RENDERED_CHARS:
            raise RenderTimeout(f"the document grew past {MAX_RENDERED_CHARS:,} characters")
        parts.append(chunk)
    return "".join(parts)


def render_template(workspace_root: Path | None, name: str, **context: Any) -> str:
    """Render template ``name``; an error inside a workspace override raises :class:`InputFileError` naming it.

    >>> import tempfile
    >>> root = Path(tempfile.mkdtemp()); (root / "templates").mkdir()
    >>> _ = (root / "templates" / "x.html.j2").write_text("ok\\n{{ 1 / 0 }}")
    >>> render_template(root, "x.html.j2")
    Traceback (most recent call last):
    rmfkit.errors.InputFileError: templates/x.html.j2 line 2: template error: division by zero (fix the workspace's template override, or remove it to use the built-in one)
    """
    from jinja2 import TemplateError, TemplateNotFound

    try:
        with time_limit(render_seconds()):
            return _bounded(environment(workspace_root).get_template(name).generate(**context))
    except (TemplateError, UnicodeDecodeError, RecursionError, ArithmeticError, LookupError, TypeError,
            ValueError, MemoryError, RenderTimeout) as exc:
        override = workspace_root / OVERRIDE_FOLDER if workspace_root is not None else None
        if override is None or not override.is_dir():
            raise  # the built-in templates are ours: a failure there is a bug, not the user's file
        from rmfkit.errors import InputFileError

        file, line = _override_location(exc, override)
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        if isinstance(exc, RecursionError):
            message = "templates include or call each other without end"
        elif isinstance(exc, (RenderTimeout, MemoryError)):
            message = f"rendering stopped: {exc or 'out of memory'} (a loop or value without bound?)"
        elif isinstance(exc, TemplateNotFound):
            message = f"no template named {exc.name!r} in {OVERRIDE_FOLDER}/ or the built-in templates"
        if file is None and (override / name).is_file():
            file = f"{OVERRIDE_FOLDER}/{name}"  # stopped between template frames (time or size limit)
        raise InputFileError(f"template error: {message[:200]}", file=file or f"{OVERRIDE_FOLDER}/", line=line,
                             hint="fix the workspace's template override, or remove it to use the built-in one"
                             ) from None


class RenderTimeout(Exception):
    """Rendering ran past its time or size limit."""


def render_seconds() -> float:
    """Time a template may take: ``RMFKIT_RENDER_SECONDS`` (default 30).

    >>> render_seconds() > 0
    True
    """
    try:
        return max(0.1, float(os.environ.get("RMFKIT_RENDER_SECONDS", DEFAULT_RENDER_SECONDS)))
    except ValueError:
        return DEFAULT_RENDER_SECONDS


@contextlib.contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise :class:`RenderTimeout` in the block after ``seconds`` (main thread only: a signal timer;
    elsewhere the sandbox's size limits still hold)."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        yield
        return

    def expired(signum, frame):
        raise RenderTimeout(f"took longer than {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _override_location(exc: BaseException, override: Path) -> tuple[str | None, int | None]:
    """(``templates/...`` path, line) of the override template the error happened in, when known."""
    folder = override.resolve()

    def relative(filename: object) -> str | None:
        if not isinstance(filename, str) or not filename:
            return None
        path = Path(filename).resolve()
        return f"{OVERRIDE_FOLDER}/{path.relative_to(folder).as_posix()}" if folder in path.parents else None

    file = relative(getattr(exc, "filename", None))
    line = getattr(exc, "lineno", None) if file else None
    tb = exc.__traceback__
    while tb is not None:  # Jinja2 gives template frames their .j2 file name and line
        frame = tb.tb_frame
        if relative(frame.f_code.co_filename):
            file, line = relative(frame.f_code.co_filename), tb.tb_lineno
        elif relative(frame.f_locals.get("filename")):  # a loader reading the file (bad encoding)
            file, line = relative(frame.f_locals.get("filename")), None
        tb = tb.tb_next
    return file, line
