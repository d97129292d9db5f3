"""Risk heat map: a 5x5 grid of risk counts (likelihood across, impact up), as SVG bytes.

Drawn with :mod:`rmfkit.render.svg` in the packet's font; the same counts always give the same bytes.

>>> svg = heatmap_svg([[0] * 5 for _ in range(5)])
>>> svg.startswith(b"<?xml") and b"(0 open risks)" in svg and heatmap_svg([[0] * 5 for _ in range(5)]) == svg
True
"""
from __future__ import annotations

from rmfkit.models.risk import IMPACT_LEVELS, LIKELIHOOD_LEVELS
from rmfkit.render.svg import Drawing, shorten, text_width, wrap

# Cell colours by level band of likelihood x impact (low 1-4, medium 5-12, high 15-25; see rmfkit.risks).
LEVEL_COLOURS = {"low": "#d9ead3", "medium": "#fce5cd", "high": "#f4cccc"}
BANDS = (("low", "1-4"), ("medium", "5-12"), ("high", "15-25"))
CELL = 46.0
LABEL_SIZE = 8.0


def heatmap_svg(counts: list[list[int]], *, title: str = "Risk heat map") -> bytes:
    """The heat map of ``counts[impact - 1][likelihood - 1]`` (from :func:`rmfkit.risks.heatmap_counts`)."""
    from rmfkit.risks import level

    if len(counts) != 5 or any(len(row) != 5 for row in counts):
        raise ValueError("counts must be a 5x5 grid: counts[impact - 1][likelihood - 1]")
    impact_labels = [f"{k} {v}" for k, v in IMPACT_LEVELS.items()]
    left = 18 + max(text_width(label, LABEL_SIZE) for label in impact_labels) + 6
    top = 30.0
    width = left + 5 * CELL + 18
    likelihood_labels = {k: "\n".join([str(k), *wrap(v, CELL - 4, LABEL_SIZE)]) for k, v in LIKELIHOOD_LEVELS.items()}
    label_lines = max(label.count("\n") + 1 for label in likelihood_labels.values())
    axis_title_y = top + 5 * CELL + 12 + label_lines * LABEL_SIZE * 1.2
    legend_y = axis_title_y + 16
    picture = Drawing(width, legend_y + 10, title=title)
    heading = f"{title} ({sum(map(sum, counts))} open risks)"
    picture.text(width / 2, 14, shorten(heading, width - 4, 10, bold=True), size=10, bold=True, anchor="middle")
    for impact in range(1, 6):
        y = top + (5 - impact) * CELL
        picture.text(left - 6, y + CELL / 2 + 2.8, impact_labels[impact - 1], size=LABEL_SIZE, anchor="end")
        for likelihood in range(1, 6):
            x = left + (likelihood - 1) * CELL
            picture.rect(x, y, CELL, CELL, fill=LEVEL_COLOURS[level(likelihood * impact)], stroke="white",
                         stroke_width=2)
            n = counts[impact - 1][likelihood - 1]
            if n:
                picture.text(x + CELL / 2, y + CELL / 2 + 5.5, str(n), size=16, bold=True, anchor="middle",
                             fill="#1a1a1a")
    for likelihood, label in likelihood_labels.items():
        picture.text(left + (likelihood - 0.5) * CELL, top + 5 * CELL + 10, label, size=LABEL_SIZE, anchor="middle")
    picture.text(left + 2.5 * CELL, axis_title_y, "Likelihood", size=LABEL_SIZE + 1, anchor="middle")
    picture.text(10, top + 2.5 * CELL, "Impact", size=LABEL_SIZE + 1, anchor="middle", rotate=True)
    entries = [(band, f"{band} ({span})") for band, span in BANDS]
    total = sum(12 + text_width(label, LABEL_SIZE) for _, label in entries) + 14 * (len(entries) - 1)
    x = (width - total) / 2
    for band, label in entries:
        picture.rect(x, legend_y - 7, 8, 8, fill=LEVEL_COLOURS[band], stroke="#d0d7de", stroke_width=0.5)
        picture.text(x + 12, legend_y, label, size=LABEL_SIZE)
        x += 12 + text_width(label, LABEL_SIZE) + 14
    return picture.to_svg()
