"""Measurements against acceptance thresholds, and the trustworthiness characteristics not measured.

Thresholds come from ``thresholds.yaml``; values come from the facts importers store on evidence
(``facts["metrics"] = [{"task", "metric", "value", "stderr", "n"}]``: eval results, red-team pass
rates, latency reports alike). Each threshold gets one row with the value, its standard error and 95%
confidence interval, and an outcome:

- ``fail`` when the value falls short of the threshold by more than the declared ``tolerance``;
- ``inconclusive`` when the sample is smaller than the threshold's ``min_sample`` (default 30) or not
  reported, or the value meets the threshold but its 95% confidence bound on the threshold's side (the
  lower bound for ≥, the upper bound for ≤) does not, or no interval can be computed: not a pass;
- ``pass_within_tolerance`` when the value falls short by no more than the ``tolerance`` on a sample
  large enough (accepted, but not a pass: counted and shown separately);
- ``pass`` only when the value and that confidence bound both meet the threshold on a sample large enough;
- ``not_measured`` when no evidence holds the metric, the value is not a finite number, or the evidence
  holding it is missing or altered (an altered artefact cannot vouch for its number). Expired evidence
  still yields an outcome, marked ``stale``.

A detector report (garak) scores one probe with several detectors: the worst detector counts, and every
detector stays listed in ``detectors``.

The 95% interval of a proportion (a metric bounded in [0, 1], no unit) with a known sample size ``n`` is
the Wilson score interval, which stays inside [0, 1] and has width even at 0% or 100%; without ``n`` it
is value ± 1.96 × stderr clipped to [0, 1]; any other metric gets value ± 1.96 × stderr.

>>> from rmfkit.models.thresholds import Threshold
>>> from rmfkit.models.evidence import EvidenceRecord
>>> ev = EvidenceRecord(id="E1", title="eval", kind="lm-eval", file="r.json", sha256="0" * 64, size=1,
...                     facts={"metrics": [{"task": "tickets", "metric": "acc", "value": 0.81, "stderr": 0.01}]})
>>> t = Threshold(id="acc", metric="acc", task="tickets", direction="higher_is_better", threshold=0.85,
...               subcategory="MEASURE 2.3")
>>> from rmfkit.library.freshness import EvidenceCheck
>>> row = evaluate_threshold(t, {"E1": ev}, {"E1": EvidenceCheck("E1", "ok", "hash matches", None)})
>>> row["outcome"], row["value"], row["ci_low"], row["ci_high"], row["ci_method"], row["reason"]
('fail', 0.81, 0.7904, 0.8296, 'normal_clipped', '0.81 vs ≥ 0.85; short by 0.04')
>>> ev.facts["metrics"][0].update(value=0.87, n=600)
>>> row = evaluate_threshold(t, {"E1": ev}, {"E1": EvidenceCheck("E1", "ok", "hash matches", None)})
>>> row["outcome"], row["reason"]
('inconclusive', '0.87 vs ≥ 0.85; 95% CI lower bound 0.841 is below the threshold')
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

OUTCOMES: tuple[str, ...] = ("pass", "pass_within_tolerance", "inconclusive", "fail", "not_measured")
OUTCOME_LABELS: dict[str, str] = {"pass": "pass", "pass_within_tolerance": "pass (within tolerance)",
                                  "inconclusive": "inconclusive", "fail": "fail", "not_measured": "not measured"}
# Evidence kinds whose metric slices are detectors scoring the same outputs: the worst detector counts.
DETECTOR_KINDS = frozenset({"garak"})
CI_METHODS: dict[str, str] = {"wilson": "Wilson score interval (n known)",
                              "normal_clipped": "value ± 1.96 × stderr, clipped to [0, 1]",
                              "normal": "value ± 1.96 × stderr"}
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


def _metric_dicts(record: "EvidenceRecord") -> list[dict]:
    metrics = record.facts.get("metrics") if isinstance(record.facts, dict) else None
    if not isinstance(metrics, list):
        return []
    return [m for m in metrics if isinstance(m, dict) and isinstance(m.get("metric"), str)]


def metric_entries(record: "EvidenceRecord") -> list[dict]:
    """The well-formed metric entries of an evidence item's facts with a finite value (others are ignored)."""
    return [m for m in _metric_dicts(record) if _number(m.get("value")) is not None]


