"""``rmfkit evidence import | pull | ls | verify``: the evidence store from the command line."""
from __future__ import annotations

import sys
from pathlib import Path
from typing import List, Optional

import typer

from rmfkit.cli.common import JsonOpt, WorkspaceOpt, print_json, print_text
from rmfkit.labels import plural

evidence_app = typer.Typer(help="Import, pull, list and verify evidence (eval results, model cards, SBOMs, "
                                "licenses, red-team reports).", no_args_is_help=True)

PROGRESS_MIN_BYTES = 256 * 1024 * 1024
PROGRESS_MIN_ITEMS = 500


def _open(workspace: Optional[Path]):
    """Open without parsing every evidence sidecar: listings read the index, writes reload everything."""
    from rmfkit.workspace import Workspace

    return Workspace.open(workspace, skip=("evidence",)).require_valid()


@evidence_app.command("import")
def import_(files: List[Path] = typer.Argument(None, help="Files to import (kind detected from content)",
                                               show_default=False),
            workspace: Optional[Path] = WorkspaceOpt, as_json: bool = JsonOpt,
            kind: Optional[str] = typer.Option(None, "--kind", help="Force the importer: lm-eval, model-card, "
                                               "cyclonedx, spdx, pip-licenses, garak, promptfoo, inspect, "
                                               "task-eval, license-record, model-scan, generic"),
            component: Optional[List[str]] = typer.Option(None, "--component", help="Component id (repeat)"),
            subcategory: Optional[List[str]] = typer.Option(None, "--subcategory",
                                                            help='Subcategory it supports, e.g. "MEASURE 2.3" (repeat)'),
            collected_at: Optional[str] = typer.Option(None, "--collected-at", help="Date the evidence is about"),
            valid_until: Optional[str] = typer.Option(None, "--valid-until", help="Date after which it is stale"),
            title: Optional[str] = typer.Option(None, "--title"),
            evidence_id: Optional[str] = typer.Option(None, "--id", help="Id to use instead of a generated one"),
            owner: Optional[str] = typer.Option(None, "--owner"),
            example_data: bool = typer.Option(False, "--example-data", help="Mark as illustrative example data"),
            python_env: bool = typer.Option(False, "--python-env",
                                            help="Import the license metadata of the current Python environment"),
            all_or_nothing: bool = typer.Option(False, "--all-or-nothing",
                                                help="Store nothing if any file is refused (stop at the first)"),
            build: Optional[str] = typer.Option(None, "--build", help="Model build the evidence was produced on: "
                                                "a component id (its current build), sha256:DIGEST or REPO@REVISION")
            ) -> None:
    """Store files byte-exact with what their importer understood; same bytes twice are detected.

    Every valid file is imported and every bad one refused with one line; the exit code is 2 when any
    file was refused. With --json the result of every file is printed either way.
    """
    from rmfkit.errors import UsageError
    from rmfkit.library import store
    from rmfkit.library.importers import by_kind

    if not files and not python_env:
        raise UsageError("no files to import", hint="give one or more files, or --python-env")
    if kind is not None and kind not in by_kind():
        raise UsageError(f"--kind '{kind}' is not an importer", hint="kinds: " + ", ".join(sorted(by_kind())))
    candidates = store.read_candidates(files or [], kind, all_or_nothing=all_or_nothing)
    if python_env:
        candidates.append(store.python_env_candidate())
    ws = _open(workspace)
    outcomes = store.import_candidates(ws, candidates, components=component or [], subcategories=subcategory or [],
                                       collected_at=collected_at, valid_until=valid_until, title=title,
                                       evidence_id=evidence_id, owner=owner, example_data=example_data,
                                       all_or_nothing=all_or_nothing, build=build)
    refused = [o for o in outcomes if o.status == "refused"]
    if as_json:
        print_json([{"origin": o.origin, "status": o.status, "id": o.id,
                     "kind": o.record.kind if o.record else None,
                     "sha256": o.record.sha256 if o.record else None,
                     "facts": o.record.facts if o.record else None, "message": o.message,
                     "suggested_subcategories": [{"id": s, "reason": r} for s, r in o.suggestions]}
                    for o in outcomes])
    else:
        _print_outcomes(outcomes)
    if refused:
        raise typer.Exit(2)


def _print_outcomes(outcomes) -> None:
    """One line per file (refusals on stderr), its notes and suggestions, then a summary for a batch."""
    for o in outcomes:
        if o.status == "refused":
            print_text(f"error: {o.message}", err=True)
            continue
        if o.status == "duplicate":
            print_text(f"duplicate: {o.origin} has the same bytes as evidence {o.id}; not stored again")
            continue
        print_text(f"imported {o.id} ({o.record.kind}) from {o.origin}: {o.record.title}")
        for note in o.record.facts.get("notes") or []:
            print_text(f"  note: {note}")
        for sub, reason in o.suggestions:
            print_text(f"  suggested: {sub} — {reason}")
        if o.suggestions:
            print_text(f"  accept with: rmfkit map set \"{o.suggestions[0][0]}\" --add-evidence {o.id}")
    if len(outcomes) > 1:
        counts = {status: sum(o.status == status for o in outcomes) for status in ("imported", "duplicate", "refused")}
        print_text(f"{len(outcomes)} files: {counts['imported']} imported, {counts['duplicate']} duplicate, "
                   f"{counts['refused']} refused")


