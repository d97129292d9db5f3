"""License drift between two states of a system profile (last quarter vs now, before vs after a pull).

Reports, per component, a changed license, a changed license *text* under the same name (SHA-256 of the text
evaluated), a changed license version, added and removed components — each with the openness before and after
and the findings that appeared or disappeared as a result. Messages are plain words: a component without a
license reads "no license recorded", never ``None``.

>>> from rmfkit.models.system import Component, SystemProfile
>>> def profile(lic):
...     return SystemProfile(id="s", name="S", owner="o", purpose="p", deployment_pattern="self_hosted",
...                          components=[Component(id="m", name="M", layer="weights", license=lic)])
>>> [(c.change, c.old_license, c.new_license) for c in license_drift(profile("apache-2.0"), profile("llama3.1"))]
[('license_changed', 'apache-2.0', 'llama3.1')]
>>> license_drift(profile(None), profile("MIT"))[0].message
'license changed from no license recorded to MIT'
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from rmfkit.licenses.report import ComponentLicense, analyze
from rmfkit.models.system import SystemProfile

NO_LICENSE = "no license recorded"


@dataclass(frozen=True)
class LicenseChange:
    component: str
    change: str                      # added | removed | license_changed | text_changed | version_changed
    message: str
    old_license: str | None
    new_license: str | None
    old_text_sha256: str | None
    new_text_sha256: str | None
    old_openness: str | None
    new_openness: str | None
    findings_added: tuple[dict, ...] = ()
    findings_removed: tuple[dict, ...] = ()
    old_version: str | None = None
    new_version: str | None = None

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["findings_added"] = list(self.findings_added)
        data["findings_removed"] = list(self.findings_removed)
        return data


def _label(c: ComponentLicense | None) -> str | None:
    if c is None:
        return None
    comp = c.classification.component
    if comp.license and comp.license.lower() == "other" and comp.license_name:
        return f"other ({comp.license_name})"
    return comp.license


def _named(c: ComponentLicense | None) -> str:
    """The license as a sentence names it: its id, its name for ``other``, or that none is recorded."""
    if c is None or not c.classification.component.license:
        return NO_LICENSE
    comp = c.classification.component
    return comp.license_name if comp.license.lower() == "other" and comp.license_name else comp.license


def _finding_delta(old: ComponentLicense | None, new: ComponentLicense | None) -> tuple[tuple, tuple]:
    def keyed(c):
        return {(f.topic, f.severity, f.message): f.to_dict() for f in (c.findings if c else ())}

    before, after = keyed(old), keyed(new)
    return (tuple(v for k, v in after.items() if k not in before),
            tuple(v for k, v in before.items() if k not in after))


def license_drift(old: SystemProfile, new: SystemProfile) -> list[LicenseChange]:
    """Every license change between ``old`` and ``new``, in component order (removed ones last)."""
    before = {c.id: c for c in analyze(old).components}
    after = {c.id: c for c in analyze(new).components}
    changes = []
    for cid in [*after, *[i for i in before if i not in after]]:
        o, n = before.get(cid), after.get(cid)
        oc = o.classification.component if o else None
        nc = n.classification.component if n else None
        if oc is None:
            kind, message = "added", f"component added under {_named(n)}"
        elif nc is None:
            kind, message = "removed", f"component removed (was under {_named(o)})"
        elif (oc.license or "").lower() != (nc.license or "").lower() or \
                (oc.license_name or "") != (nc.license_name or ""):
            kind, message = "license_changed", f"license changed from {_named(o)} to {_named(n)}"
        elif oc.license_text_sha256 != nc.license_text_sha256 and oc.license_text_sha256 and nc.license_text_sha256:
            kind = "text_changed"
            message = (f"license text of {_named(n)} changed under the same name (SHA-256 "
                       f"{oc.license_text_sha256[:12]}… → {nc.license_text_sha256[:12]}…): re-read it")
        elif (oc.license_version or "") != (nc.license_version or "") and oc.license_version and nc.license_version:
            kind = "version_changed"
            message = f"license version of {_named(n)} changed from {oc.license_version} to {nc.license_version}"
        else:
            continue
        added, removed = _finding_delta(o, n)
        changes.append(LicenseChange(
            cid, kind, message, _label(o), _label(n), oc.license_text_sha256 if oc else None,
            nc.license_text_sha256 if nc else None, o.classification.openness if o else None,
            n.classification.openness if n else None, added, removed,
            oc.license_version if oc else None, nc.license_version if nc else None))
    return changes
