"""The current Python environment's license metadata, read through ``importlib.metadata``.

``snapshot()`` writes what rmfkit stores as the artefact (JSON, one entry per distribution with
``License-Expression``, legacy ``License`` and license classifiers); ``parse`` reads it back. The
license shown per package follows pip-licenses' "mixed" rule: expression, else classifiers, else
the legacy field (a whole license text is recorded as ``(license text)``).

>>> doc = {"format": FORMAT, "packages": [{"name": "x", "version": "1", "license_expression": "MIT"}]}
>>> parse(doc, "env.json").facts["licenses"]
['MIT']
"""
from __future__ import annotations

import platform
from typing import Any

from rmfkit.library.importers import Parsed, json_dumps
from rmfkit.library.importers.common import fail, listing, mapping, text, unique_sorted

KIND = "python-env"
INPUT = "json"
FORMAT = "rmfkit-python-env"
CLASSIFIER_PREFIX = "License :: "


def snapshot() -> bytes:
    """JSON bytes describing every installed distribution's license metadata (sorted by name)."""
    from importlib import metadata

    packages = {}
    for dist in metadata.distributions():
        md = dist.metadata
        name = md.get("Name")
        if not name:
            continue
        packages[name.lower()] = {
            "name": name, "version": md.get("Version"),
            "license_expression": md.get("License-Expression"),
            "license": md.get("License"),
            "classifiers": [c for c in (md.get_all("Classifier") or []) if c.startswith(CLASSIFIER_PREFIX)],
            "license_files": md.get_all("License-File") or [],
        }
    return json_dumps({"format": FORMAT, "format_version": 1, "python": platform.python_version(),
                       "packages": [packages[k] for k in sorted(packages)]})


def license_of(package: dict) -> str:
    """One package's license: expression, else classifier names, else a short legacy field, else UNKNOWN."""
    if text(package.get("license_expression")):
        return text(package["license_expression"])
    classifiers = [str(c).rsplit("::", 1)[-1].strip() for c in listing(package.get("classifiers"))]
    if classifiers:
        return "; ".join(classifiers)
    legacy = package.get("license")
    if isinstance(legacy, str) and legacy.strip() and legacy.strip() != "UNKNOWN":
        return legacy.strip() if len(legacy) <= 80 and "\n" not in legacy.strip() else "(license text)"
    return "UNKNOWN"


def matches(doc: Any) -> bool:
    return isinstance(doc, dict) and doc.get("format") == FORMAT


def parse(doc: Any, name: str) -> Parsed:
    if not matches(doc) or not isinstance(doc.get("packages"), list):
        fail(name, f"not an rmfkit Python environment snapshot (format \"{FORMAT}\" with a packages list)")
    rows = []
    for package in doc["packages"]:
        package = mapping(package)
        if not text(package.get("name")):
            fail(name, "a package entry has no name")
        rows.append({"name": text(package["name"]), "version": text(package.get("version")),
                     "license": license_of(package)})
    licenses = [part.strip() for row in rows for part in row["license"].split(";")
                if part.strip() not in ("", "UNKNOWN", "(license text)")]
    facts = {"package_count": len(rows), "python": text(doc.get("python")), "licenses": unique_sorted(licenses),
             "unknown": sorted(r["name"] for r in rows if r["license"] == "UNKNOWN"), "packages": rows}
    return Parsed(kind=KIND, title=f"Python environment licenses ({len(rows)} packages)", facts=facts,
                  tool="importlib.metadata", tool_version=text(doc.get("python")),
                  subject=f"python-{text(doc.get('python'))}" if text(doc.get("python")) else "python")
