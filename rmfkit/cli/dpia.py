"""``rmfkit dpia screen | init | check | export --format cnil``: GDPR DPIA inputs."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer

from rmfkit.cli.common import JsonOpt, WorkspaceOpt, console, open_ws, print_json, table

dpia_app = typer.Typer(help="DPIA screening (Art. 35), Art. 35(7) inputs and the CNIL PIA export.",
                       no_args_is_help=True)


@dpia_app.command("screen")
def screen(workspace: Optional[Path] = WorkspaceOpt, as_json: bool = JsonOpt) -> None:
    """Art. 35(3) triggers and the nine WP248 criteria (recorded, else prefilled), the decision and reasons."""
    from rmfkit import dpia

    ws = open_ws(workspace)
    result = dpia.screen(ws.system, dpia.load(ws)).as_dict()
    if as_json:
        print_json(result)
        return
    out = console()
    rows = [[r["id"], r["title"], r["answer"] or "—", r["source"], r["rationale"] or ""]
            for r in result["triggers"] + result["criteria"]]
    out.print(table("DPIA screening", ["Id", "Question", "Answer", "Source", "Rationale"], rows))
    out.print(f"Rule: [bold]{result['rule_decision']}[/bold] "
              f"({result['criteria_met_count']} criteria met); recorded: {result['recorded_decision'] or '—'}")
    for reason in result["reasons"]:
        out.print(f"  {reason}")
    for finding in result["findings"]:
        out.print(f"  • {finding}")


@dpia_app.command("init")
def init(workspace: Optional[Path] = WorkspaceOpt) -> None:
    """Create dpia.yaml prefilled from system.yaml (screening answers and systematic description)."""
    from rmfkit import dpia
    from rmfkit.errors import UsageError
    from rmfkit.workspace import open_workspace
    from rmfkit.clock import today

    ws = open_workspace(workspace)
    with ws.edit():
        if dpia.load(ws) is not None:
            raise UsageError(f"{dpia.DPIA_FILE} already exists", hint="edit it, or review it with `rmfkit dpia check`")
        ws.put(dpia.DPIA_FILE, dpia.draft(ws.system, today=today()))
    typer.echo(f"Created {dpia.DPIA_FILE} (draft, prefilled from system.yaml). Next: `rmfkit dpia check`.")


@dpia_app.command("check")
def check(workspace: Optional[Path] = WorkspaceOpt, as_json: bool = JsonOpt) -> None:
    """What a DPO would still ask for (exit 0 even when questions remain)."""
    from rmfkit import dpia
    from rmfkit.dpia_assessment import completeness

    ws = open_ws(workspace)
    asks = completeness(ws.system, dpia.load(ws))
    if as_json:
        print_json(asks)
        return
    if not asks:
        typer.echo("No open DPIA questions.")
        return
    console().print(table(f"Open DPIA questions ({len(asks)})", ["Section", "Field", "Question"],
                          [[a["section"], a["field"], a["question"]] for a in asks]))


@dpia_app.command("export")
def export(fmt: str = typer.Option(..., "--format", help="cnil: the CNIL PIA tool's import JSON"),
           out: Optional[Path] = typer.Option(None, "--out", help="Write to FILE (default: standard output)"),
           workspace: Optional[Path] = WorkspaceOpt) -> None:
    """Export the DPIA inputs (--format cnil: JSON the CNIL PIA tool imports)."""
    from rmfkit.errors import UsageError
    from rmfkit.fileio import write_output
    from rmfkit.render.cnil import to_cnil

    if fmt != "cnil":
        raise UsageError(f"--format '{fmt}' is not supported", hint="use --format cnil")
    ws = open_ws(workspace)
    data = to_cnil(ws.current())
    if out is None:
        print_json(data)
        return
    write_output(out, (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode("utf-8"))
    typer.echo(f"Wrote {out} ({len(data['answers'])} answers, {len(data['measures'])} measures)")


def register(app: typer.Typer) -> None:
    app.add_typer(dpia_app, name="dpia")
