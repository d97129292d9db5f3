"""Packaging: environment.yml mirrors pyproject.toml, the public API is light, the JSON Schemas are current."""
from __future__ import annotations

import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import jsonschema
import pytest
import yaml as pyyaml
from packaging.requirements import Requirement

import rmfkit
from rmfkit.safeparse import parse_yaml
from rmfkit.schemas import export_json_schemas, json_schema, record_kinds

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
ENVIRONMENT = pyyaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "workspace"
HEAVY_MODULES = ("pandas", "matplotlib", "typst", "nbconvert", "nbclient")  # DESIGN: imported where used


def normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def minimum_versions(specs: list[str]) -> dict[str, str]:
    """name -> the version after '>=' (every dependency must state one)."""
    found = {}
    for spec in specs:
        requirement = Requirement(spec)
        lower = [s.version for s in requirement.specifier if s.operator == ">="]
        assert len(lower) == 1, f"{spec!r} must state exactly one minimum version (>=)"
        found[normalized(requirement.name)] = lower[0]
    return found


# ---------------------------------------------------------------- environment.yml mirrors pyproject.toml

def conda_and_pip_entries() -> tuple[list[str], list[str]]:
    conda, pip = [], []
    for entry in ENVIRONMENT["dependencies"]:
        if isinstance(entry, dict):
            pip.extend(entry["pip"])
        else:
            conda.append(entry)
    return conda, pip


def test_environment_yml_lists_every_dependency_and_dev_extra_with_the_same_minimum():
    conda, pip = conda_and_pip_entries()
    from_pyproject = minimum_versions([*PYPROJECT["project"]["dependencies"],
                                       *PYPROJECT["project"]["optional-dependencies"]["dev"]])
    from_environment = minimum_versions([*(c for c in conda if c not in ("pip",) and not c.startswith("python")),
                                         *(p for p in pip if p != "-e .")])
    assert from_environment == from_pyproject
    assert "hypothesis" in from_environment and "pytest" in from_environment  # the dev extra is included


def test_environment_yml_installs_rmfkit_itself_with_the_same_python():
    conda, pip = conda_and_pip_entries()
    assert ENVIRONMENT["channels"] == ["conda-forge"]
    assert pip[-1] == "-e ."
    python = next(c for c in conda if c.startswith("python"))
    assert python.removeprefix("python") == PYPROJECT["project"]["requires-python"]


def test_console_script_and_version():
    assert PYPROJECT["project"]["scripts"] == {"rmfkit": "rmfkit.cli.app:main"}
    assert rmfkit.__version__ == PYPROJECT["project"]["version"]


def test_weasyprint_is_gone_and_the_pdf_needs_only_python_packages():
    """The PDFs are typeset with Typst (a self-contained wheel); nothing depends on or imports WeasyPrint."""
    declared = minimum_versions([*PYPROJECT["project"]["dependencies"],
                                 *PYPROJECT["project"]["optional-dependencies"]["dev"]])
    assert "weasyprint" not in declared and "typst" in declared
    importing = [str(path.relative_to(ROOT)) for path in (ROOT / "rmfkit").rglob("*.py")
                 if re.search(r"^\s*(import|from)\s+weasyprint\b", path.read_text(encoding="utf-8"), re.M)]
    assert importing == []


# ---------------------------------------------------------------- the wheel holds every package and its data

SETUPTOOLS = PYPROJECT["tool"]["setuptools"]


def test_every_package_is_listed_and_every_listed_package_exists():
    with_code = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "rmfkit").rglob("*.py")}
    listed = set(SETUPTOOLS["packages"])
    assert with_code <= listed, f"add to [tool.setuptools] packages: {sorted(with_code - listed)}"
    mapped = set(SETUPTOOLS.get("package-dir", {}))
    assert listed - mapped <= with_code, f"listed but gone: {sorted(listed - mapped - with_code)}"


def test_package_data_covers_every_data_file():
    patterns = SETUPTOOLS["package-data"]["rmfkit"]
    covered = {path for pattern in patterns for path in (ROOT / "rmfkit").glob(pattern) if path.is_file()}
    data = {path for path in (ROOT / "rmfkit").rglob("*") if path.is_file() and path.suffix not in (".py", ".pyc")
            and "__pycache__" not in path.parts}
    assert sorted(str(p.relative_to(ROOT)) for p in data - covered) == []
    assert {"frameworks/data/*", "catalog/data/*", "licenses/data/*"} <= set(patterns)


