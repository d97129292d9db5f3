"""Run every benchmark and print one table: each figure (median of several runs) next to its target.

    python benchmarks/run_all.py                   # the defaults `make bench` uses (well under 10 minutes)
    python benchmarks/run_all.py --runs 5 --heavy-runs 3 --items 10000 --megabytes 1024 --systems 500
    python benchmarks/run_all.py --no-readme       # print only; by default the README's Benchmarks section is rewritten

Figures come from the scripts beside this one: cli_startup.py, evidence.py, packet.py, portfolio.py,
plus the execution of every session notebook on a copy of the example. The CLI start-up is a median
of 9 runs, the example and 10x packets a median of ``--runs`` builds each, and the
heavy groups (10,000 evidence files and 1 GB, the notebook suite, 500 workspaces) a median of
``--heavy-runs`` runs (1 by default, so that `make bench` stays within 10 minutes). Generated data lives in temporary folders and is deleted.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
README = ROOT / "README.md"
sys.path.insert(0, str(HERE))

import cli_startup  # noqa: E402 - the benchmark scripts are plain files beside this one
import evidence as evidence_bench  # noqa: E402
import packet as packet_bench  # noqa: E402


def median_of(runs: int, measure: Callable[[], dict]) -> dict:
    """Median of every numeric figure ``measure()`` returns over ``runs`` runs."""
    samples = [measure() for _ in range(runs)]
    return {key: statistics.median(s[key] for s in samples) for key in samples[0]}


def machine() -> str:
    """Cores, memory, CPU model, OS and Python version: no paths, no host names."""
    memory_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1024 ** 3
    cpu = platform.processor() or platform.machine()
    with_model = Path("/proc/cpuinfo")
    if with_model.is_file():
        names = re.findall(r"^model name\s*:\s*(.+)$", with_model.read_text(errors="replace"), re.M)
        cpu = names[0].strip() if names else cpu
    return (f"{os.cpu_count()} cores ({cpu}), {memory_gib:.0f} GiB memory, {platform.system()} {platform.machine()}, "
            f"Python {platform.python_version()}")


# ---------------------------------------------------------------- the figures

def startup() -> dict:
    figures = cli_startup.main(9)
    return {"python": figures["python -c pass (s)"], "help": figures["rmfkit --help (s)"],
            "status": figures["rmfkit status, example (s)"], "validate": figures["rmfkit validate, example (s)"],
            "status_edit": figures["rmfkit status, example, after an edit (s)"],
            "validate_edit": figures["rmfkit validate, example, after an edit (s)"]}


def evidence_figures(items: int, megabytes: int) -> dict:
    figures = evidence_bench.main(items, megabytes)
    return {"import": figures[f"import {items} small files (s)"],
            "ls_warm": figures[f"evidence ls, {items} items, warm again (s)"],
            "ls_remembered": figures[f"evidence ls, {items} items, remembered (s)"],
            "ls_cold": figures[f"evidence ls, {items} items, cold index rebuild (s)"],
            "verify": figures["evidence verify (MB/s)"], "bare": figures["bare hashlib loop (MB/s)"],
            "sha256sum": figures["sha256sum (MB/s)"], "ratio": figures["verify (CLI) / bare loop"]}


def packet_figures(factor: int, runs: int) -> dict:
    """Median of ``runs`` example builds (after one warm-up build), and of ``runs`` builds with ``factor``x the
    content."""
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        example = base / "example"
        shutil.copytree(packet_bench.EXAMPLE, example)
        packet_bench.build(example, base / "warm")  # imports and font cache, as a second build in a session
        small = statistics.median(packet_bench.build(example, base / f"example-{n}")["seconds"] for n in range(runs))
        big = base / "big"
        shutil.copytree(packet_bench.EXAMPLE, big)
        packet_bench.multiply(big, factor)
        large = [packet_bench.build(big, base / f"big-out-{n}") for n in range(runs)]
    return {"example": small, "large": statistics.median(b["seconds"] for b in large), "large_pages": large[0]["pages"]}


def portfolio_figures(systems: int) -> dict:
    import portfolio as portfolio_bench
    from rmfkit.catalog import load_catalog

    subcategories = list(load_catalog().subcategories)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for index in range(systems):
            portfolio_bench.generate(root, index, subcategories)
        child = subprocess.run([sys.executable, portfolio_bench.__file__, "--roll-up", str(root)], check=True,
                               capture_output=True, text=True)
    figures = json.loads(child.stdout.strip().splitlines()[-1])
    return {"seconds": figures["seconds"], "peak_mib": figures["peak_mib"]}


def notebook_figures() -> dict:
    """Wall time to execute every session notebook headless, each on a fresh copy of the example."""
    from rmfkit.notebook.record import run_notebook

    notebooks = sorted((ROOT / "notebooks").glob("*.ipynb"))
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        for notebook in notebooks:
            folder = Path(tmp) / notebook.stem
            shutil.copytree(packet_bench.EXAMPLE, folder / "ws")
            shutil.copy(notebook, folder / notebook.name)
            run_notebook(folder / notebook.name, {"workspace": str(folder / "ws"), "my_workspace": str(folder / "mine")},
                         env={"RMFKIT_TODAY": "2026-11-29"})
        seconds = time.perf_counter() - start
    return {"seconds": seconds, "count": len(notebooks)}


# ---------------------------------------------------------------- the table

def verdict(ok: bool) -> str:
    return "met" if ok else "MISSED"


def rows(results: dict, args) -> list[tuple[str, str, str, str]]:
    """(figure, measured, target, verdict) for every figure that was measured."""
    table = []
    if "startup" in results:
        s = results["startup"]
        table += [("`python -c pass` (baseline)", f"{s['python']:.3f} s", "—", ""),
                  ("`rmfkit --help`, cold start", f"{s['help']:.3f} s",
                   "fast; reported next to `python -c pass`", f"{s['help'] / s['python']:.1f}× the baseline"),
                  ("`rmfkit status` on the example, unchanged since the last run (answer remembered)",
                   f"{s['status']:.3f} s", "≤ 0.3 s", verdict(s["status"] <= 0.3)),
                  ("`rmfkit validate` on the example, unchanged since the last run (answer remembered)",
                   f"{s['validate']:.3f} s", "≤ 0.3 s", verdict(s["validate"] <= 0.3)),
                  ("`rmfkit status` on the example, after an edit (computed)", f"{s['status_edit']:.3f} s",
                   "reported", ""),
                  ("`rmfkit validate` on the example, after an edit (computed)", f"{s['validate_edit']:.3f} s",
                   "reported", "")]
    if "evidence" in results:
        e = results["evidence"]
        table += [(f"import {args.items:,} evidence files (one command)", f"{e['import']:.1f} s", "≤ 10 s",
                   verdict(e["import"] <= 10)),
                  (f"`evidence ls`, {args.items:,} items, unchanged since the last run (answer remembered)",
                   f"{e['ls_remembered']:.2f} s", "≤ 0.5 s", verdict(e["ls_remembered"] <= 0.5)),
                  (f"`evidence ls`, {args.items:,} items, computed with a warm index", f"{e['ls_warm']:.2f} s",
                   "reported", ""),
                  (f"`evidence ls`, {args.items:,} items, index rebuilt", f"{e['ls_cold']:.2f} s", "reported", ""),
                  (f"`evidence verify` on {args.megabytes:,} MB", f"{e['verify']:.0f} MB/s",
                   "≥ 70% of the bare hashlib loop", f"{e['ratio'] * 100:.0f}% — {verdict(e['ratio'] >= 0.7)}"),
                  ("bare hashlib read-and-hash loop, same files", f"{e['bare']:.0f} MB/s", "physical limit", ""),
                  ("`sha256sum`, same files", f"{e['sha256sum']:.0f} MB/s", "reference", "")]
    if "packet" in results:
        p = results["packet"]
        table += [("example packet build (Typst PDF, HTML, bundle, OSCAL, zip)", f"{p['example']:.2f} s", "≤ 1 s",
                   verdict(p["example"] <= 1)),
                  (f"packet with {args.factor}× evidence and risks", f"{p['large']:.2f} s "
                   f"({p['large_pages']:.0f} pages)", "≤ 3 s", verdict(p["large"] <= 3)),
                  ("before: the same example packet with WeasyPrint (rmfkit 0.1)", "7.1 s", "—", "")]
    if "notebooks" in results:
        n = results["notebooks"]
        table.append((f"notebook suite ({n['count']:.0f} sessions executed headless)", f"{n['seconds']:.0f} s",
                      "< 2 min", verdict(n["seconds"] < 120)))
    if "portfolio" in results:
        f = results["portfolio"]
        table += [(f"portfolio roll-up of {args.systems} workspaces, time", f"{f['seconds']:.1f} s", "< 10 s",
                   verdict(f["seconds"] < 10)),
                  (f"portfolio roll-up of {args.systems} workspaces, peak memory", f"{f['peak_mib']:.0f} MiB",
                   "< 500 MB", verdict(f["peak_mib"] * 1.048576 < 500))]
    return table


def markdown(table: list[tuple[str, str, str, str]], args, description: str) -> str:
    lines = [f"Measured {dt.date.today().isoformat()} with `benchmarks/run_all.py` on {description}. "
             f"Medians: CLI start-up of 9 runs, remembered `evidence ls` of 5, example and 10× packets of "
             f"{args.runs} builds each, the other groups of {args.heavy_runs} run(s). Commands run with their "
             "bytecode cache, as after `pip install`. \"Remembered\": nothing changed since the last run, so the "
             "command gives its kept answer (`rmfkit/cli/memo.py`); \"computed\": the first run after an edit.",
             "",
             "| Figure | Measured | Target | Verdict |", "|---|---|---|---|"]
    lines += [f"| {figure} | {measured} | {target} | {result} |" for figure, measured, target, result in table]
    return "\n".join(lines) + "\n"


def write_readme(section: str) -> None:
    """Replace the README's ``## Benchmarks`` section (only that section), or add it at the end."""
    text = README.read_text("utf-8")
    block = f"## Benchmarks\n\n{section}"
    match = re.search(r"^## Benchmarks\n.*?(?=^## |\Z)", text, flags=re.M | re.S)
    if match:
        text = text[: match.start()] + block + ("\n" if match.end() < len(text) else "") + text[match.end():]
    else:
        text = text.rstrip("\n") + "\n\n" + block
    README.write_text(text, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="builds of the example packet (median reported)")
    parser.add_argument("--heavy-runs", type=int, default=1, help="runs of the evidence, notebook and portfolio groups")
    parser.add_argument("--items", type=int, default=10_000, help="evidence files imported and listed")
    parser.add_argument("--megabytes", type=int, default=1024, help="artefact data verified")
    parser.add_argument("--factor", type=int, default=10, help="evidence and risk multiplier of the large packet")
    parser.add_argument("--systems", type=int, default=500, help="workspaces in the portfolio roll-up")
    parser.add_argument("--skip", action="append", default=[],
                        choices=["startup", "evidence", "packet", "notebooks", "portfolio"], help="leave a group out")
    parser.add_argument("--no-readme", action="store_true", help="print the table only")
    args = parser.parse_args()
    # Commands run as an installed package runs them: with their bytecode cache (pip compiles it on install;
    # an environment that turns the cache off would time the compiler instead).
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    groups: dict[str, Callable[[], dict]] = {
        "startup": startup,
        "evidence": lambda: evidence_figures(args.items, args.megabytes),
        "packet": lambda: packet_figures(args.factor, args.runs),
        "notebooks": notebook_figures,
        "portfolio": lambda: portfolio_figures(args.systems),
    }
    results = {}
    for name, measure in groups.items():
        if name in args.skip or (name == "portfolio" and not (HERE / "portfolio.py").is_file()):
            continue
        started = time.perf_counter()
        runs = 1 if name in ("startup", "packet") else args.heavy_runs  # both take their medians themselves
        print(f"[{name}] running ({runs} run(s))...", file=sys.stderr, flush=True)
        results[name] = median_of(runs, measure)
        print(f"[{name}] done in {time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True)
    description = machine()
    section = markdown(rows(results, args), args, description)
    print()
    print(section)
    if not args.no_readme:
        write_readme(section)
        print("README.md: Benchmarks section updated", file=sys.stderr)


if __name__ == "__main__":
    main()