@evidence_app.command("search")
def search(text: str = typer.Argument(..., help="Model name, repository id (org/name) or license id"),
           workspace: Optional[Path] = WorkspaceOpt, as_json: bool = JsonOpt) -> None:
    """Find evidence library items by model name or repository id (pull them with `evidence pull ID`)."""
    from rmfkit.library import store

    ws = _open(workspace)
    found = store.Library.for_workspace(ws).search(text)
    if as_json:
        print_json([{"id": r.id, "kind": r.kind, "title": r.title, "licenses": r.facts.get("licenses", []),
                     "repos": r.facts.get("repos", [])} for r in found])
        return
    if not found:
        print_text(f"no library item matches '{text}' (list them all with `rmfkit evidence ls --library`)")
    for r in found:
        print_text(f"{r.id}  {r.kind}  {r.title}")


@evidence_app.command("pull")
def pull(ids: List[str] = typer.Argument(None, help="Library item ids", show_default=False),
         workspace: Optional[Path] = WorkspaceOpt, as_json: bool = JsonOpt,
         check: bool = typer.Option(False, "--check", help="Only report pulled items whose library copy changed")
         ) -> None:
    """Copy items from the evidence library (keeping id and hash); --check reports upstream drift."""
    from rmfkit.errors import UsageError
    from rmfkit.library import store

    if check:
        ws = _open(workspace)
        drifts = store.check_drift(ws, ids=ids or [])
        if as_json:
            print_json([{"id": d.id, "library_id": d.library_id, "status": d.status, "changes": d.changes}
                        for d in drifts])
            return
        if not drifts:
            print_text("every pulled item matches its library copy")
        for d in drifts:
            print_text(f"{d.id}: library copy {'was removed' if d.status == 'removed' else 'changed since the pull'}")
            for change in d.changes:
                print_text(f"  {change}")
        return
    if not ids:
        raise UsageError("no library ids given", hint="list them with `rmfkit evidence ls --library`")
    ws = _open(workspace)
    outcomes = store.pull(ws, ids)
    if as_json:
        print_json([{"id": o.id, "status": o.status, "changes": o.changes} for o in outcomes])
        return
    for o in outcomes:
        print_text(f"{o.status.replace('_', ' ')}: {o.id}")
        for change in o.changes:
            print_text(f"  {change}")


NO_BREAK = "\u00a0"  # keeps "MEASURE 2.10" and "risk R-0003" on one line when wrapping


def _row(record, check, links) -> dict:
    return {"id": record.id, "kind": record.kind, "status": check.status if check else None,
            "reason": check.reason if check else None, "title": record.title,
            "collected_at": record.collected_at, "expires_on": record.expires_on(),
            "components": record.components, "subcategories": record.subcategories,
            "supports": [{"id": link.id, "via": link.via, "label": link.label()} for link in links],
            "library_id": record.library_id, "example_data": record.example_data, "sha256": record.sha256}


def _supports_text(supports: list[dict]) -> str:
    """``supports MAP 4.1, risk R-0003; declared, not linked: MEASURE 2.3`` (or ``supports nothing yet``)."""
    linked = [s["label"].replace(" ", NO_BREAK) for s in supports if s["via"] != "declared"]
    declared = [s["label"].replace(" ", NO_BREAK) for s in supports if s["via"] == "declared"]
    parts = [f"supports {', '.join(linked)}" if linked else "supports nothing yet"]
    if declared:
        parts.append(f"declared, not linked: {', '.join(declared)}")
    return "; ".join(parts)


def item_lines(row: dict, width: int) -> list[str]:
    """One evidence item as a few lines that stay readable at any terminal width (ids and dates whole).

    >>> row = {"id": "lic-vllm", "status": "ok", "reason": "hash matches", "kind": "license-record",
    ...        "title": "License record: vLLM", "example_data": None, "collected_at": "2026-09-15",
    ...        "expires_on": "2027-09-15", "supports": [{"id": "MAP 4.1", "via": "mapping", "label": "MAP 4.1"}]}
    >>> print("\\n".join(item_lines(row, 80)))
    lic-vllm  ok  license-record
        License record: vLLM
        collected 2026-09-15 · expires 2027-09-15 · supports MAP 4.1
    """
    import textwrap

    head = "  ".join(v for v in (row["id"], row["status"], row["kind"]) if v)
    title = row["title"]
    if row["example_data"] and "example data" not in title.lower():
        title += f" (example{NO_BREAK}data)"
    dates = f"collected {row['collected_at'] or '—'} · expires {row['expires_on'] or 'never'}"
    details = [title] + ([row["reason"]] if row["status"] not in (None, "ok") else [])
    details.append(f"{dates} · {_supports_text(row['supports'])}")
    wrap = textwrap.TextWrapper(width=max(width, 40), initial_indent="    ", subsequent_indent="      ",
                                break_long_words=False, break_on_hyphens=False)
    return [head] + [line.replace(NO_BREAK, " ") for detail in details for line in wrap.wrap(detail)]


