"""Importing files into a workspace: read, hash and parse each file (phase 1, no writes), then store
them under the workspace lock (phase 2) with one index update per batch.

A batch imports every valid file and reports each refused one (``status == "refused"`` with the
one-line reason); ``all_or_nothing=True`` keeps the stricter rule: the first bad file stops the batch
and nothing is stored. Artefacts are copied streaming and re-hashed after the copy; the same bytes
imported twice are detected.

>>> import tempfile, pathlib
>>> from rmfkit.workspace import Workspace
>>> ws = Workspace.create(pathlib.Path(tempfile.mkdtemp()) / "ws", system_id="demo", name="Demo", owner="me")
>>> notes = ws.root.parent / "notes.md"
>>> _ = notes.write_text("# Review notes\\n")
>>> [o.status for o in import_files(ws, [notes, notes, ws.root.parent / "missing.md"])]
['imported', 'duplicate', 'refused']
"""
from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path, PurePath
from typing import Iterable

from rmfkit.clock import today
from rmfkit.errors import InputFileError, UnknownIdError, UsageError
from rmfkit.fileio import OPEN_BINARY, FolderBatch
from rmfkit.hashing import sha256_file
from rmfkit.library import index as evidence_index
from rmfkit.library.importers import MAX_PARSE_BYTES, Parsed, generic, read_evidence
from rmfkit.library.suggestions import suggest_subcategories
from rmfkit.models.evidence import EvidenceRecord
from rmfkit.records import record_bytes
from rmfkit.workspace import Workspace

DEFAULT_MAX_ARTEFACT_BYTES = 1024 ** 3
KEEP_BYTES = 1024 ** 2  # a candidate this small keeps its bytes between reading and storing ...
KEEP_BATCH_BYTES = 64 * 1024 ** 2  # ... while a batch holds less than this; later files are read again to copy
ID_PATTERN = re.compile(r"\A[A-Za-z0-9][A-Za-z0-9._-]{0,127}\Z")  # whole string: "$" accepts a final newline

# How long evidence stays fresh when neither --valid-until nor the library says otherwise (days).
REVIEW_INTERVAL_DAYS = {
    "lm-eval": 180, "inspect": 180, "task-eval": 180, "promptfoo": 180, "garak": 180,
    "cyclonedx": 90, "spdx": 90, "pip-licenses": 90, "python-env": 90,
    "model-card": 365, "license-record": 365, "model-scan": 90,
}
ID_PREFIX = {
    "lm-eval": "eval-lmeval", "inspect": "eval-inspect", "task-eval": "eval-task", "promptfoo": "eval-promptfoo",
    "garak": "redteam-garak", "model-card": "card", "cyclonedx": "sbom-cdx", "spdx": "sbom-spdx",
    "pip-licenses": "licenses-pip", "python-env": "licenses-pyenv", "license-record": "lic", "generic": "doc",
    "artifact-check": "check", "model-scan": "model-scan",
}


def max_artefact_bytes() -> int:
    """Largest artefact accepted (``RMFKIT_MAX_EVIDENCE_BYTES`` overrides the 1 GiB default)."""
    value = os.environ.get("RMFKIT_MAX_EVIDENCE_BYTES", "")
    return int(value) if value.isdigit() else DEFAULT_MAX_ARTEFACT_BYTES


def safe_file_name(name: str) -> str:
    """A plain file name for a stored artefact, whatever the origin path looked like.

    >>> safe_file_name("../../etc/passwd"), safe_file_name("my results (1).json"), safe_file_name("..")
    ('passwd', 'my_results_1_.json', 'artefact')
    """
    base = PurePath(name.replace("\\", "/")).name
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "_", base).lstrip("._-")
    if len(cleaned) > 120:
        stem, dot, suffix = cleaned.rpartition(".")
        cleaned = (stem[: 119 - len(suffix)] + dot + suffix) if dot and len(suffix) <= 10 else cleaned[:120]
    return cleaned if cleaned and cleaned.lower() != "evidence.yaml" else "artefact"  # also where case is ignored


def slug(text: str | None, limit: int = 40) -> str:
    """Lower-case id fragment.

    >>> slug("Llama-3.1-8B-Instruct")
    'llama-3.1-8b-instruct'
    """
    cleaned = re.sub(r"[^a-z0-9.]+", "-", (text or "").lower()).strip("-.")
    return cleaned[:limit].rstrip("-.")


def _parse_date(value: str | dt.date | None, option: str) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise UsageError(f"{option} '{value}' is not a date", hint="use YYYY-MM-DD") from None


# ---------------------------------------------------------------- phase 1: read, hash, parse

