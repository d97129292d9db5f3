"""Regenerate this workspace's evidence from the environment rmfkit runs in.

    python examples/rmfkit-itself/refresh.py [--tests JUNIT.xml] [--bench TABLE.md]

Imports, as new evidence items: the licence metadata of every installed distribution (the python-env
importer), a CycloneDX 1.6 SBOM of rmfkit and its runtime dependency closure generated here from
``importlib.metadata``, and optionally a JUnit XML test report and the benchmark table.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
from importlib import metadata
from pathlib import Path

from rmfkit.cli.app import main as rmfkit

HERE = Path(__file__).resolve().parent


def _name(requirement: str) -> str:
    return re.split(r"[ ;<>=!~\[(]", requirement, maxsplit=1)[0].lower()


def runtime_closure(root: str = "rmfkit") -> list[metadata.Distribution]:
    """``root`` and every distribution its non-optional requirements pull in, sorted by name."""
    found: dict[str, metadata.Distribution] = {}
    todo = [root]
    while todo:
        name = todo.pop()
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue
        key = dist.metadata["Name"].lower()
        if key in found:
            continue
        found[key] = dist
        todo += [_name(r) for r in dist.requires or [] if "extra ==" not in r]
    return [found[k] for k in sorted(found)]


def declared_license(dist: metadata.Distribution) -> dict:
    """CycloneDX licence entry: the SPDX expression when declared, else the classifier or legacy name."""
    md = dist.metadata
    if md.get("License-Expression"):
        return {"expression": md["License-Expression"]}
    classifiers = [c.split("::")[-1].strip() for c in md.get_all("Classifier") or [] if c.startswith("License ::")]
    legacy = (md.get("License") or "").strip()
    name = "; ".join(classifiers) or (legacy if legacy and "\n" not in legacy and len(legacy) < 100 else "UNKNOWN")
    return {"license": {"name": name}}


def cyclonedx_sbom() -> dict:
    components = []
    for dist in runtime_closure():
        name, version = dist.metadata["Name"], dist.version
        components.append({"type": "library", "bom-ref": f"pkg:pypi/{name.lower()}@{version}", "name": name,
                           "version": version, "purl": f"pkg:pypi/{name.lower()}@{version}",
                           "licenses": [declared_license(dist)]})
    return {"bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1,
            "metadata": {"component": {"type": "application", "name": "rmfkit",
                                       "version": metadata.version("rmfkit")},
                         "tools": {"components": [{"type": "application", "name": "rmfkit-itself refresh.py"}]}},
            "components": components}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tests", type=Path, help="JUnit XML report of the test run")
    parser.add_argument("--bench", type=Path, help="benchmark table written by benchmarks/run_all.py")
    args = parser.parse_args()
    ws = str(HERE)
    with tempfile.TemporaryDirectory() as tmp:
        sbom = Path(tmp) / f"rmfkit-{metadata.version('rmfkit')}.cdx.json"
        sbom.write_text(json.dumps(cyclonedx_sbom(), indent=2) + "\n", encoding="utf-8")
        codes = [rmfkit(["evidence", "import", "--python-env", "-w", ws, "--component", "rmfkit",
                         "--subcategory", "GOVERN 6.1", "--subcategory", "MAP 4.1"]),
                 rmfkit(["evidence", "import", str(sbom), "-w", ws, "--component", "rmfkit",
                         "--subcategory", "GOVERN 6.1", "--subcategory", "MAP 4.1"])]
    for extra, subcategory in ((args.tests, "MEASURE 2.5"), (args.bench, "MEASURE 2.5")):
        if extra:
            codes.append(rmfkit(["evidence", "import", str(extra), "-w", ws, "--component", "rmfkit",
                                 "--subcategory", subcategory]))
    return max(codes)


if __name__ == "__main__":
    sys.exit(main())
