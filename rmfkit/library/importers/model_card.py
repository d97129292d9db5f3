"""Hugging Face model card (``README.md`` with YAML front matter).

Reads the front matter the way the Hub does (leading whitespace, CRLF/CR, a UTF-8 BOM) with the
project's safe YAML reader (no aliases, bounded nesting), keeps ``license: other`` with
``license_name``/``license_link``, and turns ``model-index`` results into metrics on the scale the
card uses. A card without front matter is accepted with a finding.

The title is the first top-level heading outside fenced code blocks, else the model name of the
front matter (``model-index`` name, ``model_name``), else the file name. When the heading, the
``model-index`` name and ``model_name`` name different models, ``facts["notes"]`` says so.

>>> card = "---\\nlicense: other\\nlicense_name: toy-license\\nbase_model: org/base\\n---\\n# Toy\\n"
>>> parse(card, "README.md").facts["licenses"]
['other:toy-license']
>>> parse("```python\\n# not a title\\n```\\n", "/home/me/cards/README.md").title
'Model card: README.md'
"""
from __future__ import annotations

import re
from pathlib import PurePath
from typing import Any

from rmfkit.builds import stated_build
from rmfkit.errors import InputFileError
from rmfkit.library.facts import metric, plain
from rmfkit.library.importers import Parsed
from rmfkit.library.importers.common import fail, listing, mapping, short_name, text, unique_sorted
from rmfkit.safeparse import parse_yaml

KIND = "model-card"
INPUT = "text"
# The Hub's own pattern (huggingface_hub.repocard): leading whitespace, any line ending.
FRONT_MATTER = re.compile(r"^(\s*---(?:\r\n|\r|\n))([\S\s]*?)((?:\r\n|\r|\n)---[ \t]*(\r\n|\n|$))")
CARD_KEYS = ("license", "license_name", "license_link", "base_model", "datasets", "language", "pipeline_tag",
             "library_name", "tags", "model-index", "model_name", "metrics", "extra_gated_prompt")
_CARD_KEY_LINE = re.compile(r"^(?:" + "|".join(re.escape(k) for k in CARD_KEYS) + r")\s*:", re.MULTILINE)
LIST_FIELDS = ("base_model", "datasets", "language", "tags", "metrics")


def matches(doc: Any) -> bool:
    found = FRONT_MATTER.match(doc) if isinstance(doc, str) else None
    return bool(found and _CARD_KEY_LINE.search(found.group(2)))


FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")


def _heading(body: str) -> str | None:
    """The first top-level ``# heading`` outside fenced code blocks (a ``#`` comment in code is not one)."""
    fence = None
    for line in body.splitlines():
        opened = FENCE.match(line)
        if fence is not None:
            if opened and opened.group(1)[0] == fence[0] and len(opened.group(1)) >= len(fence):
                fence = None
            continue
        if opened:
            fence = opened.group(1)
            continue
        match = re.match(r" {0,3}#[ \t]+(.+?)[ \t#]*$", line)
        if match and text(match.group(1)):
            return text(match.group(1), 120)
    return None


def _same_model(a: str, b: str) -> bool:
    """Whether two names plausibly name one model (``Llama 3.1 8B`` and ``Llama-3.1-8B``; one inside the other)."""
    x, y = (re.sub(r"[^a-z0-9]", "", short_name(v).lower()) for v in (a, b))
    return bool(x and y) and (x in y or y in x)


def name_conflicts(heading: str | None, index_name: str | None, model_name: str | None) -> list[str]:
    """One note per pair of model names in the card that do not agree.

    >>> name_conflicts("stable-code-3b", "starcoderbase", None)
    ["the card's heading names 'stable-code-3b' but its model-index names 'starcoderbase'; check which model this card describes"]
    """
    named = [("heading", heading), ("model-index", index_name), ("front matter model_name", model_name)]
    named = [(where, value) for where, value in named if value]
    notes = []
    for i, (where_a, a) in enumerate(named):
        for where_b, b in named[i + 1:]:
            if not _same_model(a, b):
                notes.append(f"the card's {where_a} names '{a}' but its {where_b} names '{b}'; "
                             "check which model this card describes")
    return notes


