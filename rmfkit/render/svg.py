"""SVG pictures without a plotting library: rectangles, lines, dots and text, same calls, same bytes.

The packet's charts (:mod:`rmfkit.render.charts`, :mod:`rmfkit.render.risk_charts`) are drawn with
:class:`Drawing`. Units are points (1/72 in) and text is set in Libertinus Serif, the packet's body font,
so Typst places a chart at its natural size with labels as large as the text around it, and the labels
stay text (searchable, extractable). Layout decisions (how wide a label column is, whether a count fits
inside its bar) use the font's advance widths, measured once with Typst and kept in :data:`_ADVANCES`.

>>> picture = Drawing(120, 20, title="Example")
>>> picture.text(4, 14, "Met & <ok>")
>>> b"Met &amp; &lt;ok&gt;" in picture.to_svg()
True
>>> nice_ticks(0.68, 0.96), nice_ticks(1e-12, 4e-12)
([0.7, 0.8, 0.9], [1e-12, 2e-12, 3e-12, 4e-12])
"""
from __future__ import annotations

import math
import unicodedata
from typing import Sequence
from xml.sax.saxutils import escape as _escape_markup
from xml.sax.saxutils import quoteattr

from rmfkit.text import printable

FONT_FAMILY = "'Libertinus Serif', 'Linux Libertine O', Georgia, serif"
INK = "#1f2328"
MUTED = "#57606a"
LINE_HEIGHT = 1.2  # of the font size, between the lines of one text

# Advance widths (1/1000 em) of Libertinus Serif for U+0020..U+007E, regular then bold, as Typst sets them.
_ADVANCES = {
    False: "250 288 336 465 465 637 705 190 298 298 369 550 220 338 220 323 465 465 465 465 465 465 465 465 465 "
           "465 236 236 550 550 550 435 895 695 588 646 701 557 485 685 730 297 322 637 528 839 699 702 541 702 "
           "587 485 597 661 652 951 660 575 604 356 287 356 518 486 392 457 493 428 506 447 310 500 538 271 272 "
           "512 264 790 542 504 519 503 372 390 316 531 497 747 490 515 424 277 205 277 449",
    True: "250 266 376 514 514 637 729 215 315 315 433 537 244 358 244 316 514 514 514 514 514 514 514 514 514 "
          "514 256 256 512 551 512 430 988 740 654 706 734 609 545 732 817 367 373 736 577 899 740 730 614 730 "
          "716 504 652 732 700 1028 718 624 624 397 307 397 518 486 392 506 542 456 561 489 391 521 619 322 312 "
          "613 325 905 616 551 581 573 428 427 358 598 529 777 561 558 452 307 220 307 473",
}
_WIDTHS = {bold: dict(zip(map(chr, range(32, 127)), map(int, widths.split()))) for bold, widths in _ADVANCES.items()}
_OTHER_WIDTH = 650  # any other character: wider than most Latin, Greek and Cyrillic letters and signs
_WIDE_WIDTH = 1000  # East Asian wide and full-width characters


def escape(text: str) -> str:
    """``text`` as XML character data: markup escaped, characters XML cannot hold shown as escapes (as the
    packet's text shows them, :func:`rmfkit.text.printable`).

    >>> escape("a < b\\x0c")
    'a &lt; b\\\\x0c'
    """
    return _escape_markup(printable(text))


def text_width(text: str, size: float, *, bold: bool = False) -> float:
    """Width in points of one line of ``text`` set at ``size`` points (no kerning: a slight overestimate).

    >>> text_width("MAP", 10)
    20.75
    """
    table = _WIDTHS[bold]
    thousandths = 0
    for char in text:
        width = table.get(char)
        if width is None:
            width = _WIDE_WIDTH if unicodedata.east_asian_width(char) in "WF" else _OTHER_WIDTH
        thousandths += width
    return round(thousandths * size / 1000, 2)


