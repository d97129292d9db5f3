"""``operations.yaml``: MLOps readiness checklist, expected artefact checksums, and the ten-step pilot plan.

Checklist item ids come from the packaged template (``rmfkit/data/ops_checklist.yaml``, e.g.
``updates.rollback``); a team's own item needs an ``area`` and a ``title``.

>>> ops = Operations.model_validate({"schema_version": 1, "checklist": [
...     {"id": "updates.rollback", "status": "done", "owner": "ML platform lead", "evidence": ["E-0007"]}]})
>>> ops.item("updates.rollback").status
'done'
"""
from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field, field_validator, model_validator

from rmfkit.models.base import Record, Strict

ItemStatus = Literal["done", "in_progress", "open", "not_applicable"]
ITEM_STATUSES: tuple[str, ...] = ("done", "in_progress", "open", "not_applicable")
Area = Literal["serving", "quantization", "observability", "updates", "evaluation", "ownership", "supply_chain"]
AREAS: tuple[str, ...] = ("serving", "quantization", "observability", "updates", "evaluation", "ownership",
                          "supply_chain")
StepStatus = Literal["done", "in_progress", "not_started", "skipped"]
STEP_STATUSES: tuple[str, ...] = ("done", "in_progress", "not_started", "skipped")
PILOT_STEPS = 10
SHA256_PATTERN = r"^[0-9a-f]{64}$"


class ChecklistItem(Strict):
    """One readiness practice: whether it is in place, who owns it, and what shows it."""

    id: str = Field(..., pattern=r"^[a-z][a-z0-9_]*\.[a-z0-9_.-]+$",
                    description="Template id such as 'updates.rollback', or '<area>.<name>' for your own item")
    area: Area | None = Field(None, description="Required for your own items; template items know their area")
    title: str | None = Field(None, description="Required for your own items; template items have one")
    status: ItemStatus = "open"
    owner: str | None = None
    due: dt.date | None = Field(None, description="When an open item is planned to be done")
    completed_on: dt.date | None = None
    evidence: list[str] = Field(default_factory=list, description="Evidence ids showing the practice is in place")
    subcategories: list[str] | None = Field(None, description="RMF subcategories it supports (default: the template's)")
    risks: list[str] = Field(default_factory=list, description="Ids of register risks it mitigates (R-0001)")
    notes: str | None = None
    justification: str | None = Field(None, description="Why the practice does not apply (for not_applicable)")


class ArtifactExpectation(Strict):
    """The published checksum(s) of a model artefact: one file (``sha256``) or a directory (``files``)."""

    component: str = Field(..., min_length=1, description="Component id in system.yaml")
    sha256: str | None = Field(None, pattern=SHA256_PATTERN, description="Expected SHA-256 of a single file")
    files: dict[str, str] = Field(default_factory=dict,
                                  description="Expected SHA-256 per file, by path relative to the model folder")
    revision: str | None = Field(None, description="Upstream revision (commit or tag) the checksums belong to")
    source: str | None = Field(None, description="Where the expected checksums were published")
    ignore: list[str] = Field(default_factory=list,
                              description="Glob patterns of files in the folder that are not part of the artefact")

    @field_validator("files")
    @classmethod
    def _check_files(cls, files: dict[str, str]) -> dict[str, str]:
        import re

        for rel, digest in files.items():
            parts = rel.split("/")
            if rel.startswith("/") or "\\" in rel or any(p in ("", ".", "..") for p in parts):
                raise ValueError(f"'{rel}' must be a plain relative path inside the model folder")
            if not re.fullmatch(SHA256_PATTERN, str(digest)):
                raise ValueError(f"checksum of '{rel}' must be 64 lowercase hex digits")
        return files

    @model_validator(mode="after")
    def _one_form(self) -> "ArtifactExpectation":
        if bool(self.sha256) == bool(self.files):
            raise ValueError("give either sha256 (one file) or files (a model folder), not both or neither")
        return self

    @property
    def expected(self) -> str | dict[str, str]:
        """What :func:`rmfkit.artifacts.verify_artifact` takes: one digest or a path -> digest mapping."""
        return self.sha256 if self.sha256 else dict(self.files)


class PilotStep(Strict):
    """Progress on one of the ten pilot steps."""

    step: int = Field(..., ge=1, le=PILOT_STEPS)
    status: StepStatus = "not_started"
    date: dt.date | None = Field(None, description="When the step was done, or is planned")
    evidence: list[str] = Field(default_factory=list)
    notes: str | None = None


class Operations(Record):
    checklist: list[ChecklistItem] = Field(default_factory=list)
    artifacts: list[ArtifactExpectation] = Field(default_factory=list)
    pilot: list[PilotStep] = Field(default_factory=list)

    def item(self, item_id: str) -> ChecklistItem | None:
        return next((i for i in self.checklist if i.id == item_id), None)

    def artifact(self, component_id: str) -> ArtifactExpectation | None:
        return next((a for a in self.artifacts if a.component == component_id), None)

    def step(self, number: int) -> PilotStep:
        """The recorded step, or a fresh ``not_started`` one."""
        return next((s for s in self.pilot if s.step == number), PilotStep(step=number))
