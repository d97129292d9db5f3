"""``rmfkit licenses``: license register, openness per component, MOF class, policy findings, drift."""
from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from rmfkit.cli.common import JsonOpt, WorkspaceOpt, console, open_ws, print_json, table
from rmfkit.labels import plural

SEVERITY_STYLE = {"blocker": "bold red", "obligation": "yellow", "caution": "magenta", "info": "dim"}


def _load_profile(path: Path):
    """An earlier ``system.yaml`` (or a workspace folder holding one) handed in for comparison."""
    from pydantic import ValidationError

    from rmfkit.errors import InputFileError
    from rmfkit.fileio import read_user_file
    from rmfkit.models.system import SystemProfile
    from rmfkit.safeparse import parse_yaml
    from rmfkit.wording import describe_validation_error
    from rmfkit.yamlio import plain

    target = path / "system.yaml" if path.is_dir() else path
    doc = parse_yaml(read_user_file(target, str(target)), str(target))
    try:
        return SystemProfile.model_validate(plain(doc))
    except ValidationError as exc:
        field, message = describe_validation_error(exc.errors()[0])
        raise InputFileError(message, file=str(target), field=field) from None


def _library_drift(ws) -> list[dict] | None:
    """License records whose library copy changed since they were pulled; None if there is no library."""
    from rmfkit.errors import InputFileError
    from rmfkit.library.store import Library, check_drift
    from rmfkit.licenses.report import LICENSE_EVIDENCE_KIND

    try:
        library = Library.for_workspace(ws)
    except InputFileError:
        return None
    if not library.root.is_dir():
        return None
    licence_ids = [eid for eid, rec in ws.evidence.items() if rec.kind == LICENSE_EVIDENCE_KIND and rec.library_id]
    if not licence_ids:
        return []
    return [{"evidence": d.id, "library_id": d.library_id, "status": d.status, "changes": d.changes}
            for d in check_drift(ws, library, licence_ids)]


def licenses(workspace: Optional[Path] = WorkspaceOpt, as_json: bool = JsonOpt,
             against: Optional[Path] = typer.Option(None, "--against", help="An earlier system.yaml (or workspace "
                                                    "folder) to report license drift against"),
             recommend: Optional[List[str]] = typer.Option(None, "--recommend", help="Recommend a level of openness "
                                                           "for a need (repeat): ship_fast, strict_privacy, "
                                                           "commercial_redistribution, research_reproducibility, unsure")
             ) -> None:
    """License register, openness per component, MOF class of the model release and policy findings."""
    from rmfkit.licenses import analyze, license_drift, recommend_openness

    advice = recommend_openness(recommend) if recommend else None
    ws = open_ws(workspace)
    report = analyze(ws.system, ws.evidence)
    drift = [c.to_dict() for c in license_drift(_load_profile(against), ws.system)] if against else None
    library = _library_drift(ws)
    if as_json:
        print_json({**report.to_dict(), "drift": drift, "library_drift": library,
                    "recommendation": advice.to_dict() if advice else None})
        return
    out = console()
    rows = report.register_rows()
    out.print(table(f"License register ({len(rows)} components)",
                    ["Component", "Layer", "License", "OSI", "Commercial distribution", "Openness", "Review",
                     "Findings", "Due diligence", "Evidence"],
                    [[r["component"], r["layer"], r["license_expression"] or r["license"] or "—",
                      {True: "yes", False: "no", None: "?"}[r["osi_approved"]], r["commercial_distribution"],
                      r["openness"] or "undetermined", "needs review" if r["needs_review"] else "",
                      ", ".join(f"{n} {s}" for s, n in r["findings"].items() if n) or "—", r["due_diligence"],
                      ", ".join(r["evidence"]) or "—"] for r in rows]))
    for r in rows:
        out.print(f"[bold]{r['component']}[/bold] {r['openness'] or 'undetermined'}: {r['openness_reason']}",
                  markup=True, highlight=False)
    if report.mof:
        mof = report.mof
        line = f"Model release {mof.component}: MOF {mof.label}"
        next_class = next(iter(mof.missing), None)
        if next_class:
            line += f"; for Class {next_class} missing or not openly licensed: " + ", ".join(
                f"{g['name']} ({g['reason']})" for g in mof.missing[next_class])
        out.print(line, markup=False)
        osaid = report.osaid
        out.print("OSI Open Source AI Definition 1.0: " + ("meets it" if osaid.conformant else
                  "does not meet it — " + "; ".join(osaid.failures)), markup=False)
    from rmfkit.views.packet import openness_decision

    out.print(openness_decision(report.to_dict(), {r["component"]: r["name"] for r in rows}), markup=False)
    findings = report.findings
    out.print(table(f"Findings ({len(findings)})", ["Severity", "Component", "Finding", "Clause", "What to do"],
                    [[f.severity + (" (needs review)" if f.needs_review else ""), f.component, f.message, f.clause,
                      f.action] for f in findings]))
    if drift is not None:
        out.print(f"License drift against {against}: {plural(len(drift), 'change')}", markup=False)
        for d in drift:
            out.print(f"  {d['component']}: {d['message']} (openness {d['old_openness']} → {d['new_openness']})",
                      markup=False)
            for sign, key in (("+", "findings_added"), ("-", "findings_removed")):
                for f in d[key]:
                    out.print(f"    {sign} {f['severity']}: {f['message']}", markup=False)
    if library:
        out.print(table("License records changed in the library since they were pulled", ["Evidence", "Status",
                        "Changes"], [[d["evidence"], d["status"], "; ".join(d["changes"])] for d in library]))
    if advice:
        out.print(f"Recommended openness for {', '.join(advice.needs)}: "
                  f"{(advice.level or 'try both for a week').replace('_', ' ')}", markup=False)
        for step in advice.reasoning:
            out.print(f"  - {step}", markup=False)
        out.print("  Look for: " + "; ".join(advice.look_for), markup=False)


def register(app: typer.Typer) -> None:
    app.command("licenses")(licenses)
