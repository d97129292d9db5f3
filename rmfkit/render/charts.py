"""Charts of the assessment and the measurements, as SVG bytes drawn with :mod:`rmfkit.render.svg`.

Every function takes plain data (the rows of :mod:`rmfkit.assess` and :mod:`rmfkit.measure`) and returns
a standalone SVG document, shown as is by the packet (Typst and HTML) and the notebooks. Same input,
same bytes. Charts are :data:`WIDTH` points wide, the packet's text width, so they are placed unscaled.

>>> svg = coverage_chart([{"function": "MAP", "met": 2, "partially_met": 1, "unsupported": 0, "not_met": 0,
...                        "not_applicable": 0, "not_assessed": 15, "total": 18}])
>>> svg.startswith(b"<?xml") and b"MAP  (2/18 met)" in svg
True
"""
from __future__ import annotations

from rmfkit.measure import OUTCOME_LABELS, direction_sign, format_pair
from rmfkit.render.svg import MUTED, Drawing, nice_ticks, shorten, text_width, tick_labels, wrap

# Status order and colours shared by every chart (colour-blind safe; unsupported is also hatched).
STATUS_ORDER = ("met", "partially_met", "unsupported", "not_met", "not_applicable", "not_assessed")
STATUS_LABELS = {"met": "Met", "partially_met": "Partially met", "unsupported": "Unsupported (evidence broken)",
                 "not_met": "Not met", "not_applicable": "Not applicable", "not_assessed": "Not assessed"}
STATUS_COLORS = {"met": "#1a7f37", "partially_met": "#8fd19e", "unsupported": "#c2410c", "not_met": "#f2b84b",
                 "not_applicable": "#8c96a3", "not_assessed": "#e6e8eb"}
_DARK = {"met", "unsupported", "not_applicable"}
OUTCOME_COLORS = {"pass": "#1a7f37", "pass_within_tolerance": "#9a6700", "inconclusive": "#9a6700", "fail": "#c2410c",
                  "not_measured": "#8c96a3"}
WIDTH = 504.0  # points: A4 less the packet's 16 mm side margins
TITLE_SIZE, LABEL_SIZE, SMALL_SIZE = 10.0, 8.0, 7.0
ROW_HEIGHT, BAR_HEIGHT = 18.0, 12.0
AXIS_COLOR = "#8c959f"


def _title(picture: Drawing, text: str) -> float:
    """The chart's title at the top left; returns the y where the drawing below may start."""
    picture.text(2, 12, shorten(text, WIDTH - 4, TITLE_SIZE, bold=True), size=TITLE_SIZE, bold=True)
    return 22.0


def _x_axis(picture: Drawing, left: float, right: float, y: float, ticks: list[float], scale, *,
            title: str | None = None) -> None:
    """A horizontal axis at ``y``: the line, tick marks with their labels, and the axis title below."""
    picture.line(left, y, right, y, stroke=AXIS_COLOR, width=0.6)
    inside = [value for value in ticks if left - 0.5 <= scale(value) <= right + 0.5]
    for value, label in zip(inside, tick_labels(inside)):
        x = scale(value)
        picture.line(x, y, x, y + 3, stroke=AXIS_COLOR, width=0.6)
        picture.text(x, y + 11, label, size=SMALL_SIZE, anchor="middle", fill=MUTED)
    if title:
        picture.text((left + right) / 2, y + 22, title, size=LABEL_SIZE, anchor="middle")


def _legend(picture: Drawing, y: float, statuses: tuple[str, ...]) -> float:
    """Swatches and labels of ``statuses``, centred lines at ``y``; returns the y below them."""
    entries = [(s, STATUS_LABELS[s], 12 + text_width(STATUS_LABELS[s], LABEL_SIZE)) for s in statuses]
    lines: list[list[tuple[str, str, float]]] = [[]]
    for entry in entries:
        if lines[-1] and sum(e[2] + 14 for e in lines[-1]) + entry[2] > WIDTH - 8:
            lines.append([])
        lines[-1].append(entry)
    for line in lines:
        x = (WIDTH - (sum(e[2] for e in line) + 14 * (len(line) - 1))) / 2
        for status, label, width in line:
            picture.rect(x, y - 7, 8, 8, fill=STATUS_COLORS[status], stroke="#d0d7de", stroke_width=0.5,
                         hatch="white" if status == "unsupported" else None)
            picture.text(x + 12, y, label, size=LABEL_SIZE)
            x += width + 14
        y += 12
    return y


