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
import io
import os
import re
import shutil
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Iterator

from pydantic import BaseModel, ValidationError

from rmfkit.errors import (InputFileError, Problem, ProblemList, UnknownIdError, UsageError, ValidationFailed,
                           WorkspaceNotFound)
from rmfkit.models.base import EXTENSION_PREFIX, Record
from rmfkit.models.dpia import Dpia
from rmfkit.models.evidence import EvidenceRecord
from rmfkit.models.mapping import MAPPING_FILES, MappingFile, SubcategoryAssessment
from rmfkit.models.operations import Operations
from rmfkit.models.risk import Risk
from rmfkit.models.settings import WorkspaceSettings
from rmfkit.models.system import SystemProfile
from rmfkit.models.thresholds import ThresholdsFile
from rmfkit.safeparse import MAX_YAML_BYTES, parse_yaml, parse_yaml_plain, round_trip_yaml

MARKER = "rmfkit.yaml"
LOCK_NAME = ".rmfkit.lock"
LOCK_TIMEOUT_S = 60
UNICODE_BREAKS = ("\x85", "\u2028", "\u2029")  # NEL, LINE and PARAGRAPH SEPARATOR
GITIGNORED = ("build/", LOCK_NAME, ".rmfkit-index.json")  # generated, never committed


@dataclass(frozen=True)
class RecordKind:
    """One kind of workspace file: where it lives (glob) and which model reads it."""

    name: str
    pattern: str
    model: type[Record]
    required: bool = False


# Every YAML file the workspace knows. Add a line here to add a record kind.
RECORD_KINDS: list[RecordKind] = [
    RecordKind("settings", MARKER, WorkspaceSettings, required=True),
    RecordKind("system", "system.yaml", SystemProfile, required=True),
    RecordKind("mapping", "mapping/*.yaml", MappingFile),
    RecordKind("risk", "risks/*.yaml", Risk),
    RecordKind("evidence", "evidence/*/evidence.yaml", EvidenceRecord),
    RecordKind("dpia", "dpia.yaml", Dpia),
    RecordKind("thresholds", "thresholds.yaml", ThresholdsFile),
    RecordKind("operations", "operations.yaml", Operations),
]

# Migrations: kind name -> {from_version: function(data) -> data at from_version + 1}.
MIGRATIONS: dict[str, dict[int, Any]] = {}


# ---------------------------------------------------------------- low-level file helpers

def _umask() -> int:
    """The process umask (reading it means setting it: the most restrictive value stands in meanwhile)."""
    mask = os.umask(0o077)
    os.umask(mask)
    return mask


def file_mode(path: Path) -> int:
    """Permissions for writing ``path``: an existing file keeps its own; a new one gets what ``open()`` would
    give it (0o666 less the umask), not the 0o600 of a temporary file."""
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        return 0o666 & ~_umask()


def _temp_beside(path: Path) -> tuple[int, str]:
    """A temporary file in ``path``'s folder, already carrying the mode ``path`` will have."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.fchmod(fd, file_mode(path))
    return fd, tmp


def ensure_gitignore(root: Path) -> None:
    """``root/.gitignore`` lists generated output, the lock and the index (lines already there are kept)."""
    target = root / ".gitignore"
    lines = target.read_text(encoding="utf-8").splitlines() if target.is_file() else []
    missing = [line for line in GITIGNORED if line not in lines]
    if missing:
        atomic_write_bytes(target, "".join(f"{line}\n" for line in [*lines, *missing]).encode("utf-8"))


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write via a temp file in the same folder, fsync, then rename: readers see old or new, never half."""
    fd, tmp = _temp_beside(path)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    with contextlib.suppress(OSError):
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


def read_user_file(path: Path, name: str, max_bytes: int | None = None) -> bytes:
    """Read a file a user handed in, turning OS problems into one clear line."""
    if path.is_symlink():
        raise InputFileError("is a symbolic link; rmfkit reads regular files only", file=name)
    if path.is_dir():
        raise InputFileError("is a directory, expected a file", file=name)
    if not path.exists():
        raise InputFileError("file not found", file=name)
    if not path.is_file():
        raise InputFileError("is not a regular file (a pipe, socket or device?)", file=name)
    size = path.stat().st_size
    if max_bytes is not None and size > max_bytes:
        raise InputFileError(f"file is {size:,} bytes; the limit is {max_bytes:,}", file=name)
    try:
        return path.read_bytes()
    except OSError as exc:
        raise InputFileError(f"cannot be read: {exc.strerror or exc}", file=name) from None


