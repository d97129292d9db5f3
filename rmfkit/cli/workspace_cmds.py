"""``rmfkit init``, ``rmfkit validate``, ``rmfkit status``."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from rmfkit.cli.common import AsOfOpt, JsonOpt, WorkspaceOpt, console, evaluation_date, open_ws, print_json, table


def init(directory: Path = typer.Argument(..., help="Folder for the new workspace"),
         example: Optional[str] = typer.Option(None, "--example", help="Copy a shipped example, e.g. support-assistant"),
         system_id: Optional[str] = typer.Option(None, "--id", help="System id (default: the folder name)"),
         name: Optional[str] = typer.Option(None, "--name", help="System name"),
         owner: str = typer.Option("unassigned", "--owner", help="Accountable owner of the system")) -> None:
    """Create a new workspace (or a copy of a shipped example)."""
    import shutil

    from rmfkit.errors import UsageError
    from rmfkit.paths import example_dir
    from rmfkit.workspace import Workspace
    from rmfkit.fileio import NOT_COPIED, ensure_gitignore

    if directory.exists() and not directory.is_dir():
        raise UsageError(f"{directory} is a file, not a folder", hint="choose a new folder")
    if directory.exists() and any(directory.iterdir()):
        raise UsageError(f"folder {directory} is not empty", hint="choose a new folder")
    if example:
        source = example_dir(example)
        shutil.copytree(source, directory, dirs_exist_ok=True, copy_function=shutil.copyfile,  # modes from the umask
                        ignore=shutil.ignore_patterns(*NOT_COPIED))
        ensure_gitignore(directory)
        ws = Workspace.open(directory)
        typer.echo(f"Created {directory} from example '{example}' ({ws.system.name}).")
    else:
        sid = system_id or directory.name
        ws = Workspace.create(directory, system_id=sid, name=name or sid.replace("-", " ").title(), owner=owner)
        typer.echo(f"Created workspace {directory} for system '{sid}'. Next: edit system.yaml, then `rmfkit status`.")


def validate(workspace: Optional[Path] = WorkspaceOpt, as_json: bool = JsonOpt) -> None:
    """Check every file against its schema and every cross-reference; list all problems."""
    from rmfkit.cli.memo import remembered
    from rmfkit.errors import Problem, ValidationFailed

    def check():
        from rmfkit.clock import evaluation_date as today_in, pinned
        from rmfkit.validation import validate

        day = today_in(None)  # the date is fixed first, so the answer holds for the date it is kept under
        ws = open_ws(workspace, valid=False)
        with pinned(day):
            found = validate(ws)
        problems = [{"file": p.file, "line": p.line, "field": p.field, "message": p.message} for p in found]
        return {"name": ws.root.name, "files": len(ws.records), "problems": problems}, day, "UTC"

    answer = remembered("validate", workspace, {}, check).data
    problems = answer["problems"]
    if as_json:
        print_json(problems)
        if problems:
            raise typer.Exit(3)
        return
    if problems:
        raise ValidationFailed([Problem(**p) for p in problems])
    typer.echo(f"{answer['name']}: valid ({answer['files']} files checked)")


def status(workspace: Optional[Path] = WorkspaceOpt, as_json: bool = JsonOpt, as_of: Optional[str] = AsOfOpt) -> None:
    """Coverage per function, evidence, risks, DPIA and licenses at a glance."""
    from rmfkit.cli.memo import remembered

    def summarise():
        from rmfkit.analysis import of_workspace
        from rmfkit.clock import pinned
        from rmfkit.views.status import status_summary

        ws = open_ws(workspace)
        day = evaluation_date(ws, as_of)
        with pinned(day):
            return status_summary(of_workspace(ws, cached=True)), day, ws.settings.timezone

    answer = remembered("status", workspace, {"as_of": as_of}, summarise, as_of=as_of)
    if as_json:
        typer.echo(answer.text)
        return
    summary = answer.data
    out = console()
    system = summary["system"]
    out.print(f"[bold]{system['name']}[/bold] ({system['id']}) — owner {system['owner']}, "
              f"{system['deployment_pattern'].replace('_', ' ')}, {system['components']} components, "
              f"{system['data_flows']} data flows")
    _print_coverage(out, summary["coverage"])
    _print_measurement(out, summary.get("measurement"))
    from rich.markup import escape

    for name, section in summary.items():
        if name in ("system", "coverage", "measurement"):
            continue
        title = SECTION_TITLES.get(name, name.replace("_", " ").capitalize())
        if section is None:
            out.print(f"[bold]{title}[/bold]: not yet recorded")
        else:
            out.print(f"[bold]{title}[/bold]: {escape(describe_value(section))}", soft_wrap=True)


SECTION_TITLES = {"dpia": "DPIA", "risks": "Risks", "evidence": "Evidence", "licenses": "Licenses",
                  "operations": "Operations", "findings": "Findings (`rmfkit check`)"}


def describe_value(value) -> str:
    """A status value in words: nested counts inline, lists of items as their ids.

    >>> describe_value({"open_high": 0, "openness": {"open_source": 5}, "attention": [{"id": "E1"}], "ok": True})
    'open high 0, openness (open source 5), attention: E1, ok yes'
    """
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dict):
        parts = []
        for key, item in value.items():
            label = str(key).replace("_", " ")
            if isinstance(item, dict):
                parts.append(f"{label} ({describe_value(item)})")
            elif isinstance(item, list):
                parts.append(f"{label}: {describe_value(item) or 'none'}")
            else:
                parts.append(f"{label} {describe_value(item)}")
        return ", ".join(parts)
    if isinstance(value, list):
        return "; ".join(str(v.get("id", describe_value(v))) if isinstance(v, dict) else describe_value(v)
                         for v in value)
    return "—" if value is None else str(value)


def _print_coverage(out, coverage: dict) -> None:
    """Coverage table (evidence-checked), then unsupported claims, unevidenced ones and target gaps."""
    from rich import box
    from rich.markup import escape

    rows = [[r["function"], r["met"], r["partially_met"], r["unsupported"], r["not_met"], r["not_applicable"],
             r["not_assessed"], r["total"], f"{r['assessed_share']:.0%}", f"{r['met_share']:.0%}"]
            for r in [*coverage["functions"], {**coverage["totals"], "function": "All"}]]
    out.print(table("RMF coverage (status as the evidence supports it)",
                    ["Function", "Met", "Partial", "Unsupported", "Not met", "N/A", "Not assessed", "Total",
                     "Assessed", "Met %"], rows, box=box.SIMPLE_HEAD, show_edge=False, padding=0))
    out.print("Met % = met of applicable subcategories; unsupported = claimed, but the evidence is "
              "expired, missing or altered.")
    if coverage["unsupported"]:
        out.print(f"[bold]Unsupported claims ({len(coverage['unsupported'])})[/bold]")
        for item in coverage["unsupported"]:
            out.print(f"  {item['id']}: {escape(item['reason'])}", soft_wrap=True)
    for key, words in (("met_without_evidence", "Met"), ("partially_met_without_evidence", "Partially met")):
        if coverage.get(key):
            out.print(f"{words} without evidence ({len(coverage[key])}): " + ", ".join(coverage[key]), soft_wrap=True)
    gaps = coverage["target_gaps"]
    overdue = f", {len(coverage['overdue_targets'])} overdue ({', '.join(coverage['overdue_targets'])})" \
        if coverage["overdue_targets"] else ""
    out.print(f"Target profile: {gaps} {'subcategory' if gaps == 1 else 'subcategories'} below target{overdue}"
              " (see `rmfkit map gaps`)", soft_wrap=True)
    if coverage["suggestions"]:
        out.print(f"Evidence suggests {coverage['suggestions']} more links (see `rmfkit map suggest`)")


def _print_measurement(out, measurement: dict | None) -> None:
    from rich.markup import escape

    if measurement is None:
        out.print("Measurement: not yet recorded (declare thresholds in thresholds.yaml)")
        return
    within = measurement.get("pass_within_tolerance", 0)
    out.print(f"Measurement: {measurement['thresholds']} thresholds — {measurement['pass']} pass, "
              + (f"{within} pass within tolerance, " if within else "")
              + f"{measurement['inconclusive']} inconclusive, "
              + f"{measurement['fail']} fail, {measurement['not_measured']} not measured")
    for item in measurement["failing_detail"]:
        out.print(f"  [bold]FAIL[/bold] {escape(item['title'])} ({item['id']}): {escape(item['reason'])}",
                  soft_wrap=True)
    for key, words in (("within_tolerance_detail", "WITHIN TOLERANCE"), ("inconclusive_detail", "INCONCLUSIVE")):
        for item in measurement.get(key, []):
            out.print(f"  [bold]{words}[/bold] {escape(item['title'])} ({item['id']}): {escape(item['reason'])}",
                      soft_wrap=True)
    if measurement["characteristics_not_measured"]:
        out.print("  Trustworthiness characteristics not measured (MEASURE 1.1): "
                  + "; ".join(measurement["characteristics_not_measured"]), soft_wrap=True)


def register(app: typer.Typer) -> None:
    app.command()(init)
    app.command()(validate)
    app.command()(status)
