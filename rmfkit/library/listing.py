"""The evidence of a workspace: listing through the index, what each item supports, verification.

>>> import tempfile, pathlib
>>> from rmfkit.workspace import Workspace
>>> ws = Workspace.create(pathlib.Path(tempfile.mkdtemp()) / "ws", system_id="demo", name="Demo", owner="me")
>>> list_evidence(ws), status_counts(ws)
([], None)
"""
from __future__ import annotations

import datetime as dt
import gc
import os
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Callable, Iterable, Iterator

from rmfkit.clock import today
from rmfkit.errors import IntegrityError, Problem, ValidationFailed
from rmfkit.labels import plural
from rmfkit.library import index as evidence_index
from rmfkit.library.freshness import EvidenceCheck, check_item, check_records
from rmfkit.models.evidence import EvidenceRecord
from rmfkit.workspace import Workspace


def workspace_listing(ws: Workspace) -> evidence_index.Listing:
    """The workspace's evidence through the index (fast on large workspaces), with folder/id checks."""
    listing = evidence_index.read_folder(
        ws.path("evidence"), ws.root / evidence_index.INDEX_NAME, ws.read_record,
        save=lambda data: ws.write_artifact(evidence_index.INDEX_NAME, data), rel_prefix="evidence/")
    for folder, record in listing.records.items():
        if folder != record.id:
            listing.problems.append(Problem(f"evidence/{folder}/evidence.yaml",
                                            f"id '{record.id}' does not match its folder '{folder}'", field="id"))
    for name in listing.orphans:  # an interrupted import: reported, never silently skipped
        listing.problems.append(Problem(f"evidence/{name}/", "holds no evidence.yaml: an import was interrupted; "
                                                             "remove the folder and import the file again"))
    return listing


def evidence_records(ws: Workspace) -> dict[str, EvidenceRecord]:
    """Valid evidence records by id; schema problems stop the command (exit 3)."""
    listing = workspace_listing(ws)
    if listing.problems:
        raise ValidationFailed(listing.problems)
    return {record.id: record for record in listing.records.values()}


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while a listing builds its records.

    Every record built stays alive, so the collections the allocations trigger find nothing to free;
    on 10,000 items they cost about a fifth of ``evidence ls``. The collector resumes afterwards (if it ran
    before).

    >>> with collector_paused():
    ...     gc.isenabled()
    False
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def list_evidence(ws: Workspace, day: dt.date | None = None) -> list[tuple[EvidenceRecord, EvidenceCheck]]:
    """Every item with its status; an artefact is re-hashed whenever its file changed since it was last
    hashed (``verify`` re-hashes every byte)."""
    with collector_paused():
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
        raise IntegrityError(f"{len(failures)} of {plural(len(checks), 'evidence item')} failed verification",
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

