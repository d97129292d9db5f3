"""The packaged catalog: counts, exact statement text, id lookup, AI 600-1 links."""
import pytest

from rmfkit.catalog import load_catalog, normalize_id, subcategory_sort_key
from rmfkit.errors import UnknownIdError


def test_counts():
    cat = load_catalog()
    assert [f.id for f in cat.functions] == ["GOVERN", "MAP", "MEASURE", "MANAGE"]
    assert len(cat.categories) == 19
    assert len(cat.subcategories) == 72
    assert {f.id: len(f.subcategories) for f in cat.functions} == {"GOVERN": 19, "MAP": 18, "MEASURE": 22, "MANAGE": 13}
    assert len(cat.gai_risks) == 12
    assert len(cat.gai_actions) == 212


def test_exact_statements():
    cat = load_catalog()
    assert cat.subcategory("GOVERN 1.1").statement == (
        "Legal and regulatory requirements involving AI are understood, managed, and documented.")
    assert cat.subcategory("MEASURE 2.10").statement == (
        "Privacy risk of the AI system – as identified in the map function – is examined and documented.")
    assert cat.subcategory("MAP 4.1").statement.startswith(
        "Approaches for mapping AI technology and legal risks of its components")


@pytest.mark.parametrize("text", ["MEASURE 2.10", "measure-2.10", "MS-2.10", "ms 2.10", " Measure 2.10 "])
def test_id_forms(text):
    assert load_catalog().subcategory(text).id == "MEASURE 2.10"
    assert normalize_id(text) == "MEASURE 2.10"


def test_unknown_id_suggests_close_ones():
    with pytest.raises(UnknownIdError) as err:
        load_catalog().subcategory("MEASURE 2.14")
    assert "MEASURE 2.13" in str(err.value)


def test_playbook_and_gai_links():
    sub = load_catalog().subcategory("GOVERN 1.1")
    assert sub.suggested_actions and sub.documentation_questions and sub.topics
    assert [a.id for a in sub.gai_actions][:1] == ["GV-1.1-001"]
    assert "data-privacy" in sub.gai_risks
    assert load_catalog().gai_risk("confabulation").number == 2


def test_numeric_order():
    assert sorted(["MAP 1.10", "MAP 1.2"], key=subcategory_sort_key) == ["MAP 1.2", "MAP 1.10"]
