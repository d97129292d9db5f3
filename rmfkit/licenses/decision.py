"""Which level of openness fits the team's needs: a recommendation with the reasoning shown.

Needs (any combination): ``ship_fast``, ``strict_privacy``, ``commercial_redistribution``,
``research_reproducibility``, ``unsure``. The strictest need decides the level; the license properties to look
for are collected from every need.

>>> r = recommend_openness(["ship_fast", "strict_privacy"])
>>> r.level, r.acceptable
('open_weights', ('open_source', 'open_weights'))
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from functools import lru_cache
from typing import Any, Iterable

from rmfkit.errors import UsageError


@dataclass(frozen=True)
class Recommendation:
    needs: tuple[str, ...]
    level: str | None               # open_source | open_weights | open_access; None = try both
    acceptable: tuple[str, ...]     # levels that satisfy every need
    paths: tuple[str, ...]
    look_for: tuple[str, ...]
    reasoning: tuple[str, ...]
    source: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@lru_cache(maxsize=1)
def _paths() -> dict:
    from rmfkit.licenses.facts import _load, _plain

    return _plain(_load("openness_paths.yaml"))


def needs() -> dict[str, str]:
    """Known needs: id -> label."""
    return {k: v["label"] for k, v in _paths()["needs"].items()}


def recommend_openness(team_needs: Iterable[str]) -> Recommendation:
    """Recommend a level of openness for ``team_needs`` (see the module doc)."""
    data = _paths()
    order = data["order"]
    chosen = list(dict.fromkeys(team_needs))
    unknown = [n for n in chosen if n not in data["needs"]]
    if unknown or not chosen:
        raise UsageError(f"unknown need(s): {', '.join(unknown) or 'none given'}",
                         hint="choose from " + ", ".join(data["needs"]))
    acceptable = [level for level in order if all(level in data["needs"][n]["acceptable"] for n in chosen)]
    reasoning, look_for, paths = [], [], []
    for n in chosen:
        spec = data["needs"][n]
        paths.append(f"{spec['label']}: {spec['path']}")
        look_for += spec["look_for"]
        level = spec["level"]
        reasoning.append(f"{spec['label']} → {level.replace('_', ' ') if level else 'no level yet'}: {spec['path']}")
    levels = [data["needs"][n]["level"] for n in chosen if data["needs"][n]["level"]]
    if not levels:
        level = None
        reasoning.append("No need fixes a level: run both options for a week on the same evaluation set.")
    else:
        level = min(levels, key=order.index)
        reasoning.append(f"The strictest need decides: {level.replace('_', ' ')}"
                         + (f"; levels that satisfy every need: {', '.join(a.replace('_', ' ') for a in acceptable)}."
                            if acceptable else "."))
    return Recommendation(tuple(chosen), level, tuple(acceptable), tuple(paths), tuple(dict.fromkeys(look_for)),
                          tuple(reasoning), data["source"])
