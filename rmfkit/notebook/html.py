"""Display objects the notebooks end their cells with: ``Html``, ``Table`` and ``Chart``, rendered by Jinja.

Every object has ``_repr_html_`` (Jupyter shows it) and a plain ``repr`` (a terminal prints one line).
The markup comes from the partials in ``rmfkit/notebook/templates/`` (autoescaped, ``StrictUndefined``),
in the packet's palette and wording: status words through :func:`label` (``rmfkit.labels``, so
"Not applicable" reads the same everywhere), coloured by :func:`tone_of` like the packet's status chips.

>>> t = table([{"id": "GOVERN 1.1", "status": "not_applicable"}], {"id": "Subcategory", "status": "Status"},
...           title="Demo", status_columns=("status",))
>>> markup = t._repr_html_()
>>> '<span class="status tone-neutral">Not applicable</span>' in markup
True
"""
from __future__ import annotations

import abc
import base64
import io
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

from rmfkit.labels import EFFECTIVE_LABELS, EVIDENCE_LABELS, plural, sentence

TEMPLATES = Path(__file__).resolve().parent / "templates"
COLLAPSE_AFTER = 12
ACRONYMS = {"dpia": "DPIA", "mof": "MOF", "osaid": "OSAID", "ok": "OK", "rmf": "RMF", "ai": "AI", "eu": "EU"}
# Tone of every status word a display shows (the packet's tone-of, templates/common.typ, plus notebook words).
TONES = {
    "good": ("met", "ok", "pass", "done", "measured", "good", "yes", "low", "not_required", "pulled", "updated",
             "valid"),
    "warn": ("partially_met", "expired", "pass_within_tolerance", "medium", "recommended", "in_treatment",
             "in_progress", "conditional", "obligation", "caution", "adequate", "warning", "changed"),
    "bad": ("not_met", "missing", "hash_mismatch", "fail", "unsupported", "blocker", "high", "required", "no",
            "unknown", "concern", "error", "open", "removed"),
}
_TONE_OF = {word: tone for tone, words in TONES.items() for word in words}
_OTHER_LABELS = {"pass_within_tolerance": "Pass (within tolerance)", "up_to_date": "Up to date"}


def label(value: Any) -> str:
    """A status or code in the packet's words: ``partially_met`` -> ``Partially met``.

    >>> label("not_applicable"), label("hash_mismatch"), label("open_weights")
    ('Not applicable', 'Altered', 'Open weights')
    """
    text = "" if value is None else str(value)
    known = EFFECTIVE_LABELS.get(text) or EVIDENCE_LABELS.get(text) or _OTHER_LABELS.get(text)
    return known or sentence(text.replace("_", " "))


def tone_of(value: Any) -> str:
    """``good``, ``warn``, ``bad`` or ``neutral`` for a status word (the packet's colours).

    >>> tone_of("met"), tone_of("expired"), tone_of("unsupported"), tone_of("not_assessed")
    ('good', 'warn', 'bad', 'neutral')
    """
    return _TONE_OF.get(str(value), "neutral")


def heading(value: Any) -> str:
    """A field name as a heading: first letter up, acronyms in capitals.

    >>> heading("eu_users"), heading("dpia"), heading("mof_class")
    ('EU users', 'DPIA', 'MOF class')
    """
    words = [ACRONYMS.get(w.lower(), w) for w in str(value).replace("_", " ").split(" ")]
    return sentence(" ".join(words))


def cell(value: Any) -> str:
    """A value in words, never a Python repr: lists joined, ``None`` as a dash, booleans as Yes/No.

    >>> cell(None), cell(["a", "b"]), cell(True), cell({"id": "R-1", "reason": "why"}), cell(0.5)
    ('—', 'a, b', 'Yes', 'R-1: why', '0.5')
    """
    if value is None or value == "" or value == [] or value == {}:
        return "—"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, Mapping):
        name = value.get("id") or value.get("name")
        said = value.get("reason") or value.get("title") or value.get("status")
        if name and said:
            return f"{name}: {said}"
        return "; ".join(f"{heading(k)}: {cell(v)}" for k, v in value.items())
    if isinstance(value, (list, tuple, set)):
        return ("; " if any(isinstance(v, Mapping) for v in value) else ", ").join(cell(v) for v in value)
    return str(value)


