"""What every CLI command shares: the workspace option, the console, JSON output."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Optional

import typer

WorkspaceOpt = typer.Option(None, "-w", "--workspace", metavar="DIR",
                            help="Workspace folder (default: search upward for rmfkit.yaml)", show_default=False)
JsonOpt = typer.Option(False, "--json", help="Print machine-readable JSON instead of tables")


def console():
    from rich.console import Console

    return Console(highlight=False, soft_wrap=False)


def open_ws(workspace: Optional[Path], *, valid: bool = True):
    """Open the workspace for a command; schema problems stop commands other than validate."""
    from rmfkit.workspace import open_workspace

    ws = open_workspace(workspace)
    return ws.require_valid() if valid else ws


def print_json(data: Any) -> None:
    typer.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))


def table(title: str | None, columns: list[str], rows: list[list[Any]], **kwargs):
    from rich.table import Table

    t = Table(title=title, title_justify="left", **kwargs)
    for col in columns:
        t.add_column(col)
    for row in rows:
        t.add_row(*["" if v is None else str(v) for v in row])
    return t
