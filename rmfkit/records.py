"""Records: every record of one workspace, typed and frozen — what the analysis reads.

The :class:`~rmfkit.workspace.Workspace` builds a :class:`Records` from its files
(``ws.load()``); a frozen snapshot rebuilds one from the plain data it stored
(:meth:`Records.from_data`). Nothing here reads or writes files.

>>> records = Records.from_data({"system.yaml": {"schema_version": 1, "id": "s", "name": "S", "owner": "o",
...                                              "purpose": "p", "deployment_pattern": "self_hosted"}})
>>> records.system.id, len(records.assessments()), records.problems
('s', 72, ())
"""
from __future__ import annotations

from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from types import MappingProxyType
from typing import Any, Callable, Iterator, Mapping

from pydantic import ValidationError

from rmfkit.errors import Problem, ProblemList, ValidationFailed
from rmfkit.models.audit import AuditFrame
from rmfkit.models.base import Record
from rmfkit.models.dpia import Dpia
from rmfkit.models.evidence import EvidenceRecord
from rmfkit.models.frameworks import FrameworksFile
from rmfkit.models.gate import GateDecision
from rmfkit.models.mapping import MappingFile, SubcategoryAssessment
from rmfkit.models.operations import Operations
from rmfkit.models.risk import Risk
from rmfkit.models.settings import WorkspaceSettings
from rmfkit.models.system import SystemProfile
from rmfkit.models.thresholds import ThresholdsFile
from rmfkit.paths import MARKER
from rmfkit.wording import describe_validation_error



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
    RecordKind("frameworks", "frameworks.yaml", FrameworksFile),
    RecordKind("gate", "gates/G-*.yaml", GateDecision),
    RecordKind("audit", "audit.yaml", AuditFrame),
]

# Migrations: kind name -> {from_version: function(data) -> data at from_version + 1}.
MIGRATIONS: dict[str, dict[int, Any]] = {}


def kind_of(rel: str) -> RecordKind | None:
    """The record kind stored at a workspace-relative path, or ``None``.

    >>> kind_of("risks/R-0001.yaml").name, kind_of("notes.txt")
    ('risk', None)
    """
    for kind in RECORD_KINDS:
        if fnmatchcase(rel, kind.pattern) and rel.count("/") == kind.pattern.count("/"):
            return kind
    return None


def record_data(record: Record) -> dict:
    """What a record's file holds: the fields the file had or code set, plus ``schema_version`` first."""
    data = record.model_dump(mode="python", exclude_unset=True)
    return {"schema_version": record.schema_version, **{k: v for k, v in data.items() if k != "schema_version"}}


def record_bytes(record: Record) -> bytes:
    """The YAML bytes of a new record, as :meth:`~rmfkit.workspace.Workspace.save` writes them (for a caller that
    stages the file itself)."""
    from rmfkit.yamlio import dump_new

    return dump_new(record_data(record))


def schema_versions() -> dict[str, int]:
    """Each record kind's current schema version (stamped into bundles and snapshots)."""
    return {kind.name: kind.model.SCHEMA_VERSION for kind in RECORD_KINDS}


def migrate(rel: str, kind: RecordKind, version: int, data: dict, line: int | None, problems: ProblemList) -> dict:
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


def validate_data(rel: str, kind: RecordKind, data: Any, problems: ProblemList,
                  locate: Callable[[tuple], int | None] = lambda loc: None) -> Record | None:
    """One file's plain data -> its record (migrated), or ``None`` with the problems added."""
    version = data.get("schema_version") if isinstance(data, dict) else None
    if not isinstance(version, int) or isinstance(version, bool):
        problems.add(rel, "missing or not a whole number; add 'schema_version: 1' at the top",
                     line=locate(("schema_version",)), field="schema_version")
        return None
    if version > kind.model.SCHEMA_VERSION:
        problems.add(rel, f"version {version} was written by a newer rmfkit (this one reads up to "
                          f"{kind.model.SCHEMA_VERSION}); upgrade rmfkit", line=locate(("schema_version",)),
                     field="schema_version")
        return None
    before = len(problems.problems)
    data = migrate(rel, kind, version, data, locate(("schema_version",)), problems)
    if len(problems.problems) > before:
        return None
    try:
        return kind.model.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors():
            field_name, message = describe_validation_error(err)
            problems.add(rel, message, line=locate(tuple(err.get("loc", ()))), field=field_name)
        return None


def _no_line(rel: str, loc: tuple) -> int | None:
    return None


