"""Issue 21 (hardening, round two) and issue 15 item 8: one test per item that failed before the fix.

Each test replays the outside attack's case through the CLI (or the one function the CLI calls) and
asserts what a user sees: the exit code, the one line naming file and field, nothing left behind.
Archive and verify items (2, 6, 12, 15.6) are in ``test_hardening_archive.py``; rendering items
(1, 3, 8, 10) that build a packet are in ``test_hardening_render.py``.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
from pathlib import Path

import pytest

from rmfkit.seal import MANIFEST, canonical_json, generate_keys, load_private_key, sealing_files
from rmfkit.hashing import sha256_bytes

BASE = Path(__file__).resolve().parent / "corpus" / "base"
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "evidence"


@pytest.fixture
def ws(tmp_path: Path, monkeypatch) -> Path:
    monkeypatch.setenv("RMFKIT_TODAY", "2026-12-01")
    target = tmp_path / "ws"
    shutil.copytree(BASE, target)
    return target


def edit(path: Path, pattern: str, replacement: str) -> None:
    """Replace the first match of ``pattern`` (a line, with ``re.M``); ``\\g<0>`` is the matched text."""
    text = path.read_text("utf-8")
    changed = re.sub(pattern, lambda m: replacement.replace("\\g<0>", m.group()), text, count=1, flags=re.M)
    assert changed != text, f"{pattern!r} not found in {path}"
    path.write_text(changed, "utf-8")


def problems(run_cli, ws: Path) -> list[str]:
    code, out, err = run_cli("validate", "-w", ws)
    assert code == 3 and "Traceback" not in err, (code, out, err)
    return err.strip().splitlines()[:-1]


# ---------------------------------------------------------------- item 4: the review history

def snapshot(ws: Path, label: str, previous: object, *, key=None, day: str = "2026-09-30",
             recorded_label: str | None = None) -> str:
    """Write a snapshot folder as take_snapshot does (bundle, manifest, signature); returns its manifest SHA-256."""
    bundle = canonical_json({"format": "rmfkit-bundle/2", "note": f"test data {label}"})
    manifest = canonical_json({"format": "rmfkit-manifest/1", "generated_at": f"{day}T00:00:00Z",
                               "files": [{"path": "bundle.json", "sha256": sha256_bytes(bundle), "size": len(bundle)}],
                               "review": {"format": "rmfkit-review/1", "label": recorded_label or label, "date": day,
                                          "cadence": "quarterly", "previous": previous},
                               "signed": key is not None, "zip": False})
    folder = ws / "reviews" / label
    folder.mkdir(parents=True)
    (folder / "bundle.json").write_bytes(bundle)
    for name, payload in sealing_files(manifest, key).items():
        (folder / name).write_bytes(payload)
    return sha256_bytes(manifest)


def chain(ws: Path, labels=("2026-Q1", "2026-Q2", "2026-Q3"), key=None) -> dict[str, str]:
    shas, previous = {}, None
    for i, label in enumerate(labels):
        shas[label] = snapshot(ws, label, previous, key=key, day=f"2026-0{3 * i + 3}-28")
        previous = {"label": label, "manifest_sha256": shas[label]}
    return shas


def history_fails(ws: Path, words: str, key: Path | None = None) -> None:
    from rmfkit.errors import IntegrityError
    from rmfkit.review.snapshots import check_history
    from rmfkit.workspace import Workspace

    with pytest.raises(IntegrityError) as caught:
        check_history(Workspace.open(ws), key)
    assert any(words in failure for failure in caught.value.failures), caught.value.failures


def test_intact_history_verifies(ws):
    from rmfkit.review.snapshots import check_history
    from rmfkit.workspace import Workspace

    chain(ws)
    assert [s.label for s in check_history(Workspace.open(ws))] == ["2026-Q1", "2026-Q2", "2026-Q3"]


def test_renamed_snapshot_folder(ws, run_cli):
    chain(ws)
    (ws / "reviews" / "2026-Q3").rename(ws / "reviews" / "2027-Q4")
    history_fails(ws, "renamed or copied snapshot folder")
    code, _, err = run_cli("review", "diff", "--from", "2027-Q4", "-w", ws)
    assert code == 4 and "FAIL snapshot 2027-Q4" in err


@pytest.mark.parametrize("previous, words", [(None, "each start a chain"), (["x"], "is not a link"),
                                             ("garbage", "is not a link"),
                                             ({"label": "2026-Q1", "manifest_sha256": "0" * 64}, "altered")])
def test_broken_link_does_not_end_the_chain_silently(ws, previous, words):
    chain(ws, ("2026-Q1", "2026-Q2"))
    snapshot(ws, "2026-Q3", previous, day="2026-09-28")
    history_fails(ws, words)


def test_deleted_middle_snapshot_blocks_diff_and_a_new_snapshot(ws, run_cli):
    chain(ws)
    shutil.rmtree(ws / "reviews" / "2026-Q2")
    history_fails(ws, "missing: snapshot 2026-Q2")
    code, _, err = run_cli("review", "snapshot", "--label", "2026-Q4", "-w", ws)
    assert code == 4 and "missing: snapshot 2026-Q2" in err
    assert not (ws / "reviews" / "2026-Q4").exists()


def test_fork_is_reported(ws):
    shas = chain(ws, ("2026-Q1", "2026-Q2"))
    snapshot(ws, "2026-Q3", {"label": "2026-Q1", "manifest_sha256": shas["2026-Q1"]}, day="2026-09-28")
    history_fails(ws, "forks the history")


def test_rewritten_signed_snapshot_is_refused_with_the_configured_key(ws, tmp_path, run_cli):
    """A snapshot re-hashed after signing keeps its old signature: with snapshot_public_key configured,
    diff and review packet refuse it (exit 4) instead of sealing the forged content."""
    private, public = generate_keys(tmp_path / "keys")
    shutil.copy(public, ws / "snapshot-key.pub.pem")
    with open(ws / "rmfkit.yaml", "a", encoding="utf-8") as handle:
        handle.write("snapshot_public_key: snapshot-key.pub.pem\n")
    chain(ws, ("2026-Q1", "2026-Q2"), key=load_private_key(private))
    folder = ws / "reviews" / "2026-Q2"
    forged = canonical_json({"format": "rmfkit-bundle/2", "note": "forged"})
    (folder / "bundle.json").write_bytes(forged)
    manifest = json.loads((folder / MANIFEST).read_bytes())
    manifest["files"][0].update(sha256=sha256_bytes(forged), size=len(forged))
    (folder / MANIFEST).write_bytes(canonical_json(manifest))
    history_fails(ws, "bad signature")
    for args in (["review", "diff", "--from", "2026-Q1", "--to", "2026-Q2"],
                 ["review", "packet", "--from", "2026-Q1", "--to", "2026-Q2", "--out", tmp_path / "out"]):
        code, _, err = run_cli(*args, "-w", ws)
        assert code == 4 and "bad signature" in err, err
    assert not (tmp_path / "out").exists()
    code, _, err = run_cli("review", "snapshot", "--label", "2026-Q4", "-w", ws)
    assert code == 2 and "must be signed" in err


# ---------------------------------------------------------------- item 11: labels and ids, whole string

@pytest.mark.parametrize("label", ["q1\n", "2026-Q4\n", "2026-Q5", "LIVE", "live", "2026-Q0", "26-Q1", "2026-11"])
def test_bad_quarterly_labels(ws, run_cli, label):
    code, _, err = run_cli("review", "snapshot", "--label", label, "-w", ws)
    assert code == 2 and "is not a quarterly snapshot label" in err and len(err.strip().splitlines()) == 1
    assert not (ws / "reviews").exists() or not any((ws / "reviews").iterdir())


def test_labels_follow_the_cadence():
    from rmfkit.errors import UsageError
    from rmfkit.review.snapshots import check_label

    assert check_label("2026-11", "monthly") == "2026-11"
    assert check_label("2026-H2", "semiannual") == "2026-H2"
    assert check_label("2026", "annual") == "2026"
    for label, cadence in (("2026-13", "monthly"), ("2026-H3", "semiannual"), ("2026\n", "annual")):
        with pytest.raises(UsageError):
            check_label(label, cadence)


def test_import_id_with_a_newline(ws, tmp_path, run_cli):
    note = tmp_path / "note.txt"
    note.write_text("minutes\n")
    code, _, err = run_cli("evidence", "import", note, "--id", "abc\n", "-w", ws)
    assert code == 2 and "--id" in err and "Traceback" not in err
    assert not (ws / "evidence" / "abc\n").exists()


# ---------------------------------------------------------------- item 5: numbers and dates, bounded

@pytest.mark.parametrize("pattern, replacement, words", [
    (r"^(collected_at|imported_at): .*$", "collected_at: 9999-12-31", "must be a date from 1900 to 2199"),
    (r"^kind: .*$", "\\g<0>\nreview_interval_days: 999999999", "must be at most 36,500 days"),
    (r"^facts:$", "\\g<0>\n  acc: .inf", "must be a finite number"),
    (r"^facts:$", "\\g<0>\n  acc: 1.0e+308", "must be between"),
])
def test_evidence_numbers_and_dates_are_bounded(ws, run_cli, pattern, replacement, words):
    edit(ws / "evidence" / "lic-demo-llm" / "evidence.yaml", pattern, replacement)
    assert any(words in line and "evidence/lic-demo-llm/evidence.yaml" in line for line in problems(run_cli, ws))


@pytest.mark.parametrize("value, words", [("1.0e+308", "must be between"), (".inf", "finite"), ("-.inf", "finite")])
def test_threshold_is_bounded(ws, run_cli, value, words):
    edit(ws / "thresholds.yaml", r"threshold: [0-9.]+", f"threshold: {value}")
    assert any("thresholds.yaml" in line for line in problems(run_cli, ws))


def test_lm_eval_with_huge_values_is_refused_at_import(ws, tmp_path, run_cli):
    data = json.loads((FIXTURES / "lmeval_results.json").read_text("utf-8"))
    for metrics in data["results"].values():
        for name in list(metrics):
            if name.startswith("acc"):
                metrics[name] = 1e308
    given = tmp_path / "huge.json"
    given.write_text(json.dumps(data), "utf-8")
    code, _, err = run_cli("evidence", "import", given, "--kind", "lm-eval", "-w", ws)
    assert code == 2 and "huge.json" in err and "must be between" in err
    assert sorted(p.name for p in (ws / "evidence").iterdir()) == sorted(p.name for p in (BASE / "evidence").iterdir())


def test_portfolio_reports_and_skips_a_workspace_that_cannot_be_rolled_up(ws, tmp_path, monkeypatch):
    from rmfkit.review import portfolio as module

    good = tmp_path / "good"
    shutil.copytree(ws, good)
    real = module.portfolio_row

    def row(workspace, day):
        if workspace.root.name == "ws":
            raise OverflowError("date value out of range")
        return real(workspace, day)

    monkeypatch.setattr(module, "portfolio_row", row)
    monkeypatch.setattr(module, "PARALLEL_FROM", 10 ** 6)
    result = module.portfolio([ws, good], today=dt.date(2026, 12, 1))
    assert [s["folder"] for s in result["skipped"]] == [str(ws)]
    assert "OverflowError" in result["skipped"][0]["error"]


# ---------------------------------------------------------------- item 7: terminal escapes

def test_model_card_heading_is_escaped_in_evidence_ls(ws, tmp_path, run_cli):
    card = tmp_path / "card.md"
    card.write_text("# \x1b]0;pwned\x07\x1b[2J Evil card\n\ntext\n", "utf-8")
    code, out, _ = run_cli("evidence", "import", card, "--kind", "model-card", "-w", ws)
    assert code == 0 and "\x1b" not in out and "\\x1b]0;pwned\\x07" in out
    code, out, _ = run_cli("evidence", "ls", "-w", ws)
    assert code == 0 and "\x1b" not in out and "\x07" not in out and "\\x1b[2J" in out


@pytest.mark.parametrize("name", ["x\rerror: all evidence verified OK.json", "two\nlines.json", "bell\x07.json"])
def test_file_names_cannot_forge_error_lines(ws, tmp_path, run_cli, name):
    given = tmp_path / name
    given.write_text("not json", "utf-8")
    code, _, err = run_cli("evidence", "import", given, "--kind", "lm-eval", "-w", ws)
    assert code == 2
    lines = err.strip().split("\n")
    assert len(lines) == 1 and "\r" not in err and "\x07" not in err and lines[0].startswith("error: ")


def test_terminal_sanitiser():
    from rmfkit.text import for_terminal

    assert for_terminal("a\u202eb\u200bc\x9bd") == "a\\u202eb\\u200bc\\x9bd"
    assert for_terminal("lone \udb40 surrogate") == "lone \\udb40 surrogate"
    assert for_terminal("tab\tstays") == "tab\tstays"


# ---------------------------------------------------------------- item 13: kill -9 leftovers

def test_orphan_evidence_folder_is_reported(ws, run_cli):
    orphan = ws / "evidence" / "half-imported"
    orphan.mkdir()
    (orphan / "artefact.json").write_text("{}")
    (ws / "evidence" / ".other.partial").mkdir()  # an import's staging: cleared by the next import, not reported
    lines = problems(run_cli, ws)
    assert any("evidence/half-imported/" in line and "no evidence.yaml" in line for line in lines)
    assert not any(".other.partial" in line for line in lines)
    for args in (["evidence", "ls"], ["evidence", "verify"]):
        code, _, err = run_cli(*args, "-w", ws)
        assert code == 3 and "evidence/half-imported/" in err


def test_interrupted_import_leaves_no_evidence_folder(ws, tmp_path, monkeypatch, run_cli):
    """A kill after the artefact is copied but before its record exists leaves only the hidden staging folder
    (reported by validate, removed by the next import), never evidence/<id>/ without evidence.yaml."""
    from rmfkit.library import imports

    note = tmp_path / "note.txt"
    note.write_text("minutes\n")

    def killed(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(imports, "_record", killed)
    before = sorted(p.name for p in (ws / "evidence").iterdir())
    code, _, _ = run_cli("evidence", "import", note, "-w", ws)
    assert code == 130
    assert sorted(p.name for p in (ws / "evidence").iterdir() if not p.name.startswith(".")) == before
    monkeypatch.undo()
    os.environ["RMFKIT_TODAY"] = "2026-12-01"
    assert run_cli("evidence", "import", note, "-w", ws)[0] == 0
    assert not [p for p in (ws / "evidence").iterdir() if p.name.endswith(".partial")]
    assert run_cli("validate", "-w", ws)[0] == 0
    assert all((p / "evidence.yaml").is_file() for p in (ws / "evidence").iterdir())


# ---------------------------------------------------------------- item 14: validate checks references and file types

def add_logo(ws: Path, logo: str) -> None:
    settings = ws / "rmfkit.yaml"
    settings.write_text(settings.read_text("utf-8") + f"branding:\n  logo: {logo}\n", "utf-8")


@pytest.mark.parametrize("setup, words", [
    (lambda ws: None, "file not found"),
    (lambda ws: os.mkfifo(ws / "logo.png"), "is a pipe, socket or device"),
    (lambda ws: (ws / "logo.png").write_text("not an image"), "is not a PNG image"),
    (lambda ws: (ws / "logo.png").symlink_to(ws / "rmfkit.yaml"), "is a symbolic link"),
])
def test_logo_is_checked(ws, run_cli, setup, words):
    setup(ws)
    add_logo(ws, "logo.png")
    assert any("branding.logo" in line and words in line for line in problems(run_cli, ws))


@pytest.mark.parametrize("logo, words", [("notes.txt", "must be a PNG, JPEG or SVG"),
                                         ("../outside.png", "path leaves the workspace")])
def test_logo_type_and_place(ws, run_cli, logo, words):
    (ws / "notes.txt").write_text("text")
    (ws.parent / "outside.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    add_logo(ws, logo)
    assert any("branding.logo" in line and words in line for line in problems(run_cli, ws))


def test_evidence_component_reference(ws, run_cli):
    edit(ws / "evidence" / "lic-demo-llm" / "evidence.yaml", r"^components:$", "\\g<0>\n  - nope")
    assert any("component 'nope' is not in system.yaml" in line for line in problems(run_cli, ws))


@pytest.mark.parametrize("folder", ["mapping", "templates", "risks"])
def test_record_folder_linked_outside_is_refused(ws, tmp_path, run_cli, folder):
    outside = tmp_path / f"outside-{folder}"
    if (ws / folder).exists():
        shutil.move(str(ws / folder), str(outside))
    else:
        outside.mkdir()
    (ws / folder).symlink_to(outside)
    assert any(line.startswith(f"{folder}/") and "symbolic link (outside the workspace)" in line
               for line in problems(run_cli, ws))


def test_evidence_folder_replaced_by_a_file(ws, run_cli):
    shutil.rmtree(ws / "evidence")
    (ws / "evidence").write_text("not a folder")
    lines = problems(run_cli, ws)
    assert any(line.startswith("evidence/") and "expected a folder" in line for line in lines)


@pytest.mark.parametrize("replace, words", [("fifo", "a pipe, socket or device"), ("symlink", "a symbolic link")])
def test_artefact_replaced(ws, run_cli, replace, words):
    artefact = ws / "evidence" / "lic-demo-llm" / "license_record.json"
    artefact.unlink()
    os.mkfifo(artefact) if replace == "fifo" else artefact.symlink_to(ws / "rmfkit.yaml")
    assert any("lic-demo-llm" in line and words in line for line in problems(run_cli, ws))


def test_packet_refuses_reference_problems(ws, tmp_path, run_cli):
    edit(ws / "evidence" / "lic-demo-llm" / "evidence.yaml", r"^components:$", "\\g<0>\n  - nope")
    code, _, err = run_cli("packet", "--out", tmp_path / "out", "-w", ws)
    assert code == 3 and "component 'nope'" in err
    assert not (tmp_path / "out").exists()


# ---------------------------------------------------------------- items 10 and 15: text the page cannot show

@pytest.mark.parametrize("text", ["Invoice \u202egpj.exe", "zero\u200bwidth", "isolate \u2066x\u2069", "tag \U000e0041"])
def test_bidi_and_invisible_characters_are_refused(ws, run_cli, text):
    edit(ws / "risks" / "R-0001.yaml", r"^title: .*$", f"title: '{text}'")
    assert any("R-0001.yaml" in line and "title" in line and "invisible or direction-changing" in line
               for line in problems(run_cli, ws))


@pytest.mark.parametrize("length", [20_000, 100_000])
def test_unbroken_title_is_refused_quickly(ws, run_cli, length):
    import time

    edit(ws / "risks" / "R-0001.yaml", r"^title: .*$", "title: " + "A" * length)
    started = time.monotonic()
    assert any("unbroken run" in line and "title" in line for line in problems(run_cli, ws))
    assert time.monotonic() - started < 10


# ---------------------------------------------------------------- issue 15 item 8: one evaluation date

def test_evaluation_date_precedence(monkeypatch):
    from rmfkit.clock import evaluation_date, pinned, today

    monkeypatch.delenv("RMFKIT_TODAY", raising=False)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1796083200")  # 2026-12-01T00:00:00Z
    monkeypatch.setenv("TZ", "Etc/GMT+12")
    assert evaluation_date().isoformat() == "2026-12-01"  # the workspace's zone (UTC), never TZ
    assert evaluation_date(timezone="Pacific/Pago_Pago").isoformat() == "2026-11-30"
    monkeypatch.setenv("RMFKIT_TODAY", "2026-10-01")
    assert evaluation_date().isoformat() == "2026-10-01"
    assert evaluation_date("2026-09-30").isoformat() == "2026-09-30"
    with pinned(evaluation_date("2026-09-30")):
        assert today().isoformat() == "2026-09-30"
    assert today().isoformat() == "2026-10-01"


def test_as_of_must_be_a_date(ws, run_cli):
    code, _, err = run_cli("status", "--as-of", "yesterday", "-w", ws)
    assert code == 2 and "--as-of" in err and "YYYY-MM-DD" in err


def test_timezone_setting_is_checked(ws, run_cli):
    with open(ws / "rmfkit.yaml", "a", encoding="utf-8") as handle:
        handle.write("timezone: Mars/Olympus\n")
    assert any("timezone" in line and "IANA" in line for line in problems(run_cli, ws))
