"""PDF rendering with WeasyPrint from the packet HTML, behind a restrictive URL fetcher.

The fetcher serves ``data:`` URIs and ``file:`` URLs inside the allowed folders (the packaged
templates and the workspace) only: no network, no file outside those folders. Everything else is
refused and recorded in ``blocked`` (the packet renders without it).

>>> fetcher = SafeFetcher([templates_dir()])
>>> fetcher.allows("http://127.0.0.1:9/x"), fetcher.allows("file:///etc/passwd")
(False, False)
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping
from urllib.parse import unquote, urlsplit

from rmfkit.paths import templates_dir

PDF_VARIANT = "pdf/a-3b"


def _fetcher_base():
    from weasyprint.urls import URLFetcher

    return URLFetcher


class SafeFetcher:
    """Callable URL fetcher for WeasyPrint that only reads data URIs and files under ``roots``."""

    def __init__(self, roots: list[Path]):
        self.roots = [Path(r).resolve() for r in roots]
        self.blocked: list[str] = []

    def local_path(self, url: str) -> Path | None:
        """The file a ``file:`` URL names, if it lies inside an allowed folder."""
        parts = urlsplit(url)
        if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
            return None
        path = Path(unquote(parts.path)).resolve()
        if any(path == root or root in path.parents for root in self.roots) and path.is_file():
            return path
        return None

    def allows(self, url: str) -> bool:
        return url.startswith("data:") or self.local_path(url) is not None


def make_fetcher(roots: list[Path], late_images: Mapping[str, Callable[[], str]] | None = None):
    """A WeasyPrint URLFetcher subclass instance enforcing :class:`SafeFetcher`'s rule.

    ``late_images`` maps placeholder URLs to a function giving the image's ``data:`` URI: an image still
    being drawn elsewhere is waited for only when the layout reaches it.
    """
    base = _fetcher_base()
    rule = SafeFetcher(roots)
    late = dict(late_images or {})

    class Restricted(base):
        def fetch(self, url, headers=None):
            if url in late:
                url = late[url]()
            if not rule.allows(url):
                rule.blocked.append(url)
                raise ValueError(f"rmfkit packets load only packaged and workspace files; refused {url[:80]}")
            return super().fetch(url, headers)

    fetcher = Restricted(allowed_protocols={"data", "file"}, allow_redirects=False, timeout=1)
    fetcher.rule = rule
    return fetcher


@dataclass
class LaidOutPdf:
    """A document paginated by WeasyPrint, not yet written; ``blocked`` lists the URLs it refused."""

    document: Any
    variant: str | None
    blocked: list[str]


def lay_out_pdf(html: str, *, workspace_root: Path, variant: str | None = PDF_VARIANT,
                late_images: Mapping[str, Callable[[], str]] | None = None) -> LaidOutPdf:
    """Parse, style and paginate ``html`` (the costly part); :func:`write_laid_out` makes the PDF bytes."""
    import logging

    from weasyprint import HTML

    fetcher = make_fetcher([templates_dir(), workspace_root], late_images)
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    document = HTML(string=html, base_url=templates_dir().as_uri() + "/", url_fetcher=fetcher)
    return LaidOutPdf(document.render(pdf_variant=variant, uncompressed_pdf=False), variant, fetcher.rule.blocked)


def write_laid_out(laid_out: LaidOutPdf, *, html: str, attachments: dict[str, bytes], generated: dt.datetime) -> bytes:
    """The PDF bytes of a laid-out document. ``attachments`` maps file names to bytes embedded in the PDF.

    The PDF identifier is derived from ``html`` (the document as published) and the attachments, so the
    same input gives the same ID.
    """
    import hashlib

    from weasyprint import Attachment

    files = [Attachment(string=payload, name=name, url=None, base_url=None,
                        description=f"{name} (byte-identical copy of the packet file)",
                        created=generated, modified=generated, relationship="Data")
             for name, payload in sorted(attachments.items())]
    identifier = hashlib.sha256(html.encode("utf-8") + b"".join(sorted(attachments.values()))).hexdigest()[:32]
    return laid_out.document.write_pdf(attachments=files, pdf_identifier=identifier.encode("ascii"),
                                       pdf_variant=laid_out.variant, uncompressed_pdf=False)


def render_pdf(html: str, *, workspace_root: Path, attachments: dict[str, bytes], generated: dt.datetime,
               variant: str | None = PDF_VARIANT) -> tuple[bytes, list[str]]:
    """(PDF bytes, refused URLs): :func:`lay_out_pdf`, then :func:`write_laid_out`."""
    laid_out = lay_out_pdf(html, workspace_root=workspace_root, variant=variant)
    return write_laid_out(laid_out, html=html, attachments=attachments, generated=generated), list(laid_out.blocked)