def licenses_of(meta: dict) -> list[str]:
    """License ids as found; ``other`` carries its ``license_name`` (``other:yi-license``)."""
    found = []
    for value in listing(meta.get("license")):
        value = text(value)
        if value and value.lower() == "other" and text(meta.get("license_name")):
            found.append(f"other:{text(meta.get('license_name'))}")
        elif value:
            found.append(value)
    return unique_sorted(found)


def model_index_metrics(index: Any, findings: list[str]) -> list[dict]:
    """Metrics of a ``model-index`` block; a malformed block is reported, not fatal."""
    metrics: list[dict] = []
    if index is None:
        return metrics
    if not isinstance(index, list):
        findings.append("model-index is not a list; its results were not read")
        return metrics
    for model in index:
        for result in listing(mapping(model).get("results")):
            result = mapping(result)
            dataset = mapping(result.get("dataset"))
            task = text(dataset.get("name")) or text(dataset.get("type"))
            if not task:
                findings.append("a model-index result has no dataset name or type; skipped")
                continue
            for entry in listing(result.get("metrics")):
                entry = mapping(entry)
                if not text(entry.get("type")):
                    findings.append(f"a model-index metric for {task} has no type; skipped")
                    continue
                source = text(mapping(result.get("source")).get("name"))
                metrics.append(metric(task, text(entry.get("type")), entry.get("value"),
                                      slice=text(dataset.get("split")), source=source,
                                      verified=entry.get("verified") if isinstance(entry.get("verified"), bool) else None))
    return metrics


def parse(doc: Any, name: str) -> Parsed:
    if not isinstance(doc, str):
        fail(name, "not a text file; a model card is a Markdown README")
    found = FRONT_MATTER.match(doc)
    if not found:
        if doc.lstrip().startswith("---"):
            fail(name, "the YAML front matter starts with '---' but has no closing '---' line")
        return Parsed(kind=KIND, title=f"Model card: {_heading(doc) or PurePath(name.replace(chr(92), '/')).name}",
                      facts={"licenses": [], "findings": ["no YAML front matter: the card has no metadata"]})
    block = found.group(2)
    offset = found.group(1).count("\n") + found.group(1).count("\r") - found.group(1).count("\r\n")
    meta: Any = {}
    if block.strip():
        try:
            meta = parse_yaml(block.encode("utf-8"), name, expect_mapping=False)
        except InputFileError as exc:
            raise InputFileError(f"front matter: {exc.message}", file=name,
                                 line=exc.line + offset if exc.line else None) from None
    if not isinstance(meta, dict):
        fail(name, f"the front matter must be a mapping of keys to values, found {type(meta).__name__}")
    meta = plain(meta)
    findings: list[str] = []
    metrics = model_index_metrics(meta.get("model-index"), findings)
    licenses = licenses_of(meta)
    if not licenses:
        findings.append("no license in the front matter")
    elif any(lic.lower() == "other" for lic in licenses):
        findings.append("license: other without license_name; read the license_link or LICENSE file")
    index_name = (text(mapping(listing(meta.get("model-index"))[0]).get("name"))
                  if listing(meta.get("model-index")) else None)
    heading = _heading(doc[found.end():])
    model_name = index_name or text(meta.get("model_name"))
    notes = name_conflicts(heading, index_name, text(meta.get("model_name")))
    facts: dict[str, Any] = {"licenses": licenses, "license_name": text(meta.get("license_name")),
                             "license_link": text(meta.get("license_link")),
                             "pipeline_tag": text(meta.get("pipeline_tag")),
                             "library_name": text(meta.get("library_name")),
                             "base_model_relation": text(meta.get("base_model_relation")),
                             "gated": any(str(k).startswith("extra_gated_") for k in meta) or None,
                             "build": stated_build(model_name if model_name and "/" in model_name else None,
                                                   text(meta.get("revision")),
                                                   "quantized" if text(meta.get("base_model_relation")) == "quantized"
                                                   else None)}
    for key in LIST_FIELDS:
        values = [text(v) for v in listing(meta.get(key)) if text(v)]
        facts["languages" if key == "language" else key] = values
    facts["metrics"] = metrics
    facts["notes"] = notes
    facts["findings"] = findings
    title = heading or model_name or PurePath(name.replace("\\", "/")).name
    return Parsed(kind=KIND, title=f"Model card: {title}",
                  facts={k: v for k, v in facts.items() if v not in (None, [], {}) or k == "licenses"},
                  tool="huggingface-model-card", subject=short_name(model_name or heading))