@dataclass
class Candidate:
    """One file ready to store: its bytes' hash, size, what the importer understood."""

    origin: str
    source: Path | bytes
    sha256: str
    size: int
    file: str
    parsed: Parsed


def _read_whole(path: Path, size: int) -> bytes:
    """A file's bytes in few system calls (``size``: from its stat, the first read's length)."""
    fd = os.open(path, os.O_RDONLY | OPEN_BINARY)
    try:
        chunks, want = [], size + 1
        while chunk := os.read(fd, want):
            chunks.append(chunk)
            want = 1024 * 1024
        return b"".join(chunks)
    finally:
        os.close(fd)


def _head(path: Path, size: int = 65536) -> bytes:
    with open(path, "rb") as handle:
        return handle.read(size)


def read_candidate(path: Path, kind: str | None = None, shown: str | None = None, *, keep: bool = True) -> Candidate:
    """Check, hash and parse one file (no writes). Hostile paths and sizes fail with one clear line.

    With ``keep``, a file up to :data:`KEEP_BYTES` is read once: the bytes parsed are the bytes stored.
    """
    shown = shown or str(path)
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        raise InputFileError("file not found", file=shown) from None
    except OSError as exc:
        raise InputFileError(f"cannot be read: {exc.strerror or exc}", file=shown) from None
    if stat.S_ISLNK(info.st_mode):
        raise InputFileError("is a symbolic link; rmfkit imports regular files only", file=shown)
    if stat.S_ISDIR(info.st_mode):
        raise InputFileError("is a directory, expected a file", file=shown)
    if not stat.S_ISREG(info.st_mode):
        raise InputFileError("is not a regular file (device, pipe or socket)", file=shown)
    limit = max_artefact_bytes()
    if info.st_size > limit:
        raise InputFileError(f"file is {info.st_size:,} bytes; the limit for an evidence artefact is {limit:,}",
                             file=shown, hint="set RMFKIT_MAX_EVIDENCE_BYTES to store larger files")
    if info.st_size <= MAX_PARSE_BYTES:
        try:
            data = _read_whole(path, info.st_size)
        except OSError as exc:
            raise InputFileError(f"cannot be read: {exc.strerror or exc}", file=shown) from None
        return Candidate(shown, data if keep and len(data) <= KEEP_BYTES else path, hashlib.sha256(data).hexdigest(),
                         len(data), safe_file_name(path.name), read_evidence(data, shown, kind))
    if kind not in (None, "generic"):
        raise InputFileError(f"file is {info.st_size:,} bytes; importers read files up to {MAX_PARSE_BYTES:,} bytes",
                             file=shown, hint="store it as is with --kind generic")
    return Candidate(shown, path, sha256_file(path), info.st_size, safe_file_name(path.name),
                     generic.parse(_head(path), shown))


def python_env_candidate() -> Candidate:
    """The current Python environment's license metadata as an artefact to import."""
    from rmfkit.library.importers import python_env

    data = python_env.snapshot()
    name = f"python-env-{today().isoformat()}.json"
    return Candidate("python environment", data, hashlib.sha256(data).hexdigest(), len(data), name,
                     read_evidence(data, name, "python-env"))


# ---------------------------------------------------------------- phase 2: store

@dataclass
class ImportOutcome:
    """What happened to one file: ``imported``, ``duplicate`` (same bytes as ``id``) or ``refused``
    (``message`` is the one-line reason naming the file)."""

    origin: str
    status: str
    id: str | None = None
    record: EvidenceRecord | None = None
    suggestions: list[tuple[str, str]] = field(default_factory=list)
    message: str | None = None


def read_candidates(files: Iterable[Path | str], kind: str | None = None, *, all_or_nothing: bool = False
                    ) -> list[Candidate | ImportOutcome]:
    """Phase 1 for a batch: a candidate per readable file, a refused outcome per bad one (or, with
    ``all_or_nothing``, the first bad file's error)."""
    items: list[Candidate | ImportOutcome] = []
    kept = 0
    for f in files:
        try:
            items.append(read_candidate(Path(f), kind, shown=str(f), keep=kept < KEEP_BATCH_BYTES))
            kept += len(items[-1].source) if isinstance(items[-1].source, bytes) else 0
        except InputFileError as exc:
            if all_or_nothing:
                raise
            items.append(ImportOutcome(str(f), "refused", message=str(exc)))
    return items


def new_id(parsed: Parsed, day: dt.date, taken: set[str]) -> str:
    """A readable id: ``<kind prefix>-<subject>-<YYYY-MM>`` (license records: ``lic-<subject>``)."""
    prefix = ID_PREFIX.get(parsed.kind, "doc")
    if parsed.kind == "promptfoo" and parsed.facts.get("redteam"):
        prefix = "redteam-promptfoo"
    subject = slug(parsed.subject) or slug(PurePath(parsed.title).stem, 24) or "item"
    base = f"{prefix}-{subject}" if parsed.kind == "license-record" else f"{prefix}-{subject}-{day:%Y-%m}"
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}-{n}", n + 1
    return candidate


