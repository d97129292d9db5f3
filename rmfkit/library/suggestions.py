"""Which AI RMF subcategories a piece of evidence can support: suggestions the user accepts or not.

The table below is the whole logic: each rule names the evidence kinds it applies to, an optional
test on the facts, the subcategories, and the reason shown to the user. Nothing is linked
automatically; ``rmfkit evidence import`` shows the suggestions and ``--subcategory`` records them.

>>> from rmfkit.models.evidence import EvidenceRecord
>>> rec = EvidenceRecord(id="r", title="t", kind="garak", file="r.jsonl", sha256="0" * 64, size=1)
>>> [sub for sub, _ in suggest_subcategories(rec)][:2]
['MEASURE 2.7', 'MEASURE 2.6']
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable

from rmfkit.models.evidence import EvidenceRecord

EVAL_KINDS = ("lm-eval", "inspect", "task-eval", "promptfoo")
RED_TEAM_KINDS = ("garak",)
LICENSE_KINDS = ("cyclonedx", "spdx", "pip-licenses", "python-env", "license-record")

# Curated words (benchmark names and unambiguous terms), matched whole-word against the words of task,
# metric, probe and plugin names: "materials_safety_classification" is not a safety eval.
FAIRNESS = frozenset({"bias", "biases", "fairness", "bbq", "winogender", "winobias", "crows", "stereoset",
                      "stereotype", "stereotypes", "discrim", "discrimination", "demographic", "parity", "bold"})
PRIVACY = frozenset({"pii", "privacy", "leakreplay", "memorization", "memorisation", "membership", "gdpr", "redact",
                     "redaction"})  # not "leak"/"leakage": leakage current, data leakage between splits
SAFETY = frozenset({"toxic", "toxicity", "toxigen", "realtoxicityprompts", "harmful", "harmbench", "advbench",
                    "truthfulqa", "truthfulness", "hallucination", "halueval", "jailbreak", "jailbreakbench",
                    "xstest", "refusal", "refusals"})


def _metric_names(facts: dict[str, Any]) -> str:
    """Every task, metric and slice name of the metrics, plus red-team plugins, as one text to search."""
    parts = [f"{m.get('task')} {m.get('metric')} {m.get('slice') or ''}" for m in facts.get("metrics") or []
             if isinstance(m, dict)]
    parts += [str(p) for p in facts.get("plugins") or []] + [str(p) for p in facts.get("probes") or []]
    return " ".join(parts)


def _words_matching(vocabulary: frozenset[str]) -> Callable[[dict], str | None]:
    """A rule test naming the whole words of the names that are in ``vocabulary`` (None when none is).

    >>> _words_matching(SAFETY)({"metrics": [{"task": "materials_safety_classification", "metric": "acc"}]})
    >>> _words_matching(SAFETY)({"metrics": [{"task": "truthfulqa_mc2", "metric": "acc"}]})
    "task or probe names mention 'truthfulqa'"
    """
    def test(facts: dict) -> str | None:
        found = sorted(set(re.findall(r"[a-z0-9]+", _metric_names(facts).lower())) & vocabulary)
        return f"task or probe names mention {', '.join(repr(w) for w in found)}" if found else None
    return test


def _has_metrics(facts: dict) -> bool:
    return bool(facts.get("metrics"))


def _is_red_team(facts: dict) -> bool:
    return bool(facts.get("redteam"))


@dataclass(frozen=True)
class Rule:
    kinds: tuple[str, ...]
    subcategories: tuple[str, ...]
    reason: str
    when: Callable[[dict], bool | str | None] | None = None


# Read top to bottom: the first rule that suggests a subcategory gives its reason.
SUGGESTIONS: list[Rule] = [
    # red-team runs
    Rule(RED_TEAM_KINDS, ("MEASURE 2.7", "MEASURE 2.6", "MANAGE 2.3", "MANAGE 2.4"),
         "red-team results test security and resilience (2.7) and safety (2.6); failures feed the response "
         "(MANAGE 2.3) and disengagement (MANAGE 2.4) procedures"),
    Rule(("promptfoo",), ("MEASURE 2.7", "MEASURE 2.6", "MANAGE 2.3", "MANAGE 2.4"),
         "a promptfoo red-team run tests security and resilience and safety; failures feed MANAGE 2.3/2.4",
         _is_red_team),
    Rule(("model-scan",), ("MEASURE 2.7", "MANAGE 3.2"),
         "a serialization scan of the model's files tests security (2.7) of a pre-trained model that must be "
         "monitored (MANAGE 3.2)"),
    # evaluations
    Rule(EVAL_KINDS + ("model-card", "cyclonedx"), ("MEASURE 2.3", "MEASURE 2.5", "MEASURE 2.1"),
         "measured performance with stated test sets and tools: performance (2.3), validity and reliability "
         "(2.5), test sets and tools documented (2.1)", _has_metrics),
    Rule(("task-eval",), ("MAP 2.3",),
         "an evaluation on the team's own labelled data documents TEVV for the deployment context"),
    Rule(EVAL_KINDS + RED_TEAM_KINDS + ("model-card",), ("MEASURE 2.11",),
         "metrics on bias or fairness benchmarks", _words_matching(FAIRNESS)),
    Rule(EVAL_KINDS + RED_TEAM_KINDS, ("MEASURE 2.10",),
         "tests of personal-data leakage or privacy", _words_matching(PRIVACY)),
    Rule(EVAL_KINDS + ("model-card",), ("MEASURE 2.6",),
         "metrics on toxicity, harmful output or truthfulness", _words_matching(SAFETY)),
    # documentation of the model
    Rule(("model-card",), ("MAP 2.2", "MEASURE 2.9", "MANAGE 3.2"),
         "the model card documents knowledge limits (MAP 2.2) and the model (MEASURE 2.9) of a pre-trained "
         "model that must be monitored (MANAGE 3.2)"),
    # components and their licenses
    Rule(LICENSE_KINDS + ("model-card",), ("MAP 4.1", "GOVERN 6.1"),
         "licenses of third-party components map legal risk (MAP 4.1) under third-party policies (GOVERN 6.1)",
         lambda f: bool(f.get("licenses"))),
    Rule(("cyclonedx", "spdx", "pip-licenses", "python-env"), ("MAP 4.2", "MANAGE 3.1"),
         "a component inventory documents third-party components (MAP 4.2) and lets their risks be "
         "monitored (MANAGE 3.1)"),
    Rule(("license-record",), ("MANAGE 3.1",),
         "a dated license record lets license changes of a third-party resource be monitored"),
]


def suggest_subcategories(record: EvidenceRecord) -> list[tuple[str, str]]:
    """(subcategory id, reason) pairs for one evidence record, without the ones it already supports."""
    suggested: dict[str, str] = {}
    facts = record.facts or {}
    for rule in SUGGESTIONS:
        if record.kind not in rule.kinds:
            continue
        matched = rule.when(facts) if rule.when is not None else True
        if not matched:
            continue
        reason = f"{rule.reason} ({matched})" if isinstance(matched, str) else rule.reason
        for sub in rule.subcategories:
            suggested.setdefault(sub, reason)
    return [(sub, reason) for sub, reason in suggested.items() if sub not in record.subcategories]
