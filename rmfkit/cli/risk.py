"""``rmfkit risk ls | add | adopt | score | accept | categories``: the risk register."""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import List, Optional

import typer

from rmfkit.cli.common import JsonOpt, WorkspaceOpt, console, open_ws, print_json, table

risk_app = typer.Typer(help="The risk register: list, add, adopt starter risks, re-score.", no_args_is_help=True)


@risk_app.command("ls")
def ls(workspace: Optional[Path] = WorkspaceOpt, as_json: bool = JsonOpt,
       status: Optional[str] = typer.Option(None, "--status", help="open | in_treatment | closed"),
       category: Optional[str] = typer.Option(None, "--category", help="Only this category id")) -> None:
    """List risks, highest current score first (residual where recorded, else inherent)."""
    from rmfkit.risks import register_rows

    rows = [r for r in register_rows(open_ws(workspace))
            if (status is None or r["status"] == status) and (category is None or r["category"] == category)]
    if as_json:
        print_json(rows)
        return
    console().print(table(f"Risk register ({len(rows)} risks; likelihood x impact on a 5x5 scale)",
                          ["Id", "Title", "Category", "Inherent", "Residual", "Status", "Owner"],
                          [[r["id"], r["title"], r["category"],
                            f"{r['likelihood']}×{r['impact']}={r['inherent_score']} {r['inherent_level']}",
                            f"{r['residual_score']} {r['residual_level']}" if r["residual_score"] else "—",
                            r["status"], r["owner"]] for r in rows]))
    for r in rows:
        if r["acceptance"]:
            typer.echo(f"{r['id']}: {r['acceptance']}")


def _date(value: Optional[str], option: str) -> Optional[dt.date]:
    from rmfkit.errors import UsageError

    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise UsageError(f"{option} '{value}' is not a date", hint="use YYYY-MM-DD") from None


@risk_app.command("add")
def add(title: str = typer.Option(..., "--title"),
        category: str = typer.Option(..., "--category", help="GAI risk id, open-source-AI or general category"),
        likelihood: int = typer.Option(..., "--likelihood", help="1 rare … 5 almost certain"),
        impact: int = typer.Option(..., "--impact", help="1 negligible … 5 severe"),
        rationale: str = typer.Option(..., "--rationale", help="Why this likelihood and impact"),
        owner: Optional[str] = typer.Option(None, "--owner", help="Default: the system owner"),
        description: Optional[str] = typer.Option(None, "--description"),
        source: Optional[str] = typer.Option(None, "--source", help="Where the risk was identified"),
        treatment: str = typer.Option("mitigate", "--treatment", help="mitigate | accept | transfer | avoid"),
        accepted_by: Optional[str] = typer.Option(
            None, "--accepted-by", metavar="NAME",
            help="Who accepted the residual risk, and when (needed with --treatment accept)"),
        measure: Optional[List[str]] = typer.Option(None, "--measure", help="Treatment measure (repeat)"),
        due: Optional[str] = typer.Option(None, "--due", help="YYYY-MM-DD"),
        subcategory: Optional[List[str]] = typer.Option(None, "--subcategory", help='e.g. "MEASURE 2.10" (repeat)'),
        component: Optional[List[str]] = typer.Option(None, "--component", help="Component id (repeat)"),
        evidence: Optional[List[str]] = typer.Option(None, "--evidence", help="Evidence id (repeat)"),
        workspace: Optional[Path] = WorkspaceOpt) -> None:
    """Add a risk to the register with its score, rationale and links."""
    from rmfkit.catalog import normalize_id
    from rmfkit.risks import add_risk
    from rmfkit.workspace import open_workspace

    ws = open_workspace(workspace)
    with ws.edit():
        risk = add_risk(ws, title=title, category=category, likelihood=likelihood, impact=impact,
                        rationale=rationale, owner=owner or ws.system.owner, description=description, source=source,
                        treatment=treatment, accepted_by=accepted_by, measures=list(measure or []),
                        due=_date(due, "--due"),
                        subcategories=[normalize_id(s) for s in subcategory or []],
                        components=list(component or []), evidence=list(evidence or []))
    typer.echo(f"{risk.id}: {risk.title} (score {risk.inherent_score}) -> risks/{risk.id}.yaml")


