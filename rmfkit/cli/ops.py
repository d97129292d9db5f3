"""``rmfkit ops show`` and ``rmfkit ops verify-artifact COMPONENT PATH``."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from rmfkit.cli.common import JsonOpt, WorkspaceOpt, console, open_ws, print_json, table

ops_app = typer.Typer(help="Operate the model: MLOps readiness checklist, pilot plan, artefact integrity.",
                      no_args_is_help=True)

_STATUS_STYLE = {"done": "green", "unsupported": "bold red", "in_progress": "yellow", "open": "red",
                 "not_applicable": "dim", "not_recorded": "dim"}


@ops_app.command("show")
def show(workspace: Optional[Path] = WorkspaceOpt, as_json: bool = JsonOpt) -> None:
    """Readiness checklist (evidence-checked), expected artefact checksums, pilot plan and gaps."""
    from rmfkit import ops

    ws = open_ws(workspace)
    data = ops.view(ws)
    if as_json:
        print_json(data)
        return
    out = console()
    if not data["recorded"]:
        for gap in data["gaps"]:
            out.print(gap)
        out.print("Start one from the packaged template with `rmfkit ops init`.")
        return
    summary = data["summary"]
    out.print(f"[bold]Operating the model[/bold] — as of {data['as_of']}: {summary['done']} done, "
              f"{summary['unsupported']} unsupported, {summary['in_progress']} in progress, {summary['open']} open, "
              f"{summary['not_applicable']} not applicable, {summary['not_recorded']} not recorded "
              f"({summary['overdue']} overdue)")
    rows = []
    for area in data["areas"]:
        for n, item in enumerate(area["items"]):
            style = _STATUS_STYLE.get(item["shown_status"], "")
            rows.append([area["title"] if n == 0 else "", item["title"], f"[{style}]{item['shown_status']}[/{style}]",
                         item["owner"] or "—", item["due"] or "—",
                         ", ".join(e["id"] for e in item["evidence"]) or "—"])
    out.print(table("Readiness checklist", ["Area", "Item", "Status", "Owner", "Due", "Evidence"], rows))
    if data["artifacts"]:
        out.print(table("Model artefacts", ["Component", "Expected", "Revision", "Last check"],
                        [[a["component"], f"{a['files']} file(s)" if a["recorded"] else "not recorded",
                          a["revision"] or "—",
                          (f"{a['last_check']['date']} {'match' if a['last_check']['match'] else 'MISMATCH'} "
                           f"({a['last_check']['evidence_id']})") if a["last_check"] else "never"]
                         for a in data["artifacts"]]))
    pilot = data["pilot"]
    out.print(table(f"Pilot plan — {pilot['label']}", ["Step", "Status", "Date", "Evidence"],
                    [[("▶ " if s["current"] else "  ") + f"{s['step']}. {s['title']}", s["status"], s["date"] or "—",
                      ", ".join(s["evidence"]) or "—"] for s in pilot["steps"]]))
    if data["gaps"]:
        out.print("[bold]Gaps[/bold]")
        for gap in data["gaps"]:
            out.print(f"  - {gap}", markup=False)
    if data["suggestions"]:
        out.print("[bold]Mapping suggestions[/bold]")
        for suggestion in data["suggestions"]:
            out.print(f"  - {suggestion['subcategory']}: {suggestion['reason']}", markup=False)


@ops_app.command("init")
def init(workspace: Optional[Path] = WorkspaceOpt) -> None:
    """Create operations.yaml from the packaged checklist: every item open, the ten pilot steps not started."""
    from rmfkit import ops
    from rmfkit.errors import UsageError
    from rmfkit.workspace import open_workspace

    ws = open_workspace(workspace)
    with ws.edit():
        if ops.operations_of(ws) is not None:
            raise UsageError(f"{ops.OPERATIONS_FILE} already exists", hint="edit it, or see it with `rmfkit ops show`")
        ws.put(ops.OPERATIONS_FILE, ops.starter_operations())
    typer.echo(f"Created {ops.OPERATIONS_FILE} with {len(ops.load_template().items)} checklist items and "
               f"{ops.PILOT_STEPS} pilot steps; name owners and due dates, then link evidence as items get done.")


@ops_app.command("verify-artifact")
def verify_artifact(component: str = typer.Argument(..., help="Component id in system.yaml, e.g. a weights component"),
                    path: Path = typer.Argument(..., help="The model file, or the folder holding its files"),
                    workspace: Optional[Path] = WorkspaceOpt, as_json: bool = JsonOpt,
                    progress: bool = typer.Option(True, "--progress/--no-progress", help="Show a progress bar")
                    ) -> None:
    """Hash PATH (streaming) against the expected SHA-256 in operations.yaml and store the result as evidence.

    Exit code 4 when a file differs, is missing or is extra.
    """
    import difflib

    from rmfkit import artifacts, ops
    from rmfkit.errors import IntegrityError, UnknownIdError, UsageError

    ws = open_ws(workspace)
    known = [c.id for c in ws.system.components]
    if component not in known:
        close = difflib.get_close_matches(component, known, n=3)
        raise UnknownIdError(f"unknown component '{component}'",
                             hint=("did you mean " + ", ".join(close) + "?") if close else "see system.yaml")
    record = ops.operations_of(ws)
    expectation = record.artifact(component) if record else None
    if expectation is None:
        raise UsageError(f"no expected checksum is recorded for '{component}'",
                         hint=f"add it under artifacts: in {ops.OPERATIONS_FILE} (sha256 for a file, files for a folder)")
    result = artifacts.verify_artifact(expectation.expected, path, ignore=expectation.ignore, progress=progress)
    evidence = artifacts.record_artifact_check(ws, component, result, expectation)
    if as_json:
        print_json({"component": component, "evidence_id": evidence.id, **result.as_dict()})
    else:
        hashed = sum(1 for f in result.files if f.actual)
        typer.echo(f"{component}: {hashed} file(s), {result.total_bytes:,} bytes hashed: {result.verdict}; "
                   f"recorded as evidence {evidence.id}")
    if not result.ok:
        raise IntegrityError(f"{component}: {result.target} does not match its expected checksums "
                             f"(recorded as evidence {evidence.id})",
                             failures=[f.describe() for f in result.failures])


def register(app: typer.Typer) -> None:
    app.add_typer(ops_app, name="ops")
