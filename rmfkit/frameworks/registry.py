"""The framework registry: AI RMF 1.0 (native), ISO/IEC 42001:2023, the EU AI Act, and the mapping sets.

Everything comes from the packaged data (``data/``, see its ``PROVENANCE.md``). A crosswalk pair means
only "listed together": its relationship is ``unknown`` because the source states none. A team's own
pair carries a NIST IR 8477 relationship, read as *the RMF subcategory is <relationship> the target*;
only ``equal`` and ``superset`` mean the subcategory covers the target.

>>> reg = load_registry()
>>> len(reg.iso_controls), len(reg.crosswalk.pairs), reg.crosswalk.pairs_for("A.2.4")[0].source
(38, 280, 'GOVERN 1.1')
>>> reg.crosswalk.targets_of("GOVERN 1.1")
['4.1', '6.2', 'A.2.2', 'A.2.4']
>>> reg.crosswalk.pairs_for("A.2.4")[0].relationship, reg.crosswalk.pairs_for("A.2.4")[0].citation
('unknown', 'NIST AI Resource Center crosswalk (AI RMF to ISO/IEC FDIS 42001), p. 1, as B.2.4')
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any, Iterable

UNKNOWN = "unknown"
COVERING = ("equal", "superset")
CROSSWALK_NAME = "NIST AI Resource Center crosswalk (AI RMF to ISO/IEC FDIS 42001)"


@dataclass(frozen=True)
class Framework:
    """One framework rmfkit can answer to."""

    id: str
    title: str
    native: bool
    items: str
    source: str


@dataclass(frozen=True)
class IsoItem:
    """An ISO/IEC 42001:2023 clause or Annex A id with rmfkit's own short topic label (not the ISO title)."""

    id: str
    kind: str
    topic: str
    parent: str | None
    leaf: bool


@dataclass(frozen=True)
class Pair:
    """An RMF subcategory listed against a target item, with where that listing comes from."""

    source: str
    target: str
    relationship: str
    origin: str  # "crosswalk" or "team"
    citation: str
    page: int | None = None
    flags: tuple[str, ...] = ()
    note: str | None = None
    rationale: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"source": self.source, "target": self.target, "relationship": self.relationship,
                "origin": self.origin, "citation": self.citation, "page": self.page, "flags": list(self.flags),
                "note": self.note, "rationale": self.rationale}


@dataclass(frozen=True)
class MappingSet:
    """Pairs from the native RMF to one target framework, with the source and its caveats."""

    id: str
    target_framework: str
    title: str
    semantics: str
    source: dict
    pairs: tuple[Pair, ...]
    _by_target: dict = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        for pair in self.pairs:
            self._by_target.setdefault(pair.target, []).append(pair)

    def pairs_for(self, target: str) -> list[Pair]:
        """Every pair listed against ``target`` (in source order)."""
        return list(self._by_target.get(target, ()))

    def targets_of(self, source: str) -> list[str]:
        """Every target a subcategory is listed against."""
        return sorted({p.target for p in self.pairs if p.source == source})


@dataclass(frozen=True)
class Registry:
    """Frameworks, ISO/IEC 42001 ids, the RMF-to-ISO crosswalk, and the AI Act data (read-only)."""

    frameworks: dict[str, Framework]
    iso_items: dict[str, IsoItem]
    iso_note: str
    crosswalk: MappingSet
    ai_act: dict
    provenance: dict

    @property
    def iso_controls(self) -> list[IsoItem]:
        return [i for i in self.iso_items.values() if i.kind == "annex_a_control"]

    @property
    def iso_clauses(self) -> list[IsoItem]:
        """Clauses 4-10 that have no sub-clauses (the ones a team can assess)."""
        return [i for i in self.iso_items.values() if i.kind == "clause" and i.leaf]

    def iso_item(self, item_id: str) -> IsoItem:
        from rmfkit.errors import UnknownIdError

        if item_id not in self.iso_items:
            raise UnknownIdError(f"unknown ISO/IEC 42001 id '{item_id}'",
                                 hint="use a clause id like '9.2.1' or an Annex A id like 'A.6.2.6'")
        return self.iso_items[item_id]

    def team_pairs(self, pairs: Iterable[Any], framework: str) -> list[Pair]:
        """The team's pairs (``rmfkit.models.frameworks.TeamPair``) for one framework, as :class:`Pair`."""
        from rmfkit.catalog import load_catalog

        catalog = load_catalog()
        out = []
        for p in pairs:
            if p.framework != framework:
                continue
            if framework == "iso42001":
                self.iso_item(p.target)
            who = " ".join(x for x in ("team", p.recorded_by, p.recorded_on and p.recorded_on.isoformat()) if x)
            out.append(Pair(catalog.subcategory(p.rmf).id, p.target, p.relationship, "team",
                            f"recorded by {who}" if who != "team" else "recorded by the team",
                            rationale=p.rationale))
        return out


def _read(name: str) -> Any:
    return json.loads(resources.files("rmfkit.frameworks").joinpath("data", name).read_text("utf-8"))


def _crosswalk(data: dict) -> MappingSet:
    pairs = []
    for p in data["pairs"]:
        target = p.get("annex_a_control") or p["iso"]
        cited = f", as {p['iso']}" if p["kind"] == "annex_b" else ""
        pairs.append(Pair(p["rmf"], target, UNKNOWN, "crosswalk", f"{CROSSWALK_NAME}, p. {p['source_page']}{cited}",
                          page=p["source_page"], flags=tuple(p.get("flags", ())), note=p.get("note")))
    return MappingSet(data["id"], "iso42001", data["title"], data["pair_semantics"], data["source"], tuple(pairs))


def _iso_items(data: dict) -> dict[str, IsoItem]:
    parents = {i["parent"] for i in data["ids"] if i.get("parent")}
    return {i["id"]: IsoItem(i["id"], i["kind"], i["topic"], i.get("parent"), i["id"] not in parents)
            for i in data["ids"]}


@lru_cache(maxsize=1)
def load_registry() -> Registry:
    """The packaged registry (parsed once per process)."""
    iso = _read("iso-42001-ids.json")
    act = _read("eu-ai-act.json")
    crosswalk = _crosswalk(_read("nist-ai-rmf-to-iso-42001.json"))
    frameworks = {
        "nist-ai-rmf-1.0": Framework("nist-ai-rmf-1.0", "NIST AI RMF 1.0", True, "72 subcategories",
                                     "NIST AI 100-1 (2023-01-26)"),
        "iso42001": Framework("iso42001", iso["standard"], False, "clauses 4-10 and 38 Annex A controls",
                              iso["sources"]["clauses"]),
        "eu-ai-act": Framework("eu-ai-act", f"{act['regulation']['short_title']} {act['regulation']['number']}",
                               False, "obligations by role and risk tier", act["regulation"]["eli"]),
    }
    return Registry(frameworks, _iso_items(iso), iso["copyright_note"], crosswalk, act, _read("provenance.json"))
