"""The release gate on a model swap: every thresholded metric re-measured on the candidate build, none
regressed beyond its tolerance — and the named (optionally signed) decision recorded in ``gates/``.

A metric is *required* when its threshold reads evidence of a measuring kind (lm-eval, task-eval, garak,
promptfoo, Inspect). Per required metric the gate finds the newest value on the candidate build and the
newest on the baseline (a named build, the evidence a snapshot froze, or by default any evidence not
produced on the candidate) and names the outcome: ``ok``, ``regressed`` (worse than the baseline by more
than ``regression_tolerance``), ``not_remeasured`` (no value on the candidate) or ``no_baseline``
(nothing to compare with; does not block). The gate passes when nothing is regressed or not re-measured.

>>> from rmfkit.models.evidence import EvidenceRecord
>>> from rmfkit.models.thresholds import Threshold
>>> t = Threshold(id="mmlu", metric="acc", task="mmlu", direction="higher_is_better", threshold=0.6,
...               evidence_kind="lm-eval", subcategory="MEASURE 2.3", regression_tolerance=0.01)
>>> def run(eid, value, digest):
...     return EvidenceRecord(id=eid, title=eid, kind="lm-eval", file="r.json", sha256="0" * 64, size=1,
...                           build={"digest": digest * 64},
...                           facts={"metrics": [{"task": "mmlu", "metric": "acc", "value": value}]})
>>> old, new = run("E1", 0.61, "a"), run("E2", 0.595, "b")
>>> result = evaluate_gate([t], {"E1": old, "E2": new}, candidate=new.build)
>>> result.passed, result.metrics[0].outcome, result.problems()
(False, 'regressed', ['mmlu (acc of mmlu): 0.595 on the candidate, 0.61 on the baseline (worse by 0.015; tolerance 0.01)'])
"""
from __future__ import annotations

import base64
import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Mapping

from rmfkit.builds import describe, same_build
from rmfkit.errors import UsageError
from rmfkit.labels import plural
from rmfkit.models.build import Build
from rmfkit.models.gate import GateDecision, GateMetric, GateSignature

if TYPE_CHECKING:
    from rmfkit.models.evidence import EvidenceRecord
    from rmfkit.models.thresholds import Threshold
    from rmfkit.records import Records
    from rmfkit.workspace import Workspace

GATE_KINDS = ("lm-eval", "task-eval", "garak", "promptfoo", "inspect")
GATES_FOLDER = "gates"
UNUSABLE = ("missing", "hash_mismatch")  # evidence checks a gate never reads a number from
_EPSILON = 1e-12


@dataclass(frozen=True)
class GateResult:
    """The comparison of one candidate build with its baseline, metric by metric."""

    candidate: Build
    baseline: Build | None
    baseline_snapshot: str | None
    metrics: tuple[GateMetric, ...]
    not_gated: tuple[str, ...]  # thresholds with no measuring evidence kind

    @property
    def passed(self) -> bool:
        return not any(m.outcome in ("regressed", "not_remeasured") for m in self.metrics)

    def problems(self) -> list[str]:
        """One line per metric that blocks the release."""
        out = []
        for m in self.metrics:
            name = f"{m.threshold} ({m.metric}" + (f" of {m.task}" if m.task else "") + \
                   (f", {m.slice}" if m.slice else "") + ")"
            if m.outcome == "not_remeasured":
                out.append(f"{name}: not re-measured on the candidate build")
            elif m.outcome == "regressed":
                worse = abs(m.candidate - m.baseline)
                out.append(f"{name}: {m.candidate:g} on the candidate, {m.baseline:g} on the baseline "
                           f"(worse by {worse:.3g}; tolerance {m.regression_tolerance:g})")
        return out


def _kind_of(threshold: "Threshold", evidence: Mapping[str, "EvidenceRecord"]) -> str | None:
    if threshold.evidence is not None:
        record = evidence.get(threshold.evidence)
        return record.kind if record is not None else threshold.evidence_kind
    return threshold.evidence_kind


