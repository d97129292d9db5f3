"""Shared fixtures: a fresh copy of the example workspace, a CLI runner returning (code, out, err)."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "support-assistant"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture(autouse=True)
def own_cache_folder(tmp_path_factory, monkeypatch) -> None:
    """Each test remembers command answers (rmfkit.cli.memo) in a folder of its own, never the user's."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("cache")))


@pytest.fixture
def example_ws(tmp_path: Path) -> Path:
    """A writable copy of the example workspace."""
    target = tmp_path / "support-assistant"
    shutil.copytree(EXAMPLE, target, ignore=shutil.ignore_patterns("build", ".rmfkit.lock", ".rmfkit-index.json"))
    return target


@pytest.fixture
def run_cli(capsys):
    """Run the CLI in-process: ``code, out, err = run_cli("status", "-w", path)``."""
    from rmfkit.cli.app import main

    def run(*args: str) -> tuple[int, str, str]:
        capsys.readouterr()
        code = main([str(a) for a in args])
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return run


def assessed(ws, today=None):
    """The mapping section of the one analysis of ``ws``, read as attributes (``.rows``, ``.row("MAP 1.1")``).

    Dates are ISO text, as every surface shows them.
    """
    from types import SimpleNamespace

    from rmfkit.analysis import of_workspace

    analysis = of_workspace(ws, today)
    return SimpleNamespace(**analysis.mapping, row=analysis.row, to_dict=lambda: analysis.mapping)


def measured(ws, today=None) -> list:
    """The threshold rows of the one analysis of ``ws`` (empty when no thresholds are declared)."""
    from rmfkit.analysis import of_workspace

    section = of_workspace(ws, today).measurement
    return section["rows"] if section else []


def executed_cleanly(notebook) -> list[str]:
    """Problems in an executed notebook's outputs: errors, anything on stderr, or a bare plain-text repr
    where a table or chart should be. ``[]`` when it ran cleanly."""
    problems = []
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            if output.output_type == "error":
                problems.append(f"{cell.id}: {output.ename}: {output.evalue}")
            elif output.output_type == "stream" and output.name == "stderr":
                problems.append(f"{cell.id}: stderr: {output.text[:300]}")
            elif "text/plain" in output.get("data", {}) and len(output["data"]) == 1:
                problems.append(f"{cell.id}: plain repr shown: {output['data']['text/plain'][:120]}")
    return problems
