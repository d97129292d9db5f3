"""Evidence forms of session 02: import with every option visible, remove, replace.

>>> import tempfile, pathlib
>>> from rmfkit.workspace import Workspace
>>> ws = Workspace.create(pathlib.Path(tempfile.mkdtemp()) / "w", system_id="s", name="S", owner="o")
>>> [f.name for f in import_form(ws).fields][:3]
['files', 'kind', 'components']
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterable

from rmfkit.notebook.forms.base import Field, Form, call_text

if TYPE_CHECKING:
    from rmfkit.workspace import Workspace


def import_form(ws: "Workspace", refresh: Iterable[Any] = ()) -> Form:
    """Files to import and every option of ``rmfkit evidence import``."""
    from rmfkit.editing import evidence
    from rmfkit.library.importers import by_kind

    fields = [Field("files", "Files (one path per line)", "lines"),
              Field("kind", "Kind", "choice", (("detect from content", None), *sorted(by_kind()))),
              Field("components", "Components", "multi", tuple(c.id for c in ws.system.components)),
              Field("subcategories", "Subcategories (one per line)", "lines"),
              Field("collected_at", "Collected on", "date"), Field("valid_until", "Valid until", "date"),
              Field("title", "Title (one file)"), Field("evidence_id", "Id (one file)"), Field("owner", "Owner"),
              Field("example_data", "Illustrative example data", "bool"),
              Field("all_or_nothing", "Store nothing if one file is refused", "bool")]

    def options(v: dict) -> dict:
        return {k: (x.isoformat() if hasattr(x, "isoformat") else x) for k, x in v.items() if k != "files"}

    def action(v: dict) -> str:
        outcomes = evidence.add(ws, v["files"], **options(v))
        return "; ".join(f"{o.status}: {o.id or o.message}" for o in outcomes) or "no files given"

    return Form(ws, title="Import evidence", fields=fields, initial={}, action=action,
                call=lambda v: call_text("evidence.add", v["files"], **{k: x for k, x in options(v).items() if x}),
                refresh=refresh)


def remove_form(ws: "Workspace", refresh: Iterable[Any] = ()) -> Form:
    """Remove an item; refused while records link it, unless the links go too (each one is reported)."""
    from rmfkit.editing import evidence

    fields = [Field("evidence_id", "Evidence", "choice", tuple(sorted(ws.evidence)) or ("",)),
              Field("unlink", "Also remove its links", "bool")]

    def action(v: dict) -> str:
        unlinked = evidence.remove(ws, v["evidence_id"], unlink=v["unlink"])
        return f"Removed {v['evidence_id']}" + (f"; unlinked {', '.join(unlinked)}" if unlinked else "")

    return Form(ws, title="Remove evidence", fields=fields, initial={"unlink": False}, action=action,
                call=lambda v: call_text("evidence.remove", v["evidence_id"], unlink=v["unlink"] or None),
                refresh=refresh)


def replace_form(ws: "Workspace", refresh: Iterable[Any] = ()) -> Form:
    """Import a newer file in place of an item: the new one takes over every link."""
    from rmfkit.editing import evidence

    fields = [Field("evidence_id", "Replace", "choice", tuple(sorted(ws.evidence)) or ("",)),
              Field("file", "With file"), Field("collected_at", "Collected on", "date")]

    def action(v: dict) -> str:
        day = v["collected_at"].isoformat() if v["collected_at"] else None
        new = evidence.replace(ws, v["evidence_id"], v["file"] or "", collected_at=day)
        return f"Replaced {v['evidence_id']} by {new}"

    return Form(ws, title="Replace evidence", fields=fields, initial={}, action=action,
                call=lambda v: call_text("evidence.replace", v["evidence_id"], v["file"],
                                         collected_at=v["collected_at"]), refresh=refresh)
