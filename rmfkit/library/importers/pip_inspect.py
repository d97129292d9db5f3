"""``pip inspect`` output (JSON report version 1): every installed distribution's core metadata.

Licenses follow the same rule as the Python environment snapshot (expression, else license
classifiers, else a short legacy ``License`` field), so ``facts["licenses"]`` means the same thing.

>>> doc = {"version": "1", "pip_version": "24.0", "installed": [{"metadata": {"name": "x", "version": "1",
...        "license_expression": "MIT"}}], "environment": {"python_version": "3.11"}}
>>> parse(doc, "inspect.json").facts["licenses"]
['MIT']
"""
from __future__ import annotations

from typing import Any

from rmfkit.library.importers import Parsed
from rmfkit.library.importers.common import fail, listing, mapping, text, unique_sorted
from rmfkit.library.importers.python_env import CLASSIFIER_PREFIX, license_of

KIND = "python-env"
INPUT = "json"


def matches(doc: Any) -> bool:
    return isinstance(doc, dict) and isinstance(doc.get("installed"), list) and "pip_version" in doc


def parse(doc: Any, name: str) -> Parsed:
    if not matches(doc):
        fail(name, "not a pip inspect report (expected pip_version and an installed list)")
    rows = []
    for i, entry in enumerate(doc["installed"]):
        meta = mapping(mapping(entry).get("metadata"))
        if not text(meta.get("name")):
            fail(name, f"installed[{i}].metadata has no name", hint="pip inspect writes one entry per distribution")
        package = {"license_expression": meta.get("license_expression"), "license": meta.get("license"),
                   "classifiers": [c for c in listing(meta.get("classifier")) if str(c).startswith(CLASSIFIER_PREFIX)]}
        rows.append({"name": text(meta["name"]), "version": text(meta.get("version")), "license": license_of(package)})
    licenses = [part.strip() for row in rows for part in row["license"].split(";")
                if part.strip() not in ("", "UNKNOWN", "(license text)")]
    python = text(mapping(doc.get("environment")).get("python_full_version")) or \
        text(mapping(doc.get("environment")).get("python_version"))
    facts = {"package_count": len(rows), "python": python, "licenses": unique_sorted(licenses),
             "unknown": sorted(r["name"] for r in rows if r["license"] == "UNKNOWN"),
             "packages": sorted(rows, key=lambda r: r["name"].lower()), "format": "pip-inspect"}
    return Parsed(kind=KIND, title=f"Python environment licenses (pip inspect, {len(rows)} packages)",
                  facts={k: v for k, v in facts.items() if v is not None}, tool="pip",
                  tool_version=text(doc.get("pip_version")), subject=f"python-{python}" if python else "python")
