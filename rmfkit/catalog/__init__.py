"""The NIST AI RMF 1.0 Core with Playbook guidance, and the NIST AI 600-1 Generative AI Profile.

Packaged data (see ``data/PROVENANCE.md``), exposed through frozen, typed accessors.

>>> cat = load_catalog()
>>> cat.subcategory("measure-2.10").id
'MEASURE 2.10'
>>> len(cat.subcategories)
72
"""
from __future__ import annotations

import difflib
import json
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from rmfkit.errors import UnknownIdError

CATALOG_VERSION = "nist-ai-rmf-1.0+playbook;nist-ai-600-1"
FUNCTIONS = ("GOVERN", "MAP", "MEASURE", "MANAGE")
_ABBREVIATIONS = {"GV": "GOVERN", "MP": "MAP", "MS": "MEASURE", "MG": "MANAGE"}


@dataclass(frozen=True)
class GaiRisk:
    id: str
    number: int
    title: str
    section: str
    definition: str
    trustworthy_characteristics: tuple[str, ...]


@dataclass(frozen=True)
class GaiAction:
    id: str
    subcategory: str
    action: str
    risks: tuple[str, ...]
    risk_labels: tuple[str, ...]


@dataclass(frozen=True)
class Subcategory:
    id: str
    function: str
    category: str
    statement: str
    about: str
    suggested_actions: tuple[str, ...]
    documentation_questions: tuple[str, ...]
    transparency_resources: tuple[str, ...]
    references: tuple[str, ...]
    ai_actors: tuple[str, ...]
    topics: tuple[str, ...]
    gai_actions: tuple[GaiAction, ...]

    @property
    def gai_risks(self) -> tuple[str, ...]:
        """Ids of the AI 600-1 risks that the actions linked to this subcategory address."""
        seen: dict[str, None] = {}
        for action in self.gai_actions:
            for risk in action.risks:
                seen.setdefault(risk)
        return tuple(seen)

    @property
    def sort_key(self) -> tuple[int, int, int]:
        return subcategory_sort_key(self.id)


@dataclass(frozen=True)
class Category:
    id: str
    function: str
    statement: str
    subcategories: tuple[Subcategory, ...]


@dataclass(frozen=True)
class Function:
    id: str
    title: str
    statement: str
    categories: tuple[Category, ...]

    @property
    def subcategories(self) -> tuple[Subcategory, ...]:
        return tuple(s for c in self.categories for s in c.subcategories)


def subcategory_sort_key(sub_id: str) -> tuple[int, int, int]:
    """Order ids as the RMF does: by function, then numerically (MAP 1.2 before MAP 1.10).

    >>> sorted(["MAP 1.10", "GOVERN 2.1", "MAP 1.2"], key=subcategory_sort_key)
    ['GOVERN 2.1', 'MAP 1.2', 'MAP 1.10']
    """
    func, _, num = sub_id.partition(" ")
    major, _, minor = num.partition(".")
    return (FUNCTIONS.index(func) if func in FUNCTIONS else 99,
            int(major) if major.isdigit() else 0, int(minor) if minor.isdigit() else 0)


_ID_PATTERN = re.compile(r"^\s*([A-Za-z]+)[\s_\-]*(\d+)(?:\s*\.\s*(\d+))?\s*$")


def normalize_id(text: str) -> str:
    """Canonical form of a function, category or subcategory id.

    >>> normalize_id("measure-2.10"), normalize_id("MS-2.10"), normalize_id("govern 1")
    ('MEASURE 2.10', 'MEASURE 2.10', 'GOVERN 1')
    """
    match = _ID_PATTERN.match(str(text))
    if not match:
        return str(text).strip().upper()
    func = match.group(1).upper()
    func = _ABBREVIATIONS.get(func, func)
    if match.group(3) is None:
        return f"{func} {match.group(2)}"
    return f"{func} {int(match.group(2))}.{int(match.group(3))}"


