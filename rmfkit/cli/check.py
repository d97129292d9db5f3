"""``rmfkit check``: consistency findings across records (exit 3 on error-level findings).

Lists every finding of the analysis — validation problems and the consistency rules of
:mod:`rmfkit.analysis.consistency` — as ``SEVERITY file: field: message [rule]``, errors first.
"""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from rmfkit.cli.common import AsOfOpt, JsonOpt, WorkspaceOpt, evaluation_date, open_ws, print_json


def check(workspace: Optional[Path] = WorkspaceOpt, as_json: bool = JsonOpt, as_of: Optional[str] = AsOfOpt) -> None:
    """Findings across records: contradictions, unnamed acceptances, DPIA timing; exit 3 on any error."""
    from rmfkit.analysis import of_workspace
    from rmfkit.analysis.consistency import counts
    from rmfkit.clock import pinned

    ws = open_ws(workspace)
    with pinned(evaluation_date(ws, as_of)):
        items = of_workspace(ws, cached=True).findings
    tally = counts(items)
    if as_json:
        print_json({"findings": items, "counts": tally})
    else:
        for item in items:
            where = item["file"] + (f" line {item['line']}" if item.get("line") else "")
            field = f"{item['field']}: " if item["field"] else ""
            typer.echo(f"{item['severity'].upper()} {where}: {field}{item['message']} [{item['rule']}]")
        typer.echo(f"{tally['error']} error{'s' if tally['error'] != 1 else ''}, "
                   f"{tally['warning']} warning{'s' if tally['warning'] != 1 else ''}")
    if tally["error"]:
        raise typer.Exit(3)


def register(app: typer.Typer) -> None:
    app.command("check")(check)
