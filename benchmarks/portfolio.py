"""Portfolio roll-up benchmark: time and peak memory to roll up N generated workspaces.

Each generated workspace has the full 72-subcategory mapping (statuses and evidence links), 20 evidence
items (artefact + sidecar, re-hashed by the roll-up), 10 risks, a DPIA on every other system and a
review snapshot manifest on two systems out of three. Generated into a temporary folder and deleted after.

    python benchmarks/portfolio.py [--systems 500]

Prints the generation time, the roll-up wall-clock and CPU time (``rmfkit.review.portfolio``, run in a fresh child process
so its peak resident memory is measured alone) and the peak memory. Target: under 10 s and 500 MB for 500.
"""
from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

STATUSES = ("met", "partially_met", "not_met", "not_assessed", "met", "partially_met")
PATTERNS = ("self_hosted", "hosted_api", "hybrid", "batch")
MODELS = (("llama3.1", "weights"), ("Apache-2.0", "weights"), ("other", "service"), ("MIT", "weights"))
CATEGORIES = ("confabulation", "data-privacy", "information-security", "license-drift", "quality-variance",
              "governance-debt", "supply-chain-integrity", "operational", "data-provenance", "reputational")


def dump(path: Path, data: dict) -> None:
    import yaml

    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.dump(data, Dumper=getattr(yaml, "CSafeDumper", yaml.SafeDumper), sort_keys=False,
                              allow_unicode=True), encoding="utf-8")


def generate(root: Path, index: int, subcategories: list) -> None:
    """One synthetic workspace (illustrative data for the benchmark only)."""
    rng = random.Random(index)
    folder = root / f"system-{index:04d}"
    system_id = f"system-{index:04d}"
    dump(folder / "rmfkit.yaml", {"schema_version": 1, "system_id": system_id, "review_cadence": "quarterly"})
    license_id, layer = MODELS[index % len(MODELS)]
    model = {"id": "model", "name": f"Model {index}", "layer": layer, "license": license_id}
    if license_id == "other":
        model["license_name"] = "Provider terms"
    dump(folder / "system.yaml", {
        "schema_version": 1, "id": system_id, "name": f"Generated system {index:04d}", "owner": f"Owner {index % 37}",
        "purpose": "Benchmark system (generated)", "deployment_pattern": PATTERNS[index % len(PATTERNS)],
        "components": [model, {"id": "server", "name": "Serving stack", "layer": "tooling", "license": "Apache-2.0"}],
        "data_flows": [{"id": "F1", "description": "prompts", "data": "prompts", "personal_data": ["contact details"],
                        "source": "app", "destination": "model", "region": "EU" if index % 3 else "US"}]})
    evidence_ids = []
    for n in range(20):
        eid = f"ev-{n:02d}"
        payload = f"generated evidence {index}/{n}\n".encode() * (1 + n)
        (folder / "evidence" / eid).mkdir(parents=True)
        (folder / "evidence" / eid / "result.txt").write_bytes(payload)
        collected = dt.date(2026, 1, 1) + dt.timedelta(days=rng.randrange(330))
        dump(folder / "evidence" / eid / "evidence.yaml", {
            "schema_version": 1, "id": eid, "title": f"Evidence {n}", "kind": "generic", "file": "result.txt",
            "sha256": hashlib.sha256(payload).hexdigest(), "size": len(payload), "collected_at": collected,
            "review_interval_days": 180})
        evidence_ids.append(eid)
    by_function: dict[str, dict] = {}
    for sub in subcategories:
        status = STATUSES[rng.randrange(len(STATUSES))]
        entry = {"status": status, "owner": f"Owner {rng.randrange(9)}"}
        if status in ("met", "partially_met"):
            entry["evidence"] = rng.sample(evidence_ids, 2)
        by_function.setdefault(sub.function, {})[sub.id] = entry
    for function, subs in by_function.items():
        dump(folder / "mapping" / f"{function.lower()}.yaml", {"schema_version": 1, "function": function,
                                                               "subcategories": subs})
    for n in range(10):
        likelihood, impact = rng.randint(1, 5), rng.randint(1, 5)
        dump(folder / "risks" / f"R-{n + 1:04d}.yaml", {
            "schema_version": 1, "id": f"R-{n + 1:04d}", "title": f"Risk {n}", "category": CATEGORIES[n],
            "likelihood": likelihood, "impact": impact, "rationale": "generated", "owner": "Risk owner",
            "status": "closed" if n == 9 else "open"})
    if index % 2 == 0:
        dump(folder / "dpia.yaml", {"schema_version": 1, "dpia_id": f"DPIA-{index}", "status": "approved"})
    if index % 3:
        manifest = {"format": "rmfkit-manifest/1", "files": [], "generated_at": "2026-09-30T12:00:00Z",
                    "review": {"format": "rmfkit-review/1", "label": "2026-Q3", "date": "2026-09-30",
                               "cadence": "quarterly", "previous": None}}
        (folder / "reviews" / "2026-Q3").mkdir(parents=True)
        (folder / "reviews" / "2026-Q3" / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")


def roll_up(root: Path) -> None:
    """Child process: the roll-up alone; prints its figures as JSON."""
    from rmfkit.review.portfolio import portfolio

    folders = sorted(p for p in root.iterdir() if p.is_dir())
    def cpu() -> float:
        return sum(getattr(resource.getrusage(who), field) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
                   for field in ("ru_utime", "ru_stime"))

    start, cpu_start = time.perf_counter(), cpu()
    result = portfolio(folders, today=dt.date(2026, 11, 29))
    seconds, cpu_seconds = time.perf_counter() - start, cpu() - cpu_start
    peak_kib = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                   resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
    print(json.dumps({"seconds": seconds, "cpu_seconds": cpu_seconds, "peak_mib": peak_kib / 1024, "systems": result["totals"]["systems"],
                      "skipped": result["totals"]["skipped"], "overdue": result["totals"]["review_overdue"]}))


def main() -> None:
    parser = argparse.ArgumentParser(description="portfolio roll-up benchmark")
    parser.add_argument("--systems", type=int, default=500)
    parser.add_argument("--roll-up", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.roll_up:
        roll_up(args.roll_up)
        return
    from rmfkit.catalog import load_catalog

    subcategories = list(load_catalog().subcategories)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        start = time.perf_counter()
        for index in range(args.systems):
            generate(root, index, subcategories)
        generated = time.perf_counter() - start
        child = subprocess.run([sys.executable, __file__, "--roll-up", str(root)], check=True, capture_output=True,
                               text=True)
        figures = json.loads(child.stdout.strip().splitlines()[-1])
    print(f"generated {args.systems} workspaces (72 subcategories, 20 evidence items, 10 risks each) "
          f"in {generated:.1f} s")
    print(f"roll-up: {figures['systems']} systems, {figures['skipped']} skipped, {figures['overdue']} overdue for "
          f"review, in {figures['seconds']:.2f} s ({figures['seconds'] / max(figures['systems'], 1) * 1000:.1f} ms "
          f"per system; {figures['cpu_seconds']:.1f} s of CPU time over all processes); peak resident memory "
          f"{figures['peak_mib']:.0f} MiB in the largest process (the roll-up uses one worker process per CPU)")
    print(f"target: < 10 s and < 500 MB -> {'met' if figures['seconds'] < 10 and figures['peak_mib'] < 500 else 'MISSED'}")


if __name__ == "__main__":
    main()
