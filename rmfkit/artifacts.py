"""Model artefact integrity: hash a model file or folder (streaming) against its expected SHA-256s, and
store the result as evidence.

>>> import tempfile, hashlib
>>> folder = Path(tempfile.mkdtemp())
>>> _ = (folder / "a.bin").write_bytes(b"weights")
>>> verify_artifact({"a.bin": hashlib.sha256(b"weights").hexdigest()}, folder).verdict
'all files match'
"""
from __future__ import annotations

import datetime as dt
import fnmatch
import hashlib
import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Mapping

from rmfkit.errors import InputFileError, UsageError
from rmfkit.labels import plural
from rmfkit.models.operations import ArtifactExpectation
from rmfkit.ops import CHECK_ARTEFACT_NAME, CHECK_ITEMS, OPERATIONS_FILE, load_template

if TYPE_CHECKING:
    from rmfkit.models.evidence import EvidenceRecord
    from rmfkit.signatures import SignatureCheck
    from rmfkit.workspace import Workspace


@dataclass(frozen=True)
class FileCheck:
    """One file of an artefact: ``ok | mismatch | missing | extra``."""

    path: str
    status: str
    expected: str | None
    actual: str | None
    size: int | None

    def describe(self) -> str:
        if self.status == "mismatch":
            return f"{self.path}: SHA-256 differs (expected {self.expected}, found {self.actual})"
        if self.status == "missing":
            return f"{self.path}: expected but missing"
        if self.status == "extra":
            return f"{self.path}: present but not part of the expected artefact"
        return f"{self.path}: ok"


@dataclass(frozen=True)
class ArtifactCheck:
    """Result of :func:`verify_artifact`; ``ok`` only when every expected file is present and matches."""

    target: str
    files: tuple[FileCheck, ...]
    total_bytes: int
    ok: bool = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "ok", all(f.status == "ok" for f in self.files))

    @property
    def failures(self) -> list[FileCheck]:
        return [f for f in self.files if f.status != "ok"]

    @property
    def digest(self) -> str:
        """The build digest of the files found: SHA-256 of the manifest of their SHA-256
        (:func:`rmfkit.builds.manifest_digest`; what ``build.digest`` in system.yaml records)."""
        from rmfkit.builds import manifest_digest

        return manifest_digest({f.path: f.actual for f in self.files if f.actual})

    @property
    def verdict(self) -> str:
        """``all files match``, or each kind of failure counted apart.

        >>> ArtifactCheck("m", (FileCheck("a", "mismatch", "0", "1", 1), FileCheck("b", "missing", "0", None, None),
        ...                     FileCheck("c", "missing", "0", None, None)), 1).verdict
        '1 file differs, 2 files missing'
        """
        if self.ok:
            return "all files match"
        counts = {status: sum(1 for f in self.failures if f.status == status) for status in ("mismatch", "missing",
                                                                                              "extra")}
        words = {"mismatch": ("file differs", "files differ"), "missing": ("file missing", "files missing"),
                 "extra": ("extra file", "extra files")}
        return ", ".join(f"{n} {words[status][n != 1]}" for status, n in counts.items() if n)

    def as_dict(self) -> dict[str, Any]:
        return {"target": self.target, "ok": self.ok, "digest": self.digest,
                "files_checked": sum(1 for f in self.files if f.actual),
                "total_bytes": self.total_bytes, "failures": [f.describe() for f in self.failures],
                "files": [asdict(f) for f in self.files]}


def _folder_files(root: Path, ignore: Iterable[str]) -> dict[str, Path]:
    """Regular files under ``root`` by relative POSIX path, minus ignored patterns (file links are followed)."""
    patterns = list(ignore)
    found = {}
    for folder, dirs, names in os.walk(root, followlinks=False):
        dirs.sort()
        for name in sorted(names):
            path = Path(folder) / name
            rel = path.relative_to(root).as_posix()
            if any(fnmatch.fnmatchcase(rel, p) for p in patterns):
                continue
            if path.is_file():
                found[rel] = path
    return found


def _plan(expected: str | Mapping[str, str] | None, path: Path, ignore: Iterable[str]
          ) -> tuple[list[tuple[str, Path, str]], list[str], list[str]]:
    """(files to hash as (name, path, expected digest), names missing, names extra); ``expected`` None:
    every file, nothing expected."""
    if not path.exists():
        raise InputFileError("not found", file=str(path), hint="give the model file or the folder holding it")
    if expected is None:
        files = {path.name: path} if path.is_file() else _folder_files(path, ignore)
        return [(name, p, None) for name, p in sorted(files.items())], [], []
    if isinstance(expected, str):
        if path.is_dir():
            raise UsageError(f"{path.name} is a folder, but one checksum (sha256) is recorded for a single file",
                             hint="pass the file itself, or record files: {path: sha256} for the folder")
        return [(path.name, path, expected)], [], []
    if path.is_file():
        if len(expected) != 1:
            raise UsageError(f"{path.name} is a file, but checksums of {len(expected)} files are recorded",
                             hint="pass the folder that holds the model files")
        (name, digest), = expected.items()
        return [(name, path, digest)], [], []
    present = _folder_files(path, ignore)
    plan = [(name, present[name], expected[name]) for name in sorted(expected) if name in present]
    missing = sorted(name for name in expected if name not in present)
    extra = sorted(name for name in present if name not in expected)
    return plan, missing, extra


