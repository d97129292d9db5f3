"""``rmfkit.yaml``: the workspace marker and its settings.

>>> WorkspaceSettings(system_id="support-assistant").review_cadence
'quarterly'
"""
from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

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
    snapshot_public_key: str | None = Field(
        None, description="Public key (PEM, relative to this file) every review snapshot must be signed with; "
                          "diff, review packet and snapshot refuse a snapshot it did not sign")
    timezone: str = Field("UTC", description="IANA time zone whose date is 'today' when no date is pinned")

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"'{value}' is not an IANA time zone name (e.g. UTC, Europe/Berlin)") from None
        return value