def find_workspace_root(start: Path | str | None = None) -> Path:
    """The nearest folder at or above ``start`` holding ``rmfkit.yaml``."""
    here = Path(start or Path.cwd()).resolve()
    if here.is_file():
        here = here.parent
    for folder in (here, *here.parents):
        if (folder / MARKER).is_file():
            return folder
    raise WorkspaceNotFound(f"no {MARKER} in {here} or any parent folder",
                            hint="pass -w DIR, or create one with `rmfkit init DIR`")


# ---------------------------------------------------------------- round-trip merge

def _equal(old: Any, new: Any) -> bool:
    if isinstance(old, bool) != isinstance(new, bool):
        return False
    try:
        return bool(old == new)
    except Exception:  # noqa: BLE001 - exotic values compare unequal
        return False


def merge_into(node: Any, data: Any) -> Any:
    """Return ``node`` updated to hold ``data``, keeping comments, order, quoting of unchanged values.

    >>> from rmfkit.safeparse import parse_yaml
    >>> doc = parse_yaml(b"a: 1  # keep\\nb: [1, 2]\\n", "x")
    >>> merge_into(doc, {"a": 1, "b": [1, 3]})["b"]
    [1, 3]
    """
    from ruamel.yaml.comments import CommentedMap, CommentedSeq
    from ruamel.yaml.scalarstring import DoubleQuotedScalarString, ScalarString

    if isinstance(node, dict) and isinstance(data, dict):
        for key in [k for k in node if k not in data and not str(k).startswith(EXTENSION_PREFIX)]:
            del node[key]
        for key, value in data.items():
            if key in node:
                node[key] = merge_into(node[key], value)
            else:
                node[key] = merge_into(None, value)
        return node
    if isinstance(node, list) and isinstance(data, list):
        if _equal(node, data):
            return node
        ids_old = [x.get("id") if isinstance(x, dict) else None for x in node]
        ids_new = [x.get("id") if isinstance(x, dict) else None for x in data]
        if all(ids_old) and all(ids_new) and ids_old and ids_new:
            by_id = dict(zip(ids_old, node))
            merged = [merge_into(by_id.get(i), x) for i, x in zip(ids_new, data)]
        elif len(node) == len(data):
            merged = [merge_into(o, n) for o, n in zip(node, data)]
        else:
            merged = [merge_into(None, x) for x in data]
        node[:] = merged
        return node
    if node is not None and _equal(node, data) and not isinstance(node, (dict, list)):
        return node
    if isinstance(data, dict):
        fresh = CommentedMap()
        for key, value in data.items():
            fresh[key] = merge_into(None, value)
        return fresh
    if isinstance(data, list):
        return CommentedSeq(merge_into(None, x) for x in data)
    if isinstance(data, str) and not isinstance(data, ScalarString) and any(c in data for c in UNICODE_BREAKS):
        return DoubleQuotedScalarString(data)  # the emitter would fold these in plain or single-quoted style
    return data


def dump_yaml(doc: Any) -> bytes:
    stream = io.StringIO()
    round_trip_yaml().dump(doc, stream)
    return stream.getvalue().encode("utf-8")


def line_of(doc: Any, loc: tuple) -> int | None:
    """1-based line of the deepest key or item of ``loc`` found in a ruamel document."""
    line = None
    node = doc
    for part in loc:
        lc = getattr(node, "lc", None)
        if isinstance(node, dict) and part in node:
            with contextlib.suppress(Exception):
                line = lc.key(part)[0] + 1
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            with contextlib.suppress(Exception):
                line = lc.item(part)[0] + 1
            node = node[part]
        else:
            break
    if line is None and getattr(doc, "lc", None) is not None:
        line = doc.lc.line + 1
    return line


# Patterns of the models' text fields, in words (any other pattern is shown as written).
PATTERN_WORDS = {
    r"^[0-9a-f]{64}$": "must be a SHA-256: 64 lowercase hex digits",
    r"^[A-Za-z0-9][A-Za-z0-9._-]*$": "must start with a letter or digit and hold only letters, digits, '.', '_' and '-'",
    r"^#[0-9a-fA-F]{6}$": "must be a colour written #RRGGBB",
    r"^DR-\d{2,}$": "must look like DR-01",
    r"^M-\d{2,}$": "must look like M-01",
    r"^R-\d{4,}$": "must look like R-0001",
    r"^[a-z][a-z0-9_]*\.[a-z0-9_.-]+$": "must look like area.item in lowercase, e.g. serving.runtime",
}
_BOUNDS = {"less_than_equal": ("le", "at most"), "less_than": ("lt", "less than"),
           "greater_than_equal": ("ge", "at least"), "greater_than": ("gt", "more than")}
