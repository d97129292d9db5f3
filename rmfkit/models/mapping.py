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


NOT_APPLICABLE_RULE = "status not_applicable needs a justification"


def lacks_justification(status: str | None, justification: str | None) -> bool:
    """The one not-applicable rule (mapping and operations checklist alike): ``not_applicable`` says why.

    >>> lacks_justification("not_applicable", "  "), lacks_justification("not_applicable", "no users"), lacks_justification("met", None)
    (True, False, False)
    """
    return status == "not_applicable" and not (justification or "").strip()