def _matches(threshold: Threshold, entry: dict, *, any_slice: bool = False) -> bool:
    name = entry["metric"]
    metric_ok = name == threshold.metric or ("," not in threshold.metric and name.split(",")[0] == threshold.metric)
    return (metric_ok and threshold.task in (None, entry.get("task"))
            and (any_slice or threshold.slice in (None, entry.get("slice"))))


def _recency(record: "EvidenceRecord") -> tuple:
    imported = record.imported_at.date() if record.imported_at else None
    return (record.collected_at or imported or dt.date.min, record.id)


def _candidates(threshold: Threshold, evidence: Mapping[str, "EvidenceRecord"]) -> list["EvidenceRecord"]:
    if threshold.evidence is not None:
        candidates = [evidence[threshold.evidence]] if threshold.evidence in evidence else []
    else:
        candidates = [r for r in evidence.values() if threshold.evidence_kind in (None, r.kind)]
    return sorted(candidates, key=_recency, reverse=True)


def _worst(threshold: Threshold, entries: list[dict]) -> dict:
    """The detector entry least favourable to the threshold (lowest when higher is better)."""
    sign = 1 if threshold.direction == "higher_is_better" else -1
    return min(entries, key=lambda m: (sign * m["value"], str(m.get("slice"))))


def find_measurement(threshold: Threshold, evidence: Mapping[str, "EvidenceRecord"]
                     ) -> tuple["EvidenceRecord | None", dict | None]:
    """The evidence item and metric entry a threshold reads: its named item, else the newest match.

    In a detector report (:data:`DETECTOR_KINDS`) the worst detector of the probe counts, whatever
    ``slice`` the threshold names.
    """
    for record in _candidates(threshold, evidence):
        detectors = record.kind in DETECTOR_KINDS
        entries = [m for m in metric_entries(record) if _matches(threshold, m, any_slice=detectors)]
        if entries and detectors:
            return record, _worst(threshold, entries)
        if entries:
            # Without a named slice, the overall figure (no slice) wins over per-slice figures.
            return record, min(entries, key=lambda m: m.get("slice") not in (None, "", "none"))
    return None, None


def _non_finite(threshold: Threshold, evidence: Mapping[str, "EvidenceRecord"]
                ) -> tuple["EvidenceRecord | None", dict | None]:
    """The newest matching entry whose value an importer recorded as not finite (``"non_finite": "inf"``)."""
    for record in _candidates(threshold, evidence):
        for m in _metric_dicts(record):
            if m.get("non_finite") and _matches(threshold, m, any_slice=record.kind in DETECTOR_KINDS):
                return record, m
    return None, None


