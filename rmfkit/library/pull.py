"""The evidence library: a folder of ``<id>/evidence.yaml + artefact`` items that workspaces pull
from, search by model name or repository id, and check for drift (what changed upstream since a pull).

>>> import pathlib
>>> library = Library(pathlib.Path(__file__).resolve().parents[2] / "evidence")
>>> [r.id for r in library.search("BAAI/bge-m3")][:1]
['lic-bge-m3']
"""
from __future__ import annotations

import datetime as dt
import difflib
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from rmfkit.errors import InputFileError, IntegrityError, Problem, UnknownIdError, UsageError
from rmfkit.library import index as evidence_index
from rmfkit.library.facts import diff_facts, facts_sha256
from rmfkit.hashing import sha256_file
from rmfkit.library.listing import evidence_records
from rmfkit.models.evidence import EvidenceRecord
from rmfkit.fileio import atomic_write_bytes, read_user_file
from rmfkit.workspace import Workspace

SEARCH_FACTS = ("repos", "models", "aliases", "datasets", "licenses", "license_name", "hf_id", "subject")


def searchable(record: EvidenceRecord) -> list[str]:
    """The names a library item is found by: id, title, and the model, repository and license facts."""
    names = [record.id, record.title]
    for key in SEARCH_FACTS:
        value = (record.facts or {}).get(key)
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, dict):
                names.extend(str(v) for k, v in item.items() if k in ("name", "repo") and v)
            elif item:
                names.append(str(item))
    return names


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
        from rmfkit.wording import describe_validation_error
        from rmfkit.yamlio import plain

        try:
            doc = parse_yaml(read_user_file(self.root / rel, rel), rel)
            return EvidenceRecord.model_validate(plain(doc)), []
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

    def search(self, query: str, listing: evidence_index.Listing | None = None) -> list[EvidenceRecord]:
        """Library items whose id, title, model names, repository ids or license ids hold every word of
        ``query`` (case-insensitive); an exact repository id or model name comes first."""
        words = re.findall(r"[a-z0-9]+", query.lower())
        if not words:
            return []
        listing = listing or self.listing()
        found = []
        for record in listing.records.values():
            names = [str(v).lower() for v in searchable(record)]
            haystack = " ".join(names)
            if all(word in haystack for word in words):
                exact = query.strip().lower() in names
                found.append((not exact, record.id, record))
        return [record for *_, record in sorted(found, key=lambda item: item[:2])]

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

def store_copy(ws: Workspace, rel: str, source: Path | bytes, sha256: str, origin: str) -> None:
    """Copy an artefact into the workspace and check the copy's hash against the library's."""
    ws.write_artifact(rel, source)
    if sha256_file(ws.path(rel)) != sha256:
        raise InputFileError("changed while it was being pulled; nothing was stored", file=origin,
                             hint="pull it again once the tool writing it has finished")


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
                store_copy(ws, rel, artefacts[lib.id], lib.sha256, f"library {lib.id}/{lib.file}")
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
