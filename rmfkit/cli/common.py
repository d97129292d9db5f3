"""What every CLI command shares: the workspace option, the console, JSON output."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

import typer

WorkspaceOpt = typer.Option(None, "-w", "--workspace", metavar="DIR",
                            help="Workspace folder (default: search upward for rmfkit.yaml)", show_default=False)
JsonOpt = typer.Option(False, "--json", help="Print machine-readable JSON instead of tables")
AsOfOpt = typer.Option(None, "--as-of", metavar="DATE",
                       help="Evaluation date YYYY-MM-DD for every page (default: RMFKIT_TODAY, SOURCE_DATE_EPOCH, "
                            "else today in the workspace's time zone)", show_default=False)


def evaluation_date(ws, as_of: Optional[str]):
    """The command's one evaluation date, to pin with :func:`rmfkit.clock.pinned` around its work."""
    from rmfkit.clock import evaluation_date as resolve

    return resolve(as_of, ws.settings.timezone)


def print_text(text: Any, *, err: bool = False) -> None:
    """Print user text (file names, titles, headings) with control characters escaped: one inert line."""
    from rmfkit.text import for_terminal

    typer.echo(for_terminal(text), err=err)


def console():
    """A rich console whose printed strings have control characters escaped line by line (user text in
    them cannot move the cursor, set the title or clear the screen); rich markup still works."""
    from rich.console import Console

    from rmfkit.text import for_terminal

    class SafeConsole(Console):
        def print(self, *objects, **kwargs):
            objects = tuple("\n".join(for_terminal(line) for line in o.split("\n")) if isinstance(o, str) else o
                            for o in objects)
            super().print(*objects, **kwargs)

    return SafeConsole(highlight=False, soft_wrap=False)


def open_ws(workspace: Optional[Path], *, valid: bool = True):
    """Open the workspace for a command; schema problems stop commands other than validate."""
    from rmfkit.workspace import open_workspace

    ws = open_workspace(workspace)
    return ws.require_valid() if valid else ws


def json_text(data: Any) -> str:
    """``data`` as the indented JSON the CLI prints: dates and datetimes in ISO 8601, tuples and sets as lists,
    other objects as ``str()``.

    pydantic-core's encoder (Rust) writes the layout of ``json.dumps(indent=2)`` several times faster;
    ``evidence ls --json`` on 10,000 items prints 7 MB.

    >>> print(json_text({"ids": ("a",)}))
    {
      "ids": [
        "a"
      ]
    }
    """
    from pydantic_core import to_json

    return to_json(data, indent=2, fallback=str).decode("utf-8")


def print_json(data: Any) -> None:
    """Print ``data`` as :func:`json_text`."""
    typer.echo(json_text(data))


def table(title: str | None, columns: list[str], rows: list[list[Any]], **kwargs):
    from rich.table import Table

    t = Table(title=title, title_justify="left", **kwargs)
    for col in columns:
        t.add_column(col)
    from rmfkit.text import for_terminal

    for row in rows:
        t.add_row(*["" if v is None else for_terminal(v) for v in row])
    return t
