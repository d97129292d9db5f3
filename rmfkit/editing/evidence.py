"""Evidence: import with every option named, remove (refused while linked unless ``unlink``), replace.

>>> import tempfile, pathlib
>>> from rmfkit.workspace import Workspace
>>> ws = Workspace.create(pathlib.Path(tempfile.mkdtemp()) / "w", system_id="s", name="S", owner="o")
>>> old = ws.root.parent / "policy-v1.md"; _ = old.write_text("# Acceptable use v1\\n")
>>> new = ws.root.parent / "policy-v2.md"; _ = new.write_text("# Acceptable use v2\\n")
>>> [first] = [o.id for o in add(ws, [old], subcategories=["GOVERN 1.2"], collected_at="2026-10-01")]
>>> second = replace(ws, first, new, collected_at="2026-11-01")
>>> ws.assessment("GOVERN 1.2").evidence == [second], first in ws.evidence
(True, False)
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Iterable

from rmfkit.errors import UsageError

if TYPE_CHECKING:
    from rmfkit.library.imports import ImportOutcome
    from rmfkit.workspace import Workspace

IMPORT_OPTIONS = ("kind", "components", "subcategories", "collected_at", "valid_until", "title", "evidence_id",
                  "owner", "example_data", "all_or_nothing")


def add(ws: "Workspace", files: Iterable[Path | str], *, kind: str | None = None, components: Iterable[str] = (),
        subcategories: Iterable[str] = (), collected_at: str | None = None, valid_until: str | None = None,
        title: str | None = None, evidence_id: str | None = None, owner: str | None = None,
        example_data: bool = False, all_or_nothing: bool = False) -> list["ImportOutcome"]:
    """Import files (as ``rmfkit evidence import``): ``kind`` forces the importer (else detected),
    ``components`` and ``subcategories`` link the items, ``collected_at`` / ``valid_until`` date them
    (``YYYY-MM-DD``), ``title``, ``evidence_id`` and ``owner`` name one item, ``example_data`` marks
    illustrative data, ``all_or_nothing`` stores nothing if one file is refused."""
    from rmfkit.library.imports import import_files

    return import_files(ws, [Path(f) for f in files], kind=kind or None, components=list(components),
                        subcategories=list(subcategories), collected_at=collected_at or None,
                        valid_until=valid_until or None, title=title or None, evidence_id=evidence_id or None,
                        owner=owner or None, example_data=example_data, all_or_nothing=all_or_nothing)


def remove(ws: "Workspace", evidence_id: str, *, unlink: bool = False) -> list[str]:
    """Remove an item (as ``rmfkit evidence rm``); returns the links removed with it."""
    from rmfkit.library.remove import remove_evidence

    return remove_evidence(ws, evidence_id, unlink=unlink)


def replace(ws: "Workspace", evidence_id: str, file: Path | str, **options) -> str:
    """Import ``file`` as the successor of ``evidence_id``: the new item takes over every link, then the
    old one is removed. Returns the new id. Options as :func:`add`."""
    from rmfkit.library.listing import evidence_links
    from rmfkit.library.remove import unlink_all

    ws.require_evidence(evidence_id)
    old = ws.evidence[evidence_id]
    options.setdefault("components", old.components)
    options.setdefault("subcategories", old.subcategories)
    [outcome] = add(ws, [file], all_or_nothing=True, **options)
    if outcome.status != "imported":
        raise UsageError(f"{file} was not imported ({outcome.status}: {outcome.message or outcome.id})",
                         field="file")
    links = evidence_links(ws, dict(ws.evidence))[evidence_id]
    with ws.edit():
        for link in links:
            if link.via == "mapping":
                ws.record_assessment(link.id, add_evidence=[outcome.id],
                                     last_reviewed=ws.assessment(link.id).last_reviewed)
        for rel, record in list(ws.records.items()):
            if ws.kind_of(rel).name in ("risk", "operations", "system", "thresholds", "dpia"):
                _swap(ws, rel, record, evidence_id, outcome.id)
        unlink_all(ws, evidence_id)
    remove(ws, evidence_id)
    return outcome.id


def _swap(ws: "Workspace", rel: str, record, old: str, new: str) -> None:
    import json

    data = json.loads(json.dumps(record.model_dump(mode="json", exclude_unset=True)))

    def walk(node):
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "evidence" and isinstance(value, list) and old in value:
                    node[key] = list(dict.fromkeys(new if e == old else e for e in value))
                elif key == "evidence" and value == old:
                    node[key] = new
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    before = json.dumps(data, sort_keys=True)
    walk(data)
    if json.dumps(data, sort_keys=True) != before:
        ws.put(rel, type(record).model_validate(data))
