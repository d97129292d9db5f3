"""SPDX 2.x tag-value documents (``SPDXVersion: SPDX-2.3`` …), turned into the JSON shape and read by
the SPDX JSON importer, so both forms give the same facts. ``<text>…</text>`` values may span lines.

>>> doc = "SPDXVersion: SPDX-2.3\\nDocumentName: demo\\nCreator: Tool: syft-1.0.0\\n" \\
...       "PackageName: a\\nPackageLicenseDeclared: MIT\\nPackageLicenseConcluded: NOASSERTION\\n"
>>> parse(doc, "sbom.spdx").facts["licenses"], parse(doc, "sbom.spdx").tool
(['MIT'], 'syft')
"""
from __future__ import annotations

import re
from typing import Any

from rmfkit.library.importers import Parsed, spdx
from rmfkit.library.importers.common import fail

KIND = "spdx"
INPUT = "text"
TAG = re.compile(r"^([A-Za-z][A-Za-z0-9]*):\s?(.*)$")
PACKAGE_TAGS = {"PackageVersion": "versionInfo", "PackageLicenseDeclared": "licenseDeclared",
                "PackageLicenseConcluded": "licenseConcluded", "SPDXID": "SPDXID"}


def matches(doc: Any) -> bool:
    return isinstance(doc, str) and bool(re.match(r"\s*SPDXVersion:\s*SPDX-2\.\d", doc))


def pairs(doc: str):
    """(tag, value) in order; a ``<text>`` value runs to its ``</text>``, comments are skipped."""
    lines = iter(doc.split("\n"))
    for line in lines:
        match = TAG.match(line.strip())
        if not match:
            continue
        tag, value = match.group(1), match.group(2).strip()
        if value.startswith("<text>"):
            parts = [value[6:]]
            while "</text>" not in parts[-1]:
                nxt = next(lines, None)
                if nxt is None:
                    break
                parts.append(nxt)
            value = "\n".join(parts).split("</text>", 1)[0].strip()
        yield tag, value


def as_json(doc: str) -> dict:
    """The SPDX 2.x JSON shape of a tag-value document."""
    result: dict[str, Any] = {"packages": [], "creationInfo": {"creators": []}, "hasExtractedLicensingInfos": []}
    package: dict | None = None
    for tag, value in pairs(doc):
        if tag == "SPDXVersion":
            result["spdxVersion"] = value
        elif tag == "DocumentName":
            result["name"] = value
        elif tag == "Creator":
            result["creationInfo"]["creators"].append(value)
        elif tag == "Created":
            result["creationInfo"]["created"] = value
        elif tag == "LicenseID":
            result["hasExtractedLicensingInfos"].append({"licenseId": value})
        elif tag == "PackageName":
            package = {"name": value}
            result["packages"].append(package)
        elif tag == "FileName":
            package = None  # file-level licenses are not package licenses
        elif package is not None and tag in PACKAGE_TAGS:
            package[PACKAGE_TAGS[tag]] = value
    return result


def parse(doc: Any, name: str) -> Parsed:
    if not matches(doc):
        fail(name, "not an SPDX tag-value document (the first tag must be SPDXVersion: SPDX-2.x)")
    parsed = spdx.parse(as_json(doc), name)
    parsed.title = parsed.title.replace("SBOM", "tag-value SBOM", 1)
    parsed.facts["format"] = "tag-value"
    return parsed
