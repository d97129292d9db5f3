"""``rmfkit review snapshot | diff | packet`` and ``rmfkit portfolio``."""
from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from rmfkit.cli.common import AsOfOpt, JsonOpt, WorkspaceOpt, console, evaluation_date, open_ws, print_json, table
from rmfkit.labels import plural

review_app = typer.Typer(help="Quarterly review: frozen snapshots, what changed, review packet.", no_args_is_help=True)


@review_app.command("snapshot")
def snapshot(label: str = typer.Option(..., "--label", help="Name of the snapshot, e.g. 2026-Q4"),
             workspace: Optional[Path] = WorkspaceOpt,
             sign: Optional[Path] = typer.Option(None, "--sign", help="Ed25519 private key (PEM) to sign manifest.json"),
             as_of: Optional[str] = AsOfOpt, as_json: bool = JsonOpt) -> None:
    """Freeze the workspace into reviews/LABEL/, chained to the previous snapshot (never rewritten)."""
    from rmfkit.clock import pinned
    from rmfkit.review.snapshots import take_snapshot

    ws = open_ws(workspace)
    with pinned(evaluation_date(ws, as_of)):
        result = take_snapshot(ws, label, sign_key=sign)
    if as_json:
        print_json(result.as_dict())
        return
    chained = (f"chained to {result.previous['label']} ({result.previous['manifest_sha256'][:12]}…)"
               if result.previous else "first snapshot of the chain")
    typer.echo(f"Snapshot {label} written to reviews/{label}: manifest SHA-256 {result.manifest_sha256}, {chained}"
               + (", signed" if result.signed else ""))


@review_app.command("diff")
def diff(from_label: str = typer.Option(..., "--from", help="Earlier snapshot label"),
         to_label: str = typer.Option("live", "--to", help="Later snapshot label, or 'live' for the workspace now"),
         workspace: Optional[Path] = WorkspaceOpt, as_json: bool = JsonOpt) -> None:
    """What changed between two snapshots (or a snapshot and the live workspace), each change once."""
    from rmfkit.review import diff as review

    ws = open_ws(workspace)
    result = review.diff(ws, from_label, to_label)
    if as_json:
        print_json(result)
        return
    out = console()
    out.print(f"[bold]{result['from']['label']} ({result['from']['date']}) → {result['to']['label']} "
              f"({result['to']['date']})[/bold]")
    for sentence in result["summary"]:
        out.print(f"  {sentence['topic']}: {sentence['text']}", markup=False)
    out.print(table("Coverage per function, then → now", ["Function", "Met", "Partially met", "Unsupported",
                                                         "Not met", "Not assessed"],
                    [[r["function"], *[f"{r['then'][k]} → {r['now'][k]}" for k in
                                       ("met", "partially_met", "unsupported", "not_met", "not_assessed")]]
                     for r in result["coverage"]]))
    out.print("[bold]Changes[/bold] (each listed once, in the category it belongs to)")
    for category, title in review.CATEGORIES.items():
        rows = [r for r in result["changes"] if r["category"] == category]
        if rows:
            out.print(title, style="bold")
        for r in rows:
            out.print(f"  {change_line(r)}", markup=False, style="red" if r["tone"] == "bad" else None)
    if result["stale_evidence"]:
        out.print(table(f"Stale evidence on {result['to']['date']}", ["Evidence", "Expired on", "Weakens"],
                        [[s["id"], s["expired_on"], ", ".join(s["weakens"])] for s in result["stale_evidence"]]))


DETAIL_CHARS = 160


def shown(value: object) -> str:
    """A before/after value in words: numbers to 3 decimals, ``not_met`` as ``not met``, nothing as a dash.

    >>> shown(0.8083333333333333), shown("partially_met"), shown(None)
    ('0.808', 'partially met', '—')
    """
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, float)):
        return f"{round(value, 3):g}"
    return str(value).replace("_", " ")


