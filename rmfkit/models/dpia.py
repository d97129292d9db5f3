"""``dpia.yaml``: the GDPR DPIA screening record and the Art. 35(7) inputs.

Structure follows the field list of the DPIA reference (WP248 rev.01, ICO template, CNIL PIA method):
screening (Art. 35(3) triggers, the nine WP248 criteria C1–C9, decision), systematic description
(35(7)(a)), necessity and proportionality per principle and right (35(7)(b)), risks to rights and
freedoms scored 1–4 for severity and likelihood (35(7)(c), the CNIL gauge scale), measures with
residual risk (35(7)(d)), DPO advice (35(2)), data subjects' views (35(9)) and sign-off.

>>> Answer(answer="no", rationale="No decisions about people are made").answer
'no'
>>> sorted(CRITERIA)[:2]
['C1', 'C2']
"""
from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field, ValidationInfo, field_validator

from rmfkit.models.base import Record, Strict

YesNoUnsure = Literal["yes", "no", "unsure"]
CriterionId = Literal["C1", "C2", "C3", "C4", "C5", "C6", "C7", "C8", "C9"]
TriggerId = Literal["a", "b", "c"]
Decision = Literal["required", "recommended", "not_required"]
LifecyclePhase = Literal["development", "training", "fine-tuning", "evaluation", "deployment", "monitoring"]
LawfulBasis = Literal["6(1)(a) consent", "6(1)(b) contract", "6(1)(c) legal obligation", "6(1)(d) vital interests",
                      "6(1)(e) public task", "6(1)(f) legitimate interests"]
FearedEvent = Literal["illegitimate_access", "unwanted_modification", "disappearance", "rights_impact"]
Assessment = Literal["acceptable", "improvable", "to_fix"]
MeasureType = Literal["data", "general_security", "organisational", "rights", "legal"]
MeasureStatus = Literal["existing", "planned", "additional"]
Effect = Literal["eliminated", "reduced", "accepted"]

# WP248 rev.01 III.B.a: the nine criteria (short titles).
CRITERIA: dict[str, str] = {
    "C1": "Evaluation or scoring",
    "C2": "Automated decision-making with legal or similar significant effect",
    "C3": "Systematic monitoring",
    "C4": "Sensitive data or data of a highly personal nature",
    "C5": "Data processed on a large scale",
    "C6": "Matching or combining datasets",
    "C7": "Data concerning vulnerable data subjects",
    "C8": "Innovative use or applying new technological or organisational solutions",
    "C9": "Processing that prevents data subjects from exercising a right or using a service or a contract",
}
# GDPR Art. 35(3): processing that always needs a DPIA.
TRIGGERS: dict[str, str] = {
    "a": "Systematic and extensive evaluation of personal aspects based on automated processing, "
         "with decisions producing legal or similarly significant effects (Art. 35(3)(a))",
    "b": "Large-scale processing of special-category (Art. 9) or criminal-offence (Art. 10) data (Art. 35(3)(b))",
    "c": "Systematic monitoring of a publicly accessible area on a large scale (Art. 35(3)(c))",
}
# Necessity and proportionality (35(7)(b), WP248 Annex 2): one answer per principle and right.
NECESSITY_ITEMS: dict[str, str] = {
    "purpose_specification": "Purposes specified, explicit and legitimate (Art. 5(1)(b))",
    "lawful_basis": "Lawful basis for each purpose (Art. 6, 9)",
    "minimisation": "Data adequate, relevant and limited (Art. 5(1)(c))",
    "accuracy": "Data accurate and kept up to date (Art. 5(1)(d))",
    "storage_limitation": "Storage limited in time (Art. 5(1)(e))",
    "less_intrusive_alternatives": "Less intrusive ways to reach the purpose considered",
    "function_creep": "Function creep prevented",
    "information": "Information to data subjects (Arts 12-14)",
    "consent": "Consent, where it is the basis (Art. 7)",
    "access_portability": "Right of access and portability (Arts 15, 20)",
    "rectification_erasure": "Right to rectification and erasure (Arts 16, 17, 19)",
    "restriction_objection": "Right to restriction and objection (Arts 18, 21)",
    "automated_decision_safeguards": "Safeguards for automated decisions (Art. 22)",
    "processors": "Processors bound by contract (Art. 28)",
    "transfers": "Safeguards for transfers outside the EEA (Chapter V)",
}


def _require_text(value: str, what: str) -> str:
    if not value.strip():
        raise ValueError(f"{what} must not be blank")
    return value


class Answer(Strict):
    """One screening answer: yes / no / unsure with the reason."""

    answer: YesNoUnsure
    rationale: str = Field(..., description="Why this answer (required, also for 'no')")
    evidence: list[str] = Field(default_factory=list)

    @field_validator("rationale")
    @classmethod
    def _written(cls, value: str) -> str:
        return _require_text(value, "rationale")


