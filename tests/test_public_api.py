"""The notebooks are thin shells over the public API: every import in a code cell is ``rmfkit`` or
``rmfkit.notebook``, and every ``rmfkit.<name>`` / ``show.<name>`` they use is a public name.

The checker parses each code cell with ``ast``; synthetic cells below show that it fails when it must.
"""
from __future__ import annotations

import ast
from pathlib import Path

import nbformat
import pytest

import rmfkit
import rmfkit.notebook

NOTEBOOK_DIR = Path(__file__).resolve().parent.parent / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))
ALLOWED_MODULES = {"rmfkit", "rmfkit.notebook"}
PUBLIC = {"rmfkit": set(rmfkit.__all__) | {"notebook"}, "rmfkit.notebook": set(rmfkit.notebook.__all__)}
FORBIDDEN_TEXT = ("open(", "yaml", "shutil", "Path(", "def ", "class ", "__import__", "importlib")


def violations(source: str) -> list[str]:
    """What breaks the rule in one code cell: imports from other modules, non-public names, file handling."""
    found = [f"uses {text!r}" for text in FORBIDDEN_TEXT if text in source]
    tree = ast.parse(source)
    aliases: dict[str, str] = {}  # local name -> module it stands for
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name not in ALLOWED_MODULES:
                    found.append(f"imports {alias.name}")
                elif alias.asname or alias.name == "rmfkit":
                    aliases[alias.asname or alias.name] = alias.name
        elif isinstance(node, ast.ImportFrom):
            module = "." * node.level + (node.module or "")
            if module not in ALLOWED_MODULES:
                found.append(f"imports from {module}")
                continue
            for alias in node.names:
                full = f"{module}.{alias.name}"
                if full in ALLOWED_MODULES:
                    aliases[alias.asname or alias.name] = full
                elif alias.name not in PUBLIC[module]:
                    found.append(f"imports {alias.name} from {module}, which does not export it")
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in aliases:
            module = aliases[node.value.id]
            if node.attr not in PUBLIC[module]:
                found.append(f"uses {module}.{node.attr}, which is not public")
    return found


def code_cells(path: Path) -> list[tuple[str, str]]:
    notebook = nbformat.read(path, as_version=4)
    return [(cell.id, cell.source) for cell in notebook.cells if cell.cell_type == "code"]


def test_there_are_notebooks_to_check():
    assert len(NOTEBOOKS) == 8


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_uses_only_the_public_api(path):
    problems = {cell_id: v for cell_id, source in code_cells(path) if (v := violations(source))}
    assert problems == {}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_imports_rmfkit(path):
    imported = [node for _, source in code_cells(path) for node in ast.walk(ast.parse(source))
                if isinstance(node, (ast.Import, ast.ImportFrom))]
    assert imported, "a session notebook imports rmfkit"


@pytest.mark.parametrize("source, expected", [
    ("import rmfkit\nfrom rmfkit import notebook as show\nshow.coverage_table(rmfkit.analyze)", []),
    ("from rmfkit.notebook import open_session, analysis_of", []),
    ("import rmfkit.notebook as show\nshow.status_overview(x)", []),
    ("from rmfkit.report.bundle import build_packet", ["imports from rmfkit.report.bundle"]),
    ("from rmfkit.notebook.html import Table", ["imports from rmfkit.notebook.html"]),
    ("import rmfkit.session", ["imports rmfkit.session"]),
    ("import pandas as pd", ["imports pandas"]),
    ("from . import notebook", ["imports from ."]),
    ("from rmfkit import assess", ["imports assess from rmfkit, which does not export it"]),
    ("from rmfkit import notebook as show\nshow.assess(ws)", ["uses rmfkit.notebook.assess, which is not public"]),
    ("import rmfkit\nrmfkit.status_summary(ws)", ["uses rmfkit.status_summary, which is not public"]),
    ("with open('x') as f:\n    f.read()", ["uses 'open('"]),
    ("m = __import__('rmfkit.session')", ["uses '__import__'"]),
])
def test_checker_on_synthetic_cells(source, expected):
    assert violations(source) == expected


def test_checker_fails_a_notebook_with_a_deep_import(tmp_path):
    """The whole check on a notebook file: one bad cell among good ones is named by its id."""
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell("import rmfkit", id="good"),
                      nbformat.v4.new_code_cell("from rmfkit.review.diff import diff_bundles", id="bad")]
    path = tmp_path / "bad.ipynb"
    nbformat.write(notebook, path)
    with pytest.raises(AssertionError, match="bad"):
        test_notebook_uses_only_the_public_api(path)


def test_every_public_name_resolves():
    for name in PUBLIC["rmfkit.notebook"]:
        assert getattr(rmfkit.notebook, name) is not None, name


def test_public_names_are_not_shadowed_by_submodules():
    """``rmfkit.verify(...)`` must stay the function after other code imported a module of the same name
    (importing ``rmfkit/verify.py`` sets the package attribute ``verify`` to the module)."""
    import subprocess
    import sys

    code = ("import importlib, pkgutil, types, rmfkit\n"
            "for info in pkgutil.walk_packages(rmfkit.__path__, 'rmfkit.'):\n"
            "    importlib.import_module(info.name)\n"
            "print(sorted(n for n in rmfkit.__all__ if isinstance(getattr(rmfkit, n), types.ModuleType)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
