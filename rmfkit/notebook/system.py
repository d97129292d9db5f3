"""The system profile in the notebooks: the system card, its components by layer and its data flows.

These read the records (through the packet's :func:`rmfkit.views.packet.system_profile`), not the
analysis: a profile is what the team wrote, nothing computed.

>>> import pathlib, tempfile
>>> from rmfkit.workspace import Workspace
>>> ws = Workspace.create(pathlib.Path(tempfile.mkdtemp()) / "w", system_id="s", name="S", owner="o")
>>> system_card(ws)
S
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from rmfkit.notebook.html import Html, Table, facts, label, table

if TYPE_CHECKING:
    from rmfkit.records import Records
    from rmfkit.workspace import Workspace


def records_of(source: "Workspace | Records") -> "Records":
    """The records of a workspace as they stand now (a :class:`~rmfkit.records.Records` passes through)."""
    return source.current() if hasattr(source, "current") else source


def system_card(source: "Workspace | Records") -> Html:
    """Who owns the system, what it is for, how it is deployed (the packet's system profile)."""
    from rmfkit.views.packet import system_profile

    records = records_of(source)
    system, use = records.system, records.system.intended_use
    profile = system_profile(records)
    pairs = {"id": system.id, "owner": system.owner, "purpose": profile["purpose"],
             "deployment": label(system.deployment_pattern), "generative AI": profile["generative"],
             "users": profile["users"], "affected groups": profile["affected_groups"], "EU users": use.eu_users,
             "serves third parties": use.serves_third_parties, "components": len(profile["components"]),
             "data flows": len(profile["data_flows"]), "go-live": profile["go_live"]}
    return facts(system.name + (f" v{system.version}" if system.version else ""), pairs)


def components_table(source: "Workspace | Records") -> Table:
    """The system's components, by stack layer, with license and supplier."""
    from rmfkit.models.system import LAYERS
    from rmfkit.views.packet import system_profile

    rows = sorted(system_profile(records_of(source))["components"], key=lambda c: LAYERS.index(c["layer"]))
    return table(rows, {"layer": "Layer", "id": "Component", "name": "Name", "version": "Version",
                        "license": "License", "supplier": "Supplier"}, title="Components by layer")


def data_flows_table(source: "Workspace | Records") -> Table:
    """Where data goes: personal data carried, processor, region, transfer mechanism."""
    from rmfkit.views.packet import system_profile

    rows = system_profile(records_of(source))["data_flows"]
    return table(rows, {"id": "Flow", "data": "Data", "personal_data": "Personal data", "destination": "To",
                        "processor": "Processor", "region": "Region", "transfer_mechanism": "Transfer mechanism"},
                 title="Data flows", wrap_columns=("data", "personal_data"))
