"""The ``facts`` block of an evidence record: documented shapes, a stable hash, and a readable diff.

Shapes other modules rely on (measurement thresholds, license register, packet):

``facts["metrics"]`` — every eval-like importer (lm-eval, inspect, promptfoo, garak, task-eval,
model-card ``model-index``, CycloneDX ML-BOM): a list of dicts

    {"task": str, "metric": str, "value": float | None, "stderr": float | None, "n": int | None,
     "slice": str (optional), "higher_is_better": bool (optional), "raw": str (optional)}

A metric is identified by ``(task, metric, slice)``; ``slice`` separates the lm-eval filter
(``strict-match``), the garak detector, the promptfoo provider or the model-index dataset split.
``value`` is None when the file holds no number (e.g. a placeholder); ``raw`` then keeps the text.
A value that is a number but not a finite one (``Infinity``, ``NaN``, ``1e999`` overflowing) is
``"value": None`` with ``"non_finite": "inf" | "-inf" | "nan"`` (JSON-safe; never a bare Infinity).
Values are recorded on the scale the file uses (fractions or percentages), never rescaled.

``facts["licenses"]`` — every license-bearing importer (model card, CycloneDX, SPDX, pip-licenses,
python-env, license-record): a sorted list of license ids or expressions as found (SPDX ids,
Hugging Face ids such as ``llama3.1``, or ``other:<license_name>``).

``facts["notes"]`` — optional list of strings: doubts a reader must see (e.g. a model card whose
heading, front matter and ``model-index`` name different models).

``facts["findings"]`` — optional list of strings: what the importer noticed but accepted
(invalid JSON repaired, NOASSERTION licenses, a dropped model-index...).

>>> diff_facts({"licenses": ["apache-2.0"]}, {"licenses": ["other:custom"]})
['licenses: apache-2.0 → other:custom']
>>> diff_facts({"metrics": [metric("mmlu", "acc", 0.612)]}, {"metrics": [metric("mmlu", "acc", 0.588)]})
['mmlu acc: 0.612 → 0.588']
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
from typing import Any


def metric(task: str, name: str, value: Any, stderr: Any = None, n: Any = None, **extra: Any) -> dict[str, Any]:
    """One entry of ``facts["metrics"]``; numbers that are not finite or not numbers become None.

    >>> metric("mmlu", "acc", 0.5, "N/A", 100)
    {'task': 'mmlu', 'metric': 'acc', 'value': 0.5, 'stderr': None, 'n': 100}
    >>> metric("wikitext", "perplexity", float("inf"))
    {'task': 'wikitext', 'metric': 'perplexity', 'value': None, 'stderr': None, 'n': None, 'non_finite': 'inf'}
    """
    entry: dict[str, Any] = {"task": str(task), "metric": str(name), "value": as_float(value),
                             "stderr": as_float(stderr), "n": as_int(n)}
    if entry["value"] is None and non_finite(value):
        extra.setdefault("non_finite", non_finite(value))
    elif entry["value"] is None and value not in (None, ""):
        extra.setdefault("raw", str(value)[:200])
    entry.update({k: v for k, v in extra.items() if v is not None})
    return entry


def non_finite(value: Any) -> str | None:
    """``"inf"``, ``"-inf"`` or ``"nan"`` when ``value`` is a number (or numeric text) that is not finite.

    >>> non_finite(float("-inf")), non_finite("NaN"), non_finite(1e308 * 10), non_finite(0.5), non_finite("n/a")
    ('-inf', 'nan', 'inf', None, None)
    """
    value = _number(value)
    if isinstance(value, float) and not math.isfinite(value):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    return None


def as_float(value: Any) -> float | None:
    """A finite float, or None (``"N/A"``, NaN, booleans, text that is not a number)."""
    value = _number(value)
    return float(value) if value is not None and math.isfinite(value) else None


def _number(value: Any) -> int | float | None:
    """``value`` as a number (numeric text parsed), or None for booleans, None and anything else."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            return None
    return value if isinstance(value, (int, float)) else None


def as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return int(value)
    return None


def plain(value: Any, depth: int = 0) -> Any:
    """JSON-safe copy (dates to ISO text, NaN to None, keys to text, tuples to lists)."""
    if depth > 40:
        return None
    if isinstance(value, dict):
        return {str(k): plain(v, depth + 1) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v, depth + 1) for v in value]
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return str(value)


def facts_sha256(facts: dict[str, Any]) -> str:
    """Hash of the facts in canonical JSON: equal facts give equal hashes whatever the key order."""
    canonical = json.dumps(plain(facts), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


UNCERTAIN_MARK = "[?]"  # how the reference fact base marks a fact it could not confirm


def _show(value: Any) -> str:
    """A fact value in words for drift lines: yes/no, "(none)", and the fact base's ``[?]`` said in words.

    >>> _show(True), _show(None), _show("[?] recipients get the agreement")
    ('yes', '(none)', 'not confirmed: recipients get the agreement')
    """
    if isinstance(value, list):
        return ", ".join(_show(v) for v in value) if value else "(none)"
    if isinstance(value, dict):
        return json.dumps(value, sort_keys=True, ensure_ascii=False)
    if value is None:
        return "(none)"
    if isinstance(value, bool):
        return "yes" if value else "no"
    text = str(value)
    if text.startswith(UNCERTAIN_MARK):
        return f"not confirmed: {text[len(UNCERTAIN_MARK):].strip()}"
    return text


def _metric_key(entry: dict) -> str:
    parts = [str(entry.get("task")), str(entry.get("metric"))]
    if entry.get("slice"):
        parts.append(f"[{entry['slice']}]")
    return " ".join(parts)


def diff_facts(old: dict[str, Any], new: dict[str, Any], prefix: str = "") -> list[str]:
    """What changed between two facts blocks, one readable line per change (metrics by task and metric)."""
    lines: list[str] = []
    for key in sorted(set(old) | set(new), key=str):
        name = f"{prefix}{key}"
        before, after = old.get(key), new.get(key)
        if plain(before) == plain(after):
            continue
        if key == "metrics" and isinstance(before or [], list) and isinstance(after or [], list):
            lines.extend(_diff_metrics(before or [], after or []))
        elif isinstance(before, dict) and isinstance(after, dict):
            lines.extend(diff_facts(before, after, prefix=f"{name}."))
        elif key not in old:
            lines.append(f"{name}: added {_show(after)}")
        elif key not in new:
            lines.append(f"{name}: removed (was {_show(before)})")
        else:
            lines.append(f"{name}: {_show(before)} → {_show(after)}")
    return lines


def _diff_metrics(old: list, new: list) -> list[str]:
    before = {_metric_key(m): m for m in old if isinstance(m, dict)}
    after = {_metric_key(m): m for m in new if isinstance(m, dict)}
    lines = []
    for key in sorted(set(before) | set(after)):
        if key not in after:
            lines.append(f"{key}: removed (was {_show(before[key].get('value'))})")
        elif key not in before:
            lines.append(f"{key}: added {_show(after[key].get('value'))}")
        elif before[key].get("value") != after[key].get("value"):
            lines.append(f"{key}: {_show(before[key].get('value'))} → {_show(after[key].get('value'))}")
        elif plain(before[key]) != plain(after[key]):
            lines.append(f"{key}: details changed")
    return lines
