"""The Workspace object: round-trip YAML, string ids, schema versions and migrations, every problem located."""
from __future__ import annotations

import rmfkit
import datetime as dt
import shutil
from pathlib import Path

import pytest
import yaml as pyyaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from rmfkit.catalog import load_catalog
from rmfkit.errors import InputFileError, ValidationFailed
from rmfkit.hashing import sha256_file
from rmfkit.models.mapping import STATUSES
from rmfkit.records import MIGRATIONS
from rmfkit.workspace import Workspace, open_workspace

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "workspace"
EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "support-assistant"
LOCK_FILES = {".rmfkit.lock"}


def tree_hashes(root: Path) -> dict[str, str]:
    """SHA-256 of every file under ``root`` (the writer's lock file aside)."""
    return {p.relative_to(root).as_posix(): sha256_file(p) for p in sorted(root.rglob("*"))
            if p.is_file() and p.name not in LOCK_FILES}


@pytest.fixture
def annotated(tmp_path: Path) -> Path:
    """A hand-edited workspace: comments, ``x-`` keys, an unusual key order, quoted and block strings."""
    target = tmp_path / "annotated"
    shutil.copytree(FIXTURES / "annotated", target)
    return target


@pytest.fixture(scope="module")
def empty_template(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("template") / "ws"
    Workspace.create(root, system_id="demo", name="Demo", owner="me")
    return root


# ---------------------------------------------------------------- saving unchanged changes nothing

@pytest.mark.parametrize("source", [EXAMPLE, FIXTURES / "annotated"], ids=["example", "annotated"])
def test_saving_an_unchanged_workspace_changes_no_byte(tmp_path: Path, source: Path):
    root = tmp_path / "ws"
    shutil.copytree(source, root, ignore=shutil.ignore_patterns("build", ".rmfkit.lock", ".rmfkit-index.json"))
    before = tree_hashes(root)
    ws = open_workspace(root)
    assert ws.problems == []
    assert ws.save() == []
    with ws.edit():
        pass
    # Even re-putting every record (as a notebook cell might) writes nothing.
    with ws.edit():
        for rel, record in list(ws.records.items()):
            ws.put(rel, record.model_copy(deep=True))
    assert tree_hashes(root) == before


def test_a_change_keeps_comments_extension_keys_order_and_quoting(annotated: Path):
    before = (annotated / "mapping" / "measure.yaml").read_text(encoding="utf-8")
    system_before = tree_hashes(annotated)
    ws = open_workspace(annotated)
    with ws.edit():
        ws.set_assessment("MEASURE 2.10", status="met")
    after = (annotated / "mapping" / "measure.yaml").read_text(encoding="utf-8")
    # Exactly one line changed: the status, in place (owner still before status, x-ticket and comments kept).
    assert after == before.replace("    status: partially_met\n", "    status: met\n")
    changed = {rel for rel, digest in tree_hashes(annotated).items() if system_before.get(rel) != digest}
    assert changed == {"mapping/measure.yaml"}


def test_extension_keys_survive_a_change_to_the_same_object(annotated: Path):
    ws = open_workspace(annotated)
    with ws.edit():
        system = ws.system
        system.components[0].version = "1.0"
        ws.put("system.yaml", system)
    text = (annotated / "system.yaml").read_text(encoding="utf-8")
    assert 'x-cost-centre: "4711"' in text
    assert "    x-reviewed-by: sec   # component-level extension key\n" in text
    assert "owner: 'Governance lead: J. Doe'   # quoted because of the colon\n" in text
    assert "  # keep the model first\n" in text
    assert "    version: '1.0'\n" in text or '    version: "1.0"\n' in text
    reread = pyyaml.safe_load(text)
    assert [c["id"] for c in reread["components"]] == ["distilbert", "pytorch"]
    assert list(reread)[:3] == ["schema_version", "name", "id"]


def test_block_and_quoted_strings_read_back_exactly(annotated: Path):
    ws = open_workspace(annotated)
    measure = ws.mapping["MEASURE"].subcategories
    assert measure["MEASURE 2.10"].notes == "Redaction tested; #2 memorisation: not yet"
    assert measure["MEASURE 2.3"].notes == ('Accuracy on 600 labelled tickets.\n'
                                            'Second line: "quoted" and \'single\' and a # hash.\n')
    assert ws.system.purpose == ("Routes incoming support tickets to the right queue; a human checks "
                                 "every low-confidence decision.")


# ---------------------------------------------------------------- ids stay strings

def test_subcategory_ids_are_written_as_string_keys(tmp_path: Path):
    ws = Workspace.create(tmp_path / "ws", system_id="demo", name="Demo", owner="me")
    with ws.edit():
        ws.set_assessment("measure-2.10", status="met", owner="dpo")
        ws.set_assessment("MS-2.1", status="not_met", owner="ml")
    data = pyyaml.safe_load((tmp_path / "ws" / "mapping" / "measure.yaml").read_bytes())
    assert list(data["subcategories"]) == ["MEASURE 2.10", "MEASURE 2.1"]
    assert all(type(key) is str for key in data["subcategories"])
    assert data["subcategories"]["MEASURE 2.10"]["status"] == "met"


def test_unquoted_number_keys_are_problems_with_line_and_field(tmp_path: Path, empty_template: Path):
    root = tmp_path / "ws"
    shutil.copytree(empty_template, root)
    shutil.copy(FIXTURES / "bad-files" / "float-key.yaml", root / "mapping" / "measure.yaml")
    ws = open_workspace(root)
    assert [str(p) for p in ws.problems] == [
        'mapping/measure.yaml line 5: subcategories.2.10: key 2.10 is read as the number 2.1, not as text; '
        'write it in quotes ("2.10") so YAML keeps it a string',
        'mapping/measure.yaml line 8: subcategories.MEASURE 2.3.evidence.0: must be text; '
        'write it in quotes ("2.50") so YAML keeps it a string',
    ]
    assert "mapping/measure.yaml" not in ws.records
    with pytest.raises(ValidationFailed):
        with ws.edit():
            ws.set_assessment("MEASURE 2.10", status="met")


# ---------------------------------------------------------------- schema versions and migrations

def test_missing_schema_version_is_a_located_problem(tmp_path: Path, empty_template: Path):
    root = tmp_path / "ws"
    shutil.copytree(empty_template, root)
    shutil.copy(FIXTURES / "bad-files" / "no-schema-version.yaml", root / "mapping" / "measure.yaml")
    problems = rmfkit.validate(open_workspace(root))
    assert [str(p) for p in problems] == [
        "mapping/measure.yaml line 2: schema_version: missing or not a whole number; "
        "add 'schema_version: 1' at the top"]


def test_newer_schema_version_asks_for_an_upgrade(tmp_path: Path, empty_template: Path):
    root = tmp_path / "ws"
    shutil.copytree(empty_template, root)
    shutil.copy(FIXTURES / "bad-files" / "newer-schema-version.yaml", root / "mapping" / "measure.yaml")
    problems = rmfkit.validate(open_workspace(root))
    assert [str(p) for p in problems] == [
        "mapping/measure.yaml line 2: schema_version: version 999 was written by a newer rmfkit "
        "(this one reads up to 1); upgrade rmfkit"]


def test_an_old_version_without_a_migration_is_a_problem_not_a_crash(tmp_path: Path, empty_template: Path):
    root = tmp_path / "ws"
    shutil.copytree(empty_template, root)
    (root / "mapping" / "measure.yaml").write_text("schema_version: 0\nfunction: MEASURE\nsubcategories: {}\n")
    assert [str(p) for p in open_workspace(root).problems] == [
        "mapping/measure.yaml line 1: schema_version: version 0 is not supported (this rmfkit reads version 1)"]


OLD_MAPPING = """\
# Written by an older rmfkit: version 1 called the field 'state' and kept ids in a list.
schema_version: 1
function: MEASURE
assessments:
  - id: MEASURE 2.10
    state: done   # the old word for met
    owner: dpo
"""


def _upgrade_mapping_v1(data: dict) -> dict:
    """Fake migration: v1 listed assessments with 'state'; v2 keys them by id with 'status'."""
    words = {"done": "met", "partly": "partially_met"}
    if "subcategories" in data:  # files saved by v1 after the ids were keyed
        return data
    subcategories = {item["id"]: {"status": words[item["state"]], "owner": item["owner"]}
                     for item in data.pop("assessments")}
    return {**data, "subcategories": subcategories}


def test_an_old_file_is_migrated_not_rejected_and_saved_at_the_new_version(tmp_path, empty_template, monkeypatch):
    from rmfkit.models.mapping import MappingFile

    root = tmp_path / "ws"
    shutil.copytree(empty_template, root)
    (root / "mapping" / "measure.yaml").write_text(OLD_MAPPING, encoding="utf-8")
    monkeypatch.setattr(MappingFile, "SCHEMA_VERSION", 2)
    monkeypatch.setattr(MappingFile.model_fields["schema_version"], "default", 2)
    monkeypatch.setitem(MIGRATIONS, "mapping", {1: _upgrade_mapping_v1})

    ws = open_workspace(root)
    assert ws.problems == []
    assert ws.mapping["MEASURE"].schema_version == 2
    assessment = ws.assessment("MEASURE 2.10")
    assert (assessment.status, assessment.owner) == ("met", "dpo")
    # The file is unchanged until someone saves; saving writes the new version and keeps the header comment.
    assert (root / "mapping" / "measure.yaml").read_text(encoding="utf-8") == OLD_MAPPING
    with ws.edit():
        ws.set_assessment("MEASURE 2.11", status="not_met")
    saved = (root / "mapping" / "measure.yaml").read_text(encoding="utf-8")
    assert saved.startswith("# Written by an older rmfkit")
    data = pyyaml.safe_load(saved)
    assert data["schema_version"] == 2
    assert "assessments" not in data
    assert data["subcategories"]["MEASURE 2.10"] == {"status": "met", "owner": "dpo"}
    assert data["subcategories"]["MEASURE 2.11"] == {"status": "not_met"}


def test_a_migration_that_fails_is_reported_on_the_file(tmp_path, empty_template, monkeypatch):
    from rmfkit.models.mapping import MappingFile

    root = tmp_path / "ws"
    shutil.copytree(empty_template, root)
    (root / "mapping" / "measure.yaml").write_text("schema_version: 1\nfunction: MEASURE\n", encoding="utf-8")
    monkeypatch.setattr(MappingFile, "SCHEMA_VERSION", 2)
    monkeypatch.setitem(MIGRATIONS, "mapping", {1: _upgrade_mapping_v1})
    ws = open_workspace(root)
    assert [str(p) for p in ws.problems] == [
        "mapping/measure.yaml line 1: schema_version: cannot migrate from version 1 to 2: 'assessments'"]
    assert sorted(ws.records_of("mapping")) == ["mapping/govern.yaml", "mapping/manage.yaml", "mapping/map.yaml"]


# ---------------------------------------------------------------- unreadable files

@pytest.mark.parametrize("fixture, message", [
    ("malformed.yaml", "mapping/measure.yaml line 6: invalid YAML: expected ',' or '}', but got '<stream end>'"),
    ("invalid-utf8.yaml", "mapping/measure.yaml line 6: not valid UTF-8 (byte 0xe9 at offset 136) "
                          "(save the file as UTF-8)"),
    ("billion-laughs.yaml", "mapping/measure.yaml line 5: YAML aliases (*name) are not allowed in rmfkit files "
                            "(protection against alias bombs)"),
    ("empty.yaml", "mapping/measure.yaml: file is empty (expected a mapping starting with schema_version)"),
    ("deep-nesting.yaml", "mapping/measure.yaml line 5: nested more than 64 levels deep"),
    ("duplicate-keys.yaml", 'mapping/measure.yaml line 7: duplicate key "status": a key may appear only once in a '
                            'mapping; keep one of them'),
    ("top-level-list.yaml", "mapping/measure.yaml: expected a mapping of keys to values at the top, found a list"),
])
def test_unreadable_files_raise_one_located_error(tmp_path, empty_template, fixture, message):
    root = tmp_path / "ws"
    shutil.copytree(empty_template, root)
    shutil.copy(FIXTURES / "bad-files" / fixture, root / "mapping" / "measure.yaml")
    with pytest.raises(InputFileError) as caught:
        open_workspace(root)
    assert str(caught.value) == message


def test_a_directory_where_a_file_belongs(tmp_path, empty_template):
    root = tmp_path / "ws"
    shutil.copytree(empty_template, root)
    (root / "mapping" / "measure.yaml").unlink()
    (root / "mapping" / "measure.yaml").mkdir()
    with pytest.raises(InputFileError, match=r"^mapping/measure\.yaml: is a directory, expected a file$"):
        open_workspace(root)


@pytest.mark.parametrize("text, message", [
    ("subcategories: !!python/object/apply:os.system [\"true\"]\n",
     "line 3: YAML tag !!python/object/apply:os.system is not allowed in rmfkit files"),
    ("subcategories: {}\nx-note: !custom value\n", "line 4: YAML tag !custom is not allowed in rmfkit files"),
])
def test_explicit_yaml_tags_are_refused(tmp_path, empty_template, text, message):
    root = tmp_path / "ws"
    shutil.copytree(empty_template, root)
    (root / "mapping" / "measure.yaml").write_text("schema_version: 1\nfunction: MEASURE\n" + text)
    with pytest.raises(InputFileError, match=message.replace("(", r"\(").replace(")", r"\)")):
        open_workspace(root)


# ---------------------------------------------------------------- impossible dates

def test_an_impossible_date_is_a_located_schema_problem_not_a_parse_failure(tmp_path, empty_template):
    root = tmp_path / "ws"
    shutil.copytree(empty_template, root)
    system = root / "system.yaml"
    system.write_text(system.read_text(encoding="utf-8") + "go_live: 2026-02-30\n", encoding="utf-8")
    measure = root / "mapping" / "measure.yaml"
    measure.write_text("schema_version: 1\nfunction: MEASURE\nsubcategories:\n  MEASURE 2.10:\n"
                       "    status: met\n    last_reviewed: 2026-13-01\n", encoding="utf-8")
    for ws in (open_workspace(root), Workspace.open(root, read_only=True)):
        assert [(p.file, p.line, p.field) for p in ws.problems] == [
            ("system.yaml", 7, "go_live"), ("mapping/measure.yaml", 6, "subcategories.MEASURE 2.10.last_reviewed")]
        assert "'2026-02-30'" in ws.problems[0].message and "'2026-13-01'" in ws.problems[1].message


@settings(max_examples=80, deadline=None)
@given(year=st.integers(1, 9999), month=st.integers(0, 99), day=st.integers(0, 99))
def test_a_date_reads_as_a_date_when_it_exists_and_as_its_text_otherwise(year, month, day):
    import datetime as dt

    from rmfkit.safeparse import parse_yaml, parse_yaml_plain

    text = f"{year:04d}-{month:02d}-{day:02d}"
    try:
        expected = dt.date(year, month, day)
    except ValueError:
        expected = text
    for parse in (parse_yaml, parse_yaml_plain):
        assert parse(f"when: {text}\n".encode(), "x.yaml")["when"] == expected


# ---------------------------------------------------------------- property: assessments round-trip

# Format (Cf) and unassigned (Cn) characters aside: the models refuse the hidden ones among them (rmfkit.text.HIDDEN
# also covers the unassigned tag characters U+E0000 and U+E0002..U+E001F).
TRICKY_TEXT = st.text(
    alphabet=st.one_of(st.sampled_from(list("#:'\"\n -|>&*!%@`{}[],?\\\t")),
                       st.characters(codec="utf-8", exclude_categories=("Cf", "Cn"))),
    max_size=40)
SUBCATEGORY_IDS = [s.id for s in load_catalog().subcategories]
ASSESSMENT = st.fixed_dictionaries({
    "status": st.sampled_from(STATUSES),
    "owner": st.one_of(st.none(), TRICKY_TEXT),
    "notes": st.one_of(st.none(), TRICKY_TEXT),
    "justification": TRICKY_TEXT,
})


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(assessments=st.dictionaries(st.sampled_from(SUBCATEGORY_IDS), ASSESSMENT, min_size=1, max_size=6))
@example(assessments={"MEASURE 2.10": {"status": "met", "owner": "null", "notes": "2.10",
                                       "justification": "yes\x85no: # 'x'\n"},
                      "GOVERN 1.1": {"status": "not_applicable", "owner": "0777", "notes": "- a\n  b",
                                     "justification": "2026-01-01"}})
def test_random_assessments_round_trip_through_save_and_load(tmp_path_factory, empty_template, assessments):
    root = tmp_path_factory.mktemp("prop") / "ws"
    shutil.copytree(empty_template, root)
    ws = open_workspace(root)
    with ws.edit():
        for sub_id, values in assessments.items():
            ws.set_assessment(sub_id, **values)
    reread = open_workspace(root)
    fast = Workspace.open(root, read_only=True)  # the plain loader used for roll-ups reads the same values
    assert reread.problems == [] and fast.problems == []
    for sub_id, values in assessments.items():
        for loaded in (reread, fast):
            got = loaded.assessment(sub_id)
            assert {k: getattr(got, k) for k in values} == values
    # Loading and saving again writes nothing.
    before = tree_hashes(root)
    assert reread.save() == []
    assert tree_hashes(root) == before



# ---------------------------------------------------------------- the fast writer of new records

TRICKY_TEXT = st.sampled_from(["yes", "no", "on", "null", "~", "1_000", "0x1F", "0o17", "0777", "- a", ": b", "#c",
                               "@x", "`x", "%x", "!x", "&a", "*a", "? x", "a: b", "a #b", " lead", "trail ", '"',
                               "it's", "2026-12-07", "2026-12-07 10:00:00", "12:30", "1e3", ".5", ".inf", ".NaN",
                               "<<", "=", "[a]", "{a}", "|", "> x", "-", "---", "...", "+1", "-0", "É", "中文",
                               "ü: x", "🙂", "line\nbreak", "tab\t", "\u2028"])
LONG_TEXT = st.builds(lambda word, n, spaced: (word + (" " if spaced else "")) * n,
                      st.sampled_from(["a", "ab", "中", "é", "x-y"]), st.integers(30, 2200), st.booleans())
SCALARS = st.one_of(TRICKY_TEXT, st.text(max_size=30), LONG_TEXT, st.integers(), st.booleans(), st.dates(),
                    st.datetimes(), st.datetimes(timezones=st.just(dt.timezone.utc)), st.floats(), st.none())
KEYS = st.one_of(TRICKY_TEXT, st.text(min_size=1, max_size=10),
                 st.builds(lambda c, n: c * n, st.sampled_from(["k", "中", "é"]), st.integers(30, 140)))
DOCS = st.recursive(st.dictionaries(KEYS, SCALARS, min_size=1, max_size=5),
                    lambda inner: st.dictionaries(KEYS, st.one_of(SCALARS, inner, st.lists(SCALARS, max_size=2)),
                                                  max_size=5), max_leaves=16)


@settings(max_examples=400, deadline=None)
@given(DOCS)
def test_new_records_are_written_byte_for_byte_as_the_round_trip_writer_would(doc):
    """libyaml writes what it lays out like ruamel does; the rest goes the round-trip way: same bytes either way."""
    from rmfkit.yamlio import dump_new, dump_yaml, merge_into

    assert dump_new(doc) == dump_yaml(merge_into(None, doc))


def test_the_fast_writer_is_taken_for_a_plain_record():
    from rmfkit.yamlio import _libyaml_lays_out

    record = {"id": "doc-note-2026-12", "title": "Review note — Q4", "size": 33, "collected_at": dt.date(2026, 12, 7),
              "source": {"origin": "note.md"}, "facts": {"media_type": "text/markdown", "passed": True}}
    assert _libyaml_lays_out(record)
    assert not _libyaml_lays_out({**record, "components": ["model"]})  # libyaml indents lists differently
    assert not _libyaml_lays_out({**record, "title": "it's"})