def _present(rows: list[dict], keys: tuple[str, ...]) -> tuple[str, ...]:
    """Statuses that occur in the data (always keeping met and not_assessed for orientation)."""
    return tuple(s for s in keys if s in ("met", "not_assessed") or any(r.get(s) for r in rows))


def _stacked_bars(picture: Drawing, top: float, labels: list[str], counts: list[dict[str, int]],
                  statuses: tuple[str, ...], *, right_margin: float = 10.0) -> tuple[float, float, float]:
    """Horizontal stacked bars, one per label from ``top`` down, each segment's count inside when it fits.

    Returns the plot's left and right edges and the y of its bottom (where the axis goes).
    """
    left = min(max((text_width(label, LABEL_SIZE) for label in labels), default=0) + 10, WIDTH * 0.45)
    right = WIDTH - right_margin
    widest = max((sum(c.get(s, 0) for s in statuses) for c in counts), default=1) or 1
    per_unit = (right - left) / (widest * 1.02)
    for index, (label, count) in enumerate(zip(labels, counts)):
        middle = top + ROW_HEIGHT * index + ROW_HEIGHT / 2
        picture.text(left - 6, middle + 2.8, shorten(label, left - 8, LABEL_SIZE), size=LABEL_SIZE, anchor="end")
        x = left
        for status in statuses:
            n = count.get(status, 0)
            if not n:
                continue
            width = n * per_unit
            picture.rect(x, middle - BAR_HEIGHT / 2, width, BAR_HEIGHT, fill=STATUS_COLORS[status],
                         stroke="white", stroke_width=0.8, hatch="white" if status == "unsupported" else None)
            number = str(n)
            if text_width(number, SMALL_SIZE) + 4 <= width:
                if status == "unsupported":  # a plain patch behind the number, so the hatching does not cross it
                    patch = text_width(number, SMALL_SIZE) + 3
                    picture.rect(x + (width - patch) / 2, middle - 4.5, patch, 9, fill=STATUS_COLORS[status])
                picture.text(x + width / 2, middle + 2.5, number, size=SMALL_SIZE, anchor="middle",
                             fill="white" if status in _DARK else "#1f2328")
            x += width
    bottom = top + ROW_HEIGHT * len(labels) + 2
    ticks = [t for t in nice_ticks(0, widest) if float(t).is_integer()]
    _x_axis(picture, left, right, bottom, ticks, lambda v: left + v * per_unit, title="Subcategories")
    return left, right, bottom


# ---------------------------------------------------------------- coverage

def coverage_chart(rows: list[dict], *, title: str = "RMF coverage by function") -> bytes:
    """Stacked bars: per function, how many subcategories are in each (evidence-checked) status.

    ``rows`` are :func:`rmfkit.assess.coverage_rows` rows (``function`` or ``category`` key).
    """
    key = "function" if rows and "function" in rows[0] else "category"
    statuses = _present(rows, STATUS_ORDER)
    labels = [f"{r[key]}  ({r.get('met', 0)}/{r.get('total', 0)} met)" for r in rows]
    legend_lines = 2
    picture = Drawing(WIDTH, 22 + ROW_HEIGHT * max(len(rows), 1) + 34 + 12 * legend_lines + 4, title=title)
    top = _title(picture, title)
    _, _, bottom = _stacked_bars(picture, top, labels, rows, statuses)
    _legend(picture, bottom + 38, statuses)
    return picture.to_svg()


# ---------------------------------------------------------------- current vs target profile

