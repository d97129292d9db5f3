"""UK AISI Inspect binary eval logs (``.eval``): a zip holding ``header.json`` (the log without its
samples), ``summaries.json``, ``samples/…`` and ``_journal/…``. Only the header is read (or, for a run
that never finished, ``_journal/start.json``), each entry's size checked before reading; samples
are never loaded. The header has the JSON log's shape, so the JSON importer reads it.

>>> import io, zipfile
>>> buffer = io.BytesIO()
>>> with zipfile.ZipFile(buffer, "w") as z:
...     z.writestr("header.json", '{"version": 2, "status": "success", "eval": {"task": "t", "model": "m/x"},'
...                ' "results": {"completed_samples": 4, "scores": [{"name": "s", "metrics": {"accuracy":'
...                ' {"name": "accuracy", "value": Infinity}}}]}}')
>>> from rmfkit.library.importers import Archive
>>> parse(Archive(buffer.getvalue(), "x.eval"), "x.eval").facts["metrics"][0]["non_finite"]
'inf'
"""
from __future__ import annotations

from typing import Any

from rmfkit.library.importers import Archive, Parsed, inspect_log
from rmfkit.library.importers.common import fail

KIND = "inspect"
INPUT = "zip"
HEADER = "header.json"
START = "_journal/start.json"


def matches(doc: Any) -> bool:
    return isinstance(doc, Archive) and (HEADER in doc.names or START in doc.names)


def parse(doc: Any, name: str) -> Parsed:
    if not matches(doc):
        fail(name, f"not an Inspect .eval log (a zip with {HEADER} or {START})")
    finished = HEADER in doc.names
    log = doc.json(HEADER if finished else START)
    if isinstance(log, dict) and not finished:
        log = {**log, "status": log.get("status", "started")}
    parsed = inspect_log.parse(log, name)
    parsed.facts["format"] = "eval"
    if not finished:
        parsed.facts.setdefault("findings", []).append("the .eval log has no header.json: the run did not finish; "
                                                        "read from _journal/start.json")
    parsed.facts["sample_entries"] = sum(1 for n in doc.names if n.startswith("samples/"))
    return parsed