class AuthorityList(Strict):
    """A supervisory authority's Art. 35(4) list that was checked, and the item matched (or none)."""

    authority: str
    matched_item: str | None = Field(None, description="The list item that matches; empty if none matches")


class Exemption(Strict):
    type: Literal["none", "35(10)", "35(5)", "similar_dpia", "authorised_before_2018"] = "none"
    reference: str | None = None


class Screening(Strict):
    art35_3: dict[TriggerId, Answer] = Field(default_factory=dict)
    authority_lists_checked: list[AuthorityList] = Field(default_factory=list)
    criteria: dict[CriterionId, Answer] = Field(default_factory=dict)
    exemption: Exemption = Field(default_factory=Exemption)
    decision: Decision | None = None
    decision_rationale: str | None = None
    decided_by: str | None = None
    decided_at: dt.date | None = None
    rescreen_triggers: list[str] = Field(default_factory=list)


class Purpose(Strict):
    purpose: str
    lifecycle_phase: LifecyclePhase
    lawful_basis: LawfulBasis | None = None
    legitimate_interest: str | None = Field(None, description="The interest pursued (with 6(1)(f))")
    lia_ref: str | None = Field(None, description="Reference of the legitimate-interest assessment")
    art9_condition: str | None = None


class DataCategory(Strict):
    name: str
    special_category: bool = False
    source: str | None = None
    retention: str | None = None
    recipients: list[str] = Field(default_factory=list)


class DataSubjects(Strict):
    category: str
    vulnerable: bool = False
    approx_count: str | None = None


class Processor(Strict):
    name: str
    role: Literal["processor", "sub_processor", "joint_controller", "controller"] = "processor"
    service: str | None = None
    location: str | None = None
    dpa_signed: bool | None = None
    sub_processors: list[str] = Field(default_factory=list)
    uses_data_for_own_purposes: bool | None = None


class Transfer(Strict):
    importer: str
    country: str
    mechanism: str | None = Field(None, description="Adequacy decision, SCCs, BCRs, or an Art. 49 derogation")
    tia_ref: str | None = Field(None, description="Transfer impact assessment reference")
    data_flow: str | None = Field(None, description="Id of the data flow in system.yaml")


class AutomatedDecision(Strict):
    solely_automated: bool = False
    effect: str | None = None
    art22_exception: str | None = None
    human_review_stage: str | None = None
    contest_route: str | None = None


class Description(Strict):
    processing_name: str | None = None
    summary: str | None = None
    purposes: list[Purpose] = Field(default_factory=list)
    data_categories: list[DataCategory] = Field(default_factory=list)
    data_subjects: list[DataSubjects] = Field(default_factory=list)
    recipients: list[str] = Field(default_factory=list)
    processors: list[Processor] = Field(default_factory=list)
    international_transfers: list[Transfer] = Field(default_factory=list)
    supporting_assets: list[str] = Field(default_factory=list)
    codes_and_certifications: list[str] = Field(default_factory=list)
    automated_decision: AutomatedDecision | None = None
    scale: str | None = None
    context: str | None = None


class NecessityAnswer(Strict):
    answer: str
    measures: list[str] = Field(default_factory=list, description="Ids of measures in this file")
    assessment: Assessment = "improvable"

    @field_validator("answer")
    @classmethod
    def _written(cls, value: str) -> str:
        return _require_text(value, "answer")


class DpiaRisk(Strict):
    """A risk to data subjects' rights and freedoms, on the CNIL 1-4 scales, before and after measures."""

    id: str = Field(..., pattern=r"^DR-\d{2,}$")
    title: str
    catalogue_ref: Literal["R01", "R02", "R03", "R04", "R05", "R06", "R07", "R08", "R09", "R10", "R11", "R12",
                           "R13", "R14"] | None = None
    feared_event: FearedEvent
    description: str | None = None
    impacts: list[str] = Field(default_factory=list)
    threats: list[str] = Field(default_factory=list)
    sources: list[str] = Field(default_factory=list)
    severity: int = Field(..., ge=1, le=4, description="1 negligible, 2 limited, 3 important, 4 maximum")
    severity_justification: str
    likelihood: int = Field(..., ge=1, le=4, description="1 negligible, 2 limited, 3 important, 4 maximum")
    likelihood_justification: str
    measures: list[str] = Field(default_factory=list, description="Ids of measures in this file")
    residual_severity: int | None = Field(None, ge=1, le=4)
    residual_likelihood: int | None = Field(None, ge=1, le=4, validate_default=True)
    residual_justification: str | None = Field(None, validate_default=True)
    effect: Effect | None = None
    approved_by: str | None = Field(None, description="Who accepted the residual risk: 'Name, role' of a person")
    approved_on: dt.date | None = Field(None, description="When the residual risk was accepted (default: sign-off date)")
    register_risk: str | None = Field(None, pattern=r"^R-\d{4,}$",
                                      description="The register risk this privacy risk is (risks/R-0008.yaml): the "
                                                  "residual level of both must agree, so it exists once")
    register_refs: list[str] = Field(default_factory=list, description="Ids of other related risks in risks/")

    @field_validator("severity_justification", "likelihood_justification")
    @classmethod
    def _justified(cls, value: str, info: ValidationInfo) -> str:
        return _require_text(value, info.field_name)

    @field_validator("residual_likelihood")
    @classmethod
    def _residual_pair(cls, value: int | None, info: ValidationInfo) -> int | None:
        if "residual_severity" in info.data and (info.data["residual_severity"] is None) != (value is None):
            raise ValueError("give both residual_severity and residual_likelihood, or neither")
        return value

    @field_validator("residual_justification")
    @classmethod
    def _residual_justified(cls, value: str | None, info: ValidationInfo) -> str | None:
        if info.data.get("residual_severity") is not None and not (value or "").strip():
            raise ValueError("a residual score needs a written residual_justification")
        return value


