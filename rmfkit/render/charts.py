"""Charts of the assessment and the measurements: matplotlib Figure API, deterministic SVG and PNG bytes.

Every function takes plain data (the rows of :mod:`rmfkit.assess` and :mod:`rmfkit.measure`) and returns
the encoded image. No pyplot state is touched, so notebooks, the packet and tests can call these side
by side. Same input, same bytes: the SVG carries a fixed hash salt and no date.

>>> svg = coverage_chart([{"function": "MAP", "met": 2, "partially_met": 1, "unsupported": 0, "not_met": 0,
...                        "not_applicable": 0, "not_assessed": 15, "total": 18}])
>>> svg.startswith(b"<?xml") and svg == coverage_chart([{"function": "MAP", "met": 2, "partially_met": 1,
...     "unsupported": 0, "not_met": 0, "not_applicable": 0, "not_assessed": 15, "total": 18}])
True
"""
from __future__ import annotations

import io
import textwrap
from typing import Any, Literal

from rmfkit.measure import OUTCOME_LABELS, direction_sign, format_pair

Format = Literal["svg", "png"]

# Status order and colours shared by every chart (colour-blind safe; unsupported is also hatched).
STATUS_ORDER = ("met", "partially_met", "unsupported", "not_met", "not_applicable", "not_assessed")
STATUS_LABELS = {"met": "Met", "partially_met": "Partially met", "unsupported": "Unsupported (evidence broken)",
                 "not_met": "Not met", "not_applicable": "Not applicable", "not_assessed": "Not assessed"}
STATUS_COLORS = {"met": "#1a7f37", "partially_met": "#8fd19e", "unsupported": "#c2410c", "not_met": "#f2b84b",
                 "not_applicable": "#8c96a3", "not_assessed": "#e6e8eb"}
_DARK = {"met", "unsupported", "not_applicable"}
OUTCOME_COLORS = {"pass": "#1a7f37", "pass_within_tolerance": "#9a6700", "inconclusive": "#9a6700", "fail": "#c2410c",
                  "not_measured": "#8c96a3"}
_STYLE = {"svg.hashsalt": "rmfkit", "svg.fonttype": "path", "font.family": "DejaVu Sans", "font.size": 9,
          "axes.titlesize": 10, "axes.spines.top": False, "axes.spines.right": False}
WIDTH_IN = 7.5
PNG_DPI = 150


def _figure(height: float):
    from matplotlib.figure import Figure

    return Figure(figsize=(WIDTH_IN, height), layout="constrained")


def _encode(fig, fmt: Format) -> bytes:
    buffer = io.BytesIO()
    if fmt == "svg":
        fig.savefig(buffer, format="svg", metadata={"Date": None})
    elif fmt == "png":
        fig.savefig(buffer, format="png", dpi=PNG_DPI, metadata={"Software": None})
    else:
        raise ValueError(f"unknown chart format {fmt!r}; use 'svg' or 'png'")
    return buffer.getvalue()


def _render(draw, height: float, fmt: Format, *args: Any) -> bytes:
    """Build a figure with the house style, let ``draw(fig, *args)`` fill it, and encode it."""
    from matplotlib import rc_context

    with rc_context(_STYLE):
        fig = _figure(height)
        draw(fig, *args)
        return _encode(fig, fmt)


def _stacked_bars(ax, labels: list[str], counts: list[dict[str, int]], statuses: tuple[str, ...]) -> None:
    """Horizontal stacked bars, first label on top, each segment's count written inside when it fits."""
    y_positions = list(range(len(labels)))[::-1]
    widest = max((sum(c.get(s, 0) for s in statuses) for c in counts), default=1) or 1
    for status in statuses:
        lefts = [sum(c.get(s, 0) for s in statuses[:statuses.index(status)]) for c in counts]
        widths = [c.get(status, 0) for c in counts]
        bars = ax.barh(y_positions, widths, left=lefts, height=0.62, color=STATUS_COLORS[status],
                       edgecolor="white", linewidth=0.8, hatch="////" if status == "unsupported" else None,
                       label=STATUS_LABELS[status])
        for bar, width in zip(bars, widths):
            if width and width / widest >= 0.035:
                ax.text(bar.get_x() + width / 2, bar.get_y() + bar.get_height() / 2, str(width),
                        ha="center", va="center", fontsize=8,
                        color="white" if status in _DARK else "#1f2328",
                        bbox={"boxstyle": "round,pad=0.15", "fc": STATUS_COLORS[status], "ec": "none"}
                        if status == "unsupported" else None)
    ax.set_yticks(y_positions, labels)
    ax.set_ylim(-0.55, len(labels) - 0.45)
    ax.set_xlim(0, widest * 1.02)
    ax.tick_params(axis="y", length=0)
    ax.xaxis.get_major_locator().set_params(integer=True)


