"""Round-trip YAML for writes: merge new data into the parsed document so comments and order survive.

Reads go through :mod:`rmfkit.safeparse`; this module owns what a save needs (merge, dump, line lookup).

>>> from rmfkit.safeparse import parse_yaml
>>> doc = parse_yaml(b"a: 1  # keep\\n", "x")
>>> dump_yaml(merge_into(doc, {"a": 1, "b": 2}))
b'a: 1  # keep\\nb: 2\\n'
"""
from __future__ import annotations

import contextlib
import datetime as dt
import functools
import io
from typing import Any

from rmfkit.errors import ProblemList
from rmfkit.models.base import EXTENSION_PREFIX
from rmfkit.safeparse import round_trip_yaml

UNICODE_BREAKS = ("\x85", "\u2028", "\u2029")  # NEL, LINE and PARAGRAPH SEPARATOR


def equal(old: Any, new: Any) -> bool:
    if isinstance(old, bool) != isinstance(new, bool):
        return False
    try:
        return bool(old == new)
    except Exception:  # noqa: BLE001 - exotic values compare unequal
        return False


def merge_into(node: Any, data: Any) -> Any:
    """Return ``node`` updated to hold ``data``, keeping comments, order, quoting of unchanged values.

    >>> from rmfkit.safeparse import parse_yaml
    >>> doc = parse_yaml(b"a: 1  # keep\\nb: [1, 2]\\n", "x")
    >>> merge_into(doc, {"a": 1, "b": [1, 3]})["b"]
    [1, 3]
    """
    from ruamel.yaml.comments import CommentedMap, CommentedSeq
    from ruamel.yaml.scalarstring import DoubleQuotedScalarString, ScalarString

    if isinstance(node, dict) and isinstance(data, dict):
        for key in [k for k in node if k not in data and not str(k).startswith(EXTENSION_PREFIX)]:
            del node[key]
        for key, value in data.items():
            if key in node:
                node[key] = merge_into(node[key], value)
            else:
                node[key] = merge_into(None, value)
        return node
    if isinstance(node, list) and isinstance(data, list):
        if equal(node, data):
            return node
        ids_old = [x.get("id") if isinstance(x, dict) else None for x in node]
        ids_new = [x.get("id") if isinstance(x, dict) else None for x in data]
        if all(ids_old) and all(ids_new) and ids_old and ids_new:
            by_id = dict(zip(ids_old, node))
            merged = [merge_into(by_id.get(i), x) for i, x in zip(ids_new, data)]
        elif len(node) == len(data):
            merged = [merge_into(o, n) for o, n in zip(node, data)]
        else:
            merged = [merge_into(None, x) for x in data]
        node[:] = merged
        return node
    if node is not None and equal(node, data) and not isinstance(node, (dict, list)):
        return node
    if isinstance(data, dict):
        fresh = CommentedMap()
        for key, value in data.items():
            fresh[key] = merge_into(None, value)
        return fresh
    if isinstance(data, list):
        return CommentedSeq(merge_into(None, x) for x in data)
    if isinstance(data, str) and not isinstance(data, ScalarString) and any(c in data for c in UNICODE_BREAKS):
        return DoubleQuotedScalarString(data)  # the emitter would fold these in plain or single-quoted style
    return data


def dump_yaml(doc: Any) -> bytes:
    stream = io.StringIO()
    round_trip_yaml().dump(doc, stream)
    return stream.getvalue().encode("utf-8")


def dump_new(data: dict) -> bytes:
    """The YAML of a new document, byte for byte what ``dump_yaml(merge_into(None, data))`` writes, ten times
    faster when libyaml can write it: mappings of short one-line text, integers, booleans and dates (lists,
    empty values, floats, long keys and long text, which libyaml lays out differently, go the round-trip
    way; a property test holds the two equal).

    >>> dump_new({"id": "E1", "size": 3, "when": dt.date(2026, 1, 2), "facts": {"ok": True, "note": "yes"}})
    b'id: E1\\nsize: 3\\nwhen: 2026-01-02\\nfacts:\\n  ok: true\\n  note: yes\\n'
    """
    dumper = _libyaml_dumper()
    if dumper is None or not data or not _libyaml_lays_out(data):
        return dump_yaml(merge_into(None, data))
    import yaml

    return yaml.dump(data, Dumper=dumper, sort_keys=False, allow_unicode=True, width=4096, indent=2,
                     default_flow_style=False).encode("utf-8")


FAST_KEY_BYTES = 100  # libyaml writes a longer key (counted in UTF-8 bytes) as "? key"
FAST_TEXT = 1000  # characters: longer text is folded near the 4096 width differently


