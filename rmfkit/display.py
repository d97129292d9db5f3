"""Rich display for the guided notebooks: styled tables, evidence cards, inline charts, callouts, forms.

Every helper returns an object with ``_repr_html_`` (the last expression of a cell shows it), built
from the public rmfkit API only; nothing here computes governance facts. Long tables fold into a
``<details>`` block with a one-line summary, so a facilitator scrolls through decisions, not rows.

>>> t = table([{"id": "GOVERN 1.1", "status": "met"}], {"id": "Subcategory", "status": "Status"},
...           title="Demo", status_columns=("status",))
>>> "Subcategory" in t._repr_html_() and "background-color: #d9f2dc" in t._repr_html_()
True
"""
from __future__ import annotations

import base64
import html
import io
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Iterable, Mapping, Sequence

if TYPE_CHECKING:
    from rmfkit.workspace import Workspace

# (background, text) per status word: subcategory statuses, evidence checks, openness, risk levels.
STATUS_COLOURS: dict[str, tuple[str, str]] = {
    "met": ("#d9f2dc", "#14532d"),
    "partially_met": ("#fff1c2", "#6b4e00"),
    "not_met": ("#fbd5d5", "#7f1d1d"),
    "unsupported": ("#fcd9bd", "#7c2d12"),
    "not_applicable": ("#e5e7eb", "#374151"),
    "not_assessed": ("#f3f4f6", "#6b7280"),
    "ok": ("#d9f2dc", "#14532d"),
    "pass": ("#d9f2dc", "#14532d"),
    "pass_within_tolerance": ("#fff1c2", "#6b4e00"),
    "expired": ("#ffe0b8", "#7c2d12"),
    "missing": ("#fbd5d5", "#7f1d1d"),
    "hash_mismatch": ("#fbd5d5", "#7f1d1d"),
    "fail": ("#fbd5d5", "#7f1d1d"),
    "not_measured": ("#f3f4f6", "#6b7280"),
    "measured": ("#d9f2dc", "#14532d"),
    "required": ("#fbd5d5", "#7f1d1d"),
    "recommended": ("#fff1c2", "#6b4e00"),
    "not_required": ("#d9f2dc", "#14532d"),
    "open_source": ("#d9f2dc", "#14532d"),
    "open_weights": ("#dbeafe", "#1e3a8a"),
    "open_access": ("#fff1c2", "#6b4e00"),
    "closed": ("#e5e7eb", "#374151"),
    "open": ("#fbd5d5", "#7f1d1d"),
    "in_treatment": ("#fff1c2", "#6b4e00"),
    "high": ("#fbd5d5", "#7f1d1d"),
    "medium": ("#fff1c2", "#6b4e00"),
    "low": ("#d9f2dc", "#14532d"),
    "blocker": ("#fbd5d5", "#7f1d1d"),
    "obligation": ("#fff1c2", "#6b4e00"),
    "caution": ("#ffe0b8", "#7c2d12"),
    "good": ("#d9f2dc", "#14532d"),
    "adequate": ("#dbeafe", "#1e3a8a"),
    "concern": ("#fbd5d5", "#7f1d1d"),
    "conditional": ("#fff1c2", "#6b4e00"),
    "unknown": ("#fbd5d5", "#7f1d1d"),
    "proprietary": ("#e5e7eb", "#374151"),
    "yes": ("#d9f2dc", "#14532d"),
    "no": ("#fbd5d5", "#7f1d1d"),
    "error": ("#fbd5d5", "#7f1d1d"),
    "warning": ("#fff1c2", "#6b4e00"),
    "info": ("#dbeafe", "#1e3a8a"),
}
STATUS_LABELS = {"partially_met": "partially met", "not_met": "not met", "not_applicable": "n/a",
                 "not_assessed": "not assessed", "hash_mismatch": "hash mismatch", "open_source": "open source",
                 "open_weights": "open weights", "open_access": "open access", "in_treatment": "in treatment",
                 "not_measured": "not measured", "pass_within_tolerance": "pass (within tolerance)"}
COVERAGE_COLUMNS = {"met": "Met", "partially_met": "Partially met", "unsupported": "Unsupported", "not_met": "Not met",
                    "not_applicable": "N/A", "not_assessed": "Not assessed"}
COLLAPSE_AFTER = 12
_CSS = """<style>
.rmfkit-card{border:1px solid #d1d5db;border-radius:6px;padding:8px 12px;margin:4px 0;background:#fff;
  font-family:system-ui,-apple-system,'Segoe UI',sans-serif;font-size:13px;line-height:1.45;color:#111827}
.rmfkit-card h4{margin:0 0 4px 0;font-size:14px}
.rmfkit-card table{margin:0}
.rmfkit-card table td{text-align:left !important;vertical-align:top;padding:1px 12px 1px 0;border:none}
.rmfkit-facts{max-width:900px}
.rmfkit-facts td{overflow-wrap:anywhere}
.rmfkit-facts td.rmfkit-muted{white-space:nowrap;overflow-wrap:normal}
.rmfkit-muted{color:#6b7280;font-size:12px}
.rmfkit-badge{display:inline-block;border-radius:10px;padding:0 8px;font-size:12px;font-weight:600}
.rmfkit-grid{display:flex;flex-wrap:wrap;gap:8px}
.rmfkit-grid .rmfkit-card{flex:1 1 280px;max-width:420px}
.rmfkit-table{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;font-size:13px}
.rmfkit-table table{border-collapse:collapse;margin:4px 0}
.rmfkit-table th{background:#f3f4f6;text-align:left;padding:4px 8px;border-bottom:1px solid #d1d5db}
.rmfkit-table td{padding:3px 8px;border-bottom:1px solid #eef0f2;vertical-align:top;text-align:left}
.rmfkit-table caption{caption-side:top;text-align:left;font-weight:600;font-size:14px;padding:2px 0 6px 0;color:#111827}
.rmfkit-table summary{cursor:pointer;font-weight:600;padding:2px 0}
.rmfkit-callout{border-left:4px solid #1f4e79;background:#f5f8fc;padding:8px 12px;margin:6px 0;
  font-family:system-ui,-apple-system,'Segoe UI',sans-serif;font-size:13px}
.rmfkit-callout.warn{border-left-color:#b45309;background:#fffaf0}
.rmfkit-callout.good{border-left-color:#15803d;background:#f3fbf5}
.rmfkit-callout ul{margin:4px 0 0 0;padding-left:20px}
.rmfkit-code{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12px;background:#f6f8fa;
  border:1px solid #e5e7eb;border-radius:4px;padding:6px 8px;white-space:pre-wrap;margin:4px 0}
</style>"""


def _esc(value: Any) -> str:
    return html.escape("" if value is None else str(value))


def label(value: Any) -> str:
    """Human words for a status or code: ``partially_met`` -> ``partially met``."""
    text = "" if value is None else str(value)
    return STATUS_LABELS.get(text, text.replace("_", " "))


ACRONYMS = {"dpia": "DPIA", "mof": "MOF", "osaid": "OSAID", "ok": "OK", "rmf": "RMF", "ai": "AI"}
_STATUS_WORD = re.compile(r"\b(partially_met|not_met|not_assessed|not_applicable|in_progress|hash_mismatch)\b")


def heading(value: Any) -> str:
    """A label as a heading: first letter up, the rest as written, acronyms in capitals.

    >>> heading("EU users"), heading("dpia"), heading("mof_class")
    ('EU users', 'DPIA', 'MOF class')
    """
    words = [ACRONYMS.get(w, w) for w in label(value).split(" ")]
    text = " ".join(words)
    return text[:1].upper() + text[1:]


def words(text: Any) -> Any:
    """Status codes inside a sentence in words: ``MEASURE 1.1 is partially_met`` -> ``… is partially met``."""
    return _STATUS_WORD.sub(lambda m: label(m.group(1)), text) if isinstance(text, str) else text


def _item(value: Any) -> str:
    """One entry of a list in words: a record-like dict as ``id: reason`` (never a Python repr)."""
    if not isinstance(value, Mapping):
        return str(value)
    name = value.get("id") or value.get("name")
    said = value.get("reason") or value.get("title") or value.get("status")
    if name and said:
        return f"{name}: {words(said)}"
    return "; ".join(f"{label(k)}: {_cell(v)}" for k, v in value.items())