# ---------------------------------------------------------------- the public API stays light

def python(code: str) -> str:
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_import_rmfkit_imports_nothing_heavy_and_names_resolve_lazily():
    loaded = python("import sys, rmfkit; print(sorted(m for m in sys.modules "
                    "if m.split('.')[0] in ('pydantic', 'ruamel', 'typer') or m.startswith('rmfkit.')))")
    assert loaded.strip() == "[]"
    assert set(rmfkit.__all__) >= {"open_workspace", "Workspace", "load_catalog", "__version__"}
    from rmfkit.catalog import load_catalog
    from rmfkit.workspace import Workspace, open_workspace

    assert (rmfkit.open_workspace, rmfkit.Workspace, rmfkit.load_catalog) == (open_workspace, Workspace, load_catalog)
    with pytest.raises(AttributeError, match="no attribute 'build_everything'"):
        rmfkit.build_everything  # noqa: B018


def test_cli_help_does_not_import_heavy_libraries():
    code = ("import sys\nsys.argv = ['rmfkit', '--help']\nfrom rmfkit.cli.app import main\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            f"print('LOADED', sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY_MODULES!r}))")
    last_line = python(code).strip().splitlines()[-1]
    assert last_line == "LOADED []"


# ---------------------------------------------------------------- JSON Schemas for editors

def test_committed_schemas_are_up_to_date(tmp_path: Path):
    written = export_json_schemas(tmp_path)
    committed = ROOT / "schemas"
    assert sorted(p.name for p in committed.glob("*.schema.json")) == sorted(p.name for p in written), \
        "regenerate with: python -m rmfkit.schemas schemas"
    for path in written:
        assert (committed / path.name).read_bytes() == path.read_bytes(), \
            f"schemas/{path.name} is stale; regenerate with: python -m rmfkit.schemas schemas"


def test_one_schema_per_record_kind_read_at_call_time(tmp_path: Path, monkeypatch):
    from rmfkit import records as workspace
    from rmfkit.models.mapping import MappingFile

    monkeypatch.setattr(workspace, "RECORD_KINDS",
                        [*workspace.RECORD_KINDS, workspace.RecordKind("late", "late.yaml", MappingFile)])
    names = [p.name for p in export_json_schemas(tmp_path)]
    assert names == [f"{kind.name}.schema.json" for kind in workspace.RECORD_KINDS]
    assert names[-1] == "late.schema.json"


def as_json_data(path: Path):
    """A workspace file as an editor's YAML language server sees it (dates are strings)."""
    return json.loads(json.dumps(parse_yaml(path.read_bytes(), path.name), default=str))


def schema_validator(kind_name: str):
    kind = next(k for k in record_kinds() if k.name == kind_name)
    schema = json_schema(kind)
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())


@pytest.mark.parametrize("workspace", [ROOT / "examples" / "support-assistant", FIXTURES / "annotated"],
                         ids=["example", "annotated"])
def test_valid_workspace_files_pass_their_schema(workspace: Path):
    from rmfkit.workspace import Workspace

    ws = Workspace(workspace)
    assert ws.problems == []
    checked = 0
    for rel in ws.records:
        errors = [e.message for e in schema_validator(ws.kind_of(rel).name).iter_errors(as_json_data(ws.path(rel)))]
        assert errors == [], rel
        checked += 1
    assert checked >= 4


def test_schemas_catch_the_same_mistakes_as_the_models():
    measure = sorted(e.message for e in schema_validator("mapping").iter_errors(
        as_json_data(FIXTURES / "five-mistakes" / "mapping" / "measure.yaml")))
    assert measure == ["'done' is not one of ['met', 'partially_met', 'not_met', 'not_applicable', 'not_assessed']",
                       "'ownr' does not match any of the regexes: '^x-'"]
    system = sorted(e.message for e in schema_validator("system").iter_errors(
        as_json_data(FIXTURES / "five-mistakes" / "system.yaml")))
    assert "'hardware' is not one of ['framework', 'architecture', 'weights', 'data', 'tooling', 'service']" in system
    assert "'next spring' is not valid under any of the given schemas" in system
