"""Shared base for every workspace record: strict keys, ``schema_version``, ``x-`` extension keys.

Unknown keys are errors, except keys starting with ``x-``: those are the user's own and survive a save.

>>> class Demo(Record):
...     name: str
>>> Demo.model_validate({"schema_version": 1, "name": "a", "x-team": "ml"}).name
'a'
"""
from __future__ import annotations

from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, model_validator

EXTENSION_PREFIX = "x-"


class Strict(BaseModel):
    """Nested value objects: unknown keys are errors, ``x-*`` keys are allowed and ignored."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True, populate_by_name=True)

    @model_validator(mode="before")
    @classmethod
    def _drop_extensions(cls, data: Any) -> Any:
        if isinstance(data, dict) and any(isinstance(k, str) and k.startswith(EXTENSION_PREFIX) for k in data):
            return {k: v for k, v in data.items() if not (isinstance(k, str) and k.startswith(EXTENSION_PREFIX))}
        return data


class Record(Strict):
    """A top-level workspace file. ``SCHEMA_VERSION`` is the version this rmfkit writes."""

    SCHEMA_VERSION: ClassVar[int] = 1
    schema_version: int = Field(1, description="Version of this file's format; older versions are migrated on load.")
