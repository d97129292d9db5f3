"""``mapping/<function>.yaml``: one assessment per RMF subcategory.

Keys are subcategory ids (strings such as ``"MEASURE 2.10"``; never floats).

>>> SubcategoryAssessment(status="met", owner="dpo").status
'met'
"""
from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field

from rmfkit.models.base import Record, Strict

Status = Literal["met", "partially_met", "not_met", "not_applicable", "not_assessed"]
STATUSES: tuple[str, ...] = ("met", "partially_met", "not_met", "not_applicable", "not_assessed")
MAPPING_FILES = {"GOVERN": "mapping/govern.yaml", "MAP": "mapping/map.yaml",
                 "MEASURE": "mapping/measure.yaml", "MANAGE": "mapping/manage.yaml"}


class SubcategoryAssessment(Strict):
    status: Status = "not_assessed"
    owner: str | None = None
    evidence: list[str] = Field(default_factory=list, description="Evidence ids supporting the status")
    notes: str | None = None
    justification: str | None = Field(None, description="Why the subcategory does not apply (required for not_applicable)")
    target_status: Status | None = None
    target_date: dt.date | None = None
    last_reviewed: dt.date | None = None


class MappingFile(Record):
    function: Literal["GOVERN", "MAP", "MEASURE", "MANAGE"]
    subcategories: dict[str, SubcategoryAssessment] = Field(default_factory=dict)
