"""Property: no derived status is stronger than the RMF subcategories it comes from, for any mapping."""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from rmfkit.frameworks.derive import DERIVED_RANK, derive_item, support_of
from rmfkit.frameworks.registry import COVERING, Pair

SUBS = [f"MAP {i}.1" for i in range(1, 7)]
STATUSES = ["met", "partially_met", "unsupported", "not_met", "not_applicable", "not_assessed"]
RELATIONSHIPS = ["unknown", "equal", "subset", "superset", "intersects"]
DIRECT = ["met", "partially_met", "not_met", "not_applicable", "not_assessed"]

evidence = st.lists(st.fixed_dictionaries({"id": st.sampled_from(["E1", "E2", "E3"]), "sha256": st.just("a" * 64),
                                           "date": st.just("2026-10-01"),
                                           "status": st.sampled_from(["ok", "expired", "missing", "hash_mismatch"])}),
                    max_size=3)
rows = st.dictionaries(st.sampled_from(SUBS), st.tuples(st.sampled_from(STATUSES), evidence), max_size=6).map(
    lambda d: {k: {"id": k, "effective_status": s, "evidence": e} for k, (s, e) in d.items()})
pairs = st.lists(st.tuples(st.sampled_from(SUBS), st.sampled_from(RELATIONSHIPS)), max_size=6).map(
    lambda ps: [Pair(s, "T", r, "crosswalk" if r == "unknown" else "team", "src") for s, r in ps])
directs = st.one_of(st.none(), st.fixed_dictionaries({"status": st.sampled_from(DIRECT), "owner": st.just("o"),
                                                      "evidence": st.lists(st.sampled_from(["E1", "E9"]), max_size=2),
                                                      "justification": st.sampled_from([None, "why"])}))
LOWER = {"met": "partially_met", "partially_met": "not_met", "unsupported": "not_assessed",
         "not_met": "not_assessed", "not_applicable": "not_assessed", "not_assessed": "not_assessed"}


@settings(max_examples=400, deadline=None)
@given(rows, pairs, directs)
def test_derived_status_is_never_stronger_than_its_sources(rows, pairs, direct):
    result = derive_item("T", pairs, rows, direct, {"E1": {"sha256": "b" * 64, "date": "2026-01-01", "status": "ok"}})
    derived = result["derived_status"]
    support = {p.source: support_of(rows.get(p.source)) for p in pairs}
    if derived == "met":
        assert support and all(s == "met" for s in support.values())
        team = {p.source: p.relationship for p in pairs if p.origin == "team"}
        assert any(r in COVERING for r in team.values())
    if derived in ("met", "partially_supported"):
        assert any(rows.get(s, {}).get("effective_status") in ("met", "partially_met") for s in support)
    if not any(p.origin == "team" for p in pairs):
        assert derived != "met", "a crosswalk pair alone never carries 'met'"
    if direct and direct["status"]:
        assert result["basis"] == "direct" and result["direct"]["recorded_status"] == direct["status"]
    else:
        assert result["basis"] == "derived" and result["status"] == derived


@settings(max_examples=300, deadline=None)
@given(rows, pairs, st.sampled_from(SUBS))
def test_weakening_one_source_never_strengthens_the_target(rows, pairs, weaken):
    before = derive_item("T", pairs, rows)["derived_status"]
    changed = dict(rows)
    if weaken in changed:
        changed[weaken] = {**changed[weaken], "effective_status": LOWER[changed[weaken]["effective_status"]]}
    after = derive_item("T", pairs, changed)["derived_status"]
    assert DERIVED_RANK[after] <= DERIVED_RANK[before]
