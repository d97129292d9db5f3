"""Openness of each component, the Model Openness Framework class of a model release, and OSAID conformance.

Openness (fixed vocabulary): ``open_source | open_weights | open_access | closed`` — or ``None`` when the
license is unknown and it is the license that decides (never a guess). Every result carries its reason in words.

>>> from rmfkit.models.system import Component
>>> c = Component(id="m", name="Model", layer="weights", license="mit")
>>> result = classify(c)
>>> result.openness, result.osaid.conformant
('open_weights', False)
>>> mof_class(c).klass
'unclassified'
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rmfkit.licenses.facts import YES, ResolvedLicense, mof_data, resolve
from rmfkit.models.system import Component

OPENNESS = ("open_source", "open_weights", "open_access", "closed")
UNDETERMINED = "undetermined"  # a license rmfkit cannot read: neither open nor closed until someone reads it
CODE_LAYERS = ("framework", "architecture", "tooling")
CLASS_ORDER = ("III", "II", "I")
# OpenMDW-1.0 covers code, weights, data and documents as one bundle; the reference fact base counts it among
# OSI-compatible terms for open source AI, although the SPDX list does not flag it OSI-approved.
OPENMDW = "openmdw-1.0"


@dataclass(frozen=True)
class MofResult:
    """MOF class of one model release and what keeps it from the next class."""

    component: str
    klass: str                                   # III | II | I | unclassified
    label: str
    included: tuple[str, ...]
    missing: dict[str, list[dict[str, str]]]     # class -> [{component, name, reason}] not met for that class
    warnings: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"component": self.component, "class": self.klass, "label": self.label,
                "included": list(self.included), "missing": self.missing, "warnings": list(self.warnings)}


@dataclass(frozen=True)
class OsaidResult:
    """Whether a model release meets the OSI Open Source AI Definition 1.0, element by element."""

    component: str
    conformant: bool
    failures: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"component": self.component, "conformant": self.conformant, "failures": list(self.failures)}


@dataclass(frozen=True)
class Classification:
    """One component: its license as read, openness with the reason, and what needs human review."""

    component: Component
    license: ResolvedLicense
    openness: str | None
    reason: str
    review: tuple[str, ...] = ()
    osaid: OsaidResult | None = None
    mof: MofResult | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def needs_review(self) -> bool:
        return bool(self.review)


def _release_license(component: Component, part: str) -> tuple[bool | None, ResolvedLicense | None]:
    """(available?, license) of one release part; ``None`` availability = not described."""
    if part == "model_parameters_final" and part not in component.release_components:
        return True, resolve(component.license, component.license_name)
    item = component.release_components.get(part)
    if item is None:
        return None, None
    if not item.available:
        return False, None
    if item.license:
        return True, resolve(item.license)
    return True, resolve(component.license, component.license_name)


def _part_problem(component: Component, part: str, *, osi_only: bool = False) -> str | None:
    """Why a release part does not count as openly published, or None if it does."""
    available, lic = _release_license(component, part)
    if available is None:
        return "not described"
    if not available:
        return "not published"
    assert lic is not None
    if not lic.known:
        return f"license unknown ({lic.written or 'none'})"
    if osi_only and not (lic.osi_approved or all(f.key == OPENMDW for f in lic.licenses)):
        return f"not under an OSI-approved license ({lic.display})"
    if not lic.is_open:
        return f"not openly licensed ({lic.display})"
    return None


def mof_class(component: Component) -> MofResult:
    """Model Openness Framework class as the MOT computes it: a class needs 100% of its required parts and
    those of every class above it; technical report may be replaced by the research paper."""
    spec = mof_data()
    parts = spec["components"]
    problems = {name: _part_problem(component, name) for name in parts}
    for name, meta in parts.items():
        substitute = meta.get("replaced_by")
        if problems[name] and substitute and not problems[substitute]:
            problems[name] = None
    included = tuple(name for name in parts if not problems[name])
    warnings = []
    for name in included:
        _, lic = _release_license(component, name)
        appropriate = set(spec["type_appropriate"][parts[name]["type"]])
        if lic and lic.expression and not all((f.spdx_id or f.key) in appropriate for f in lic.licenses):
            warnings.append(f"{parts[name]['name']}: {lic.expression} is open but not a recommended license for "
                            f"{parts[name]['type']} (conditional pass)")
    missing: dict[str, list[dict[str, str]]] = {}
    for klass in CLASS_ORDER:
        gaps = [{"component": name, "name": meta["name"], "reason": problems[name]}
                for name, meta in parts.items() if meta["class"] == klass and meta["required"] and problems[name]]
        if gaps:
            missing[klass] = gaps
    reached = "unclassified"
    for klass in CLASS_ORDER:
        if klass in missing:
            break
        reached = klass
    label = spec["class_labels"].get(reached, spec["unclassified_label"])
    return MofResult(component.id, reached, label, included, missing, tuple(warnings))


def osaid_check(component: Component) -> OsaidResult:
    """OSI Open Source AI Definition 1.0: data information, code and parameters under open terms, and no
    restriction on use for any purpose."""
    failures = []
    weights_problem = _part_problem(component, "model_parameters_final")
    if weights_problem:
        failures.append(f"parameters: {weights_problem}")
    data_problem = _part_problem(component, "data_card")
    if data_problem:
        failures.append(f"data information (training data description): {data_problem}")
    for part, label in (("training_code", "training code"), ("inference_code", "inference code"),
                        ("data_preprocessing_code", "data processing code"),
                        ("model_architecture", "model architecture code")):
        problem = _part_problem(component, part, osi_only=True)
        if problem:
            failures.append(f"{label}: {problem}")
    restricted = []
    for part in ("model_parameters_final", "data_card", "training_code", "inference_code"):
        _, lic = _release_license(component, part)
        if lic is None:
            continue
        for facts in lic.licenses:
            limited_use = facts.category != "unknown" and facts.commercial_use != YES
            if facts.use_restrictions or limited_use:
                restricted.append(facts.name)
    if restricted:
        failures.append("use for any purpose: restricted by " + ", ".join(dict.fromkeys(restricted)))
    return OsaidResult(component.id, not failures, tuple(failures))


def classify(component: Component) -> Classification:
    """Openness of one component with the reason in words (see the module doc)."""
    lic = resolve(component.license, component.license_name)
    review = list(lic.review)
    if lic.matched_by_name and not component.license_text_sha256:
        review.append(f"license identified only from license_name '{component.license_name}'; read the license "
                      "file and record its SHA-256 in license_text_sha256")
    written = lic.display
    osaid = mof = None
    if component.layer == "weights":
        osaid, mof = osaid_check(component), mof_class(component)
    if component.layer == "service":
        openness = "open_access"
        reason = (f"hosted service reached through an API under {component.license_name or written}; "
                  "no weights or code to download")
    elif not lic.known:
        openness = None
        reason = f"license unknown ({written}): cannot tell open from closed until someone reads it"
    elif lic.has("proprietary"):
        openness = "closed"
        reason = f"proprietary ({written}): no rights are granted to others"
    elif component.layer == "weights":
        assert osaid is not None
        if osaid.conformant:
            openness = "open_source"
            reason = (f"weights, code and data information are published under open terms ({written}) with no "
                      "use restrictions: meets the OSI Open Source AI Definition 1.0")
        else:
            openness = "open_weights"
            reason = (f"weights can be downloaded under {written}, but it is not open source AI: "
                      + "; ".join(osaid.failures))
    elif component.layer == "data":
        if lic.is_open and lic.commercial_use == YES and not lic.use_restrictions:
            openness = "open_source"
            reason = f"data under an open license ({written})"
        else:
            openness = "closed"
            kinds = sorted({f.category.replace("_", " ") for f in lic.licenses})
            reason = f"data under {written} ({', '.join(kinds)}): not an open data license"
    else:
        if lic.osi_approved:
            openness = "open_source"
            reason = f"code under OSI-approved {written}"
        elif all(f.category in ("permissive", "public_domain") and f.use_restrictions is False for f in lic.licenses):
            openness = "open_source"
            reason = (f"code under permissive {written} without use restrictions; note: not flagged OSI-approved "
                      "in the SPDX License List")
        else:
            openness = "closed"
            kinds = sorted({f.category.replace("_", " ") for f in lic.licenses})
            reason = (f"code under {written} ({', '.join(kinds)}), which is not OSI-approved: the source may be "
                      "readable, but it is not open source")
    return Classification(component, lic, openness, reason, tuple(dict.fromkeys(review)), osaid, mof)
