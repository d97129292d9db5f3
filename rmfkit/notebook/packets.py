"""Audit packets in the notebooks: the files of a built packet, its preview, the session record, verification.

These read what :func:`rmfkit.build_packet` and :func:`rmfkit.verify` return; nothing is recomputed.

>>> session_record_list([])
No executed session notebooks found next to this one: the packet says 'No session record attached'
- save sessions 00–05 in JupyterLab after running them, then build again, or attach them to a new packet in a terminal:
- rmfkit packet -w DIR --out DIR/build/packets/final --session-record notebooks/
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

from rmfkit.labels import plural
from rmfkit.notebook.html import Html, Table, callout, render, table


def packet_files(result: Any) -> Table:
    """The files of a built packet (:func:`rmfkit.build_packet`) with size and the start of the SHA-256."""
    rows = [{"name": name, "size": f"{entry['size']:,} bytes", "sha256": entry["sha256"][:16] + "…"}
            for name, entry in sorted(result.files.items())]
    summary = result.summary()
    return table(rows, {"name": "File", "size": "Size", "sha256": "SHA-256 (start)"},
                 title=f"Packet in {result.out}", collapse_after=8,
                 summary=f"{plural(len(rows), 'file')}; manifest SHA-256 {summary['manifest_sha256'][:16]}…; "
                         + ("signed" if result.signed else "unsigned")
                         + f"; PDF variant {summary['pdf_variant'] or 'plain PDF'}")


def session_record_list(notebooks: Sequence[Path | str]) -> Html:
    """The executed session notebooks that go into the packet as its appendix, or how to attach them later."""
    if not notebooks:
        return callout("No executed session notebooks found next to this one: the packet says "
                       "'No session record attached'",
                       ["save sessions 00–05 in JupyterLab after running them, then build again, or attach them "
                        "to a new packet in a terminal:",
                        "rmfkit packet -w DIR --out DIR/build/packets/final --session-record notebooks/"])
    names = [Path(n).stem for n in notebooks]
    return callout(f"Session record: {plural(len(names), 'executed notebook')} go into the packet as its appendix",
                   [f"{name} → session-record/{name}.html" for name in names], tone="good")


def packet_preview(result: Any, *, height: int = 640) -> Html:
    """The packet's HTML rendering inline in a scrollable frame (what the PDF shows)."""
    path = Path(result.out) / "packet.html"
    return Html(render("preview.html.j2", title="packet preview", height=height,
                       document=path.read_text(encoding="utf-8")), f"packet preview ({path})")


def verify_report(report: Any) -> Html:
    """The outcome of :func:`rmfkit.verify`: every hash, and the signature in the words ``rmfkit verify``
    prints; only a checked valid signature makes the box green."""
    data = report.as_dict()
    if report.ok:
        return callout(f"Verified: {data['files_checked']} hashes match",
                       [data["signature_words"], f"checked {data['path']}"],
                       tone="good" if data["signature"] == "valid" else "info")
    return callout(f"Verification FAILED: {plural(len(data['failures']), 'problem')}", data["failures"], tone="bad")
