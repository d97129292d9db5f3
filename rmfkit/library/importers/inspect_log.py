"""UK AISI Inspect eval logs in JSON (log format version 1 and 2; bare ``NaN`` tokens accepted).

Each scorer's metrics become metrics of the task; a metric named ``stderr`` is attached as the
stderr of the others; ``n`` is the number of completed samples. The build (``facts["build"]``) is the
log's model and its ``model_args`` revision and quantization, where the log records them.

>>> log = {"version": 2, "status": "success", "eval": {"task": "t", "model": "m/x"},
...        "results": {"completed_samples": 10, "scores": [{"name": "match", "metrics": {
...            "accuracy": {"name": "accuracy", "value": 0.7}, "stderr": {"name": "stderr", "value": 0.1}}}]}}
>>> parse(log, "log.json").facts["metrics"]
[{'task': 't', 'metric': 'accuracy', 'value': 0.7, 'stderr': 0.1, 'n': 10}]
"""
from __future__ import annotations

from typing import Any

from rmfkit.builds import quantization_of, stated_build
from rmfkit.library.facts import as_int, metric
from rmfkit.library.importers import Parsed
from rmfkit.library.importers.common import date_from, fail, mapping, short_name, text

KIND = "inspect"
INPUT = "json"


def matches(doc: Any) -> bool:
    return (isinstance(doc, dict) and isinstance(doc.get("eval"), dict) and "version" in doc
            and ("results" in doc or "status" in doc))


def _scores(results: dict) -> list[dict]:
    """``results.scores`` (version 2) or ``results.scorer`` + ``results.metrics`` (version 1)."""
    if isinstance(results.get("scores"), list):
        return [mapping(s) for s in results["scores"]]
    if results.get("metrics") is not None:
        return [{"name": text(mapping(results.get("scorer")).get("name")), "metrics": results.get("metrics")}]
    return []


def parse(doc: Any, name: str) -> Parsed:
    if not matches(doc):
        fail(name, "not an Inspect eval log (expected version, eval and results)")
    info = doc["eval"]
    task = text(info.get("task")) or "task"
    results = mapping(doc.get("results"))
    n = as_int(results.get("completed_samples"))
    scores = _scores(results)
    metrics = []
    for score in scores:
        values = {k: mapping(v).get("value") for k, v in mapping(score.get("metrics")).items()}
        for metric_name, value in values.items():
            if metric_name == "stderr":
                continue
            metrics.append(metric(task, metric_name, value, values.get("stderr"), n,
                                  slice=text(score.get("name")) if len(scores) > 1 else None))
    status = text(doc.get("status"))
    findings = [] if status in (None, "success") else [f"the run's status is '{status}', not success"]
    if not metrics:
        findings.append("the log holds no scores")
    model = text(info.get("model"))
    package_version = text(mapping(info.get("packages")).get("inspect_ai"))
    facts: dict[str, Any] = {"metrics": metrics, "model": model, "status": status, "log_version": as_int(doc.get("version")),
                             "samples": as_int(results.get("total_samples")), "completed_samples": n,
                             "dataset": text(mapping(info.get("dataset")).get("name"))}
    model_args = {str(k): str(v) for k, v in mapping(info.get("model_args")).items()}
    repository = model.split("/", 1)[1] if model and model.count("/") >= 2 else model  # "hf/org/name" -> "org/name"
    facts["build"] = stated_build(repository, model_args.get("revision") or text(info.get("revision")),
                                  quantization_of(model_args), model.split("/", 1)[0] if model and "/" in model else None)
    if findings:
        facts["findings"] = findings
    return Parsed(kind=KIND, title=f"Inspect eval {task}" + (f" on {model}" if model else ""),
                  facts={k: v for k, v in facts.items() if v is not None},
                  collected_at=date_from(info.get("created")), tool="inspect_ai", tool_version=package_version,
                  subject=short_name(model))
