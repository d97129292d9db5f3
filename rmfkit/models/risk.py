"""``risks/R-0001.yaml``: one entry of the risk register.

>>> Risk(id="R-0001", title="t", category="confabulation", likelihood=2, impact=3, owner="a").inherent_score
6
"""
from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field

from rmfkit.models.base import Record

Treatment = Literal["mitigate", "accept", "transfer", "avoid"]
RiskStatus = Literal["open", "in_treatment", "closed"]


class Risk(Record):
    id: str = Field(..., pattern=r"^R-\d{4,}$")
    title: str
    description: str | None = None
    source: str | None = None
    category: str
    likelihood: int = Field(..., ge=1, le=5)
    impact: int = Field(..., ge=1, le=5)
    rationale: str | None = None
    residual_likelihood: int | None = Field(None, ge=1, le=5)
    residual_impact: int | None = Field(None, ge=1, le=5)
    treatment: Treatment = "mitigate"
    measures: list[str] = Field(default_factory=list)
    owner: str
    due: dt.date | None = None
    status: RiskStatus = "open"
    subcategories: list[str] = Field(default_factory=list)
    components: list[str] = Field(default_factory=list)
    evidence: list[str] = Field(default_factory=list)

    @property
    def inherent_score(self) -> int:
        return self.likelihood * self.impact

    @property
    def residual_score(self) -> int | None:
        if self.residual_likelihood is None or self.residual_impact is None:
            return None
        return self.residual_likelihood * self.residual_impact
