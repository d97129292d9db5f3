"""The evidence store: import files into a workspace, list and verify them, pull from the library, drift.

Import happens in two phases: every file is read, hashed and parsed first (nothing is written, so a
bad file leaves the workspace unchanged), then all are stored under the workspace lock. Artefacts
are copied streaming and re-hashed after the copy; the same bytes imported twice are detected.

>>> import tempfile, pathlib
>>> from rmfkit.workspace import Workspace
>>> ws = Workspace.create(pathlib.Path(tempfile.mkdtemp()) / "ws", system_id="demo", name="Demo", owner="me")
>>> notes = ws.root.parent / "notes.md"
>>> _ = notes.write_text("# Review notes\\n")
>>> [o.status for o in import_files(ws, [notes]) + import_files(ws, [notes])]
['imported', 'duplicate']
"""
from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import shutil
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path, PurePath
from typing import Callable, Iterable

from rmfkit.errors import InputFileError, IntegrityError, Problem, UnknownIdError, UsageError, ValidationFailed
from rmfkit.library import index as evidence_index
from rmfkit.library.facts import diff_facts, facts_sha256
from rmfkit.library.freshness import EvidenceCheck, check_item, check_records, sha256_file
from rmfkit.library.importers import MAX_PARSE_BYTES, Parsed, read_evidence
from rmfkit.library.importers import generic
from rmfkit.library.suggestions import suggest_subcategories
from rmfkit.models.evidence import EvidenceRecord
from rmfkit.workspace import Workspace, atomic_write_bytes, read_user_file, today

DEFAULT_MAX_ARTEFACT_BYTES = 1024 ** 3
ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")

