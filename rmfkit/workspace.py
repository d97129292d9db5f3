"""The Workspace: the only code that reads or writes workspace files.

It finds the workspace (upward from a directory), loads every file into typed records, collects every
schema problem with file, line and field, and saves with round-trip YAML (comments, key order and
``x-`` keys survive; an unchanged record is never rewritten), atomically and under a lock.

>>> import tempfile, pathlib
>>> ws = Workspace.create(pathlib.Path(tempfile.mkdtemp()) / "ws", system_id="demo", name="Demo", owner="me")
>>> with ws.edit():
...     _ = ws.set_assessment("MEASURE 2.10", status="met", owner="dpo")
>>> ws.assessment("MEASURE 2.10").status
'met'
"""
from __future__ import annotations

import contextlib
import datetime as dt
import os
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Iterator

from pydantic import ValidationError

from rmfkit.clock import today
from rmfkit.errors import (InputFileError, Problem, ProblemList, UnknownIdError, UsageError, ValidationFailed,
                           WorkspaceNotFound)
from rmfkit.fileio import LOCK_NAME, atomic_write_bytes, copy_atomic, ensure_gitignore, read_user_file
from rmfkit.models.base import EXTENSION_PREFIX, Record
from rmfkit.models.evidence import EvidenceRecord
from rmfkit.models.mapping import MAPPING_FILES, MappingFile, SubcategoryAssessment
from rmfkit.models.risk import Risk
from rmfkit.models.settings import WorkspaceSettings
from rmfkit.models.system import SystemProfile
from rmfkit.paths import MARKER, find_workspace_root
from rmfkit.records import RECORD_KINDS, RecordKind, Records, kind_of, record_bytes, record_data, validate_data
from rmfkit.safeparse import MAX_YAML_BYTES, parse_yaml, parse_yaml_plain
from rmfkit.wording import describe_validation_error
from rmfkit.yamlio import dump_yaml, equal, key_problems, line_of, merge_into, plain

if TYPE_CHECKING:
    from rmfkit.library.freshness import EvidenceChecks

LOCK_TIMEOUT_S = 60


# ---------------------------------------------------------------- the workspace