def _components_and_subcategories(ws: Workspace, components: Iterable[str], subcategories: Iterable[str]
                                  ) -> tuple[list[str], list[str]]:
    import difflib

    from rmfkit.catalog import load_catalog

    known = [c.id for c in ws.system.components]
    for component in components:
        if component not in known:
            close = difflib.get_close_matches(component, known, n=3)
            raise UnknownIdError(f"unknown component '{component}'",
                                 hint=("did you mean " + ", ".join(close) + "?") if close else
                                 "component ids are listed in system.yaml")
    catalog = load_catalog()
    return list(dict.fromkeys(components)), list(dict.fromkeys(catalog.subcategory(s).id for s in subcategories))


def _declared_build(ws: Workspace, build: str | None, components: list[str]) -> dict | None:
    """``--build``: the build named (a component id, digest or REPOSITORY@REVISION), marked as declared."""
    from rmfkit.builds import parse_build_ref

    if build is None:
        return None
    component, named = parse_build_ref(build, ws.system)
    if component is not None and components and component not in components:
        raise UsageError(f"--build names the build of '{component}', but the evidence is linked to "
                         f"{', '.join(components)}", hint="add --component " + component)
    return {**named.model_dump(exclude_none=True), "source": "declared"}


def _record(cand: Candidate, eid: str, day: dt.date, now: dt.datetime, options: dict) -> EvidenceRecord:
    parsed = cand.parsed
    values = {"id": eid, "title": options["title"] or parsed.title, "kind": parsed.kind, "file": cand.file,
              "sha256": cand.sha256, "size": cand.size, "imported_at": now,
              "source": {k: v for k, v in {"tool": parsed.tool, "tool_version": parsed.tool_version,
                                           "url": parsed.url, "origin": PurePath(cand.origin).name}.items() if v},
              "facts": {k: v for k, v in parsed.facts.items() if k != "build"}}
    optional = {"collected_at": day, "valid_until": options["valid"], "owner": options["owner"],
                "components": options["components"], "subcategories": options["subcategories"],
                "example_data": options["example_data"] or None,
                "build": options.get("build") or parsed.facts.get("build")}  # --build wins over the file's
    values.update({k: v for k, v in optional.items() if v})
    if not options["valid"] and REVIEW_INTERVAL_DAYS.get(parsed.kind):
        values["review_interval_days"] = REVIEW_INTERVAL_DAYS[parsed.kind]
    return EvidenceRecord.model_validate(values)


