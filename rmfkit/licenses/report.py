"""The license report of a system: register rows, openness per component, MOF class, OSAID, findings, drift.

>>> from rmfkit.models.system import Component, OpennessDecision, SystemProfile
>>> system = SystemProfile(id="s", name="S", owner="o", purpose="p", deployment_pattern="self_hosted",
...                        components=[Component(id="m", name="M", layer="weights", license="llama3.1")])
>>> report = analyze(system)
>>> report.components[0].classification.openness, report.mof.klass
('open_weights', 'unclassified')
>>> sorted({f.severity for f in report.findings})
['caution', 'obligation']
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace
from typing import Any, Mapping

from rmfkit.licenses.diligence import scorecard
from rmfkit.licenses.facts import NO, YES, resolve
from rmfkit.licenses.openness import OPENNESS, UNDETERMINED, Classification, MofResult, OsaidResult, classify
from rmfkit.licenses.policy import SEVERITIES, Finding, check
from rmfkit.models.evidence import EvidenceRecord
from rmfkit.models.system import Component, OpennessDecision, SystemProfile

LICENSE_EVIDENCE_KIND = "license-record"
# Evidence about one thing whose license facts speak for the component it is linked to (an SBOM or a
# pip-licenses list names many packages, so its licenses are not the component's).
SINGLE_SUBJECT_KINDS = {"license-record": "license record", "model-card": "model card"}


@dataclass(frozen=True)
class ComponentLicense:
    """Everything the analysis says about one component."""

    classification: Classification
    findings: tuple[Finding, ...]
    scorecard: dict[str, Any]
    evidence: tuple[str, ...]

    @property
    def id(self) -> str:
        return self.classification.component.id

    @property
    def review(self) -> list[str]:
        """Why a human must look: unknown license facts, and findings that rest on uncertain facts."""
        reasons = list(self.classification.review)
        reasons += [f.message for f in self.findings if f.needs_review and f.topic != "needs_review"]
        return list(dict.fromkeys(reasons))

    @property
    def needs_review(self) -> bool:
        return bool(self.review)

    def commercial_distribution(self) -> str:
        """``yes | conditional | no | unknown | proprietary``: may this be used commercially and passed on?"""
        lic = self.classification.license
        if not lic.known:
            return "unknown"
        if lic.has("proprietary"):
            return "proprietary"
        if lic.commercial_use == NO or any(f.redistribution in (NO, "research", "non_commercial")
                                           for f in lic.licenses):
            return "no"
        if lic.commercial_use == YES and all(f.redistribution in (YES, None) for f in lic.licenses) \
                and not any(f.use_restrictions for f in lic.licenses):
            return YES
        return "conditional"

    def register_row(self) -> dict[str, Any]:
        c = self.classification
        comp = c.component
        obligations = [o for f in c.license.licenses for o in f.obligations]
        obligations += [f.action for f in self.findings if f.severity == "obligation"]
        return {
            "component": comp.id, "name": comp.name, "layer": comp.layer, "version": comp.version,
            "supplier": comp.supplier, "license": comp.license, "license_name": comp.license_name,
            "license_expression": c.license.expression,
            "license_names": [f.name for f in c.license.licenses],
            "license_version": comp.license_version, "license_text_sha256": comp.license_text_sha256,
            "osi_approved": c.license.osi_approved,
            "commercial_distribution": self.commercial_distribution(),
            "obligations": list(dict.fromkeys(obligations)),
            "openness": c.openness or UNDETERMINED, "openness_reason": c.reason,
            "needs_review": self.needs_review, "review": self.review,
            "findings": {s: sum(1 for f in self.findings if f.severity == s) for s in SEVERITIES},
            "due_diligence": self.scorecard["summary"],
            "evidence": list(self.evidence),
            "sources": list(dict.fromkeys(f.source for f in c.license.licenses if f.source)),
        }

    def to_dict(self) -> dict[str, Any]:
        c = self.classification
        return {**self.register_row(),
                "licenses": [f.to_dict() for f in c.license.licenses],
                "license_notes": list(c.license.notes),
                "other_choices": list(c.license.alternatives),
                "osaid": c.osaid.to_dict() if c.osaid else None,
                "mof": c.mof.to_dict() if c.mof else None,
                "findings_list": [f.to_dict() for f in self.findings],
                "scorecard": self.scorecard}


@dataclass(frozen=True)
class LicenseReport:
    """The result of :func:`analyze`; plain-data views via :meth:`register_rows` and :meth:`to_dict`."""

    system_id: str
    components: tuple[ComponentLicense, ...]
    primary_model: str | None
    openness_decision: OpennessDecision | None = None

    @property
    def findings(self) -> list[Finding]:
        """All findings, most severe first."""
        return sorted((f for c in self.components for f in c.findings), key=lambda f: SEVERITIES.index(f.severity))

    def component(self, component_id: str) -> ComponentLicense:
        return next(c for c in self.components if c.id == component_id)

    @property
    def mof(self) -> MofResult | None:
        """MOF class of the primary model release (``None`` if the system has no weights component)."""
        return self.component(self.primary_model).classification.mof if self.primary_model else None

    @property
    def osaid(self) -> OsaidResult | None:
        return self.component(self.primary_model).classification.osaid if self.primary_model else None

    def _fits(self, decision: OpennessDecision) -> bool | None:
        """Whether the main model is at a level the decision accepts (None: nothing to compare)."""
        if not self.primary_model or not decision.acceptable:
            return None
        openness = self.component(self.primary_model).classification.openness
        return None if openness is None else openness in decision.acceptable

    def register_rows(self) -> list[dict[str, Any]]:
        """The license register: one plain dict per component (a DataFrame / packet table / JSON)."""
        return [c.register_row() for c in self.components]

    def counts(self) -> dict[str, Any]:
        openness = Counter(c.classification.openness or UNDETERMINED for c in self.components)
        severities = Counter(f.severity for f in self.findings)
        return {"components": len(self.components),
                "openness": {k: openness.get(k, 0) for k in (*OPENNESS, UNDETERMINED)},
                "findings": {s: severities.get(s, 0) for s in SEVERITIES},
                "needs_review": sum(1 for c in self.components if c.needs_review)}

    def to_dict(self) -> dict[str, Any]:
        decision = self.openness_decision
        return {"system": self.system_id, "counts": self.counts(), "primary_model": self.primary_model,
                "openness_decision": {**decision.model_dump(mode="json", exclude_none=True),
                                      "fits": self._fits(decision)} if decision else None,
                "mof": self.mof.to_dict() if self.mof else None,
                "osaid": self.osaid.to_dict() if self.osaid else None,
                "register": self.register_rows(),
                "components": [c.to_dict() for c in self.components],
                "findings": [f.to_dict() for f in self.findings]}


def speaks_for_one(record: EvidenceRecord) -> bool:
    """Does the record's license fact describe one component (a license record, a model card, the metadata of
    one Python package) rather than a list of many?

    >>> from rmfkit.models.evidence import EvidenceRecord as E
    >>> speaks_for_one(E(id="c", title="t", kind="model-card", file="README.md", sha256="0" * 64, size=1))
    True
    """
    return record.kind in SINGLE_SUBJECT_KINDS or (record.kind == "python-env"
                                                  and record.facts.get("package_count") == 1)


def evidence_findings(component: Component, records: list[EvidenceRecord]) -> list[Finding]:
    """Linked evidence (license records, model cards, one package's metadata) that disagrees with the license
    or license text recorded in system.yaml: a finding that needs review, naming both sources."""
    own = resolve(component.license, component.license_name)
    findings = []
    for record in records:
        recorded = [str(x) for x in record.facts.get("licenses") or []]
        readings = {resolve(x, record.facts.get("license_name")).expression for x in recorded}
        if recorded and own.expression not in readings:
            what = SINGLE_SUBJECT_KINDS.get(record.kind, "package metadata")
            findings.append(Finding(
                component.id, "caution", "evidence_mismatch",
                f"system.yaml names {own.display} for {component.id}, but {what} {record.id} names "
                f"{', '.join(recorded)}",
                f"system.yaml (components.{component.id}.license) and evidence {record.id}",
                f"re-read the license; then correct system.yaml or the {what}",
                f"evidence {record.id}", own.expression or "none", needs_review=True))
        text_hash = record.facts.get("license_text_sha256")
        if text_hash and component.license_text_sha256 and text_hash != component.license_text_sha256:
            findings.append(Finding(
                component.id, "caution", "evidence_mismatch",
                f"license record {record.id} was made from a different license text (SHA-256 {str(text_hash)[:12]}…) "
                f"than the one recorded in system.yaml ({component.license_text_sha256[:12]}…)",
                f"evidence {record.id}", "compare the two texts and record the one you evaluated",
                f"evidence {record.id}", own.expression or "none", needs_review=True))
    return findings


def decision_findings(component: ComponentLicense, system: SystemProfile) -> list[Finding]:
    """The main model against the team's openness decision: a level the decision does not accept is a
    finding that needs review (choose another model, or record a new decision and why)."""
    decision = system.openness_decision
    openness = component.classification.openness
    if decision is None or not decision.acceptable or openness in (None, *decision.acceptable):
        return []
    words = ", ".join(level.replace("_", " ") for level in decision.acceptable)
    return [Finding(
        component.id, "caution", "openness_decision",
        f"{component.id} is {openness.replace('_', ' ')}, but the team's openness decision accepts {words} "
        f"(needs: {', '.join(decision.needs)})",
        "system.yaml (openness_decision)",
        "choose a model at an accepted level, or record a new decision and the reason for it",
        "system.yaml", component.classification.license.expression or "none", needs_review=True)]


def _primary_model(system: SystemProfile) -> str | None:
    if system.primary_model and system.component(system.primary_model):
        return system.primary_model
    return next((c.id for c in system.components if c.layer == "weights"), None)


def analyze(system: SystemProfile, evidence: Mapping[str, EvidenceRecord] | None = None) -> LicenseReport:
    """Classify every component, check it against the intended use, and build the register.

    ``evidence`` (the workspace's records by id) adds the license facts of every item about one thing (license
    records, model cards, one package's metadata) that names a component, or that the component or its
    license-clarity check cites; an item that names another license becomes a finding with both sources.
    """
    licence_records = {r.id: r for r in (evidence or {}).values() if speaks_for_one(r) and r.facts.get("licenses")}
    linked: dict[str, list[EvidenceRecord]] = {}
    for record in sorted(licence_records.values(), key=lambda r: r.id):
        for component_id in record.components:
            linked.setdefault(component_id, []).append(record)
    for component in system.components:
        clarity = component.due_diligence.license_clarity if component.due_diligence else None
        for evidence_id in [*component.evidence, *(clarity.evidence if clarity else [])]:
            record = licence_records.get(evidence_id)
            if record is not None and record not in linked.setdefault(component.id, []):
                linked[component.id].append(record)
    results = []
    primary = _primary_model(system)
    for component in system.components:
        classification = classify(component)
        records = linked.get(component.id, [])
        findings = [*check(classification, system.intended_use), *evidence_findings(component, records)]
        result = ComponentLicense(classification, tuple(findings), scorecard(classification),
                                  tuple(dict.fromkeys([*component.evidence, *(r.id for r in records)])))
        if component.id == primary:
            result = replace(result, findings=(*findings, *decision_findings(result, system)))
        results.append(result)
    return LicenseReport(system.id, tuple(results), primary, system.openness_decision)
