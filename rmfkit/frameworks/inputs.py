"""The framework layer's inputs from a workspace: ``frameworks.yaml`` and plain summaries of loaded records.

:func:`parse_frameworks` validates ``frameworks.yaml`` bytes on their own (the Workspace loads the file
with every other record); :func:`holdings` turns loaded records into the plain dict
:mod:`rmfkit.frameworks.annex_iv` reads. Neither
computes a status: that is :mod:`rmfkit.frameworks.derive`'s job.

>>> parse_frameworks(b"schema_version: 1\\npairs: []\\n", "frameworks.yaml").pairs
[]
>>> parse_frameworks(b"schema_version: 1\\nobligations: {Art 4: {status: done}}\\n", "frameworks.yaml")
Traceback (most recent call last):
rmfkit.errors.InputFileError: frameworks.yaml: obligations.Art 4.status: Input should be 'met', 'partially_met', 'not_met', 'not_applicable' or 'not_assessed'
"""
from __future__ import annotations

from typing import Any

from rmfkit.models.frameworks import FrameworksFile

FRAMEWORKS_FILE = "frameworks.yaml"


def parse_frameworks(data: bytes, name: str = FRAMEWORKS_FILE) -> FrameworksFile:
    """Validate ``frameworks.yaml`` bytes; a problem is one :class:`~rmfkit.errors.InputFileError` line."""
    from pydantic import ValidationError

    from rmfkit.errors import InputFileError
    from rmfkit.safeparse import parse_yaml

    doc = parse_yaml(data, name)
    try:
        return FrameworksFile.model_validate(doc)
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(str(p) for p in err["loc"])
        raise InputFileError(err["msg"].removeprefix("Value error, "), file=name, field=field or None) from None


def holdings(ws: Any, checks: Any = None) -> dict:
    """What the workspace holds, as plain data for the Annex IV checklist.

    ``checks``: evidence checks by id (objects with ``status``); without them every item counts as current.
    """
    system = ws.system.model_dump(mode="json")
    evidence = [{"id": eid, "kind": rec.kind,
                 "status": getattr((checks or {}).get(eid), "status", "ok") if checks is not None else "ok"}
                for eid, rec in sorted(ws.evidence.items())]
    operations = [{"id": item.id, "status": item.status}
                  for ops in ws.records_of("operations").values() for item in ops.checklist]
    thresholds = sum(len(t.thresholds) for t in ws.records_of("thresholds").values())
    snapshots = list(ws.reviews)
    return {"system": system, "evidence": evidence,
            "risks": [{"id": rid, "status": r.status} for rid, r in sorted(ws.risks.items())],
            "operations": operations, "thresholds": thresholds, "snapshots": snapshots}
