"""The foundation's CLI: init / validate / map set, exit codes, one clear line for every bad file."""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml as pyyaml

from rmfkit.errors import InputFileError
from rmfkit.hashing import sha256_file

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "workspace"
BAD = FIXTURES / "bad-files"
RMFKIT = Path(sys.executable).with_name("rmfkit")
NOUNS = ("init", "validate", "status", "map")


def tree_hashes(root: Path) -> dict[str, str]:
    """SHA-256 of every file under ``root``, except the writers' lock file (empty, git-ignored, transient)."""
    return {p.relative_to(root).as_posix(): sha256_file(p) for p in sorted(root.rglob("*"))
            if p.is_file() and p.name != ".rmfkit.lock"}


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "RMFKIT_TODAY": "2026-11-02"}
    return subprocess.run([str(a) for a in args], capture_output=True, text=True, cwd=cwd, env=env, timeout=120)


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("cli") / "ws"
    assert run(RMFKIT, "init", root).returncode == 0
    return root


@pytest.fixture
def ws(tmp_path: Path, template: Path) -> Path:
    root = tmp_path / "ws"
    shutil.copytree(template, root)
    return root


# ---------------------------------------------------------------- the acceptance commands, as real processes

def test_init_then_validate_exits_0(tmp_path: Path):
    root = tmp_path / "x"
    created = run(RMFKIT, "init", root)
    assert created.returncode == 0, created.stderr
    assert created.stdout == f"Created workspace {root} for system 'x'. Next: edit system.yaml, then `rmfkit status`.\n"
    assert sorted(tree_hashes(root)) == [
        ".gitignore", "mapping/govern.yaml", "mapping/manage.yaml", "mapping/map.yaml", "mapping/measure.yaml",
        "rmfkit.yaml", "system.yaml"]
    checked = run(RMFKIT, "validate", "-w", root)
    assert (checked.returncode, checked.stdout, checked.stderr) == (0, "x: valid (6 files checked)\n", "")
    # Without -w the workspace is found upward from the current directory.
    nested = root / "mapping"
    assert run(RMFKIT, "validate", cwd=nested).returncode == 0


def test_map_set_stores_a_string_key_and_keeps_comments(ws: Path):
    measure = ws / "mapping" / "measure.yaml"
    measure.write_text("# Measurement owned by the DPO office.\n" + measure.read_text(encoding="utf-8")
                       .replace("function: MEASURE\n", "function: MEASURE  # do not rename\n"), encoding="utf-8")
    result = run(RMFKIT, "map", "set", "-w", ws, "MEASURE 2.10", "--status", "met", "--owner", "dpo")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("MEASURE 2.10: met")
    assert measure.read_text(encoding="utf-8") == (
        "# Measurement owned by the DPO office.\n"
        "schema_version: 1\n"
        "function: MEASURE  # do not rename\n"
        "subcategories:\n"
        "  MEASURE 2.10:\n"
        "    status: met\n"
        "    owner: dpo\n"
        "    last_reviewed: 2026-11-02\n")
    data = pyyaml.safe_load(measure.read_bytes())  # an independent YAML parser
    assert [(key, type(key)) for key in data["subcategories"]] == [("MEASURE 2.10", str)]
    assert run(RMFKIT, "validate", "-w", ws).returncode == 0


def test_help_lists_the_nouns():
    for command in ([str(RMFKIT), "--help"], [sys.executable, "-m", "rmfkit", "--help"]):
        result = run(*command)
        assert result.returncode == 0, result.stderr
        assert "Usage: rmfkit" in result.stdout
        listed = {line.strip("│ ").split(" ")[0] for line in result.stdout.splitlines()}
        assert set(NOUNS) <= listed, result.stdout


# ---------------------------------------------------------------- every problem, with file, line and field

FIVE_MISTAKES = [
    "system.yaml line 12: components.0.layer: 'hardware' is not one of framework, architecture, weights, data, "
    "tooling, service",
    "system.yaml line 8: go_live: must be a date written YYYY-MM-DD (got 'next spring')",
    "mapping/measure.yaml line 6: subcategories.MEASURE 2.10.status: 'done' is not one of met, partially_met, "
    "not_met, not_applicable, not_assessed",
    "mapping/measure.yaml line 10: subcategories.MEASURE 2.11.ownr: unknown field (check the spelling; your own "
    "keys must start with 'x-')",
    "mapping/govern.yaml line 9: subcategories.GOVERN 1.2.justification: status not_applicable needs a justification",
]


