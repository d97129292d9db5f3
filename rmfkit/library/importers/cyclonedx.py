"""CycloneDX JSON SBOM / ML-BOM (spec 1.2–1.7).

Licenses by ``id``, ``name`` or ``expression`` (a ``license`` with both id and name is a schema
violation seen in real files: the id wins and a finding is kept); ``metadata.tools`` as an array or
an object; ML-BOM ``modelCard`` performance metrics (string values) become metrics. Our own reader:
cyclonedx-python-lib drops ``modelCard`` on load.

>>> bom = {"bomFormat": "CycloneDX", "specVersion": "1.6", "components": [
...     {"type": "library", "name": "a", "licenses": [{"license": {"id": "MIT"}}]},
...     {"type": "library", "name": "b", "licenses": [{"expression": "Apache-2.0 OR MIT"}]}]}
>>> parse(bom, "bom.json").facts["licenses"]
['Apache-2.0 OR MIT', 'MIT']
"""
from __future__ import annotations

from collections import Counter
from typing import Any

from rmfkit.library.facts import metric
from rmfkit.library.importers import Parsed
from rmfkit.library.importers.common import date_from, fail, listing, mapping, text, unique_sorted

KIND = "cyclonedx"
INPUT = "json"
MAX_DEPTH = 50


def matches(doc: Any) -> bool:
    return isinstance(doc, dict) and doc.get("bomFormat") == "CycloneDX"


def component_licenses(component: dict, findings: list[str]) -> list[str]:
    found = []
    for choice in listing(component.get("licenses")):
        choice = mapping(choice)
        if text(choice.get("expression")):
            found.append(text(choice["expression"]))
            continue
        lic = mapping(choice.get("license"))
        if text(lic.get("id")) and text(lic.get("name")):
            findings.append(f"{text(component.get('name'))}: license has both id and name (schema violation); "
                            "the id was used")
        value = text(lic.get("id")) or text(lic.get("name"))
        if value:
            found.append(value)
    return found


def _walk(components: Any, depth: int = 0):
    for component in listing(components):
        if isinstance(component, dict):
            yield component
            if depth < MAX_DEPTH:
                yield from _walk(component.get("components"), depth + 1)


def _tool(metadata: dict) -> tuple[str | None, str | None]:
    """First tool of ``metadata.tools``: an array (1.4 style) or ``{components: [...]}`` (1.5+)."""
    tools = metadata.get("tools")
    entries = tools if isinstance(tools, list) else listing(mapping(tools).get("components"))
    first = mapping(entries[0]) if entries else {}
    return text(first.get("name")), text(first.get("version"))


def parse(doc: Any, name: str) -> Parsed:
    if not matches(doc):
        fail(name, "not a CycloneDX JSON document (bomFormat must be \"CycloneDX\")")
    spec = text(doc.get("specVersion"))
    if not spec:
        fail(name, "specVersion is missing; every CycloneDX document states its spec version")
    if doc.get("components") is not None and not isinstance(doc.get("components"), list):
        fail(name, "components must be a list")
    findings: list[str] = []
    licenses: list[str] = []
    types: Counter = Counter()
    without: list[str] = []
    models: list[dict] = []
    metrics: list[dict] = []
    components = list(_walk(doc.get("components")))
    for component in components:
        comp_name = text(component.get("name")) or "(unnamed)"
        types[text(component.get("type")) or "unknown"] += 1
        found = component_licenses(component, findings)
        licenses.extend(found)
        if not found:
            without.append(comp_name)
        card = mapping(component.get("modelCard"))
        if component.get("type") == "machine-learning-model" or card:
            params = mapping(card.get("modelParameters"))
            models.append({"name": comp_name, "version": text(component.get("version")), "licenses": found,
                           "task": text(params.get("task"))})
            for perf in listing(mapping(card.get("quantitativeAnalysis")).get("performanceMetrics")):
                perf = mapping(perf)
                if text(perf.get("type")):
                    metrics.append(metric(comp_name, text(perf.get("type")), perf.get("value"),
                                          slice=text(perf.get("slice"))))
    metadata = mapping(doc.get("metadata"))
    subject = mapping(metadata.get("component"))
    tool, tool_version = _tool(metadata)
    facts: dict[str, Any] = {"spec_version": spec, "component_count": len(components),
                             "component_types": dict(sorted(types.items())),
                             "licenses": unique_sorted(licenses),
                             "components_without_license": len(without),
                             "unlicensed_components": sorted(without)[:50]}
    if models:
        facts["models"] = models
    if metrics:
        facts["metrics"] = metrics
    if findings:
        facts["findings"] = findings[:50]
    title_subject = text(subject.get("name"))
    return Parsed(kind=KIND, title=f"CycloneDX {spec} SBOM" + (f" of {title_subject}" if title_subject else "")
                  + f" ({len(components)} components)", facts=facts,
                  collected_at=date_from(metadata.get("timestamp")), tool=tool, tool_version=tool_version,
                  subject=title_subject)
