"""``rmfkit map show | set | suggest | gaps``: the RMF mapping, checked against its evidence."""
from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from rmfkit.cli.common import JsonOpt, WorkspaceOpt, console, open_ws, print_json, table

map_app = typer.Typer(help="Show or record the RMF mapping (one assessment per subcategory).", no_args_is_help=True)


def _evidence_cell(row: dict) -> str:
    return ", ".join(i["id"] if i["status"] == "ok" else f"{i['id']} ({i['status']})"
                     for i in row["evidence_checks"]) or "—"


def _status_cell(row: dict) -> str:
    if row["effective_status"] == row["status"]:
        return row["status"] + (" (no evidence)" if "met_without_evidence" in row["flags"] else "")
    return f"{row['status']} → {row['effective_status']}"


def _target_cell(row: dict) -> str:
    if not row["target_status"]:
        return "—"
    text = f"{row['target_status']} by {row['target_date']}" if row["target_date"] else row["target_status"]
    return text + (" OVERDUE" if row["overdue"] else "")


@map_app.command("show")
def show(subcategory: Optional[str] = typer.Argument(None, help='One subcategory in detail, with guidance, e.g. "MAP 4.1"'),
         workspace: Optional[Path] = WorkspaceOpt, as_json: bool = JsonOpt,
         function: Optional[str] = typer.Option(None, "--function", "-f", help="GOVERN, MAP, MEASURE or MANAGE"),
         category: Optional[str] = typer.Option(None, "--category", "-c", help='Only this category, e.g. "MEASURE 2"'),
         status: Optional[str] = typer.Option(None, "--status",
                                              help="Recorded or computed status: met, partially_met, unsupported, ..."),
         owner: Optional[str] = typer.Option(None, "--owner", help="Owner contains this text (case-insensitive)"),
         assessed_only: bool = typer.Option(False, "--assessed", help="Hide not_assessed subcategories")) -> None:
    """List subcategories with recorded and evidence-checked status, owner, evidence and target."""
    from rmfkit.analysis import of_workspace
    from rmfkit.assess import EFFECTIVE_STATUSES, guidance
    from rmfkit.catalog import FUNCTIONS, load_catalog, normalize_id
    from rmfkit.errors import UnknownIdError, UsageError

    ws = open_ws(workspace)
    catalog = load_catalog()
    analysis = of_workspace(ws, cached=True)
    if subcategory:
        _show_one(analysis.row(subcategory),
                  guidance(subcategory, generative=analysis.system["generative"], catalog=catalog), as_json)
        return
    if status and status not in EFFECTIVE_STATUSES:
        raise UsageError(f"--status '{status}' is not a status", hint="use one of " + ", ".join(EFFECTIVE_STATUSES))
    if function and normalize_id(function) not in FUNCTIONS:
        raise UnknownIdError(f"unknown function '{function}'", hint="use one of " + ", ".join(FUNCTIONS))
    wanted_function = catalog.function(normalize_id(function)).id if function else None
    wanted_category = catalog.category(normalize_id(category)).id if category else None
    rows = [r for r in analysis.mapping["rows"]
            if (not wanted_function or r["function"] == wanted_function)
            and (not wanted_category or r["category"] == wanted_category)
            and (not status or status in (r["status"], r["effective_status"]))
            and (not owner or owner.casefold() in (r["owner"] or "").casefold())
            and (not assessed_only or r["status"] != "not_assessed")]
    if as_json:
        print_json(rows)
        return
    listing = table(f"RMF mapping ({len(rows)} subcategories)", ["Id", "Status", "Owner", "Evidence", "Target"],
                    [[r["id"], _status_cell(r), r["owner"] or "—", _evidence_cell(r), _target_cell(r)] for r in rows])
    listing.columns[1].overflow = listing.columns[3].overflow = "fold"
    console().print(listing)
    flagged = [r for r in rows if r["effective_status"] == "unsupported"]
    for r in flagged:
        console().print(f"{r['id']}: {r['reason']}")


def _show_one(row: dict, guide: dict, as_json: bool) -> None:
    if as_json:
        print_json({"assessment": row, "guidance": guide})
        return
    out = console()
    out.print(f"[bold]{row['id']}[/bold] ({guide['category']}: {guide['category_statement']})")
    out.print(guide["statement"])
    out.print(f"\nStatus: {_status_cell(row)}" + (f" — {row['reason']}" if row["reason"] else ""))
    out.print(f"Owner: {row['owner'] or '—'}   Evidence: {_evidence_cell(row)}   Target: {_target_cell(row)}")
    if row["notes"]:
        out.print(f"Notes: {row['notes']}")
    sections = [("Playbook suggested actions", guide["suggested_actions"]),
                ("Playbook documentation questions", guide["documentation_questions"]),
                ("AI 600-1 actions (generative AI profile)",
                 [f"{a['id']}: {a['action']} [{', '.join(a['risk_labels'])}]" for a in guide["gai_actions"]]),
                ("AI 600-1 risks addressed", [f"{r['title']}: {r['definition']}" for r in guide["gai_risks"]])]
    for title, items in sections:
        if items:
            out.print(f"\n[bold]{title}[/bold]")
            for item in items:
                out.print(f"  • {' '.join(item.split())}")