def test_five_mistakes_in_three_files_are_all_listed(tmp_path: Path, run_cli):
    root = tmp_path / "five"
    shutil.copytree(FIXTURES / "five-mistakes", root)
    before = tree_hashes(root)
    code, out, err = run_cli("validate", "-w", root)
    assert code == 3
    assert out == ""
    assert sorted(err.splitlines()) == sorted([*FIVE_MISTAKES, "5 problems found"])
    assert err.splitlines()[-1] == "5 problems found"
    code, out, _ = run_cli("validate", "-w", root, "--json")
    assert code == 3
    located = {(p["file"], p["line"], p["field"]) for p in json.loads(out)}
    assert located == {("system.yaml", 12, "components.0.layer"), ("system.yaml", 8, "go_live"),
                       ("mapping/measure.yaml", 6, "subcategories.MEASURE 2.10.status"),
                       ("mapping/measure.yaml", 10, "subcategories.MEASURE 2.11.ownr"),
                       ("mapping/govern.yaml", 9, "subcategories.GOVERN 1.2.justification")}
    assert tree_hashes(root) == before


def test_commands_other_than_validate_refuse_an_invalid_workspace(tmp_path: Path, run_cli):
    root = tmp_path / "five"
    shutil.copytree(FIXTURES / "five-mistakes", root)
    before = tree_hashes(root)
    code, out, err = run_cli("map", "set", "-w", root, "MEASURE 2.3", "--status", "met")
    assert code == 3
    assert "mapping/measure.yaml line 6: subcategories.MEASURE 2.10.status" in err
    assert tree_hashes(root) == before


# ---------------------------------------------------------------- bad files: one clear line, nothing modified

BAD_FILES = [
    ("malformed.yaml", 2, "error: mapping/measure.yaml line 6: invalid YAML: expected ',' or '}', but got "
                          "'<stream end>'"),
    ("invalid-utf8.yaml", 2, "error: mapping/measure.yaml line 6: not valid UTF-8 (byte 0xe9 at offset 136) "
                             "(save the file as UTF-8)"),
    ("billion-laughs.yaml", 2, "error: mapping/measure.yaml line 5: YAML aliases (*name) are not allowed in "
                               "rmfkit files (protection against alias bombs)"),
    ("empty.yaml", 2, "error: mapping/measure.yaml: file is empty (expected a mapping starting with "
                      "schema_version)"),
    ("deep-nesting.yaml", 2, "error: mapping/measure.yaml line 5: nested more than 64 levels deep"),
    ("duplicate-keys.yaml", 2, 'error: mapping/measure.yaml line 7: duplicate key "status": a key may appear only '
                               'once in a mapping; keep one of them'),
    ("top-level-list.yaml", 2, "error: mapping/measure.yaml: expected a mapping of keys to values at the top, "
                               "found a list"),
    ("float-key.yaml", 3, 'mapping/measure.yaml line 5: subcategories.2.10: key 2.10 is read as the number 2.1, '
                          'not as text; write it in quotes ("2.10") so YAML keeps it a string'),
    ("no-schema-version.yaml", 3, "mapping/measure.yaml line 2: schema_version: missing or not a whole number; "
                                  "add 'schema_version: 1' at the top"),
    ("newer-schema-version.yaml", 3, "mapping/measure.yaml line 2: schema_version: version 999 was written by a "
                                     "newer rmfkit (this one reads up to 1); upgrade rmfkit"),
]


@pytest.mark.parametrize("fixture, exit_code, first_line", BAD_FILES, ids=[b[0] for b in BAD_FILES])
def test_a_bad_file_gives_one_clear_line_and_changes_nothing(ws: Path, run_cli, fixture, exit_code, first_line):
    shutil.copy(BAD / fixture, ws / "mapping" / "measure.yaml")
    before = tree_hashes(ws)
    for command in (["validate"], ["status"], ["map", "show"], ["map", "set", "MEASURE 2.3", "--status", "met"]):
        code, out, err = run_cli(*command, "-w", ws)
        assert code == exit_code, (command, err)
        assert err.splitlines()[0] == first_line, command
        if exit_code == 2:
            assert err.count("\n") == 1, err
        assert "Traceback" not in out + err
        assert tree_hashes(ws) == before, command


