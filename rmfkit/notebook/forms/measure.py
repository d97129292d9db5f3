"""The threshold form of session 04: the metric is picked from the metrics found in the imported evidence.

>>> import tempfile, pathlib
>>> from rmfkit.workspace import Workspace
>>> ws = Workspace.create(pathlib.Path(tempfile.mkdtemp()) / "w", system_id="s", name="S", owner="o")
>>> form = threshold_form(ws).set(id="acc", metric="correct", threshold=0.9)
>>> form.values()["direction"], form.save()
('higher_is_better', 'Saved threshold acc')
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterable

from rmfkit.notebook.forms.base import Field, Form, call_text

if TYPE_CHECKING:
    from rmfkit.workspace import Workspace

DIRECTIONS = (("higher is better", "higher_is_better"), ("lower is better", "lower_is_better"))


def metric_label(entry: dict) -> str:
    """``correct · task claims_triage · slice urgent (0.91, n=120, eval-…)``: a metric as the picker shows it."""
    from rmfkit.measure import format_number

    parts = [entry["metric"]] + [f"{k} {entry[k]}" for k in ("task", "slice") if entry.get(k)]
    n = f", n={entry['n']}" if entry.get("n") else ""
    return " · ".join(parts) + f" ({format_number(entry['value'])}{n}, {entry['evidence']})"


def threshold_form(ws: "Workspace", threshold_id: str | None = None, refresh: Iterable[Any] = ()) -> Form:
    """Metric (from the evidence), direction, threshold, tolerance, minimum sample size and subcategory."""
    from rmfkit.catalog import load_catalog
    from rmfkit.editing import thresholds

    found = thresholds.metric_names(ws)
    picks = {metric_label(m): m for m in found}
    record = ws.records.get("thresholds.yaml")
    current = next((t for t in record.thresholds if t.id == threshold_id), None) if record and threshold_id else None
    subcategories = tuple(s.id for s in load_catalog().subcategories if s.function == "MEASURE")
    fields = [Field("id", "Threshold id", placeholder="e.g. triage-accuracy"), Field("title", "What is measured"),
              Field("pick", "Metric found in evidence", "choice", (("— type it below —", None), *picks)),
              Field("metric", "Metric name", placeholder="as the evidence names it"), Field("task", "Task"),
              Field("slice", "Slice"), Field("direction", "Direction", "choice", DIRECTIONS),
              Field("threshold", "Threshold", "float"), Field("tolerance", "Tolerance", "float"),
              Field("min_sample", "Minimum sample size", "int"),
              Field("subcategory", "Subcategory", "choice", subcategories)]
    initial = current.model_dump() if current else {"direction": "higher_is_better", "subcategory": "MEASURE 2.3"}

    def chosen(v: dict) -> dict:
        values = {k: x for k, x in v.items() if k != "pick"}
        if v.get("pick") in picks:
            m = picks[v["pick"]]
            values.update(metric=m["metric"], task=m["task"], slice=m["slice"])
        return values

    def action(v: dict) -> str:
        values = chosen(v)
        thresholds.set_threshold(ws, values.pop("id") or "", **values)
        return f"Saved threshold {v['id']}"

    def call(v: dict) -> str:
        values = chosen(v)
        return call_text("thresholds.set_threshold", values.pop("id"), **values)

    return Form(ws, title=f"Threshold {threshold_id}" if threshold_id else "New threshold", fields=fields,
                initial=initial, action=action, call=call, refresh=refresh)
