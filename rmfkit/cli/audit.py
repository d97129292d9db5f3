"""``rmfkit audit show [--json]``: the audit frame as the packet prints it (``audit.yaml`` checked, who assessed
what, referenced documents, NIST AI 600-1 coverage, the status rules), from the one analysis.

Text output is plain lines (user text escaped for the terminal); ``--json`` prints the packet's frame view.
``audit.yaml`` missing is said plainly, with what the packet then lacks.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

import typer

from rmfkit.cli.common import AsOfOpt, JsonOpt, WorkspaceOpt, evaluation_date, open_ws, print_json, print_text

audit_app = typer.Typer(help="The audit frame: scope, method, assessors, assurance, referenced documents.",
                        no_args_is_help=True)


def _lines(fr: dict[str, Any]) -> list[str]:
    out = list(fr["missing"])
    if fr["recorded"]:
        period = fr["period"]
        out += [f"Assurance level: {fr['assurance_label'] or 'not recorded'}",
                f"Assessment period: {period['start']} to {period['end']}" if period else "Assessment period: not recorded",
                f"Independence: {fr['independence'] or 'not recorded'}",
                f"In scope: {len(fr['scope']['in_scope'])} items; out of scope: {len(fr['scope']['out_of_scope'])}; "
                f"shared with providers: {len(fr['scope']['shared_responsibility'])}"]
        out += [f"  {p['id']} {p['title']}: sample {p['sample']}" for p in fr["procedures"]]
        out += [f"Limitation: {x}" for x in fr["limitations"]]
    out.append(f"Who assessed what ({fr['assessed_count']} assessed subcategories):")
    for g in fr["assessor_groups"]:
        who = "owner's own assessment" if g["source"] == "owner" else g["role"]
        out.append(f"  {g['name'] or '—'} ({who}, {g['on'] or 'no date'}): {', '.join(g['subcategories'])}")
    out.append(f"Referenced documents: {fr['held']} held, {fr['not_held']} referenced, not held")
    for d in fr["documents"]:
        out.append(f"  {d['id']}: " + (f"held as {d['evidence']} ({d['status']}, SHA-256 {d['sha256_short']})"
                                        if d["held"] else f"referenced, not held: {d['reason']}"))
    if fr["gai"].get("applicable"):
        out.append("NIST AI 600-1 coverage: " + ", ".join(f"{n} {s}" for s, n in fr["gai"]["counts"].items()))
        out += [f"  {r['number']}. {r['title']}: {len(r['addressed'])} of {r['actions']} actions addressed, "
                f"{r['open_count']} open" for r in fr["gai"]["risks"]]
    else:
        out.append(fr["gai"].get("message") or "NIST AI 600-1: not applicable")
    out += [f"{f['severity'].upper()} {f['file']}: {f['field'] + ': ' if f['field'] else ''}{f['message']} [{f['rule']}]"
            for f in fr["findings"]]
    return out


@audit_app.command("show")
def show(workspace: Optional[Path] = WorkspaceOpt, as_json: bool = JsonOpt, as_of: Optional[str] = AsOfOpt) -> None:
    """Show the audit frame (audit.yaml) as the packet prints it."""
    from rmfkit.analysis import of_workspace
    from rmfkit.clock import pinned
    from rmfkit.views.frame import frame_view

    ws = open_ws(workspace)
    with pinned(evaluation_date(ws, as_of)):
        analysis = of_workspace(ws, cached=True)
    view = frame_view(analysis.frame, analysis.method, reviews=ws.current().reviews)
    if as_json:
        print_json(view)
        return
    for line in _lines(view):
        print_text(line)


def register(app: typer.Typer) -> None:
    app.add_typer(audit_app, name="audit")
