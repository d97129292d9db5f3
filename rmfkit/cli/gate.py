"""``rmfkit gate --candidate BUILD [--baseline BUILD|SNAPSHOT]``: the release gate on a model swap.

Exit 0 when every required metric was re-measured on the candidate and none regressed beyond its
tolerance (and the decision, if one is given, is an approval); exit 3 otherwise, naming each metric.
"""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from rmfkit.cli.common import JsonOpt, WorkspaceOpt, open_ws, print_json


def _component(ws, named: Optional[str], from_ref: Optional[str]) -> str:
    from rmfkit.errors import UnknownIdError, UsageError

    if named is not None:
        if ws.system.component(named) is None:
            raise UnknownIdError(f"unknown component '{named}'", hint="component ids are listed in system.yaml")
        return named
    if from_ref is not None:
        return from_ref
    with_build = [c.id for c in ws.system.components if c.build is not None]
    if len(with_build) == 1:
        return with_build[0]
    raise UsageError("which component does the candidate build replace?",
                     hint="add --component ID" + (f" (one of {', '.join(with_build)})" if with_build else ""))


def _baseline(ws, text: Optional[str]):
    """(build, snapshot label, snapshot evidence) for ``--baseline``: a review label or a build."""
    from rmfkit.builds import parse_build_ref
    from rmfkit.review.snapshots import load_snapshot, snapshots

    if text is None:
        return None, None, None
    if text in {s.label for s in snapshots(ws)}:
        return None, text, load_snapshot(ws, text).records.evidence
    return parse_build_ref(text, ws.system)[1], None, None


def _show(result, component: str) -> None:
    from rmfkit.builds import describe

    typer.echo(f"Release gate for {component}: candidate {describe(result.candidate)}; baseline "
               + (f"snapshot {result.baseline_snapshot}" if result.baseline_snapshot else
                  describe(result.baseline) if result.baseline else "evidence from other builds"))
    for m in result.metrics:
        shown = lambda v: "—" if v is None else f"{v:g}"  # noqa: E731 - one format for both columns
        typer.echo(f"  {m.outcome:<15} {m.threshold}: baseline {shown(m.baseline)} ({m.baseline_evidence or '—'}), "
                   f"candidate {shown(m.candidate)} ({m.candidate_evidence or '—'})")
    if result.not_gated:
        typer.echo(f"  not gated (no measuring evidence kind): {', '.join(result.not_gated)}")
    for line in result.problems():
        typer.echo(f"blocking: {line}", err=True)
    typer.echo("gate: pass" if result.passed else f"gate: blocked ({len(result.problems())} metric(s))")


def gate(candidate: str = typer.Option(..., "--candidate", help="Candidate build: a component id (its build in "
                                       "system.yaml), sha256:DIGEST or REPO@REVISION"),
         baseline: Optional[str] = typer.Option(None, "--baseline", help="Baseline build, or a review label whose "
                                                "frozen evidence is the baseline (default: evidence from other builds)"),
         component: Optional[str] = typer.Option(None, "--component", help="Component the candidate replaces"),
         approve: bool = typer.Option(False, "--approve", help="Record an approval (refused while blocked)"),
         reject: bool = typer.Option(False, "--reject", help="Record a rejection"),
         by: Optional[str] = typer.Option(None, "--by", help="Reviewer who decides (required with a decision)"),
         reason: Optional[str] = typer.Option(None, "--reason", help="Why (required with a decision)"),
         sign: Optional[Path] = typer.Option(None, "--sign", help="Reviewer's Ed25519 private key (PEM)"),
         workspace: Optional[Path] = WorkspaceOpt, as_json: bool = JsonOpt) -> None:
    """Compare every thresholded metric between the baseline and the candidate build; record the decision."""
    from rmfkit import gate as gates
    from rmfkit.builds import parse_build_ref
    from rmfkit.errors import UsageError

    if approve and reject:
        raise UsageError("--approve and --reject exclude each other")
    decision = "approve" if approve else "reject" if reject else None
    if decision and (not (by or "").strip() or not (reason or "").strip()):
        raise UsageError(f"--{decision} needs --by NAME and --reason TEXT")
    if sign is not None and decision is None:
        raise UsageError("--sign signs a decision", hint="add --approve or --reject")
    ws = open_ws(workspace)
    ref_component, candidate_build = parse_build_ref(candidate, ws.system)
    target = _component(ws, component, ref_component)
    baseline_build, label, snapshot_evidence = _baseline(ws, baseline)
    thresholds = list(ws.current().thresholds.thresholds) if ws.current().thresholds else []
    result = gates.evaluate_gate(thresholds, ws.evidence, candidate=candidate_build, baseline=baseline_build,
                                 baseline_evidence=snapshot_evidence, baseline_snapshot=label,
                                 checks=ws.check_evidence())
    record = None
    if decision and (decision == "reject" or result.passed):
        key = None
        if sign is not None:
            from rmfkit.seal import load_private_key

            key = load_private_key(sign)
        record = gates.record_decision(ws, target, result, decision=decision, reviewer=by.strip(),
                                       reason=reason.strip(), private_key=key)
    if as_json:
        print_json({"component": target, "passed": result.passed, "problems": result.problems(),
                    "metrics": [m.model_dump(mode="json") for m in result.metrics], "not_gated": list(result.not_gated),
                    "decision": record.model_dump(mode="json") if record else None})
    else:
        _show(result, target)
        if record is not None:
            typer.echo(f"recorded {record.decision} by {record.reviewer} as gates/{record.id}.yaml"
                       + (" (signed)" if record.signature else ""))
    if decision == "approve" and not result.passed:
        typer.echo("error: cannot approve a blocked gate; import re-runs on the candidate build "
                   "(rmfkit evidence import FILE --build BUILD) or --reject", err=True)
    if not result.passed or decision == "reject":
        raise typer.Exit(3)


def register(app: typer.Typer) -> None:
    app.command("gate")(gate)
