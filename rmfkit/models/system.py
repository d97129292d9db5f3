"""``system.yaml``: the system profile — purpose, context, intended use, components and data flows.

>>> Component(id="vllm", name="vLLM", layer="tooling", license="Apache-2.0").layer
'tooling'
"""
from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field, model_validator

from rmfkit.models.base import Record, Strict
from rmfkit.models.build import Build

Layer = Literal["framework", "architecture", "weights", "data", "tooling", "service"]
LAYERS: tuple[str, ...] = ("framework", "architecture", "weights", "data", "tooling", "service")
DeploymentPattern = Literal["self_hosted", "hosted_api", "hybrid", "on_device", "batch", "embedded"]
Id = str
DiligenceRating = Literal["good", "adequate", "concern", "not_assessed"]


class DiligenceCheck(Strict):
    """One of the eight due-diligence checks of a component: a rating, a note, the evidence behind it."""

    rating: DiligenceRating = "not_assessed"
    note: str | None = None
    evidence: list[Id] = Field(default_factory=list)


class DueDiligence(Strict):
    """The eight checks a careful team makes before adopting an open project (see rmfkit.licenses).

    >>> DueDiligence(security_posture={"rating": "concern", "note": "no SECURITY.md"}).security_posture.rating
    'concern'
    """

    license_clarity: DiligenceCheck | None = None
    documentation: DiligenceCheck | None = None
    release_cadence: DiligenceCheck | None = None
    benchmarks_evaluations: DiligenceCheck | None = None
    maintenance_governance: DiligenceCheck | None = None
    ecosystem_fit: DiligenceCheck | None = None
    security_posture: DiligenceCheck | None = None
    community_signals: DiligenceCheck | None = None
    assessed_on: dt.date | None = None
    assessed_by: str | None = None


class ReleaseComponent(Strict):
    """One part of a model release (Model Openness Framework component): published or not, and its license.

    ``license`` None means the part is under the component's own license.
    """

    available: bool = True
    license: str | None = Field(None, description="SPDX expression or Hugging Face id; empty = the component's license")
    url: str | None = None
    note: str | None = None
    evidence: list[Id] = Field(default_factory=list)


