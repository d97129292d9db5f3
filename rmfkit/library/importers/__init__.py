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
from rmfkit.safeparse import decode_text, parse_json

# Largest file an importer parses; bigger files can still be stored as ``generic`` (streamed).
MAX_PARSE_BYTES = 64 * 1024 * 1024
# Largest zip entry an importer reads (Inspect ``.eval`` header and summaries), checked before reading.
MAX_ZIP_ENTRY_BYTES = 16 * 1024 * 1024

# Detection order: the most specific formats first; ``generic`` always matches last. Several modules
# may share a kind (one per variant); ``--kind`` tries each of them.
IMPORTERS = ["cyclonedx", "cyclonedx_xml", "spdx", "spdx3", "spdx_tagvalue", "promptfoo", "inspect_log",
             "inspect_eval", "modelscan", "lm_eval", "pip_licenses", "pip_inspect", "python_env", "python_metadata",
             "license_record", "garak", "garak_hitlog", "model_card", "task_eval", "license_text", "generic"]


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
    """The main importer module per evidence kind (the first of its variants)."""
    found: dict[str, ModuleType] = {}
    for name in IMPORTERS:
        found.setdefault(module(name).KIND, module(name))
    return found


def _looks_like_json(text: str) -> bool:
    return text.lstrip()[:1] in ("{", "[")


def _json_lines(text: str, name: str) -> list[Any] | None:
    """Parse JSON Lines (split on ``\\n`` only: U+2028 and U+0085 are legal inside JSON strings);
    None when the first non-empty line is not a JSON object."""
    rows: list[Any] = []
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            rows.append(parse_json(line, name))
        except InputFileError as exc:
            if not rows:
                return None
            raise InputFileError(f"line {number} is not valid JSON ({exc.message})", file=name) from None
    return rows


class Archive:
    """A zip file read safely: entry sizes are checked before any entry is read; nothing is extracted.

    >>> import io, zipfile
    >>> buffer = io.BytesIO()
    >>> with zipfile.ZipFile(buffer, "w") as z:
    ...     z.writestr("header.json", '{"version": 2}')
    >>> Archive(buffer.getvalue(), "log.eval").json("header.json")
    {'version': 2}
    """

    def __init__(self, data: bytes, name: str):
        import io
        import zipfile

        self.name = name
        self.zip = zipfile.ZipFile(io.BytesIO(data))
        self.names = set(self.zip.namelist())

    def read(self, entry: str) -> bytes:
        info = self.zip.getinfo(entry)
        if info.file_size > MAX_ZIP_ENTRY_BYTES:
            raise InputFileError(f"zip entry {entry} is {info.file_size:,} bytes; the limit is "
                                 f"{MAX_ZIP_ENTRY_BYTES:,}", file=self.name)
        with self.zip.open(info) as handle:
            data = handle.read(MAX_ZIP_ENTRY_BYTES + 1)
        if len(data) > MAX_ZIP_ENTRY_BYTES:
            raise InputFileError(f"zip entry {entry} expands beyond {MAX_ZIP_ENTRY_BYTES:,} bytes", file=self.name)
        return data

    def json(self, entry: str) -> Any:
        try:
            return parse_json(self.read(entry), f"{self.name}:{entry}")
        except Exception as exc:  # zlib, bad CRC, truncated archive: one line naming the entry
            if isinstance(exc, InputFileError):
                raise
            raise InputFileError(f"zip entry {entry} cannot be read ({type(exc).__name__})", file=self.name) from None


def _archive(data: bytes, name: str) -> Archive | None:
    if not data.startswith(b"PK\x03\x04"):
        return None
    try:
        return Archive(data, name)
    except Exception:  # not a readable zip: stored as a generic file
        return None


def _xml(text: str) -> Any:
    """The root element of XML text (defusedxml: no DTDs, no entity expansion), or None."""
    if not text.lstrip("\ufeff \r\n\t").startswith("<"):
        return None
    from defusedxml import ElementTree
    from defusedxml.common import DefusedXmlException

    try:
        return ElementTree.fromstring(text.encode("utf-8"), forbid_dtd=True)
    except (ElementTree.ParseError, DefusedXmlException, ValueError):
        return None


