"""modelscan JSON reports (``modelscan -p DIR -r json -o report.json``): a serialization scan run elsewhere.

The same evidence kind as ``rmfkit ops scan-artifact`` (``model-scan``): passed when modelscan found no
issue and reported no error; each unsafe operator is a finding with its file and severity. Files it
skipped are counted, since a skipped file was not checked.

>>> report = {"summary": {"total_issues_by_severity": {"LOW": 0, "MEDIUM": 0, "HIGH": 0, "CRITICAL": 1},
...           "total_issues": 1, "modelscan_version": "0.8.1", "timestamp": "2026-10-20T09:00:00",
...           "scanned": {"total_scanned": 1, "scanned_files": ["pytorch_model.bin"]}},
...           "issues": [{"description": "Use of unsafe operator 'system' from module 'os'", "operator": "system",
...                       "module": "os", "source": "pytorch_model.bin", "scanner": "modelscan.scanners.PyTorchUnsafeOpScan",
...                       "severity": "CRITICAL"}], "errors": []}
>>> parsed = parse(report, "report.json")
>>> parsed.title, parsed.facts["ok"], parsed.facts["findings"]
('modelscan report: unsafe content found (1 issue)', False, ['pytorch_model.bin: os.system (CRITICAL)'])
"""
from __future__ import annotations

from typing import Any

from rmfkit.labels import plural
from rmfkit.library.importers import Parsed
from rmfkit.library.importers.common import date_from, fail, listing, mapping, text

KIND = "model-scan"
INPUT = "json"


def matches(doc: Any) -> bool:
    summary = mapping(doc).get("summary")
    return isinstance(summary, dict) and "total_issues_by_severity" in summary and "issues" in doc


def parse(doc: Any, name: str) -> Parsed:
    if not matches(doc):
        fail(name, "not a modelscan JSON report (expected summary.total_issues_by_severity and issues)",
             hint="write it with: modelscan -p MODEL_DIR -r json -o report.json")
    summary = doc["summary"]
    findings = []
    for i, issue in enumerate(listing(doc.get("issues")), start=1):
        if not isinstance(issue, dict) or not text(issue.get("source")):
            fail(name, f"issues[{i}] names no source file", hint="every modelscan issue names the file it is in")
        where = ".".join(t for t in (text(issue.get("module")), text(issue.get("operator"))) if t)
        findings.append(f"{text(issue['source'])}: {where or text(issue.get('description')) or 'unsafe content'}"
                        f" ({text(issue.get('severity')) or 'severity not given'})")
    errors = [f"{text(e.get('source')) or 'scan'}: could not scan ({text(e.get('description')) or 'error'})"
              for e in listing(doc.get("errors")) if isinstance(e, dict)]
    skipped = mapping(summary.get("skipped")).get("total_skipped")
    version = text(summary.get("modelscan_version"))
    facts: dict[str, Any] = {
        "ok": not findings and not errors, "scanner": f"modelscan {version}" if version else "modelscan",
        "findings": findings + errors,
        "scanned": mapping(summary.get("scanned")).get("total_scanned"),
        "skipped": skipped if isinstance(skipped, int) and skipped > 0 else None}
    outcome = ("passed" if facts["ok"] else
               f"unsafe content found ({plural(len(findings), 'issue')})" if findings else
               f"incomplete ({plural(len(errors), 'error')})")
    return Parsed(kind=KIND, title=f"modelscan report: {outcome}", facts={k: v for k, v in facts.items() if v is not None},
                  collected_at=date_from(summary.get("timestamp")), tool="modelscan", tool_version=version)