def badge(status: str) -> str:
    """An inline coloured pill for a status word (HTML)."""
    bg, fg = STATUS_COLOURS.get(status, ("#e5e7eb", "#374151"))
    return f'<span class="rmfkit-badge" style="background:{bg};color:{fg}">{_esc(label(status))}</span>'


def _cell(value: Any) -> Any:
    """Tables show words, not Python reprs: lists become comma lists, None an em dash."""
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, (list, tuple, set)):
        return ("; " if any(isinstance(v, Mapping) for v in value) else ", ").join(_item(v) for v in value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dict):
        return "; ".join(f"{label(k)}: {_cell(v)}" for k, v in value.items())
    return value


class Html:
    """A fragment of HTML that Jupyter renders (``_repr_html_``) and that prints as plain text."""

    def __init__(self, markup: str, text: str = ""):
        self.markup = markup
        self.text = text

    def _repr_html_(self) -> str:
        return _CSS + self.markup

    def __repr__(self) -> str:
        return self.text or "(rich output; open in Jupyter to see it)"


@dataclass
class Table:
    """A styled table: coloured status columns, optional bars, folded when long.

    ``frame`` is the pandas DataFrame (for the team's own analysis); the HTML is the Styler's.
    """

    rows: list[dict]
    columns: dict[str, str]
    title: str | None = None
    status_columns: tuple[str, ...] = ()
    bar_columns: tuple[str, ...] = ()
    percent_columns: tuple[str, ...] = ()
    collapse_after: int = COLLAPSE_AFTER
    summary: str | None = None
    wrap_columns: tuple[str, ...] = field(default=())
    empty: str = "nothing recorded yet"
    colours: dict[str, tuple[str, str]] = field(default_factory=dict)

    @property
    def frame(self):
        import pandas as pd

        data = [{label_: row.get(key) for key, label_ in self.columns.items()} for row in self.rows]
        frame = pd.DataFrame(data, columns=list(self.columns.values()), dtype=object)
        for key in (*self.bar_columns, *self.percent_columns):
            if key in self.columns:
                frame[self.columns[key]] = pd.to_numeric(frame[self.columns[key]])
        return frame

    def styler(self):
        shown = self.frame.copy()
        status_labels = [self.columns[k] for k in self.status_columns if k in self.columns]
        numeric = {self.columns[k] for k in (*self.percent_columns, *self.bar_columns) if k in self.columns}
        for label_ in self.columns.values():
            if label_ not in numeric:
                shown[label_] = shown[label_].map(_cell).astype(object)
        for label_ in status_labels:
            shown[label_] = shown[label_].map(lambda v: v if v == "—" else label(v))
        colours = {label(status): f"background-color: {bg}; color: {fg}; font-weight: 600"
                   for status, (bg, fg) in {**STATUS_COLOURS, **self.colours}.items()}
        styler = shown.style.hide(axis="index").set_table_styles(
            [{"selector": "th", "props": "text-align: left; vertical-align: bottom"}])
        for label_ in shown.columns:
            numeric_column = label_ in numeric or all(isinstance(v, (int, float)) and not isinstance(v, bool)
                                                      for v in self.frame[label_] if v is not None)
            styler = styler.set_properties(subset=[label_], **{"text-align": "right" if numeric_column else "left"})
        if status_labels:
            styler = styler.map(lambda v: colours.get(v) or colours.get(str(v).rsplit(" · ", 1)[-1], ""),
                                subset=status_labels)
        bars = [self.columns[k] for k in self.bar_columns if k in self.columns]
        if bars:
            styler = styler.bar(subset=bars, color="#9ec5e8", vmin=0)
        percents = [self.columns[k] for k in self.percent_columns if k in self.columns]
        if percents:
            styler = styler.format("{:.0%}", subset=percents, na_rep="—")
        wraps = [self.columns[k] for k in self.wrap_columns if k in self.columns]
        if wraps:
            styler = styler.set_properties(subset=wraps, **{"max-width": "460px", "white-space": "pre-line"})
        if self.title:
            styler = styler.set_caption(html.escape(self.title))
        return styler

    def _repr_html_(self) -> str:
        if not self.rows:
            return _CSS + f'<div class="rmfkit-callout"><b>{_esc(self.title or "Table")}</b>: {_esc(self.empty)}.</div>'
        body = self.styler().to_html()
        if len(self.rows) > self.collapse_after:
            line = self.summary or f"{self.title or 'Table'}: {len(self.rows)} rows"
            body = f"<details><summary>{_esc(line)} (click to expand)</summary>{body}</details>"
        elif self.summary:
            body += f'<div class="rmfkit-muted">{_esc(self.summary)}</div>'
        return _CSS + f'<div class="rmfkit-table">{body}</div>'

    def __repr__(self) -> str:
        return f"{self.title or 'Table'} ({len(self.rows)} rows)"


def table(rows: Iterable[Mapping[str, Any]], columns: Mapping[str, str], *, title: str | None = None,
          status_columns: Sequence[str] = (), bar_columns: Sequence[str] = (), percent_columns: Sequence[str] = (),
          wrap_columns: Sequence[str] = (), collapse_after: int = COLLAPSE_AFTER, summary: str | None = None,
          empty: str = "nothing recorded yet", colours: Mapping[str, tuple[str, str]] | None = None) -> Table:
    """A :class:`Table` over plain-dict rows; ``columns`` maps row keys to column headings in order.

    ``colours`` adds (background, text) colours for words shown in the status columns.
    """
    return Table([dict(r) for r in rows], dict(columns), title, tuple(status_columns), tuple(bar_columns),
                 tuple(percent_columns), collapse_after, summary, tuple(wrap_columns), empty, dict(colours or {}))


class Chart:
    """A chart shown inline: SVG or PNG bytes from :mod:`rmfkit.report.charts`, or a matplotlib Figure."""

    def __init__(self, image, caption: str | None = None, width: str = "820px"):
        self.image = image
        self.caption = caption
        self.width = width

    def _payload(self) -> tuple[str, bytes]:
        if isinstance(self.image, (bytes, bytearray)):
            data = bytes(self.image)
            return ("image/png" if data.startswith(b"\x89PNG") else "image/svg+xml"), data
        buffer = io.BytesIO()
        self.image.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
        return "image/png", buffer.getvalue()

    def _repr_html_(self) -> str:
        media, data = self._payload()
        encoded = base64.b64encode(data).decode("ascii")
        caption = f'<div class="rmfkit-muted">{_esc(self.caption)}</div>' if self.caption else ""
        return _CSS + (f'<div><img alt="{_esc(self.caption or "chart")}" style="width:100%;max-width:{self.width}" '
                       f'src="data:{media};base64,{encoded}"/>{caption}</div>')

    def __repr__(self) -> str:
        return f"Chart({self.caption or 'figure'})"


def chart(image, caption: str | None = None) -> Chart:
    """Show chart bytes (SVG/PNG) or a Figure inline."""
    return Chart(image, caption)


def callout(title: str, items: Iterable[Any] = (), *, tone: str = "info", empty: str | None = None) -> Html:
    """A boxed note ("still missing", "decided") with a bullet list; ``tone``: info, warn or good."""
    items = [i for i in items if i not in (None, "")]
    css = {"info": "", "warn": " warn", "good": " good"}[tone]
    if items:
        body = "<ul>" + "".join(f"<li>{_esc(i)}</li>" for i in items) + "</ul>"
    else:
        body = f"<div>{_esc(empty)}</div>" if empty else ""
    text = title + "".join(f"\n- {i}" for i in items)
    return Html(f'<div class="rmfkit-callout{css}"><b>{_esc(title)}</b>{body}</div>', text)


def code(text: str, title: str | None = None) -> Html:
    """A code block (the CLI or Python equivalent of what the notebook just did)."""
    head = f'<div class="rmfkit-muted">{_esc(title)}</div>' if title else ""
    return Html(f'{head}<div class="rmfkit-code">{_esc(text)}</div>', text)


