"""``rmfkit.yaml``: the workspace marker and its settings.

>>> WorkspaceSettings(system_id="support-assistant").review_cadence
'quarterly'
"""
from __future__ import annotations

from typing import Literal

from pydantic import Field

from rmfkit.models.base import Record, Strict


class Branding(Strict):
    """How the packet looks: confidentiality label, accent colour, optional logo file in the workspace."""

    label: str = "Confidential"
    accent_color: str = Field("#1f4e79", pattern=r"^#[0-9a-fA-F]{6}$")
    logo: str | None = Field(None, description="Path of an image inside the workspace")
    prepared_by: str | None = None


class WorkspaceSettings(Record):
    system_id: str = Field(..., min_length=1, description="Stable id of the AI system this workspace governs")
    catalog_version: str = "nist-ai-rmf-1.0+playbook;nist-ai-600-1"
    library: str | None = Field(None, description="Evidence library folder (relative to this file) to pull from")
    review_cadence: Literal["monthly", "quarterly", "semiannual", "annual"] = "quarterly"
    branding: Branding = Field(default_factory=Branding)