_TYPE_WORDS = {"int": "a whole number", "float": "a number", "bool": "true or false", "list": "a list",
               "tuple": "a list", "set": "a list", "dict": "a mapping of keys to values",
               "model": "a mapping of keys to values", "datetime": "a date and time (2026-10-06T12:00:00Z)",
               "string": "text"}


def shown_value(value: Any) -> str:
    """A value a user wrote, in YAML's words rather than Python's.

    >>> shown_value({"a": 1}), shown_value([1]), shown_value(True), shown_value(None), shown_value("x")
    ('a mapping', 'a list', 'true', 'nothing', "'x'")
    """
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, (list, tuple, set)):
        return "a list"
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "nothing"
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    text = value if isinstance(value, str) else as_written(value)
    text = text if len(text) <= 60 else text[:57] + "..."
    return f"'{text}'" if isinstance(value, str) else text


def describe_validation_error(err: dict) -> tuple[str, str]:
    """(field, message) in plain words for one pydantic error dict.

    >>> describe_validation_error({"type": "less_than_equal", "loc": ("likelihood",), "input": 7, "ctx": {"le": 5}})
    ('likelihood', 'must be at most 5 (got 7)')
    >>> describe_validation_error({"type": "int_parsing", "loc": ("size",), "input": "big"})
    ('size', "must be a whole number (got 'big')")
    """
    loc = tuple(err.get("loc", ()))
    field = ".".join(str(p) for p in loc) or None
    kind = err.get("type", "")
    value = err.get("input")
    ctx = err.get("ctx") or {}
    got = f"(got {shown_value(value)})"
    family = kind.split("_", 1)[0]
    if kind in ("literal_error", "enum"):
        expected = str(ctx.get("expected", "")).replace("'", "").replace(" or ", ", ")
        return field, f"{shown_value(value)} is not one of {expected}"
    if kind == "extra_forbidden":
        return field, "unknown field (check the spelling; your own keys must start with 'x-')"
    if kind == "missing":
        return field, "required field is missing"
    if kind == "string_type" and isinstance(value, (int, float)) and not isinstance(value, bool):
        return field, f"must be text; write it in quotes (\"{as_written(value)}\") so YAML keeps it a string"
    if kind == "value_error":  # our own validators already explain the problem in words
        return field, str(err.get("msg", "invalid value")).removeprefix("Value error, ")
    if kind in _BOUNDS:
        key, words = _BOUNDS[kind]
        return field, f"must be {words} {as_written(ctx.get(key))} {got}"
    if kind == "int_from_float":
        return field, f"must be a whole number {got}"
    if family == "date":
        if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{1,2}-\d{1,2}", value):
            return field, f"{shown_value(value)} is not a date that exists; write a date as YYYY-MM-DD"
        return field, f"must be a date written YYYY-MM-DD {got}"
    if kind == "string_too_short":
        minimum = ctx.get("min_length", 1)
        return field, "must not be empty" if minimum == 1 else f"must be at least {minimum} characters long"
    if kind == "string_too_long":
        return field, f"must be at most {ctx.get('max_length')} characters long"
    if kind == "too_short":
        return field, f"needs at least {ctx.get('min_length')} item(s)"
    if kind == "too_long":
        return field, f"may hold at most {ctx.get('max_length')} item(s)"
    if kind == "string_pattern_mismatch":
        pattern = str(ctx.get("pattern", ""))
        return field, f"{PATTERN_WORDS.get(pattern, f'must match the pattern {pattern}')} {got}"
    if kind == "finite_number":
        return field, f"must be a finite number {got}"
    if family in _TYPE_WORDS and kind.endswith(("_type", "_parsing", "_attributes_type")):
        return field, f"must be {_TYPE_WORDS[family]} {got}"
    return field, f"{err.get('msg', 'invalid value')} {got}"


def _plain(node: Any) -> Any:
    """ruamel containers to plain dicts/lists (scalars stay; subclasses of str/int/float compare equal).

    ruamel's timestamp type becomes a plain ``datetime``: copying a ruamel timestamp drops its time zone.
    """
    if isinstance(node, dict):
        return {(str(k) if not isinstance(k, str) else k): _plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_plain(v) for v in node]
    if isinstance(node, dt.datetime) and type(node) is not dt.datetime:
        return dt.datetime.combine(node.date(), node.timetz(), tzinfo=node.tzinfo)
    return node


