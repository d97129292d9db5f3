"""CycloneDX XML SBOM / ML-BOM (spec 1.2–1.6), read with defusedxml (no DTDs, no entity expansion).

The XML is turned into the JSON document shape (``bomFormat``, ``specVersion`` from the namespace,
``metadata``, nested ``components`` with ``licenses`` and ``modelCard``) and read by the JSON
importer, so both forms give the same facts.

>>> from defusedxml.ElementTree import fromstring
>>> bom = fromstring('<bom xmlns="http://cyclonedx.org/schema/bom/1.5"><components><component type="library">'
...                  '<name>a</name><licenses><license><id>MIT</id></license></licenses></component>'
...                  '</components></bom>')
>>> parse(bom, "bom.xml").facts["licenses"], parse(bom, "bom.xml").title
(['MIT'], 'CycloneDX 1.5 XML SBOM (1 components)')
"""
from __future__ import annotations

import re
from typing import Any

from rmfkit.library.importers import Parsed, cyclonedx
from rmfkit.library.importers.common import fail

KIND = "cyclonedx"
INPUT = "xml"
NAMESPACE = re.compile(r"^\{http://cyclonedx\.org/schema/bom/(\d+\.\d+)\}bom$")
MAX_DEPTH = 50


def matches(doc: Any) -> bool:
    return doc is not None and bool(NAMESPACE.match(str(getattr(doc, "tag", ""))))


def _local(element) -> str:
    return str(element.tag).rsplit("}", 1)[-1]


def _child(element, name: str):
    return next((c for c in element if _local(c) == name), None)


def _children(element, name: str) -> list:
    found = _child(element, name)
    return [] if found is None else list(found)


def _text(element, name: str) -> str | None:
    found = _child(element, name)
    return (found.text or "").strip() or None if found is not None else None


def _licenses(element) -> list[dict]:
    choices = []
    for choice in _children(element, "licenses"):
        if _local(choice) == "expression" and (choice.text or "").strip():
            choices.append({"expression": choice.text.strip()})
        elif _local(choice) == "license":
            choices.append({"license": {k: v for k, v in (("id", _text(choice, "id")),
                                                          ("name", _text(choice, "name"))) if v}})
    return choices


def _model_card(element) -> dict | None:
    card = _child(element, "modelCard")
    if card is None:
        return None
    params = _child(card, "modelParameters")
    analysis = _child(card, "quantitativeAnalysis")
    metrics = [{"type": _text(m, "type"), "value": _text(m, "value"), "slice": _text(m, "slice")}
               for m in (_children(analysis, "performanceMetrics") if analysis is not None else [])]
    return {"modelParameters": {"task": _text(params, "task")} if params is not None else {},
            "quantitativeAnalysis": {"performanceMetrics": metrics}}


def _component(element, depth: int = 0) -> dict:
    component: dict[str, Any] = {"type": element.get("type"), "name": _text(element, "name"),
                                 "version": _text(element, "version"), "purl": _text(element, "purl"),
                                 "licenses": _licenses(element)}
    card = _model_card(element)
    if card is not None:
        component["modelCard"] = card
    if depth < MAX_DEPTH:
        component["components"] = [_component(c, depth + 1) for c in _children(element, "components")
                                   if _local(c) == "component"]
    return component


def _tools(metadata) -> list[dict]:
    """``<tools><tool>`` (1.2–1.4) or ``<tools><components><component>`` (1.5+), as JSON tool entries."""
    tools = _child(metadata, "tools")
    if tools is None:
        return []
    entries = [t for t in tools if _local(t) == "tool"] or _children(tools, "components")
    return [{"name": _text(t, "name"), "version": _text(t, "version")} for t in entries]


def as_json(root) -> dict:
    """The CycloneDX JSON shape of an XML ``<bom>`` element."""
    spec = NAMESPACE.match(str(root.tag)).group(1)
    doc: dict[str, Any] = {"bomFormat": "CycloneDX", "specVersion": spec,
                           "components": [_component(c) for c in _children(root, "components")
                                          if _local(c) == "component"]}
    metadata = _child(root, "metadata")
    if metadata is not None:
        subject = _child(metadata, "component")
        doc["metadata"] = {"timestamp": _text(metadata, "timestamp"), "tools": _tools(metadata),
                           "component": _component(subject) if subject is not None else {}}
    return doc


def parse(doc: Any, name: str) -> Parsed:
    if not matches(doc):
        fail(name, "not a CycloneDX XML document (root <bom> in a http://cyclonedx.org/schema/bom/1.x namespace)")
    parsed = cyclonedx.parse(as_json(doc), name)
    parsed.title = parsed.title.replace("SBOM", "XML SBOM", 1)
    parsed.facts["format"] = "xml"
    return parsed
