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

import functools
import io
import json
import math
import re
from typing import Any

from rmfkit.errors import InputFileError

MAX_YAML_BYTES = 8 * 1024 * 1024
MAX_NESTING = 64
CORE_TAG_PREFIX = "tag:yaml.org,2002:"
SCAN_TRIGGERS = "&*!"  # anchors, aliases, tags: only text holding one of these needs the event pre-scan
# Where an anchor, alias or tag can start a node: at the start, or after white space or a flow indicator
# ("Terms & Conditions" or "mapping/*.yaml" hold none). Text with one goes through the checked slow path.
NODE_PROPERTY = re.compile(r"(?:\A|[\s\[\{,])[&*!][^\s,\[\]\{\}]")
RESOLVED_CACHE_SIZE = 20_000
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


# Byte-order marks, longest first (the UTF-32 LE mark starts with the UTF-16 LE one).
BOMS = ((b"\xff\xfe\x00\x00", "utf-32-le"), (b"\x00\x00\xfe\xff", "utf-32-be"),
        (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"))
_NOT_TEXT = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")


def decode_text(data: bytes, name: str) -> tuple[str, str | None]:
    """Text of an evidence file and a note on how it was read: UTF-8 (BOM or not), UTF-16/32 with a
    byte-order mark, else Latin-1 when the bytes read as plain text. Anything else is refused as not UTF-8.

    >>> decode_text("é".encode("utf-16"), "a.json")
    ('é', 'read as UTF-16 (byte-order mark)')
    >>> decode_text(b"caf\\xe9", "notes.txt")
    ('café', 'not valid UTF-8; read as Latin-1 (ISO-8859-1): check accented letters')
    """
    for bom, encoding in BOMS:
        if data.startswith(bom):
            try:
                text = data[len(bom):].decode(encoding)
            except UnicodeDecodeError:
                break
            if _NOT_TEXT.search(text[:65536]):
                break
            return text, f"read as {encoding[:6].upper()} (byte-order mark)"
    try:
        return decode_utf8(data, name), None
    except InputFileError as exc:
        head = data[:4096]
        if data.startswith(tuple(b for b, _ in BOMS)) or _NOT_TEXT.search(head.decode("latin-1")):
            raise InputFileError(exc.message, file=name, line=exc.line,
                                 hint="save the file as UTF-8 (UTF-16 and UTF-32 with a byte-order mark are read too)"
                                 ) from None
        return data.decode("latin-1"), "not valid UTF-8; read as Latin-1 (ISO-8859-1): check accented letters"


def round_trip_yaml():
    """The one ruamel configuration used for every workspace file (load and dump must match)."""
    from ruamel.yaml import YAML

    yaml = YAML(typ="rt")
    yaml.Constructor = _date_tolerant_constructor()
    yaml.preserve_quotes = True
    yaml.width = 4096
    yaml.indent(mapping=2, sequence=4, offset=2)
    # Never write anchors/aliases (the same date object in two fields would become one): the reader refuses them.
    yaml.representer.ignore_aliases = lambda data: True
    return yaml


@functools.lru_cache(maxsize=None)
def _date_tolerant_constructor():
    """ruamel's round-trip constructor, except that an impossible date (``2026-02-30``) stays the text written.

    The schema then reports it on its field and line, instead of the whole file failing to parse.
    """
    from ruamel.yaml.constructor import RoundTripConstructor

    class DateTolerantConstructor(RoundTripConstructor):
        def construct_impossible_date_as_text(self, node, values=None):
            try:
                return self.construct_yaml_timestamp(node, values)
            except ValueError:
                return self.construct_scalar(node)

    DateTolerantConstructor.add_constructor(CORE_TAG_PREFIX + "timestamp",
                                            DateTolerantConstructor.construct_impossible_date_as_text)
    return DateTolerantConstructor


def duplicate_key_message(key: str) -> str:
    """The one wording of a key written twice in one mapping (both YAML readers use it).

    >>> duplicate_key_message("status")
    'duplicate key "status": a key may appear only once in a mapping; keep one of them'
    """
    shown = f'"{key}"' if key[:1] not in "([{" else "(a list or mapping used as a key)"
    return f"duplicate key {shown}: a key may appear only once in a mapping; keep one of them"


def _in_words(problem: str) -> str:
    """A YAML reader's complaint as rmfkit says it (ruamel shows both values of a repeated key as Python)."""
    repeated = re.match(r'found duplicate key "(.*?)" with value "', problem)
    if repeated:
        return duplicate_key_message(repeated[1])
    return problem if problem.startswith("duplicate key") else f"invalid YAML: {problem}"


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
        raise InputFileError(_in_words(problem), file=name, line=mark.line + 1 if mark else None) from None
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


def _core_schema_loader():
    """A PyYAML safe loader (libyaml when available) resolving plain scalars by the YAML 1.2 core schema,
    as ruamel does: ``yes``/``no``/``on``/``off`` stay text, ``0777`` is decimal, no sexagesimal numbers."""
    import yaml

    base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    class CoreSchemaLoader(base):
        yaml_implicit_resolvers: dict = {}
        resolved: dict = {}  # (node kind, text, implicit) -> tag: the same short texts recur in every file

        def resolve(self, kind, value, implicit):
            key = (kind, value, implicit)
            tag = self.resolved.get(key)
            if tag is None:
                tag = super().resolve(kind, value, implicit)
                if len(self.resolved) < RESOLVED_CACHE_SIZE and (value is None or len(value) <= 40):
                    self.resolved[key] = tag
            return tag

        def descend_resolver(self, current_node, current_index):
            """No path resolvers are registered: nothing to track."""

        def ascend_resolver(self):
            """No path resolvers are registered: nothing to track."""

        def construct_mapping(self, node, deep=False):
            seen = set()
            for key_node, _ in node.value:  # plain keys compared as written: cheap, and what a reader sees
                if isinstance(key_node, yaml.ScalarNode):
                    if key_node.value in seen:
                        raise yaml.constructor.ConstructorError(None, None, duplicate_key_message(key_node.value),
                                                                key_node.start_mark)
                    seen.add(key_node.value)
            return super().construct_mapping(node, deep)

    def add(tag: str, pattern: str, first: str) -> None:
        CoreSchemaLoader.add_implicit_resolver(tag, re.compile(pattern, re.X), list(first))

    add("tag:yaml.org,2002:bool", r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF")
    add("tag:yaml.org,2002:null", r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""])
    add("tag:yaml.org,2002:int", r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$", "-+0123456789")
    add("tag:yaml.org,2002:float", r"""^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?
                                       |[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$""", "-+0123456789.")
    for tag, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items():
        for key_tag, regexp in resolvers:
            if key_tag == "tag:yaml.org,2002:timestamp":
                CoreSchemaLoader.add_implicit_resolver(key_tag, regexp, [tag])

    def construct_int(loader, node):
        text = loader.construct_scalar(node)
        sign = -1 if text.startswith("-") else 1
        digits = text.lstrip("+-")
        if digits.startswith("0o"):
            return int(digits[2:], 8)
        if digits.startswith("0x"):
            return int(digits[2:], 16)
        return sign * int(digits, 10)

    CoreSchemaLoader.add_constructor("tag:yaml.org,2002:int", construct_int)
    return CoreSchemaLoader


class _NotPlain(Exception):
    """The fast builder met something it leaves to PyYAML's own constructor (which raises the same error)."""


def _plain_builder(loader_class):
    """``build(node) -> (document, depth)`` for a composed node tree holding only plain core-schema values.

    The same result as ``loader.construct_document(node)`` (PyYAML's generic constructor, about three times
    slower); raises :class:`_NotPlain` on a repeated or non-scalar key or any other tag, so the caller
    falls back to PyYAML, which gives exactly its own result or error.
    """
    import yaml

    safe = yaml.constructor.SafeConstructor
    scalars = {"tag:yaml.org,2002:null": lambda loader, node: None,
               "tag:yaml.org,2002:bool": lambda loader, node: safe.bool_values[node.value.lower()],
               "tag:yaml.org,2002:int": loader_class.yaml_constructors["tag:yaml.org,2002:int"],
               "tag:yaml.org,2002:float": safe.construct_yaml_float,
               "tag:yaml.org,2002:timestamp": safe.construct_yaml_timestamp}
    text_tag, map_tag, seq_tag = ("tag:yaml.org,2002:str", "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq")
    scalar_node, mapping_node, sequence_node = yaml.ScalarNode, yaml.MappingNode, yaml.SequenceNode

    def build(loader, node, depth: int) -> tuple[Any, int]:
        tag = node.tag
        if type(node) is scalar_node:
            if tag == text_tag:
                return node.value, depth
            construct = scalars.get(tag)
            if construct is None:
                raise _NotPlain(tag)
            return construct(loader, node), depth
        deepest = depth
        if type(node) is mapping_node and tag == map_tag:
            mapping: dict = {}
            written: set[str] = set()
            for key_node, value_node in node.value:
                if type(key_node) is not scalar_node or key_node.value in written:
                    raise _NotPlain("key")
                written.add(key_node.value)
                key, _ = build(loader, key_node, depth + 1)
                if key in mapping:  # 1 and 01, or 1 and true: PyYAML keeps the last one
                    raise _NotPlain("key")
                mapping[key], below = build(loader, value_node, depth + 1)
                deepest = max(deepest, below)
            return mapping, deepest
        if type(node) is sequence_node and tag == seq_tag:
            items = []
            for item_node in node.value:
                item, below = build(loader, item_node, depth + 1)
                items.append(item)
                deepest = max(deepest, below)
            return items, deepest
        raise _NotPlain(tag)

    return build


_CORE_LOADER = None
_BUILD_PLAIN = None


def parse_yaml_plain(data: bytes, name: str) -> Any:
    """Parse YAML bytes into plain dicts and lists, fast, for read-only use (no comments, no line numbers
    on the result). Same limits, schema and refusals as :func:`parse_yaml`; text holding an anchor, alias
    or tag goes through :func:`parse_yaml` itself.

    >>> parse_yaml_plain(b"id: 'MEASURE 2.10'\\nanswer: yes\\nn: 0777\\nv: 2.10\\n", "x.yaml")
    {'id': 'MEASURE 2.10', 'answer': 'yes', 'n': 777, 'v': 2.1}
    """
    global _CORE_LOADER, _BUILD_PLAIN
    import yaml

    if len(data) > MAX_YAML_BYTES:
        raise InputFileError(f"file is {len(data):,} bytes; the limit for YAML files is {MAX_YAML_BYTES:,}",
                             file=name)
    text = decode_utf8(data, name)
    if NODE_PROPERTY.search(text):
        return parse_yaml(data, name)
    if _CORE_LOADER is None:
        _CORE_LOADER = _core_schema_loader()
        _BUILD_PLAIN = _plain_builder(_CORE_LOADER)
    try:
        doc = _load_plain(text, name)
    except InputFileError:
        raise
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = (exc.problem or exc.context or "invalid YAML").strip()
        raise InputFileError(_in_words(problem), file=name, line=mark.line + 1 if mark else None) from None
    except ValueError:  # an impossible date: the round-trip parser keeps it as text for the schema to locate
        return parse_yaml(data, name)
    except yaml.YAMLError as exc:
        raise InputFileError(f"invalid YAML: {str(exc).strip().splitlines()[0] if str(exc).strip() else exc!r}",
                             file=name) from None
    except RecursionError:
        raise InputFileError(f"nested more than {MAX_NESTING} levels deep", file=name) from None
    if doc is None:
        raise InputFileError("file is empty", file=name, hint="expected a mapping starting with schema_version")
    if not isinstance(doc, dict):
        found = "a list" if isinstance(doc, list) else f"a single value ({str(doc)[:40]!r})"
        raise InputFileError(f"expected a mapping of keys to values at the top, found {found}", file=name)
    return doc


def _load_plain(text: str, name: str) -> Any:
    """Compose with libyaml, build plain values directly; anything unusual goes through PyYAML's constructor."""
    loader = _CORE_LOADER(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        try:
            doc, depth = _BUILD_PLAIN(loader, node, 1)
        except (_NotPlain, RecursionError):
            doc, depth = loader.construct_document(node), MAX_NESTING + 1
    finally:
        loader.dispose()
    if depth > MAX_NESTING:
        _reject_depth(doc, name)
    return doc


def _no_constant(token: str) -> float:
    """Older Inspect logs write bare NaN/Infinity; accept them as floats."""
    return {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}[token]


def _line_of_second(text: str, key: str) -> int | None:
    """Line of the second ``"key":`` in ``text`` (where a repeated key is written), if it can be found."""
    found = [m.start() for m in re.finditer(re.escape(json.dumps(key)) + r"\s*:", text)]
    if len(found) < 2:
        found = [m.start() for m in re.finditer(re.escape(json.dumps(key, ensure_ascii=False)) + r"\s*:", text)]
    return text.count("\n", 0, found[1]) + 1 if len(found) >= 2 else None


class _DuplicateKey(ValueError):
    def __init__(self, key: str):
        super().__init__(key)
        self.key = key


def _unique_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _DuplicateKey(key)
        result[key] = value
    return result


def parse_json(data: bytes | str, name: str, *, allow_nan: bool = True) -> Any:
    """Parse JSON (bytes read as UTF-8, or text already decoded) with a nesting limit; errors name file,
    line and column. A key written twice in one object is refused, as in YAML.

    >>> parse_json(b'{"a": 1,\\n "a": 2}', "x.json")
    Traceback (most recent call last):
    rmfkit.errors.InputFileError: x.json line 2: duplicate key "a": a key may appear only once in a mapping; keep one of them
    """
    text = decode_utf8(data, name) if isinstance(data, bytes) else data
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
            return json.loads(text, parse_constant=_no_constant, object_pairs_hook=_unique_pairs)
        return json.loads(text, parse_constant=lambda t: (_ for _ in ()).throw(ValueError(f"bare {t}")),
                          object_pairs_hook=_unique_pairs)
    except json.JSONDecodeError as exc:
        raise InputFileError(f"invalid JSON: {exc.msg} (column {exc.colno})", file=name, line=exc.lineno) from None
    except _DuplicateKey as exc:
        raise InputFileError(duplicate_key_message(exc.key), file=name, line=_line_of_second(text, exc.key)) from None
    except (ValueError, RecursionError) as exc:
        raise InputFileError(f"invalid JSON: {exc}", file=name) from None