def test_a_directory_where_a_file_belongs(ws: Path, run_cli):
    (ws / "system.yaml").unlink()
    (ws / "system.yaml").mkdir()
    before = tree_hashes(ws)
    code, out, err = run_cli("validate", "-w", ws)
    assert (code, out, err) == (2, "", "error: system.yaml: is a directory, expected a file\n")
    assert tree_hashes(ws) == before


def test_bad_files_through_the_real_console_script(ws: Path):
    """The same guarantees hold in a separate process: no traceback reaches the terminal."""
    for fixture in ("billion-laughs.yaml", "invalid-utf8.yaml", "empty.yaml"):
        shutil.copy(BAD / fixture, ws / "mapping" / "measure.yaml")
        before = tree_hashes(ws)
        result = run(RMFKIT, "validate", "-w", ws)
        assert result.returncode == 2
        assert result.stdout == ""
        assert len(result.stderr.splitlines()) == 1 and result.stderr.startswith("error: mapping/measure.yaml")
        assert "Traceback" not in result.stderr
        assert tree_hashes(ws) == before


def test_debug_shows_the_traceback(ws: Path, run_cli):
    shutil.copy(BAD / "empty.yaml", ws / "mapping" / "measure.yaml")
    with pytest.raises(InputFileError, match="file is empty"):
        run_cli("--debug", "validate", "-w", ws)


# ---------------------------------------------------------------- usage mistakes

def test_usage_mistakes_exit_2_with_one_line(ws: Path, run_cli, tmp_path: Path):
    before = tree_hashes(ws)
    code, _, err = run_cli("map", "set", "-w", ws, "MEASURE 2.10", "--status", "done")
    assert code == 2
    assert err.startswith("error: --status: 'done' is not one of met, partially_met, not_met, not_applicable, "
                          "not_assessed")
    code, _, err = run_cli("map", "set", "-w", ws, "MEASURE 9.9", "--status", "met")
    assert code == 2 and err.startswith("error: ") and "MEASURE 9.9" in err and len(err.splitlines()) == 1
    code, _, err = run_cli("validate", "-w", tmp_path / "nowhere")
    assert code == 2 and err.startswith("error: ") and len(err.splitlines()) == 1
    code, _, err = run_cli("init", ws)
    assert code == 2 and err == f"error: folder {ws} is not empty (choose a new folder)\n"
    assert tree_hashes(ws) == before


def test_init_on_a_file_is_a_usage_error(tmp_path: Path, run_cli):
    target = tmp_path / "notes.txt"
    target.write_text("keep me\n", encoding="utf-8")
    code, out, err = run_cli("init", target)
    assert (code, out, err) == (2, "", f"error: {target} is a file, not a folder (choose a new folder)\n")
    assert target.read_text(encoding="utf-8") == "keep me\n"


def test_a_refused_write_is_one_line_and_leaves_the_file(ws: Path, run_cli, monkeypatch):
    import errno

    import rmfkit.workspace

    def disk_full(path, data):
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(rmfkit.workspace, "atomic_write_bytes", disk_full)
    before = tree_hashes(ws)
    code, out, err = run_cli("map", "set", "-w", ws, "MEASURE 2.10", "--status", "met")
    assert (code, out) == (2, "")
    assert err == f"error: {ws.resolve() / 'mapping' / 'measure.yaml'}: No space left on device\n"
    assert tree_hashes(ws) == before


def test_a_named_pipe_where_a_file_belongs_does_not_hang(ws: Path, run_cli):
    os.mkfifo(ws / "mapping" / "extra.yaml")
    code, out, err = run_cli("validate", "-w", ws)
    assert (code, out, err) == (2, "", "error: mapping/extra.yaml: is not a regular file (a pipe, socket or device?)\n")


def test_an_oversized_file_is_refused_before_it_is_read(ws: Path, run_cli):
    with open(ws / "mapping" / "huge.yaml", "wb") as handle:
        handle.truncate(9 * 1024 * 1024)
    code, _, err = run_cli("validate", "-w", ws)
    assert (code, err) == (2, "error: mapping/huge.yaml: file is 9,437,184 bytes; the limit is 8,388,608\n")


# ---------------------------------------------------------------- small things an auditor noticed