class Measure(Strict):
    id: str = Field(..., pattern=r"^M-\d{2,}$")
    title: str
    description: str | None = None
    type: MeasureType = "general_security"
    status: MeasureStatus = "existing"
    owner: str | None = None
    due: dt.date | None = None
    evidence: list[str] = Field(default_factory=list)


class DpoAdvice(Strict):
    name: str
    date: dt.date
    advice: str
    recommendation: Literal["proceed", "proceed_with_conditions", "do_not_proceed"]
    accepted: bool = True
    reasons_if_overruled: str | None = Field(None, validate_default=True)

    @field_validator("reasons_if_overruled")
    @classmethod
    def _overruled_explained(cls, value: str | None, info: ValidationInfo) -> str | None:
        if info.data.get("accepted") is False and not (value or "").strip():
            raise ValueError("DPO advice that is not followed needs the reasons (WP248 III.C)")
        return value


class DataSubjectViews(Strict):
    sought: bool
    method: str | None = None
    representatives: str | None = None
    summary: str | None = None
    controller_response: str | None = None
    reasons_if_not_sought: str | None = Field(None, validate_default=True)

    @field_validator("reasons_if_not_sought")
    @classmethod
    def _not_sought_explained(cls, value: str | None, info: ValidationInfo) -> str | None:
        if info.data.get("sought") is False and not (value or "").strip():
            raise ValueError("say why data subjects' views were not sought (Art. 35(9))")
        return value


class Party(Strict):
    name: str
    contact: str | None = None


class Dpo(Party):
    designated: bool = True


class SignOff(Strict):
    measures_approved_by: str | None = None
    residual_risks_approved_by: str | None = None
    date: dt.date | None = None
    first_approved_on: dt.date | None = Field(None, description="When the first version was approved (Art. 35(1): "
                                                                "before the processing starts); default: date")


class OpenPoint(Strict):
    """A question the DPO, the screening or a reviewer left open; the DPIA is not complete while it is."""

    point: str = Field(..., min_length=1)
    raised_by: str | None = None
    due: dt.date | None = None
    closed_on: dt.date | None = None
    resolution: str | None = Field(None, description="How it was closed")


class PriorConsultation(Strict):
    authority: str
    date: dt.date | None = None
    package_ref: str | None = None
    response: str | None = None


class Dpia(Record):
    dpia_id: str = Field(..., min_length=1)
    version: str | None = None
    status: Literal["draft", "in_review", "approved", "rejected"] = "draft"
    example_data: bool = Field(False, description="Illustrative content, not a real assessment")
    created_at: dt.date | None = None
    updated_at: dt.date | None = None
    next_review_due: dt.date | None = None
    review_triggers: list[str] = Field(default_factory=list)
    controller: Party | None = None
    dpo: Dpo | None = None
    author: str | None = None
    evaluator: str | None = None
    approver: str | None = None
    screening: Screening = Field(default_factory=Screening)
    description: Description = Field(default_factory=Description)
    necessity: dict[Literal[tuple(NECESSITY_ITEMS)], NecessityAnswer] = Field(default_factory=dict)  # type: ignore[valid-type]
    risks: list[DpiaRisk] = Field(default_factory=list)
    measures: list[Measure] = Field(default_factory=list)
    open_points: list[OpenPoint] = Field(default_factory=list)
    dpo_advice: DpoAdvice | None = None
    data_subject_views: DataSubjectViews | None = None
    other_consultees: list[str] = Field(default_factory=list)
    sign_off: SignOff = Field(default_factory=SignOff)
    prior_consultation: PriorConsultation | None = None

    def measure(self, measure_id: str) -> Measure | None:
        return next((m for m in self.measures if m.id == measure_id), None)
