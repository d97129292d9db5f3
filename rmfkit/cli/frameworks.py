"""``rmfkit frameworks iso42001 | ai-act``: the RMF assessment carried to ISO/IEC 42001 and the EU AI Act.

All logic is in :mod:`rmfkit.frameworks`; this module only gathers its inputs and prints.
"""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from rmfkit.cli.common import JsonOpt, WorkspaceOpt, console, open_ws, print_json, table

frameworks_app = typer.Typer(help="ISO/IEC 42001 Statement of Applicability; EU AI Act role, tier and obligations.",
                             no_args_is_help=True)


def _frameworks(workspace: Optional[Path]) -> dict:
    """The workspace's analysis, framework section (SoA and AI Act register)."""
    from rmfkit.analysis import of_workspace

    return of_workspace(open_ws(workspace), cached=True).frameworks


def _status(item: dict) -> str:
    from rmfkit.frameworks.soa import STATUS_LABELS

    return STATUS_LABELS[item["status"]] + (" (direct)" if item["basis"] == "direct" else " (derived)")


@frameworks_app.command("iso42001")
def iso42001(workspace: Optional[Path] = WorkspaceOpt, as_json: bool = JsonOpt,
             csv_file: Optional[Path] = typer.Option(None, "--csv", metavar="FILE",
                                                     help="Also write the Annex A SoA as Excel-friendly CSV")) -> None:
    """ISO/IEC 42001 Statement of Applicability (38 Annex A controls) and clause 4-10 readiness."""
    from rmfkit.frameworks import soa_csv

    soa = _frameworks(workspace)["iso42001"]
    if csv_file is not None:
        csv_file.write_bytes(soa_csv(soa))
    if as_json:
        print_json(soa)
        return
    out = console()
    out.print(table(f"Statement of Applicability — {soa['standard']}",
                    ["Control", "Topic (rmfkit label)", "Applicable", "Status", "RMF met", "RMF not met",
                     "Evidence", "Flags"],
                    [[c["id"], c["topic"], "yes" if c["applicable"] else "no", _status(c),
                      ", ".join(c["sources_met"]) or "—", ", ".join(c["sources_not_met"]) or "—",
                      ", ".join(e["id"] for e in c["evidence"]) or "—", ", ".join(c["flags"])]
                     for c in soa["controls"]]))
    out.print(table("Clause readiness (clauses 4-10)", ["Clause", "Readiness", "Met", "In progress", "Of",
                                                        "Direct", "No mapping"],
                    [[r["clause"], r["readiness"], r["ready"], r["in_progress"], r["total"], r["direct"],
                      ", ".join(r["without_mapping"]) or "—"] for r in soa["clause_readiness"]]))
    for caveat in soa["caveats"]:
        out.print(f"- {caveat}", markup=False, highlight=False)
    if csv_file is not None:
        out.print(f"CSV written to {csv_file}", markup=False, highlight=False)


@frameworks_app.command("ai-act")
def ai_act(workspace: Optional[Path] = WorkspaceOpt, as_json: bool = JsonOpt) -> None:
    """EU AI Act: role and risk tier per system, the obligation register and the Annex IV checklist."""
    register = _frameworks(workspace)["ai_act"]
    annex_iv = register["annex_iv"]
    if as_json:
        print_json(register)
        return
    out = console()
    out.print(f"{register['regulation']['title']} {register['regulation']['number']} — reflects: "
              f"{register['reflects']}; data as of {register['data_as_of']}", markup=False, highlight=False)
    out.print(table("Roles and risk tiers", ["System", "Kind", "Roles", "Tiers", "Not screened", "Legal review"],
                    [[s["id"], s["kind"], ", ".join(f"{r['role']} ({r['definition_ref']})" for r in s["roles"]) or
                      "none", ", ".join(s["tiers"]) or "—", len(s["not_screened"]) or "—",
                      "; ".join([*s["legal_review"], *(v["label"] for v in s["value_chain"])]) or "—"]
                     for s in register["systems"]]))
    out.print(table("Obligation register", ["Obligation", "Title", "Bound as", "Applies from (as amended)",
                                            "Owner", "Status", "RMF met", "RMF not met"],
                    [[o["id"], o["label"] or o["title"],
                      ", ".join(sorted({f"{b['system']}: {b['role']}" for b in o["bound"]})),
                      f"{o['applies_from']['date']} ({o['applies_from']['rule']})", o["owner"] or "—", _status(o),
                      ", ".join(o["sources_met"]) or "—", ", ".join(o["sources_not_met"]) or "—"]
                     for o in register["obligations"]]))
    out.print(f"Annex IV checklist: {annex_iv['summary']['held']} held, {annex_iv['summary']['partial']} partial, "
              f"{annex_iv['summary']['gap']} gaps. {annex_iv['note']}", markup=False, highlight=False)
    for gap in annex_iv["gaps"]:
        out.print(f"  gap {gap}", markup=False, highlight=False)
    for caveat in register["caveats"]:
        out.print(f"- {caveat}", markup=False, highlight=False)
    for item in register["legal_review"]:
        out.print(f"needs legal review: {item}", markup=False, highlight=False)


def register(app: typer.Typer) -> None:
    app.add_typer(frameworks_app, name="frameworks")