@map_app.command("set")
def set_(subcategory: str = typer.Argument(..., help='Subcategory id, e.g. "MEASURE 2.10"'),
         workspace: Optional[Path] = WorkspaceOpt,
         status: Optional[str] = typer.Option(None, "--status", metavar="STATUS",
                                              help="met | partially_met | not_met | not_applicable | not_assessed"),
         owner: Optional[str] = typer.Option(None, "--owner", metavar="NAME",
                                             help='Who answers for it (--owner "" clears it)'),
         evidence: Optional[List[str]] = typer.Option(None, "--evidence", metavar="ID",
                                                      help="Evidence id; replaces the list (repeat for several)"),
         add_evidence: Optional[List[str]] = typer.Option(None, "--add-evidence", metavar="ID",
                                                          help="Evidence id to add (repeatable)"),
         remove_evidence: Optional[List[str]] = typer.Option(None, "--remove-evidence", metavar="ID",
                                                             help="Evidence id to unlink (repeatable)"),
         note: Optional[str] = typer.Option(None, "--note", metavar="TEXT", help="What was decided and why"),
         justification: Optional[str] = typer.Option(None, "--justification", metavar="TEXT",
                                                     help="Why it does not apply (needed for not_applicable)"),
         target_status: Optional[str] = typer.Option(None, "--target-status", metavar="STATUS",
                                                     help="Status to reach (the target profile)"),
         target_date: Optional[str] = typer.Option(None, "--target-date", metavar="YYYY-MM-DD",
                                                   help="When the target status is due")) -> None:
    """Record status, owner, evidence, note or target of one subcategory (empty text "" clears a field)."""
    from rmfkit.assess import evaluate_assessment
    from rmfkit.errors import UsageError
    from rmfkit.library.freshness import check_item
    from rmfkit.workspace import open_workspace
    from rmfkit.clock import today

    changes = {key: value for key, value in (("status", status), ("owner", owner), ("notes", note),
                                             ("justification", justification), ("target_status", target_status),
                                             ("target_date", target_date), ("evidence", evidence or None))
               if value is not None}
    if not (changes or add_evidence or remove_evidence):
        raise UsageError("nothing to change",
                         hint="give --status, --owner, --evidence, --add-evidence, --note or --target-status")
    ws = open_workspace(workspace)
    with ws.edit():
        try:
            updated = ws.record_assessment(subcategory, add_evidence=add_evidence or (),
                                           remove_evidence=remove_evidence or (), **changes)
        except UsageError as exc:  # name the option, not the field in the mapping file
            key = (exc.field or "").rsplit(".", 1)[-1]
            option = {"notes": "note"}.get(key, key).replace("_", "-")
            raise UsageError(exc.message, field=f"--{option}",
                             hint='add --justification "why"' if key == "justification" else exc.hint) from None
        day = today()
        checks = {e: check_item(ws, ws.evidence[e], day) for e in updated.evidence if e in ws.evidence}
        row = evaluate_assessment(subcategory, updated, checks, day)
    typer.echo(f"{row['id']}: {updated.status}" + (f", owner {updated.owner}" if updated.owner else "")
               + (f", evidence {', '.join(updated.evidence)}" if updated.evidence else ""))
    if row["flags"] and row["reason"]:
        typer.echo(f"note: {row['reason']}")


@map_app.command("suggest")
def suggest(workspace: Optional[Path] = WorkspaceOpt, as_json: bool = JsonOpt) -> None:
    """Subcategories your evidence already speaks to but the mapping does not link ("accept?")."""
    from rmfkit.analysis import of_workspace

    mapping = of_workspace(open_ws(workspace), cached=True).mapping
    rows, from_records = mapping["suggestions"], mapping["record_suggestions"]
    if as_json:
        print_json({"evidence": rows, "records": from_records})
        return
    if from_records:
        console().print(table(f"Supported by your records ({len(from_records)})",
                              ["Subcategory", "Now", "Source", "Why"],
                              [[s["subcategory"], s["current_status"], s["source"], s["reason"]]
                               for s in from_records]))
    if not rows:
        typer.echo("No evidence suggestions: every usable evidence item is linked where it applies.")
        return
    grouped: dict[tuple[str, str], list[dict]] = {}
    for s in rows:
        grouped.setdefault((s["subcategory"], s["reason"]), []).append(s)
    suggestions = table(f"Suggested evidence links ({len(rows)})", ["Subcategory", "Now", "Evidence", "Why"],
                        [[sub, items[0]["current_status"], ", ".join(i["evidence"] for i in items), reason]
                         for (sub, reason), items in grouped.items()])
    suggestions.columns[2].overflow = "fold"
    console().print(suggestions)
    typer.echo('Accept one with: rmfkit map set "SUBCATEGORY" --add-evidence ID')


@map_app.command("gaps")
def gaps(workspace: Optional[Path] = WorkspaceOpt, as_json: bool = JsonOpt,
         by_category: bool = typer.Option(False, "--by-category", help="Gap per category instead of per function")
         ) -> None:
    """Current vs target profile: how many subcategories are below target, and which."""
    from rmfkit.analysis import of_workspace

    mapping = of_workspace(open_ws(workspace), cached=True).mapping
    profile = mapping["category_profile"] if by_category else mapping["profile"]
    key = "category" if by_category else "function"
    below = mapping["gaps"]
    if as_json:
        print_json({"profile": profile, "gaps": below})
        return
    out = console()
    out.print(table("Current vs target profile (met now → met at target)",
                    [key.capitalize(), "Met now", "Met at target", "With target", "Below target", "Overdue"],
                    [[p[key], p["current"]["met"], p["target"]["met"], p["with_target"], p["gap"], p["overdue"]]
                     for p in profile if not by_category or p["gap"] or p["with_target"]]))
    out.print(table(f"Below target ({len(below)})", ["Id", "Now", "Target", "By", "Owner"],
                    [[g["id"], g["current"], g["target"],
                      (f"{g['target_date']} OVERDUE" if g["overdue"] else g["target_date"]) or "—", g["owner"] or "—"]
                     for g in below]))


def register(app: typer.Typer) -> None:
    app.add_typer(map_app, name="map")
