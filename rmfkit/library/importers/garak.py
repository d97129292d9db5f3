"""garak report JSONL (``<prefix>.report.jsonl``), old (0.9) and current (0.13+) layouts.

Pass rates per probe and detector come from ``eval`` lines; without them (early-stop runs) from
the ``digest``, and otherwise from the attempts themselves (deduplicated by uuid, highest status;
a detector score of 0.5 or more is a hit). ``pass_rate`` = outputs that resisted / evaluated;
``attack_success_rate`` = 1 - pass rate. An ``eval`` line whose ``passed`` exceeds its total (or is
negative) is refused, naming the probe and detector. The JSON-array form of a report (one array of
the same objects) is read like the lines. The ``EarlyStop`` pseudo detector of early-stop runs is not
a detector: it gives one finding, not a pass rate.

>>> rows = [{"entry_type": "eval", "probe": "dan.Dan", "detector": "dan.DAN", "passed": 9, "fails": 1,
...          "total_evaluated": 10}]
>>> parse(rows, "r.report.jsonl").facts["metrics"][0]["value"]
0.9
"""
from __future__ import annotations

from collections import defaultdict
from typing import Any

from rmfkit.library.facts import as_float, as_int, metric
from rmfkit.library.importers import Parsed
from rmfkit.library.importers.common import date_from, fail, listing, mapping, pass_rate_stderr, text

KIND = "garak"
INPUT = "jsonl"
HIT_THRESHOLD = 0.5
PSEUDO_DETECTORS = ("EarlyStop",)


def matches(doc: Any) -> bool:
    return isinstance(doc, list) and bool(doc) and isinstance(doc[0], dict) and "entry_type" in doc[0]


def _pseudo(detector: str) -> bool:
    return detector.rsplit(".", 1)[-1] in PSEUDO_DETECTORS


def _from_evals(rows: list[dict], name: str) -> dict[tuple[str, str], tuple[int, int]]:
    counts = {}
    for row in rows:
        total = as_int(row.get("total_evaluated"))
        total = total if total is not None else as_int(row.get("total"))
        passed = as_int(row.get("passed"))
        probe, detector = text(row.get("probe")), text(row.get("detector"))
        if not (probe and detector and total is not None and passed is not None) or _pseudo(detector):
            continue
        if passed < 0 or total < 0 or passed > total:
            fail(name, f"eval record for probe {probe}, detector {detector}: passed {passed} of total {total} "
                       "is impossible", hint="passed must be between 0 and the number of outputs evaluated")
        counts[(probe, detector)] = (passed, total)
    return counts


def _from_digest(digest: dict) -> dict[tuple[str, str], tuple[float, None]]:
    scores = {}
    for group in mapping(digest.get("eval")).values():
        for probe, detectors in mapping(group).items():
            if probe.startswith("_"):
                continue
            for detector, result in mapping(detectors).items():
                score = as_float(mapping(result).get("absolute_score"))
                if not detector.startswith("_") and not _pseudo(detector) and score is not None:
                    scores[(probe, detector)] = (score, None)
    return scores


def _scores(values: Any):
    for value in listing(values):
        if isinstance(value, list):
            yield from _scores(value)
        else:
            yield as_float(value)


def _from_attempts(rows: list[dict]) -> dict[tuple[str, str], tuple[int, int]]:
    latest: dict[str, dict] = {}
    for row in rows:
        uuid = text(row.get("uuid"))
        if uuid and (uuid not in latest or (as_int(row.get("status")) or 0) >= (as_int(latest[uuid].get("status")) or 0)):
            latest[uuid] = row
    counts: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for row in latest.values():
        for detector, values in mapping(row.get("detector_results")).items():
            if _pseudo(detector):
                continue
            for score in _scores(values):
                if score is None:
                    continue
                cell = counts[(text(row.get("probe_classname")) or "unknown", detector)]
                cell[0] += score < HIT_THRESHOLD
                cell[1] += 1
    return {key: (passed, total) for key, (passed, total) in counts.items()}


def parse(doc: Any, name: str) -> Parsed:
    if not matches(doc):
        fail(name, "not a garak report: expected JSON Lines objects with an entry_type")
    by_type: dict[str, list[dict]] = defaultdict(list)
    for row in doc:
        if not isinstance(row, dict):
            fail(name, "every line of a garak report must be a JSON object")
        by_type[text(row.get("entry_type")) or ""].append(row)
    findings = []
    counts: dict = _from_evals(by_type["eval"], name)
    early_stop = any(_pseudo(text(r.get("detector")) or "") for r in by_type["eval"]) or any(
        _pseudo(str(d)) for r in by_type["attempt"] for d in mapping(r.get("detector_results")))
    if not counts and by_type["digest"]:
        counts = _from_digest(by_type["digest"][-1])
        if counts:
            findings.append("no eval lines; pass rates taken from the digest (scores without counts)")
    if not counts and by_type["attempt"]:
        counts = _from_attempts(by_type["attempt"])
        if counts:
            findings.append(f"no eval lines or digest; pass rates computed from attempts (hit at score >= "
                            f"{HIT_THRESHOLD})")
    if early_stop:
        findings.append("early-stop run: the EarlyStop pseudo detector is not counted as a detector; pass rates "
                        "cover the attempts that were made")
    if not counts:
        fail(name, "the report holds no eval lines, digest or scored attempts; nothing to import")
    metrics = []
    passed_total = evaluated_total = 0
    for (probe, detector), (passed, total) in sorted(counts.items()):
        if total is None:  # digest scores are rates without counts
            metrics.append(metric(probe, "pass_rate", passed, slice=detector, higher_is_better=True))
            continue
        metrics.append(metric(probe, "pass_rate", passed / total if total else None,
                              pass_rate_stderr(passed, total), total, slice=detector, higher_is_better=True))
        passed_total += passed
        evaluated_total += total
    setup = by_type["start_run setup"][0] if by_type["start_run setup"] else {}
    init = by_type["init"][0] if by_type["init"] else {}
    target = text(setup.get("plugins.target_name")) or text(setup.get("plugins.model_name"))
    facts: dict[str, Any] = {"metrics": metrics, "probes": sorted({p for p, _ in counts}),
                             "target": target,
                             "target_type": text(setup.get("plugins.target_type")) or text(setup.get("plugins.model_type"))}
    if evaluated_total:
        overall = passed_total / evaluated_total
        facts.update({"pass_rate": round(overall, 6), "attack_success_rate": round(1 - overall, 6),
                      "outputs_evaluated": evaluated_total})
    if findings:
        facts["findings"] = findings
    version = text(init.get("garak_version")) or text(setup.get("_config.version"))
    return Parsed(kind=KIND, title=f"garak red-team report{f' against {target}' if target else ''} "
                                   f"({len(facts['probes'])} probes)",
                  facts={k: v for k, v in facts.items() if v is not None},
                  collected_at=date_from(init.get("start_time") or setup.get("transient.starttime_iso")),
                  tool="garak", tool_version=version, subject=target)