def _detectors(threshold: Threshold, record: "EvidenceRecord") -> list[dict]:
    """Every detector's figure for the probe the threshold reads (empty for other evidence kinds)."""
    if record.kind not in DETECTOR_KINDS:
        return []
    return [{"detector": m.get("slice"), "value": _number(m.get("value")), "n": m.get("n"),
             "non_finite": m.get("non_finite")}
            for m in _metric_dicts(record) if _matches(threshold, m, any_slice=True)]


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
    """One results-table row: value, stderr, 95% CI, threshold, outcome and why (see the module rules)."""
    record, entry = find_measurement(threshold, evidence)
    row: dict[str, Any] = {
        "id": threshold.id, "title": threshold.title or threshold.id, "metric": threshold.metric,
        "task": threshold.task, "direction": threshold.direction, "threshold": threshold.threshold,
        "slice": threshold.slice, "tolerance": threshold.tolerance, "unit": threshold.unit, "subcategory": threshold.subcategory,
        "characteristic": characteristic_of(threshold), "min_sample": threshold.min_sample,
        "evidence": record.id if record else None, "evidence_status": None, "example_data": bool(record and record.example_data),
        "value": None, "stderr": None, "ci_low": None, "ci_high": None, "ci_method": None, "n": None,
        "outcome": "not_measured", "within_tolerance": False, "ci_crosses_threshold": None, "stale": False,
        "detectors": [], "reason": None,
    }
    if record is None:
        odd, odd_entry = _non_finite(threshold, evidence)
        if odd is not None:
            row.update(evidence=odd.id, detectors=_detectors(threshold, odd))
            row["reason"] = f"{odd.id}: {threshold.metric} is not a finite number ({odd_entry['non_finite']})"
            return row
        where = (f"evidence '{threshold.evidence}'" if threshold.evidence else
                 f"{threshold.evidence_kind} evidence" if threshold.evidence_kind else "the evidence")
        task = f" for task {threshold.task}" if threshold.task else ""
        row["reason"] = f"{where} holds no value of {threshold.metric}{task}"
        return row
    value = _number(entry["value"])
    stderr = _number(entry.get("stderr"))
    n = entry.get("n")
    row.update(value=value, stderr=stderr, n=n if isinstance(n, int) and not isinstance(n, bool) else None,
               slice=entry.get("slice") or None, detectors=_detectors(threshold, record))
    interval = confidence_interval(value, stderr, row["n"], bounded=is_proportion(threshold, value))
    if interval is not None:
        row["ci_low"], row["ci_high"], row["ci_method"] = interval
        row["ci_crosses_threshold"] = row["ci_low"] <= threshold.threshold <= row["ci_high"]
    check = checks.get(record.id)
    status = check.status if check is not None else "missing"
    row["evidence_status"] = status
    if status in ("missing", "hash_mismatch"):
        row["reason"] = f"{record.id}: {check.reason if check else 'not checked'}; its value cannot be relied on"
        return row
    value_text, threshold_text = format_pair(value, threshold.threshold)
    parts = [f"{value_text} vs {direction_sign(threshold.direction)} {threshold_text}"]
    row["outcome"], why = _outcome(threshold, row, value_text, threshold_text)
    row["within_tolerance"] = row["outcome"] == "pass_within_tolerance"
    parts += why
    if len(row["detectors"]) > 1:
        parts.append(f"worst of {len(row['detectors'])} detectors ({row['slice']})")
    if status == "expired":
        row["stale"] = True
        parts.append(f"{record.id} {check.reason}")
    row["reason"] = "; ".join(parts)
    return row


def _outcome(threshold: Threshold, row: dict, value_text: str, threshold_text: str) -> tuple[str, list[str]]:
    """The outcome of a measured row and the words saying why (the rules of the module docstring)."""
    value, n = row["value"], row["n"]
    shortfall = threshold.shortfall(value)
    short = format_difference(shortfall, value_text, threshold_text)
    if not threshold.passes(value) and (threshold.tolerance is None or shortfall > threshold.tolerance):
        return "fail", [f"short by {short}"] + (["95% CI includes the threshold"] if row["ci_crosses_threshold"] else [])
    if n is None:
        return "inconclusive", [f"sample size not reported (at least {threshold.min_sample} needed)"]
    if n < threshold.min_sample:
        return "inconclusive", [f"n = {n} is below the minimum sample of {threshold.min_sample}"]
    if not threshold.passes(value):
        return "pass_within_tolerance", [f"short by {short}, within tolerance {format_number(threshold.tolerance)}"] + (
            ["95% CI includes the threshold"] if row["ci_crosses_threshold"] else [])
    if row["ci_low"] is None:
        return "inconclusive", ["no confidence interval (the evidence gives no standard error)"]
    higher = threshold.direction == "higher_is_better"
    low, high, _ = unrounded_interval(value, row["stderr"], n, bounded=is_proportion(threshold, value))
    bound = low if higher else high
    if not threshold.passes(bound):
        side, where = ("lower", "below") if higher else ("upper", "above")
        return "inconclusive", [f"95% CI {side} bound {format_pair(bound, threshold.threshold)[0]} is {where} "
                                "the threshold"]
    return "pass", []


def direction_sign(direction: str) -> str:
    """``≥`` for higher-is-better thresholds, ``≤`` for lower-is-better ones."""
    return "≥" if direction == "higher_is_better" else "≤"


def format_number(x: float | None, digits: int = 3) -> str:
    """A number as people read it: ``digits`` significant digits, no exponent, no trailing zeros.

    >>> [format_number(x) for x in (0.7583333, 0.85, 0.005, 1830.0, 3000, 0.000649, -0.04167, 0)]
    ['0.758', '0.85', '0.005', '1830', '3000', '0.000649', '-0.0417', '0']
    """
    if x is None:
        return "—"
    if x == 0:
        return "0"
    decimals = max(digits - 1 - math.floor(math.log10(abs(x))), 0)
    text = f"{x:.{decimals}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def format_pair(value: float, threshold: float) -> tuple[str, str]:
    """A value and its threshold, with enough digits that a value short of the threshold never reads equal.

    >>> format_pair(0.7583333, 0.8), format_pair(0.8499, 0.85)
    (('0.758', '0.8'), ('0.8499', '0.85'))
    """
    digits = 3
    while format_number(value, digits) == format_number(threshold, digits) and value != threshold and digits < 12:
        digits += 1
    return format_number(value, digits), format_number(threshold, digits)