def _gap_note(row: dict) -> str:
    note = f"{row['gap']} below target" + (f", {row['overdue']} overdue" if row.get("overdue") else "")
    return note + (f"\nnext due {row['next_target_date']}" if row.get("next_target_date") else "")


def profile_chart(rows: list[dict], *, title: str = "Current vs target profile") -> bytes:
    """Per function (or category), two stacked bars: the status counts now and at target, and the gap.

    ``rows`` are :func:`rmfkit.assess.profile_rows` rows (``current`` and ``target`` count dicts).
    """
    key = "function" if rows and "function" in rows[0] else "category"
    labels, counts = [], []
    for r in rows:
        labels += [f"{r[key]} now", f"{r[key]} target"]
        counts += [r["current"], r["target"]]
    statuses = _present(counts, STATUS_ORDER)
    notes = [_gap_note(r) if r.get("gap") else "" for r in rows]
    note_width = max((text_width(line, SMALL_SIZE) for note in notes for line in note.split("\n")), default=0)
    picture = Drawing(WIDTH, 22 + ROW_HEIGHT * max(len(labels), 2) + 34 + 24 + 4, title=title)
    top = _title(picture, title)
    _, right, _ = _stacked_bars(picture, top, labels, counts, statuses,
                                right_margin=note_width + 16 if note_width else 10)
    for index, note in enumerate(notes):
        pair_top = top + ROW_HEIGHT * 2 * index
        if index:
            picture.line(4, pair_top, WIDTH - 4, pair_top, stroke="#d0d7de", width=0.8)
        if note:
            lines = note.count("\n") + 1
            picture.text(right + 8, pair_top + ROW_HEIGHT - (lines - 1) * SMALL_SIZE * 0.6 + 2.5, note,
                         size=SMALL_SIZE, fill=MUTED)
    _legend(picture, top + ROW_HEIGHT * len(labels) + 40, statuses)
    return picture.to_svg()


# ---------------------------------------------------------------- metrics against thresholds

METRIC_LABEL_WIDTH = 150.0
PANEL_GAP = 8.0


def _metric_label(row: dict) -> list[tuple[str, bool]]:
    """The panel's label lines: the title wrapped to the label column, then the metric name and unit (muted).

    Task and slice names can be long (``promptinject.HijackHateHumans``); the results table carries them.
    """
    detail = row["metric"] + (f" ({row['unit']})" if row.get("unit") else "")
    title_lines = wrap(row.get("title") or row["id"], METRIC_LABEL_WIDTH - 8, LABEL_SIZE)
    return [(line, False) for line in title_lines] + [(shorten(detail, METRIC_LABEL_WIDTH - 8, SMALL_SIZE), True)]


def _is_proportion(row: dict) -> bool:
    """A share in [0, 1]: its interval was computed as one, or it has no unit and value and threshold lie in [0, 1]."""
    if row.get("ci_method") in ("wilson", "normal_clipped"):
        return True
    return row.get("unit") is None and 0 <= row["value"] <= 1 and 0 <= row["threshold"] <= 1


def metric_range(row: dict) -> tuple[float, float, list[float]]:
    """The x range of a metric's panel and its ticks: value, interval and threshold with room around them.

    A share stays within [0, 1] (a sliver of margin, no tick outside).

    >>> metric_range({"value": 1.0, "ci_low": 0.57, "ci_high": 1.0, "threshold": 0.95, "ci_method": "wilson"})[2]
    [0.6, 0.8, 1.0]
    """
    value, threshold = row["value"], row["threshold"]
    low = row["ci_low"] if row.get("ci_low") is not None else value
    high = row["ci_high"] if row.get("ci_high") is not None else value
    span_low, span_high = min(low, threshold), max(high, threshold)
    pad = (span_high - span_low) * 0.35 or abs(threshold) * 0.1 or 1.0
    left, right = span_low - pad, span_high + pad
    if _is_proportion(row):
        margin = (span_high - span_low) * 0.04 or 0.01
        left, right = max(left, -margin), min(right, 1 + margin)
        return left, right, [t for t in nice_ticks(max(left, 0), min(right, 1)) if 0 <= t <= 1]
    return left, right, nice_ticks(left, right)


