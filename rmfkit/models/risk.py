"""``risks/R-0001.yaml``: one entry of the risk register.

Likelihood and impact are integers on the 5-point scale stated in :data:`LIKELIHOOD_LEVELS` and
:data:`IMPACT_LEVELS` (``scale: 5x5``); each score needs a written rationale. The category is one of
the 12 NIST AI 600-1 GAI risk ids, one of the open-source-AI risks, or a general category.

>>> Risk(id="R-0001", title="t", category="confabulation", likelihood=2, impact=3, owner="a",
...      rationale="seen in evals").inherent_score
6
"""
from __future__ import annotations

import datetime as dt
from functools import lru_cache
from typing import Literal

from pydantic import Field, ValidationInfo, field_validator

from rmfkit.models.base import Record, Strict

Treatment = Literal["mitigate", "accept", "transfer", "avoid"]
RiskStatus = Literal["open", "in_treatment", "closed"]

SCALE = "5x5"
LIKELIHOOD_LEVELS: dict[int, str] = {1: "rare", 2: "unlikely", 3: "possible", 4: "likely", 5: "almost certain"}
IMPACT_LEVELS: dict[int, str] = {1: "negligible", 2: "minor", 3: "moderate", 4: "major", 5: "severe"}

# The recurring risks of building on open-source AI (open code, open weights, open-access APIs).
OPEN_SOURCE_AI_CATEGORIES: dict[str, str] = {
    "license-drift": "License drift (terms of a component change between releases)",
    "data-provenance": "Unclear data provenance (training-data rights and sources)",
    "supply-chain-integrity": "Supply-chain integrity of model artefacts (checksums, signed releases, SBOM)",
    "quality-variance": "Quality variance across open models (task performance differs from leaderboards)",
    "hidden-infrastructure-cost": "Hidden infrastructure cost (GPUs, quantization, batching, caching)",
    "governance-debt": "Governance debt (nobody owns the model lifecycle)",
}
GENERAL_CATEGORIES: dict[str, str] = {
    "data-protection": "Data protection compliance (GDPR duties of the controller)",
    "legal-compliance": "Other legal or contractual compliance",
    "operational": "Operational resilience (availability, capacity, vendor continuity)",
    "reputational": "Reputational harm",
}


@lru_cache(maxsize=1)
def risk_categories() -> dict[str, str]:
    """Every allowed category id with its title: the 12 GAI risks, open-source-AI risks, general ones.

    >>> len(risk_categories()), risk_categories()["license-drift"].split(" (")[0]
    (22, 'License drift')
    """
    from rmfkit.catalog import load_catalog

    gai = {r.id: r.title for r in load_catalog().gai_risks}
    return {**gai, **OPEN_SOURCE_AI_CATEGORIES, **GENERAL_CATEGORIES}


def _non_blank(value: str | None, what: str) -> None:
    if value is not None and not value.strip():
        raise ValueError(f"{what} must not be blank")


class ScoreChange(Strict):
    """A previous scoring of the risk, kept when it is re-scored (the review diff reads it)."""

    date: dt.date
    likelihood: int = Field(..., ge=1, le=5)
    impact: int = Field(..., ge=1, le=5)
    residual_likelihood: int | None = Field(None, ge=1, le=5)
    residual_impact: int | None = Field(None, ge=1, le=5)
    reason: str = Field(..., min_length=1, description="Why the score changed afterwards")


class AcceptanceSignature(Strict):
    """An Ed25519 signature of the acceptor over the risk record (see :mod:`rmfkit.acceptance`).

    ``record_sha256`` is the SHA-256 of the record's canonical JSON without this block; ``key_sha256``
    the fingerprint of the signer's public key (:func:`rmfkit.seal.key_fingerprint`).
    """

    residual_score: int | None = Field(None, ge=1, le=25, description="The residual score accepted")
    record_sha256: str = Field(..., pattern=r"^[0-9a-f]{64}$")
    key_sha256: str = Field(..., pattern=r"^[0-9a-f]{64}$")
    signature: str = Field(..., pattern=r"^[0-9a-f]{128}$", description="Ed25519 signature of record_sha256, hex")


