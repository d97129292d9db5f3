"""Audit-packet build time: the example workspace (PDF + HTML + bundle + OSCAL + zip), and the same
workspace with 10x the evidence items and risks, with the time of each build step.

Everything is generated in a temporary folder and removed afterwards. Target: under 5 s for the example.
Usage: python benchmarks/packet.py [factor]
"""
from __future__ import annotations

import json
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "support-assistant"


def multiply(workspace: Path, factor: int) -> None:
    """Add ``factor - 1`` copies of every evidence item and every risk (new ids, same content)."""
    for folder in sorted(p for p in (workspace / "evidence").iterdir() if p.is_dir()):
        for n in range(1, factor):
            copy = folder.with_name(f"{folder.name}-copy{n}")
            shutil.copytree(folder, copy)
            sidecar = copy / "evidence.yaml"
            text = sidecar.read_text("utf-8")
            sidecar.write_text(re.sub(r"(?m)^id: .*$", f"id: {copy.name}", text, count=1), encoding="utf-8")
    for risk in sorted((workspace / "risks").glob("R-*.yaml")):
        number = int(risk.stem.split("-")[1])
        for n in range(1, factor):
            new_id = f"R-{n * 1000 + number:04d}"
            text = re.sub(r"(?m)^id: .*$", f"id: {new_id}", risk.read_text("utf-8"), count=1)
            (risk.parent / f"{new_id}.yaml").write_text(text, encoding="utf-8")


def build(workspace: Path, out: Path) -> dict:
    from rmfkit.packet import build_packet
    from rmfkit.workspace import Workspace

    steps: dict[str, float] = {}
    marks: list[tuple[str, float]] = []
    start, cpu = time.perf_counter(), time.process_time()
    ws = Workspace.open(workspace).require_valid()
    result = build_packet(ws, out, progress=lambda name: marks.append((name, time.perf_counter())))
    end = time.perf_counter()
    for (name, at), (_, until) in zip(marks, [*marks[1:], ("end", end)]):
        steps[name] = round(until - at, 3)
    from pypdf import PdfReader

    cpu_seconds = round(time.process_time() - cpu, 3)
    return {"seconds": round(end - start, 3), "cpu_seconds": cpu_seconds, "steps": steps, "evidence": len(ws.evidence), "risks": len(ws.risks),
            "pages": len(PdfReader(out / "packet.pdf").pages), "files": len(result.files),
            "pdf_bytes": (out / "packet.pdf").stat().st_size}


def main() -> None:
    factor = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    figures = {}
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        warm = base / "warm"
        shutil.copytree(EXAMPLE, warm)
        build(warm, base / "warm-out")  # imports, font cache
        figures["example"] = build(warm, base / "example-out")
        big = base / "big"
        shutil.copytree(EXAMPLE, big)
        multiply(big, factor)
        figures[f"{factor}x_evidence_and_risks"] = build(big, base / "big-out")
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