def as_written(value: Any) -> str:
    """A scalar as YAML text: the float read from ``2.10`` shows as ``2.10``, not ``2.1``.

    >>> from rmfkit.safeparse import parse_yaml
    >>> as_written(next(iter(parse_yaml(b"2.10: x\\n", "x.yaml"))))
    '2.10'
    """
    if isinstance(value, str):
        return value
    try:
        text = dump_yaml(value).decode("utf-8")
    except Exception:  # noqa: BLE001 - a complex key (``? [a, b]``) loads as a tuple the dumper cannot write
        return repr(value)
    return text.split("\n", 1)[0] if text.strip() else repr(value)


def _key_problems(doc: Any, name: str, problems: ProblemList, path: tuple = ()) -> None:
    """Mapping keys must be strings: ``2.10:`` would silently become the float 2.1."""
    if isinstance(doc, dict):
        for key, value in doc.items():
            if not isinstance(key, str):
                written = as_written(key)
                line = None
                with contextlib.suppress(Exception):
                    line = doc.lc.key(key)[0] + 1
                if isinstance(key, (int, float)) and not isinstance(key, bool):
                    read_as = f"the number {float(key) if isinstance(key, float) else int(key)!r}"
                elif isinstance(key, bool):
                    read_as = "true/false"
                else:
                    read_as = "a list or mapping" if isinstance(key, tuple) or hasattr(key, "items") else \
                        f"a {type(key).__name__} value"
                problems.add(name, f"key {written} is read as {read_as}, not as text; "
                                   f"write it in quotes (\"{written}\") so YAML keeps it a string",
                             line=line, field=".".join(map(str, path + (written,))))
            _key_problems(value, name, problems, path + (key,))
    elif isinstance(doc, list):
        for i, value in enumerate(doc):
            _key_problems(value, name, problems, path + (i,))


# ---------------------------------------------------------------- the workspace

