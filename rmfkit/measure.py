"""Measurements against acceptance thresholds, and the trustworthiness characteristics not measured.

Thresholds come from ``thresholds.yaml``; values come from the facts importers store on evidence
(``facts["metrics"] = [{"task", "metric", "value", "stderr", "n"}]``: eval results, red-team pass
rates, latency reports alike). Each threshold gets one row with the value, its standard error and 95%
confidence interval, and an outcome:

- ``pass`` / ``fail`` against the threshold in its direction (a shortfall up to ``tolerance`` still
  passes and is marked ``within_tolerance``);
- ``not_measured`` when no evidence holds the metric, or the evidence holding it is missing or altered
  (an altered artefact cannot vouch for its number). Expired evidence still yields an outcome, marked
  ``stale``.

>>> from rmfkit.models.thresholds import Threshold
>>> from rmfkit.models.evidence import EvidenceRecord
>>> ev = EvidenceRecord(id="E1", title="eval", kind="lm-eval", file="r.json", sha256="0" * 64, size=1,
...                     facts={"metrics": [{"task": "tickets", "metric": "acc", "value": 0.81, "stderr": 0.01}]})
>>> t = Threshold(id="acc", metric="acc", task="tickets", direction="higher_is_better", threshold=0.85,
...               subcategory="MEASURE 2.3")
>>> from rmfkit.library.freshness import EvidenceCheck
>>> row = evaluate_threshold(t, {"E1": ev}, {"E1": EvidenceCheck("E1", "ok", "hash matches", None)})
>>> row["outcome"], row["value"], row["ci_low"], row["ci_high"], row["reason"]
('fail', 0.81, 0.7904, 0.8296, '0.81 vs >= 0.85; short by 0.04')
"""
from __future__ import annotations

import datetime as dt
import math
from typing import TYPE_CHECKING, Any, Mapping

from rmfkit.errors import Problem
from rmfkit.models.thresholds import Threshold

if TYPE_CHECKING:
    from rmfkit.assess import CheckLike
    from rmfkit.models.evidence import EvidenceRecord
    from rmfkit.workspace import Workspace

OUTCOMES: tuple[str, ...] = ("pass", "fail", "not_measured")
THRESHOLDS_FILE = "thresholds.yaml"
Z_95 = 1.96
# AI RMF 1.0 trustworthiness characteristics and the MEASURE subcategory that evaluates each.
CHARACTERISTICS: dict[str, tuple[str, str]] = {
    "valid_and_reliable": ("Valid and reliable", "MEASURE 2.5"),
    "safe": ("Safe", "MEASURE 2.6"),
    "secure_and_resilient": ("Secure and resilient", "MEASURE 2.7"),
    "accountable_and_transparent": ("Accountable and transparent", "MEASURE 2.8"),
    "explainable_and_interpretable": ("Explainable and interpretable", "MEASURE 2.9"),
    "privacy_enhanced": ("Privacy-enhanced", "MEASURE 2.10"),
    "fair_with_harmful_bias_managed": ("Fair, with harmful bias managed", "MEASURE 2.11"),
}
_CHARACTERISTIC_OF_SUBCATEGORY = {sub: key for key, (_, sub) in CHARACTERISTICS.items()}


def _number(value: Any) -> float | None:
    """A finite float, or None for "N/A", missing, NaN and non-numbers."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if math.isfinite(value) else None


def metric_entries(record: "EvidenceRecord") -> list[dict]:
    """The well-formed metric entries of an evidence item's facts (others are ignored)."""
    metrics = record.facts.get("metrics") if isinstance(record.facts, dict) else None
    if not isinstance(metrics, list):
        return []
    return [m for m in metrics if isinstance(m, dict) and isinstance(m.get("metric"), str)
            and _number(m.get("value")) is not None]


def _matches(threshold: Threshold, entry: dict) -> bool:
    name = entry["metric"]
    metric_ok = name == threshold.metric or ("," not in threshold.metric and name.split(",")[0] == threshold.metric)
    return (metric_ok and threshold.task in (None, entry.get("task"))
            and threshold.slice in (None, entry.get("slice")))