@dataclass(frozen=True)
class Records:
    """Every record of a workspace, by relative path, with the problems found while reading them.

    ``broken`` holds the plain data of files that failed their schema (reference checks skip ids they
    define); ``locate(rel, loc)`` gives the line of a field where the reader kept line numbers;
    ``reviews`` the labels of the frozen snapshots beside the records.
    """

    by_path: Mapping[str, Record]
    kinds: Mapping[str, str] = field(default_factory=dict)
    problems: tuple[Problem, ...] = ()
    broken: Mapping[str, Any] = field(default_factory=dict)
    locate: Callable[[str, tuple], int | None] = field(default=_no_line, compare=False, repr=False)
    reviews: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_path", MappingProxyType(dict(sorted(self.by_path.items()))))
        kinds = dict(self.kinds) or {rel: k.name for rel in self.by_path if (k := kind_of(rel))}
        object.__setattr__(self, "kinds", MappingProxyType(kinds))
        object.__setattr__(self, "broken", MappingProxyType(dict(self.broken)))
        object.__setattr__(self, "problems", tuple(self.problems))

    @classmethod
    def from_data(cls, files: Mapping[str, Any]) -> "Records":
        """Records from plain data by relative path (a snapshot's ``records``), each validated and migrated."""
        problems = ProblemList()
        by_path, broken = {}, {}
        for rel, data in sorted(files.items()):
            kind = kind_of(rel)
            if kind is None:
                continue
            record = validate_data(rel, kind, data, problems)
            if record is None:
                broken[rel] = data
            else:
                by_path[rel] = record
        return cls(by_path, problems=tuple(problems.problems), broken=broken)

    # ---- the same read interface the Workspace offers
    @property
    def records(self) -> Mapping[str, Record]:
        return self.by_path

    def records_of(self, kind_name: str) -> dict[str, Record]:
        """Records of one kind, keyed by relative path, in path order."""
        return {rel: rec for rel, rec in self.by_path.items() if self.kinds.get(rel) == kind_name}

    def unloaded(self, kind_name: str) -> dict[str, Any]:
        """Files of one kind that were read but broke their schema: relative path -> their data."""
        return {rel: doc for rel, doc in self.broken.items() if (k := kind_of(rel)) and k.name == kind_name}

    def _one(self, rel: str) -> Any:
        record = self.by_path.get(rel)
        if record is None:
            raise ValidationFailed([p for p in self.problems if p.file == rel]
                                   or [Problem(rel, "file is missing or invalid")])
        return record

    @property
    def settings(self) -> WorkspaceSettings:
        return self._one(MARKER)

    @property
    def system(self) -> SystemProfile:
        return self._one("system.yaml")

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

    @property
    def dpia(self) -> Dpia | None:
        return self.by_path.get("dpia.yaml")

    @property
    def thresholds(self) -> ThresholdsFile | None:
        return self.by_path.get("thresholds.yaml")

    @property
    def operations(self) -> Operations | None:
        return self.by_path.get("operations.yaml")

    @property
    def audit(self) -> AuditFrame | None:
        return self.by_path.get("audit.yaml")

    @property
    def frameworks(self) -> FrameworksFile:
        """``frameworks.yaml``, or an empty one (nothing stated yet) when the workspace has none."""
        return self.by_path.get("frameworks.yaml") or FrameworksFile()

    def assessment(self, sub_id: str) -> SubcategoryAssessment:
        """The recorded assessment of a subcategory, or a fresh ``not_assessed`` one."""
        from rmfkit.catalog import load_catalog

        sub = load_catalog().subcategory(sub_id)
        mapping = self.mapping.get(sub.function)
        return mapping.subcategories.get(sub.id, SubcategoryAssessment()) if mapping else SubcategoryAssessment()

    def assessments(self) -> dict[str, SubcategoryAssessment]:
        """All 72 subcategories in catalog order, unrecorded ones as ``not_assessed``."""
        from rmfkit.catalog import load_catalog

        recorded = {sid: a for m in self.mapping.values() for sid, a in m.subcategories.items()}
        return {s.id: recorded.get(s.id, SubcategoryAssessment()) for s in load_catalog().subcategories}

    def dump(self) -> dict[str, Any]:
        """Every record as JSON-ready data by relative path (what bundles and snapshots store)."""
        return {rel: record.model_dump(mode="json") for rel, record in self.by_path.items()}

    def __iter__(self) -> Iterator[str]:
        return iter(self.by_path)