def _inputs(data: bytes, name: str) -> dict[str, Any]:
    """The parsed forms of the bytes that detection may look at (computed once)."""
    forms: dict[str, Any] = {"bytes": data}
    archive = _archive(data, name)
    if archive is not None:
        forms["zip"] = archive
        return forms
    try:
        text, note = decode_text(data, name)
    except InputFileError:
        return forms
    forms["text"] = text
    forms["note"] = note
    if _looks_like_json(text):
        try:
            forms["json"] = parse_json(text, name)
        except InputFileError as exc:
            rows = _json_lines(text, name) if "\n" in text.strip() else None
            if rows is None:
                raise InputFileError(f"looks like JSON but cannot be read: {exc.message}", file=name,
                                     line=exc.line, hint="fix the file, or store it as is with --kind generic"
                                     ) from None
            forms["jsonl"] = rows
        if isinstance(forms.get("json"), list):
            forms["jsonl"] = forms["json"]  # a JSON array of objects is read like JSON Lines (garak)
        elif isinstance(forms.get("json"), dict):
            forms["jsonl"] = [forms["json"]]  # JSON Lines holding a single line
    elif text.lstrip("\ufeff \r\n\t").startswith("<"):
        forms["xml"] = _xml(text)
    return forms


def detect(data: bytes, name: str) -> tuple[ModuleType, Any, str | None]:
    """The importer whose format ``data`` is, the parsed input it reads, and a note on the decoding."""
    forms = _inputs(data, name)
    for importer_name in IMPORTERS:
        importer = module(importer_name)
        doc = forms.get(importer.INPUT)
        if doc is not None and importer.matches(doc):
            return importer, doc, forms.get("note")
    raise AssertionError("the generic importer matches everything")


def _forced_input(importer: ModuleType, data: bytes, name: str) -> Any:
    if importer.INPUT == "bytes":
        return data
    if importer.INPUT == "zip":
        archive = _archive(data, name)
        if archive is None:
            raise InputFileError("not a zip archive", file=name, hint="an Inspect .eval log is a zip file")
        return archive
    text, _ = decode_text(data, name)
    if importer.INPUT == "text":
        return text
    if importer.INPUT == "xml":
        root = _xml(text)
        if root is None:
            raise InputFileError("not well-formed XML (or it declares a DTD, which rmfkit does not read)", file=name)
        return root
    if importer.INPUT == "json":
        return parse_json(text, name)
    rows = _json_lines(text, name)
    if rows is None:
        raise InputFileError("the first line is not a JSON object; expected JSON Lines", file=name, line=1)
    return rows


def _forced(kind: str, data: bytes, name: str) -> tuple[ModuleType, Any, str | None]:
    """The variant of ``kind`` whose format ``data`` is; else the one reading the input's form (XML,
    zip, JSON...), whose reader then names the problem."""
    variants = [module(n) for n in IMPORTERS if module(n).KIND == kind]
    if not variants:
        raise InputFileError(f"no importer for kind '{kind}'", file=name, hint="kinds: " + ", ".join(sorted(by_kind())))
    fallback = variants[0]
    if len(variants) > 1:
        try:
            forms = _inputs(data, name)
        except InputFileError:
            forms = {}
        for importer in variants:
            doc = forms.get(importer.INPUT)
            if doc is not None and importer.matches(doc):
                return importer, doc, forms.get("note")
        fallback = next((v for v in variants if v.INPUT in forms and v.INPUT not in ("bytes", "text")), fallback)
    try:
        note = decode_text(data, name)[1] if fallback.INPUT not in ("bytes", "zip") else None
    except InputFileError:
        note = None
    return fallback, _forced_input(fallback, data, name), note


def read_evidence(data: bytes, name: str, kind: str | None = None) -> Parsed:
    """Parse ``data`` (the bytes of file ``name``) with the importer of ``kind``, or the detected one."""
    importer, doc, note = detect(data, name) if kind is None else _forced(kind, data, name)
    try:
        parsed = importer.parse(doc, name)
    except InputFileError:
        raise
    except (KeyError, TypeError, ValueError, AttributeError, IndexError, RecursionError) as exc:
        raise InputFileError(f"unexpected structure for a {importer.KIND} file ({type(exc).__name__}: {exc})",
                             file=name) from None
    if kind is not None and parsed.kind != kind:
        raise InputFileError(f"not a {kind} file: rmfkit reads it as {parsed.title}", file=name,
                             hint="import it without --kind to store it as that")
    if note and importer.INPUT != "bytes":
        parsed.facts.setdefault("findings", []).append(note)
    return parsed


def json_dumps(data: Any) -> bytes:
    """Bytes for an artefact rmfkit generates itself (stable key order, UTF-8, trailing newline)."""
    return (json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")
