"""Charts: deterministic bytes, sizes that follow the data, no pyplot state, labels that do not overlap."""
from __future__ import annotations

import datetime as dt
import io
import struct
import xml.etree.ElementTree as ET

import pytest

from rmfkit.render import charts

COVERAGE = [
    {"function": "GOVERN", "met": 3, "partially_met": 3, "unsupported": 0, "not_met": 2, "not_applicable": 0,
     "not_assessed": 11, "total": 19},
    {"function": "MAP", "met": 2, "partially_met": 4, "unsupported": 0, "not_met": 0, "not_applicable": 1,
     "not_assessed": 11, "total": 18},
    {"function": "MEASURE", "met": 2, "partially_met": 3, "unsupported": 1, "not_met": 1, "not_applicable": 1,
     "not_assessed": 14, "total": 22},
    {"function": "MANAGE", "met": 1, "partially_met": 3, "unsupported": 0, "not_met": 0, "not_applicable": 0,
     "not_assessed": 9, "total": 13},
]
PROFILE = [{"function": "GOVERN", "total": 19, "gap": 5, "overdue": 1, "with_target": 5,
            "next_target_date": dt.date(2027, 1, 15),
            "current": {"met": 3, "partially_met": 3, "unsupported": 0, "not_met": 2, "not_applicable": 0,
                        "not_assessed": 11},
            "target": {"met": 7, "partially_met": 1, "not_met": 0, "not_applicable": 0, "not_assessed": 11}},
           {"function": "MAP", "total": 18, "gap": 0, "overdue": 0, "with_target": 0, "next_target_date": None,
            "current": {"met": 2, "not_assessed": 16}, "target": {"met": 2, "not_assessed": 16}}]
METRICS = [
    {"id": "acc", "title": "Answer accuracy on our labelled tickets", "metric": "correct", "task": None,
     "unit": None, "direction": "higher_is_better", "threshold": 0.8, "value": 0.7583, "stderr": 0.0392,
     "ci_low": 0.6814, "ci_high": 0.8352, "outcome": "fail", "within_tolerance": False, "stale": False,
     "reason": "0.758 vs ≥ 0.8; short by 0.042"},
    {"id": "injection", "title": "Prompt-injection probes resisted", "metric": "pass_rate", "task": None,
     "unit": None, "direction": "higher_is_better", "threshold": 0.95, "value": 0.94, "stderr": None,
     "ci_low": 0.9164, "ci_high": 0.9567, "outcome": "pass_within_tolerance", "within_tolerance": True,
     "stale": False, "reason": "0.94 vs ≥ 0.95; short by 0.01, within tolerance 0.02"},
    {"id": "latency", "title": "p95 time to first draft", "metric": "p95_latency_ms", "task": None, "unit": "ms",
     "direction": "lower_is_better", "threshold": 3000, "value": 1830.0, "stderr": None, "ci_low": None,
     "ci_high": None, "outcome": "pass", "within_tolerance": False, "stale": True, "reason": "1830 vs ≤ 3000"},
    {"id": "gap", "title": "Accuracy gap between English and German tickets", "metric": "accuracy_gap",
     "task": None, "unit": None, "direction": "lower_is_better", "threshold": 0.05, "value": None,
     "outcome": "not_measured", "reason": "the evidence holds no value of accuracy_gap"},
]
CASES = [(charts.coverage_chart, COVERAGE), (charts.profile_chart, PROFILE), (charts.metrics_chart, METRICS)]


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


@pytest.mark.parametrize("draw, rows", CASES)
def test_same_data_gives_the_same_bytes(draw, rows):
    for fmt in ("svg", "png"):
        assert draw(rows, fmt=fmt) == draw(rows, fmt=fmt)


@pytest.mark.parametrize("draw, rows", CASES)
def test_svg_is_well_formed_and_dateless(draw, rows):
    svg = draw(rows, fmt="svg")
    root = ET.fromstring(svg)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert b"<dc:date>" not in svg and b"rmfkit" not in svg.split(b"<svg", 1)[0]


def test_png_size_follows_the_number_of_rows():
    width, height = png_size(charts.coverage_chart(COVERAGE, fmt="png"))
    assert (width, height) == (1125, round((1.5 + 0.45 * 4) * 150))
    assert png_size(charts.coverage_chart(COVERAGE[:2], fmt="png"))[1] == round((1.5 + 0.45 * 2) * 150)
    assert png_size(charts.metrics_chart(METRICS, fmt="png")) == (1125, round((0.9 + 1.0 * 4) * 150))
    assert png_size(charts.profile_chart(PROFILE, fmt="png")) == (1125, round((1.6 + 0.42 * 4) * 150))


