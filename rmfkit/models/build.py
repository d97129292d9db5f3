"""A model build: the exact weights a component serves, and the build an evidence item was produced on.

``digest`` is the SHA-256 of the build's manifest of per-file SHA-256 (what ``rmfkit ops verify-artifact``
computes, see :func:`rmfkit.builds.manifest_digest`); repository, revision, quantization and the serving
stack say in words which build it is.

>>> b = Build(digest="ab" * 32, repository="meta-llama/Llama-3.1-8B-Instruct", quantization="awq")
>>> b.quantization, b.serving is None
('awq', True)
"""
from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from rmfkit.models.base import Strict


class Serving(Strict):
    """The serving stack a build runs on, e.g. vLLM 0.6.3."""

    name: str = Field(..., min_length=1)
    version: str | None = None


class Build(Strict):
    """Which weights: their digest, upstream repository and revision, quantization, serving stack."""

    digest: str | None = Field(None, pattern=r"^[0-9a-f]{64}$",
                               description="SHA-256 of the manifest of per-file SHA-256 (ops verify-artifact)")
    repository: str | None = Field(None, description="Upstream repository, e.g. meta-llama/Llama-3.1-8B-Instruct")
    revision: str | None = Field(None, description="Upstream revision (commit or tag) the weights come from")
    quantization: str | None = Field(None, description="none, gptq, awq, gguf-q4_k_m, fp8, bnb-4bit …")
    serving: Serving | None = None
    source: Literal["file", "declared"] | None = Field(
        None, description="For evidence: read from the artefact ('file') or declared at import ('declared')")

    @field_validator("digest", mode="before")
    @classmethod
    def _bare_digest(cls, value: object) -> object:
        """``sha256:<hex>`` is accepted and stored as the bare lower-case hex digest."""
        if isinstance(value, str):
            return value.strip().lower().removeprefix("sha256:")
        return value

    @field_validator("quantization", mode="before")
    @classmethod
    def _lower_quantization(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value
