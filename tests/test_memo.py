"""Remembered answers (rmfkit.cli.memo): reused only while nothing the command reads has changed."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from rmfkit.cli import memo
from tests.conftest import FIXTURES


@pytest.fixture
def loads(monkeypatch) -> list[Path]:
    """Every workspace load (the work a remembered answer saves), and no racy window: an answer is settled
    as soon as it is kept, so only the fingerprint can tell a change (the window has a test of its own)."""
    from rmfkit.workspace import Workspace

    seen: list[Path] = []
    original = Workspace.load

    def counted(self):
        seen.append(self.root)
        return original(self)

    monkeypatch.setattr(Workspace, "load", counted)
    monkeypatch.setattr(memo, "RACY_NS", -10**15)
    return seen


def test_a_second_status_is_remembered_and_prints_the_same(example_ws, run_cli, loads, monkeypatch):
    first = run_cli("status", "--json", "-w", example_ws)
    second = run_cli("status", "--json", "-w", example_ws)
    table = run_cli("status", "-w", example_ws)
    assert first[0] == 0 and first == second and len(loads) == 1
    monkeypatch.setenv("RMFKIT_NO_MEMO", "1")
    assert run_cli("status", "--json", "-w", example_ws) == first and len(loads) == 2
    assert run_cli("status", "-w", example_ws) == table and len(loads) == 3
    assert json.loads(first[1])["coverage"]["totals"]["total"] == 72


def test_a_changed_record_is_answered_afresh(example_ws, run_cli, loads, monkeypatch):
    before = json.loads(run_cli("status", "--json", "-w", example_ws)[1])
    risk = example_ws / "risks" / "R-0004.yaml"
    text = risk.read_text("utf-8")
    assert "\nlikelihood: 4\n" in text
    risk.write_text(text.replace("\nlikelihood: 4\n", "\nlikelihood: 1\n"), encoding="utf-8")
    after = run_cli("status", "--json", "-w", example_ws)
    assert len(loads) == 2 and json.loads(after[1]) != before
    monkeypatch.setenv("RMFKIT_NO_MEMO", "1")
    assert run_cli("status", "--json", "-w", example_ws) == after


@pytest.mark.parametrize("racy_ns", [2_000_000_000, -10**15], ids=["fresh folders listed again", "listings reused"])
def test_every_kind_of_change_to_the_workspace_changes_the_fingerprint(example_ws, monkeypatch, racy_ns):
    monkeypatch.setattr(memo, "RACY_NS", racy_ns)
    question = memo.Memo.find(example_ws, "status", {})
    keys = {question._fingerprint()[0]}

    def changed(what: str) -> None:
        key = question._fingerprint()[0]
        assert key not in keys, f"not seen: {what}"
        keys.add(key)

    for path in sorted(p for p in example_ws.rglob("*") if p.is_file()):
        stamp = path.stat()
        path.write_bytes(path.read_bytes()[:-1] + b"#")  # same size, one byte different
        os.utime(path, ns=(stamp.st_atime_ns, stamp.st_mtime_ns))  # and the modification time put back
        changed(str(path.relative_to(example_ws)))
    (example_ws / "risks" / "R-0099.yaml").write_text("id: R-0099\n", encoding="utf-8")
    changed("a new file")
    (example_ws / "risks" / "R-0099.yaml").rename(example_ws / "risks" / "R-0098.yaml")
    changed("a renamed file")
    (example_ws / "risks" / "R-0013.yaml").unlink()
    changed("a removed file")
    (example_ws / "evidence" / "lic-vllm" / "extra").mkdir()
    changed("a new folder")
    os.chmod(example_ws / "system.yaml", 0o600)
    changed("a mode")
    for ignored in ("build", ".git"):
        (example_ws / ignored).mkdir(exist_ok=True)
        (example_ws / ignored / "x").write_text("not read")
    for ignored in (".rmfkit.lock", ".rmfkit-index.json"):
        (example_ws / ignored).write_text("{}")
    assert question._fingerprint()[0] in keys  # build/, .git/ and the lock are never read; the index is a cache


def test_a_kept_listing_that_lost_a_name_is_not_trusted(example_ws, run_cli, loads, monkeypatch):
    """Kept folder listings only confirm a kept answer: a listing missing a file cannot hide that file's edits."""
    run_cli("status", "--json", "-w", example_ws)
    question = memo.Memo.find(example_ws, "status", {"as_of": None})
    kept = json.loads(question.file.read_bytes())
    listing = kept["folders"]["/risks/"]
    listing[5] = "/".join(name for name in listing[5].split("/") if name != "R-0005.yaml")
    question.file.write_text(json.dumps(kept), encoding="utf-8")
    run_cli("status", "--json", "-w", example_ws)  # the damaged listing gives another key: computed, kept whole
    risk = example_ws / "risks" / "R-0005.yaml"
    risk.write_text(risk.read_text("utf-8").replace("\nstatus: open\n", "\nstatus: closed\n"), encoding="utf-8")
    remembered = run_cli("status", "--json", "-w", example_ws)
    monkeypatch.setenv("RMFKIT_NO_MEMO", "1")
    assert remembered == run_cli("status", "--json", "-w", example_ws)