def _listing_rows(workspace: Optional[Path]):
    """The rows of ``evidence ls``, the date they hold for and its time zone (for :mod:`rmfkit.cli.memo`)."""
    from rmfkit.clock import evaluation_date, pinned
    from rmfkit.library.listing import collector_paused, evidence_links, list_evidence

    day = evaluation_date(None)  # fixed first, so the answer holds for the date it is kept under
    ws = _open(workspace)
    with pinned(day), collector_paused():  # the rows keep every record built: nothing for the collector to free
        listed = list_evidence(ws, day)
        links = evidence_links(ws, {rec.id: rec for rec, _ in listed})
        rows = [_row(rec, check, links[rec.id]) for rec, check in listed]
    return rows, day, "UTC"


@evidence_app.command("ls")
def ls(workspace: Optional[Path] = WorkspaceOpt, as_json: bool = JsonOpt,
       library: bool = typer.Option(False, "--library", help="List the evidence library instead of the workspace")
       ) -> None:
    """List evidence with its status (ok, expired, missing, hash_mismatch) and what it supports.

    "Supports" is where the workspace links the item (mapping, risks, operations, components), then the
    subcategories the item declares but the mapping does not link it to.
    """
    import shutil

    from rmfkit.cli.memo import remembered

    if library:
        from rmfkit.library import store
        from rmfkit.library.listing import Link

        listing = store.Library.for_workspace(_open(workspace)).listing()
        rows = [_row(rec, None, [Link(sub, "declared") for sub in rec.subcategories])
                for _, rec in sorted(listing.records.items())]
        for problem in listing.problems:
            print_text(f"library: {problem}", err=True)
    else:
        answer = remembered("evidence-ls", workspace, {}, lambda: _listing_rows(workspace))
        if as_json:
            typer.echo(answer.text)
            return
        rows = answer.data
    if as_json:
        print_json(rows)
        return
    width = shutil.get_terminal_size((100, 24)).columns - 1
    print_text(f"{'Evidence library' if library else 'Evidence'} ({len(rows)} items)")
    for row in rows:
        for line in item_lines(row, width):
            print_text(line)


@evidence_app.command("verify")
def verify(workspace: Optional[Path] = WorkspaceOpt, as_json: bool = JsonOpt) -> None:
    """Re-hash every artefact; exit 4 naming each missing or altered item."""
    from rmfkit.library import store

    ws = _open(workspace)
    records = store.evidence_records(ws)
    total = sum(r.size for r in records.values())
    show_progress = sys.stderr.isatty() and (total >= PROGRESS_MIN_BYTES or len(records) >= PROGRESS_MIN_ITEMS)
    if show_progress:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            DownloadColumn,
            Progress,
            TransferSpeedColumn,
        )

        with Progress("verifying", BarColumn(), DownloadColumn(), TransferSpeedColumn(),
                      console=Console(stderr=True)) as bar:
            task = bar.add_task("hash", total=total)
            checks = store.verify(ws, progress=lambda n: bar.advance(task, n))
    else:
        checks = store.verify(ws)
    if as_json:
        print_json([{"id": c.id, "status": c.status, "reason": c.reason} for c in checks.values()])
        return
    expired = [c for c in checks.values() if c.status == "expired"]
    for c in expired:
        print_text(f"expired: {c.id} ({c.reason})")
    print_text(f"verified {plural(len(checks), 'item')}, {total:,} bytes: every artefact matches its SHA-256"
               + (f"; {len(expired)} expired" if expired else ""))


@evidence_app.command("rm")
def rm(evidence_id: str = typer.Argument(..., help="Evidence id (see `rmfkit evidence ls`)"),
       workspace: Optional[Path] = WorkspaceOpt, as_json: bool = JsonOpt,
       unlink: bool = typer.Option(False, "--unlink", help="Also remove every link to it (each one is reported)")
       ) -> None:
    """Remove an evidence item; refused while records link it, unless --unlink."""
    from rmfkit.library.remove import remove_evidence

    unlinked = remove_evidence(_open(workspace), evidence_id, unlink=unlink)
    if as_json:
        print_json({"id": evidence_id, "removed": True, "unlinked": unlinked})
        return
    for where in unlinked:
        typer.echo(f"unlinked from {where}")
    typer.echo(f"removed {evidence_id}")


def register(app: typer.Typer) -> None:
    app.add_typer(evidence_app, name="evidence")