def facts(title: str, pairs: Mapping[str, Any]) -> Html:
    """A compact card of label/value pairs (never a dict dump)."""
    rows = "".join(f"<tr><td class='rmfkit-muted'>{_esc(heading(k))}</td>"
                   f"<td>{_esc(_cell(v))}</td></tr>" for k, v in pairs.items())
    return Html(f'<div class="rmfkit-card rmfkit-facts"><h4>{_esc(title)}</h4><table>{rows}</table></div>', title)


def row(*items: Any) -> Html:
    """Several rich objects side by side."""
    parts = "".join(f'<div style="flex:1 1 320px;min-width:0">{_inner_html(i)}</div>' for i in items)
    return Html(f'<div style="display:flex;flex-wrap:wrap;gap:16px;align-items:flex-start">{parts}</div>')


def _inner_html(item: Any) -> str:
    markup = item._repr_html_() if hasattr(item, "_repr_html_") else _esc(item)
    return markup.replace(_CSS, "")


# ---------------------------------------------------------------- workspace views

def system_card(ws: "Workspace") -> Html:
    """Who owns the system, what it is for, how it is deployed."""
    s = ws.system
    use = s.intended_use
    pairs = {"id": s.id, "owner": s.owner, "purpose": s.purpose, "deployment": label(s.deployment_pattern),
             "generative AI": s.generative, "users": s.users, "affected groups": s.affected_groups,
             "EU users": use.eu_users, "serves third parties": use.serves_third_parties,
             "components": len(s.components), "data flows": len(s.data_flows), "go-live": s.go_live}
    return facts(f"{s.name}" + (f" v{s.version}" if s.version else ""), pairs)


def _assessment(ws: "Workspace", assessment=None):
    from rmfkit.assess import assess

    return assessment if assessment is not None else assess(ws)


def coverage_table(ws: "Workspace", assessment=None) -> Table:
    """One row per RMF function: subcategories per effective status (claims checked against evidence)."""
    result = _assessment(ws, assessment)
    totals = result.totals
    columns = {"function": "Function", **COVERAGE_COLUMNS, "total": "Total", "assessed_share": "Assessed",
               "met_share": "Met (of applicable)"}
    return table(result.coverage, columns, title="RMF coverage by function", bar_columns=("assessed_share",),
                 percent_columns=("assessed_share", "met_share"),
                 summary=f"{totals['assessed']} of {totals['total']} subcategories assessed; "
                         f"{totals['unsupported']} claim{'' if totals['unsupported'] == 1 else 's'} not backed by "
                         "usable evidence, "
                         f"{totals['met_without_evidence']} marked met without evidence")


def mapping_table(ws: "Workspace", function: str | None = None, *, status: str | None = None,
                  assessment=None) -> Table:
    """Subcategories with statement, recorded and effective status, owner, evidence, target and reason."""
    from rmfkit.catalog import load_catalog, normalize_id

    catalog = load_catalog()
    wanted = catalog.function(normalize_id(function)).id if function else None
    rows = []
    for r in _assessment(ws, assessment).rows:
        if (wanted and r["function"] != wanted) or (status and r["effective_status"] != status):
            continue
        target = " by ".join(str(x) for x in (label(r["target_status"]) if r["target_status"] else None,
                                              r["target_date"]) if x)
        rows.append({"id": r["id"], "statement": _short(catalog.subcategory(r["id"]).statement, 110),
                     "status": r["effective_status"], "owner": r["owner"], "evidence": r["evidence"],
                     "target": target or None, "reason": r["reason"]})
    counts: dict[str, int] = {}
    for r in rows:
        counts[r["status"]] = counts.get(r["status"], 0) + 1
    summary = f"{len(rows)} subcategories — " + ", ".join(f"{n} {label(s)}" for s, n in counts.items())
    return table(rows, {"id": "Subcategory", "statement": "Statement", "status": "Status", "owner": "Owner",
                        "evidence": "Evidence", "target": "Target", "reason": "Why this status"},
                 title=f"{wanted or 'All'} subcategories", status_columns=("status",),
                 wrap_columns=("statement", "reason"), summary=summary, collapse_after=25 if wanted else COLLAPSE_AFTER)


def gaps_table(ws: "Workspace", assessment=None) -> Table:
    """Subcategories below their target status, soonest target first; overdue ones flagged."""
    gaps = sorted(_assessment(ws, assessment).gaps, key=lambda g: (g["target_date"] is None, g["target_date"] or 0))
    rows = [{**g, "when": ("overdue since " if g["overdue"] else "due ") + str(g["target_date"])
             if g["target_date"] else "no date set"} for g in gaps]
    overdue = sum(1 for g in gaps if g["overdue"])
    return table(rows, {"id": "Subcategory", "current": "Now", "target": "Target", "when": "When", "owner": "Owner"},
                 title="Gaps to the target profile", status_columns=("current", "target"),
                 summary=f"{len(rows)} gaps, {overdue} overdue")


def suggestions_table(ws: "Workspace", assessment=None) -> Table:
    """Evidence that speaks to a subcategory the mapping does not link yet, with the command to accept."""
    rows = _assessment(ws, assessment).suggestions
    return table(rows, {"subcategory": "Subcategory", "evidence": "Evidence", "title": "Title",
                        "reason": "Why suggested", "current_status": "Status now", "command": "Accept with"},
                 title="Suggested evidence links", status_columns=("current_status",), wrap_columns=("title",),
                 summary=f"{len(rows)} suggestions", empty="none; every usable evidence item is already linked")


def record_suggestions_table(ws: "Workspace", assessment=None) -> Table:
    """Subcategories that recorded work (the DPIA, the risk register, done checklist items) speaks to, not yet met.

    These are prompts for the room, not evidence links: decide the status and record it below.
    """
    rows = [{**r, "reason": words(r["reason"])} for r in _assessment(ws, assessment).record_suggestions]
    return table(rows, {"subcategory": "Subcategory", "source": "Suggested by", "reason": "What was recorded",
                        "current_status": "Status now"},
                 title="Subcategories your other records speak to", status_columns=("current_status",),
                 wrap_columns=("reason",),
                 summary=f"{len(rows)} subcategories to revisit in light of the DPIA, risks and operations checklist",
                 empty="none; the DPIA, risk register and operations checklist suggest nothing beyond what is met")


def _short(text: str, limit: int) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def components_table(ws: "Workspace") -> Table:
    """The system's components, by stack layer, with license and supplier."""
    from rmfkit.models.system import LAYERS

    comps = sorted(ws.system.components, key=lambda c: LAYERS.index(c.layer))
    rows = [{"id": c.id, "name": c.name, "layer": c.layer, "version": c.version,
             "license": c.license_name or c.license, "supplier": c.supplier} for c in comps]
    return table(rows, {"layer": "Layer", "id": "Component", "name": "Name", "version": "Version",
                        "license": "License", "supplier": "Supplier"}, title="Components by layer")


def data_flows_table(ws: "Workspace") -> Table:
    """Where data goes: personal data carried, processor, region, transfer mechanism."""
    rows = [{"id": f.id, "data": f.data, "personal": f.personal_data, "destination": f.destination,
             "processor": f.processor, "region": f.region, "transfer": f.transfer_mechanism,
             "share": f.share_of_requests} for f in ws.system.data_flows]
    return table(rows, {"id": "Flow", "data": "Data", "personal": "Personal data", "destination": "To",
                        "processor": "Processor", "region": "Region", "transfer": "Transfer mechanism"},
                 title="Data flows", wrap_columns=("data", "personal"))


def evidence_table(ws: "Workspace") -> Table:
    """Every evidence item with its check (ok, expired, missing, hash mismatch) and expiry."""
    from rmfkit.library.freshness import check_all

    checks = check_all(ws)
    rows = []
    for eid, rec in sorted(ws.evidence.items()):
        check = checks[eid]
        rows.append({"id": eid, "title": rec.title, "kind": rec.kind, "status": check.status,
                     "expires": check.expires_on, "subcategories": rec.subcategories, "library": rec.library_id})
    bad = sum(1 for r in rows if r["status"] != "ok")
    return table(rows, {"id": "Evidence", "title": "Title", "kind": "Kind", "status": "Check", "expires": "Expires",
                        "subcategories": "Supports", "library": "Library id"},
                 title="Evidence in this workspace", status_columns=("status",), wrap_columns=("title",),
                 summary=f"{len(rows)} items, {bad} need attention")


