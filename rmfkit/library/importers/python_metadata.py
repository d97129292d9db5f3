"""A Python distribution's core metadata file (``*.dist-info/METADATA`` or ``PKG-INFO``): license facts.

Read with the standard library's email parser (RFC 822 headers; the body is the description and is
ignored, so a ``License: UNKNOWN`` line inside it does not count). ``License-Expression`` (PEP 639)
wins over license classifiers, which win over the legacy ``License`` field, as pip-licenses does.

>>> meta = "Metadata-Version: 2.4\\nName: toylib\\nVersion: 1.0\\nLicense-Expression: Apache-2.0 OR MIT\\n" \\
...        "License-File: LICENSE\\n\\nLicense: UNKNOWN in the description\\n"
>>> parse(meta, "METADATA").facts["licenses"], parse(meta, "METADATA").title
(['Apache-2.0 OR MIT'], 'Python package metadata: toylib 1.0')
"""
from __future__ import annotations

import re
from email.parser import HeaderParser
from typing import Any

from rmfkit.library.importers import Parsed
from rmfkit.library.importers.common import fail, text
from rmfkit.library.importers.python_env import CLASSIFIER_PREFIX, license_of

KIND = "python-env"
INPUT = "text"
START = re.compile(r"\s*Metadata-Version:\s*\d+\.\d+\s*\n")


def matches(doc: Any) -> bool:
    return isinstance(doc, str) and bool(START.match(doc)) and bool(re.search(r"^Name:", doc, re.MULTILINE))


def parse(doc: Any, name: str) -> Parsed:
    if not matches(doc):
        fail(name, "not Python core metadata (expected Metadata-Version and Name headers)")
    headers = HeaderParser().parsestr(doc.replace("\r\n", "\n"), headersonly=True)
    package = {"license_expression": headers.get("License-Expression"), "license": headers.get("License"),
               "classifiers": [c for c in headers.get_all("Classifier") or [] if c.startswith(CLASSIFIER_PREFIX)]}
    shown = license_of(package)
    licenses = [part.strip() for part in shown.split(";") if part.strip() not in ("", "UNKNOWN", "(license text)")]
    facts = {"package_count": 1, "licenses": sorted(set(licenses)), "unknown": [] if licenses else [text(headers["Name"])],
             "packages": [{"name": text(headers["Name"]), "version": text(headers.get("Version")), "license": shown}],
             "metadata_version": text(headers.get("Metadata-Version")),
             "license_files": [text(f) for f in headers.get_all("License-File") or [] if text(f)],
             "license_source": ("License-Expression" if text(package["license_expression"]) else
                                "classifiers" if package["classifiers"] else "License" if licenses else None),
             "format": "core-metadata"}
    subject = " ".join(v for v in (text(headers["Name"]), text(headers.get("Version"))) if v)
    return Parsed(kind=KIND, title=f"Python package metadata: {subject}",
                  facts={k: v for k, v in facts.items() if v not in (None, [])} | {"licenses": facts["licenses"]},
                  tool="python core metadata", subject=text(headers["Name"]))
