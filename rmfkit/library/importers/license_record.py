"""rmfkit license records: the facts about one license as applied to one component or model family.

The shipped library stores these as JSON artefacts (format ``rmfkit-license-record``) whose facts
come from the project's license fact base with their sources; ``parse`` keeps them as the record's
facts, with the ``licenses`` list every license-bearing importer has.

>>> doc = {"format": FORMAT, "subject": "PyTorch", "licenses": ["BSD-3-Clause"], "facts": {"osi_approved": True},
...        "sources": ["https://github.com/pytorch/pytorch/blob/main/LICENSE"]}
>>> parse(doc, "license.json").facts["osi_approved"]
True
"""
from __future__ import annotations

from typing import Any

from rmfkit.library.facts import plain
from rmfkit.library.importers import Parsed
from rmfkit.library.importers.common import date_from, fail, listing, mapping, text, unique_sorted

KIND = "license-record"
INPUT = "json"
FORMAT = "rmfkit-license-record"


def matches(doc: Any) -> bool:
    return isinstance(doc, dict) and doc.get("format") == FORMAT


def parse(doc: Any, name: str) -> Parsed:
    if not matches(doc):
        fail(name, f"not an rmfkit license record (format \"{FORMAT}\")")
    licenses = unique_sorted(text(v) for v in listing(doc.get("licenses")))
    if not licenses or not text(doc.get("subject")):
        fail(name, "a license record needs a subject and at least one license id")
    sources = [text(s, 500) for s in listing(doc.get("sources")) if text(s, 500)]
    if not sources:
        fail(name, "a license record needs its sources (where each fact was checked)")
    facts = {**plain(mapping(doc.get("facts"))), "licenses": licenses, "sources": sources}
    if text(doc.get("license_name")):
        facts["license_name"] = text(doc.get("license_name"))
    return Parsed(kind=KIND, title=f"License record: {text(doc['subject'])} ({', '.join(licenses)})", facts=facts,
                  collected_at=date_from(doc.get("checked_on")), tool="rmfkit license record",
                  url=text(doc.get("license_link"), 500), subject=text(doc["subject"]))