class Workspace:
    """A governed system's folder: typed records in, round-trip YAML out."""

    def __init__(self, root: Path | str, *, skip: tuple[str, ...] = (), read_only: bool = False):
        self.root = Path(root).resolve()
        self.skip = tuple(skip)  # kind names not loaded (a listing reads them through an index instead)
        self.read_only = read_only  # fast plain-YAML load for roll-ups; saving is refused
        self.records: dict[str, Record] = {}
        self._docs: dict[str, Any] = {}
        self._kinds: dict[str, RecordKind] = {}
        self.problems: list[Problem] = []
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
        atomic_write_bytes(root / MARKER, dump_yaml(merge_into(None, _dump_record(settings))))
        atomic_write_bytes(root / "system.yaml", dump_yaml(merge_into(None, _dump_record(system))))
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
        from fnmatch import fnmatchcase

        for kind in RECORD_KINDS:
            if fnmatchcase(rel, kind.pattern) and rel.count("/") == kind.pattern.count("/"):
                return kind
        return None

    def _discover(self) -> list[str]:
        found: list[str] = []
        for kind in (k for k in RECORD_KINDS if k.name not in self.skip):
            matches = sorted(p for p in self.root.glob(kind.pattern))
            if kind.required and not matches:
                self.problems.append(Problem(kind.pattern, "required file is missing"))
            found.extend(p.relative_to(self.root).as_posix() for p in matches)
        return found

    def load(self) -> None:
        """(Re)read every workspace file. Unreadable files raise; schema problems are collected."""
        self.records.clear()
        self._docs.clear()
        self._kinds.clear()
        self.problems = []
        for rel in self._discover():
            kind = self.kind_of(rel)
            data = read_user_file(self.root / rel, rel, MAX_YAML_BYTES)
            doc = parse_yaml_plain(data, rel) if self.read_only else parse_yaml(data, rel)
            self._docs[rel] = doc
            self._kinds[rel] = kind
            record = self._validate_doc(rel, kind, doc)
            if record is not None:
                self.records[rel] = record

    def _validate_doc(self, rel: str, kind: RecordKind, doc: Any) -> Record | None:
        problems = ProblemList()
        version = doc.get("schema_version")
        version_line = line_of(doc, ("schema_version",))
        data = doc if type(doc) is dict else _plain(doc)  # the plain loader gives plain dicts already
        if not isinstance(version, int) or isinstance(version, bool):
            problems.add(rel, "missing or not a whole number; add 'schema_version: 1' at the top",
                         line=version_line, field="schema_version")
        elif version > kind.model.SCHEMA_VERSION:
            problems.add(rel, f"version {version} was written by a newer rmfkit (this one reads up to "
                              f"{kind.model.SCHEMA_VERSION}); upgrade rmfkit", line=version_line,
                         field="schema_version")
        else:
            data = self._migrate(rel, kind, version, data, version_line, problems)
        if problems:
            self.problems.extend(problems.problems)
            return None
        _key_problems(doc, rel, problems)
        self.problems.extend(problems.problems)
        try:
            record = kind.model.model_validate(data)
        except ValidationError as exc:
            for err in exc.errors():
                field, message = describe_validation_error(err)
                self.problems.append(Problem(rel, message, line=line_of(doc, tuple(err.get("loc", ()))), field=field))
            return None
        return None if problems else record

    @staticmethod
    def _migrate(rel: str, kind: RecordKind, version: int, data: dict, line: int | None,
                 problems: ProblemList) -> dict:
        """Bring ``data`` from ``version`` to the current one, one registered step at a time."""
        steps = MIGRATIONS.get(kind.name, {})
        for step in range(version, kind.model.SCHEMA_VERSION):
            if step not in steps:
                oldest = min((v for v in steps if v < kind.model.SCHEMA_VERSION), default=kind.model.SCHEMA_VERSION)
                readable = (f"versions {oldest} to {kind.model.SCHEMA_VERSION}" if oldest < kind.model.SCHEMA_VERSION
                            else f"version {kind.model.SCHEMA_VERSION}")
                problems.add(rel, f"version {version} is not supported (this rmfkit reads {readable})",
                             line=line, field="schema_version")
                return data
            try:
                data = {**steps[step](data), "schema_version": step + 1}
            except Exception as exc:  # noqa: BLE001 - a file a migration cannot read is the user's to fix
                problems.add(rel, f"cannot migrate from version {step} to {step + 1}: {exc}", line=line,
                             field="schema_version")
                return data
        return data

    def read_record(self, rel: str) -> tuple[Record | None, list[Problem]]:
        """Parse and validate one file without keeping it (indexes use this); returns (record, problems)."""
        kind = self.kind_of(rel)
        if kind is None:
            raise InputFileError("is not a workspace record file", file=rel)
        before = len(self.problems)
        data = read_user_file(self.path(rel), rel, MAX_YAML_BYTES)
        record = self._validate_doc(rel, kind, parse_yaml(data, rel))
        found = self.problems[before:]
        del self.problems[before:]
        return record, found

    # ---- typed views
    def _one(self, rel: str, model: type[BaseModel]):
        record = self.records.get(rel)
        if record is None:
            raise ValidationFailed([p for p in self.problems if p.file == rel]
                                   or [Problem(rel, "file is missing or invalid")])
        return record

    @property
    def settings(self) -> WorkspaceSettings:
        return self._one(MARKER, WorkspaceSettings)

    @property
    def system(self) -> SystemProfile:
        return self._one("system.yaml", SystemProfile)

    def records_of(self, kind_name: str) -> dict[str, Record]:
        """Records of one kind, keyed by relative path, in path order."""
        return {rel: rec for rel, rec in sorted(self.records.items()) if self._kinds.get(rel) and
                self._kinds[rel].name == kind_name}

    def unloaded(self, kind_name: str) -> dict[str, Any]:
        """Files of one kind that were read but broke their schema: relative path -> their parsed YAML."""
        return {rel: doc for rel, doc in sorted(self._docs.items())
                if rel not in self.records and self._kinds[rel].name == kind_name}

    @property
    def mapping(self) -> dict[str, MappingFile]:
        """Mapping files keyed by function (GOVERN, MAP, MEASURE, MANAGE)."""
        return {rec.function: rec for rec in self.records_of("mapping").values()}

    @property
    def risks(self) -> dict[str, Risk]:
        return {rec.id: rec for rec in self.records_of("risk").values()}

    @property
    def evidence(self) -> dict[str, EvidenceRecord]:
        return {rec.id: rec for rec in self.records_of("evidence").values()}

    def evidence_dir(self, evidence_id: str) -> Path:
        return self.path(f"evidence/{evidence_id}")

    def assessment(self, sub_id: str) -> SubcategoryAssessment:
        """The recorded assessment of a subcategory, or a fresh ``not_assessed`` one."""
        from rmfkit.catalog import load_catalog

        sub = load_catalog().subcategory(sub_id)
        mapping = self.mapping.get(sub.function)
        if mapping and sub.id in mapping.subcategories:
            return mapping.subcategories[sub.id]
        return SubcategoryAssessment()

    def assessments(self) -> dict[str, SubcategoryAssessment]:
        """All 72 subcategories in catalog order, unrecorded ones as ``not_assessed``."""
        from rmfkit.catalog import load_catalog

        recorded = {sid: a for m in self.mapping.values() for sid, a in m.subcategories.items()}
        return {s.id: recorded.get(s.id, SubcategoryAssessment()) for s in load_catalog().subcategories}

    # ---- validation
    def require_valid(self) -> "Workspace":
        """Raise :class:`ValidationFailed` if any file broke its schema."""
        if self.problems:
            raise ValidationFailed(self.problems)
        return self

    def validate(self) -> list[Problem]:
        """Every schema and reference problem, each with file, line and field."""
        from rmfkit.validation import reference_problems

        return [*self.problems, *reference_problems(self)]

    def locate(self, rel: str, loc: tuple) -> int | None:
        """Line of a field in a loaded file (for reference problems)."""
        doc = self._docs.get(rel)
        return line_of(doc, loc) if doc is not None else None

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

    def put(self, rel: str, record: Record) -> None:
        """Add or replace the record stored at ``rel`` (saved by :meth:`save`)."""
        kind = self.kind_of(rel)
        if kind is None or not isinstance(record, kind.model):
            raise InputFileError(f"is not a place for a {type(record).__name__}", file=rel)
        self.path(rel)
        self.records[rel] = record
        self._kinds[rel] = kind

    def save(self) -> list[str]:
        """Write every record whose content changed; returns the relative paths written."""
        if self.read_only:
            raise UsageError("this workspace was opened read-only", hint="open it without read_only to change it")
        written = []
        for rel, record in sorted(self.records.items()):
            data = _dump_record(record)
            doc = self._docs.get(rel)
            if doc is not None and _equal(_plain(doc), _merged_view(doc, data)):
                continue
            doc = merge_into(doc, data)
            payload = dump_yaml(doc)
            target = self.path(rel)
            if target.exists() and target.read_bytes() == payload:
                self._docs[rel] = doc
                continue
            atomic_write_bytes(target, payload)
            self._docs[rel] = doc
            written.append(rel)
        return written

    def remove(self, rel: str) -> None:
        """Delete a record's file (used when an import is rolled back)."""
        self.records.pop(rel, None)
        self._docs.pop(rel, None)
        with contextlib.suppress(FileNotFoundError):
            self.path(rel).unlink()

    def write_artifact(self, rel: str, source: Path | bytes) -> None:
        """Store an artefact byte-exact (atomic; large files are streamed)."""
        target = self.path(rel)
        if isinstance(source, (bytes, bytearray)):
            atomic_write_bytes(target, bytes(source))
            return
        fd, tmp = _temp_beside(target)
        try:
            with os.fdopen(fd, "wb") as out, open(source, "rb") as src:
                shutil.copyfileobj(src, out, 1024 * 1024)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, target)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            raise

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
        from rmfkit.models.mapping import STATUSES
        from rmfkit.validation import NOT_APPLICABLE_RULE, lacks_justification

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


def _dump_record(record: Record) -> dict:
    """What a record writes: the fields the file had or code set, plus schema_version."""
    data = record.model_dump(mode="python", exclude_unset=True)
    return {"schema_version": record.schema_version, **{k: v for k, v in data.items() if k != "schema_version"}}


def _merged_view(doc: Any, data: dict) -> dict:
    """``data`` plus the doc's ``x-`` keys: what the file would hold after a merge."""
    extras = {k: _plain(v) for k, v in doc.items() if str(k).startswith(EXTENSION_PREFIX)} if isinstance(doc, dict) else {}
    return {**data, **extras} if extras else data


def open_workspace(path: Path | str | None = None) -> Workspace:
    """Open the workspace at ``path`` (or search upward from the current directory)."""
    return Workspace.open(path)


def today() -> dt.date:
    """The date rmfkit treats as today (``RMFKIT_TODAY=YYYY-MM-DD`` pins it for tests and snapshots)."""
    pinned = os.environ.get("RMFKIT_TODAY")
    return dt.date.fromisoformat(pinned) if pinned else dt.date.today()
