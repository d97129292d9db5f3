"""Removing an evidence item: refused while records link it, unless the links are removed too.

Links live in the mapping, risks, the operations checklist and pilot, components, thresholds and the
DPIA (screening answers, measures). ``unlink=True`` removes every link in the same locked edit and
reports each one; then the item's folder goes. Nothing changes when the removal is refused.

>>> import tempfile, pathlib
>>> from rmfkit.workspace import Workspace
>>> from rmfkit.library.imports import import_files
>>> ws = Workspace.create(pathlib.Path(tempfile.mkdtemp()) / "ws", system_id="demo", name="Demo", owner="me")
>>> note = ws.root.parent / "minutes.txt"; _ = note.write_text("minutes")
>>> [eid] = [o.id for o in import_files(ws, [note], subcategories=["GOVERN 1.1"], collected_at="2026-01-15")]
>>> remove_evidence(ws, eid)
Traceback (most recent call last):
rmfkit.errors.UsageError: evidence 'doc-minutes-2026-01' is linked from GOVERN 1.1 (pass --unlink to remove the links too)
>>> remove_evidence(ws, eid, unlink=True)
['GOVERN 1.1']
"""
from __future__ import annotations

import shutil
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from rmfkit.errors import UsageError
from rmfkit.wording import describe_validation_error

if TYPE_CHECKING:
    from rmfkit.workspace import Workspace


def _without(ids: list[str], evidence_id: str) -> list[str]:
    return [e for e in ids if e != evidence_id]


def _unlinked_data(data: Any, evidence_id: str, path: str, found: list[str]) -> Any:
    """``data`` without ``evidence_id`` in any ``evidence`` list or value; ``found`` collects where
    (``components mistral-7b``, ``pilot 3``, ``screening criteria C4``)."""
    if isinstance(data, dict):
        out = {}
        for key, value in data.items():
            if key == "evidence" and (value == evidence_id or (isinstance(value, list) and evidence_id in value)):
                found.append(path)
                if isinstance(value, list):
                    out[key] = _without(value, evidence_id)
            else:
                out[key] = _unlinked_data(value, evidence_id, f"{path} {key}".strip(), found)
        return out
    if isinstance(data, list):
        return [_unlinked_data(item, evidence_id, f"{path} {item.get('id') or item.get('step') or ''}".strip()
                               if isinstance(item, dict) else path, found) for item in data]
    return data


def _place(rel: str) -> str:
    return {"system.yaml": "system", "operations.yaml": "operations", "thresholds.yaml": "thresholds",
            "dpia.yaml": "DPIA"}.get(rel, rel.removesuffix(".yaml").replace("risks/", "risk ").replace("mapping/", ""))


def unlink_all(ws: "Workspace", evidence_id: str, blocked: list[str] | None = None) -> list[str]:
    """Remove ``evidence_id`` from every record that links it (inside ``ws.edit()``); returns where, in words.

    A record that would break without the link (e.g. a document that must name its evidence) is left as
    it is and named in ``blocked``.
    """
    blocked = [] if blocked is None else blocked
    where: list[str] = []
    for sub_id, assessment in ws.assessments().items():
        if evidence_id in assessment.evidence:
            ws.set_assessment(sub_id, evidence=_without(list(assessment.evidence), evidence_id) or None)
            where.append(sub_id)
    for rel, record in list(ws.records.items()):
        kind = ws.kind_of(rel)
        if kind is None or kind.name in ("mapping", "evidence", "settings"):
            continue
        found: list[str] = []
        data = _unlinked_data(record.model_dump(exclude_unset=True), evidence_id, "", found)
        if found:
            where.extend(f"{_place(rel)} {f}".strip() for f in found)
            try:
                ws.put(rel, kind.model.model_validate(data))
            except ValidationError as exc:
                blocked.append(f"{rel}: {describe_validation_error(exc.errors()[0])[1]}")
    return where


def remove_evidence(ws: "Workspace", evidence_id: str, *, unlink: bool = False) -> list[str]:
    """Remove an evidence item; returns the links removed with it (empty when it was not linked).

    Refused with a :class:`~rmfkit.errors.UsageError` naming the links while records link it, unless
    ``unlink`` (``rmfkit evidence rm ID --unlink``).
    """
    ws.skip = ()
    with ws.edit():
        ws.require_evidence(evidence_id)
        blocked: list[str] = []
        removed = unlink_all(ws, evidence_id, blocked)
        if removed and not unlink:
            raise UsageError(f"evidence '{evidence_id}' is linked from {', '.join(removed)}",
                             hint="pass --unlink to remove the links too")
        if blocked:
            raise UsageError(f"evidence '{evidence_id}' cannot be unlinked from {'; '.join(blocked)}",
                             hint="change that record first")
        rel = f"evidence/{evidence_id}/evidence.yaml"
        ws.records.pop(rel, None)
    with ws.lock():
        shutil.rmtree(ws.evidence_dir(evidence_id), ignore_errors=True)
    ws.load()
    return removed
