"""Pure, defensive parsing of bytes a user hands in: UTF-8, YAML (round-trip), JSON.

Every failure is an :class:`~rmfkit.errors.InputFileError` naming the file and, where known, the line.
No I/O here: callers read the bytes (the Workspace, or an importer given a file).

>>> parse_yaml(b"a: 1\\n", "x.yaml")["a"]
1
>>> parse_yaml(b"a: &x [1]\\nb: *x\\n", "x.yaml")
Traceback (most recent call last):
rmfkit.errors.InputFileError: x.yaml line 2: YAML aliases (*name) are not allowed in rmfkit files (protection against alias bombs)
"""
from __future__ import annotations

import io
import json
import math
from typing import Any

from rmfkit.errors import InputFileError

MAX_YAML_BYTES = 8 * 1024 * 1024
MAX_NESTING = 64
CORE_TAG_PREFIX = "tag:yaml.org,2002:"
SCAN_TRIGGERS = "&*!"  # anchors, aliases, tags: only text holding one of these needs the event pre-scan
PLAIN_TAGS = frozenset(CORE_TAG_PREFIX + t for t in ("int", "float", "bool", "null", "map", "seq", "timestamp"))


def decode_utf8(data: bytes, name: str) -> str:
    """Decode strictly; a bad byte is reported with its line number. A UTF-8 BOM is accepted."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputFileError(f"not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start})",
                             file=name, line=line, hint="save the file as UTF-8") from None
    return text[1:] if text.startswith("\ufeff") else text


def round_trip_yaml():
    """The one ruamel configuration used for every workspace file (load and dump must match)."""
    from ruamel.yaml import YAML

    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096
    yaml.indent(mapping=2, sequence=4, offset=2)
    return yaml


def _reject_aliases_and_depth(yaml, text: str, name: str) -> None:
    """Refuse aliases (alias bombs), deep nesting and explicit tags other than the plain core types."""
    from ruamel.yaml.events import AliasEvent, CollectionEndEvent, CollectionStartEvent

    depth = 0
    for event in yaml.parse(io.StringIO(text)):
        if isinstance(event, AliasEvent):
            line = event.start_mark.line + 1 if event.start_mark else None
            raise InputFileError("YAML aliases (*name) are not allowed in rmfkit files "
                                 "(protection against alias bombs)", file=name, line=line)
        tag = getattr(event, "tag", None)
        if tag is not None and str(tag) not in PLAIN_TAGS:
            raise InputFileError(f"YAML tag {str(tag).replace(CORE_TAG_PREFIX, '!!')} is not allowed in rmfkit "
                                 "files; write a plain value (put text in quotes)", file=name,
                                 line=event.start_mark.line + 1 if event.start_mark else None)
        if isinstance(event, CollectionStartEvent):
            depth += 1
            if depth > MAX_NESTING:
                raise InputFileError(f"nested more than {MAX_NESTING} levels deep", file=name,
                                     line=event.start_mark.line + 1 if event.start_mark else None)
        elif isinstance(event, CollectionEndEvent):
            depth -= 1


def _reject_depth(doc: Any, name: str) -> None:
    """Nesting limit on a loaded document (without aliases it is a tree, so this walk is linear)."""
    stack = [(doc, 1)]
    while stack:
        node, depth = stack.pop()
        if not isinstance(node, (dict, list)):
            continue
        if depth > MAX_NESTING:
            lc = getattr(node, "lc", None)
            raise InputFileError(f"nested more than {MAX_NESTING} levels deep", file=name,
                                 line=lc.line + 1 if lc is not None and lc.line is not None else None)
        stack.extend((child, depth + 1) for child in (node.values() if isinstance(node, dict) else node))


def parse_yaml(data: bytes, name: str, *, expect_mapping: bool = True) -> Any:
    """Parse YAML bytes into ruamel round-trip objects (comments and key order kept)."""
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    if len(data) > MAX_YAML_BYTES:
        raise InputFileError(f"file is {len(data):,} bytes; the limit for YAML files is {MAX_YAML_BYTES:,}",
                             file=name)
    text = decode_utf8(data, name)
    yaml = round_trip_yaml()
    try:
        if any(mark in text for mark in SCAN_TRIGGERS):
            _reject_aliases_and_depth(yaml, text, name)  # before anything is built: an alias bomb never expands
        doc = yaml.load(text)
        _reject_depth(doc, name)
    except InputFileError:
        raise
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = (exc.problem or exc.context or "invalid YAML").strip()
        raise InputFileError(f"invalid YAML: {problem}", file=name,
                             line=mark.line + 1 if mark else None) from None
    except (YAMLError, ValueError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputFileError(f"invalid YAML: {first}", file=name) from None
    except RecursionError:
        raise InputFileError(f"nested more than {MAX_NESTING} levels deep", file=name) from None
    if doc is None:
        raise InputFileError("file is empty", file=name, hint="expected a mapping starting with schema_version")
    if expect_mapping and not isinstance(doc, dict):
        found = "a list" if isinstance(doc, list) else f"a single value ({str(doc)[:40]!r})"
        raise InputFileError(f"expected a mapping of keys to values at the top, found {found}", file=name)
    return doc


def _no_constant(token: str) -> float:
    """Older Inspect logs write bare NaN/Infinity; accept them as floats."""
    return {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}[token]


def parse_json(data: bytes, name: str, *, allow_nan: bool = True) -> Any:
    """Parse JSON bytes with a nesting limit; errors name file, line and column."""
    text = decode_utf8(data, name)
    depth = max_depth = 0
    in_string = escaped = False
    for ch in text:  # cheap nesting pre-scan: a nesting bomb never reaches the recursive parser
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            max_depth = max(max_depth, depth)
            if depth > 200:
                raise InputFileError("JSON nested more than 200 levels deep", file=name)
        elif ch in "]}":
            depth -= 1
    try:
        if allow_nan:
            return json.loads(text, parse_constant=_no_constant)
        return json.loads(text, parse_constant=lambda t: (_ for _ in ()).throw(ValueError(f"bare {t}")))
    except json.JSONDecodeError as exc:
        raise InputFileError(f"invalid JSON: {exc.msg} (column {exc.colno})", file=name, line=exc.lineno) from None
    except (ValueError, RecursionError) as exc:
        raise InputFileError(f"invalid JSON: {exc}", file=name) from None