def _recency(record: "EvidenceRecord") -> tuple:
    imported = record.imported_at.date() if record.imported_at else None
    return (record.collected_at or imported or dt.date.min, record.id)


def find_measurement(threshold: Threshold, evidence: Mapping[str, "EvidenceRecord"]
                     ) -> tuple["EvidenceRecord | None", dict | None]:
    """The evidence item and metric entry a threshold reads: its named item, else the newest match."""
    if threshold.evidence is not None:
        candidates = [evidence[threshold.evidence]] if threshold.evidence in evidence else []
    else:
        candidates = [r for r in evidence.values() if threshold.evidence_kind in (None, r.kind)]
    for record in sorted(candidates, key=_recency, reverse=True):
        entries = [m for m in metric_entries(record) if _matches(threshold, m)]
        if entries:
            # Without a named slice, the overall figure (no slice) wins over per-slice figures.
            return record, min(entries, key=lambda m: m.get("slice") not in (None, "", "none"))
    return None, None


def characteristic_of(threshold: Threshold) -> str | None:
    """Declared characteristic, else the one its MEASURE 2.5-2.11 subcategory evaluates."""
    from rmfkit.catalog import load_catalog

    if threshold.characteristic:
        return threshold.characteristic
    catalog = load_catalog()
    sub = catalog.subcategory(threshold.subcategory).id if catalog.is_subcategory(threshold.subcategory) else None
    return _CHARACTERISTIC_OF_SUBCATEGORY.get(sub)


def evaluate_threshold(threshold: Threshold, evidence: Mapping[str, "EvidenceRecord"],
                       checks: Mapping[str, "CheckLike"]) -> dict:
    """One results-table row: value, stderr, 95% CI, threshold, outcome and why."""
    record, entry = find_measurement(threshold, evidence)
    row: dict[str, Any] = {
        "id": threshold.id, "title": threshold.title or threshold.id, "metric": threshold.metric,
        "task": threshold.task, "direction": threshold.direction, "threshold": threshold.threshold,
        "slice": threshold.slice, "tolerance": threshold.tolerance, "unit": threshold.unit, "subcategory": threshold.subcategory,
        "characteristic": characteristic_of(threshold),
        "evidence": record.id if record else None, "evidence_status": None, "example_data": bool(record and record.example_data),
        "value": None, "stderr": None, "ci_low": None, "ci_high": None, "n": None,
        "outcome": "not_measured", "within_tolerance": False, "ci_crosses_threshold": None, "stale": False,
        "reason": None,
    }
    if record is None:
        where = (f"evidence '{threshold.evidence}'" if threshold.evidence else
                 f"{threshold.evidence_kind} evidence" if threshold.evidence_kind else "the evidence")
        task = f" for task {threshold.task}" if threshold.task else ""
        row["reason"] = f"{where} holds no value of {threshold.metric}{task}"
        return row
    value = _number(entry["value"])
    stderr = _number(entry.get("stderr"))
    row.update(value=value, stderr=stderr, n=entry.get("n") if isinstance(entry.get("n"), int) else None,
               slice=entry.get("slice") or None)
    if stderr is not None:
        row["ci_low"] = round(value - Z_95 * stderr, 6)
        row["ci_high"] = round(value + Z_95 * stderr, 6)
        row["ci_crosses_threshold"] = row["ci_low"] <= threshold.threshold <= row["ci_high"]
    check = checks.get(record.id)
    status = check.status if check is not None else "missing"
    row["evidence_status"] = status
    if status in ("missing", "hash_mismatch"):
        row["reason"] = f"{record.id}: {check.reason if check else 'not checked'}; its value cannot be relied on"
        return row
    shortfall = threshold.shortfall(value)
    if threshold.passes(value):
        row["outcome"] = "pass"
    elif threshold.tolerance is not None and shortfall <= threshold.tolerance:
        row["outcome"], row["within_tolerance"] = "pass", True
    else:
        row["outcome"] = "fail"
    sign = ">=" if threshold.direction == "higher_is_better" else "<="
    parts = [f"{_fmt(value)} vs {sign} {_fmt(threshold.threshold)}"]
    if row["within_tolerance"]:
        parts.append(f"short by {_fmt(shortfall)}, within tolerance {_fmt(threshold.tolerance)}")
    elif row["outcome"] == "fail":
        parts.append(f"short by {_fmt(shortfall)}")
    if row["ci_crosses_threshold"]:
        parts.append("95% CI includes the threshold")
    if status == "expired":
        row["stale"] = True
        parts.append(f"{record.id} {check.reason}")
    row["reason"] = "; ".join(parts)
    return row


