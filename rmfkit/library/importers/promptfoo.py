"""promptfoo eval output JSON (``promptfoo eval -o out.json``, results version 2 and 3).

``success: true`` means the test passed; in a red-team run that means the target resisted the
attack. Pass rates per provider (slice), per red-team plugin, and overall; errors are counted
apart and excluded from the rate. ``providers`` lists every provider a row names, errored rows included.

>>> doc = {"evalId": "e", "results": {"version": 3, "results": [
...     {"success": True, "provider": {"id": "p"}}, {"success": False, "provider": {"id": "p"}}]}}
>>> parse(doc, "out.json").facts["metrics"][0]["value"]
0.5
"""
from __future__ import annotations

from collections import defaultdict
from typing import Any

from rmfkit.library.facts import as_int, metric
from rmfkit.library.importers import Parsed
from rmfkit.library.importers.common import date_from, fail, listing, mapping, pass_rate_stderr, text

KIND = "promptfoo"
INPUT = "json"


def matches(doc: Any) -> bool:
    results = mapping(doc.get("results")) if isinstance(doc, dict) else {}
    return isinstance(results.get("results"), list) and ("evalId" in doc or "version" in results)


def _provider(row: dict) -> str:
    provider = row.get("provider")
    return text(mapping(provider).get("label")) or text(mapping(provider).get("id")) or text(provider) or "provider"


def parse(doc: Any, name: str) -> Parsed:
    if not matches(doc):
        fail(name, "not a promptfoo output file (expected results.results as a list)")
    rows = [r for r in doc["results"]["results"] if isinstance(r, dict)]
    if not rows:
        fail(name, "results.results is empty; the eval ran no tests")
    config = mapping(doc.get("config"))
    by_provider: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    by_plugin: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    errors = 0
    providers = {_provider(row) for row in rows if row.get("provider") is not None}
    providers = providers or {text(p.get("provider")) for p in listing(doc["results"].get("prompts"))
                              if isinstance(p, dict) and text(p.get("provider"))}
    for row in rows:
        if as_int(row.get("failureReason")) == 2 or (row.get("error") and row.get("success") is not True
                                                     and as_int(row.get("failureReason")) != 1):
            errors += 1
            continue
        passed = row.get("success") is True
        cells = [by_provider[_provider(row)]]
        plugin = text(mapping(row.get("metadata")).get("pluginId"))
        if plugin:
            cells.append(by_plugin[(plugin, _provider(row))])
        for cell in cells:
            cell[0] += passed
            cell[1] += 1
    task = text(config.get("description")) or "promptfoo"
    metrics = [metric(task, "pass_rate", p / t if t else None, pass_rate_stderr(p, t), t, slice=provider,
                      higher_is_better=True) for provider, (p, t) in sorted(by_provider.items())]
    metrics += [metric(plugin, "pass_rate", p / t if t else None, pass_rate_stderr(p, t), t, slice=provider,
                       higher_is_better=True) for (plugin, provider), (p, t) in sorted(by_plugin.items())]
    passed_total = sum(p for p, _ in by_provider.values())
    graded = sum(t for _, t in by_provider.values())
    redteam = bool(by_plugin) or bool(config.get("redteam"))
    facts: dict[str, Any] = {"metrics": metrics, "redteam": redteam, "tests": len(rows), "errors": errors,
                             "pass_rate": round(passed_total / graded, 6) if graded else None,
                             "providers": sorted(providers), "results_version": as_int(doc["results"].get("version"))}
    if redteam:
        facts["plugins"] = sorted({plugin for plugin, _ in by_plugin})
        strategies = [text(mapping(s).get("id")) or text(s) for s in listing(mapping(config.get("redteam")).get("strategies"))]
        facts["strategies"] = sorted({s for s in strategies if s})
    meta = mapping(doc.get("metadata"))
    return Parsed(kind=KIND, title=f"promptfoo {'red-team' if redteam else 'eval'}: {task} ({len(rows)} tests)",
                  facts={k: v for k, v in facts.items() if v is not None},
                  collected_at=date_from(doc["results"].get("timestamp") or meta.get("evaluationCreatedAt")),
                  tool="promptfoo", tool_version=text(meta.get("promptfooVersion")),
                  subject=facts["providers"][0] if len(facts["providers"]) == 1 else None)