def short(text: Any, limit: int) -> str:
    """``text`` on one line, cut at ``limit`` characters with an ellipsis.

    >>> short("a  long\\nline", 6)
    'a lon…'
    """
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


@lru_cache(maxsize=1)
def environment():
    """The notebook's Jinja environment: its own templates, ``autoescape=True``, ``StrictUndefined``."""
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=True, undefined=StrictUndefined,
                      trim_blocks=True, lstrip_blocks=True)
    env.filters.update(label=label, tone=tone_of, dash=cell)
    return env


def render(template: str, **context: Any) -> str:
    """One partial of ``rmfkit/notebook/templates/`` rendered with ``context`` (markup without the stylesheet)."""
    return environment().get_template(template).render(**context)


def body_of(item: Any):
    """The markup of a display object for nesting inside another (safe for Jinja), text escaped otherwise."""
    from markupsafe import Markup, escape

    if hasattr(item, "body"):
        return Markup(item.body())
    if hasattr(item, "_repr_html_"):
        return Markup(item._repr_html_())
    return escape(str(item))


class Display(abc.ABC):
    """Base of every display object: ``body()`` is the markup, ``_repr_html_`` adds the stylesheet once."""

    @abc.abstractmethod
    def body(self) -> str:
        """The object's HTML, without the stylesheet."""

    def _repr_html_(self) -> str:
        from markupsafe import Markup

        return render("frame.html.j2", body=Markup(self.body()))


class Html(Display):
    """Rendered markup with a one-line text form (what ``repr`` prints outside Jupyter)."""

    def __init__(self, markup: str, text: str = ""):
        self.markup = markup
        self.text = text

    def body(self) -> str:
        return self.markup

    def __repr__(self) -> str:
        return self.text or "(rich output; open in Jupyter to see it)"


class Table(Display):
    """Plain-dict rows under column headings: status words coloured, shares as percentages, folded when long.

    ``frame`` is the same rows as a pandas DataFrame, for the team's own analysis.
    """

    def __init__(self, rows: Iterable[Mapping[str, Any]], columns: Mapping[str, str], *, title: str | None = None,
                 status_columns: Sequence[str] = (), percent_columns: Sequence[str] = (),
                 bar_columns: Sequence[str] = (), wrap_columns: Sequence[str] = (),
                 collapse_after: int = COLLAPSE_AFTER, summary: str | None = None,
                 empty: str = "nothing recorded yet", tones: Mapping[str, str] | None = None,
                 shade: Sequence[str | None] | None = None):
        self.rows = [dict(r) for r in rows]
        self.columns = dict(columns)
        self.title, self.summary, self.empty = title, summary, empty
        self.status_columns, self.percent_columns = tuple(status_columns), tuple(percent_columns)
        self.bar_columns, self.wrap_columns = tuple(bar_columns), tuple(wrap_columns)
        self.collapse_after = collapse_after
        self.tones = dict(tones or {})
        self.shade = list(shade) if shade is not None else [None] * len(self.rows)

    @property
    def frame(self):
        import pandas as pd

        return pd.DataFrame([{h: r.get(k) for k, h in self.columns.items()} for r in self.rows],
                            columns=list(self.columns.values()), dtype=object)

    def _cell(self, key: str, value: Any) -> dict[str, Any]:
        if key in self.status_columns and value in self.tones:  # the caller's own word, shown as written
            return {"text": str(value), "tone": self.tones[value], "kind": "status", "bar": None}
        if key in self.status_columns and value not in (None, ""):
            return {"text": label(value), "tone": tone_of(value), "kind": "status", "bar": None}
        if key in self.percent_columns and isinstance(value, (int, float)):
            bar = round(max(0.0, min(1.0, value)) * 100) if key in self.bar_columns else None
            return {"text": f"{value:.0%}", "tone": None, "kind": "number", "bar": bar}
        number = isinstance(value, (int, float)) and not isinstance(value, bool)
        kind = "wrap" if key in self.wrap_columns else "number" if number else "text"
        return {"text": cell(value), "tone": None, "kind": kind, "bar": None}

    def body(self) -> str:
        if not self.rows:
            return callout(f"{self.title or 'Table'}: {self.empty}").body()
        rows = [{"shade": shade, "cells": [self._cell(k, r.get(k)) for k in self.columns]}
                for r, shade in zip(self.rows, self.shade)]
        return render("table.html.j2", title=self.title, headings=list(self.columns.values()), rows=rows,
                      summary=self.summary, folded=len(self.rows) > self.collapse_after)

    def __repr__(self) -> str:
        return f"{self.title or 'Table'} ({plural(len(self.rows), 'row')})"