def _fmt(x: float) -> str:
    return f"{x:.4g}"


def evaluate_records(thresholds: list[Threshold], evidence: Mapping[str, "EvidenceRecord"],
                     checks: Mapping[str, "CheckLike"]) -> list[dict]:
    """Pure core of :func:`evaluate`: one row per threshold, in file order."""
    return [evaluate_threshold(t, evidence, checks) for t in thresholds]


def thresholds_of(ws: "Workspace") -> list[Threshold] | None:
    """The workspace's declared thresholds, or None when ``thresholds.yaml`` does not exist."""
    record = ws.records.get(THRESHOLDS_FILE)
    return None if record is None else list(record.thresholds)


def evaluate(ws: "Workspace", today: dt.date | None = None, *, checks: Mapping[str, "CheckLike"] | None = None
             ) -> list[dict]:
    """The results table of a workspace (empty when no thresholds are declared)."""
    from rmfkit.library.freshness import check_all

    thresholds = thresholds_of(ws) or []
    if not thresholds:
        return []
    checks = checks if checks is not None else check_all(ws, today)
    return evaluate_records(thresholds, ws.evidence, checks)


def characteristics(rows: list[dict]) -> list[dict]:
    """Each trustworthiness characteristic: measured (a threshold with a pass/fail outcome) or not.

    MEASURE 1.1 asks that characteristics not measured be documented; this is that list.

    >>> [c["status"] for c in characteristics([{"id": "a", "characteristic": "safe", "outcome": "fail"}])][:3]
    ['not_measured', 'measured', 'not_measured']
    """
    out = []
    for key, (label, sub) in CHARACTERISTICS.items():
        mine = [r for r in rows if r["characteristic"] == key]
        measured = [r for r in mine if r["outcome"] != "not_measured"]
        out.append({"characteristic": key, "label": label, "subcategory": sub,
                    "thresholds": [r["id"] for r in mine], "measured": len(measured),
                    "failing": [r["id"] for r in measured if r["outcome"] == "fail"],
                    "status": "measured" if measured else "not_measured"})
    return out


def summary(rows: list[dict]) -> dict:
    """Counts per outcome, the failing and not-measured thresholds, and the characteristics not measured."""
    return {"thresholds": len(rows), **{o: sum(1 for r in rows if r["outcome"] == o) for o in OUTCOMES},
            "failing": [r["id"] for r in rows if r["outcome"] == "fail"],
            "not_measured_thresholds": [r["id"] for r in rows if r["outcome"] == "not_measured"],
            "stale": [r["id"] for r in rows if r["stale"]],
            "characteristics_not_measured": [c["label"] for c in characteristics(rows) if c["status"] == "not_measured"]}


def check_thresholds(ws: "Workspace") -> list[Problem]:
    """Reference check: each threshold names a real subcategory and, if given, evidence in the workspace."""
    from rmfkit.catalog import load_catalog

    catalog = load_catalog()
    problems = []
    evidence = ws.evidence
    for i, threshold in enumerate(thresholds_of(ws) or []):
        loc = ("thresholds", i)
        if not catalog.is_subcategory(threshold.subcategory):
            problems.append(Problem(THRESHOLDS_FILE, f"'{threshold.subcategory}' is not an AI RMF subcategory",
                                    ws.locate(THRESHOLDS_FILE, loc + ("subcategory",)),
                                    f"thresholds.{threshold.id}.subcategory"))
        if threshold.evidence is not None and threshold.evidence not in evidence:
            problems.append(Problem(THRESHOLDS_FILE, f"evidence '{threshold.evidence}' is not in this workspace",
                                    ws.locate(THRESHOLDS_FILE, loc + ("evidence",)),
                                    f"thresholds.{threshold.id}.evidence"))
    return problems