def wrap(text: str, width: float, size: float, *, bold: bool = False) -> list[str]:
    """``text`` broken into lines no wider than ``width`` points, at spaces where it can, else inside a word.

    >>> wrap("Answer accuracy on our labelled tickets", 90, 8)
    ['Answer accuracy on our', 'labelled tickets']
    """
    lines: list[str] = []
    for word in text.split():
        candidate = f"{lines[-1]} {word}" if lines else word
        if lines and text_width(candidate, size, bold=bold) <= width:
            lines[-1] = candidate
            continue
        while len(word) > 1 and text_width(word, size, bold=bold) > width:
            cut = 1
            while cut < len(word) - 1 and text_width(word[:cut + 1], size, bold=bold) <= width:
                cut += 1
            lines.append(word[:cut])
            word = word[cut:]
        lines.append(word)
    return lines or [""]


def shorten(text: str, width: float, size: float, *, bold: bool = False) -> str:
    """``text`` on one line no wider than ``width`` points, cut with an ellipsis when it is longer.

    >>> shorten("Prompt-injection probes resisted", 90, 8)
    'Prompt-injection probes…'
    """
    if text_width(text, size, bold=bold) <= width:
        return text
    kept = text
    while kept and text_width(kept + "…", size, bold=bold) > width:
        kept = kept[:-1]
    at_space = kept.rfind(" ")
    if at_space > len(kept) // 2:  # end at a word when that keeps at least half of what fits
        kept = kept[:at_space]
    return kept.rstrip() + "…"


def nice_ticks(low: float, high: float, most: int = 6) -> list[float]:
    """Round values inside ``[low, high]`` for an axis: steps of 1, 2, 2.5 or 5 times a power of ten.

    >>> nice_ticks(0, 22)
    [0, 5, 10, 15, 20]
    """
    if not (math.isfinite(low) and math.isfinite(high)) or high <= low:
        return [low] if math.isfinite(low) else []
    raw = (high - low) / max(most - 1, 1)
    power = 10 ** math.floor(math.log10(raw))
    step = next(power * m for m in (1, 2, 2.5, 5, 10) if power * m >= raw)
    first = math.ceil(low / step - 1e-9)
    decimals = max(0, 2 - math.floor(math.log10(step)))  # enough for steps of 2.5 times a power of ten
    ticks = []
    for n in range(first, first + most + 2):
        value = n * step
        if value > high + step * 1e-9:
            break
        ticks.append(int(round(value)) if step >= 1 and float(step).is_integer() else round(value, decimals))
    return ticks


def tick_labels(values: Sequence[float]) -> list[str]:
    """The labels of an axis's ticks: whole numbers as they are, other numbers with the fewest decimals (the
    same for every tick) that tell them apart, very small or large ones in exponent form.

    >>> tick_labels([0.30000000000000004, 0.4]), tick_labels([12345600, 12345650]), tick_labels([1e-12, 2e-12])
    (['0.3', '0.4'], ['12345600', '12345650'], ['1e-12', '2e-12'])
    """
    largest = max((abs(value) for value in values), default=0)
    if all(float(value).is_integer() for value in values) and largest < 1e15:
        return [str(int(value)) for value in values]
    if 1e-4 <= largest < 1e9:
        for decimals in range(1, 13):
            labels = [f"{value:.{decimals}f}" for value in values]
            if len(set(labels)) == len(labels):
                return labels
    for digits in range(1, 17):
        labels = [f"{value:.{digits}g}" for value in values]
        if len(set(labels)) == len(labels):
            return labels
    return [repr(value) for value in values]


