"""EleutherAI lm-evaluation-harness results JSON (0.3.x legacy and 0.4.x).

Every task and group metric becomes a ``facts["metrics"]`` entry; the filter (``strict-match``)
is the ``slice``; stderr ``"N/A"`` becomes None; ``n`` is the effective sample count. The build the run
was made on (``facts["build"]``) comes from ``model_args`` (``pretrained``, ``revision``, quantization)
and the tracker's ``model_sha`` (the commit; else ``model_revision``, often a branch).

>>> doc = {"results": {"arc": {"acc,none": 0.5, "acc_stderr,none": "N/A"}}, "versions": {"arc": 1}}
>>> parse(doc, "r.json").facts["metrics"]
[{'task': 'arc', 'metric': 'acc', 'value': 0.5, 'stderr': None, 'n': None}]
"""
from __future__ import annotations

from typing import Any

from rmfkit.builds import quantization_of, stated_build
from rmfkit.library.facts import as_int, metric, plain
from rmfkit.library.importers import Parsed
from rmfkit.library.importers.common import date_from, fail, mapping, short_name, text

KIND = "lm-eval"
INPUT = "json"
NON_METRIC_KEYS = {"alias", "name", "sample_len", "sample_count", "samples"}
MODEL_ARG_KEYS = ("peft", "delta", "pretrained", "model", "path", "engine")


def matches(doc: Any) -> bool:
    if not isinstance(doc, dict) or not isinstance(doc.get("results"), dict) or not doc["results"]:
        return False
    if not all(isinstance(entry, dict) for entry in doc["results"].values()):
        return False
    return (any(k in doc for k in ("versions", "configs", "n-shot", "group_subtasks"))
            or "model_args" in mapping(doc.get("config")))


def model_args(value: Any) -> dict[str, str]:
    """``"pretrained=x,dtype=auto"`` or ``{"pretrained": "x"}`` as a dict of text."""
    if isinstance(value, dict):
        return {str(k): str(v) for k, v in value.items()}
    if isinstance(value, str):
        pairs = (part.split("=", 1) for part in value.split(",") if "=" in part)
        return {k.strip(): v.strip() for k, v in pairs}
    return {}


def parse(doc: Any, name: str) -> Parsed:
    if not isinstance(doc, dict) or not isinstance(doc.get("results"), dict):
        fail(name, "no 'results' object; not an lm-evaluation-harness results file")
    results = doc["results"]
    if not results:
        fail(name, "'results' is empty; the run produced no metrics")
    n_samples = mapping(doc.get("n-samples"))
    higher = mapping(doc.get("higher_is_better"))
    metrics = []
    for task, entry in results.items():
        if not isinstance(entry, dict):
            fail(name, f"results.{task} is not an object of metric values")
        effective = as_int(mapping(n_samples.get(task)).get("effective"))
        for key, value in entry.items():
            base, _, filter_name = str(key).partition(",")
            if base in NON_METRIC_KEYS or base.endswith("_stderr"):
                continue
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                continue
            stderr_key = f"{base}_stderr,{filter_name}" if filter_name else f"{base}_stderr"
            better = mapping(higher.get(task)).get(base)
            metrics.append(metric(task, base, value, entry.get(stderr_key), effective,
                                  slice=filter_name if filter_name not in ("", "none") else None,
                                  higher_is_better=better if isinstance(better, bool) else None))
    if not metrics:
        fail(name, "'results' holds no numeric metric values")
    config = mapping(doc.get("config"))
    args = model_args(config.get("model_args"))
    model = next((args[k] for k in MODEL_ARG_KEYS if args.get(k)), None) or text(doc.get("model_name"))
    tasks = [t for t in results if t not in mapping(doc.get("groups"))]
    version = text(doc.get("lm_eval_version"))
    facts = {
        "metrics": metrics,
        "model": model,
        "backend": text(config.get("model")),
        "model_args": plain(args),
        "n_shot": {str(k): v for k, v in mapping(doc.get("n-shot")).items() if as_int(v) is not None},
        "limit": plain(config.get("limit")),
        "groups": sorted(mapping(doc.get("groups"))),
        "tasks": sorted(tasks),
        "task_versions": plain(mapping(doc.get("versions"))),
        "harness_version": version,
        "git_hash": text(doc.get("git_hash")),
        "build": stated_build(model, args.get("revision") or text(doc.get("model_sha")) or text(doc.get("model_revision")),
                              quantization_of(args), text(config.get("model"))),
    }
    shown = ", ".join(sorted(tasks)[:3]) + (f" and {len(tasks) - 3} more" if len(tasks) > 3 else "")
    return Parsed(kind=KIND, title=f"lm-eval results for {model or 'a model'}: {shown}",
                  facts={k: v for k, v in facts.items() if v not in (None, {}, [])},
                  collected_at=date_from(doc.get("date")), tool="lm-evaluation-harness",
                  tool_version=version or (f"git {facts['git_hash']}" if facts["git_hash"] else None),
                  subject=short_name(model))