# How long evidence stays fresh when neither --valid-until nor the library says otherwise (days).
REVIEW_INTERVAL_DAYS = {
    "lm-eval": 180, "inspect": 180, "task-eval": 180, "promptfoo": 180, "garak": 180,
    "cyclonedx": 90, "spdx": 90, "pip-licenses": 90, "python-env": 90,
    "model-card": 365, "license-record": 365,
}
ID_PREFIX = {
    "lm-eval": "eval-lmeval", "inspect": "eval-inspect", "task-eval": "eval-task", "promptfoo": "eval-promptfoo",
    "garak": "redteam-garak", "model-card": "card", "cyclonedx": "sbom-cdx", "spdx": "sbom-spdx",
    "pip-licenses": "licenses-pip", "python-env": "licenses-pyenv", "license-record": "lic", "generic": "doc",
    "artifact-check": "check",
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
    return cleaned if cleaned and cleaned != "evidence.yaml" else "artefact"


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


def _head(path: Path, size: int = 65536) -> bytes:
    with open(path, "rb") as handle:
        return handle.read(size)


def read_candidate(path: Path, kind: str | None = None, shown: str | None = None) -> Candidate:
    """Check, hash and parse one file (no writes). Hostile paths and sizes fail with one clear line."""
    shown = shown or str(path)
    if path.is_symlink():
        raise InputFileError("is a symbolic link; rmfkit imports regular files only", file=shown)
    if not path.exists():
        raise InputFileError("file not found", file=shown)
    if path.is_dir():
        raise InputFileError("is a directory, expected a file", file=shown)
    if not path.is_file():
        raise InputFileError("is not a regular file (device, pipe or socket)", file=shown)
    size = path.stat().st_size
    limit = max_artefact_bytes()
    if size > limit:
        raise InputFileError(f"file is {size:,} bytes; the limit for an evidence artefact is {limit:,}", file=shown,
                             hint="set RMFKIT_MAX_EVIDENCE_BYTES to store larger files")
    if size <= MAX_PARSE_BYTES:
        data = read_user_file(path, shown, MAX_PARSE_BYTES)
        return Candidate(shown, path, hashlib.sha256(data).hexdigest(), len(data), safe_file_name(path.name),
                         read_evidence(data, shown, kind))
    if kind not in (None, "generic"):
        raise InputFileError(f"file is {size:,} bytes; importers read files up to {MAX_PARSE_BYTES:,} bytes",
                             file=shown, hint="store it as is with --kind generic")
    return Candidate(shown, path, sha256_file(path), size, safe_file_name(path.name),
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
    origin: str
    status: str  # imported | duplicate
    id: str
    record: EvidenceRecord | None = None
    suggestions: list[tuple[str, str]] = field(default_factory=list)


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


def _store_copy(ws: Workspace, rel: str, candidate_source: Path | bytes, sha256: str, origin: str) -> None:
    ws.write_artifact(rel, candidate_source)
    if sha256_file(ws.path(rel)) != sha256:
        raise InputFileError("changed while it was being imported; nothing was stored", file=origin,
                             hint="import it again once the tool writing it has finished")


def import_candidates(ws: Workspace, candidates: list[Candidate], *, components: Iterable[str] = (),
                      subcategories: Iterable[str] = (), collected_at: str | dt.date | None = None,
                      valid_until: str | dt.date | None = None, title: str | None = None,
                      evidence_id: str | None = None, owner: str | None = None,
                      example_data: bool = False) -> list[ImportOutcome]:
    """Store parsed candidates in the workspace (all or nothing) and return what happened to each."""
    collected = _parse_date(collected_at, "--collected-at")
    valid = _parse_date(valid_until, "--valid-until")
    if evidence_id is not None:
        if len(candidates) != 1:
            raise UsageError("--id names one item; import one file at a time with --id")
        if not ID_PATTERN.match(evidence_id):
            raise UsageError(f"--id '{evidence_id}' may hold only letters, digits, '.', '_' and '-'")
    if title is not None and len(candidates) != 1:
        raise UsageError("--title names one item; import one file at a time with --title")
    outcomes: list[ImportOutcome] = []
    created: list[Path] = []
    stored: dict[str, EvidenceRecord] = {}
    ws.skip = ()  # writing needs every record: duplicate detection and free ids
    try:
        with ws.edit():
            comps, subs = _components_and_subcategories(ws, components, subcategories)
            existing = {rec.sha256: eid for eid, rec in ws.evidence.items()}
            evidence_root = ws.path("evidence")
            taken = set(ws.evidence) | ({p.name for p in evidence_root.iterdir()} if evidence_root.is_dir() else set())
            if evidence_id is not None and evidence_id in taken:
                raise UsageError(f"evidence '{evidence_id}' already exists", hint="choose another --id")
            now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
            for cand in candidates:
                if cand.sha256 in existing:
                    outcomes.append(ImportOutcome(cand.origin, "duplicate", existing[cand.sha256]))
                    continue
                parsed = cand.parsed
                day = collected or parsed.collected_at or today()
                eid = evidence_id or new_id(parsed, day, taken)
                taken.add(eid)
                folder = ws.path(f"evidence/{eid}")
                created.append(folder)
                _store_copy(ws, f"evidence/{eid}/{cand.file}", cand.source, cand.sha256, cand.origin)
                values = {"id": eid, "title": title or parsed.title, "kind": parsed.kind, "file": cand.file,
                          "sha256": cand.sha256, "size": cand.size, "imported_at": now,
                          "source": {k: v for k, v in {"tool": parsed.tool, "tool_version": parsed.tool_version,
                                                       "url": parsed.url, "origin": PurePath(cand.origin).name
                                                       }.items() if v},
                          "facts": parsed.facts}
                optional = {"collected_at": day, "valid_until": valid, "owner": owner,
                            "components": comps, "subcategories": subs, "example_data": example_data or None}
                values.update({k: v for k, v in optional.items() if v})
                if not valid and REVIEW_INTERVAL_DAYS.get(parsed.kind):
                    values["review_interval_days"] = REVIEW_INTERVAL_DAYS[parsed.kind]
                record = EvidenceRecord.model_validate(values)
                ws.put(f"evidence/{eid}/evidence.yaml", record)
                existing[cand.sha256] = eid
                stored[eid] = record
                outcomes.append(ImportOutcome(cand.origin, "imported", eid, record,
                                              [s for s in suggest_subcategories(record) if s[0] not in subs]))
            for eid in stored:
                for sub in subs:
                    link_in_mapping(ws, sub, eid)
    except BaseException:
        for folder in created:
            shutil.rmtree(folder, ignore_errors=True)
        raise
    if stored:
        evidence_index.add_entries(ws.path(evidence_index.INDEX_NAME), ws.path("evidence"), stored,
                                   lambda data: ws.write_artifact(evidence_index.INDEX_NAME, data))
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


def import_files(ws: Workspace, files: Iterable[Path | str], *, kind: str | None = None, **options
                 ) -> list[ImportOutcome]:
    """Read, check and parse every file, then store them all (nothing is stored if one is bad)."""
    candidates = [read_candidate(Path(f), kind, shown=str(f)) for f in files]
    return import_candidates(ws, candidates, **options)


# ---------------------------------------------------------------- listing and verifying

def workspace_listing(ws: Workspace) -> evidence_index.Listing:
    """The workspace's evidence through the index (fast on large workspaces), with folder/id checks."""
    listing = evidence_index.read_folder(
        ws.path("evidence"), ws.root / evidence_index.INDEX_NAME, ws.read_record,
        save=lambda data: ws.write_artifact(evidence_index.INDEX_NAME, data), rel_prefix="evidence/")
    for folder, record in listing.records.items():
        if folder != record.id:
            listing.problems.append(Problem(f"evidence/{folder}/evidence.yaml",
                                            f"id '{record.id}' does not match its folder '{folder}'", field="id"))
    return listing


def evidence_records(ws: Workspace) -> dict[str, EvidenceRecord]:
    """Valid evidence records by id; schema problems stop the command (exit 3)."""
    listing = workspace_listing(ws)
    if listing.problems:
        raise ValidationFailed(listing.problems)
    return {record.id: record for record in listing.records.values()}


def list_evidence(ws: Workspace, day: dt.date | None = None) -> list[tuple[EvidenceRecord, EvidenceCheck]]:
    """Every item with its status; an artefact is re-hashed whenever its file changed since it was last
    hashed (``verify`` re-hashes every byte)."""
    records = evidence_records(ws)
    checks = check_records(ws, records.values(), day or today(), cached=True)
    return [(records[eid], checks[eid]) for eid in sorted(records)]


LINK_ORDER = ("mapping", "risk", "operations", "pilot", "component", "declared")


@dataclass(frozen=True)
class Link:
    """One thing an evidence item supports: ``via`` is mapping | risk | operations | pilot | component
    (linked in the workspace) or declared (a subcategory the item names itself, not linked in the mapping).

    >>> Link("updates.rollback", "operations").label(), Link("MAP 4.1", "declared").label()
    ('ops updates.rollback', 'MAP 4.1')
    """

    id: str
    via: str

    def label(self) -> str:
        """``MAP 4.1``, ``risk R-0003``, ``ops updates.rollback``, ``pilot step 5``, ``component vllm``."""
        prefix = {"risk": "risk ", "operations": "ops ", "pilot": "pilot step ", "component": "component "}
        return prefix.get(self.via, "") + self.id


def evidence_links(ws: Workspace, records: dict[str, EvidenceRecord]) -> dict[str, list[Link]]:
    """What each evidence item supports, by id: where the workspace links it (mapping, risks, operations
    checklist and pilot, components), then the subcategories it declares itself but the mapping does not
    link it to."""
    from rmfkit.catalog import subcategory_sort_key

    linked: dict[str, dict[tuple[str, str], None]] = {eid: {} for eid in records}

    def add(evidence_ids: Iterable[str], target: str, via: str) -> None:
        for eid in evidence_ids:
            if eid in linked:
                linked[eid][(target, via)] = None

    for sub_id, assessment in ws.assessments().items():
        add(assessment.evidence, sub_id, "mapping")
    for risk in ws.risks.values():
        add(risk.evidence, risk.id, "risk")
    operations = ws.records.get("operations.yaml")
    if operations is not None:
        for item in operations.checklist:
            add(item.evidence, item.id, "operations")
        for step in operations.pilot:
            add(step.evidence, str(step.step), "pilot")
    system = ws.records.get("system.yaml")
    for component in system.components if system is not None else []:
        add(component.evidence, component.id, "component")
    result = {}
    for eid, record in records.items():
        links = [Link(target, via) for target, via in linked[eid]]
        mapped = {link.id for link in links if link.via == "mapping"}
        links.sort(key=lambda link: (LINK_ORDER.index(link.via),
                                     subcategory_sort_key(link.id) if link.via == "mapping" else (),
                                     int(link.id) if link.via == "pilot" else 0, link.id))
        result[eid] = links + [Link(sub, "declared") for sub in record.subcategories if sub not in mapped]
    return result


def verify(ws: Workspace, day: dt.date | None = None, progress: Callable[[int], None] | None = None,
           workers: int | None = None) -> dict[str, EvidenceCheck]:
    """Re-hash every artefact (streaming, files in parallel); raise IntegrityError naming each failure."""
    day = day or today()
    records = evidence_records(ws)

    def check(record: EvidenceRecord) -> EvidenceCheck:
        result = check_item(ws, record, day)
        if progress is not None:
            progress(record.size)
        return result

    with ThreadPoolExecutor(max_workers=workers or min(8, os.cpu_count() or 1)) as pool:
        checks = {c.id: c for c in pool.map(check, [records[k] for k in sorted(records)])}
    failures = [f"{c.id}: {c.reason}" for c in checks.values() if c.status in ("missing", "hash_mismatch")]
    if failures:
        raise IntegrityError(f"{len(failures)} of {len(checks)} evidence item(s) failed verification",
                             failures=failures)
    return checks


def status_counts(ws: Workspace, day: dt.date | None = None) -> dict | None:
    """Counts per evidence status and the items that are not ok; None when there is no evidence yet."""
    from rmfkit.library.freshness import check_all
    from rmfkit.models.evidence import EVIDENCE_STATUSES

    checks = check_all(ws, day, cached=True)
    if not checks:
        return None
    counts = {status: sum(1 for c in checks.values() if c.status == status) for status in EVIDENCE_STATUSES}
    return {"total": len(checks), **counts,
            "attention": [{"id": c.id, "status": c.status, "reason": c.reason}
                          for c in checks.values() if c.status != "ok"]}


# ---------------------------------------------------------------- the library

class Library:
    """A folder of ``<id>/evidence.yaml + artefact`` items that workspaces pull from (read-only here)."""

    def __init__(self, root: Path):
        self.root = Path(root).resolve()

    @classmethod
    def for_workspace(cls, ws: Workspace) -> "Library":
        from rmfkit.paths import library_dir

        return cls(library_dir(ws.root, ws.settings.library))

    def _read(self, rel: str) -> tuple[EvidenceRecord | None, list[Problem]]:
        from pydantic import ValidationError

        from rmfkit.safeparse import parse_yaml
        from rmfkit.workspace import _plain, describe_validation_error

        try:
            doc = parse_yaml(read_user_file(self.root / rel, rel), rel)
            return EvidenceRecord.model_validate({k: v for k, v in _plain(doc).items()}), []
        except InputFileError as exc:
            return None, [Problem(rel, exc.message, exc.line, exc.field)]
        except ValidationError as exc:
            return None, [Problem(rel, msg, None, fld) for fld, msg in map(describe_validation_error, exc.errors())]

    def _save_index(self, data: bytes) -> None:
        try:
            atomic_write_bytes(self.root / evidence_index.INDEX_NAME, data)
        except OSError:
            pass  # a read-only library is listed without a cache

    def listing(self) -> evidence_index.Listing:
        return evidence_index.read_folder(self.root, self.root / evidence_index.INDEX_NAME, self._read,
                                          save=self._save_index)

    def get(self, evidence_id: str, listing: evidence_index.Listing | None = None) -> EvidenceRecord:
        """One library item; unknown ids get close matches, broken sidecars a clear line."""
        import difflib

        listing = listing or self.listing()
        broken = [p for p in listing.problems if p.file.split("/", 1)[0] == evidence_id]
        if broken:
            problem = broken[0]
            raise InputFileError(f"library item is invalid: {problem.message}", file=f"library {problem.file}",
                                 line=problem.line, field=problem.field)
        if evidence_id not in listing.records:
            close = difflib.get_close_matches(evidence_id, list(listing.records), n=3)
            raise UnknownIdError(f"the library has no item '{evidence_id}'",
                                 hint=("did you mean " + ", ".join(close) + "?") if close else
                                 "list it with `rmfkit evidence ls --library`")
        record = listing.records[evidence_id]
        if record.id != evidence_id:
            raise InputFileError(f"id '{record.id}' does not match its folder", file=f"library {evidence_id}/evidence.yaml")
        return record

    def artefact(self, record: EvidenceRecord) -> Path:
        """The checked artefact path of a library item (regular file inside the library, hash as recorded)."""
        path = self.root / record.id / record.file
        shown = f"library {record.id}/{record.file}"
        if path.is_symlink() or not path.is_file():
            raise IntegrityError(f"library item {record.id}: artefact {record.file} is missing or not a regular file",
                                 failures=[f"{record.id}: {shown} missing"])
        if sha256_file(path) != record.sha256:
            raise IntegrityError(f"library item {record.id}: artefact {record.file} does not match its recorded SHA-256",
                                 failures=[f"{record.id}: {shown} altered"])
        return path


# ---------------------------------------------------------------- pull and drift

@dataclass
class PullOutcome:
    id: str
    status: str  # pulled | updated | up_to_date
    changes: list[str] = field(default_factory=list)


def pull(ws: Workspace, ids: Iterable[str], library: Library | None = None) -> list[PullOutcome]:
    """Copy library items into the workspace, keeping library id, hash and a hash of the facts."""
    library = library or Library.for_workspace(ws)
    listing = library.listing()
    wanted = [(library.get(eid, listing)) for eid in dict.fromkeys(ids)]
    artefacts = {rec.id: library.artefact(rec) for rec in wanted}
    outcomes: list[PullOutcome] = []
    created: list[Path] = []
    stored: dict[str, EvidenceRecord] = {}
    ws.skip = ()  # writing needs every record
    try:
        with ws.edit():
            now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
            for lib in wanted:
                current = ws.evidence.get(lib.id)
                facts_hash = facts_sha256(lib.facts)
                if current is not None and current.library_id != lib.id:
                    raise UsageError(f"the workspace already has evidence '{lib.id}' that was not pulled from the "
                                     "library", hint="rename or remove it before pulling")
                if current is not None and (current.library_sha256, current.library_facts_sha256) == (lib.sha256, facts_hash):
                    outcomes.append(PullOutcome(lib.id, "up_to_date"))
                    continue
                changes = describe_drift(current, lib) if current is not None else []
                if not (ws.root / "evidence" / lib.id).exists():
                    created.append(ws.root / "evidence" / lib.id)
                rel = f"evidence/{lib.id}/{lib.file}"
                _store_copy(ws, rel, artefacts[lib.id], lib.sha256, f"library {lib.id}/{lib.file}")
                if current is not None and current.file != lib.file:
                    ws.path(f"evidence/{lib.id}/{current.file}").unlink(missing_ok=True)
                values = {**lib.model_dump(exclude_unset=True), "library_id": lib.id, "library_sha256": lib.sha256,
                          "library_facts_sha256": facts_hash, "pulled_at": now}
                if current is not None:
                    values["components"] = current.components or lib.components
                    values["subcategories"] = list(dict.fromkeys([*current.subcategories, *lib.subcategories]))
                    if current.owner:
                        values["owner"] = current.owner
                record = EvidenceRecord.model_validate(values)
                ws.put(f"evidence/{lib.id}/evidence.yaml", record)
                stored[lib.id] = record
                outcomes.append(PullOutcome(lib.id, "updated" if current is not None else "pulled", changes))
    except BaseException:
        for folder in created:
            shutil.rmtree(folder, ignore_errors=True)
        raise
    if stored:
        evidence_index.add_entries(ws.root / evidence_index.INDEX_NAME, ws.path("evidence"), stored,
                                   lambda data: ws.write_artifact(evidence_index.INDEX_NAME, data))
    return outcomes


def describe_drift(pulled: EvidenceRecord, lib: EvidenceRecord) -> list[str]:
    """What changed in the library copy since ``pulled`` was pulled, one line per change."""
    changes = diff_facts(pulled.facts, lib.facts)
    if pulled.library_sha256 != lib.sha256:
        changes.append(f"artefact: SHA-256 {str(pulled.library_sha256)[:12]}… → {lib.sha256[:12]}…")
    for name in ("title", "valid_until", "file"):
        before, after = getattr(pulled, name), getattr(lib, name)
        if before != after:
            changes.append(f"{name}: {before} → {after}")
    return changes


@dataclass
class Drift:
    id: str
    library_id: str
    status: str  # changed | removed
    changes: list[str]


def check_drift(ws: Workspace, library: Library | None = None, ids: Iterable[str] = ()) -> list[Drift]:
    """Pulled items whose library copy changed (or vanished) since the pull, with what changed."""
    library = library or Library.for_workspace(ws)
    listing = library.listing()
    records = evidence_records(ws)
    wanted = set(ids)
    for eid in sorted(wanted - set(records)):
        import difflib

        close = difflib.get_close_matches(eid, list(records), n=3)
        raise UnknownIdError(f"unknown evidence '{eid}'", hint=("did you mean " + ", ".join(close) + "?") if close
                             else "list items with `rmfkit evidence ls`")
    drifts = []
    for eid, record in sorted(records.items()):
        if not record.library_id or (wanted and eid not in wanted):
            continue
        lib = listing.records.get(record.library_id)
        if lib is None:
            drifts.append(Drift(eid, record.library_id, "removed", ["the library no longer has this item"]))
            continue
        if (record.library_sha256, record.library_facts_sha256) != (lib.sha256, facts_sha256(lib.facts)):
            drifts.append(Drift(eid, record.library_id, "changed", describe_drift(record, lib)))
    return drifts
