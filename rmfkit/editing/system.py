"""The system profile: purpose, users, deployment, components, data categories and data flows.

Each call is one locked, validated save of ``system.yaml`` (:func:`rmfkit.editing.common.saving`).

>>> import tempfile, pathlib
>>> from rmfkit.workspace import Workspace
>>> ws = Workspace.create(pathlib.Path(tempfile.mkdtemp()) / "w", system_id="s", name="S", owner="o")
>>> set_profile(ws, purpose="Triage insurance claims", users=["claims handlers"]).users
['claims handlers']
>>> set_component(ws, "mistral-7b", name="Mistral-7B-Instruct", layer="weights", license="Apache-2.0").layer
'weights'
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterable

from rmfkit.editing.common import clean, lines, saving, validated
from rmfkit.errors import UnknownIdError, UsageError
from rmfkit.models.system import (Component, DataCategory, DataFlow, IntendedUse, OpennessDecision,
                                  SystemProfile)

if TYPE_CHECKING:
    from rmfkit.models.operations import Operations
    from rmfkit.workspace import Workspace

FILE = "system.yaml"
PROFILE_FIELDS = ("name", "owner", "version", "purpose", "context", "users", "affected_groups",
                  "deployment_pattern", "generative", "automated_decisions", "go_live", "primary_model")
LIST_FIELDS = ("users", "affected_groups")


def _save(ws: "Workspace", data: dict) -> SystemProfile:
    profile = validated(SystemProfile, data, file=FILE)
    ws.put(FILE, profile)
    return profile


def _data(ws: "Workspace") -> dict:
    return ws.system.model_dump(exclude_unset=True)


def set_profile(ws: "Workspace", *, intended_use: dict | None = None, **fields: Any) -> SystemProfile:
    """Change top-level fields of the profile (``purpose``, ``users``, ``affected_groups``,
    ``deployment_pattern``, ...) and any ``intended_use`` answers; empty text clears a field."""
    unknown = sorted(set(fields) - set(PROFILE_FIELDS))
    if unknown:
        raise UsageError(f"'{unknown[0]}' is not a profile field", field=unknown[0],
                         hint="fields: " + ", ".join(PROFILE_FIELDS))
    with saving(ws):
        data = _data(ws)
        for key, value in fields.items():
            value = lines(value) if key in LIST_FIELDS else value
            if value is None or (isinstance(value, str) and not value.strip()):
                data.pop(key, None)
            else:
                data[key] = value
        if intended_use:
            data["intended_use"] = {**data.get("intended_use", {}), **intended_use}
            validated(IntendedUse, data["intended_use"], file=FILE, prefix="intended_use.")
        return _save(ws, data)


def set_component(ws: "Workspace", component_id: str, *, artifact_sha256: str | None = None,
                  **fields: Any) -> Component:
    """Add or change a component (``name``, ``layer``, ``license``, ``version``, ``supplier``, ``source_url``...).

    ``artifact_sha256`` records the published SHA-256 of the artefact in ``operations.yaml`` (checked by
    ``rmfkit ops verify-artifact``); the operations file is started if it does not exist yet.
    """
    with saving(ws):
        data = _data(ws)
        components = data.setdefault("components", [])
        index = next((i for i, c in enumerate(components) if c["id"] == component_id), None)
        current = components[index] if index is not None else {"id": component_id}
        merged = {**current, **fields}
        merged = {k: v for k, v in merged.items() if not (v is None or (isinstance(v, str) and not v.strip()))}
        where = f"components.{component_id}."
        component = validated(Component, merged, file=FILE, prefix=where)
        if index is None:
            components.append(merged)
        else:
            components[index] = merged
        _save(ws, data)
        if artifact_sha256:
            _expect_artifact(ws, component_id, artifact_sha256.strip().lower().removeprefix("sha256:"))
        return component


def _expect_artifact(ws: "Workspace", component_id: str, digest: str) -> None:
    from rmfkit.models.operations import Operations

    ops = _operations(ws)
    data = ops.model_dump(exclude_unset=True)
    artifacts = [a for a in data.get("artifacts", []) if a["component"] != component_id]
    artifacts.append({"component": component_id, "sha256": digest})
    data["artifacts"] = artifacts
    ws.put("operations.yaml", validated(Operations, data, file="operations.yaml",
                                         prefix=f"artifacts.{component_id}."))


def _operations(ws: "Workspace") -> "Operations":
    from rmfkit.ops import starter_operations

    return ws.records.get("operations.yaml") or starter_operations()


def remove_component(ws: "Workspace", component_id: str) -> None:
    """Remove a component; refused while a data flow, risk or threshold still names it (validation says which)."""
    with saving(ws):
        data = _data(ws)
        kept = [c for c in data.get("components", []) if c["id"] != component_id]
        if len(kept) == len(data.get("components", [])):
            raise UnknownIdError(f"unknown component '{component_id}'", file=FILE, field="components")
        data["components"] = kept
        _save(ws, data)


def set_data_category(ws: "Workspace", category_id: str, *, name: str, special_category: bool = False,
                      description: str | None = None) -> DataCategory:
    """Add or change a category of personal data; ``special_category`` (GDPR Art. 9) belongs here, not on a flow."""
    with saving(ws):
        data = _data(ws)
        entry = clean({"id": category_id, "name": name, "description": description})
        entry["special_category"] = bool(special_category)
        category = validated(DataCategory, entry, file=FILE, prefix=f"data_categories.{category_id}.")
        categories = [c for c in data.get("data_categories", []) if c["id"] != category_id]
        position = next((i for i, c in enumerate(data.get("data_categories", [])) if c["id"] == category_id),
                        len(categories))
        categories.insert(position, entry)
        data["data_categories"] = categories
        _save(ws, data)
        return category


def set_data_flow(ws: "Workspace", flow_id: str, **fields: Any) -> DataFlow:
    """Add or change a data flow (``description``, ``data``, ``source``, ``destination``, ``personal_data``
    as data category ids, ``data_subjects``, ``processor``, ``region``, ``transfer_mechanism``, ``retention``)."""
    with saving(ws):
        data = _data(ws)
        flows = data.setdefault("data_flows", [])
        index = next((i for i, f in enumerate(flows) if f["id"] == flow_id), None)
        current = flows[index] if index is not None else {"id": flow_id}
        for key in ("personal_data", "data_subjects"):
            if key in fields:
                fields[key] = lines(fields[key])
        merged = {**current, **fields}
        merged = {k: v for k, v in merged.items() if not (v is None or (isinstance(v, str) and not v.strip()))}
        flow = validated(DataFlow, merged, file=FILE, prefix=f"data_flows.{flow_id}.")
        if index is None:
            flows.append(merged)
        else:
            flows[index] = merged
        _save(ws, data)
        return flow


def adopt_data_categories(ws: "Workspace", special: Iterable[str] = ()) -> list[DataCategory]:
    """Migration of an older profile: every personal-data name its flows carry becomes a data category.

    Flows used to say "special category" for everything they carried; this moves the flag onto the
    categories named in ``special`` only (the team confirms which), and drops it from the flows.
    """
    from rmfkit.editing.common import slug_id

    with saving(ws):
        data = _data(ws)
        if data.get("data_categories"):
            return list(ws.system.data_categories)
        special = set(special)
        ids: dict[str, str] = {}
        for flow in data.get("data_flows", []):
            for name in flow.get("personal_data", []):
                ids.setdefault(name, slug_id(name, set(ids.values())))
            flow.pop("special_category_data", None)
            flow["personal_data"] = [ids[n] for n in flow.get("personal_data", [])]
        data["data_categories"] = [{"id": cid, "name": name, "special_category": name in special or cid in special}
                                   for name, cid in ids.items()]
        return list(_save(ws, data).data_categories)


def decide_openness(ws: "Workspace", needs: Iterable[str], *, decided_by: str | None = None,
                    notes: str | None = None) -> OpennessDecision:
    """Record the team's needs and the level of openness they call for (the decision helper's answer).

    >>> import tempfile, pathlib
    >>> from rmfkit.workspace import Workspace
    >>> ws = Workspace.create(pathlib.Path(tempfile.mkdtemp()) / "w", system_id="s", name="S", owner="o")
    >>> decision = decide_openness(ws, ["ship_fast", "strict_privacy"], decided_by="ML lead")
    >>> decision.level, decision.acceptable, ws.system.openness_decision.needs
    ('open_weights', ['open_source', 'open_weights'], ['ship_fast', 'strict_privacy'])
    """
    from rmfkit.clock import today
    from rmfkit.licenses.decision import recommend_openness

    chosen = recommend_openness(list(needs))
    decision = clean({"needs": list(chosen.needs), "level": chosen.level, "acceptable": list(chosen.acceptable),
                      "decided_on": today(), "decided_by": decided_by, "notes": notes})
    with saving(ws):
        data = _data(ws)
        data["openness_decision"] = decision
        return _save(ws, data).openness_decision