def _number(value: float) -> str:
    """A coordinate with two decimals at most, so equal drawings give equal bytes."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


class Drawing:
    """One SVG picture of ``width`` x ``height`` points, built by calls in drawing order.

    ``title`` is the picture's accessible name (``<title>``, what a screen reader announces).
    """

    def __init__(self, width: float, height: float, *, title: str):
        self.width, self.height, self.title = width, height, title
        self._parts: list[str] = []
        self._patterns: dict[str, str] = {}

    def rect(self, x: float, y: float, width: float, height: float, *, fill: str, stroke: str | None = None,
             stroke_width: float = 1.0, opacity: float | None = None, hatch: str | None = None) -> None:
        """A rectangle; ``hatch`` lays diagonal lines of that colour over the fill (readable without colour)."""
        attributes = f'x="{_number(x)}" y="{_number(y)}" width="{_number(width)}" height="{_number(height)}"'
        extra = (f' stroke="{stroke}" stroke-width="{_number(stroke_width)}"' if stroke else "") + (
            f' fill-opacity="{_number(opacity)}"' if opacity is not None else "")
        self._parts.append(f'<rect {attributes} fill="{fill}"{extra}/>')
        if hatch:
            pattern = self._pattern(hatch)
            self._parts.append(f'<rect {attributes} fill="url(#{pattern})"/>')

    def line(self, x1: float, y1: float, x2: float, y2: float, *, stroke: str = INK, width: float = 1.0,
             dash: Sequence[float] | None = None) -> None:
        """A straight line; ``dash`` is the on/off pattern in points."""
        dashes = f' stroke-dasharray="{" ".join(map(_number, dash))}"' if dash else ""
        self._parts.append(f'<line x1="{_number(x1)}" y1="{_number(y1)}" x2="{_number(x2)}" y2="{_number(y2)}" '
                           f'stroke="{stroke}" stroke-width="{_number(width)}"{dashes}/>')

    def dot(self, x: float, y: float, radius: float, *, fill: str) -> None:
        self._parts.append(f'<circle cx="{_number(x)}" cy="{_number(y)}" r="{_number(radius)}" fill="{fill}"/>')

    def text(self, x: float, y: float, content: str, *, size: float = 8, anchor: str = "start", bold: bool = False,
             italic: bool = False, fill: str = INK, rotate: bool = False) -> None:
        """``content`` with its first baseline at ``y``; each ``\\n`` starts a line below. ``anchor``: start,
        middle or end; ``rotate`` turns it a quarter left (an axis title up the side)."""
        style = (' font-weight="bold"' if bold else "") + (' font-style="italic"' if italic else "")
        turn = f' transform="rotate(-90 {_number(x)} {_number(y)})"' if rotate else ""
        lines = content.split("\n")
        if len(lines) == 1:
            body = escape(content)
        else:
            body = "".join(f'<tspan x="{_number(x)}" dy="{_number(0 if n == 0 else size * LINE_HEIGHT)}">'
                           f"{escape(line)}</tspan>" for n, line in enumerate(lines))
        self._parts.append(f'<text x="{_number(x)}" y="{_number(y)}" font-size="{_number(size)}" '
                           f'text-anchor="{anchor}" fill="{fill}"{style}{turn}>{body}</text>')

    def _pattern(self, colour: str) -> str:
        if colour not in self._patterns:
            self._patterns[colour] = f"hatch{len(self._patterns) + 1}"
        return self._patterns[colour]

    def to_svg(self) -> bytes:
        """The picture as a standalone SVG document (UTF-8, no date, no random ids)."""
        patterns = "".join(
            f'<pattern id="{name}" width="5" height="5" patternUnits="userSpaceOnUse" '
            f'patternTransform="rotate(45)"><line x1="0" y1="0" x2="0" y2="5" stroke="{colour}" '
            f'stroke-width="1.4"/></pattern>' for colour, name in self._patterns.items())
        size = f'width="{_number(self.width)}pt" height="{_number(self.height)}pt"'
        label = quoteattr(printable(self.title))
        return ('<?xml version="1.0" encoding="UTF-8"?>\n'
                f'<svg xmlns="http://www.w3.org/2000/svg" {size} '
                f'viewBox="0 0 {_number(self.width)} {_number(self.height)}" role="img" '
                f'aria-label={label} font-family="{FONT_FAMILY}">'
                f"<title>{escape(self.title)}</title>"
                + (f"<defs>{patterns}</defs>" if patterns else "")
                + f'<rect width="100%" height="100%" fill="white"/>'
                + "".join(self._parts) + "</svg>\n").encode("utf-8")
