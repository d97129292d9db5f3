"""HTML rendering: one Jinja2 environment (autoescaped, strict) over a chain of template folders.

The workspace's own ``templates/`` folder comes first, so a team can override any template, partial
or stylesheet (branding); the built-in ``rmfkit/templates/`` folder supplies the rest.

>>> env = environment(None)
>>> env.from_string("{{ x }}").render(x="<b>")
'&lt;b&gt;'
"""
from __future__ import annotations

import base64
import mimetypes
from pathlib import Path
from typing import Any

from rmfkit.paths import templates_dir

OVERRIDE_FOLDER = "templates"
PACKET_TEMPLATE = "packet.html.j2"
IMAGE_TYPES = {".png": "image/png", ".svg": "image/svg+xml", ".jpg": "image/jpeg", ".jpeg": "image/jpeg"}


def template_folders(workspace_root: Path | None) -> list[Path]:
    """Where templates are looked up, first match wins: workspace override, then built-in."""
    folders = []
    if workspace_root is not None and (workspace_root / OVERRIDE_FOLDER).is_dir():
        folders.append(workspace_root / OVERRIDE_FOLDER)
    folders.append(templates_dir())
    return folders


def environment(workspace_root: Path | None):
    """The Jinja2 environment: ``autoescape=True``, ``StrictUndefined``, override -> built-in loader chain."""
    from jinja2 import ChoiceLoader, Environment, FileSystemLoader, StrictUndefined

    env = Environment(loader=ChoiceLoader([FileSystemLoader(str(f)) for f in template_folders(workspace_root)]),
                      autoescape=True, undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                      keep_trailing_newline=True)
    env.filters["label"] = lambda value: str(value).replace("_", " ")
    env.filters["dash"] = lambda value: "—" if value in (None, "", []) else value
    return env


def data_uri(payload: bytes, media_type: str) -> str:
    """Inline bytes as a ``data:`` URI so packet.html is complete on its own.

    >>> data_uri(b"<svg/>", "image/svg+xml")
    'data:image/svg+xml;base64,PHN2Zy8+'
    """
    return f"data:{media_type};base64,{base64.b64encode(payload).decode('ascii')}"


def image_uri(path: Path) -> str:
    """A workspace image (the branding logo) as a data URI; only known image types."""
    media_type = IMAGE_TYPES.get(path.suffix.lower()) or mimetypes.guess_type(path.name)[0]
    if media_type not in IMAGE_TYPES.values():
        from rmfkit.errors import InputFileError

        raise InputFileError("branding logo must be a PNG, JPEG or SVG image", file=path.name,
                             field="branding.logo")
    return data_uri(path.read_bytes(), media_type)


def render_packet_html(view: dict[str, Any], *, workspace_root: Path | None,
                       images: dict[str, str] | None = None) -> str:
    """The packet as one self-contained HTML document (styles and images inline, no JavaScript).

    ``images`` maps names (``logo``, chart names) to data URIs.
    """
    env = environment(workspace_root)
    return env.get_template(PACKET_TEMPLATE).render(view=view, images=images or {})
