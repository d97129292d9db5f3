"""``gates/G-0001.yaml``: one release-gate decision on a model swap — what was compared, who decided.

>>> d = GateDecision(id="G-0001", component="llama", candidate={"digest": "b" * 64}, decision="approve",
...                  reviewer="ML lead", reason="re-measured, no regression", decided_at="2026-11-02T10:00:00Z",
...                  result="pass")
>>> d.decision, d.candidate.digest[:4], d.signature is None
('approve', 'bbbb', True)
"""
from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field

from rmfkit.models.base import Record, Strict
from rmfkit.models.build import Build

GateOutcome = Literal["ok", "regressed", "not_remeasured", "no_baseline"]


class GateMetric(Strict):
    """One thresholded metric measured on the baseline and on the candidate build."""

    threshold: str
    metric: str
    task: str | None = None
    slice: str | None = None
    direction: Literal["higher_is_better", "lower_is_better"]
    regression_tolerance: float = 0.0
    baseline: float | None = None
    baseline_evidence: str | None = None
    candidate: float | None = None
    candidate_evidence: str | None = None
    outcome: GateOutcome


class GateSignature(Strict):
    """Ed25519 signature of the decision's canonical JSON (every field but ``signature``)."""

    algorithm: Literal["ed25519"] = "ed25519"
    public_key: str = Field(..., min_length=1, description="Base64 of the reviewer's raw 32-byte Ed25519 public key")
    value: str = Field(..., min_length=1, description="Base64 signature")


class GateDecision(Record):
    """Approve or reject a candidate build of a model component, with the comparison it rests on."""

    id: str = Field(..., pattern=r"^G-[0-9]{4,}$")
    component: str = Field(..., min_length=1)
    candidate: Build
    baseline: Build | None = None
    baseline_snapshot: str | None = Field(None, description="Review label whose frozen evidence was the baseline")
    decision: Literal["approve", "reject"]
    reviewer: str = Field(..., min_length=1)
    reason: str = Field(..., min_length=1)
    decided_at: dt.datetime
    result: Literal["pass", "blocked"] = Field(..., description="What the gate computed when the decision was made")
    metrics: list[GateMetric] = Field(default_factory=list)
    signature: GateSignature | None = None
