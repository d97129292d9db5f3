"""Fuzz targets, one per parser of user bytes: whatever the input, the answer is a result or an rmfkit error.

Inputs are real-format files mutated (bytes flipped, inserted, deleted, cut) and plain random bytes or
text. The CI run is short; run longer on demand:

    RMFKIT_FUZZ_EXAMPLES=20000 .venv/bin/python -m pytest tests/test_fuzz.py -q
"""
from __future__ import annotations

import rmfkit
import json
import os
import shutil
import tempfile
from pathlib import Path, PurePosixPath

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rmfkit.errors import InputFileError, IntegrityError, RmfkitError, ValidationFailed
from rmfkit.library.importers import IMPORTERS, module, read_evidence
from rmfkit.seal import safe_entry_name
from rmfkit.integrity import verify
from rmfkit.safeparse import parse_json, parse_yaml, parse_yaml_plain

EXAMPLES = int(os.environ.get("RMFKIT_FUZZ_EXAMPLES", "30"))
settings.register_profile("rmfkit-fuzz", max_examples=EXAMPLES, deadline=None, derandomize="RMFKIT_FUZZ_EXAMPLES"
                          not in os.environ, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
FUZZ = settings.get_profile("rmfkit-fuzz")
FUZZ_WHOLE_LOAD = settings(FUZZ, max_examples=max(1, EXAMPLES // 4))  # a whole workspace load per example

TESTS = Path(__file__).resolve().parent
BASE = TESTS / "corpus" / "base"
EVIDENCE = TESTS / "fixtures" / "evidence"
SEEDS = {"lm-eval": "lmeval_results.json", "model-card": "model_card_other.md", "cyclonedx": "cyclonedx_1.6.json",
         "spdx": "spdx_2.3.json", "pip-licenses": "pip_licenses.json", "garak": "garak.report.jsonl",
         "promptfoo": "promptfoo_redteam.json", "inspect": "inspect_v2.json", "task-eval": "task_eval.csv",
         "license-record": "license_record.json", "model-scan": "../importers/modelscan_unsafe.json"}
YAML_SEEDS = sorted(p for p in BASE.rglob("*.yaml"))


@st.composite
def mutated(draw, seed: bytes) -> bytes:
    """``seed`` with a few random edits: flip, insert, delete, duplicate a slice, or cut it short."""
    data = bytearray(seed)
    for _ in range(draw(st.integers(1, 6))):
        if not data:
            break
        at = draw(st.integers(0, len(data) - 1))
        edit = draw(st.sampled_from(["flip", "insert", "delete", "duplicate", "cut"]))
        if edit == "flip":
            data[at] = draw(st.integers(0, 255))
        elif edit == "insert":
            data[at:at] = draw(st.sampled_from([b"[", b"{", b"&a ", b"*a", b"!!python/object ", b"\x00", b"\xff",
                                                b"\"", b"\n  - ", b": ", b"---\n", b"\t", b"1e999", b"NaN"]))
        elif edit == "delete":
            del data[at: at + draw(st.integers(1, 16))]
        elif edit == "duplicate":
            data[at:at] = data[at: at + draw(st.integers(1, 64))]
        else:
            del data[at:]
    return bytes(data)


def inputs_from(seeds: list[bytes]):
    return st.one_of(st.sampled_from(seeds).flatmap(mutated), st.binary(max_size=512),
                     st.text(max_size=256).map(lambda t: t.encode("utf-8")))


YAML_INPUTS = inputs_from([p.read_bytes() for p in YAML_SEEDS])
JSON_INPUTS = inputs_from([(EVIDENCE / SEEDS[k]).read_bytes() for k in SEEDS if SEEDS[k].endswith(".json")])


@FUZZ
@given(YAML_INPUTS)
def test_parse_yaml_answers_or_refuses(data: bytes):
    for parse in (parse_yaml, parse_yaml_plain):
        try:
            doc = parse(data, "fuzz.yaml")
        except InputFileError as exc:
            assert exc.file == "fuzz.yaml"
        else:
            assert isinstance(doc, dict)


@FUZZ
@given(JSON_INPUTS)
def test_parse_json_answers_or_refuses(data: bytes):
    try:
        parse_json(data, "fuzz.json")
    except InputFileError as exc:
        assert exc.file == "fuzz.json"


@pytest.mark.parametrize("kind", [*SEEDS, None])
def test_importer_answers_or_refuses(kind):
    seeds = [(EVIDENCE / SEEDS[kind]).read_bytes()] if kind else [(EVIDENCE / f).read_bytes() for f in SEEDS.values()]

    @FUZZ
    @given(inputs_from(seeds))
    def run(data: bytes):
        try:
            parsed = read_evidence(data, "fuzz-input", kind)
        except InputFileError as exc:
            assert exc.file == "fuzz-input"
        else:
            assert parsed.kind == (kind or parsed.kind) and isinstance(parsed.facts, dict)
            assert isinstance(parsed.title, str)

    run()


def test_every_importer_is_fuzzed():
    assert {module(name).KIND for name in IMPORTERS} - set(SEEDS) == {"python-env", "generic"}


@pytest.mark.parametrize("seed", [p.relative_to(BASE).as_posix() for p in YAML_SEEDS])
def test_workspace_load_answers_or_refuses(seed: str):
    """The whole load (parse, schema, migrations, reference checks) of a workspace with one mutated file."""
    from rmfkit.workspace import Workspace

    folder = Path(tempfile.mkdtemp(prefix="rmfkit-fuzz-"))
    shutil.copytree(BASE, folder / "ws")
    target = folder / "ws" / seed

    @FUZZ_WHOLE_LOAD
    @given(mutated((BASE / seed).read_bytes()))
    def run(data: bytes):
        target.write_bytes(data)
        try:
            problems = rmfkit.validate(Workspace(folder / "ws"))
        except ValidationFailed as exc:
            problems = exc.problems
        except RmfkitError as exc:
            assert exc.file
            return
        assert all(p.file and p.message for p in problems)

    try:
        run()
    finally:
        shutil.rmtree(folder)


def test_verify_answers_for_any_manifest(tmp_path_factory):
    from tests.test_corpus import sealed_packet

    folder = sealed_packet(tmp_path_factory.mktemp("fuzz-packet") / "packet")
    (folder / "bundle.zip").unlink()
    manifest = (folder / "manifest.json").read_bytes()

    @FUZZ
    @given(mutated(manifest))
    def run(data: bytes):
        (folder / "manifest.json").write_bytes(data)
        report = verify(folder)
        if report.ok:  # unsigned, so layout and other keys may change; the files it lists may not
            assert json.loads(data)["files"] == json.loads(manifest)["files"]
        else:
            assert report.failures and all(isinstance(f, str) for f in report.failures)

    run()


@FUZZ
@given(st.text(alphabet=st.sampled_from("ab./\\:\x00 -_"), max_size=24))
def test_safe_entry_names_stay_inside(name: str):
    try:
        safe = safe_entry_name(name)
    except IntegrityError:
        return
    root = PurePosixPath("/bundle")
    joined = root.joinpath(safe)
    assert ".." not in joined.parts and joined.parts[: len(root.parts)] == root.parts


def _small_zip() -> bytes:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("manifest.json", b'{"files": []}\n')
        archive.writestr("a.txt", b"test data " * 40)
    return buffer.getvalue()


SMALL_ZIP = _small_zip()


@FUZZ
@given(st.lists(st.tuples(st.integers(0, len(SMALL_ZIP) - 1), st.integers(0, 255)), max_size=6),
       st.integers(0, len(SMALL_ZIP)), st.binary(max_size=64))
def test_safe_archive_reader_answers_or_refuses(flips, cut, extra):
    """Flipped bytes, a cut and appended bytes: the strict reader returns entries that stream to their
    declared size and CRC, or refuses with ArchiveError; never another exception, never more bytes."""
    from rmfkit.safezip import ArchiveError, read_archive, stream

    data = bytearray(SMALL_ZIP)
    for at, value in flips:
        data[at] = value
    path = Path(tempfile.mkdtemp()) / "bundle.zip"
    path.write_bytes(bytes(data[:cut]) + extra if cut < len(data) else bytes(data) + extra)
    try:
        archive = read_archive(path)
        for entry in archive.entries.values():
            assert sum(len(chunk) for chunk in stream(path, entry)) == entry.file_size
    except ArchiveError:
        pass
    finally:
        shutil.rmtree(path.parent)