def evidence_cards(ws: "Workspace", ids: Iterable[str] | None = None, *, needing_attention: bool = False) -> Html:
    """Compact cards: title, kind, check status, expiry, what it supports, a hash prefix.

    ``needing_attention=True`` shows only items whose check is not ``ok``.
    """
    from rmfkit.library.freshness import check_all

    checks = check_all(ws)
    wanted = list(ids) if ids is not None else sorted(ws.evidence)
    if needing_attention:
        wanted = [eid for eid in wanted if checks[eid].status != "ok"]
        if not wanted:
            return callout("Every evidence item is current and intact", tone="good")
    cards = []
    for eid in wanted:
        rec = ws.evidence[eid]
        check = checks[eid]
        supports = ", ".join(rec.subcategories) or "no subcategory linked yet"
        example = ' · <span class="rmfkit-muted">example data</span>' if rec.example_data else ""
        cards.append(
            f'<div class="rmfkit-card"><h4>{_esc(rec.title)}</h4>'
            f'<div>{badge(check.status)} <span class="rmfkit-muted">{_esc(eid)} · {_esc(rec.kind)}{example}</span></div>'
            f'<div class="rmfkit-muted">{_esc(check.reason)}</div>'
            f'<div>Supports: {_esc(supports)}</div>'
            f'<div class="rmfkit-muted">SHA-256 {_esc(rec.sha256[:16])}…'
            + (f" · from library {_esc(rec.library_id)}" if rec.library_id else "") + "</div></div>")
    if not cards:
        return callout("No evidence yet", ["pull items from the library or import your own files"], tone="warn")
    return Html('<div class="rmfkit-grid">' + "".join(cards) + "</div>", f"{len(cards)} evidence cards")


def library_table(ws: "Workspace") -> Table:
    """The evidence library the workspace pulls from, with whether each item is already pulled."""
    from rmfkit.library.store import Library

    listing = Library.for_workspace(ws).listing()
    pulled = {rec.library_id: eid for eid, rec in ws.evidence.items() if rec.library_id}
    rows = [{"id": lid, "title": rec.title, "kind": rec.kind, "valid_until": rec.valid_until,
             "components": rec.components, "pulled": pulled.get(lid)} for lid, rec in sorted(listing.records.items())]
    return table(rows, {"id": "Library id", "title": "Title", "kind": "Kind", "valid_until": "Valid until",
                        "components": "Components", "pulled": "In workspace as"},
                 title="Evidence library", wrap_columns=("title",),
                 summary=f"{len(rows)} library items, {len(pulled)} pulled into this workspace")


def pull_table(outcomes: Sequence[Any]) -> Table:
    """What a pull did (:func:`rmfkit.library.store.pull`): pulled, updated or up to date, and what changed."""
    rows = [{"id": o.id, "status": o.status, "changes": "\n".join(o.changes) or None} for o in outcomes]
    return table(rows, {"id": "Evidence", "status": "Result", "changes": "What changed"}, title="Pulled from the library",
                 wrap_columns=("changes",), empty="nothing pulled in this run")


def import_table(outcomes: Sequence[Any]) -> Table:
    """What an import did (:func:`rmfkit.library.store.import_files`): new id or duplicate, per file."""
    rows = [{"origin": o.origin, "status": o.status, "id": o.id,
             "kind": o.record.kind if o.record else None} for o in outcomes]
    return table(rows, {"origin": "File", "kind": "Detected kind", "status": "Result", "id": "Evidence id"},
                 title="Imported in this session", empty="no files imported in this run")


def drift_table(drifts: Sequence[Any]) -> Html | Table:
    """Pulled items whose library copy changed since the pull (:func:`rmfkit.library.store.check_drift`)."""
    if not drifts:
        return callout("No drift: every pulled item matches the library", tone="good")
    rows = [{"id": d.id, "status": d.status, "changes": "\n".join(d.changes)} for d in drifts]
    return table(rows, {"id": "Evidence", "status": "Library copy", "changes": "What changed upstream"},
                 title="Drift since the last pull", wrap_columns=("changes",),
                 summary=f"{len(rows)} items changed upstream: re-read them, then pull again to update")


def risk_table(ws: "Workspace") -> Table:
    """The risk register (:func:`rmfkit.risks.register_rows`): scores before and after treatment, level, owner."""
    from rmfkit.risks import register_rows

    rows = [{**r, "inherent": f"{r['inherent_score']} · {r['inherent_level']}",
             "residual": f"{r['residual_score']} · {r['residual_level']}" if r["residual_score"] else None}
            for r in register_rows(ws)]
    open_high = sum(1 for r in rows if r["status"] != "closed" and r["current_level"] == "high")
    return table(rows, {"id": "Risk", "title": "Title", "category_title": "Category", "inherent": "Inherent",
                        "residual": "Residual", "treatment": "Treatment", "owner": "Owner", "status": "Status",
                        "due": "Due"},
                 title="Risk register", status_columns=("inherent", "residual", "status"),
                 wrap_columns=("title",), collapse_after=20,
                 summary=f"{len(rows)} risks, {open_high} open at a high level")


def starter_risks_table(ws: "Workspace") -> Table:
    """The starter catalogue with whether each risk is already in the register."""
    from rmfkit.risks import STARTER_RISKS

    adopted = {r.starter: r.id for r in ws.risks.values() if r.starter}
    rows = [{"key": s.key, "title": s.title, "subcategories": list(s.subcategories), "score": s.likelihood * s.impact,
             "adopted": adopted.get(s.key)} for s in STARTER_RISKS]
    return table(rows, {"key": "Key", "title": "Starter risk", "subcategories": "RMF", "score": "Default score",
                        "adopted": "In register as"}, title="Starter risks for open-source and generative AI",
                 wrap_columns=("title",), summary=f"{len(adopted)} of {len(rows)} adopted")


def heatmap(ws: "Workspace", *, residual: bool = False) -> Chart:
    """5x5 heat map of open risks (likelihood x impact), before or after treatment."""
    from rmfkit.report.risk_charts import heatmap_svg
    from rmfkit.risks import heatmap_counts

    title = "Open risks after treatment (residual)" if residual else "Open risks before treatment (inherent)"
    return Chart(heatmap_svg(heatmap_counts(ws.risks.values(), residual=residual), title=title), width="420px")


def measurement_table(rows: Sequence[Mapping[str, Any]]) -> Table:
    """Results against thresholds (:func:`rmfkit.measure.evaluate` rows): value, 95% CI, outcome, why."""
    from rmfkit.measure import format_number

    shown = []
    for r in rows:
        sign = "≥" if r["direction"] == "higher_is_better" else "≤"
        ci = f"{format_number(r['ci_low'])} – {format_number(r['ci_high'])}" if r.get("ci_low") is not None else None
        shown.append({**r, "target": f"{sign} {format_number(r['threshold'])}" + (f" {r['unit']}" if r.get("unit") else ""),
                      "value_text": format_number(r["value"]) if r.get("value") is not None else None, "ci": ci})
    failing = sum(1 for r in rows if r["outcome"] == "fail")
    within = sum(1 for r in rows if r["outcome"] == "pass_within_tolerance")
    missing = sum(1 for r in rows if r["outcome"] == "not_measured")
    return table(shown, {"title": "Threshold", "metric": "Metric", "value_text": "Value", "ci": "95% CI",
                         "target": "Target", "outcome": "Outcome", "evidence": "Evidence", "reason": "Why"},
                 title="Measurements against acceptance thresholds", status_columns=("outcome",),
                 wrap_columns=("title", "reason"), summary=f"{len(rows)} thresholds, {failing} failing, {within} passing only within tolerance, "
                         f"{missing} not measured",
                 empty="no acceptance thresholds declared yet (thresholds.yaml)")


def measurement_chart(rows: Sequence[Mapping[str, Any]]) -> Html | Chart:
    """The metrics chart of :mod:`rmfkit.report.charts`, or a one-line note when nothing is declared."""
    from rmfkit.report.charts import metrics_chart

    if not rows:
        return callout("No chart yet: no acceptance thresholds declared", tone="info")
    return Chart(metrics_chart(list(rows), fmt="svg"), "Measurements against acceptance thresholds")