class Catalog:
    """Read-only view of the RMF Core, Playbook and AI 600-1 (load with :func:`load_catalog`)."""

    def __init__(self, rmf: dict, gai: dict):
        self.framework = dict(rmf["framework"])
        self.profile = dict(gai["profile"])
        self.version = CATALOG_VERSION
        self.gai_risks = tuple(
            GaiRisk(r["id"], r["number"], r["title"], r["section"], r["definition"],
                    tuple(r.get("trustworthy_characteristics", ())))
            for r in gai["risks"])
        self.gai_actions = tuple(
            GaiAction(a["id"], a["subcategory"], a["action"], tuple(a["risks"]), tuple(a["risk_labels"]))
            for a in gai["actions"])
        actions_by_sub: dict[str, list[GaiAction]] = {}
        for action in self.gai_actions:
            actions_by_sub.setdefault(action.subcategory, []).append(action)
        functions = []
        for f in rmf["functions"]:
            categories = []
            for c in f["categories"]:
                subs = tuple(
                    Subcategory(
                        id=s["id"], function=f["id"], category=c["id"], statement=s["statement"],
                        about=s.get("about", ""),
                        suggested_actions=tuple(s.get("suggested_actions", ())),
                        documentation_questions=tuple(s.get("documentation_questions", ())),
                        transparency_resources=tuple(s.get("transparency_resources", ())),
                        references=tuple(s.get("references", ())),
                        ai_actors=tuple(s.get("ai_actors", ())),
                        topics=tuple(s.get("topics", ())),
                        gai_actions=tuple(actions_by_sub.get(s["id"], ())),
                    )
                    for s in c["subcategories"])
                categories.append(Category(c["id"], f["id"], c["statement"], subs))
            functions.append(Function(f["id"], f["title"], f["statement"], tuple(categories)))
        self.functions = tuple(functions)
        self.categories = tuple(c for f in self.functions for c in f.categories)
        self.subcategories = tuple(s for c in self.categories for s in c.subcategories)
        self._by_id = {x.id: x for x in (*self.functions, *self.categories, *self.subcategories)}
        self._gai_risk_by_id = {r.id: r for r in self.gai_risks}

    def _lookup(self, text: str, kind: type):
        key = normalize_id(text)
        item = self._by_id.get(key)
        if isinstance(item, kind):
            return item
        candidates = [k for k, v in self._by_id.items() if isinstance(v, kind)]
        close = difflib.get_close_matches(key, candidates, n=3, cutoff=0.6)
        hint = ("did you mean " + ", ".join(close) + "?") if close else None
        noun = {Subcategory: "subcategory", Category: "category", Function: "function"}[kind]
        raise UnknownIdError(f"unknown {noun} '{text}'", hint=hint)

    def subcategory(self, text: str) -> Subcategory:
        """Look up a subcategory by ``"MEASURE 2.10"``, ``"measure-2.10"`` or ``"MS-2.10"``."""
        return self._lookup(text, Subcategory)

    def category(self, text: str) -> Category:
        return self._lookup(text, Category)

    def function(self, text: str) -> Function:
        return self._lookup(text, Function)

    def gai_risk(self, risk_id: str) -> GaiRisk:
        if risk_id not in self._gai_risk_by_id:
            close = difflib.get_close_matches(risk_id, list(self._gai_risk_by_id), n=3)
            raise UnknownIdError(f"unknown GAI risk '{risk_id}'",
                                 hint=("did you mean " + ", ".join(close) + "?") if close else None)
        return self._gai_risk_by_id[risk_id]

    def is_subcategory(self, text: str) -> bool:
        return isinstance(self._by_id.get(normalize_id(text)), Subcategory)


def _read_json(name: str) -> dict:
    return json.loads(resources.files("rmfkit.catalog").joinpath("data", name).read_text("utf-8"))


@lru_cache(maxsize=1)
def load_catalog() -> Catalog:
    """The packaged catalog (parsed once per process)."""
    return Catalog(_read_json("nist-ai-rmf-1.0.json"), _read_json("nist-ai-600-1.json"))