def change_line(row: dict) -> str:
    """One change as a line: kind, item, before → now, and its detail cut at a word with an ellipsis."""
    import textwrap

    if row["before"] is None:
        values = f"now {shown(row['after'])}"
    elif row["after"] is None:
        values = f"was {shown(row['before'])}"
    else:
        values = f"{shown(row['before'])} → {shown(row['after'])}"
    notes = [row["detail"] or ""]
    notes += [f"findings resolved: {'; '.join(row['findings_removed'])}"] if row.get("findings_removed") else []
    notes += [f"findings added: {'; '.join(row['findings_added'])}"] if row.get("findings_added") else []
    detail = textwrap.shorten(". ".join(n for n in notes if n), DETAIL_CHARS, placeholder=" …")
    return f"{row['kind'].replace('_', ' ')}: {row['ref']}, {values}" + (f". {detail}" if detail else "")


@review_app.command("packet")
def packet(from_label: str = typer.Option(..., "--from", help="Earlier snapshot label"),
           to_label: str = typer.Option("live", "--to", help="Later snapshot label, or 'live'"),
           out: Path = typer.Option(..., "--out", "-o", help="Output folder (new or empty)"),
           workspace: Optional[Path] = WorkspaceOpt,
           sign: Optional[Path] = typer.Option(None, "--sign", help="Ed25519 private key (PEM) to sign manifest.json"),
           as_of: Optional[str] = AsOfOpt, as_json: bool = JsonOpt) -> None:
    """Build the review packet: review.pdf, review.html, bundle.json, trend charts, manifest, bundle.zip."""
    from rmfkit.clock import pinned
    from rmfkit.review.packet import build_review_packet

    ws = open_ws(workspace)
    with pinned(evaluation_date(ws, as_of)):
        summary = build_review_packet(ws, from_label, to_label, out, sign_key=sign)
    if as_json:
        print_json(summary)
        return
    typer.echo(f"Review packet written to {out}: {summary['files']} files, manifest SHA-256 "
               f"{summary['manifest_sha256']}" + (", signed" if summary["signed"] else ", unsigned"))


def portfolio(folders: List[Path] = typer.Argument(..., help="Workspace folders to roll up"),
              out: Optional[Path] = typer.Option(None, "--out", "-o", help="Write portfolio.pdf/.html, bundle "
                                                                           "and manifest to this new folder"),
              as_json: bool = JsonOpt) -> None:
    """Roll up many workspaces into one inventory; folders that fail to load are reported and skipped."""
    from rmfkit.review.portfolio import portfolio as roll_up

    result = roll_up(folders)
    written = None
    if out is not None:
        from rmfkit.review.packet import build_portfolio

        written = build_portfolio(result, out)
    if as_json:
        print_json({**result, "written": written})
        return
    out_console = console()
    out_console.print(f"Portfolio as of {result['as_of']}: {plural(result['totals']['systems'], 'system')}; met per function "
                      "GOVERN MAP MEASURE MANAGE (details: --json or --out)", markup=False)
    for r in result["systems"]:
        review_text = (f"reviewed {r['last_review']}" if r["last_review"] else "never reviewed") + (
            ", OVERDUE" if r["review_overdue"] else "")
        out_console.print(f"{r['system_id']}: {(r['model_openness'] or 'no model').replace('_', ' ')}; met "
                          + " ".join(f"{c['met']}/{c['total']}" for c in r["coverage"].values())
                          + f"; {r['unsupported_claims']} unsupported; {r['open_high_risks']} open high risks; "
                          f"DPIA {r['dpia_state'] or 'not recorded'}; {review_text}", markup=False)
        if r["validation_problems"]:
            out_console.print(f"  {plural(r['validation_problems'], 'validation problem')}, rolled up from the records that "
                              f"loaded; first: {r['problems'][0]}", markup=False)
        if r["same_id_as"]:
            out_console.print(f"  DUPLICATE system id {r['system_id']}: also used by {', '.join(r['same_id_as'])}",
                              markup=False)
    for skipped in result["skipped"]:
        out_console.print(f"skipped {skipped['folder']}: {skipped['error']}", markup=False)
    if written:
        typer.echo(f"Portfolio written to {out}: {written['files']} files, manifest SHA-256 "
                   f"{written['manifest_sha256']}")


def register(app: typer.Typer) -> None:
    app.add_typer(review_app, name="review")
    app.command("portfolio")(portfolio)