def characteristics_table(rows: Sequence[Mapping[str, Any]]) -> Table:
    """Trustworthiness characteristics measured or not (:func:`rmfkit.measure.characteristics`)."""
    not_measured = sum(1 for r in rows if r["status"] == "not_measured")
    return table(rows, {"label": "Characteristic", "subcategory": "Subcategory", "status": "Status",
                        "thresholds": "Thresholds", "failing": "Failing"},
                 title="Trustworthy-AI characteristics", status_columns=("status",),
                 summary=f"{not_measured} of {len(rows)} not measured: say why in MEASURE 1.1")


def screening_table(view: Mapping[str, Any]) -> Table:
    """The DPIA screening (:func:`rmfkit.dpia.view`): Art. 35(3) triggers and the nine criteria."""
    screening = view["screening"]
    rows = [{**r, "id": f"Art. 35(3)({r['id']})"} for r in screening["triggers"]] + list(screening["criteria"])
    return table(rows, {"id": "Item", "title": "Question", "answer": "Answer", "source": "Source",
                        "rationale": "Why"},
                 title="DPIA screening", wrap_columns=("title", "rationale"), collapse_after=20,
                 summary=f"{screening['criteria_met_count']} of 9 criteria met; rule says "
                         f"{label(screening['rule_decision'])}")


def dpia_decision(view: Mapping[str, Any]) -> Html:
    """The screening outcome in one box: decision, who decided, and the rule's reasons."""
    screening = view["screening"]
    decision = screening["decision"]
    who = screening.get("decided_by")
    title = f"DPIA {label(decision)}" + (f" (decided by {who})" if who else " (rule outcome; not yet decided)")
    tone = {"required": "warn", "recommended": "warn"}.get(decision, "good")
    return callout(title, [*screening["reasons"], *screening.get("findings", [])], tone=tone)


def personal_data_table(view: Mapping[str, Any]) -> Table:
    """Art. 35(7)(a) description, prefilled from system.yaml: personal data, recipients, retention."""
    rows = view["prefill"]["data_categories"]
    return table(rows, {"name": "Personal data", "special_category": "Special category", "source": "Source",
                        "recipients": "Recipients", "retention": "Retention", "data_flows": "Flows"},
                 title="Personal data processed (from system.yaml)", wrap_columns=("recipients", "retention"))


def transfers_table(view: Mapping[str, Any]) -> Table:
    """International transfers and the mechanism recorded for each."""
    rows = view["prefill"]["international_transfers"]
    return table(rows, {"importer": "Importer", "country": "Country", "data_flow": "Flow", "mechanism": "Mechanism",
                        "mechanism_recorded": "Recorded"},
                 title="Transfers outside the EEA", wrap_columns=("mechanism",), empty="none")


def dpia_questions(view: Mapping[str, Any]) -> Html | Table:
    """What the DPO will still ask (:func:`rmfkit.dpia.view` completeness items)."""
    items = view["completeness"]
    if not items:
        return callout("Nothing left for the DPO to ask", tone="good")
    return table(items, {"section": "Section", "field": "Where", "question": "Question"},
                 title="What the DPO will still ask", wrap_columns=("question",),
                 summary=f"{len(items)} open questions")


def decisions_table(rows: Sequence[Mapping[str, Any]]) -> Html | Table:
    """What a session recorded (from :func:`rmfkit.session.record_assessments`): status before and after."""
    if not rows:
        return callout("No decisions recorded in this run",
                       ["use the form above, or add entries to the decisions list and run the cell again"], tone="info")
    return table(rows, {"id": "Subcategory", "before": "Before", "after": "After", "owner": "Owner",
                        "evidence": "Evidence", "notes": "Notes"},
                 title="Decisions recorded in this session", status_columns=("before", "after"),
                 wrap_columns=("notes",))


def problems_table(problems: Sequence[Any]) -> Html | Table:
    """Validation problems (file, line, field, message), or a green note when there are none."""
    if not problems:
        return callout("The workspace is valid", ["every file matches its schema and every reference resolves"],
                       tone="good")
    rows = [{"file": p.file, "line": p.line, "field": p.field, "message": p.message} for p in problems]
    return table(rows, {"file": "File", "line": "Line", "field": "Field", "message": "Problem"},
                 title=f"{len(rows)} problem(s) to fix", wrap_columns=("message",))


def status_overview(ws: "Workspace") -> Html:
    """Status at a glance: every section of :func:`rmfkit.status.status_summary`, as cards and tables."""
    from rmfkit.status import SECTIONS

    assessment = _assessment(ws)
    parts: list[Any] = []
    missing: list[str] = []
    for name, section_of in SECTIONS.items():
        section = None if name in ("system", "coverage") else section_of(ws)
        title = heading(name)
        if name == "system":
            parts.append(system_card(ws))
        elif name == "coverage":
            parts.append(coverage_table(ws, assessment))
        elif section is None:
            missing.append(title)
        elif isinstance(section, Mapping):
            parts.append(facts(title, section))
        elif isinstance(section, list) and all(isinstance(x, Mapping) for x in section):
            keys = list(section[0]) if section else []
            parts.append(table(section, {k: heading(k) for k in keys}, title=title))
        else:
            parts.append(facts(title, {"value": section}))
    if missing:
        parts.append(callout("Not yet recorded: " + ", ".join(missing), tone="warn"))
    return Html("".join(_inner_html(p) for p in parts), "status overview")


def pilot_step(ws: "Workspace") -> Html:
    """Where the ten-step pilot of operating the model stands (the ``operations`` status section)."""
    from rmfkit.status import operations_section

    section = operations_section(ws)
    if section is None:
        return callout("Pilot plan not yet recorded",
                       ["operations.yaml holds the MLOps readiness checklist and the ten-step pilot plan "
                        "(`rmfkit ops show`)"], tone="warn")
    items = [f"checklist: {section['items_done']} done, {section['items_open']} open, "
             f"{section['items_unsupported']} unsupported, {section['items_overdue']} overdue"]
    return callout(f"Pilot: {section['pilot']}", items, tone="warn" if section["items_overdue"] else "info")


def function_intro(function_id: str) -> Html:
    """The RMF's own words for one function, with its categories (what the team is about to walk)."""
    from rmfkit.catalog import load_catalog, normalize_id

    fn = load_catalog().function(normalize_id(function_id))
    cats = "".join(f"<li><b>{_esc(c.id)}</b> {_esc(_short(c.statement, 140))} "
                   f"<span class='rmfkit-muted'>({len(c.subcategories)} subcategories)</span></li>"
                   for c in fn.categories)
    return Html(f'<div class="rmfkit-callout"><b>{_esc(fn.id)}</b>: {_esc(fn.statement)}<ul>{cats}</ul></div>',
                f"{fn.id}: {fn.statement}")


def guidance(sub_id: str, *, generative: bool = True, actions: int = 4) -> Html:
    """What the Playbook (and, for generative systems, NIST AI 600-1) suggests for one subcategory."""
    from rmfkit.assess import guidance as guidance_for

    g = guidance_for(sub_id, generative=generative)
    suggested = "".join(f"<li>{_esc(a)}</li>" for a in g["suggested_actions"][:actions])
    questions = "".join(f"<li>{_esc(q)}</li>" for q in g["documentation_questions"][:3])
    gai = ""
    if g["gai_actions"]:
        items = "".join(f"<li><b>{_esc(a['id'])}</b> {_esc(a['action'])} <span class='rmfkit-muted'>"
                        f"({_esc(', '.join(a['risk_labels']))})</span></li>" for a in g["gai_actions"])
        gai = (f"<details><summary>NIST AI 600-1 actions for generative AI ({len(g['gai_actions'])})</summary>"
               f"<ul>{items}</ul></details>")
    about = f"<details><summary>About</summary><div>{_esc(g['about'])}</div></details>" if g["about"] else ""
    more = len(g["suggested_actions"]) - actions
    more_line = f"<div class='rmfkit-muted'>+{more} more suggested actions in the Playbook</div>" if more > 0 else ""
    actors = f"<div class='rmfkit-muted'>AI actors: {_esc(', '.join(g['ai_actors']))}</div>" if g["ai_actors"] else ""
    return Html(
        f'<div class="rmfkit-card"><h4>{_esc(g["id"])}</h4><div>{_esc(g["statement"])}</div>{actors}{about}'
        + (f"<div style='margin-top:6px'><b>Suggested actions</b><ul>{suggested}</ul>{more_line}</div>" if suggested else "")
        + (f"<div><b>Questions to answer in the documentation</b><ul>{questions}</ul></div>" if questions else "")
        + gai + "</div>", f"{g['id']}: {g['statement']}")


