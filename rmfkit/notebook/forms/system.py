"""Forms of session 01: the system profile, components (license picked from the packaged facts),
data categories and data flows — each saving through :mod:`rmfkit.editing.system`.

>>> import tempfile, pathlib
>>> from rmfkit.workspace import Workspace
>>> ws = Workspace.create(pathlib.Path(tempfile.mkdtemp()) / "w", system_id="s", name="S", owner="o")
>>> form = profile_form(ws).set(purpose="Triage claims", users=["claims handlers"])
>>> form.save(), ws.system.users
('Saved the system profile', ['claims handlers'])
>>> "Apache-2.0" in license_choices()
True
"""
from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, Any, Iterable

from rmfkit.notebook.forms.base import Field, Form, call_text

if TYPE_CHECKING:
    from rmfkit.workspace import Workspace

USE_FIELDS = ("commercial_use", "serves_third_parties", "eu_users", "expected_monthly_active_users")
DEPLOYMENTS = ("self_hosted", "hosted_api", "hybrid", "on_device", "batch", "embedded")


@lru_cache(maxsize=1)
def license_choices() -> tuple[str, ...]:
    """License ids the toolkit has facts for (SPDX ids and named model licenses), sorted."""
    from rmfkit.licenses.facts import model_licenses, spdx_facts

    return tuple(sorted({*spdx_facts(), *model_licenses()}, key=str.lower))


def profile_form(ws: "Workspace", refresh: Iterable[Any] = ()) -> Form:
    """Purpose, users, affected groups, deployment and the intended use that the license checks read."""
    from rmfkit.editing import system

    s = ws.system
    fields = [Field("name", "System name"), Field("owner", "Owner (name, role)"),
              Field("purpose", "Purpose", "area"), Field("context", "Context", "area"),
              Field("users", "Users (one per line)", "lines"),
              Field("affected_groups", "Affected groups (one per line)", "lines"),
              Field("deployment_pattern", "Deployment", "choice", DEPLOYMENTS),
              Field("generative", "Generative AI", "bool"),
              Field("automated_decisions", "Decisions with legal effect", "bool"),
              Field("commercial_use", "Commercial use", "bool"),
              Field("serves_third_parties", "Serves third parties", "bool"),
              Field("eu_users", "EU users", "bool"),
              Field("expected_monthly_active_users", "Monthly active users", "int")]
    initial = {**s.model_dump(include={"name", "owner", "purpose", "context", "users", "affected_groups",
                                        "deployment_pattern", "generative", "automated_decisions"}),
               **s.intended_use.model_dump(include=set(USE_FIELDS))}

    def split(v: dict) -> tuple[dict, dict]:
        use = {k: v[k] for k in USE_FIELDS if k in v}
        return {k: x for k, x in v.items() if k not in USE_FIELDS}, use

    def action(v: dict) -> str:
        profile, use = split(v)
        system.set_profile(ws, intended_use=use, **profile)
        return "Saved the system profile"

    def call(v: dict) -> str:
        profile, use = split(v)
        return call_text("system.set_profile", intended_use=use, **profile)

    return Form(ws, title="System profile", fields=fields, initial=initial, action=action, call=call,
                refresh=refresh)


def component_form(ws: "Workspace", component_id: str | None = None, refresh: Iterable[Any] = ()) -> Form:
    """One component: id, name, layer, license (from the packaged facts), version, supplier, artefact SHA-256."""
    from rmfkit.editing import system
    from rmfkit.models.system import LAYERS

    current = ws.system.component(component_id) if component_id else None
    expected = ws.records.get("operations.yaml")
    artifact = expected.artifact(component_id) if expected is not None and component_id else None
    fields = [Field("id", "Component id", placeholder="e.g. mistral-7b-instruct"), Field("name", "Name"),
              Field("layer", "Layer", "choice", LAYERS),
              Field("license", "License", "choice", (("— not known yet —", None), *license_choices())),
              Field("version", "Version"), Field("supplier", "Supplier"), Field("source_url", "Source URL"),
              Field("artifact_sha256", "Artefact SHA-256", placeholder="published checksum of the weights file")]
    initial = current.model_dump(include={"id", "name", "layer", "license", "version", "supplier", "source_url"}) \
        if current else {"layer": "weights"}
    initial["artifact_sha256"] = artifact.sha256 if artifact else None

    def action(v: dict) -> str:
        values = dict(v)
        system.set_component(ws, values.pop("id") or "", **values)
        return f"Saved component {v['id']}"

    def call(v: dict) -> str:
        values = dict(v)
        return call_text("system.set_component", values.pop("id"), **values)

    return Form(ws, title=f"Component {component_id}" if component_id else "New component", fields=fields,
                initial=initial, action=action, call=call, refresh=refresh)