def table(rows: Iterable[Mapping[str, Any]], columns: Mapping[str, str], **options: Any) -> Table:
    """A :class:`Table` over plain-dict rows; ``columns`` maps row keys to headings, in order."""
    return Table(rows, columns, **options)


class Chart(Display):
    """An image inline: SVG or PNG bytes from :mod:`rmfkit.render.charts`, or a matplotlib Figure."""

    def __init__(self, image: Any, caption: str | None = None, width: str = "820px"):
        self.image, self.caption, self.width = image, caption, width

    def uri(self) -> str:
        if isinstance(self.image, (bytes, bytearray)):
            data = bytes(self.image)
            media = "image/png" if data.startswith(b"\x89PNG") else "image/svg+xml"
        else:
            buffer = io.BytesIO()
            self.image.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
            data, media = buffer.getvalue(), "image/png"
        return f"data:{media};base64,{base64.b64encode(data).decode('ascii')}"

    def body(self) -> str:
        return render("chart.html.j2", uri=self.uri(), caption=self.caption, width=self.width)

    def __repr__(self) -> str:
        return f"Chart({self.caption or 'figure'})"


def chart(image: Any, caption: str | None = None) -> Chart:
    """Chart bytes (SVG/PNG) or a Figure, shown inline."""
    return Chart(image, caption)


def callout(title: str, items: Iterable[Any] = (), *, tone: str = "info", empty: str | None = None) -> Html:
    """A boxed note with a bullet list; ``tone`` is ``info``, ``good``, ``warn`` or ``bad``.

    >>> callout("Still missing", ["owner"], tone="warn")
    Still missing
    - owner
    """
    items = [cell(i) for i in items if i not in (None, "")]
    text = title + "".join(f"\n- {i}" for i in items)
    return Html(render("callout.html.j2", title=title, items=items, tone=tone, empty=empty), text)


def code(text: str, title: str | None = None) -> Html:
    """A code block: the CLI or Python equivalent of what a cell just did."""
    return Html(render("code.html.j2", text=text, title=title), text)


def facts(title: str, pairs: Mapping[str, Any]) -> Html:
    """A card of label/value pairs (never a dict dump).

    >>> "<th>EU users</th><td>Yes</td>" in facts("System", {"eu_users": True}).body()
    True
    """
    shown = [(heading(k), cell(v)) for k, v in pairs.items()]
    return Html(render("facts.html.j2", title=title, pairs=shown), title)


def row(*items: Any) -> Html:
    """Several display objects side by side."""
    return Html(render("side_by_side.html.j2", parts=[body_of(i) for i in items]),
                " | ".join(repr(i) for i in items))


def stack(items: Sequence[Any], text: str) -> Html:
    """Several display objects one under the other, as one output."""
    return Html(render("stack.html.j2", parts=[body_of(i) for i in items]), text)


def grid(items: Sequence[Any], text: str) -> Html:
    """Several cards in a wrapping grid, as one output."""
    return Html(render("grid.html.j2", parts=[body_of(i) for i in items]), text)