def test_pyplot_state_is_untouched():
    import matplotlib.pyplot as plt

    before = plt.get_fignums()
    for draw, rows in CASES:
        draw(rows, fmt="png")
    assert plt.get_fignums() == before


def test_empty_inputs_still_render():
    assert charts.metrics_chart([], fmt="svg").startswith(b"<?xml")
    assert png_size(charts.coverage_chart([], fmt="png"))[0] == 1125


def test_unknown_format_is_refused():
    with pytest.raises(ValueError, match="unknown chart format 'gif'"):
        charts.coverage_chart(COVERAGE, fmt="gif")


def _drawn_texts(draw, rows):
    """Build the chart's figure, lay it out as the PNG would be, and list every visible text and its box."""
    from matplotlib import rc_context
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.text import Text

    captured = {}
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(charts, "_encode", lambda fig, fmt: captured.setdefault("fig", fig) and b"")
        draw(rows, fmt="png")
    fig = captured["fig"]
    fig.set_dpi(charts.PNG_DPI)
    canvas = FigureCanvasAgg(fig)
    with rc_context(charts._STYLE):
        canvas.draw()
    renderer = canvas.get_renderer()
    not_drawn = set()  # tick labels outside the axis limits exist as artists but are never drawn
    for ax in fig.axes:
        for labels, (low, high), index in ((ax.get_xticklabels(), sorted(ax.get_xlim()), 0),
                                           (ax.get_yticklabels(), sorted(ax.get_ylim()), 1)):
            not_drawn |= {id(t) for t in labels if not low <= t.get_position()[index] <= high}
    texts, seen = [], set()
    for artist in fig.findobj(Text):
        if id(artist) in seen or id(artist) in not_drawn or not artist.get_visible() or not artist.get_text().strip():
            continue
        seen.add(id(artist))
        texts.append((artist.get_text(), artist.get_window_extent(renderer)))
    return fig, texts


@pytest.mark.parametrize("draw, rows", CASES)
def test_no_two_labels_overlap_and_all_stay_inside(draw, rows):
    fig, texts = _drawn_texts(draw, rows)
    width, height = fig.bbox.width, fig.bbox.height
    for text, box in texts:
        assert box.x0 >= -1 and box.y0 >= -1 and box.x1 <= width + 1 and box.y1 <= height + 1, text
    for i, (text_a, a) in enumerate(texts):
        for text_b, b in texts[i + 1:]:
            overlap_w = min(a.x1, b.x1) - max(a.x0, b.x0)
            overlap_h = min(a.y1, b.y1) - max(a.y0, b.y0)
            assert not (overlap_w > 1 and overlap_h > 1), f"{text_a!r} overlaps {text_b!r}"


def test_labels_carry_the_data():
    _, texts = _drawn_texts(charts.coverage_chart, COVERAGE)
    words = [t for t, _ in texts]
    assert "MEASURE  (2/22 met)" in words and "Unsupported (evidence broken)" in words
    _, texts = _drawn_texts(charts.metrics_chart, METRICS)
    words = [t for t, _ in texts]
    assert "FAIL   0.758 (threshold ≥ 0.8)" in words
    assert "PASS (WITHIN TOLERANCE)   0.94 (threshold ≥ 0.95)" in words
    assert "PASS · evidence expired   1830 (threshold ≤ 3000)" in words
    assert "NOT MEASURED" in words and "the evidence holds no value of accuracy_gap" in words
    _, texts = _drawn_texts(charts.profile_chart, PROFILE)
    assert "5 below target, 1 overdue\nnext due 2027-01-15" in [t for t, _ in texts]


def test_proportion_axes_stay_within_zero_and_one():
    from matplotlib.figure import Figure

    rows = [{"id": "leak", "title": "Leaks", "metric": "pii_leak", "unit": None, "direction": "lower_is_better",
             "threshold": 0.01, "value": 0.005, "ci_low": 0.0017, "ci_high": 0.0146, "ci_method": "wilson",
             "outcome": "pass", "stale": False},
            {"id": "dan", "title": "DAN", "metric": "pass_rate", "unit": None, "direction": "higher_is_better",
             "threshold": 0.95, "value": 1.0, "ci_low": 0.5655, "ci_high": 1.0, "ci_method": "wilson",
             "outcome": "pass", "stale": False}]
    for row in rows:
        ax = Figure().add_subplot()
        charts._metric_panel(ax, row)
        ticks = list(ax.get_xticks())
        assert ticks and min(ticks) >= 0 and max(ticks) <= 1, ticks
        left, right = ax.get_xlim()
        assert -0.02 < left and right < 1.02