def import_candidates(ws: Workspace, candidates: list[Candidate | ImportOutcome], *, components: Iterable[str] = (),
                      subcategories: Iterable[str] = (), collected_at: str | dt.date | None = None,
                      valid_until: str | dt.date | None = None, title: str | None = None,
                      evidence_id: str | None = None, owner: str | None = None, example_data: bool = False,
                      all_or_nothing: bool = False, build: str | None = None) -> list[ImportOutcome]:
    """Store parsed candidates in the workspace and return what happened to each item, in order.

    ``build`` declares the model build the evidence was produced on (a component id, a digest or
    ``REPOSITORY@REVISION``: :func:`rmfkit.builds.parse_build_ref`); without it, the build the file states.

    Refused outcomes from phase 1 pass through; a candidate that fails while being stored is refused
    and its folder removed (with ``all_or_nothing``, the error is raised and nothing is stored).
    """
    from pydantic import ValidationError

    if evidence_id is not None:
        if len(candidates) != 1:
            raise UsageError("--id names one item; import one file at a time with --id")
        if not ID_PATTERN.match(evidence_id):
            raise UsageError(f"--id '{evidence_id}' may hold only letters, digits, '.', '_' and '-'")
    if title is not None and len(candidates) != 1:
        raise UsageError("--title names one item; import one file at a time with --title")
    options = {"title": title, "owner": owner, "example_data": example_data,
               "collected": _parse_date(collected_at, "--collected-at"), "valid": _parse_date(valid_until, "--valid-until")}
    outcomes: list[ImportOutcome] = []
    stored: dict[str, EvidenceRecord] = {}
    sidecar_sha256: dict[str, str] = {}
    ws.skip = ()  # writing needs every record: duplicate detection and free ids
    batch = FolderBatch(ws.path("evidence"))
    try:
        with ws.edit(), batch:
            options["components"], options["subcategories"] = _components_and_subcategories(ws, components, subcategories)
            options["build"] = _declared_build(ws, build, options["components"])
            existing = {rec.sha256: eid for eid, rec in ws.evidence.items()}
            taken = set(ws.evidence) | {p.name for p in batch.parent.iterdir()}
            if evidence_id is not None and evidence_id in taken:
                raise UsageError(f"evidence '{evidence_id}' already exists", hint="choose another --id")
            now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
            for cand in candidates:
                if not isinstance(cand, Candidate):
                    outcomes.append(cand)
                    continue
                if cand.sha256 in existing:
                    outcomes.append(ImportOutcome(cand.origin, "duplicate", existing[cand.sha256]))
                    continue
                day = options["collected"] or cand.parsed.collected_at or today()
                eid = evidence_id or new_id(cand.parsed, day, taken)
                taken.add(eid)
                staged = batch.folder(eid)
                try:  # staged in the batch's hidden folder; published with the batch once every record is valid
                    if batch.copy(cand.source, staged / cand.file) != cand.sha256:
                        raise InputFileError("changed while it was being imported; nothing was stored", file=cand.origin,
                                             hint="import it again once the tool writing it has finished")
                    record = _record(cand, eid, day, now, options)
                    sidecar = record_bytes(record)  # as save() would write it: the staged folder is complete
                    batch.write(staged / "evidence.yaml", sidecar)
                except (InputFileError, ValidationError) as exc:
                    if all_or_nothing:
                        raise
                    batch.discard(staged)
                    reason = str(exc) if isinstance(exc, InputFileError) else \
                        f"{cand.origin}: {exc.errors()[0]['msg']} (field {'.'.join(map(str, exc.errors()[0]['loc']))})"
                    outcomes.append(ImportOutcome(cand.origin, "refused", message=reason))
                    continue
                ws.put(f"evidence/{eid}/evidence.yaml", record, written=sidecar)
                existing[cand.sha256] = eid
                stored[eid], sidecar_sha256[eid] = record, hashlib.sha256(sidecar).hexdigest()
                outcomes.append(ImportOutcome(cand.origin, "imported", eid, record,
                                              [s for s in suggest_subcategories(record)
                                               if s[0] not in options["subcategories"]]))
            batch.publish()
            for eid in stored:
                for sub in options["subcategories"]:
                    link_in_mapping(ws, sub, eid)
    except BaseException:  # saving the links failed or was interrupted: the new items go too (no other
        batch.unpublish()   # process can have made a folder of the same name, nor linked one it never saw saved)
        raise
    if stored:  # one index update per batch
        evidence_index.add_entries(ws.path(evidence_index.INDEX_NAME), ws.path("evidence"), stored,
                                   lambda data: ws.write_artifact(evidence_index.INDEX_NAME, data), sidecar_sha256)
    return outcomes


def link_in_mapping(ws: Workspace, subcategory: str, evidence_id: str) -> None:
    """Add ``evidence_id`` to a subcategory's assessment (inside ``ws.edit()``) through
    :meth:`Workspace.record_assessment` (every rule checked); status and ``last_reviewed`` stay as they
    were, since linking an item is not a review of the decision.

    >>> import tempfile, pathlib
    >>> ws = Workspace.create(pathlib.Path(tempfile.mkdtemp()) / "ws", system_id="demo", name="Demo", owner="me")
    >>> note = pathlib.Path(tempfile.mkdtemp()) / "notes.txt"; _ = note.write_text("minutes")
    >>> [o.id for o in import_files(ws, [note], subcategories=["MAP 4.1"], collected_at="2026-01-15")]
    ['doc-notes-2026-01']
    >>> a = ws.assessment("MAP 4.1"); (a.status, a.evidence, a.last_reviewed)
    ('not_assessed', ['doc-notes-2026-01'], None)
    >>> with ws.edit():
    ...     link_in_mapping(ws, "MAP 4.1", "doc-notes-2026-02")
    Traceback (most recent call last):
    rmfkit.errors.UnknownIdError: unknown evidence 'doc-notes-2026-02' (did you mean doc-notes-2026-01?)
    """
    current = ws.assessment(subcategory)
    if evidence_id not in current.evidence:
        ws.record_assessment(subcategory, add_evidence=[evidence_id], last_reviewed=current.last_reviewed)


def import_files(ws: Workspace, files: Iterable[Path | str], *, kind: str | None = None,
                 all_or_nothing: bool = False, **options) -> list[ImportOutcome]:
    """Read, check and parse every file, then store the valid ones; bad files are refused one by one
    (``all_or_nothing``: the first bad file stops everything, nothing is stored)."""
    candidates = read_candidates(files, kind, all_or_nothing=all_or_nothing)
    return import_candidates(ws, candidates, all_or_nothing=all_or_nothing, **options)
