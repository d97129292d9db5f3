"""``rmfkit packet``, ``rmfkit keys generate``, ``rmfkit verify``."""
from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from rmfkit.cli.common import AsOfOpt, JsonOpt, WorkspaceOpt, console, evaluation_date, open_ws, print_json
from rmfkit.labels import plural

keys_app = typer.Typer(help="Ed25519 keys for signing packets.", no_args_is_help=True)


def packet(out: Path = typer.Option(..., "--out", "-o", help="Output folder (new or empty)"),
           workspace: Optional[Path] = WorkspaceOpt,
           sign: Optional[Path] = typer.Option(None, "--sign", help="Ed25519 private key (PEM) to sign manifest.json"),
           session_record: Optional[List[Path]] = typer.Option(
               None, "--session-record", help="Executed session notebook (.ipynb) or a folder of them, added to "
                                              "the bundle as session-record/<name>.html (repeatable)"),
           strict: bool = typer.Option(False, "--strict", help="Refuse to build (exit 3) while `rmfkit check` "
                                                               "reports error-level findings"),
           as_of: Optional[str] = AsOfOpt, as_json: bool = JsonOpt) -> None:
    """Build the audit packet: packet.pdf, packet.html, bundle.zip, manifest.json, OSCAL results."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from rmfkit.clock import pinned
    from rmfkit.packet import STEPS, build_packet, check_output_folder

    ws = open_ws(workspace)
    check_output_folder(ws, out)
    screen = console()
    # the bar is drawn only on a terminal: elsewhere rich's teardown leaves a blank line before the output
    with Progress(TextColumn("{task.description:<10}"), BarColumn(), TimeElapsedColumn(),
                  console=screen, transient=True, disable=as_json or not screen.is_terminal) as bar:
        task = bar.add_task("packet", total=len(STEPS))

        def step(name: str) -> None:
            bar.update(task, description=name, completed=STEPS.index(name))

        with pinned(evaluation_date(ws, as_of)):
            result = build_packet(ws, out, sign_key=sign, progress=step, session_record=session_record or None,
                                  strict=strict)
        bar.update(task, completed=len(STEPS))
    summary = result.summary()
    for item in result.broken_evidence:
        typer.echo(f"warning: evidence {item['id']}: {item['reason']}; the packet shows it as "
                   f"{item['status'].replace('_', ' ')}", err=True)
    if as_json:
        print_json(summary)
        return
    typer.echo(f"Packet written to {out}: {summary['files']} files, manifest SHA-256 {summary['manifest_sha256']}"
               + (", signed" if result.signed else ", unsigned"))
    pages = [name for name in result.files if name.startswith("session-record/")]
    if pages:
        typer.echo(f"Session record: {plural(len(pages), 'notebook page')} in {out / 'session-record'}")
    if result.blocked_urls:
        typer.echo(f"{len(result.blocked_urls)} external reference(s) were not loaded: "
                   + ", ".join(u[:60] for u in result.blocked_urls[:5]))


@keys_app.command("generate")
def keys_generate(out: Path = typer.Option(..., "--out", "-o", help="Folder for the key pair")) -> None:
    """Create an Ed25519 key pair: keep the private key secret, give the public key to auditors."""
    from rmfkit.seal import generate_keys

    private, public = generate_keys(out)
    typer.echo(f"Private key: {private} (keep secret; sign with `rmfkit packet --sign {private}`)")
    typer.echo(f"Public key:  {public} (give to whoever verifies: `rmfkit verify PACKET --key {public}`)")


def verify(path: Path = typer.Argument(..., help="Packet folder or bundle.zip"),
           key: Optional[Path] = typer.Option(None, "--key", help="Ed25519 public key (PEM) to check the signature"),
           require_signature: bool = typer.Option(False, "--require-signature",
                                                  help="Fail (exit 4) unless a valid signature is checked with --key"),
           as_json: bool = JsonOpt) -> None:
    """Recompute every hash and check the signature; exit 4 if anything was altered, missing or added.

    Without --key a signed packet's signature is not checked, and the output says so.
    """
    from rmfkit.errors import UsageError
    from rmfkit.integrity import require_packet, verify_or_raise
    from rmfkit.integrity import verify as run_verify

    if require_signature and key is None:
        raise UsageError("--require-signature needs --key PUBLIC_KEY.pem to check the signature with",
                         field="--key", hint="ask the signer for the public key through another channel")
    require_packet(path)
    if as_json:
        report = run_verify(path, key, require_signature=require_signature)
        print_json(report.as_dict())
        if not report.ok:
            raise typer.Exit(4)
        return
    report = verify_or_raise(path, key, require_signature=require_signature)
    typer.echo(f"OK {path}: {matched_words(report.checked - report.zip_checked, report.zip_checked)} the manifest; "
               f"{report.signature_words()}")


def matched_words(files: int, zip_entries: int) -> str:
    """How many hashes matched, in words.

    >>> matched_words(23, 23), matched_words(1, 0)
    ('23 files and the 23 entries of bundle.zip match', '1 file matches')
    """
    words = f"{files} file" + ("s" if files != 1 else "")
    if zip_entries:
        return f"{words} and the {zip_entries} entries of bundle.zip match"
    return words + (" matches" if files == 1 else " match")


def register(app: typer.Typer) -> None:
    app.command("packet")(packet)
    app.command("verify")(verify)
    app.add_typer(keys_app, name="keys")
