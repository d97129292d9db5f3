"""``rmfkit sbom --format cyclonedx|spdx3 --out FILE``: the governed system as an ML-BOM."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from rmfkit.cli.common import WorkspaceOpt, open_ws


def sbom(fmt: str = typer.Option("cyclonedx", "--format", help="cyclonedx (CycloneDX 1.6 JSON) or spdx3 "
                                  "(SPDX 3.0.1 JSON-LD)", metavar="cyclonedx|spdx3"),
         out: Path = typer.Option(..., "--out", help="File to write"),
         workspace: Optional[Path] = WorkspaceOpt) -> None:
    """Every component of system.yaml — models with their model-card facts, datasets, software, services —
    with licenses, builds and digests."""
    from rmfkit.render.sbom import render_sbom
    from rmfkit.views.packet import generated_at

    ws = open_ws(workspace)
    when = generated_at().isoformat().replace("+00:00", "Z")
    data = render_sbom(ws.current(), fmt, when)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(data)
    typer.echo(f"wrote {out} ({fmt}, {len(ws.system.components)} components, {len(data):,} bytes)")


def register(app: typer.Typer) -> None:
    app.command("sbom")(sbom)
