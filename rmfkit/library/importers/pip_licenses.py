"""``pip-licenses --format=json`` (also ``--from=all`` and ``--format=json-license-finder``).

A ``License`` value may join several classifier names with ``"; "``; each part is one license.

>>> rows = [{"License": "BSD License; MIT License", "Name": "x", "Version": "1"},
...         {"License": "UNKNOWN", "Name": "y", "Version": "2"}]
>>> parse(rows, "licenses.json").facts["licenses"], parse(rows, "licenses.json").facts["unknown"]
(['BSD License', 'MIT License'], ['y'])
"""
from __future__ import annotations

from typing import Any

from rmfkit.library.importers import Parsed
from rmfkit.library.importers.common import fail, text, unique_sorted

KIND = "pip-licenses"
INPUT = "json"
LICENSE_KEYS = ("License-Expression", "License", "License-Classifier", "License-Metadata")


def _row(entry: Any) -> dict | None:
    """(name, version, license text) of one pip-licenses row in any of its JSON shapes."""
    if not isinstance(entry, dict):
        return None
    if "Name" in entry:
        value = next((entry[k] for k in LICENSE_KEYS if text(entry.get(k)) and entry.get(k) != "UNKNOWN"), "UNKNOWN")
        return {"name": text(entry["Name"]), "version": text(entry.get("Version")), "license": text(value)}
    if "name" in entry and isinstance(entry.get("licenses"), list):
        return {"name": text(entry["name"]), "version": text(entry.get("version")),
                "license": "; ".join(str(v) for v in entry["licenses"]) or "UNKNOWN"}
    return None


def matches(doc: Any) -> bool:
    return isinstance(doc, list) and bool(doc) and all(_row(e) is not None for e in doc[:50])


def parse(doc: Any, name: str) -> Parsed:
    if not isinstance(doc, list) or not doc:
        fail(name, "expected a non-empty JSON array of packages (pip-licenses --format=json)")
    rows = []
    for i, entry in enumerate(doc):
        row = _row(entry)
        if row is None or not row["name"]:
            fail(name, f"entry {i} is not a pip-licenses package row (needs Name and License)")
        rows.append(row)
    licenses = [part.strip() for row in rows for part in str(row["license"]).split(";")
                if part.strip() and part.strip() != "UNKNOWN"]
    unknown = sorted(row["name"] for row in rows if row["license"] in (None, "UNKNOWN"))
    facts = {"package_count": len(rows), "licenses": unique_sorted(licenses), "unknown": unknown,
             "packages": sorted(rows, key=lambda r: r["name"].lower())}
    return Parsed(kind=KIND, title=f"Python package licenses (pip-licenses, {len(rows)} packages)", facts=facts,
                  tool="pip-licenses")
