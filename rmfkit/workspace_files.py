"""What kind of thing each workspace path is: the checks ``validate`` runs on files, not on records.

A workspace may come from someone else. Before a packet reads a file, ``validate`` makes sure it is
what it claims to be: the branding logo is a regular image file inside the workspace (never a pipe
that blocks the build, a link out of the workspace, or a text file); the record folders (``mapping/``,
``risks/``, ``evidence/``, ``templates/`` …) are real folders inside the workspace, not links to
somewhere else; and every ``evidence/<id>/`` folder holds its ``evidence.yaml`` (imports stage each
batch in a hidden ``.batch-<pid>.partial`` folder and rename each item into place complete, so a folder without one was
made by hand or by an older rmfkit, and is reported).

>>> import tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> file_kind(folder), file_kind(folder / "nothing")
('a folder', 'missing')
"""
from __future__ import annotations

import stat
from pathlib import Path
from typing import TYPE_CHECKING

from rmfkit.errors import Problem

if TYPE_CHECKING:
    from rmfkit.workspace import Workspace

FOLDERS = ("mapping", "risks", "evidence", "templates", "reviews")
MAX_LOGO_BYTES = 8 * 1024 * 1024
# What an image file's first bytes are, per the suffixes the packet accepts.
IMAGE_MAGIC = {".png": (b"\x89PNG\r\n\x1a\n",), ".jpg": (b"\xff\xd8\xff",), ".jpeg": (b"\xff\xd8\xff",),
               ".svg": (b"<svg", b"<?xml", b"\xef\xbb\xbf<")}


def file_kind(path: Path) -> str:
    """``file``, ``missing``, or what else is there in words (the link itself is judged, not its target)."""
    try:
        mode = path.lstat().st_mode
    except FileNotFoundError:
        return "missing"
    except OSError as exc:
        return f"unreadable ({exc.strerror})"
    if stat.S_ISREG(mode):
        return "file"
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    if stat.S_ISDIR(mode):
        return "a folder"
    return "a pipe, socket or device"


def _logo_problem(ws: "Workspace", logo: str) -> str | None:
    root = ws.root.resolve()
    path = ws.root / logo
    if Path(logo).is_absolute() or root not in (path.parent.resolve() / path.name).parents:
        return f"'{logo}': path leaves the workspace (put the image inside it)"
    kind = file_kind(path)
    if kind != "file":
        return f"'{logo}' is {kind}, expected an image file" if kind != "missing" else f"'{logo}': file not found"
    magic = IMAGE_MAGIC.get(path.suffix.lower())
    if magic is None:
        return f"'{logo}' must be a PNG, JPEG or SVG image (.png, .jpg, .svg)"
    if path.stat().st_size > MAX_LOGO_BYTES:
        return f"'{logo}' is larger than {MAX_LOGO_BYTES // (1024 * 1024)} MiB"
    with open(path, "rb") as handle:
        head = handle.read(64).lstrip()
    if not head.startswith(magic):
        return f"'{logo}' is not a {path.suffix.lower().lstrip('.').upper()} image (its first bytes say otherwise)"
    return None


def orphans(evidence_root: Path) -> list[str]:
    """Folders under ``evidence/`` that look like evidence items but hold no ``evidence.yaml``.

    An import's hidden staging folder (``.batch-<pid>.partial``) is not one: a killed import leaves it, nothing
    reads it, and the next import removes it.

    >>> import tempfile, pathlib
    >>> root = pathlib.Path(tempfile.mkdtemp()); (root / "half").mkdir(); (root / ".x.partial").mkdir()
    >>> orphans(root)
    ['half']
    """
    if not evidence_root.is_dir() or evidence_root.is_symlink():
        return []
    return [child.name for child in sorted(evidence_root.iterdir())
            if child.is_dir() and not child.name.startswith(".") and file_kind(child / "evidence.yaml") != "file"]


def check_files(ws: "Workspace") -> list[Problem]:
    """The logo, the record folders, the evidence folders and artefacts, each checked for what it really is."""
    problems = []
    root = ws.root.resolve()
    for name in FOLDERS:
        kind = file_kind(ws.root / name)
        if kind in ("missing", "a folder"):
            continue
        where = "outside the workspace" if kind == "a symbolic link" and root not in (
            (ws.root / name).resolve().parents) else "inside the workspace"
        problems.append(Problem(f"{name}/", f"is {kind} ({where}), expected a folder of the workspace; "
                                            "rmfkit does not follow it", None, None))
    logo = ws.settings.branding.logo if "rmfkit.yaml" in ws.records else None
    problem = _logo_problem(ws, logo) if logo else None
    if problem:
        problems.append(Problem("rmfkit.yaml", problem, ws.locate("rmfkit.yaml", ("branding", "logo")),
                                "branding.logo"))
    for rel, record in ws.records_of("evidence").items():
        kind = file_kind(ws.root / rel.rsplit("/", 1)[0] / record.file) if "/" not in record.file else "file"
        if kind not in ("file", "missing"):  # a missing artefact is evidence status 'missing', shown as such
            problems.append(Problem(rel, f"artefact '{record.file}' is {kind}; rmfkit stores regular files only",
                                    ws.locate(rel, ("file",)), "file"))
    for name in orphans(ws.root / "evidence"):
        problems.append(Problem(f"evidence/{name}/", "holds no evidence.yaml: an import was interrupted; "
                                                     "remove the folder and import the file again", None, None))
    return problems
