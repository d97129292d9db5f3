"""``evidence/<id>/evidence.yaml``: metadata sidecar of one stored artefact.

>>> EvidenceRecord(id="E-0001", title="t", kind="generic", file="a.pdf", sha256="0"*64, size=1).kind
'generic'
"""
from __future__ import annotations

import datetime as dt
from typing import Any, Literal, get_args

from pydantic import Field, field_validator

from rmfkit.models.base import Record, Strict
from rmfkit.models.build import Build

EvidenceKind = Literal["lm-eval", "model-card", "cyclonedx", "spdx", "pip-licenses", "python-env",
                       "garak", "promptfoo", "inspect", "task-eval", "license-record", "artifact-check", "model-scan", "generic"]
EVIDENCE_KINDS: tuple[str, ...] = get_args(EvidenceKind)
EVIDENCE_STATUSES: tuple[str, ...] = ("ok", "expired", "missing", "hash_mismatch")


class EvidenceSource(Strict):
    tool: str | None = None
    tool_version: str | None = None
    url: str | None = None
    origin: str | None = Field(None, description="File name the artefact was imported from")


class EvidenceRecord(Record):
    id: str = Field(..., pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
    title: str
    kind: EvidenceKind
    file: str = Field(..., description="Artefact file name inside this evidence folder")
    sha256: str = Field(..., pattern=r"^[0-9a-f]{64}$")
    size: int = Field(..., ge=0)
    collected_at: dt.date | None = Field(None, description="Date the evidence is about")
    imported_at: dt.datetime | None = None
    valid_until: dt.date | None = None
    review_interval_days: int | None = Field(None, gt=0)
    source: EvidenceSource = Field(default_factory=EvidenceSource)
    components: list[str] = Field(default_factory=list)
    subcategories: list[str] = Field(default_factory=list)
    owner: str | None = None
    description: str | None = None
    example_data: bool = Field(False, description="Illustrative content, not a published measurement")
    library_id: str | None = None
    library_sha256: str | None = None
    library_facts_sha256: str | None = None
    pulled_at: dt.datetime | None = Field(None, description="When the item was copied from the library")
    facts: dict[str, Any] = Field(default_factory=dict, description="What the importer understood; shapes in "
                                  "rmfkit.library.facts")
    build: Build | None = Field(None, description="The model build the evidence was produced on (none: build unknown)")

    @field_validator("file")
    @classmethod
    def _plain_file_name(cls, value: str) -> str:
        """The artefact sits beside ``evidence.yaml``: no folders, no ``..``, never the sidecar itself."""
        if not value or value in (".", "..", "evidence.yaml") or "/" in value or "\\" in value or "\x00" in value:
            raise ValueError(f"'{value}' must be a plain file name inside the evidence folder")
        return value

    def expires_on(self) -> dt.date | None:
        """The date after which this evidence is stale: ``valid_until``, else collected + interval."""
        if self.valid_until:
            return self.valid_until
        if self.review_interval_days and self.collected_at:
            return self.collected_at + dt.timedelta(days=self.review_interval_days)
        return None