class Component(Strict):
    """One building block of the system, on one layer of the stack, under one license."""

    id: Id = Field(..., min_length=1, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
    name: str
    layer: Layer
    version: str | None = None
    source_url: str | None = None
    license: str | None = Field(None, description="SPDX expression, Hugging Face license id, or a named model license")
    license_name: str | None = Field(None, description="Name of a custom license (with license: other)")
    license_link: str | None = None
    license_text_sha256: str | None = Field(None, pattern=r"^[0-9a-f]{64}$",
                                            description="SHA-256 of the license text that was evaluated")
    supplier: str | None = None
    description: str | None = None
    evidence: list[Id] = Field(default_factory=list)
    license_version: str | None = Field(None, description="Version or date of the license text that was evaluated")
    release_components: dict[str, ReleaseComponent] = Field(
        default_factory=dict, description="For a model: which Model Openness Framework components its release "
                                          "publishes (keys like model_card, training_code, data_card)")
    due_diligence: DueDiligence | None = None
    build: Build | None = Field(None, description="For a model: the build it serves now (digest, repository, "
                                                  "revision, quantization, serving); evidence from another build "
                                                  "stops supporting what it backed")


class DataCategory(Strict):
    """A category of personal data the system handles; special category (GDPR Art. 9) is its property.

    >>> DataCategory(id="health", name="Health details in claims", special_category=True).special_category
    True
    """

    id: Id = Field(..., min_length=1, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
    name: str = Field(..., min_length=1)
    special_category: bool = Field(False, description="GDPR Art. 9 special-category (or Art. 10 criminal) data")
    description: str | None = None


class DataFlow(Strict):
    """Data moving from a source to a component or processor, and what personal data it carries.

    With ``data_categories`` declared in the profile, ``personal_data`` names their ids and
    ``special_category_data`` is derived from them (never written); without them (older profiles) the
    flow's own flag stands: :func:`rmfkit.editing.system.adopt_data_categories` moves it onto categories.
    """

    id: Id = Field(..., min_length=1)
    description: str
    data: str = Field(..., description="What data moves (e.g. 'customer prompts and retrieved articles')")
    personal_data: list[str] = Field(default_factory=list, description="Data category ids (or, in a profile "
                                                                         "without data_categories, names)")
    special_category_data: bool = Field(False, description="Derived from the data categories when they are "
                                                           "declared; set only in a profile without them")
    data_subjects: list[str] = Field(default_factory=list)
    source: str
    destination: Id = Field(..., description="Component id (or processor name) receiving the data")
    processor: str | None = Field(None, description="Legal entity processing the data on our behalf, if any")
    region: str | None = Field(None, description="Where the destination processes the data, e.g. EU, US")
    transfer_mechanism: str | None = Field(None, description="Art. 46 mechanism for transfers outside the EEA")
    retention: str | None = None
    share_of_requests: float | None = Field(None, ge=0, le=1)


class IntendedUse(Strict):
    """What the team intends to do with the system; the license policy check reads this."""

    commercial_use: bool = True
    serves_third_parties: bool = False
    redistributes_weights: bool = False
    fine_tunes_and_publishes: bool = False
    trains_on_outputs: bool = False
    eu_users: bool = False
    expected_monthly_active_users: int | None = Field(None, ge=0)
    summary: str | None = None
    distributes_software: bool = Field(False, description="Ships code or the application into customers' "
                                                           "environments (on-premises, app, SDK)")


OpennessLevel = Literal["open_source", "open_weights", "open_access"]


class OpennessDecision(Strict):
    """The team's needs and the level of openness they call for (session 01's decision helper): the license
    analysis checks the main model against ``acceptable``."""

    needs: list[str] = Field(..., min_length=1, description="Need ids (rmfkit's decision helper): ship_fast, "
                                                             "strict_privacy, commercial_redistribution, …")
    level: OpennessLevel | None = Field(None, description="The level the strictest need calls for (none: try both)")
    acceptable: list[OpennessLevel] = Field(default_factory=list, description="Levels that satisfy every need")
    decided_on: dt.date | None = None
    decided_by: str | None = None
    notes: str | None = None


class SystemProfile(Record):
    id: Id = Field(..., min_length=1)
    name: str
    version: str | None = None
    owner: str
    purpose: str
    context: str | None = None
    users: list[str] = Field(default_factory=list)
    affected_groups: list[str] = Field(default_factory=list)
    deployment_pattern: DeploymentPattern
    generative: bool = Field(True, description="Generative AI system: AI 600-1 guidance applies")
    automated_decisions: bool = Field(False, description="Makes decisions with legal or similar effect on people")
    intended_use: IntendedUse = Field(default_factory=IntendedUse)
    components: list[Component] = Field(default_factory=list)
    data_categories: list[DataCategory] = Field(default_factory=list, description="Personal data the system "
                                                "handles; data flows name these ids in personal_data")
    data_flows: list[DataFlow] = Field(default_factory=list)
    go_live: dt.date | None = None
    primary_model: Id | None = Field(None, description="Component id of the main model release (its MOF class is "
                                                      "reported); default: the first weights component")
    openness_decision: OpennessDecision | None = None

    @model_validator(mode="after")
    def _flows_use_categories(self) -> "SystemProfile":
        """With data categories declared: flows name them, and a flow's special flag is derived from them."""
        if not self.data_categories:
            return self
        special = {c.id: c.special_category for c in self.data_categories}
        if len(special) != len(self.data_categories):
            raise ValueError("data_categories: a data category id is used twice")
        for flow in self.data_flows:
            unknown = [name for name in flow.personal_data if name not in special]
            if unknown:
                raise ValueError(f"data_flows.{flow.id}.personal_data: '{unknown[0]}' is not a data category id "
                                 "(declare it under data_categories)")
            derived = any(special[name] for name in flow.personal_data)
            if "special_category_data" in flow.model_fields_set and flow.special_category_data != derived:
                raise ValueError(f"data_flows.{flow.id}.special_category_data: special category is a property of "
                                 "the data category; set special_category on data_categories instead")
            flow.__dict__["special_category_data"] = derived
        return self

    def component(self, component_id: str) -> Component | None:
        return next((c for c in self.components if c.id == component_id), None)

    def data_category(self, category_id: str) -> DataCategory | None:
        return next((c for c in self.data_categories if c.id == category_id), None)
