"""Risk heat map: a 5x5 grid of risk counts (likelihood across, impact up), as SVG or PNG bytes.

Uses the matplotlib Figure API (no pyplot state), the Agg/SVG backends, a fixed SVG hash salt and no
date metadata, so the same counts always give the same bytes.

>>> svg = heatmap_svg([[0] * 5 for _ in range(5)])
>>> svg.startswith(b"<?xml") and heatmap_svg([[0] * 5 for _ in range(5)]) == svg
True
"""
from __future__ import annotations

import io

from rmfkit.models.risk import IMPACT_LEVELS, LIKELIHOOD_LEVELS

# Cell colours by level band of likelihood x impact (low 1-4, medium 5-12, high 15-25; see rmfkit.risks).
LEVEL_COLOURS = {"low": "#d9ead3", "medium": "#fce5cd", "high": "#f4cccc"}


def heatmap_figure(counts: list[list[int]], *, title: str = "Risk heat map"):
    """A matplotlib Figure of ``counts[impact - 1][likelihood - 1]`` (from :func:`rmfkit.risks.heatmap_counts`)."""
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch, Rectangle

    from rmfkit.risks import level

    if len(counts) != 5 or any(len(row) != 5 for row in counts):
        raise ValueError("counts must be a 5x5 grid: counts[impact - 1][likelihood - 1]")
    fig = Figure(figsize=(6.4, 5.6), dpi=100)
    ax = fig.add_subplot(1, 1, 1)
    for impact in range(1, 6):
        for likelihood in range(1, 6):
            band = level(likelihood * impact)
            ax.add_patch(Rectangle((likelihood - 0.5, impact - 0.5), 1, 1, facecolor=LEVEL_COLOURS[band],
                                   edgecolor="white", linewidth=2))
            n = counts[impact - 1][likelihood - 1]
            if n:
                ax.text(likelihood, impact, str(n), ha="center", va="center", fontsize=16, fontweight="bold",
                        color="#1a1a1a")
    ax.set_xlim(0.5, 5.5)
    ax.set_ylim(0.5, 5.5)
    ax.set_xticks(range(1, 6), [f"{k}\n{v}" for k, v in LIKELIHOOD_LEVELS.items()], fontsize=8)
    ax.set_yticks(range(1, 6), [f"{k} {v}" for k, v in IMPACT_LEVELS.items()], fontsize=8)
    ax.set_xlabel("Likelihood")
    ax.set_ylabel("Impact")
    ax.set_title(f"{title} ({sum(map(sum, counts))} open risks)", fontsize=11)
    ax.legend(handles=[Patch(facecolor=LEVEL_COLOURS[band], label=f"{band} ({span})")
                       for band, span in (("low", "1-4"), ("medium", "5-12"), ("high", "15-25"))],
              loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=3, frameon=False, fontsize=8)
    ax.set_aspect("equal")
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.tick_params(length=0)
    fig.tight_layout()
    return fig


def heatmap_svg(counts: list[list[int]], *, title: str = "Risk heat map") -> bytes:
    """The heat map as deterministic SVG bytes."""
    import matplotlib

    fig = heatmap_figure(counts, title=title)
    out = io.BytesIO()
    with matplotlib.rc_context({"svg.hashsalt": "rmfkit-risk-heatmap", "svg.fonttype": "path"}):
        fig.savefig(out, format="svg", metadata={"Date": None, "Creator": None})
    return out.getvalue()


def heatmap_png(counts: list[list[int]], *, title: str = "Risk heat map", dpi: int = 150) -> bytes:
    """The heat map as deterministic PNG bytes."""
    fig = heatmap_figure(counts, title=title)
    out = io.BytesIO()
    fig.savefig(out, format="png", dpi=dpi, metadata={"Software": None})
    return out.getvalue()
