"""``audit.yaml``: the audit frame — scope, period, method, who assessed what, assurance, referenced documents.

Optional: a workspace without it still builds a packet, which then says plainly that the frame is missing.
The status rules are not written here (they come from the analysis, :func:`rmfkit.assess.method`); the
controller and the DPO are not either (``dpia.yaml`` records them once). Who assessed a subcategory is
named here (``assessors``); where nobody is, the mapping's ``owner`` and ``last_reviewed`` stand in and the
packet marks the row as the owner's own assessment.

>>> frame = AuditFrame.model_validate({"schema_version": 1, "assurance_level": "internal_audit",
...     "period": {"start": "2026-10-01", "end": "2026-12-31"},
...     "assessors": [{"name": "J. Keller", "role": "Internal auditor", "subcategories": ["GOVERN"],
...                    "assessed_on": "2026-11-20"}],
...     "documents": [{"id": "ROPA-14", "title": "Record of processing, entry 14", "kind": "art30_record",
...                    "not_held_reason": "kept in the DPO's register"}], "art30_record": "ROPA-14"})
>>> frame.assurance_level, frame.document("ROPA-14").held
('internal_audit', False)
"""
from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field, model_validator

from rmfkit.models.base import Record, Strict

AssuranceLevel = Literal["self_assessment", "internal_audit", "independent"]
ASSURANCE_LABELS = {"self_assessment": "Self-assessment", "internal_audit": "Internal audit",
                    "independent": "Independent assessment"}
DocumentKind = Literal["lia", "tia", "dpa", "incident_report", "raci", "policy", "art30_record",
                       "provider_assurance", "contract", "other"]


class SharedResponsibility(Strict):
    """What a hosted provider answers for (outside this assessment) and what the team keeps."""

    provider: str = Field(..., min_length=1)
    component: str | None = Field(None, description="Component id in system.yaml")
    provider_responsible: list[str] = Field(default_factory=list, description="Out of scope: the provider's part")
    team_responsible: list[str] = Field(default_factory=list, description="In scope: what the team controls")
    relied_on: str | None = Field(None, description="What the provider's part rests on (a documents id or text)")


class Scope(Strict):
    in_scope: list[str] = Field(default_factory=list)
    out_of_scope: list[str] = Field(default_factory=list)
    shared_responsibility: list[SharedResponsibility] = Field(default_factory=list)


class Period(Strict):
    start: dt.date
    end: dt.date

    @model_validator(mode="after")
    def _ordered(self) -> "Period":
        if self.end < self.start:
            raise ValueError(f"the period ends ({self.end}) before it starts ({self.start})")
        return self


class Procedure(Strict):
    """One test procedure: what was done, to which subcategories, on how many of how many items."""

    id: str = Field(..., min_length=1)
    title: str = Field(..., min_length=1)
    description: str | None = None
    applies_to: list[str] = Field(default_factory=list, description="Subcategory ids or function names")
    population: int | None = Field(None, ge=0, description="How many items there were")
    sample_size: int | None = Field(None, ge=0, description="How many were tested")
    sampling: str | None = Field(None, description="How the sample was chosen")

    @model_validator(mode="after")
    def _sample_within_population(self) -> "Procedure":
        if None not in (self.population, self.sample_size) and self.sample_size > self.population:
            raise ValueError(f"sample_size {self.sample_size} is larger than the population {self.population}")
        return self


class Assessor(Strict):
    """A person who assessed subcategories (ids such as ``"MEASURE 2.7"``, or a whole function ``"GOVERN"``)."""

    name: str = Field(..., min_length=1)
    role: str = Field(..., min_length=1)
    organisation: str | None = None
    subcategories: list[str] = Field(default_factory=list)
    assessed_on: dt.date


class Document(Strict):
    """A document the assessment relies on: held as workspace evidence, or referenced and not held (say why)."""

    id: str = Field(..., min_length=1)
    title: str = Field(..., min_length=1)
    kind: DocumentKind = "other"
    evidence: str | None = Field(None, description="Evidence id in this workspace that holds the document")
    not_held_reason: str | None = Field(None, description="Why it is referenced but not held (and where it is)")
    version: str | None = None

    @property
    def held(self) -> bool:
        return self.evidence is not None

    @model_validator(mode="after")
    def _held_or_why_not(self) -> "Document":
        if self.evidence is None and not (self.not_held_reason or "").strip():
            raise ValueError(f"document {self.id} names no evidence id: say why it is not held (not_held_reason)")
        return self


class AuditFrame(Record):
    scope: Scope = Field(default_factory=Scope)
    period: Period | None = None
    procedures: list[Procedure] = Field(default_factory=list)
    assessors: list[Assessor] = Field(default_factory=list)
    independence: str | None = Field(None, description="How independent the assessors are of what they assessed")
    assurance_level: AssuranceLevel | None = None
    limitations: list[str] = Field(default_factory=list)
    documents: list[Document] = Field(default_factory=list)
    art30_record: str | None = Field(None, description="Id in documents of the Art. 30 record of processing")

    def document(self, doc_id: str) -> Document | None:
        return next((d for d in self.documents if d.id == doc_id), None)

    @model_validator(mode="after")
    def _references(self) -> "AuditFrame":
        ids = [d.id for d in self.documents]
        twice = sorted({i for i in ids if ids.count(i) > 1})
        if twice:
            raise ValueError(f"document id listed twice: {', '.join(twice)}")
        if self.art30_record is not None and self.art30_record not in ids:
            raise ValueError(f"art30_record names {self.art30_record}, which is not in documents")
        return self