def _value(threshold: "Threshold", kind: str, pool: Mapping[str, "EvidenceRecord"]) -> tuple[float | None, str | None]:
    from rmfkit.measure import find_measurement

    free = threshold.model_copy(update={"evidence": None, "evidence_kind": kind})
    record, entry = find_measurement(free, pool)
    return (float(entry["value"]), record.id) if record is not None else (None, None)


def _outcome(threshold: "Threshold", baseline: float | None, candidate: float | None) -> str:
    if candidate is None:
        return "not_remeasured"
    if baseline is None:
        return "no_baseline"
    worse = baseline - candidate if threshold.direction == "higher_is_better" else candidate - baseline
    return "regressed" if worse > (threshold.regression_tolerance or 0.0) + _EPSILON else "ok"


def evaluate_gate(thresholds: list["Threshold"], evidence: Mapping[str, "EvidenceRecord"], *, candidate: Build,
                  baseline: Build | None = None, baseline_evidence: Mapping[str, "EvidenceRecord"] | None = None,
                  baseline_snapshot: str | None = None, checks: Mapping[str, Any] | None = None) -> GateResult:
    """Compare every required metric between the baseline and the candidate build (pure).

    ``baseline_evidence`` (a snapshot's evidence) replaces the baseline build when given; without either,
    the baseline is every item not produced on the candidate.
    """
    usable = {eid: r for eid, r in evidence.items()
              if checks is None or getattr(checks.get(eid), "status", "missing") not in UNUSABLE}
    on_candidate = {eid: r for eid, r in usable.items() if same_build(r.build, candidate) is True}
    if baseline_evidence is not None:
        before = dict(baseline_evidence)
    elif baseline is not None:
        before = {eid: r for eid, r in usable.items() if same_build(r.build, baseline) is True}
    else:
        before = {eid: r for eid, r in usable.items() if eid not in on_candidate}
    rows, not_gated = [], []
    for threshold in thresholds:
        kind = _kind_of(threshold, evidence)
        if kind not in GATE_KINDS:
            not_gated.append(threshold.id)
            continue
        old, old_id = _value(threshold, kind, before)
        new, new_id = _value(threshold, kind, on_candidate)
        rows.append(GateMetric(threshold=threshold.id, metric=threshold.metric, task=threshold.task,
                               slice=threshold.slice, direction=threshold.direction,
                               regression_tolerance=threshold.regression_tolerance or 0.0,
                               baseline=old, baseline_evidence=old_id, candidate=new, candidate_evidence=new_id,
                               outcome=_outcome(threshold, old, new)))
    return GateResult(candidate, baseline, baseline_snapshot, tuple(rows), tuple(not_gated))


# ---------------------------------------------------------------- the decision record

def _payload(decision: GateDecision) -> bytes:
    from rmfkit.seal import canonical_json

    return canonical_json(decision.model_dump(mode="json", exclude={"signature"}))


def sign_decision(decision: GateDecision, private_key) -> GateDecision:
    """The decision with an Ed25519 signature of its canonical JSON (``rmfkit.seal.load_private_key``)."""
    from cryptography.hazmat.primitives import serialization

    raw = private_key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    signature = GateSignature(public_key=base64.b64encode(raw).decode("ascii"),
                              value=base64.b64encode(private_key.sign(_payload(decision))).decode("ascii"))
    return decision.model_copy(update={"signature": signature})


def signature_state(decision: GateDecision) -> str:
    """``unsigned``, ``valid`` (the signature matches the key it names) or ``invalid``.

    >>> from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    >>> d = GateDecision(id="G-0001", component="c", candidate={"digest": "b" * 64}, decision="reject",
    ...                  reviewer="r", reason="x", decided_at="2026-11-02T10:00:00Z", result="blocked")
    >>> signed = sign_decision(d, Ed25519PrivateKey.generate())
    >>> signature_state(d), signature_state(signed), signature_state(signed.model_copy(update={"reason": "y"}))
    ('unsigned', 'valid', 'invalid')
    """
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    if decision.signature is None:
        return "unsigned"
    try:
        key = Ed25519PublicKey.from_public_bytes(base64.b64decode(decision.signature.public_key, validate=True))
        key.verify(base64.b64decode(decision.signature.value, validate=True), _payload(decision))
    except (InvalidSignature, ValueError):
        return "invalid"
    return "valid"