# ---------------------------------------------------------------- licenses and openness

def license_register(report) -> Table:
    """The license register of :func:`rmfkit.licenses.report.analyze`: openness and fit per component."""
    from rmfkit.models.system import LAYERS

    rows = []
    for r in sorted(report.register_rows(), key=lambda r: LAYERS.index(r["layer"])):
        counts = r["findings"]
        rows.append({**r, "license_text": ", ".join(r["license_names"]) or r["license"],
                     "openness": r["openness"] or "undetermined",
                     "finding_text": ", ".join(f"{n} {label(s)}" for s, n in counts.items() if n) or None,
                     "review_text": "yes" if r["needs_review"] else None})
    counts = report.counts()
    summary = ", ".join(f"{n} {label(k)}" for k, n in counts["openness"].items() if n)
    return table(rows, {"layer": "Layer", "component": "Component", "license_text": "License",
                        "openness": "Openness", "commercial_distribution": "Commercial use",
                        "finding_text": "Findings", "due_diligence": "Due diligence", "review_text": "Needs review"},
                 title="License register", status_columns=("openness", "commercial_distribution"),
                 wrap_columns=("license_text",), collapse_after=20,
                 summary=f"{counts['components']} components: {summary}; {counts['needs_review']} need review")


def openness_reasons(report) -> Table:
    """Why each component is open source, open weights, open access or closed (in words)."""
    rows = [{"component": r["component"], "openness": r["openness"] or "undetermined", "why": r["openness_reason"]}
            for r in report.register_rows()]
    return table(rows, {"component": "Component", "openness": "Openness", "why": "Why"},
                 title="Openness, with the reason", status_columns=("openness",), wrap_columns=("why",),
                 collapse_after=6, summary=f"Why each of the {len(rows)} components is classified as it is")


def license_findings(report) -> Table:
    """Policy findings against the intended use, most severe first, each with the action to take."""
    rows = [f.to_dict() for f in report.findings]
    return table(rows, {"severity": "Severity", "component": "Component", "message": "Finding", "action": "Action",
                        "clause": "Clause"},
                 title="License findings for the intended use", status_columns=("severity",),
                 wrap_columns=("message", "action"), summary=f"{len(rows)} findings", empty="none")


def mof_card(report) -> Html:
    """The primary model release's Model Openness Framework class and what the next class needs."""
    mof = report.mof
    if mof is None:
        return callout("No model weights component: the MOF class does not apply", tone="info")
    items = [f"for Class {klass}: {m['name']} ({m['reason']})" for klass, missing in mof.missing.items()
             for m in missing]
    osaid = report.osaid
    verdict = "meets" if osaid and osaid.conformant else "does not meet"
    title = (f"{mof.component}: MOF {mof.label}; {verdict} the OSI Open Source AI Definition 1.0 "
             f"— {len(items)} release components missing")
    return Html(f'<details class="rmfkit-callout"><summary><b>{_esc(title)}</b> (click for the list)</summary>'
                + "<ul>" + "".join(f"<li>{_esc(i)}</li>" for i in items) + "</ul></details>", title)


def scorecard_table(report, component_id: str) -> Table:
    """The eight due-diligence checks of one component, with rating, note and evidence."""
    card = report.component(component_id).scorecard
    return table(card["rows"], {"name": "Check", "question": "Question", "rating": "Rating", "note": "Note",
                                "evidence": "Evidence"},
                 title=f"Due diligence: {component_id}", status_columns=("rating",), wrap_columns=("question", "note"),
                 summary=card["summary"] + (f" by {card['assessed_by']}" if card["assessed_by"] else "")
                 + (f" on {card['assessed_on']}" if card["assessed_on"] else ""))


def needs_table() -> Table:
    """The needs the openness decision helper knows (choose one or more ids)."""
    from rmfkit.licenses.decision import needs

    return table([{"id": k, "label": v} for k, v in needs().items()], {"id": "Need id", "label": "Means"},
                 title="What does the team need most?")


def recommendation_card(recommendation) -> Html:
    """The decision helper's answer: level of openness, acceptable levels, reasoning, what to look for."""
    r = recommendation
    level = label(r.level) if r.level else "no single level: try both"
    acceptable = ", ".join(label(a) for a in r.acceptable) or "none satisfies every need"
    return Html(
        f'<div class="rmfkit-card rmfkit-facts"><h4>Recommended openness: {_esc(level)}</h4>'
        f"<div>Acceptable for every need: {_esc(acceptable)}</div>"
        f"<ul>{''.join(f'<li>{_esc(x)}</li>' for x in r.reasoning)}</ul>"
        f"<b>Look for</b><ul>{''.join(f'<li>{_esc(x)}</li>' for x in r.look_for)}</ul>"
        f'<div class="rmfkit-muted">Source: {_esc(r.source)}</div></div>', f"Recommended openness: {level}")


# ---------------------------------------------------------------- packets

def packet_files(result) -> Table:
    """The files of a built packet (:func:`rmfkit.report.bundle.build_packet`) with size and SHA-256."""
    rows = [{"name": name, "size": f"{entry['size']:,} bytes", "sha256": entry["sha256"][:16] + "…"}
            for name, entry in sorted(result.files.items())]
    summary = result.summary()
    return table(rows, {"name": "File", "size": "Size", "sha256": "SHA-256 (start)"},
                 title=f"Packet in {result.out}", collapse_after=8,
                 summary=f"{len(rows)} files; manifest SHA-256 {summary['manifest_sha256'][:16]}…; "
                         + ("signed" if result.signed else "unsigned") + f"; PDF variant {summary['pdf_variant'] or 'plain PDF'}")


def session_record_list(notebooks: Sequence[Any]) -> Html:
    """The executed session notebooks that go into the packet as its appendix, or how to attach them later."""
    from pathlib import Path

    if not notebooks:
        return callout("No executed session notebooks found next to this one: the packet says "
                       "'No session record attached'",
                       ["save sessions 00–05 in JupyterLab after running them, then build again, or attach them "
                        "to a new packet in a terminal:",
                        "rmfkit packet -w DIR --out DIR/build/packets/final --session-record notebooks/"], tone="info")
    names = [Path(n).stem for n in notebooks]
    return callout(f"Session record: {len(names)} executed notebook(s) go into the packet as its appendix",
                   [f"{name} → session-record/{name}.html" for name in names], tone="good")


def packet_preview(result, *, height: int = 640) -> Html:
    """The packet's HTML rendering, inline in a scrollable frame (what the PDF shows)."""
    document = (result.out / "packet.html").read_text(encoding="utf-8")
    frame = (f'<iframe title="packet preview" style="width:100%;height:{height}px;border:1px solid #d1d5db;'
             f'border-radius:6px;background:#fff" srcdoc="{html.escape(document, quote=True)}"></iframe>')
    return Html(f"<div>{frame}</div>", f"packet preview ({result.out / 'packet.html'})")


def verify_report(report) -> Html:
    """The outcome of :func:`rmfkit.report.verify.verify`: every hash, and the signature in the words
    ``rmfkit verify`` prints (signed but not checked / valid with the key's SHA-256 / not signed); only a
    checked valid signature makes the card green."""
    data = report.as_dict()
    if report.ok:
        return callout(f"Verified: {data['files_checked']} hashes match",
                       [data["signature_words"], f"checked {data['path']}"],
                       tone="good" if data["signature"] == "valid" else "info")
    return callout(f"Verification FAILED: {len(data['failures'])} problem(s)", data["failures"], tone="warn")


# ---------------------------------------------------------------- forms