class Risk(Record):
    id: str = Field(..., pattern=r"^R-\d{4,}$")
    title: str = Field(..., min_length=1)
    description: str | None = None
    source: str | None = Field(None, description="Where the risk was identified (workshop, red team, starter catalogue…)")
    starter: str | None = Field(None, description="Key of the starter-catalogue entry this risk was adopted from")
    category: str
    scale: Literal["5x5"] = Field(SCALE, description="likelihood 1 rare … 5 almost certain; impact 1 negligible … 5 severe")
    likelihood: int = Field(..., ge=1, le=5)
    impact: int = Field(..., ge=1, le=5)
    rationale: str = Field(..., description="Why this likelihood and impact (inherent score, existing controls only)")
    residual_likelihood: int | None = Field(None, ge=1, le=5)
    residual_impact: int | None = Field(None, ge=1, le=5, validate_default=True)
    residual_rationale: str | None = Field(None, validate_default=True,
                                           description="Why the residual score after the measures")
    treatment: Treatment = "mitigate"
    measures: list[str] = Field(default_factory=list)
    owner: str = Field(..., min_length=1)
    due: dt.date | None = None
    status: RiskStatus = "open"
    accepted_by: str | None = Field(None, validate_default=True,
                                    description="Who accepted the residual risk: 'Name, role' of a person (needed "
                                                "whenever the treatment is accept; `rmfkit check` reports a body or "
                                                "a missing role)")
    accepted_on: dt.date | None = Field(None, description="When the residual risk was accepted")
    acceptance_signature: AcceptanceSignature | None = Field(
        None, description="The acceptor's signature over this record (`rmfkit risk accept --sign`)")
    residual_controls: list[str] = Field(
        default_factory=list, description="Controls the residual score relies on: operations checklist item ids, "
                                          "or artifact:<component> for the artefact checksum check; each must have "
                                          "run (done, with usable evidence)")
    identified_on: dt.date | None = None
    last_reviewed: dt.date | None = None
    history: list[ScoreChange] = Field(default_factory=list)
    subcategories: list[str] = Field(default_factory=list)
    components: list[str] = Field(default_factory=list)
    evidence: list[str] = Field(default_factory=list)

    @field_validator("category")
    @classmethod
    def _known_category(cls, value: str) -> str:
        if value not in risk_categories():
            import difflib

            close = difflib.get_close_matches(value, list(risk_categories()), n=2)
            hint = f"did you mean {' or '.join(close)}?" if close else "see `rmfkit risk categories`"
            raise ValueError(f"unknown risk category '{value}' ({hint})")
        return value

    @field_validator("rationale")
    @classmethod
    def _rationale_written(cls, value: str) -> str:
        _non_blank(value, "rationale")
        return value

    @field_validator("residual_impact")
    @classmethod
    def _residual_pair(cls, value: int | None, info: ValidationInfo) -> int | None:
        if "residual_likelihood" in info.data and (info.data["residual_likelihood"] is None) != (value is None):
            raise ValueError("give both residual_likelihood and residual_impact, or neither")
        return value

    @field_validator("residual_rationale")
    @classmethod
    def _residual_explained(cls, value: str | None, info: ValidationInfo) -> str | None:
        if info.data.get("residual_likelihood") is not None and not (value or "").strip():
            raise ValueError("a residual score needs a written residual_rationale")
        return value

    @field_validator("accepted_by")
    @classmethod
    def _acceptance_named(cls, value: str | None, info: ValidationInfo) -> str | None:
        if info.data.get("treatment") == "accept" and info.data.get("status") == "closed" and not value:
            raise ValueError("an accepted and closed risk needs accepted_by (who accepted it)")
        return value

    @property
    def inherent_score(self) -> int:
        return self.likelihood * self.impact

    @property
    def residual_score(self) -> int | None:
        if self.residual_likelihood is None or self.residual_impact is None:
            return None
        return self.residual_likelihood * self.residual_impact

    @property
    def current_score(self) -> int:
        """The residual score where measured, else the inherent one."""
        return self.residual_score if self.residual_score is not None else self.inherent_score