def test_a_file_name_that_is_not_utf8_is_no_obstacle(example_ws, run_cli, loads):
    (example_ws / os.fsdecode(b"notes-\xff.txt")).write_text("not read by rmfkit")
    first = run_cli("status", "--json", "-w", example_ws)
    assert first[0] == 0 and run_cli("status", "--json", "-w", example_ws) == first


def test_the_evaluation_date_and_the_environment_are_part_of_the_question(example_ws, run_cli, loads, monkeypatch):
    run_cli("status", "--json", "-w", example_ws, "--as-of", "2026-12-01")
    run_cli("status", "--json", "-w", example_ws, "--as-of", "2026-12-01")
    assert len(loads) == 1
    run_cli("status", "--json", "-w", example_ws, "--as-of", "2027-06-01")
    assert len(loads) == 2
    monkeypatch.setenv("RMFKIT_TODAY", "2027-06-02")
    run_cli("status", "--json", "-w", example_ws)
    run_cli("status", "--json", "-w", example_ws)
    monkeypatch.setenv("RMFKIT_TODAY", "2027-06-03")
    run_cli("status", "--json", "-w", example_ws)
    assert len(loads) == 4


def test_an_answer_kept_while_files_were_changing_is_not_trusted(example_ws, run_cli, loads, monkeypatch):
    monkeypatch.setattr(memo, "RACY_NS", 2_000_000_000)
    run_cli("status", "--json", "-w", example_ws)  # the copy was made just now: racy
    run_cli("status", "--json", "-w", example_ws)
    assert len(loads) == 2
    kept_at = time.time_ns() + 3_000_000_000  # as if kept three seconds after the last change
    monkeypatch.setattr(memo.time, "time_ns", lambda: kept_at)
    run_cli("status", "--json", "-w", example_ws)
    run_cli("status", "--json", "-w", example_ws)
    assert len(loads) == 3


def test_a_workspace_with_a_symbolic_link_is_never_answered_from_memory(example_ws, run_cli, loads):
    (example_ws / "notes").symlink_to(example_ws.parent)
    first = run_cli("status", "--json", "-w", example_ws)
    assert run_cli("status", "--json", "-w", example_ws) == first and len(loads) == 2


def test_a_damaged_memo_is_ignored(example_ws, run_cli, loads):
    first = run_cli("status", "--json", "-w", example_ws)
    question = memo.Memo.find(example_ws, "status", {"as_of": None})
    kept = json.loads(question.file.read_bytes())
    forged = {**kept, "answer": '{"forged": true}', "key": "0" * 64}
    damaged = [b"{not json", b"[]", json.dumps(forged).encode(),
               json.dumps({**kept, "folders": {"/": "not a listing", "/risks/": [1, 2]}}).encode()]
    for damage in damaged:
        question.file.write_bytes(damage)
        assert run_cli("status", "--json", "-w", example_ws) == first
    assert len(loads) == 4  # the damaged listings are walked again; the answer itself still holds
    question.file.write_bytes(b"{not json")
    run_cli("status", "--json", "-w", example_ws)
    assert run_cli("status", "--json", "-w", example_ws) == first and len(loads) == 5  # kept again, whole


def test_an_answer_kept_for_another_day_is_not_reused(example_ws, run_cli, loads):
    run_cli("status", "--json", "-w", example_ws)
    question = memo.Memo.find(example_ws, "status", {"as_of": None})
    kept = json.loads(question.file.read_bytes())
    question.file.write_text(json.dumps({**kept, "day": "2026-01-01"}), encoding="utf-8")  # as if kept back then
    run_cli("status", "--json", "-w", example_ws)
    assert len(loads) == 2


def test_evidence_ls_keeps_its_answer_under_the_date_it_was_computed_for(example_ws, run_cli, loads, monkeypatch):
    """Midnight passing while the listing runs: the rows and the date they are kept under are the same day."""
    import datetime as dt

    from rmfkit import clock

    sidecar = example_ws / "evidence" / "lic-vllm" / "evidence.yaml"
    sidecar.write_text(sidecar.read_text("utf-8") + "valid_until: 2030-06-01\n", encoding="utf-8")
    days = iter([dt.date(2030, 6, 1)])  # the first reading of the clock, then the day after
    monkeypatch.setattr(clock, "evaluation_date", lambda *a, **k: next(days, dt.date(2030, 6, 2)))
    rows = json.loads(run_cli("evidence", "ls", "--json", "-w", example_ws)[1])
    kept = json.loads(memo.Memo.find(example_ws, "evidence-ls", {}).file.read_bytes())
    status = next(r["status"] for r in rows if r["id"] == "lic-vllm")
    assert (kept["day"], status) == ("2030-06-01", "ok")


