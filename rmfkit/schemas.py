"""JSON Schemas of the workspace files, so editors can check YAML while it is typed.

One ``<kind>.schema.json`` per entry of :data:`rmfkit.records.RECORD_KINDS`, generated from the
pydantic models (the same rules ``rmfkit validate`` applies to each file on its own; cross-file
checks such as "this evidence id exists" stay with ``rmfkit validate``). Keys starting with ``x-``
are allowed everywhere, as in the models. The repository keeps a generated copy in ``schemas/``;
regenerate it with ``python -m rmfkit.schemas schemas``.

>>> schema = json_schema(next(k for k in record_kinds() if k.name == "mapping"))
>>> schema["properties"]["function"]["enum"]
['GOVERN', 'MAP', 'MEASURE', 'MANAGE']
>>> schema["patternProperties"]
{'^x-': {}}
"""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from rmfkit.models.base import EXTENSION_PREFIX

JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
EXTENSION_KEYS = {f"^{EXTENSION_PREFIX}": {}}
YAML_TIMESTAMP = r"^\d{4}-\d{2}-\d{2}([Tt ]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?\s*([Zz]|[+-]\d{2}(:?\d{2})?)?)?$"


def record_kinds() -> list:
    """The record kinds registered right now (read at call time, so kinds added later are included)."""
    from rmfkit.records import RECORD_KINDS

    return list(RECORD_KINDS)


def _allow_extension_keys(node: Any) -> None:
    """Every closed object (unknown keys forbidden) still accepts the user's own ``x-`` keys."""
    if isinstance(node, dict):
        if node.get("additionalProperties") is False:
            node.setdefault("patternProperties", dict(EXTENSION_KEYS))
        for value in node.values():
            _allow_extension_keys(value)
    elif isinstance(node, list):
        for value in node:
            _allow_extension_keys(value)


def _yaml_timestamps(node: Any) -> None:
    """YAML timestamps may separate date and time by a space (``2026-10-01 09:00:00+00:00``), which the
    models accept but JSON Schema's ``date-time`` format does not; a pattern states what is accepted."""
    if isinstance(node, dict):
        if node.get("format") == "date-time":
            del node["format"]
            node["pattern"] = YAML_TIMESTAMP
        for value in node.values():
            _yaml_timestamps(value)
    elif isinstance(node, list):
        for value in node:
            _yaml_timestamps(value)


def json_schema(kind) -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of one record kind's files."""
    body = kind.model.model_json_schema(mode="validation")
    _allow_extension_keys(body)
    _yaml_timestamps(body)
    body.pop("title", None)
    return {
        "$schema": JSON_SCHEMA_DIALECT,
        "title": f"rmfkit {kind.name} file ({kind.pattern})",
        "description": (body.pop("description", None) or "").strip()
        or f"Workspace file matching {kind.pattern}, schema_version {kind.model.SCHEMA_VERSION}.",
        **body,
    }


def export_json_schemas(out_dir: Path | str) -> list[Path]:
    """Write ``<kind>.schema.json`` for every record kind into ``out_dir``; returns the files written.

    The output is deterministic (same models, same bytes), so a committed copy can be checked for drift.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for kind in record_kinds():
        target = out / f"{kind.name}.schema.json"
        target.write_text(json.dumps(json_schema(kind), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        written.append(target)
    return written


if __name__ == "__main__":
    for path in export_json_schemas(sys.argv[1] if len(sys.argv) > 1 else "schemas"):
        print(path)
