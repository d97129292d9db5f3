"""``rmfkit ops show``, ``rmfkit ops verify-artifact COMPONENT PATH`` and ``rmfkit ops scan-artifact PATH``."""
from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from rmfkit.cli.common import JsonOpt, WorkspaceOpt, console, open_ws, print_json, table

ops_app = typer.Typer(help="Operate the model: MLOps readiness checklist, pilot plan, artefact integrity.",
                      no_args_is_help=True)

_STATUS_STYLE = {"done": "green", "unsupported": "bold red", "in_progress": "yellow", "open": "red",
                 "not_applicable": "dim", "not_recorded": "dim"}


@ops_app.command("show")
def show(workspace: Optional[Path] = WorkspaceOpt, as_json: bool = JsonOpt) -> None:
    """Readiness checklist (evidence-checked), expected artefact checksums, pilot plan and gaps."""
    from rmfkit.analysis import of_workspace

    data = of_workspace(open_ws(workspace), cached=True).operations
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
                    progress: bool = typer.Option(True, "--progress/--no-progress", help="Show a progress bar"),
                    signature: Optional[Path] = typer.Option(None, "--signature", help="OpenSSF model signature "
                                                             "(default: model.sig in the folder, when present)"),
                    public_key: Optional[Path] = typer.Option(None, "--public-key", help="Signer's public key (PEM)"),
                    certificate_chain: Optional[List[Path]] = typer.Option(
                        None, "--certificate-chain", help="Trusted certificate (PEM) the signing certificate chains "
                                                          "to (repeat)"),
                    identity: Optional[str] = typer.Option(None, "--identity", help="Sigstore signer identity"),
                    issuer: Optional[str] = typer.Option(None, "--issuer", help="Sigstore OIDC issuer"),
                    trust_config: Optional[Path] = typer.Option(None, "--trust-config",
                                                                help="Sigstore trust root the team provides (JSON)")
                    ) -> None:
    """Hash PATH (streaming) against the expected SHA-256 in operations.yaml and the component's build digest,
    verify its model signature, and store the result as evidence.

    Exit code 4 when a file differs, is missing or is extra, the digest is not the build's, or the signature
    does not verify (the cause is named).
    """
    import difflib

    from rmfkit import artifacts, ops
    from rmfkit.builds import found_build
    from rmfkit.errors import IntegrityError, UnknownIdError, UsageError
    from rmfkit.signatures import SIGNATURE_NAME, verify_model_signature

    ws = open_ws(workspace)
    known = [c.id for c in ws.system.components]
    if component not in known:
        close = difflib.get_close_matches(component, known, n=3)
        raise UnknownIdError(f"unknown component '{component}'",
                             hint=("did you mean " + ", ".join(close) + "?") if close else "see system.yaml")
    build = ws.system.component(component).build
    record = ops.operations_of(ws)
    expectation = record.artifact(component) if record else None
    trusted = public_key or certificate_chain or identity
    sig_path = signature or (path / SIGNATURE_NAME if path.is_dir() and (path / SIGNATURE_NAME).exists() else None)
    if expectation is None and not (build and build.digest) and not trusted:
        raise UsageError(f"no expected checksum is recorded for '{component}'",
                         hint=f"add it under artifacts: in {ops.OPERATIONS_FILE} (sha256 for a file, files for a "
                              "folder), record build: {digest: …} in system.yaml, or give --public-key for its signature")
    ignore = [*(expectation.ignore if expectation else []), SIGNATURE_NAME]
    result = artifacts.verify_artifact(expectation.expected if expectation else None, path, ignore=ignore,
                                       progress=progress)
    signed = None
    if trusted or sig_path:
        if not trusted:
            raise UsageError(f"{sig_path.name} is a model signature; say whom to trust",
                             hint="--public-key PEM, --certificate-chain PEM, or --identity/--issuer/--trust-config")
        signed = verify_model_signature(path, sig_path, public_key=public_key, certificate_chain=certificate_chain or (),
                                        identity=identity, issuer=issuer, trust_config=trust_config)
    other_digest = bool(build and build.digest and result.ok and result.digest != build.digest)
    found = found_build(result.digest, build if not other_digest else None)
    evidence = artifacts.record_artifact_check(ws, component, result, expectation, signature=signed, build=found)
    if as_json:
        print_json({"component": component, "evidence_id": evidence.id, **result.as_dict(),
                    "build_digest": build.digest if build else None,
                    "signature": signed.as_dict() if signed else None})
    else:
        hashed = sum(1 for f in result.files if f.actual)
        typer.echo(f"{component}: {hashed} file(s), {result.total_bytes:,} bytes hashed: {result.verdict}; "
                   f"recorded as evidence {evidence.id}")
        if build is not None or signed:
            typer.echo(f"{component}: build digest sha256:{result.digest}")
        if signed:
            typer.echo(f"{component}: {signed.describe()}")
    failures = [f.describe() for f in result.failures]
    if other_digest:
        failures.append(f"digest sha256:{result.digest} is not the build in system.yaml (sha256:{build.digest}): "
                        "a new build; update build: in system.yaml and re-run the gate (rmfkit gate)")
    if signed and not signed.ok:
        failures.append(signed.describe())
    if failures:
        raise IntegrityError(f"{component}: {result.target} does not verify (recorded as evidence {evidence.id})",
                             failures=failures)


@ops_app.command("scan-artifact")
def scan_artifact(path: Path = typer.Argument(..., help="The model file, or the folder holding its files"),
                  component: Optional[str] = typer.Option(None, "--component", help="Component the files belong to"),
                  workspace: Optional[Path] = WorkspaceOpt, as_json: bool = JsonOpt) -> None:
    """Scan for unsafe serialization (picklescan; safetensors headers) and store the result as evidence for
    MEASURE 2.7 and MANAGE 3.2. Exit code 4 when a file is flagged or cannot be read.
    """
    from rmfkit import scan
    from rmfkit.errors import IntegrityError, UnknownIdError

    ws = open_ws(workspace)
    if component is not None and ws.system.component(component) is None:
        raise UnknownIdError(f"unknown component '{component}'", hint="component ids are listed in system.yaml")
    report = scan.scan_folder(path)
    evidence = scan.record_scan(ws, component, report)
    if as_json:
        print_json({"evidence_id": evidence.id, **report.as_dict()})
    else:
        typer.echo(f"{report.target}: {len(report.files)} file(s) scanned with {report.scanner}: {report.verdict}; "
                   f"recorded as evidence {evidence.id}")
        typer.echo(f"{report.target}: build digest sha256:{evidence.build.digest}")
    if not report.ok:
        raise IntegrityError(f"{report.target}: unsafe or unreadable serialization (recorded as evidence {evidence.id})",
                             failures=[f"{f.path}: {f.status} ({', '.join(f.findings)})"
                                       for f in report.files if f.status != "ok"])


def register(app: typer.Typer) -> None:
    app.add_typer(ops_app, name="ops")