def verify_artifact(expected: str | Mapping[str, str] | None, path: Path | str, *, ignore: Iterable[str] = (),
                    progress: bool = False) -> ArtifactCheck:
    """Hash a model file or a multi-file model folder (streaming) and compare with the expected SHA-256.

    ``expected`` is one digest (a single file), ``{relative path: digest}`` (a folder), or None (nothing
    recorded: every file is hashed for its build digest). Every file that differs, is missing or is extra is named. ``progress=True`` shows a progress bar on stderr.

    >>> import tempfile, hashlib
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / "a.bin").write_bytes(b"weights")
    >>> verify_artifact({"a.bin": hashlib.sha256(b"weights").hexdigest()}, folder).ok
    True
    """
    from rich.console import Console
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn, TransferSpeedColumn

    from rmfkit.hashing import sha256_file

    path = Path(path)
    plan, missing, extra = _plan(expected, path, ignore)
    total = sum(p.stat().st_size for _, p, _ in plan)
    results: dict[str, FileCheck] = {}
    columns = (TextColumn("{task.description}"), BarColumn(), DownloadColumn(), TransferSpeedColumn(),
               TimeRemainingColumn())
    with Progress(*columns, console=Console(stderr=True), transient=True, disable=not progress) as bar:
        task = bar.add_task(f"hashing {path.name}", total=total)
        for name, file_path, digest in plan:
            bar.update(task, description=f"hashing {name}")
            actual = sha256_file(file_path, progress=lambda n: bar.advance(task, n))
            results[name] = FileCheck(name, "ok" if digest in (None, actual) else "mismatch", digest, actual,
                                      file_path.stat().st_size)
    for name in missing:
        results[name] = FileCheck(name, "missing", expected[name], None, None)
    for name in extra:
        results[name] = FileCheck(name, "extra", None, None, (path / name).stat().st_size)
    return ArtifactCheck(target=path.name, files=tuple(results[n] for n in sorted(results)), total_bytes=total)


def record_artifact_check(ws: "Workspace", component: str, result: ArtifactCheck,
                          expectation: ArtifactExpectation | None = None, *, signature: "SignatureCheck | None" = None,
                          build: dict | None = None) -> "EvidenceRecord":
    """Store a check as evidence (kind ``artifact-check``): a JSON result plus its ``evidence.yaml``.

    The evidence id is ``artifact-check-<component>-<date>`` (``-2``, ``-3``… for more checks that day).
    A failed check is stored too: it is evidence that the deployed files differ.
    With ``signature`` (:func:`rmfkit.signatures.verify_model_signature`) the result and the signer are
    recorded too; ``build`` names the build the files are (at least their digest).
    """
    from rmfkit import __version__
    from rmfkit.clock import today as default_today

    day = default_today()
    template = load_template()
    subcategories = list(dict.fromkeys(s for item_id in CHECK_ITEMS for s in template.item(item_id).subcategories))
    document = {"check": "artifact-integrity", "component": component, "checked_on": day.isoformat(),
                "revision": expectation.revision if expectation else None,
                "expected_source": expectation.source if expectation else None,
                "tool": f"rmfkit {__version__}", **result.as_dict(),
                "signature": signature.as_dict() if signature else None}
    verdict = result.verdict + (f"; {signature.describe()}" if signature else "")
    return store_json_evidence(
        ws, f"artifact-check-{component}", CHECK_ARTEFACT_NAME, document,
        title=f"Artefact integrity check of {component}: {verdict}", kind="artifact-check",
        tool="rmfkit ops verify-artifact", components=[component], subcategories=subcategories,
        description=f"SHA-256 of {plural(len(result.files), 'file')} of {result.target} compared with the expected "
                    f"checksums in {OPERATIONS_FILE}: {verdict}.",
        facts={"ok": result.ok, "digest": result.digest, "files_checked": result.as_dict()["files_checked"],
               "total_bytes": result.total_bytes, "failures": [f.describe() for f in result.failures],
               **({"signature": signature.as_dict()} if signature else {})}, build=build)


def store_json_evidence(ws: "Workspace", base_id: str, file_name: str, document: dict, *, title: str, kind: str,
                        tool: str, components: list[str], subcategories: list[str], description: str,
                        facts: dict, build: dict | None = None) -> "EvidenceRecord":
    """Store a check's JSON result as evidence ``<base_id>-<date>`` (``-2``, ``-3``… for more that day)."""
    from rmfkit import __version__
    from rmfkit.clock import today as default_today
    from rmfkit.models.evidence import EvidenceRecord, EvidenceSource

    day = default_today()
    payload = (json.dumps(document, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    with ws.edit():
        evidence_id = _new_check_id(ws, base_id, day)
        record = EvidenceRecord(
            id=evidence_id, title=title, kind=kind, file=file_name, sha256=hashlib.sha256(payload).hexdigest(),
            size=len(payload), collected_at=day, imported_at=dt.datetime.now(dt.timezone.utc).replace(microsecond=0),
            source=EvidenceSource(tool=tool, tool_version=__version__), components=components,
            subcategories=subcategories, description=description, facts=facts, build=build)
        ws.write_artifact(f"evidence/{evidence_id}/{file_name}", payload)
        ws.put(f"evidence/{evidence_id}/evidence.yaml", record)
    return record


def _new_check_id(ws: "Workspace", prefix: str, day: dt.date) -> str:
    """A fresh evidence id ``<prefix>-<date>`` for a check made today (folders on disk count as taken)."""
    base = f"{prefix}-{day.isoformat()}"
    folder = ws.path("evidence")
    taken = set(ws.evidence) | ({p.name for p in folder.iterdir()} if folder.is_dir() else set())
    candidate, n = base, 1
    while candidate in taken:
        n += 1
        candidate = f"{base}-{n}"
    return candidate
