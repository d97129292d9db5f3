"""``frameworks.yaml`` (optional): what the team states for ISO/IEC 42001 and the EU AI Act.

Everything here is the team's own statement; the packaged data (``rmfkit/frameworks/data``) holds the ids,
the crosswalk and the legal facts. Four parts, all optional:

- ``iso42001``: per Annex A control, applicability with its justification and, if the team assesses it
  directly, a status (which then wins over the status derived from the RMF); clauses 4-10 likewise;
- ``pairs``: the team's own AI RMF -> target pairs with a NIST IR 8477 relationship and a rationale;
- ``ai_act``: the role of each system or model, and the risk-tier screening answers with justifications;
- ``obligations``: owner (and optionally a direct status) per AI Act obligation, e.g. ``"Art 50(1)"``.

>>> doc = FrameworksFile.model_validate({"schema_version": 1,
...     "iso42001": {"controls": {"A.2.2": {"applicable": True, "justification": "AI policy needed",
...                                         "status": "partially_met", "owner": "Governance lead"}}},
...     "pairs": [{"rmf": "GOVERN 2.2", "target": "Art 4", "framework": "eu-ai-act",
...                "relationship": "intersects", "rationale": "training overlaps AI literacy"}]})
>>> doc.iso42001.controls["A.2.2"].status, doc.pairs[0].relationship
('partially_met', 'intersects')
"""
from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field, model_validator

from rmfkit.models.base import Record, Strict

DirectStatus = Literal["met", "partially_met", "not_met", "not_applicable", "not_assessed"]
Relationship = Literal["equal", "subset", "superset", "intersects"]
RELATIONSHIPS: tuple[str, ...] = ("equal", "subset", "superset", "intersects")
Role = Literal["provider", "deployer", "importer", "distributor", "authorised_representative",
               "gpai_model_provider", "gpai_model_provider_systemic_risk", "product_manufacturer"]
Answer = Literal["yes", "no", "unsure"]
ISO_ID = r"^(A\.\d+\.\d+(\.\d+)?|\d+(\.\d+){0,2})$"
PROVISION_ID = r"^Art \d+[a-z]?(\(\d+[a-z]?\))?$"


class DirectAssessment(Strict):
    """The team's own assessment of one target item; a ``status`` makes it direct (it wins over derived)."""

    status: DirectStatus | None = Field(None, description="Set to assess the item directly; leave out to "
                                        "derive it from the RMF assessment")
    owner: str | None = None
    evidence: list[str] = Field(default_factory=list, description="Evidence ids in this workspace")
    justification: str | None = Field(None, description="Why this status (required for not_applicable)")
    last_reviewed: dt.date | None = None


class IsoControl(DirectAssessment):
    """One Annex A control in the Statement of Applicability."""

    applicable: bool = True
    applicability_justification: str | None = Field(
        None, description="Why the control is included or excluded (ISO/IEC 42001 asks for both)")


class Iso42001(Strict):
    controls: dict[str, IsoControl] = Field(default_factory=dict, description="By Annex A id, e.g. 'A.6.2.6'")
    clauses: dict[str, DirectAssessment] = Field(default_factory=dict, description="By clause id, e.g. '9.2.1'")

    @model_validator(mode="after")
    def _ids(self) -> "Iso42001":
        import re

        for key in (*self.controls, *self.clauses):
            if not re.fullmatch(ISO_ID, key):
                raise ValueError(f"'{key}' is not an ISO/IEC 42001 id (like 'A.6.2.6' or '9.2.1')")
        return self


class TeamPair(Strict):
    """A pair the team records itself: the RMF subcategory ``relationship`` the target (NIST IR 8477)."""

    rmf: str = Field(..., min_length=1, description="AI RMF subcategory, e.g. 'MEASURE 2.7'")
    framework: Literal["iso42001", "eu-ai-act"]
    target: str = Field(..., min_length=1, description="ISO id ('A.6.2.4') or AI Act provision ('Art 50(1)')")
    relationship: Relationship = Field(..., description="The subcategory is equal to / a subset of / a superset "
                                       "of / intersects the target; only equal and superset cover it")
    rationale: str = Field(..., min_length=1)
    recorded_by: str | None = None
    recorded_on: dt.date | None = None


class Screened(Strict):
    """One screening answer with the reason for it."""

    answer: Answer
    justification: str = Field(..., min_length=1)


class Exemption(Screened):
    """The Art 6(3) derogation: claimed or not, on which condition, and whether the system profiles people."""

    condition: Literal["6(3)(a)", "6(3)(b)", "6(3)(c)", "6(3)(d)"] | None = None
    profiling: Answer | None = Field(None, description="Art 6(3): an Annex III system that profiles natural "
                                     "persons is always high-risk")


class Screening(Strict):
    """Risk-tier screening: Art 5(1) by point, Annex III by area, the Annex I route, Art 50 cases, Art 6(3)."""

    prohibited: dict[str, Screened] = Field(default_factory=dict, description="By Art 5(1) point, e.g. '5(1)(a)'")
    annex_iii: dict[str, Screened] = Field(default_factory=dict, description="By Annex III area, '1' to '8'")
    annex_i: Screened | None = Field(None, description="Art 6(1): safety component of / product under Annex I "
                                     "legislation needing third-party conformity assessment")
    exemption_6_3: Exemption | None = None
    transparency: dict[str, Screened] = Field(default_factory=dict, description="By Art 50 case, e.g. '50(1)'")


class ValueChain(Strict):
    """Art 25(1) cases and GPAI fine-tuning: recorded as answers, flagged for legal review, never decided."""

    name_or_trademark: Screened | None = None
    substantial_modification: Screened | None = None
    intended_purpose_change: Screened | None = None
    fine_tunes_gpai_model: Screened | None = None


class AiActSystem(Strict):
    """An AI system or general-purpose AI model the team deals with, and the role(s) it holds for it."""

    id: str = Field(..., min_length=1)
    name: str | None = None
    kind: Literal["ai_system", "gpai_model"] = "ai_system"
    component: str | None = Field(None, description="Component id in system.yaml, if it is one")
    roles: list[Role] = Field(default_factory=list, description="Empty: the team holds no AI Act role for it")
    role_justification: str = Field(..., min_length=1)
    value_chain: ValueChain = Field(default_factory=ValueChain)
    screening: Screening | None = Field(None, description="For AI systems: the risk-tier screening")


class AiAct(Strict):
    systems: list[AiActSystem] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique(self) -> "AiAct":
        ids = [s.id for s in self.systems]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"system id(s) listed twice: {', '.join(dupes)}")
        return self


class FrameworksFile(Record):
    """``frameworks.yaml``: ISO/IEC 42001 SoA entries, team pairs, AI Act roles, screening and obligations."""

    iso42001: Iso42001 = Field(default_factory=Iso42001)
    pairs: list[TeamPair] = Field(default_factory=list)
    ai_act: AiAct = Field(default_factory=AiAct)
    obligations: dict[str, DirectAssessment] = Field(default_factory=dict,
                                                     description="By AI Act provision, e.g. 'Art 50(1)'")

    @model_validator(mode="after")
    def _provisions(self) -> "FrameworksFile":
        import re

        bad = [k for k in self.obligations if not re.fullmatch(PROVISION_ID, k)]
        bad += [p.target for p in self.pairs if p.framework == "eu-ai-act" and not re.fullmatch(PROVISION_ID, p.target)]
        if bad:
            raise ValueError(f"'{bad[0]}' is not an AI Act provision id (write it like 'Art 4' or 'Art 50(1)')")
        return self
