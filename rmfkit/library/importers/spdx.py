"""SPDX 2.2 / 2.3 JSON documents, read leniently (real tool output is often invalid).

``NOASSERTION``, ``NONE`` and absent are kept apart; comma-separated "lists" (Trivy) and
``LicenseRef-`` ids without ``hasExtractedLicensingInfos`` are recorded as findings, not rejected.

>>> doc = {"spdxVersion": "SPDX-2.3", "packages": [{"name": "a", "licenseDeclared": "MIT",
...        "licenseConcluded": "NOASSERTION"}]}
>>> parse(doc, "sbom.spdx.json").facts["licenses"]
['MIT']
"""
from __future__ import annotations

import re
from typing import Any

from rmfkit.library.importers import Parsed
from rmfkit.library.importers.common import date_from, fail, listing, mapping, text, unique_sorted

KIND = "spdx"
INPUT = "json"
NO_LICENSE = {"NOASSERTION", "NONE"}
LICENSE_FIELDS = ("licenseDeclared", "licenseConcluded")


def matches(doc: Any) -> bool:
    return isinstance(doc, dict) and str(doc.get("spdxVersion", "")).startswith("SPDX-")


def split_tool(creator: str) -> tuple[str, str | None]:
    """``"syft-0.90.0"`` -> (``syft``, ``0.90.0``); a name without a version suffix stays whole."""
    head, _, tail = creator.rpartition("-")
    return (head, tail) if head and tail[:1].isdigit() else (creator, None)


def parse(doc: Any, name: str) -> Parsed:
    if not matches(doc):
        fail(name, "not an SPDX JSON document (spdxVersion such as \"SPDX-2.3\" is missing)")
    if doc.get("packages") is not None and not isinstance(doc.get("packages"), list):
        fail(name, "packages must be a list")
    packages = [p for p in listing(doc.get("packages")) if isinstance(p, dict)]
    findings: list[str] = []
    licenses: list[str] = []
    noassertion = without = 0
    for package in packages:
        values = [text(package.get(f)) for f in LICENSE_FIELDS]
        found = [v for v in values if v and v not in NO_LICENSE]
        if not found:
            without += 1
            noassertion += "NOASSERTION" in values
        for value in found:
            if "," in value:
                findings.append(f"{text(package.get('name'))}: license field is a comma-separated list, not an "
                                f"SPDX expression: {value}")
        licenses.extend(found)
    defined = {text(mapping(e).get("licenseId")) for e in listing(doc.get("hasExtractedLicensingInfos"))}
    refs = sorted({ref for lic in licenses for ref in re.findall(r"LicenseRef-[A-Za-z0-9.\-]+", lic)})
    for ref in refs:
        if ref not in defined:
            findings.append(f"{ref} is used but not defined in hasExtractedLicensingInfos")
    creation = mapping(doc.get("creationInfo"))
    tools = [c.split(":", 1)[1].strip() for c in listing(creation.get("creators"))
             if isinstance(c, str) and c.startswith("Tool:")]
    tool, tool_version = split_tool(tools[0]) if tools else (None, None)
    version = text(doc.get("spdxVersion"))
    facts: dict[str, Any] = {"spdx_version": version, "package_count": len(packages),
                             "licenses": unique_sorted(licenses), "packages_without_license": without,
                             "packages_noassertion": noassertion, "license_refs": refs}
    if findings:
        facts["findings"] = findings[:50]
    subject = text(doc.get("name"))
    return Parsed(kind=KIND, title=f"{version} SBOM" + (f" of {subject}" if subject and subject != "." else "")
                  + f" ({len(packages)} packages)", facts=facts, collected_at=date_from(creation.get("created")),
                  tool=tool, tool_version=tool_version, subject=subject if subject != "." else None)