def test_init_from_an_example_ignores_generated_files_and_writes_files_by_the_umask(tmp_path: Path):
    root = tmp_path / "copy"
    created = subprocess.run([str(RMFKIT), "init", str(root), "--example", "support-assistant"], capture_output=True,
                             text=True, env={**os.environ, "RMFKIT_TODAY": "2026-11-02"}, timeout=120,
                             preexec_fn=lambda: os.umask(0o027))
    assert created.returncode == 0, created.stderr
    assert (root / ".gitignore").read_text(encoding="utf-8") == "build/\n.rmfkit.lock\n.rmfkit-index.json\n"
    modes = {oct(p.stat().st_mode & 0o777) for p in root.rglob("*") if p.is_file() and p.name != ".rmfkit.lock"}
    assert modes == {"0o640"}


def test_a_saved_file_keeps_its_mode_and_a_new_one_gets_the_umask(ws: Path):
    (ws / "mapping" / "measure.yaml").chmod(0o604)
    result = subprocess.run([str(RMFKIT), "map", "set", "-w", str(ws), "MEASURE 2.10", "--status", "met"],
                            capture_output=True, text=True, timeout=120, preexec_fn=lambda: os.umask(0o022))
    assert result.returncode == 0, result.stderr
    assert oct((ws / "mapping" / "measure.yaml").stat().st_mode & 0o777) == "0o604"
    (ws / "mapping" / "govern.yaml").unlink()
    result = subprocess.run([str(RMFKIT), "map", "set", "-w", str(ws), "GOVERN 1.1", "--status", "met"],
                            capture_output=True, text=True, timeout=120, preexec_fn=lambda: os.umask(0o022))
    assert result.returncode == 0, result.stderr
    assert oct((ws / "mapping" / "govern.yaml").stat().st_mode & 0o777) == "0o644"


def test_workspace_option_naming_a_file_is_a_usage_error(ws: Path, run_cli):
    code, out, err = run_cli("status", "-w", ws / "system.yaml")
    assert (code, out) == (2, "")
    assert err == f"error: {ws / 'system.yaml'} is a file, not a workspace folder (pass the folder that holds rmfkit.yaml)\n"


def test_an_unknown_function_lists_the_four(ws: Path, run_cli):
    assert run_cli("map", "show", "-w", ws, "--function", "FOO") == (
        2, "", "error: unknown function 'FOO' (use one of GOVERN, MAP, MEASURE, MANAGE)\n")


def every_command_path() -> list[tuple[str, ...]]:
    import typer.main

    from rmfkit.cli.app import build_app

    paths, stack = [()], [((), typer.main.get_command(build_app()))]
    while stack:
        prefix, group = stack.pop()
        for name, command in getattr(group, "commands", {}).items():
            paths.append((*prefix, name))
            stack.append(((*prefix, name), command))
    return sorted(paths)


def test_each_command_is_registered_by_the_module_the_table_names():
    """A run imports only the module of its command (rmfkit.cli.app.COMMANDS): the table must be exact."""
    import importlib

    import typer.main

    from rmfkit.cli.app import COMMANDS

    for module in set(COMMANDS.values()):
        alone = typer.Typer()
        alone.callback()(lambda: None)
        importlib.import_module(f"rmfkit.cli.{module}").register(alone)
        registered = set(typer.main.get_command(alone).commands)
        assert registered == {name for name, owner in COMMANDS.items() if owner == module}, module


def test_help_reads_like_a_command_line_tool(run_cli, monkeypatch):
    """No typer type tags (<bool>, <list[str]>), no {argument} braces, no reStructuredText backticks."""
    monkeypatch.setenv("COLUMNS", "120")
    pages = {}
    for path in every_command_path():
        code, out, err = run_cli(*path, "--help")
        assert (code, err) == (0, ""), path
        pages[" ".join(path)] = out
    assert len(pages) > 30
    for name, page in pages.items():
        for tag in ("<bool>", "<str>", "<path>", "<int>", "<list", "{", "``"):
            assert tag not in page, (name, tag)
    assert "Usage: rmfkit map set [OPTIONS] SUBCATEGORY" in pages["map set"]
    assert "--target-date              YYYY-MM-DD  When the target status is due" in pages["map set"]
    assert re.search(r"│ --json +Print machine-readable JSON", pages["validate"])  # a flag takes no value