def _legend(fig, ax, statuses: tuple[str, ...]) -> None:
    handles, labels = ax.get_legend_handles_labels()
    keep = [(h, lab) for h, lab in zip(handles, labels) if lab in {STATUS_LABELS[s] for s in statuses}]
    fig.legend([h for h, _ in keep], [lab for _, lab in keep], loc="outside lower center", ncols=3,
               frameon=False, fontsize=8)


def _present(rows: list[dict], keys: tuple[str, ...]) -> tuple[str, ...]:
    """Statuses that occur in the data (always keeping met and not_assessed for orientation)."""
    return tuple(s for s in keys if s in ("met", "not_assessed") or any(r.get(s) for r in rows))


# ---------------------------------------------------------------- coverage

def coverage_chart(rows: list[dict], *, fmt: Format = "svg", title: str = "RMF coverage by function") -> bytes:
    """Stacked bars: per function, how many subcategories are in each (evidence-checked) status.

    ``rows`` are :func:`rmfkit.assess.coverage_rows` rows (``function`` or ``category`` key).
    """
    def draw(fig):
        ax = fig.add_subplot()
        key = "function" if rows and "function" in rows[0] else "category"
        statuses = _present(rows, STATUS_ORDER)
        labels = [f"{r[key]}  ({r.get('met', 0)}/{r.get('total', 0)} met)" for r in rows]
        _stacked_bars(ax, labels, rows, statuses)
        ax.set_xlabel("Subcategories")
        ax.set_title(title, loc="left", fontweight="bold")
        _legend(fig, ax, statuses)

    return _render(draw, 1.5 + 0.45 * max(len(rows), 1), fmt)


# ---------------------------------------------------------------- current vs target profile

def profile_chart(rows: list[dict], *, fmt: Format = "svg",
                  title: str = "Current vs target profile") -> bytes:
    """Per function (or category), two stacked bars: the status counts now and at target.

    ``rows`` are :func:`rmfkit.assess.profile_rows` rows (``current`` and ``target`` count dicts).
    """
    def draw(fig):
        ax = fig.add_subplot()
        key = "function" if rows and "function" in rows[0] else "category"
        labels, counts = [], []
        for r in rows:
            labels += [f"{r[key]} now", f"{r[key]} target"]
            counts += [r["current"], r["target"]]
        statuses = _present(counts, STATUS_ORDER)
        _stacked_bars(ax, labels, counts, statuses)
        for index, r in enumerate(rows):
            y_target = len(labels) - 2 - 2 * index
            if r.get("gap"):
                due = f"\nnext due {r['next_target_date']}" if r.get("next_target_date") else ""
                ax.annotate(f"{r['gap']} below target" + (f", {r['overdue']} overdue" if r.get("overdue") else "")
                            + due,
                            xy=(1.0, y_target + 0.5), xycoords=("axes fraction", "data"), xytext=(6, 0),
                            textcoords="offset points", va="center", ha="left", fontsize=8, color="#57606a")
            if index:
                ax.axhline(y_target + 1.5, color="#d0d7de", linewidth=0.8)
        ax.set_xlabel("Subcategories")
        ax.set_title(title, loc="left", fontweight="bold")
        _legend(fig, ax, statuses)

    return _render(draw, 1.6 + 0.42 * max(2 * len(rows), 2), fmt)


# ---------------------------------------------------------------- metrics against thresholds

def _metric_label(row: dict) -> str:
    """Title (wrapped so the label column stays narrow), then the metric name and unit.

    Task and slice names can be long (``promptinject.HijackHateHumans``); the results table carries them.
    """
    title = row.get("title") or row["id"]
    detail = row["metric"] + (f" ({row['unit']})" if row.get("unit") else "")
    return "\n".join(textwrap.wrap(title, 28) + [detail])