def record_decision(ws: "Workspace", component: str, result: GateResult, *, decision: str, reviewer: str,
                    reason: str, private_key=None) -> GateDecision:
    """Write ``gates/G-NNNN.yaml`` (the next free number). An approval of a blocked gate is refused."""
    if decision == "approve" and not result.passed:
        raise UsageError(f"cannot approve: {plural(len(result.problems()), 'required metric')} missing or regressed",
                         hint="import re-runs on the candidate build (evidence import --build), or --reject")
    with ws.edit():
        taken = {p.stem for p in ws.path(GATES_FOLDER).glob("G-*.yaml")} if ws.path(GATES_FOLDER).is_dir() else set()
        number = 1 + max((int(t[2:]) for t in taken if t[2:].isdigit()), default=0)
        record = GateDecision(id=f"G-{number:04d}", component=component, candidate=result.candidate,
                              baseline=result.baseline, baseline_snapshot=result.baseline_snapshot,
                              decision=decision, reviewer=reviewer, reason=reason,
                              decided_at=dt.datetime.now(dt.timezone.utc).replace(microsecond=0),
                              result="pass" if result.passed else "blocked", metrics=list(result.metrics))
        if private_key is not None:
            record = sign_decision(record, private_key)
        ws.put(f"{GATES_FOLDER}/{record.id}.yaml", record)
    return record


# ---------------------------------------------------------------- what the analysis carries

def analysis_section(records: "Records") -> dict[str, Any]:
    """The ``gates`` section of the analysis: each component's current build, each build-bound evidence
    item's build state, the serialization scans of model files (``model-scan`` evidence), and every
    recorded gate decision (newest first) with its signature state."""
    from rmfkit.builds import records_scopes

    system = records.by_path.get("system.yaml")
    components = [{"id": c.id, "name": c.name, "build": c.build.model_dump(mode="json", exclude_none=True),
                   "described": describe(c.build)}
                  for c in (system.components if system is not None else []) if c.build is not None]
    evidence = [{"id": s.evidence, "state": s.state, "component": s.component, "reason": s.reason,
                 "build": describe(records.evidence[s.evidence].build)}
                for s in records_scopes(records).values()]
    decisions = sorted((r for r in records.records_of("gate").values()), key=lambda d: (d.decided_at, d.id),
                       reverse=True)
    scans = [{"id": r.id, "components": list(r.components), "collected_at": r.collected_at,
              "ok": r.facts.get("ok") is True, "scanner": r.facts.get("scanner"),
              "safetensors_only": r.facts.get("safetensors_only") is True,
              "findings": [str(f) for f in r.facts.get("findings") or []]}
             for r in sorted(records.evidence.values(), key=lambda r: r.id) if r.kind == "model-scan"]
    return {"components": components, "evidence": evidence, "scans": scans,
            "decisions": [{"id": d.id, "component": d.component, "decision": d.decision, "reviewer": d.reviewer,
                           "reason": d.reason, "decided_at": d.decided_at, "result": d.result,
                           "candidate": describe(d.candidate), "baseline": (
                               f"snapshot {d.baseline_snapshot}" if d.baseline_snapshot else
                               describe(d.baseline) if d.baseline else "evidence from other builds"),
                           "signature": signature_state(d),
                           "blocking": sum(m.outcome in ("regressed", "not_remeasured") for m in d.metrics),
                           "metrics": [m.model_dump(mode="json") for m in d.metrics]} for d in decisions]}
