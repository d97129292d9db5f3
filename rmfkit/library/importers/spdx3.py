"""SPDX 3.0 JSON-LD documents (core, software, AI and dataset profiles), read from the ``@graph``.

Packages are ``software_Package``, ``ai_AIPackage`` and ``dataset_DatasetPackage`` elements; their
licenses come from ``hasDeclaredLicense`` / ``hasConcludedLicense`` relationships pointing at
``simplelicensing_LicenseExpression`` elements, listed-license IRIs
(``https://spdx.org/licenses/MIT``) or custom licenses. No JSON-LD processor: the compact form of the
SPDX context is what every tool writes, and expanding it would need the network.

>>> doc = {"@context": "https://spdx.org/rdf/3.0.1/spdx-context.jsonld", "@graph": [
...     {"type": "ai_AIPackage", "spdxId": "urn:m", "name": "toy-model"},
...     {"type": "simplelicensing_LicenseExpression", "spdxId": "urn:l", "simplelicensing_licenseExpression": "Apache-2.0"},
...     {"type": "Relationship", "spdxId": "urn:r", "from": "urn:m", "relationshipType": "hasDeclaredLicense",
...      "to": ["urn:l"]}]}
>>> facts = parse(doc, "sbom.spdx3.json").facts
>>> facts["licenses"], facts["models"]
(['Apache-2.0'], [{'name': 'toy-model', 'version': None, 'licenses': ['Apache-2.0']}])
"""
from __future__ import annotations

from collections import defaultdict
from typing import Any

from rmfkit.library.importers import Parsed
from rmfkit.library.importers.common import date_from, fail, listing, text, unique_sorted

KIND = "spdx"
INPUT = "json"
PACKAGE_TYPES = {"software_Package": "software", "ai_AIPackage": "ai", "dataset_DatasetPackage": "dataset"}
LICENSE_RELATIONSHIPS = ("hasDeclaredLicense", "hasConcludedLicense")
LISTED = ("https://spdx.org/licenses/", "http://spdx.org/licenses/")
NO_LICENSE = {"NoAssertionLicense": "NOASSERTION", "NoneLicense": "NONE"}


def matches(doc: Any) -> bool:
    if not isinstance(doc, dict) or not isinstance(doc.get("@graph"), list):
        return False
    return any("spdx.org/rdf/3" in str(c) for c in listing(doc.get("@context")))


def _kind(element: dict) -> str:
    return str(element.get("type") or element.get("@type") or "")


def _license_of(target: str, elements: dict[str, dict]) -> str | None:
    element = elements.get(target)
    if element is None:
        for prefix in LISTED:
            if target.startswith(prefix):
                return target[len(prefix):]
        tail = target.rsplit("/", 1)[-1]
        return NO_LICENSE.get(tail)
    return (text(element.get("simplelicensing_licenseExpression"))
            or text(element.get("expandedlicensing_licenseId")) or text(element.get("name")))


def parse(doc: Any, name: str) -> Parsed:
    if not matches(doc):
        fail(name, "not an SPDX 3 JSON-LD document (an @context of spdx.org/rdf/3.x and an @graph list)")
    graph = [e for e in doc["@graph"] if isinstance(e, dict)]
    elements = {text(e.get("spdxId") or e.get("@id")): e for e in graph if text(e.get("spdxId") or e.get("@id"))}
    licensed: dict[str, list[str]] = defaultdict(list)
    for rel in graph:
        if _kind(rel) == "Relationship" and rel.get("relationshipType") in LICENSE_RELATIONSHIPS:
            for target in listing(rel.get("to")):
                value = _license_of(str(target), elements)
                if value:
                    licensed[text(rel.get("from")) or ""].append(value)
    packages = [e for e in graph if _kind(e) in PACKAGE_TYPES]
    licenses, without, models, datasets = [], [], [], []
    profiles: dict[str, int] = defaultdict(int)
    for package in packages:
        found = [v for v in licensed.get(text(package.get("spdxId")) or "", []) if v not in NO_LICENSE.values()]
        licenses.extend(found)
        if not found:
            without.append(text(package.get("name")) or "(unnamed)")
        profiles[PACKAGE_TYPES[_kind(package)]] += 1
        entry = {"name": text(package.get("name")), "version": text(package.get("software_packageVersion")),
                 "licenses": unique_sorted(found)}
        if _kind(package) == "ai_AIPackage":
            models.append(entry)
        elif _kind(package) == "dataset_DatasetPackage":
            datasets.append({**entry, "types": [text(t) for t in listing(package.get("dataset_datasetType")) if text(t)]})
    creation = next((e for e in graph if _kind(e) == "CreationInfo"), {})
    tools = [text(e.get("name")) for e in graph if _kind(e) == "Tool" and text(e.get("name"))]
    document = next((e for e in graph if _kind(e) == "SpdxDocument"), {})
    version = text(creation.get("specVersion")) or "3.0"
    facts: dict[str, Any] = {"spdx_version": f"SPDX-{version}", "package_count": len(packages),
                             "licenses": unique_sorted(licenses), "packages_without_license": len(without),
                             "package_types": dict(sorted(profiles.items())),
                             "profiles": [text(p) for p in listing(document.get("profileConformance")) if text(p)]}
    if models:
        facts["models"] = models
    if datasets:
        facts["datasets"] = datasets
    subject = text(document.get("name"))
    return Parsed(kind=KIND, title=f"SPDX {version} JSON-LD SBOM" + (f" of {subject}" if subject else "")
                  + f" ({len(packages)} packages)", facts={k: v for k, v in facts.items() if v != []},
                  collected_at=date_from(creation.get("created")), tool=tools[0] if tools else None,
                  subject=subject)
