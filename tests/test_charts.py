"""Charts: deterministic SVG, sizes that follow the data, labels that carry the data and do not overlap."""
from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rmfkit.render import charts, svg

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
NS = "{http://www.w3.org/2000/svg}"


def size_of(picture: bytes) -> tuple[float, float]:
    root = ET.fromstring(picture)
    return float(root.get("width").removesuffix("pt")), float(root.get("height").removesuffix("pt"))


def drawn_texts(picture: bytes) -> list[tuple[str, tuple[float, float, float, float]]]:
    """Every text of the picture with its box (x0, y0, x1, y1), from the font's advance widths."""
    texts = []
    for element in ET.fromstring(picture).iter(f"{NS}text"):
        size, bold = float(element.get("font-size")), element.get("font-weight") == "bold"
        lines = [t.text or "" for t in element.iter(f"{NS}tspan")] or [element.text or ""]
        x, y = float(element.get("x")), float(element.get("y"))
        width = max(svg.text_width(line, size, bold=bold) for line in lines)
        x0 = {"start": x, "middle": x - width / 2, "end": x - width}[element.get("text-anchor")]
        box = (x0, y - 0.75 * size, x0 + width, y + 0.25 * size + (len(lines) - 1) * size * svg.LINE_HEIGHT)
        if element.get("transform"):  # turned a quarter left about (x, y)
            box = (x - (box[3] - y), y - (box[2] - x), x + (y - box[1]), y - (box[0] - x))
        texts.append(("\n".join(lines), box))
    return texts


@pytest.mark.parametrize("draw, rows", CASES)
def test_same_data_gives_the_same_bytes(draw, rows):
    assert draw(rows) == draw(rows)


@pytest.mark.parametrize("draw, rows", CASES)
def test_svg_is_well_formed_named_and_dateless(draw, rows):
    picture = draw(rows)
    root = ET.fromstring(picture)
    assert root.tag == f"{NS}svg" and root.get("role") == "img" and root.find(f"{NS}title").text
    assert b"date" not in picture.lower() and size_of(picture)[0] == charts.WIDTH


def test_height_follows_the_number_of_rows():
    four, two = size_of(charts.coverage_chart(COVERAGE))[1], size_of(charts.coverage_chart(COVERAGE[:2]))[1]
    assert four - two == 2 * charts.ROW_HEIGHT
    assert size_of(charts.metrics_chart(METRICS))[1] > size_of(charts.metrics_chart(METRICS[:2]))[1] + 90


def test_empty_inputs_still_render():
    assert "No acceptance thresholds declared" in [t for t, _ in drawn_texts(charts.metrics_chart([]))]
    assert size_of(charts.coverage_chart([]))[0] == charts.WIDTH


@pytest.mark.parametrize("draw, rows", CASES)
def test_no_two_labels_overlap_and_all_stay_inside(draw, rows):
    picture = draw(rows)
    width, height = size_of(picture)
    texts = drawn_texts(picture)
    for text, (x0, y0, x1, y1) in texts:
        assert x0 >= -1 and y0 >= -1 and x1 <= width + 1 and y1 <= height + 1, text
    for i, (text_a, a) in enumerate(texts):
        for text_b, b in texts[i + 1:]:
            overlap_w = min(a[2], b[2]) - max(a[0], b[0])
            overlap_h = min(a[3], b[3]) - max(a[1], b[1])
            assert not (overlap_w > 1 and overlap_h > 1), f"{text_a!r} overlaps {text_b!r}"


def test_labels_carry_the_data():
    words = [t for t, _ in drawn_texts(charts.coverage_chart(COVERAGE))]
    assert "MEASURE  (2/22 met)" in words and "Unsupported (evidence broken)" in words
    assert words.count("11") == 2 and "14" in words and "Subcategories" in words
    words = [t for t, _ in drawn_texts(charts.metrics_chart(METRICS))]
    assert "FAIL   0.758 (threshold ≥ 0.8)" in words
    assert "PASS (WITHIN TOLERANCE)   0.94 (threshold ≥ 0.95)" in words
    assert "PASS · evidence expired   1830 (threshold ≤ 3000)" in words
    assert "NOT MEASURED" in words and "the evidence holds no value of accuracy_gap" in words
    assert "p95_latency_ms (ms)" in words and "Answer accuracy on our labelled tickets" in words
    assert "5 below target, 1 overdue\nnext due 2027-01-15" in [t for t, _ in drawn_texts(charts.profile_chart(PROFILE))]


def test_hostile_labels_are_text():
    rows = [dict(COVERAGE[0], function='</text><script>alert(1)</script> & "x"')]
    picture = charts.coverage_chart(rows)
    assert b"<script>" not in picture
    assert any(t.startswith('</text><script>alert(1)</script> & "x"') for t, _ in drawn_texts(picture))


def test_text_no_xml_can_hold_is_shown_as_escapes():
    rows = [dict(METRICS[0], title="Bell\x07 rings", unit="pct\x0cpoints\ud800")]
    words = [t for t, _ in drawn_texts(charts.metrics_chart(rows))]  # parses as XML
    assert "Bell\\x07 rings" in words and "correct (pct\\x0cpoints\\ud800)" in words


def test_tick_labels_tell_ticks_apart_at_any_scale():
    big = dict(METRICS[2], value=12345678.0, threshold=12345600.0, ci_low=None, ci_high=None)
    tiny = dict(METRICS[2], value=3e-12, threshold=1e-12, unit="F", ci_low=None, ci_high=None)
    for row in (big, tiny):
        left, right, ticks = charts.metric_range(row)
        labels = svg.tick_labels(ticks)
        assert len(set(labels)) == len(labels) >= 2 and all(left <= t <= right for t in ticks), labels
    assert svg.tick_labels([12345600, 12345650]) == ["12345600", "12345650"]


def test_proportion_axes_stay_within_zero_and_one():
    rows = [{"id": "leak", "title": "Leaks", "metric": "pii_leak", "unit": None, "direction": "lower_is_better",
             "threshold": 0.01, "value": 0.005, "ci_low": 0.0017, "ci_high": 0.0146, "ci_method": "wilson",
             "outcome": "pass", "stale": False},
            {"id": "dan", "title": "DAN", "metric": "pass_rate", "unit": None, "direction": "higher_is_better",
             "threshold": 0.95, "value": 1.0, "ci_low": 0.5655, "ci_high": 1.0, "ci_method": "wilson",
             "outcome": "pass", "stale": False}]
    for row in rows:
        left, right, ticks = charts.metric_range(row)
        assert ticks and min(ticks) >= 0 and max(ticks) <= 1, ticks
        assert -0.02 < left and right < 1.02


@given(st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=120),
       st.floats(20, 300), st.sampled_from([7.0, 8.0, 10.0]))
def test_wrapped_lines_fit_and_keep_every_word(text, width, size):
    lines = svg.wrap(text, width, size)
    assert "".join("".join(line.split()) for line in lines) == "".join(text.split())
    for line in lines:
        assert svg.text_width(line, size) <= width or len(line) == 1


@given(st.floats(-1e6, 1e6), st.floats(1e-6, 1e6))
def test_ticks_lie_inside_the_range_and_rise(low, span):
    ticks = svg.nice_ticks(low, low + span)
    assert ticks == sorted(ticks) and len(ticks) <= 8
    assert all(low - span * 1e-6 <= t <= low + span * (1 + 1e-6) for t in ticks)
