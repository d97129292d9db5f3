"""Plain license texts (``LICENSE``, ``COPYING``, a model's license agreement), recognised by hash.

The text is normalised (curly quotes straightened, copyright lines dropped, ``https`` read as
``http``, case and whitespace folded, anything after Apache's "END OF TERMS AND CONDITIONS" cut),
optionally from a start phrase, and its SHA-256 looked up in ``KNOWN_TEXTS``. A match becomes a
``license-record`` with ``facts["licenses"]``; a text that reads as a license but matches nothing is
stored as a generic item titled "License text, unrecognised" with its normalised hash, for review.

>>> normalise("Copyright 2020 Me\\n\\nSome   “License” text at https://example.org")
'some "license" text at http://example.org'
>>> parse("MIT License\\n\\nPermission is hereby granted nothing\\n" * 3, "LICENSE").title
'License text, unrecognised: LICENSE'
"""
from __future__ import annotations

import hashlib
import re
from pathlib import PurePath
from typing import Any

from rmfkit.library.importers import Parsed

KIND = "license-record"
INPUT = "text"
END_MARK = "end of terms and conditions"
MAX_TEXT_CHARS = 400_000

# normalised SHA-256 -> what the text is. ``start``: the phrase hashing starts at (titles and
# copyright headers in front of it vary between copies). Each hash was computed with
# ``normalised_sha256`` from the copy named in ``source``.
KNOWN_TEXTS: dict[str, dict[str, str | None]] = {
    "f567f57f72aebc4f8dfb39e37abc66426e07a336a7f151a12b729e82634ce1e9": {
        "license": "Apache-2.0", "name": "Apache License, Version 2.0",
        "start": "terms and conditions for use, reproduction, and distribution",
                    "source": "apache.org/licenses/LICENSE-2.0.txt as shipped in license-expression 30.4.4 "
                              "(licenses/apache-2.0.LICENSE); the terms up to END OF TERMS AND CONDITIONS"},
    "56959050891f7b737ac4e803051170c7197f02df73d80bd9a78d968e305bf558": {"license": "MIT", "name": "MIT License", "start": "permission is hereby granted",
                 "source": "spdx.org/licenses/MIT, from 'Permission is hereby granted' to the end"},
}
STARTS = sorted({entry["start"] for entry in KNOWN_TEXTS.values()}, key=lambda s: s or "")


def normalise(text: str) -> str:
    """The text as compared: quotes straightened, copyright lines gone, case and whitespace folded."""
    text = text.replace("\u201c", '"').replace("\u201d", '"').replace("\u2018", "'").replace("\u2019", "'")
    lines = [line for line in text.split("\n") if not line.strip().lower().startswith(("copyright", "(c)", "©"))]
    folded = " ".join(" ".join(lines).split()).lower().replace("https://", "http://")
    end = folded.find(END_MARK)
    return folded[: end + len(END_MARK)] if end >= 0 else folded


def normalised_sha256(text: str, start: str | None = None) -> str:
    folded = normalise(text)
    if start is not None:
        at = folded.find(start)
        folded = folded[at:] if at >= 0 else ""
    return hashlib.sha256(folded.encode("utf-8")).hexdigest()


def recognise(text: str) -> tuple[str, dict] | None:
    """(normalised hash, known-text entry) when ``text`` is one of ``KNOWN_TEXTS``."""
    for start in STARTS:
        digest = normalised_sha256(text, start)
        if digest in KNOWN_TEXTS and KNOWN_TEXTS[digest]["start"] == start:
            return digest, KNOWN_TEXTS[digest]
    return None


def _reads_as_license(text: str) -> bool:
    first = next((line.strip().lower() for line in text.split("\n") if line.strip()), "")
    return (len(text) >= 200 and len(first) <= 120 and any(w in first for w in ("license", "licence", "terms of use"))
            and len(re.findall(r"licen[cs]", text[:20000], re.IGNORECASE)) >= 3)


def matches(doc: Any) -> bool:
    if not isinstance(doc, str) or len(doc) > MAX_TEXT_CHARS or doc.lstrip().startswith(("{", "[", "<", "---")):
        return False
    return _reads_as_license(doc) or recognise(doc) is not None


def parse(doc: Any, name: str) -> Parsed:
    file_name = PurePath(name.replace("\\", "/")).name
    found = recognise(doc) if isinstance(doc, str) else None
    if found is None:
        digest = normalised_sha256(doc if isinstance(doc, str) else "")
        return Parsed(kind="generic", title=f"License text, unrecognised: {file_name}",
                      facts={"media_type": "text/plain", "license_text": "unrecognised", "normalised_text_sha256": digest,
                             "findings": ["a license text rmfkit does not recognise: read it and record its license"]})
    digest, entry = found
    return Parsed(kind=KIND, title=f"License text: {entry['name']} ({entry['license']})",
                  facts={"licenses": [entry["license"]], "license_name": entry["name"], "license_text": "recognised",
                         "normalised_text_sha256": digest, "sources": [entry["source"]]},
                  tool="rmfkit license text", subject=str(entry["license"]))