class Workspace:
    """A governed system's folder: typed records in, round-trip YAML out.

    Reading is fast: files are parsed with the C-accelerated safe loader into plain data. The round-trip
    parser (comments, key order, line numbers) runs only for a file that is saved or whose problems need
    a line number.
    """

    def __init__(self, root: Path | str, *, skip: tuple[str, ...] = (), read_only: bool = False):
        self.root = Path(root).resolve()
        self.skip = tuple(skip)  # kind names not loaded (a listing reads them through an index instead)
        self.read_only = read_only  # roll-ups: saving is refused
        self.records: dict[str, Record] = {}
        self._docs: dict[str, Any] = {}  # plain data as read (or as last saved), by relative path
        self._raw: dict[str, bytes] = {}  # the bytes those were read from
        self._round_trip: dict[str, Any] = {}  # round-trip documents, parsed when first needed
        self._kinds: dict[str, RecordKind] = {}
        self.problems: list[Problem] = []
        self._current: Records | None = None
        self.load()

    # ---- finding and creating
    @classmethod
    def open(cls, path: Path | str | None = None, *, skip: tuple[str, ...] = (),
             read_only: bool = False) -> "Workspace":
        """Open the workspace at ``path`` or the nearest one above the current directory.

        ``read_only=True`` parses with the fast plain loader (no comments, no line numbers) and refuses to save.
        """
        if path is not None and not Path(path).exists():
            raise WorkspaceNotFound(f"folder {path} does not exist", hint="create it with `rmfkit init DIR`")
        if path is not None and not Path(path).is_dir():
            raise WorkspaceNotFound(f"{path} is a file, not a workspace folder",
                                    hint="pass the folder that holds rmfkit.yaml")
        return cls(find_workspace_root(path), skip=skip, read_only=read_only)

    @classmethod
    def create(cls, root: Path | str, *, system_id: str, name: str, owner: str,
               purpose: str = "Describe what the system is for.", deployment_pattern: str = "self_hosted"
               ) -> "Workspace":
        """A new, valid, empty workspace (all 72 subcategories start as ``not_assessed``)."""
        root = Path(root)
        if (root / MARKER).exists():
            raise InputFileError("already holds a workspace", file=str(root / MARKER))
        root.mkdir(parents=True, exist_ok=True)
        settings = WorkspaceSettings(system_id=system_id)
        system = SystemProfile(id=system_id, name=name, owner=owner, purpose=purpose,
                               deployment_pattern=deployment_pattern)
        atomic_write_bytes(root / MARKER, record_bytes(settings))
        atomic_write_bytes(root / "system.yaml", record_bytes(system))
        ensure_gitignore(root)
        ws = cls(root)
        with ws.edit():
            for function, rel in MAPPING_FILES.items():
                ws.put(rel, MappingFile(function=function, subcategories={}))
        return ws

    # ---- loading
    def path(self, rel: str) -> Path:
        """Absolute path of a workspace-relative path; refuses anything that escapes the workspace."""
        candidate = (self.root / rel).resolve()
        if candidate != self.root and self.root not in candidate.parents:
            raise InputFileError("path leaves the workspace", file=rel)
        return candidate

    def kind_of(self, rel: str) -> RecordKind | None:
        return kind_of(rel)

    def _discover(self) -> list[str]:
        found: list[str] = []
        for kind in (k for k in RECORD_KINDS if k.name not in self.skip):
            matches = sorted(p for p in self.root.glob(kind.pattern)  # hidden: staging left by an interrupted write
                             if not any(part.startswith(".") for part in p.relative_to(self.root).parts))
            if kind.required and not matches:
                self.problems.append(Problem(kind.pattern, "required file is missing"))
            found.extend(p.relative_to(self.root).as_posix() for p in matches)
        return found

    def load(self) -> Records:
        """(Re)read every workspace file and return them as frozen :class:`Records`.

        Unreadable files raise; schema problems are collected (``records.problems``).
        """
        self.records.clear()
        self._docs.clear()
        self._raw.clear()
        self._round_trip.clear()
        self._kinds.clear()
        self.problems = []
        self._current = None
        for rel in self._discover():
            kind = self.kind_of(rel)
            data = read_user_file(self.root / rel, rel, MAX_YAML_BYTES)
            self._raw[rel] = data
            doc = self._parse(rel, data)
            self._docs[rel] = doc
            self._kinds[rel] = kind
            record = self._validate_doc(rel, kind, doc)
            if record is not None:
                self.records[rel] = record
        return self.current()

    def current(self) -> Records:
        """The records as they stand now (including unsaved edits), frozen."""
        if self._current is None:
            self._current = self._freeze()
        return self._current

    def _freeze(self) -> Records:
        return Records(dict(self.records), kinds={rel: k.name for rel, k in self._kinds.items()},
                       problems=tuple(self.problems),
                       broken={rel: doc for rel, doc in self._docs.items() if rel not in self.records},
                       locate=self.locate, reviews=self._reviews())

    def _reviews(self) -> tuple[str, ...]:
        """Labels of the frozen snapshots in ``reviews/`` (folders holding a bundle)."""
        folder = self.root / "reviews"
        if not folder.is_dir():
            return ()
        return tuple(sorted(p.name for p in folder.iterdir() if not p.name.startswith(".")
                            and (p / "bundle.json").is_file()))

    def _validate_doc(self, rel: str, kind: RecordKind, doc: Any) -> Record | None:
        """Validate a file's data; when it has problems, validate its round-trip document again so each
        problem names its line."""
        record, problems = self._check(rel, kind, doc)
        if problems and rel in self._raw:
            record, problems = self._check(rel, kind, self.round_trip(rel))
        self.problems.extend(problems.problems)
        return None if problems else record

    @staticmethod
    def _check(rel: str, kind: RecordKind, doc: Any) -> tuple[Record | None, ProblemList]:
        problems = ProblemList()
        data = doc if type(doc) is dict else plain(doc)
        if isinstance(data.get("schema_version"), int) and not isinstance(data.get("schema_version"), bool):
            key_problems(doc, rel, problems)
        return validate_data(rel, kind, data, problems, lambda loc: line_of(doc, loc)), problems

    def _parse(self, rel: str, data: bytes) -> Any:
        """A file's data, fast; YAML the fast loader refuses is parsed by the round-trip parser, which names
        the problem in its own words (or reads what the other cannot, e.g. a list used as a key)."""
        try:
            return parse_yaml_plain(data, rel)
        except InputFileError:
            return self.round_trip(rel)

    def round_trip(self, rel: str) -> Any:
        """The round-trip document of a file read from disk (comments and line numbers), parsed once."""
        if rel not in self._round_trip:
            self._round_trip[rel] = parse_yaml(self._raw[rel], rel)
        return self._round_trip[rel]

    def read_record(self, rel: str) -> tuple[Record | None, list[Problem]]:
        """Parse and validate one file without keeping it (indexes use this); returns (record, problems)."""
        kind = self.kind_of(rel)
        if kind is None:
            raise InputFileError("is not a workspace record file", file=rel)
        before = len(self.problems)
        data = read_user_file(self.path(rel), rel, MAX_YAML_BYTES)
        record, problems = self._check(rel, kind, parse_yaml_plain(data, rel))
        if problems:
            record, problems = self._check(rel, kind, parse_yaml(data, rel))
        self.problems.extend(problems.problems)
        found = self.problems[before:]
        del self.problems[before:]
        return record, found

    # ---- typed views (the same read interface as Records)
    @property
    def settings(self) -> WorkspaceSettings:
        return self.current().settings

    @property
    def system(self) -> SystemProfile:
        return self.current().system

    def records_of(self, kind_name: str) -> dict[str, Record]:
        """Records of one kind, keyed by relative path, in path order."""
        return self.current().records_of(kind_name)

    def unloaded(self, kind_name: str) -> dict[str, Any]:
        """Files of one kind that were read but broke their schema: relative path -> their parsed YAML."""
        return self.current().unloaded(kind_name)

    @property
    def mapping(self) -> dict[str, MappingFile]:
        """Mapping files keyed by function (GOVERN, MAP, MEASURE, MANAGE)."""
        return self.current().mapping

    @property
    def risks(self) -> dict[str, Risk]:
        return self.current().risks

    @property
    def evidence(self) -> dict[str, EvidenceRecord]:
        return self.current().evidence

    def check_evidence(self, today: dt.date | None = None, *, cached: bool = False) -> "EvidenceChecks":
        """Hash every evidence artefact against its recorded SHA-256 and dates: the analysis's ``checks``."""
        from rmfkit.library.freshness import check_all

        return check_all(self, today, cached=cached)

    def evidence_dir(self, evidence_id: str) -> Path:
        return self.path(f"evidence/{evidence_id}")

    def assessment(self, sub_id: str) -> SubcategoryAssessment:
        """The recorded assessment of a subcategory, or a fresh ``not_assessed`` one."""
        return self.current().assessment(sub_id)

    def assessments(self) -> dict[str, SubcategoryAssessment]:
        """All 72 subcategories in catalog order, unrecorded ones as ``not_assessed``."""
        return self.current().assessments()

    # ---- validation
    def require_valid(self) -> "Workspace":
        """Raise :class:`ValidationFailed` if any file broke its schema."""
        if self.problems:
            raise ValidationFailed(self.problems)
        return self

    def locate(self, rel: str, loc: tuple) -> int | None:
        """Line of a field in a loaded file (for reference problems)."""
        return line_of(self.round_trip(rel), loc) if rel in self._raw else None

    def rel_of(self, record: Record) -> str:
        for rel, rec in self.records.items():
            if rec is record:
                return rel
        raise KeyError("record is not part of this workspace")

    # ---- writing
    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        from filelock import FileLock, Timeout

        try:
            with FileLock(str(self.root / LOCK_NAME), timeout=LOCK_TIMEOUT_S):
                yield
        except Timeout:
            raise InputFileError(f"another rmfkit process has held the lock for {LOCK_TIMEOUT_S}s",
                                 file=LOCK_NAME, hint="wait for it to finish, or remove a stale lock file") from None

    @contextlib.contextmanager
    def edit(self) -> Iterator["Workspace"]:
        """Lock, re-read from disk, let the caller change records, then save what changed.

        Two processes editing the same workspace are serialised, so neither loses the other's change.
        Nothing is written if the block raises.
        """
        with self.lock():
            self.load()
            self.require_valid()
            yield self
            self.save()

    def put(self, rel: str, record: Record, *, written: bytes | None = None) -> None:
        """Add or replace the record at ``rel`` (saved by :meth:`save`; ``written``: the bytes the caller wrote
        for it already, :func:`~rmfkit.records.record_bytes`, so that save does not write it again)."""
        kind = self.kind_of(rel)
        if kind is None or not isinstance(record, kind.model):
            raise InputFileError(f"is not a place for a {type(record).__name__}", file=rel)
        self.records[rel] = record  # the path is checked where it is written (save, or the caller's staging)
        self._kinds[rel] = kind
        self._current = None
        if written is not None:
            self._docs[rel], self._raw[rel] = record_data(record), written
            self._round_trip.pop(rel, None)

    def save(self) -> list[str]:
        """Write every record whose content changed; returns the relative paths written."""
        if self.read_only:
            raise UsageError("this workspace was opened read-only", hint="open it without read_only to change it")
        written = []
        for rel, record in sorted(self.records.items()):
            data = record_data(record)
            seen = self._docs.get(rel)
            if seen is not None and equal(seen, _merged_view(seen, data)):
                continue
            doc = merge_into(self.round_trip(rel) if rel in self._raw else None, data)
            payload = dump_yaml(doc)
            target = self.path(rel)
            if not (target.exists() and target.read_bytes() == payload):
                atomic_write_bytes(target, payload)
                written.append(rel)
            self._docs[rel], self._raw[rel], self._round_trip[rel] = plain(doc), payload, doc
        return written

    def remove(self, rel: str) -> None:
        """Delete a record's file (used when an import is rolled back)."""
        self.records.pop(rel, None)
        self._docs.pop(rel, None)
        self._raw.pop(rel, None)
        self._round_trip.pop(rel, None)
        self._current = None
        with contextlib.suppress(FileNotFoundError):
            self.path(rel).unlink()

    def write_artifact(self, rel: str, source: Path | bytes) -> None:
        """Store an artefact byte-exact (atomic; large files are streamed)."""
        target = self.path(rel)
        if isinstance(source, (bytes, bytearray)):
            atomic_write_bytes(target, bytes(source))
        else:
            copy_atomic(Path(source), target)

    def write_new_folder(self, rel: str, files: dict[str, bytes]) -> Path:
        """Create folder ``rel`` holding ``files`` (plain name -> bytes), complete or not at all; never rewrite one.

        The files go into a hidden ``.<name>.partial`` folder beside it, which is then renamed into place.
        Call it inside :meth:`lock`; a partial folder left by an interrupted call is removed first.

        >>> import tempfile, pathlib
        >>> ws = Workspace.create(pathlib.Path(tempfile.mkdtemp()) / "ws", system_id="d", name="D", owner="me")
        >>> ws.write_new_folder("reviews/2026-Q4", {"bundle.json": b"{}"}).name
        '2026-Q4'
        """
        target = self.path(rel)
        if target.exists():
            raise UsageError(f"{rel} already exists", hint="it is never rewritten; choose a new name")
        staging = target.parent / f".{target.name}.partial"
        if staging.exists():
            shutil.rmtree(staging)
        staging.mkdir(parents=True)
        try:
            for name, payload in files.items():
                if not name or "/" in name or "\\" in name or name.startswith("."):
                    raise InputFileError("is not a plain file name", file=f"{rel}/{name}")
                atomic_write_bytes(staging / name, payload)
                (staging / name).chmod(0o644)
            os.rename(staging, target)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        return target

    # ---- mapping edits
    def record_assessment(self, sub_id: str, *, add_evidence: Iterable[str] = (), remove_evidence: Iterable[str] = (),
                          **changes: Any) -> SubcategoryAssessment:
        """Record a decision on one subcategory with every rule checked (inside :meth:`edit`).

        ``changes`` are fields of the assessment (``status``, ``owner``, ``evidence``, ``notes``,
        ``justification``, ``target_status``, ``target_date`` as a date or ``YYYY-MM-DD``); empty text
        clears a field. ``add_evidence``/``remove_evidence`` adjust the linked list. Rules: statuses from
        the vocabulary, linked evidence exists here, ``not_applicable`` has a justification;
        ``last_reviewed`` becomes today unless given. A broken rule raises :class:`UsageError` (or
        :class:`UnknownIdError` for unknown evidence) and changes nothing.

        >>> import tempfile, pathlib
        >>> ws = Workspace.create(pathlib.Path(tempfile.mkdtemp()) / "ws", system_id="demo", name="Demo", owner="me")
        >>> with ws.edit():
        ...     ws.record_assessment("GOVERN 1.7", status="not_applicable")
        Traceback (most recent call last):
        rmfkit.errors.UsageError: mapping/govern.yaml: subcategories.GOVERN 1.7.justification: status not_applicable needs a justification (say why the subcategory does not apply)
        """
        from rmfkit.catalog import load_catalog
        from rmfkit.models.mapping import (
            NOT_APPLICABLE_RULE,
            STATUSES,
            lacks_justification,
        )

        sub = load_catalog().subcategory(sub_id)
        current = self.assessment(sub.id)

        def refuse(key: str, message: str, hint: str | None = None) -> UsageError:
            return UsageError(message, file=MAPPING_FILES[sub.function], field=f"subcategories.{sub.id}.{key}", hint=hint)

        values = {k: None if isinstance(v, str) and not v.strip() else v for k, v in changes.items()}
        for key in ("status", "target_status"):
            if values.get(key) is not None and values[key] not in STATUSES:
                raise refuse(key, f"{values[key]!r} is not one of " + ", ".join(STATUSES))
        for key in ("target_date", "last_reviewed"):
            if isinstance(values.get(key), str):
                try:
                    values[key] = dt.date.fromisoformat(values[key])
                except ValueError:
                    raise refuse(key, f"{values[key]!r} is not a date", "use YYYY-MM-DD") from None
        add_evidence, remove_evidence = list(add_evidence), set(remove_evidence)
        if "evidence" in values or add_evidence or remove_evidence:
            given = list(values.get("evidence") or [])
            for evidence_id in [*given, *add_evidence]:
                self.require_evidence(evidence_id)
            linked = given if "evidence" in values else list(current.evidence)
            values["evidence"] = [e for e in dict.fromkeys([*linked, *add_evidence]) if e not in remove_evidence]
        values.setdefault("last_reviewed", today())
        after = {**current.model_dump(exclude_unset=True), **values}
        if lacks_justification(after.get("status"), after.get("justification")):
            raise refuse("justification", NOT_APPLICABLE_RULE, "say why the subcategory does not apply")
        try:
            return self.set_assessment(sub.id, **values)
        except ValidationError as exc:
            field, message = describe_validation_error(exc.errors()[0])
            raise refuse(field, message) from None

    def set_assessment(self, sub_id: str, **changes: Any) -> SubcategoryAssessment:
        """Change fields of one subcategory's assessment (inside :meth:`edit`); ``None`` removes a field.

        Checked against the schema only: a decision someone records goes through :meth:`record_assessment`.
        """
        from rmfkit.catalog import load_catalog

        sub = load_catalog().subcategory(sub_id)
        rel = MAPPING_FILES[sub.function]
        mapping = self.records.get(rel)
        if mapping is None:
            mapping = MappingFile(function=sub.function, subcategories={})
            self.put(rel, mapping)
        current = mapping.subcategories.get(sub.id)
        values = current.model_dump(exclude_unset=True) if current else {}
        values.update(changes)
        updated = SubcategoryAssessment.model_validate({k: v for k, v in values.items() if v is not None})
        mapping.subcategories = {**mapping.subcategories, sub.id: updated}
        return updated

    def require_evidence(self, evidence_id: str) -> EvidenceRecord:
        import difflib

        known = self.evidence
        if evidence_id not in known:
            close = difflib.get_close_matches(evidence_id, list(known), n=3)
            raise UnknownIdError(f"unknown evidence '{evidence_id}'",
                                 hint=("did you mean " + ", ".join(close) + "?") if close else
                                 "list items with `rmfkit evidence ls`")
        return known[evidence_id]


def _merged_view(doc: Any, data: dict) -> dict:
    """``data`` plus the doc's ``x-`` keys: what the file would hold after a merge."""
    extras = {k: plain(v) for k, v in doc.items() if str(k).startswith(EXTENSION_PREFIX)} if isinstance(doc, dict) else {}
    return {**data, **extras} if extras else data


def open_workspace(path: Path | str | None = None) -> Workspace:
    """Open the workspace at ``path`` (or search upward from the current directory)."""
    return Workspace.open(path)