def test_memos_stay_out_of_the_workspace_and_in_a_private_folder(example_ws, run_cli):
    memo.answers_folder().mkdir(mode=0o755, parents=True)  # made by someone else, readable by all
    before = {p.relative_to(example_ws) for p in example_ws.rglob("*")}
    run_cli("validate", "-w", example_ws)
    run_cli("evidence", "ls", "-w", example_ws)
    assert {p.relative_to(example_ws) for p in example_ws.rglob("*")} - before <= {Path(".rmfkit-index.json")}
    folder = memo.answers_folder()
    assert sorted(p.name.split("-", 1)[1] for p in folder.iterdir()) == ["evidence-ls.json", "validate.json"]
    assert folder.stat().st_mode & 0o077 == 0


def test_validate_remembers_its_problems_and_exit_code(tmp_path, run_cli, loads):
    import shutil

    root = tmp_path / "five"
    shutil.copytree(FIXTURES / "workspace" / "five-mistakes", root)
    first = run_cli("validate", "-w", root)
    assert first[0] == 3 and first[2].splitlines()[-1] == "5 problems found"
    assert run_cli("validate", "-w", root) == first and len(loads) == 1
    as_json = run_cli("validate", "--json", "-w", root)
    assert as_json[0] == 3 and len(json.loads(as_json[1])) == 5 and len(loads) == 1


def test_evidence_ls_is_remembered_but_not_the_library_listing(example_ws, run_cli, loads):
    first = run_cli("evidence", "ls", "--json", "-w", example_ws)
    assert run_cli("evidence", "ls", "--json", "-w", example_ws) == first and len(loads) == 1
    assert len(json.loads(first[1])) == 13
    run_cli("evidence", "ls", "--library", "-w", example_ws)
    run_cli("evidence", "ls", "--library", "-w", example_ws)
    assert len(loads) == 3


AUDIT = textwrap.dedent("""
    import os, sys
    opened = set()

    def hook(event, args):
        if event in ("open", "os.listdir", "os.scandir") and args and isinstance(args[0], (str, bytes, os.PathLike)):
            opened.add(os.path.abspath(os.fsdecode(args[0])))

    sys.addaudithook(hook)
    from rmfkit.cli.app import main
    code = main(sys.argv[1:])
    sys.stdout.flush()
    print(repr(sorted(opened)), file=sys.stderr)
    sys.exit(code)
""")


@pytest.mark.parametrize("command", [["status"], ["validate"], ["evidence", "ls"]])
def test_every_file_a_command_reads_is_in_its_fingerprint(example_ws, tmp_path, command):
    """What the command opens or lists lies in the workspace (outside build/, .git/ and the lock; the evidence
    index is read, as a cache of the sidecars), or in what the code state covers (rmfkit's package, Python,
    site-packages), or is the time-zone database."""
    import site
    import sysconfig
    import zoneinfo

    env = {**os.environ, "RMFKIT_NO_MEMO": "1", "XDG_CACHE_HOME": str(tmp_path / "cache")}
    result = subprocess.run([sys.executable, "-c", AUDIT, *command, "-w", str(example_ws)], capture_output=True,
                            text=True, env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    opened = eval(result.stderr.strip().splitlines()[-1])  # noqa: S307 - our own repr() of a list of str
    covered = [str(memo.PACKAGE_DIR), sys.prefix, sys.base_prefix, sysconfig.get_paths()["stdlib"],
               *site.getsitepackages(), *zoneinfo.TZPATH, "/dev/", "/proc/"]
    root = str(example_ws)
    outside = [p for p in opened if not p.startswith(root) and not p.startswith(tuple(covered))
               and p not in (str(tmp_path), *sys.path) and "__path_hook__" not in p]
    assert outside == []
    inside = [p[len(root):].lstrip("/") for p in opened if p.startswith(root + "/")]
    assert inside and not [p for p in inside if p.split("/")[0] in memo.NOT_INPUTS - {".rmfkit-index.json"}]


def test_an_answer_computed_while_the_workspace_changed_is_not_kept(example_ws, loads):
    from rmfkit.clock import evaluation_date

    system, day = example_ws / "system.yaml", evaluation_date(None, "UTC")

    def compute():
        system.write_text(system.read_text("utf-8") + "# edited while the answer was computed\n", encoding="utf-8")
        return {"answer": 1}, day, "UTC"

    assert memo.remembered("status", example_ws, {}, compute).data == {"answer": 1}
    assert not memo.Memo.find(example_ws, "status", {}).file.exists()
    memo.remembered("status", example_ws, {}, lambda: ({"answer": 2}, day, "UTC"))
    assert memo.remembered("status", example_ws, {}, lambda: ({"answer": 3}, day, "UTC")).data == {"answer": 2}