def _libyaml_lays_out(node: Any) -> bool:
    """Whether ``node`` holds only what libyaml writes exactly as our round-trip configuration does."""
    if isinstance(node, dict):
        return bool(node) and all(type(k) is str and len(k.encode("utf-8")) <= FAST_KEY_BYTES
                                  and _libyaml_lays_out(k) and _libyaml_lays_out(v) for k, v in node.items())
    if isinstance(node, str):
        # one printable line of the Basic Multilingual Plane: libyaml folds line breaks and escapes the rest;
        # no apostrophe: where quotes are needed, ruamel then picks double quotes and libyaml single ones
        return (type(node) is str and len(node) <= FAST_TEXT and node.isprintable() and "'" not in node
                and (node.isascii() or max(node) < "\U00010000"))
    return type(node) in (int, bool, dt.date) or (type(node) is dt.datetime and node.tzinfo in (None, dt.timezone.utc))


@functools.lru_cache(maxsize=None)
def _libyaml_dumper():
    """PyYAML's libyaml emitter, quoting what ruamel's YAML 1.2 rules would read as something other than text
    (ruamel's own table of implicit types, through PyYAML's quicker lookup); None without libyaml."""
    import yaml
    from ruamel.yaml.resolver import implicit_resolvers

    if not hasattr(yaml, "CSafeDumper"):
        return None

    class RoundTripLayoutDumper(yaml.CSafeDumper):
        yaml_implicit_resolvers: dict = {}

        def ignore_aliases(self, data):
            return True

    for versions, tag, regexp, first in implicit_resolvers:
        if (1, 2) in versions:
            RoundTripLayoutDumper.add_implicit_resolver(tag, regexp.lazy_self(), first)  # the compiled pattern
    return RoundTripLayoutDumper


def line_of(doc: Any, loc: tuple) -> int | None:
    """1-based line of the deepest key or item of ``loc`` found in a ruamel document."""
    line = None
    node = doc
    for part in loc:
        lc = getattr(node, "lc", None)
        if isinstance(node, dict) and part in node:
            with contextlib.suppress(Exception):
                line = lc.key(part)[0] + 1
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            with contextlib.suppress(Exception):
                line = lc.item(part)[0] + 1
            node = node[part]
        else:
            break
    if line is None and getattr(doc, "lc", None) is not None:
        line = doc.lc.line + 1
    return line


# Patterns of the models' text fields, in words (any other pattern is shown as written).


def plain(node: Any) -> Any:
    """ruamel containers to plain dicts/lists (scalars stay; subclasses of str/int/float compare equal).

    ruamel's timestamp type becomes a plain ``datetime``: copying a ruamel timestamp drops its time zone.
    """
    if isinstance(node, dict):
        return {(str(k) if not isinstance(k, str) else k): plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [plain(v) for v in node]
    if isinstance(node, dt.datetime) and type(node) is not dt.datetime:
        return dt.datetime.combine(node.date(), node.timetz(), tzinfo=node.tzinfo)
    return node


def as_written(value: Any) -> str:
    """A scalar as YAML text: the float read from ``2.10`` shows as ``2.10``, not ``2.1``.

    >>> from rmfkit.safeparse import parse_yaml
    >>> as_written(next(iter(parse_yaml(b"2.10: x\\n", "x.yaml"))))
    '2.10'
    """
    if isinstance(value, str):
        return value
    try:
        text = dump_yaml(value).decode("utf-8")
    except Exception:  # noqa: BLE001 - a complex key (``? [a, b]``) loads as a tuple the dumper cannot write
        return repr(value)
    return text.split("\n", 1)[0] if text.strip() else repr(value)


def key_problems(doc: Any, name: str, problems: ProblemList, path: tuple = ()) -> None:
    """Mapping keys must be strings: ``2.10:`` would silently become the float 2.1."""
    if isinstance(doc, dict):
        for key, value in doc.items():
            if not isinstance(key, str):
                written = as_written(key)
                line = None
                with contextlib.suppress(Exception):
                    line = doc.lc.key(key)[0] + 1
                if isinstance(key, (int, float)) and not isinstance(key, bool):
                    read_as = f"the number {float(key) if isinstance(key, float) else int(key)!r}"
                elif isinstance(key, bool):
                    read_as = "true/false"
                else:
                    read_as = "a list or mapping" if isinstance(key, tuple) or hasattr(key, "items") else \
                        f"a {type(key).__name__} value"
                problems.add(name, f"key {written} is read as {read_as}, not as text; "
                                   f"write it in quotes (\"{written}\") so YAML keeps it a string",
                             line=line, field=".".join(map(str, path + (written,))))
            key_problems(value, name, problems, path + (key,))
    elif isinstance(doc, list):
        for i, value in enumerate(doc):
            key_problems(value, name, problems, path + (i,))
