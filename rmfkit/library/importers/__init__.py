"""Importers: one module per evidence format, chosen by content (never by file name).

Each module defines ``KIND`` (an evidence kind), ``INPUT`` (``"json"``, ``"jsonl"``, ``"text"`` or
``"bytes"``), ``matches(doc) -> bool`` (is this parsed input of my format?) and
``parse(doc, name) -> Parsed`` (facts, title, dates, tool; it checks the structure itself, since
``--kind`` skips detection). ``detect`` tries them in ``IMPORTERS`` order. Every failure is an :class:`~rmfkit.errors.InputFileError`
naming the file.

>>> read_evidence(b'{"bomFormat": "CycloneDX", "specVersion": "1.6", "components": []}', "bom.json").kind
'cyclonedx'
>>> read_evidence(b"just some notes", "notes.txt").kind
'generic'
"""
from __future__ import annotations

import datetime as dt
import importlib
import json
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from rmfkit.errors import InputFileError
from rmfkit.safeparse import decode_utf8, parse_json

# Largest file an importer parses; bigger files can still be stored as ``generic`` (streamed).
MAX_PARSE_BYTES = 64 * 1024 * 1024

# Detection order: the most specific formats first; ``generic`` always matches last.
IMPORTERS = ["cyclonedx", "spdx", "promptfoo", "inspect_log", "lm_eval", "pip_licenses", "python_env",
             "license_record", "garak", "model_card", "task_eval", "generic"]


@dataclass
class Parsed:
    """What an importer understood about one file."""

    kind: str
    title: str
    facts: dict[str, Any] = field(default_factory=dict)
    collected_at: dt.date | None = None
    tool: str | None = None
    tool_version: str | None = None
    url: str | None = None
    subject: str | None = None  # model, package or component the evidence is about (for the id)


def module(name: str) -> ModuleType:
    return importlib.import_module(f"rmfkit.library.importers.{name}")


def by_kind() -> dict[str, ModuleType]:
    """Importer module per evidence kind."""
    return {module(name).KIND: module(name) for name in IMPORTERS}


def _looks_like_json(text: str) -> bool:
    return text.lstrip()[:1] in ("{", "[")


def _json_lines(text: str, name: str) -> list[Any] | None:
    """Parse JSON Lines; None when the first non-empty line is not a JSON object."""
    rows: list[Any] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            rows.append(parse_json(line.encode("utf-8"), name))
        except InputFileError as exc:
            if not rows:
                return None
            raise InputFileError(f"line {number} is not valid JSON ({exc.message})", file=name) from None
    return rows


def _inputs(data: bytes, name: str) -> dict[str, Any]:
    """The parsed forms of the bytes that detection may look at (computed once)."""
    forms: dict[str, Any] = {"bytes": data}
    try:
        text = decode_utf8(data, name)
    except InputFileError:
        return forms
    forms["text"] = text
    if _looks_like_json(text):
        try:
            forms["json"] = parse_json(data, name)
        except InputFileError as exc:
            rows = _json_lines(text, name) if "\n" in text.strip() else None
            if rows is None:
                raise InputFileError(f"looks like JSON but cannot be read: {exc.message}", file=name,
                                     line=exc.line, hint="fix the file, or store it as is with --kind generic"
                                     ) from None
            forms["jsonl"] = rows
    return forms


def detect(data: bytes, name: str) -> tuple[ModuleType, Any]:
    """The importer whose format ``data`` is, and the parsed input it reads."""
    forms = _inputs(data, name)
    for importer_name in IMPORTERS:
        importer = module(importer_name)
        doc = forms.get(importer.INPUT)
        if doc is not None and importer.matches(doc):
            return importer, doc
    raise AssertionError("the generic importer matches everything")


def _forced_input(importer: ModuleType, data: bytes, name: str) -> Any:
    if importer.INPUT == "bytes":
        return data
    text = decode_utf8(data, name)
    if importer.INPUT == "text":
        return text
    if importer.INPUT == "json":
        return parse_json(data, name)
    rows = _json_lines(text, name)
    if rows is None:
        raise InputFileError("the first line is not a JSON object; expected JSON Lines", file=name, line=1)
    return rows


def read_evidence(data: bytes, name: str, kind: str | None = None) -> Parsed:
    """Parse ``data`` (the bytes of file ``name``) with the importer of ``kind``, or the detected one."""
    if kind is None:
        importer, doc = detect(data, name)
    else:
        importers = by_kind()
        if kind not in importers:
            raise InputFileError(f"no importer for kind '{kind}'", file=name,
                                 hint="kinds: " + ", ".join(sorted(importers)))
        importer = importers[kind]
        doc = _forced_input(importer, data, name)
    try:
        return importer.parse(doc, name)
    except InputFileError:
        raise
    except (KeyError, TypeError, ValueError, AttributeError, IndexError, RecursionError) as exc:
        raise InputFileError(f"unexpected structure for a {importer.KIND} file ({type(exc).__name__}: {exc})",
                             file=name) from None


def json_dumps(data: Any) -> bytes:
    """Bytes for an artefact rmfkit generates itself (stable key order, UTF-8, trailing newline)."""
    return (json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")