@risk_app.command("adopt")
def adopt(keys: Optional[List[str]] = typer.Argument(None, help="Starter keys (default: all not yet adopted)"),
          owner: Optional[str] = typer.Option(None, "--owner", help="Default: the system owner"),
          workspace: Optional[Path] = WorkspaceOpt, as_json: bool = JsonOpt) -> None:
    """Adopt risks from the starter catalogue (open-source-AI and GAI risks every team meets)."""
    from rmfkit.risks import adopt_starter
    from rmfkit.workspace import open_workspace

    ws = open_workspace(workspace)
    with ws.edit():
        added = adopt_starter(ws, keys or None, owner=owner)
    if as_json:
        print_json([{"id": r.id, "starter": r.starter, "title": r.title} for r in added])
        return
    for risk in added:
        typer.echo(f"{risk.id}: {risk.title} [{risk.starter}]")
    typer.echo(f"{len(added)} starter risk(s) adopted; re-score them with `rmfkit risk score`.")


@risk_app.command("score")
def score(risk_id: str = typer.Argument(..., help="Risk id, e.g. R-0003"),
          reason: str = typer.Option(..., "--reason", help="Why the score changes (kept in history)"),
          likelihood: Optional[int] = typer.Option(None, "--likelihood"),
          impact: Optional[int] = typer.Option(None, "--impact"),
          rationale: Optional[str] = typer.Option(None, "--rationale"),
          residual_likelihood: Optional[int] = typer.Option(None, "--residual-likelihood"),
          residual_impact: Optional[int] = typer.Option(None, "--residual-impact"),
          residual_rationale: Optional[str] = typer.Option(None, "--residual-rationale"),
          workspace: Optional[Path] = WorkspaceOpt) -> None:
    """Re-score a risk; the previous score is kept in its history."""
    from rmfkit.risks import rescore
    from rmfkit.workspace import open_workspace

    ws = open_workspace(workspace)
    with ws.edit():
        risk = rescore(ws, risk_id, reason=reason, likelihood=likelihood, impact=impact, rationale=rationale,
                       residual_likelihood=residual_likelihood, residual_impact=residual_impact,
                       residual_rationale=residual_rationale)
    residual = f", residual {risk.residual_score}" if risk.residual_score is not None else ""
    typer.echo(f"{risk.id}: inherent {risk.inherent_score}{residual}")


@risk_app.command("accept")
def accept(risk_id: str = typer.Argument(..., help="Risk id, e.g. R-0002"),
           by: str = typer.Option(..., "--by", metavar="NAME", help='The person accepting, as "Name, role"'),
           on: Optional[str] = typer.Option(None, "--on", help="Date of the acceptance, YYYY-MM-DD (default: today)"),
           due: Optional[str] = typer.Option(None, "--due", help="When the acceptance is reviewed, YYYY-MM-DD"),
           sign: Optional[Path] = typer.Option(None, "--sign", metavar="KEY",
                                               help="The acceptor's Ed25519 private key (PEM): sign the risk record"),
           workspace: Optional[Path] = WorkspaceOpt) -> None:
    """Record who accepted the residual risk and when, optionally signed with that person's key."""
    from rmfkit.risks import accept_risk, level
    from rmfkit.seal import load_private_key
    from rmfkit.workspace import open_workspace

    key = load_private_key(sign) if sign else None
    ws = open_workspace(workspace)
    with ws.edit():
        risk = accept_risk(ws, risk_id, by=by, on=_date(on, "--on"), due=_date(due, "--due"), private_key=key)
    signed = (f", signed with key {risk.acceptance_signature.key_sha256}" if risk.acceptance_signature
              else ", not signed")
    typer.echo(f"{risk.id}: residual {risk.current_score} ({level(risk.current_score)}) accepted by {risk.accepted_by} "
               f"on {risk.accepted_on.isoformat()}{signed}")


@risk_app.command("categories")
def categories(as_json: bool = JsonOpt) -> None:
    """The allowed risk categories: 12 GAI risks (NIST AI 600-1), open-source-AI risks, general ones."""
    from rmfkit.models.risk import GENERAL_CATEGORIES, OPEN_SOURCE_AI_CATEGORIES, risk_categories

    rows = [{"id": cid, "title": title, "group": "open-source AI" if cid in OPEN_SOURCE_AI_CATEGORIES else
             "general" if cid in GENERAL_CATEGORIES else "NIST AI 600-1"} for cid, title in risk_categories().items()]
    if as_json:
        print_json(rows)
        return
    console().print(table("Risk categories", ["Id", "Title", "Group"], [[r["id"], r["title"], r["group"]] for r in rows]))


def register(app: typer.Typer) -> None:
    app.add_typer(risk_app, name="risk")
