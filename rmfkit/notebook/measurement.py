"""Measurement in the notebooks: results against acceptance thresholds, the chart, the characteristics.

Everything reads the ``measurement`` section of one :class:`~rmfkit.analysis.Analysis`, formatted as the
packet formats it (:func:`rmfkit.views.packet.measurement`).

>>> import pathlib, tempfile
>>> from rmfkit.analysis import of_workspace
>>> from rmfkit.workspace import Workspace
>>> ws = Workspace.create(pathlib.Path(tempfile.mkdtemp()) / "w", system_id="s", name="S", owner="o")
>>> measurement_table(of_workspace(ws))
Measurements against acceptance thresholds (0 rows)
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from rmfkit.notebook.html import Chart, Html, Table, callout, facts, table

if TYPE_CHECKING:
    from rmfkit.analysis import Analysis

NO_THRESHOLDS = "no acceptance thresholds declared yet (thresholds.yaml)"


def measurement_table(analysis: "Analysis") -> Table:
    """Results against thresholds: value, 95% CI, target, outcome, evidence and why."""
    from rmfkit.views.packet import measurement

    view = measurement(analysis)
    rows = view["rows"] if view["recorded"] else []
    counts = {o: sum(1 for r in rows if r["outcome"] == o) for o in ("fail", "pass_within_tolerance", "not_measured")}
    return table(rows, {"title": "Threshold", "metric": "Metric", "value_text": "Value", "ci_text": "95% CI",
                        "threshold_text": "Target", "outcome": "Outcome", "evidence": "Evidence", "reason": "Why"},
                 title="Measurements against acceptance thresholds", status_columns=("outcome",),
                 wrap_columns=("title", "reason"),
                 summary=f"{len(rows)} thresholds, {counts['fail']} failing, {counts['pass_within_tolerance']} "
                         f"passing only within tolerance, {counts['not_measured']} not measured",
                 empty=NO_THRESHOLDS, shade=["gap" if r["outcome"] == "fail" else
                                             "watch" if r["outcome"] == "pass_within_tolerance" else None
                                             for r in rows])


def measurement_chart(analysis: "Analysis") -> Html | Chart:
    """The packet's metrics chart (one panel per threshold), or a one-line note when nothing is declared."""
    from rmfkit.render.charts import metrics_chart

    if not analysis.measurement or not analysis.measurement["rows"]:
        return callout(f"No chart yet: {NO_THRESHOLDS}")
    return Chart(metrics_chart(analysis.measurement["rows"]), "Measurements against acceptance thresholds")


def characteristics_table(analysis: "Analysis") -> Html | Table:
    """The seven trustworthy-AI characteristics, measured or not, with the thresholds behind each."""
    if not analysis.measurement:
        return callout(f"Characteristics: {NO_THRESHOLDS}", tone="warn")
    rows = analysis.measurement["characteristics"]
    not_measured = sum(1 for r in rows if r["status"] == "not_measured")
    return table(rows, {"label": "Characteristic", "subcategory": "Subcategory", "status": "Status",
                        "thresholds": "Thresholds", "failing": "Failing"},
                 title="Trustworthy-AI characteristics", status_columns=("status",),
                 summary=f"{not_measured} of {len(rows)} not measured: say why in MEASURE 1.1")


def measurement_summary(analysis: "Analysis") -> Html:
    """The measurement counts as a card (the same as ``rmfkit status``)."""
    from rmfkit.views.status import measurement

    section = measurement(analysis)
    if section is None:
        return callout(f"Measurement: {NO_THRESHOLDS}", tone="warn")
    return facts("Measurement summary", {
        "thresholds": section["thresholds"], "pass": section["pass"],
        "pass only within tolerance": section["within_tolerance"] or 0, "fail": section["failing"] or 0,
        "not measured": section["not_measured_thresholds"] or 0, "on stale evidence": section["stale"] or 0,
        "characteristics not measured": section["characteristics_not_measured"] or None})
