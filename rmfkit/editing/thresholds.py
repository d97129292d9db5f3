"""Acceptance thresholds (``thresholds.yaml``) and the metric names found in the workspace's evidence.

>>> import tempfile, pathlib
>>> from rmfkit.workspace import Workspace
>>> ws = Workspace.create(pathlib.Path(tempfile.mkdtemp()) / "w", system_id="s", name="S", owner="o")
>>> set_threshold(ws, "triage-accuracy", metric="correct", direction="higher_is_better", threshold=0.9,
...               subcategory="MEASURE 2.3", min_sample=50).min_sample
50
>>> metric_names(ws)
[]
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rmfkit.editing.common import clean, saving, validated
from rmfkit.errors import UnknownIdError
from rmfkit.models.thresholds import Threshold, ThresholdsFile

if TYPE_CHECKING:
    from rmfkit.models.evidence import EvidenceRecord
    from rmfkit.workspace import Workspace

FILE = "thresholds.yaml"


def metric_names(ws: "Workspace") -> list[dict[str, Any]]:
    """Every metric found in the workspace's evidence: ``metric``, ``task``, ``slice``, ``value``, ``n``,
    ``evidence`` and ``kind`` (the newest item first for the same metric, task and slice)."""
    from rmfkit.measure import metric_entries

    seen: dict[tuple, dict[str, Any]] = {}
    records: list["EvidenceRecord"] = sorted(ws.evidence.values(), key=lambda r: (str(r.collected_at or ""), r.id),
                                             reverse=True)
    for record in records:
        for entry in metric_entries(record):
            key = (entry["metric"], entry.get("task"), entry.get("slice"))
            seen.setdefault(key, {"metric": entry["metric"], "task": entry.get("task"), "slice": entry.get("slice"),
                                  "value": entry.get("value"), "n": entry.get("n"), "evidence": record.id,
                                  "kind": record.kind})
    return sorted(seen.values(), key=lambda m: (m["metric"], m["task"] or "", m["slice"] or ""))


def set_threshold(ws: "Workspace", threshold_id: str, **fields: Any) -> Threshold:
    """Add or change a threshold: ``metric`` (as the evidence names it), ``task``, ``slice``, ``direction``,
    ``threshold``, ``tolerance``, ``min_sample``, ``subcategory``, ``title``, ``evidence`` or ``evidence_kind``.

    ``thresholds.yaml`` is started when it does not exist; the subcategory and evidence must exist.
    """
    from rmfkit.catalog import load_catalog

    with saving(ws):
        current = ws.records.get(FILE) or ThresholdsFile()
        items = [t.model_dump(exclude_unset=True) for t in current.thresholds]
        index = next((i for i, t in enumerate(items) if t["id"] == threshold_id), None)
        merged = clean({**(items[index] if index is not None else {"id": threshold_id}), **fields})
        if "subcategory" in merged:
            merged["subcategory"] = load_catalog().subcategory(merged["subcategory"]).id
        threshold = validated(Threshold, merged, file=FILE, prefix=f"thresholds.{threshold_id}.")
        if threshold.evidence:
            ws.require_evidence(threshold.evidence)
        if index is None:
            items.append(merged)
        else:
            items[index] = merged
        ws.put(FILE, validated(ThresholdsFile, {**current.model_dump(exclude_unset=True), "thresholds": items},
                               file=FILE))
        return threshold


def remove_threshold(ws: "Workspace", threshold_id: str) -> None:
    """Remove a threshold from ``thresholds.yaml``."""
    with saving(ws):
        current = ws.records.get(FILE) or ThresholdsFile()
        kept = [t for t in current.thresholds if t.id != threshold_id]
        if len(kept) == len(current.thresholds):
            raise UnknownIdError(f"unknown threshold '{threshold_id}'", file=FILE, field="thresholds")
        ws.put(FILE, current.model_copy(update={"thresholds": kept}))
