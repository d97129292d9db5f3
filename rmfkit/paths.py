"""Where rmfkit finds what it ships (examples, the evidence library) and what a workspace points to.

>>> shipped("examples").name
'examples'
"""
from __future__ import annotations

import os
from pathlib import Path

from rmfkit.errors import InputFileError, UsageError, WorkspaceNotFound

PACKAGE_DIR = Path(__file__).resolve().parent
SOURCE_ROOT = PACKAGE_DIR.parent
MARKER = "rmfkit.yaml"  # the file that makes a folder a workspace


def find_workspace_root(start: Path | str | None = None) -> Path:
    """The nearest folder at or above ``start`` (default: the current directory) holding ``rmfkit.yaml``."""
    here = Path(start or Path.cwd()).resolve()
    if here.is_file():
        here = here.parent
    for folder in (here, *here.parents):
        if (folder / MARKER).is_file():
            return folder
    raise WorkspaceNotFound(f"no {MARKER} in {here} or any parent folder",
                            hint="pass -w DIR, or create one with `rmfkit init DIR`")


def shipped(name: str) -> Path:
    """A folder shipped beside the package in the source tree (``examples``, ``evidence``)."""
    return SOURCE_ROOT / name


def example_dir(name: str) -> Path:
    folder = shipped("examples") / name
    if not (folder / "rmfkit.yaml").is_file():
        available = sorted(p.name for p in shipped("examples").glob("*") if (p / "rmfkit.yaml").is_file())
        raise UsageError(f"unknown example '{name}'", hint="available: " + (", ".join(available) or "none"))
    return folder


def library_dir(workspace_root: Path | None = None, configured: str | None = None) -> Path:
    """The evidence library: ``RMFKIT_LIBRARY``, else ``library:`` in rmfkit.yaml, else the shipped one."""
    value = os.environ.get("RMFKIT_LIBRARY") or configured
    if value:
        path = Path(value)
        if not path.is_absolute() and workspace_root is not None:
            path = workspace_root / path
        if not path.is_dir():
            raise InputFileError(f"evidence library folder '{value}' does not exist", file="rmfkit.yaml",
                                 field="library", hint="fix the path or unset RMFKIT_LIBRARY")
        return path.resolve()
    return shipped("evidence")


def templates_dir() -> Path:
    return PACKAGE_DIR / "templates"
