"""garak hit logs (``<prefix>.hitlog.jsonl``): one line per output a detector flagged as a hit.

A hit log lists successful attacks only, so it gives hit counts per probe and detector, never a pass
rate (the number of outputs evaluated is in the report, not here); a finding says so.

>>> rows = [{"probe": "dan.Dan_11_0", "detector": "dan.DAN", "score": 1.0, "attempt_id": "u1",
...          "generator": "openai gpt-4o-mini", "run_id": "r1"}]
>>> parse(rows, "x.hitlog.jsonl").facts["hits"]
[{'probe': 'dan.Dan_11_0', 'detector': 'dan.DAN', 'hits': 1}]
"""
from __future__ import annotations

from collections import Counter
from typing import Any

from rmfkit.library.importers import Parsed
from rmfkit.library.importers.common import fail, text

KIND = "garak"
INPUT = "jsonl"


def matches(doc: Any) -> bool:
    first = doc[0] if isinstance(doc, list) and doc else None
    return (isinstance(first, dict) and "entry_type" not in first and {"probe", "detector", "score"} <= set(first)
            and ("attempt_id" in first or "run_id" in first))


def parse(doc: Any, name: str) -> Parsed:
    if not matches(doc):
        fail(name, "not a garak hit log (expected JSON Lines with probe, detector, score and attempt_id)")
    counts: Counter = Counter()
    generators = set()
    for i, row in enumerate(doc, start=1):
        if not isinstance(row, dict) or not text(row.get("probe")) or not text(row.get("detector")):
            fail(name, f"hit {i} has no probe or detector", hint="every line of a hit log names both")
        counts[(text(row["probe"]), text(row["detector"]))] += 1
        if text(row.get("generator")):
            generators.add(text(row["generator"]))
    target = sorted(generators)[0] if len(generators) == 1 else None
    facts: dict[str, Any] = {"hitlog": True, "hit_count": sum(counts.values()),
                             "hits": [{"probe": p, "detector": d, "hits": n} for (p, d), n in sorted(counts.items())],
                             "probes": sorted({p for p, _ in counts}), "target": target,
                             "findings": ["a hit log lists successful attacks only: no pass rate without the "
                                          "matching report.jsonl"]}
    return Parsed(kind=KIND, title=f"garak hit log{f' against {target}' if target else ''} "
                                   f"({facts['hit_count']} hits, {len(facts['probes'])} probes)",
                  facts={k: v for k, v in facts.items() if v is not None}, tool="garak",
                  subject=target.split()[-1] if target else None)