def data_category_form(ws: "Workspace", category_id: str | None = None, refresh: Iterable[Any] = ()) -> Form:
    """A category of personal data; special category (GDPR Art. 9) is set here, once, for every flow."""
    from rmfkit.editing import system

    current = ws.system.data_category(category_id) if category_id else None
    fields = [Field("id", "Category id", placeholder="e.g. health-details"), Field("name", "Name"),
              Field("special_category", "Special category (Art. 9)", "bool"),
              Field("description", "Description", "area")]
    initial = current.model_dump() if current else {"special_category": False}

    def action(v: dict) -> str:
        values = dict(v)
        system.set_data_category(ws, values.pop("id") or "", **values)
        return f"Saved data category {v['id']}"

    def call(v: dict) -> str:
        values = dict(v)
        return call_text("system.set_data_category", values.pop("id"), **values)

    return Form(ws, title=f"Data category {category_id}" if category_id else "New data category", fields=fields,
                initial=initial, action=action, call=call, refresh=refresh)


def data_flow_form(ws: "Workspace", flow_id: str | None = None, refresh: Iterable[Any] = ()) -> Form:
    """A data flow: what moves where, which data categories it carries, processor, region, transfer basis."""
    from rmfkit.editing import system

    s = ws.system
    current = next((f for f in s.data_flows if f.id == flow_id), None)
    fields = [Field("id", "Flow id", placeholder="e.g. claims-to-model"), Field("description", "Description"),
              Field("data", "What data moves"), Field("source", "Source"),
              Field("destination", "Destination", "choice", tuple(c.id for c in s.components) or ("",)),
              Field("personal_data", "Data categories", "multi", tuple((c.name, c.id) for c in s.data_categories)),
              Field("data_subjects", "Data subjects (one per line)", "lines"), Field("processor", "Processor"),
              Field("region", "Region", placeholder="EU, US…"), Field("transfer_mechanism", "Transfer mechanism"),
              Field("retention", "Retention")]
    initial = current.model_dump(exclude={"special_category_data", "share_of_requests"}) if current else {}

    def action(v: dict) -> str:
        values = dict(v)
        system.set_data_flow(ws, values.pop("id") or "", **values)
        return f"Saved data flow {v['id']}"

    def call(v: dict) -> str:
        values = dict(v)
        return call_text("system.set_data_flow", values.pop("id"), **values)

    return Form(ws, title=f"Data flow {flow_id}" if flow_id else "New data flow", fields=fields, initial=initial,
                action=action, call=call, refresh=refresh)


def openness_form(ws: "Workspace", refresh: Iterable[Any] = ()) -> Form:
    """The team's needs for the openness of its model; saving records the decision helper's answer."""
    from rmfkit.editing import system
    from rmfkit.licenses.decision import needs

    decision = ws.system.openness_decision
    fields = [Field("needs", "What the team needs most", "multi", [(label, key) for key, label in needs().items()]),
              Field("decided_by", "Decided by (name, role)"), Field("notes", "Why", "area")]
    initial = decision.model_dump(include={"needs", "decided_by", "notes"}) if decision else {"needs": []}

    def action(v: dict) -> str:
        recorded = system.decide_openness(ws, v["needs"], decided_by=v.get("decided_by"), notes=v.get("notes"))
        return f"Recorded the openness decision: {(recorded.level or 'no single level').replace('_', ' ')}"

    def call(v: dict) -> str:
        return call_text("system.decide_openness", v["needs"], decided_by=v.get("decided_by"), notes=v.get("notes"))

    return Form(ws, title="Openness decision", fields=fields, initial=initial, action=action, call=call,
                refresh=refresh)