def _verdict(row: dict) -> str:
    verdict = OUTCOME_LABELS[row["outcome"]].upper()
    if row.get("stale"):
        verdict += " · evidence expired"
    if row.get("value") is None:
        return verdict
    value_text, threshold_text = format_pair(row["value"], row["threshold"])
    return f"{verdict}   {value_text} (threshold {direction_sign(row['direction'])} {threshold_text})"


def _panel_height(row: dict) -> float:
    return max(46.0, 9.6 * len(_metric_label(row)) + 10)


def _metric_panel(picture: Drawing, top: float, row: dict) -> None:
    """One threshold: label on the left; verdict, passing side, threshold, value and interval on the right."""
    y = top + 9
    for line, muted in _metric_label(row):
        picture.text(2, y, line, size=SMALL_SIZE if muted else LABEL_SIZE, fill=MUTED if muted else "#1f2328")
        y += 9.6
    left, right = METRIC_LABEL_WIDTH + 8, WIDTH - 10
    color = OUTCOME_COLORS[row["outcome"]]
    picture.text(right, top + 9, shorten(_verdict(row), right - left, 7.5, bold=True), size=7.5, anchor="end",
                 bold=True, fill=color)
    middle = top + 24
    if row.get("value") is None:
        reason = shorten(row.get("reason") or "no value", right - left, LABEL_SIZE)
        picture.text(left, middle + 2.8, reason, size=LABEL_SIZE, italic=True, fill=MUTED)
        return
    low_x, high_x, ticks = metric_range(row)

    def scale(v: float) -> float:
        return left + (v - low_x) / (high_x - low_x) * (right - left)

    threshold, value = row["threshold"], row["value"]
    passing = (scale(threshold), right) if row["direction"] == "higher_is_better" else (left, scale(threshold))
    picture.rect(passing[0], middle - 9, passing[1] - passing[0], 18, fill=OUTCOME_COLORS["pass"], opacity=0.1)
    picture.line(scale(threshold), middle - 10, scale(threshold), middle + 10, dash=(3, 2))
    low = row["ci_low"] if row.get("ci_low") is not None else value
    high = row["ci_high"] if row.get("ci_high") is not None else value
    if high > low:
        picture.line(scale(low), middle, scale(high), middle, stroke=color, width=1.2)
        for end in (low, high):
            picture.line(scale(end), middle - 3.5, scale(end), middle + 3.5, stroke=color, width=1.2)
    picture.dot(scale(value), middle, 3.2, fill=color)
    _x_axis(picture, left, right, middle + 12, ticks, scale)


def metrics_chart(rows: list[dict], *, title: str = "Measurements against acceptance thresholds") -> bytes:
    """One panel per threshold: the value with its 95% CI, the threshold line, the passing side shaded.

    ``rows`` are :func:`rmfkit.measure.evaluate` rows. Metrics keep their own scale, so each panel has
    its own axis; rows without a value say "not measured" and why.
    """
    if not rows:
        picture = Drawing(WIDTH, 60, title=title)
        picture.text(WIDTH / 2, 34, "No acceptance thresholds declared", size=LABEL_SIZE + 1, anchor="middle")
        return picture.to_svg()
    heights = [_panel_height(r) for r in rows]
    picture = Drawing(WIDTH, 22 + sum(heights) + PANEL_GAP * (len(rows) - 1) + 30, title=title)
    top = _title(picture, title)
    for row, height in zip(rows, heights):
        _metric_panel(picture, top, row)
        top += height + PANEL_GAP
    picture.text(WIDTH / 2, top + 6, "Dot: measured value · dashed: threshold · shaded: passing side",
                 size=SMALL_SIZE, anchor="middle", fill=MUTED)
    picture.text(WIDTH / 2, top + 15, "Bar: 95% confidence interval (Wilson score interval for a proportion with "
                 "known n; else value ± 1.96 × stderr)", size=SMALL_SIZE, anchor="middle", fill=MUTED)
    return picture.to_svg()