def assessment_code(sub_id: str, *, status: str, owner: str | None = None, evidence: Sequence[str] = (),
                    note: str | None = None, justification: str | None = None) -> str:
    """The Python and CLI lines that record what a form records (shown beside the form)."""
    args = [f"status={status!r}"]
    cli = [f'rmfkit map set "{sub_id}" --status {status}']
    if owner:
        args.append(f"owner={owner!r}")
        cli.append(f'--owner "{owner}"')
    if evidence:
        args.append(f"evidence={list(evidence)!r}")
        cli.extend(f"--evidence {e}" for e in evidence)
    if note:
        args.append(f"notes={note!r}")
        cli.append(f'--note "{note}"')
    if justification:
        args.append(f"justification={justification!r}")
        cli.append(f'--justification "{justification}"')
    return (f"with ws.edit():\n    ws.record_assessment({sub_id!r}, {', '.join(args)})\n\n"
            f"# or in a terminal:\n{' '.join(cli)}")


class AssessmentForm:
    """An ipywidgets form (status, owner, evidence picker) for one subcategory, saving via the Workspace.

    Where widgets do not render (exported HTML, the session record) the form shows as the code it
    would run, so the page still says what to do.
    """

    def __init__(self, ws: "Workspace", sub_id: str):
        from rmfkit.catalog import load_catalog
        from rmfkit.models.mapping import STATUSES

        self.ws = ws
        self.sub_id = load_catalog().subcategory(sub_id).id
        current = ws.assessment(self.sub_id)
        self._statuses = STATUSES
        self._current = current
        self._widget = None

    def values(self) -> dict[str, Any]:
        if self._widget is None:
            a = self._current
            return {"status": a.status, "owner": a.owner, "evidence": list(a.evidence), "note": None,
                    "justification": a.justification}
        status, owner, evidence, note, justification = (
            self._fields[k].value for k in ("status", "owner", "evidence", "note", "justification"))
        return {"status": status, "owner": owner or None, "evidence": list(evidence), "note": note or None,
                "justification": justification or None}

    def save(self) -> str:
        """Record the form's values with :meth:`~rmfkit.workspace.Workspace.record_assessment` (as ``rmfkit map set``)."""
        values = self.values()
        changes = {"status": values["status"], "owner": values["owner"], "evidence": values["evidence"],
                   "justification": values["justification"]}
        if values["note"]:
            changes["notes"] = values["note"]
        with self.ws.edit():
            updated = self.ws.record_assessment(self.sub_id, **changes)
        return f"Saved {self.sub_id}: {label(updated.status)}"

    def widget(self):
        import ipywidgets as w

        a = self._current
        options = sorted(self.ws.evidence)
        self._fields = {
            "status": w.Dropdown(options=[(label(s), s) for s in self._statuses], value=a.status, description="Status"),
            "owner": w.Text(value=a.owner or "", description="Owner", placeholder="name and role"),
            "evidence": w.SelectMultiple(options=options, value=tuple(e for e in a.evidence if e in options),
                                         description="Evidence", rows=min(6, max(2, len(options)))),
            "note": w.Text(value="", description="Note", placeholder="what was decided"),
            "justification": w.Text(value=a.justification or "", description="Justification",
                                    placeholder="why it does not apply (needed for n/a)"),
        }
        button = w.Button(description="Save", button_style="primary", icon="check")
        message = w.HTML()
        preview = w.HTML()

        def refresh(_=None):
            v = self.values()
            preview.value = _CSS + code(assessment_code(self.sub_id, status=v["status"], owner=v["owner"],
                                                        evidence=v["evidence"], note=v["note"],
                                                        justification=v["justification"]),
                                        "Same change in code").markup

        def on_save(_):
            try:
                message.value = f"<b>{_esc(self.save())}</b>"
            except Exception as exc:  # noqa: BLE001 - shown to the user in the form, one line
                message.value = f"<span style='color:#7f1d1d'>{_esc(exc)}</span>"

        for f in self._fields.values():
            f.observe(refresh, names="value")
        button.on_click(on_save)
        refresh()
        form = w.VBox([w.HTML(f"<b>{_esc(self.sub_id)}</b>"), *self._fields.values(), button, message])
        preview.layout.margin = "0 0 0 16px"  # ipywidgets' Layout has no flex gap
        self._widget = w.HBox([form, preview])
        return self._widget

    def _static_html(self) -> str:
        a = self._current
        return (_CSS + f'<div class="rmfkit-card"><h4>Record {_esc(self.sub_id)}</h4>'
                f"<div>Currently {badge(a.status)} · owner {_esc(a.owner or '—')} · evidence "
                f"{_esc(', '.join(a.evidence) or '—')}</div>"
                + code(assessment_code(self.sub_id, status=a.status, owner=a.owner, evidence=a.evidence,
                                       justification=a.justification),
                       "Change it with (or use the form in JupyterLab)").markup + "</div>")

    def _repr_mimebundle_(self, include=None, exclude=None):
        bundle = {"text/html": self._static_html(), "text/plain": f"Form for {self.sub_id}"}
        try:
            view = self.widget()._repr_mimebundle_()
        except ImportError:
            return bundle
        if isinstance(view, tuple):
            view = view[0]
        if view and "application/vnd.jupyter.widget-view+json" in view:
            bundle["application/vnd.jupyter.widget-view+json"] = view["application/vnd.jupyter.widget-view+json"]
        return bundle


def assessment_form(ws: "Workspace", sub_id: str) -> AssessmentForm:
    """A form to record status, owner and evidence of ``sub_id``, with its code equivalent beside it."""
    return AssessmentForm(ws, sub_id)


# ---------------------------------------------------------------- quarterly review

_CHANGE_GOOD = {"improved", "newly_assessed", "renewed", "crossed_to_pass", "moved_better", "newly_measured", "closed",
                "advanced"}
_TONE_COLOURS = {"bad": STATUS_COLOURS["not_met"], "warn": STATUS_COLOURS["expired"], "good": STATUS_COLOURS["met"],
                 "neutral": STATUS_COLOURS["not_assessed"]}


def _when(side: Mapping[str, Any]) -> str:
    name = "the live workspace" if side["label"] == "live" else side["label"]
    return f"{name} ({side['date']})"


def _value(value: Any) -> Any:
    if isinstance(value, float):
        return f"{value:.4g}"
    return label(value) if isinstance(value, str) else value


def _change_rows(changes: Sequence[Mapping[str, Any]]) -> tuple[list[dict], dict[str, tuple[str, str]]]:
    """Diff rows as table rows (the change in words) and the colour of each change word."""
    from rmfkit.review import KIND_WORDS, _BAD_KINDS

    rows, colours = [], {}
    for c in changes:
        word = KIND_WORDS.get(c["kind"], label(c["kind"]))
        tone = "bad" if c["kind"] in _BAD_KINDS else "good" if c["kind"] in _CHANGE_GOOD else "neutral"
        colours[word] = _TONE_COLOURS[tone]
        notes = [c.get("detail")]
        if c["category"] == "metrics":
            sign = "≥" if c["direction"] == "higher_is_better" else "≤"
            notes.insert(0, f"target {sign} {c['threshold']:g}{c.get('unit') or ''}")
        if c.get("openness_before") != c.get("openness_after"):
            notes.append(f"openness: {label(c.get('openness_before')) or '—'} → {label(c.get('openness_after'))}")
        notes += [f"finding added: {f}" for f in c.get("findings_added") or []]
        notes += [f"finding resolved: {f}" for f in c.get("findings_removed") or []]
        rows.append({"change": word, "ref": c["ref"], "title": _short(c["title"], 120) if c.get("title") else None,
                     "before": _value(c["before"]), "after": _value(c["after"]), "owner": c.get("owner"),
                     "detail": "\n".join(n for n in notes if n) or None})
    return rows, colours


