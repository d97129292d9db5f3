"""Any other file (PDF, Markdown, CSV, images...): stored byte-exact, metadata from the command line.

Facts hold only what can be seen safely without a parser: the media type from the first bytes.

>>> media_type(b"%PDF-1.7 ...")
'application/pdf'
>>> parse(b"# Notes\\n", "notes.md").facts
{'media_type': 'text/markdown'}
"""
from __future__ import annotations

from pathlib import PurePath
from typing import Any

from rmfkit.library.importers import Parsed

KIND = "generic"
INPUT = "bytes"
MAGIC = [(b"%PDF-", "application/pdf"), (b"\x89PNG\r\n\x1a\n", "image/png"), (b"\xff\xd8\xff", "image/jpeg"),
         (b"PK\x03\x04", "application/zip"), (b"\x1f\x8b", "application/gzip")]


def media_type(head: bytes) -> str:
    """Media type from the first bytes; text is told apart from binary by decoding."""
    for magic, kind in MAGIC:
        if head.startswith(magic):
            return kind
    try:
        sample = head[:65536].decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head[:65536]) - 4:
            return "application/octet-stream"
        sample = head[: exc.start].decode("utf-8")
    if "\x00" in sample:
        return "application/octet-stream"
    stripped = sample.lstrip("\ufeff \r\n\t")
    if stripped.startswith(("#", "---")):
        return "text/markdown"
    if stripped[:1] in ("{", "["):
        return "application/json"
    return "text/plain"


def matches(doc: Any) -> bool:
    return True


def parse(doc: Any, name: str) -> Parsed:
    return Parsed(kind=KIND, title=PurePath(name).name or "document", facts={"media_type": media_type(bytes(doc[:65536]))})
