"""``thresholds.yaml``: acceptance thresholds the team declares for its measurements.

Each threshold names a metric (and the eval task it comes from), which way is better, the value to
reach, where the number comes from (one evidence id, or the newest evidence of a kind) and the RMF
subcategory the measurement supports.

>>> t = Threshold(id="accuracy", metric="acc", task="support_tickets", direction="higher_is_better",
...               threshold=0.85, evidence_kind="lm-eval", subcategory="MEASURE 2.3")
>>> t.passes(0.86), t.passes(0.84)
(True, False)
"""
from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from rmfkit.models.base import Record, Strict
from rmfkit.models.evidence import EvidenceKind

Direction = Literal["higher_is_better", "lower_is_better"]
# Smallest sample a threshold accepts as a pass unless it declares its own ``min_sample``.
DEFAULT_MIN_SAMPLE = 30
# The seven trustworthiness characteristics of AI RMF 1.0 (section 3), named as MEASURE 2.5-2.11 name them.
Characteristic = Literal["valid_and_reliable", "safe", "secure_and_resilient", "accountable_and_transparent",
                         "explainable_and_interpretable", "privacy_enhanced", "fair_with_harmful_bias_managed"]


class Threshold(Strict):
    """One acceptance criterion: ``metric`` of ``task`` must be at least (or at most) ``threshold``."""

    id: str = Field(..., pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$", description="Short stable name of the criterion")
    title: str | None = Field(None, description="What is measured, in words (shown in tables and charts)")
    metric: str = Field(..., min_length=1, description="Metric name as stored in the evidence facts, e.g. acc")
    task: str | None = Field(None, description="Eval task the metric belongs to; omit to accept any task")
    slice: str | None = Field(None, description="Filter, detector, provider or split of the metric (e.g. strict-match)")
    direction: Direction
    threshold: float = Field(..., allow_inf_nan=False)
    tolerance: float | None = Field(None, ge=0, allow_inf_nan=False,
                                     description="Shortfall still accepted (shown as 'within tolerance')")
    regression_tolerance: float | None = Field(None, ge=0, allow_inf_nan=False,
                                                description="Release gate: how much worse than the baseline build "
                                                            "a candidate may measure (default 0)")
    min_sample: int = Field(DEFAULT_MIN_SAMPLE, ge=1,
                            description="Fewest observations (n) a measurement needs to pass; fewer is inconclusive")
    unit: str | None = None
    evidence: str | None = Field(None, description="Evidence id holding the measurement")
    evidence_kind: EvidenceKind | None = Field(None, description="Else: the newest evidence of this kind holding the metric")
    subcategory: str = Field(..., description='RMF subcategory the measurement supports, e.g. "MEASURE 2.3"')
    characteristic: Characteristic | None = Field(
        None, description="Trustworthiness characteristic measured (default: from MEASURE 2.5-2.11)")
    notes: str | None = None

    def passes(self, value: float) -> bool:
        """Does ``value`` meet the threshold exactly (tolerance not applied)?"""
        return value >= self.threshold if self.direction == "higher_is_better" else value <= self.threshold

    def shortfall(self, value: float) -> float:
        """How far ``value`` falls short of the threshold (0 when it passes)."""
        gap = self.threshold - value if self.direction == "higher_is_better" else value - self.threshold
        return max(gap, 0.0)


class ThresholdsFile(Record):
    thresholds: list[Threshold] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique_ids(self) -> "ThresholdsFile":
        seen: set[str] = set()
        for item in self.thresholds:
            if item.id in seen:
                raise ValueError(f"threshold id '{item.id}' is used twice")
            seen.add(item.id)
        return self