class ReviewDiff:
    """What changed between two states (:func:`rmfkit.review.diff_bundles`), as tables: summary first.

    ``summary()``, ``coverage()``, ``category(name)`` and ``stale()`` show one part each; the object
    itself shows the headline, summary, coverage and every category (stale evidence: ``stale()``).
    """

    def __init__(self, diff: Mapping[str, Any]):
        self.diff = diff

    def headline(self) -> Html:
        d = self.diff
        bad = sum(1 for s in d["summary"] if s["tone"] in ("bad", "warn"))
        title = (f"From {_when(d['from'])} to {_when(d['to'])}: {len(d['changes'])} changes; "
                 f"{bad} of {len(d['summary'])} topics need attention")
        return Html(f'<div class="rmfkit-card"><h4>{_esc(title)}</h4>'
                    f'<div class="rmfkit-muted">Compared by id: each change is listed once, in its category. '
                    f'Statuses are evidence-checked.</div></div>', title)

    def summary(self) -> Table:
        rows = [{"topic": s["topic"], "text": s["text"]} for s in self.diff["summary"]]
        colours = {s["topic"]: _TONE_COLOURS.get(s["tone"], _TONE_COLOURS["neutral"]) for s in self.diff["summary"]}
        return table(rows, {"topic": "Topic", "text": "What changed"}, title="Summary of changes",
                     status_columns=("topic",), wrap_columns=("text",), collapse_after=20, colours=colours)

    def coverage(self) -> Table:
        keys = ("met", "partially_met", "unsupported", "not_met", "not_assessed")
        rows = []
        for r in self.diff["coverage"]:
            row = {"function": r["function"]}
            for k in keys:
                then, now = r["then"][k], r["now"][k]
                row[k] = f"{then} → {now}" if then != now else str(now)
            row["met_delta"] = f"{r['met_delta']:+d}" if r["met_delta"] else "0"
            row["assessed_delta"] = f"{r['assessed_delta']:+d}" if r["assessed_delta"] else "0"
            rows.append(row)
        columns = {"function": "Function", **{k: COVERAGE_COLUMNS[k] for k in keys}, "met_delta": "Met ±",
                   "assessed_delta": "Assessed ±"}
        return table(rows, columns, title=f"Coverage per function, {self.diff['from']['label']} → "
                                          f"{self.diff['to']['label']}",
                     summary="a → b: count then → now; one number: unchanged")

    def category(self, name: str) -> Html | Table:
        from rmfkit.review import CATEGORIES

        title = CATEGORIES[name]
        changes = [c for c in self.diff["changes"] if c["category"] == name]
        if not changes:
            return callout(f"{title}: no change", tone="good")
        rows, colours = _change_rows(changes)
        columns = {"change": "Change", "ref": "Item", "title": "What", "before": "Before", "after": "Now",
                   "detail": "Detail"}
        if any(r["owner"] for r in rows):
            columns["owner"] = "Owner"
        if not any(r["title"] for r in rows):
            del columns["title"]
        return table(rows, columns, title=f"{title}: {len(rows)} change{'s' if len(rows) != 1 else ''}",
                     status_columns=("change",), wrap_columns=("title", "detail"), colours=colours)

    def stale(self) -> Html | Table:
        return stale_evidence_table(self.diff)

    def _repr_html_(self) -> str:
        from rmfkit.review import CATEGORIES

        parts = [self.headline(), self.summary(), self.coverage()]
        quiet = [CATEGORIES[c] for c in CATEGORIES if not any(x["category"] == c for x in self.diff["changes"])]
        parts += [self.category(c) for c in CATEGORIES if CATEGORIES[c] not in quiet]
        if quiet:
            parts.append(callout("No change in: " + ", ".join(quiet), tone="good"))
        return _CSS + "".join(_inner_html(p) for p in parts)

    def __repr__(self) -> str:
        return "\n".join(f"{s['topic']}: {s['text']}" for s in self.diff["summary"])


def review_diff(diff: Mapping[str, Any]) -> ReviewDiff:
    """Show a diff of :func:`rmfkit.review.diff_bundles`: summary, coverage then/now, every category, stale evidence."""
    return ReviewDiff(diff)


def stale_evidence_table(diff: Mapping[str, Any]) -> Html | Table:
    """Evidence past its validity at the later review date, with the subcategories it weakens."""
    stale = diff["stale_evidence"]
    if not stale:
        return callout(f"No evidence is past its validity on {diff['to']['date']}", tone="good")
    rows = [{"id": s["id"], "title": s["title"], "expired_on": s["expired_on"], "weakens": s["weakens"],
             "now_unsupported": s["now_unsupported"], "other_links": s["other_links"]} for s in stale]
    return table(rows, {"id": "Evidence", "title": "Title", "expired_on": "Expired on", "weakens": "Weakens",
                        "now_unsupported": "Now unsupported", "other_links": "Also cited by"},
                 title=f"Stale evidence on {diff['to']['date']} and what it weakens", wrap_columns=("title",),
                 summary=f"{len(rows)} item(s) to renew; a subcategory claimed met on them counts as unsupported")


def snapshots_table(infos: Sequence[Any]) -> Html | Table:
    """The review snapshots of a workspace (:func:`rmfkit.review.snapshots`), oldest first, with their chain."""
    if not infos:
        return callout("No snapshot yet", ["take the first with `rmfkit review snapshot --label 2026-Q4`"],
                       tone="warn")
    rows = [{"label": i.label, "date": i.date, "sha": i.manifest_sha256[:16] + "…",
             "previous": f"{i.previous['label']} ({i.previous['manifest_sha256'][:12]}…)" if i.previous
             else "first of the chain"} for i in infos]
    return table(rows, {"label": "Snapshot", "date": "Review date", "sha": "Manifest SHA-256",
                        "previous": "Chained to"}, title="Frozen reviews in reviews/",
                 summary=f"{len(rows)} snapshot(s); never rewritten")


def review_trends(points: Sequence[Mapping[str, Any]]) -> Html:
    """Trend charts over every review (:func:`rmfkit.report.review_packet.review_view` ``trend``)."""
    from rmfkit.report import review_packet as charts

    points = list(points)
    labels = " → ".join(p["label"] for p in points)
    images = [Chart(charts.coverage_trend_png(points), f"Coverage by function: {labels}"),
              Chart(charts.risk_trend_png(points), "Open risks by level and the sum of their current scores"),
              Chart(charts.metrics_trend_png(points), "Key metrics, the ones that moved most first")]
    return Html("".join(_inner_html(i) for i in images), f"trend charts over {len(points)} reviews")


def snapshot_card(snapshot: Mapping[str, Any]) -> Html:
    """The snapshot a session took (or found already taken): folder, manifest hash, chain link."""
    previous = snapshot["previous"]
    title = (f"Snapshot {snapshot['label']} taken" if snapshot["taken_now"]
             else f"Snapshot {snapshot['label']} was already taken; snapshots are never rewritten")
    return facts(title, {"folder": snapshot["folder"], "manifest SHA-256": snapshot["manifest_sha256"],
                         "chained to": f"{previous['label']} (manifest SHA-256 {previous['manifest_sha256'][:16]}…)"
                         if previous else "nothing: first snapshot of the chain",
                         "signed": snapshot["signed"]})


def review_packet_card(summary: Mapping[str, Any]) -> Html:
    """Where a review packet (:func:`rmfkit.report.review_packet.build_review_packet`) was written."""
    out = summary["out"]
    return facts("Review packet written", {
        "folder": out, "read": "review.pdf (the same as review.html)", "send to whoever checks": "bundle.zip",
        "files": summary["files"], "manifest SHA-256": summary["manifest_sha256"], "signed": summary["signed"],
        "check with": f"rmfkit verify {out}"})


def chain_report(report, infos: Sequence[Any], label: str) -> Html:
    """The outcome of verifying snapshot ``label`` (:func:`rmfkit.report.verify.verify`) and the chain behind it."""
    by_label = {i.label: i for i in infos}
    chain, current = [], by_label.get(label)
    while current is not None and current.label not in chain:
        chain.append(current.label)
        current = by_label.get((current.previous or {}).get("label"))
    data = report.as_dict()
    if report.ok:
        return callout(f"Chain verified: {' → '.join(chain)}",
                       [f"{data['files_checked']} files re-hashed; each earlier manifest has the SHA-256 its "
                        f"successor recorded", data["signature_words"]],
                       tone="good" if data["signature"] == "valid" else "info")
    return callout(f"Chain verification FAILED: {len(data['failures'])} problem(s)", data["failures"], tone="warn")