def say_empty(fig, message: str) -> None:
    """A chart with nothing to draw says so, in the middle of an empty figure."""
    ax = fig.add_subplot()
    ax.axis("off")
    ax.text(0.5, 0.5, message, ha="center", va="center")


def metrics_chart(rows: list[dict], *, fmt: Format = "svg",
                  title: str = "Measurements against acceptance thresholds") -> bytes:
    """One panel per threshold: the value with its 95% CI, the threshold line, the passing side shaded.

    ``rows`` are :func:`rmfkit.measure.evaluate` rows. Metrics keep their own scale, so each panel has
    its own axis; rows without a value say "not measured" and why.
    """
    def draw(fig):
        if not rows:
            say_empty(fig, "No acceptance thresholds declared")
            return
        axes = fig.subplots(len(rows), 1, squeeze=False)[:, 0]
        fig.suptitle(title, x=0.01, ha="left", fontweight="bold", fontsize=10)
        for ax, row in zip(axes, rows):
            _metric_panel(ax, row)
        fig.supxlabel("Dot: measured value · dashed: threshold · shaded: passing side\n"
                      "Bar: 95% confidence interval (Wilson score interval for a proportion with known n; "
                      "else value ± 1.96 × stderr)", fontsize=7, color="#57606a")

    return _render(draw, 0.9 + 1.0 * max(len(rows), 1), fmt)


def _is_proportion(row: dict) -> bool:
    """A share in [0, 1]: its interval was computed as one, or it has no unit and value and threshold lie in [0, 1]."""
    if row.get("ci_method") in ("wilson", "normal_clipped"):
        return True
    return row.get("unit") is None and 0 <= row["value"] <= 1 and 0 <= row["threshold"] <= 1


def _metric_panel(ax, row: dict) -> None:
    outcome = row["outcome"]
    color = OUTCOME_COLORS[outcome]
    ax.set_yticks([0], [_metric_label(row)])
    ax.tick_params(axis="y", length=0, labelsize=8)
    ax.spines["left"].set_visible(False)
    threshold = row["threshold"]
    verdict = OUTCOME_LABELS[outcome].upper()
    if row.get("stale"):
        verdict += " · evidence expired"
    ax.set_ylim(-0.6, 0.6)
    if row.get("value") is None:
        ax.set_xlim(0, 1)
        ax.set_xticks([])
        ax.spines["bottom"].set_visible(False)
        ax.text(0.01, 0, textwrap.shorten(row.get("reason") or "no value", 80), va="center", fontsize=8,
                color="#57606a", style="italic")
        ax.set_title(verdict, loc="right", fontsize=8, color=color, fontweight="bold")
        return
    value = row["value"]
    low = row["ci_low"] if row.get("ci_low") is not None else value
    high = row["ci_high"] if row.get("ci_high") is not None else value
    span_low, span_high = min(low, threshold), max(high, threshold)
    pad = (span_high - span_low) * 0.35 or abs(threshold) * 0.1 or 1.0
    left, right = span_low - pad, span_high + pad
    if _is_proportion(row):
        # A share cannot leave [0, 1]: no axis ticks below 0 or above 1, just a sliver of margin.
        margin = (span_high - span_low) * 0.04 or 0.01
        left, right = max(left, -margin), min(right, 1 + margin)
        ax.set_xticks([t for t in ax.xaxis.get_major_locator().tick_values(max(left, 0), min(right, 1))
                       if 0 <= t <= 1])
    ax.set_xlim(left, right)
    if row["direction"] == "higher_is_better":
        ax.axvspan(threshold, right, color=OUTCOME_COLORS["pass"], alpha=0.08, linewidth=0)
    else:
        ax.axvspan(left, threshold, color=OUTCOME_COLORS["pass"], alpha=0.08, linewidth=0)
    ax.axvline(threshold, color="#1f2328", linestyle="--", linewidth=1)
    ax.errorbar([value], [0], xerr=[[value - low], [high - value]], fmt="o", color=color, ecolor=color,
                capsize=3, markersize=6)
    value_text, threshold_text = format_pair(value, threshold)
    ax.set_title(f"{verdict}   {value_text} (threshold {direction_sign(row['direction'])} {threshold_text})",
                 loc="right", fontsize=8, color=color, fontweight="bold")
    ax.tick_params(axis="x", labelsize=7)
