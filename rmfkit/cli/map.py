"""``rmfkit map show`` and ``rmfkit map set``."""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import List, Optional

import typer

from rmfkit.cli.common import JsonOpt, WorkspaceOpt, console, open_ws, print_json, table

map_app = typer.Typer(help="Show or record the RMF mapping (one assessment per subcategory).", no_args_is_help=True)


@map_app.command("show")
def show(workspace: Optional[Path] = WorkspaceOpt, as_json: bool = JsonOpt,
         function: Optional[str] = typer.Option(None, "--function", "-f", help="GOVERN, MAP, MEASURE or MANAGE"),
         status: Optional[str] = typer.Option(None, "--status", help="Only this status"),
         owner: Optional[str] = typer.Option(None, "--owner", help="Only this owner")) -> None:
    """List subcategories with status, owner and evidence."""
    from rmfkit.catalog import load_catalog, normalize_id

    ws = open_ws(workspace)
    catalog = load_catalog()
    wanted_function = catalog.function(normalize_id(function)).id if function else None
    rows = []
    for sub_id, a in ws.assessments().items():
        sub = catalog.subcategory(sub_id)
        if wanted_function and sub.function != wanted_function:
            continue
        if status and a.status != status:
            continue
        if owner and a.owner != owner:
            continue
        rows.append({"id": sub_id, "status": a.status, "owner": a.owner, "evidence": a.evidence,
                     "target_status": a.target_status, "target_date": a.target_date, "statement": sub.statement})
    if as_json:
        print_json(rows)
        return
    console().print(table(f"RMF mapping ({len(rows)} subcategories)", ["Id", "Status", "Owner", "Evidence", "Target"],
                          [[r["id"], r["status"], r["owner"] or "—", ", ".join(r["evidence"]) or "—",
                            f"{r['target_status'] or ''} {r['target_date'] or ''}".strip() or "—"] for r in rows]))


@map_app.command("set")
def set_(subcategory: str = typer.Argument(..., help='Subcategory id, e.g. "MEASURE 2.10"'),
         workspace: Optional[Path] = WorkspaceOpt,
         status: Optional[str] = typer.Option(None, "--status", help="met | partially_met | not_met | not_applicable | not_assessed"),
         owner: Optional[str] = typer.Option(None, "--owner"),
         evidence: Optional[List[str]] = typer.Option(None, "--evidence", help="Evidence id (repeat for several)"),
         note: Optional[str] = typer.Option(None, "--note"),
         justification: Optional[str] = typer.Option(None, "--justification", help="Why it does not apply"),
         target_status: Optional[str] = typer.Option(None, "--target-status"),
         target_date: Optional[str] = typer.Option(None, "--target-date", help="YYYY-MM-DD")) -> None:
    """Record status, owner, evidence, note or target of one subcategory."""
    from pydantic import ValidationError

    from rmfkit.errors import UsageError
    from rmfkit.validation import check_mapping
    from rmfkit.workspace import describe_validation_error, open_workspace, today

    changes: dict = {}
    for key, value in (("status", status), ("owner", owner), ("notes", note), ("justification", justification),
                       ("target_status", target_status)):
        if value is not None:
            changes[key] = value
    if evidence:
        changes["evidence"] = list(dict.fromkeys(evidence))
    if target_date:
        try:
            changes["target_date"] = dt.date.fromisoformat(target_date)
        except ValueError:
            raise UsageError(f"--target-date '{target_date}' is not a date", hint="use YYYY-MM-DD") from None
    if not changes:
        raise UsageError("nothing to change", hint="give --status, --owner, --evidence, --note or --target-status")
    changes["last_reviewed"] = today()
    ws = open_workspace(workspace)
    with ws.edit():
        for evidence_id in changes.get("evidence", []):
            ws.require_evidence(evidence_id)
        try:
            updated = ws.set_assessment(subcategory, **changes)
        except ValidationError as exc:
            field, message = describe_validation_error(exc.errors()[0])
            raise UsageError(f"--{field.replace('_', '-')}: {message}") from None
        problems = [p for p in check_mapping(ws) if "justification" in (p.field or "")]
        if updated.status == "not_applicable" and problems:
            raise UsageError("status not_applicable needs a justification", hint='add --justification "why"')
    typer.echo(f"{subcategory}: {updated.status}" + (f", owner {updated.owner}" if updated.owner else ""))


def register(app: typer.Typer) -> None:
    app.add_typer(map_app, name="map")
