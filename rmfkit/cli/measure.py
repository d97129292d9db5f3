"""``rmfkit measure``: measurements against the acceptance thresholds of ``thresholds.yaml``."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from rmfkit.cli.common import JsonOpt, WorkspaceOpt, console, open_ws, print_json, table


def _value_cell(row: dict) -> str:
    from rmfkit.measure import format_number

    if row["value"] is None:
        return "—"
    text = format_number(row["value"])
    if row["ci_low"] is not None:
        text += f" [{format_number(row['ci_low'])}, {format_number(row['ci_high'])}]"
    return text + (f" {row['unit']}" if row["unit"] else "")


def _outcome_cell(row: dict) -> str:
    from rmfkit.measure import OUTCOME_LABELS

    return OUTCOME_LABELS[row["outcome"]].upper() + (" (stale)" if row["stale"] else "")


def measure(workspace: Optional[Path] = WorkspaceOpt, as_json: bool = JsonOpt,
            failing: bool = typer.Option(False, "--failing", help="Only thresholds that fail, are inconclusive or are not measured"),
            list_metrics: bool = typer.Option(False, "--list-metrics",
                                              help="Every metric name found in the workspace's evidence")
            ) -> None:
    """Value, 95% CI, threshold and pass / pass within tolerance / inconclusive / fail / not measured per
    declared metric; exit 0 either way."""
    from rich.markup import escape

    from rmfkit import measure as measure_api

    ws = open_ws(workspace)
    if list_metrics:
        _list_metrics(ws, as_json)
        return
    from rmfkit.analysis import of_workspace

    section = of_workspace(ws, cached=True).measurement
    every_row = section["rows"] if section else []
    characteristics = measure_api.characteristics(every_row)
    rows = [r for r in every_row if r["outcome"] in ("fail", "inconclusive", "not_measured")] if failing else every_row
    if as_json:
        print_json({"rows": rows, "characteristics": characteristics})
        return
    if section is None:
        typer.echo("No thresholds declared: add thresholds.yaml (metric, direction, threshold, subcategory).")
        return
    out = console()
    results = table(f"Measurements against thresholds ({len(rows)})",
                    ["Threshold", "Value [95% CI]", "Target", "Outcome", "Evidence"],
                    [[r["id"], _value_cell(r), f"{measure_api.direction_sign(r['direction'])} "
                      f"{measure_api.format_number(r['threshold'])}", _outcome_cell(r),
                      r["evidence"] or "—"] for r in rows])
    results.columns[0].overflow = results.columns[4].overflow = "fold"
    out.print(results)
    counts = measure_api.summary(every_row)
    out.print(f"{counts['pass']} pass, {counts['pass_within_tolerance']} pass within tolerance, "
              f"{counts['inconclusive']} inconclusive, {counts['fail']} fail, "
              f"{counts['not_measured']} not measured (of {counts['thresholds']})")
    for r in rows:
        if r["outcome"] != "pass":
            out.print(f"{r['id']}: {escape(r['reason'])}", soft_wrap=True)
    missing = [c["label"] for c in characteristics if c["status"] != "measured"]
    if missing:
        out.print("Trustworthiness characteristics not measured (MEASURE 1.1): " + "; ".join(missing), soft_wrap=True)


def _list_metrics(ws, as_json: bool) -> None:
    """Metric, task, slice, latest value, n and evidence id of every metric the evidence holds."""
    from rmfkit.editing.thresholds import metric_names
    from rmfkit.measure import format_number

    found = metric_names(ws)
    if as_json:
        print_json(found)
        return
    if not found:
        typer.echo("No metrics in this workspace's evidence yet: import eval results (rmfkit evidence import).")
        return
    console().print(table(f"Metrics found in evidence ({len(found)})", ["Metric", "Task", "Slice", "Value", "n",
                                                                      "Evidence"],
                          [[m["metric"], m["task"] or "—", m["slice"] or "—", format_number(m["value"]),
                            str(m["n"] or "—"), m["evidence"]] for m in found]))


def register(app: typer.Typer) -> None:
    app.command("measure")(measure)