def format_difference(difference: float, *shown: str) -> str:
    """A difference at the precision of the numbers it is the difference of (``short by 0.042``).

    >>> format_difference(0.0416667, "0.758", "0.8"), format_difference(0.0001, "0.8499", "0.85")
    ('0.042', '0.0001')
    """
    decimals = max((len(text.partition(".")[2]) for text in shown), default=0)
    text = f"{difference:.{decimals}f}"
    if float(text) == 0 and difference:
        return format_number(difference)
    return text


def is_proportion(threshold: Threshold, value: float) -> bool:
    """A metric bounded in [0, 1]: no unit, and the threshold and the value both in [0, 1]."""
    return threshold.unit is None and 0 <= threshold.threshold <= 1 and 0 <= value <= 1


def wilson_interval(p: float, n: int, z: float = Z_95) -> tuple[float, float]:
    """The Wilson score interval of a proportion ``p`` observed in ``n`` trials.

    >>> [round(x, 4) for x in wilson_interval(1.0, 5)], [round(x, 4) for x in wilson_interval(0.005, 600)]
    ([0.5655, 1.0], [0.0017, 0.0146])
    """
    z2 = z * z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = z / (1 + z2 / n) * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n))
    return max(centre - half, 0.0), min(centre + half, 1.0)


def confidence_interval(value: float, stderr: float | None, n: int | None, *, bounded: bool
                        ) -> tuple[float, float, str] | None:
    """(low, high, method) of the 95% interval, or None when neither ``n`` nor a standard error is known.

    >>> confidence_interval(0.005, 0.0029, 600, bounded=True)[2], confidence_interval(0.005, 0.0029, None, bounded=True)
    ('wilson', (0.0, 0.010684, 'normal_clipped'))
    """
    raw = unrounded_interval(value, stderr, n, bounded=bounded)
    return None if raw is None else (round(raw[0], 6), round(raw[1], 6), raw[2])


def unrounded_interval(value: float, stderr: float | None, n: int | None, *, bounded: bool
                       ) -> tuple[float, float, str] | None:
    """:func:`confidence_interval` before rounding for display: what an outcome is decided on."""
    if bounded and n is not None and n > 0:
        return (*wilson_interval(value, n), "wilson")
    if stderr is None:
        return None
    low, high = value - Z_95 * stderr, value + Z_95 * stderr
    if bounded:
        return max(low, 0.0), min(high, 1.0), "normal_clipped"
    return low, high, "normal"


def evaluate_records(thresholds: list[Threshold], evidence: Mapping[str, "EvidenceRecord"],
                     checks: Mapping[str, "CheckLike"]) -> list[dict]:
    """Pure core of :func:`evaluate`: one row per threshold, in file order."""
    return [evaluate_threshold(t, evidence, checks) for t in thresholds]


def thresholds_of(ws: "Workspace") -> list[Threshold] | None:
    """The workspace's declared thresholds, or None when ``thresholds.yaml`` does not exist."""
    record = ws.records.get(THRESHOLDS_FILE)
    return None if record is None else list(record.thresholds)


def characteristics(rows: list[dict]) -> list[dict]:
    """Each trustworthiness characteristic: measured (a threshold with an outcome other than not measured) or not.

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
                    "inconclusive": [r["id"] for r in measured if r["outcome"] == "inconclusive"],
                    "status": "measured" if measured else "not_measured"})
    return out


def summary(rows: list[dict]) -> dict:
    """Counts per outcome, the failing, within-tolerance, inconclusive and not-measured thresholds, and the
    characteristics not measured."""
    return {"thresholds": len(rows), **{o: sum(1 for r in rows if r["outcome"] == o) for o in OUTCOMES},
            "failing": [r["id"] for r in rows if r["outcome"] == "fail"],
            "within_tolerance": [r["id"] for r in rows if r["outcome"] == "pass_within_tolerance"],
            "inconclusive_thresholds": [r["id"] for r in rows if r["outcome"] == "inconclusive"],
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
