"""The quarterly review in the notebooks: what changed (a diff of :func:`rmfkit.diff`), stale evidence,
the frozen snapshots and their chain, trends over every review, and the review packet.

>>> stale_evidence_table({"stale_evidence": [], "to": {"date": "2026-11-20"}})
No evidence is past its validity on 2026-11-20
"""
from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Mapping, Sequence

from rmfkit.labels import EFFECTIVE_LABELS, plural
from rmfkit.notebook.html import Chart, Display, Html, Table, callout, facts, label, render, short, stack, table

if TYPE_CHECKING:
    from rmfkit.integrity import VerifyReport
    from rmfkit.workspace import Workspace

COVERAGE_KEYS = ("met", "partially_met", "unsupported", "not_met", "not_assessed")


def _when(side: Mapping[str, Any]) -> str:
    name = "the live workspace" if side["label"] == "live" else side["label"]
    return f"{name} ({side['date']})"


def _value(value: Any) -> Any:
    """A before/after value: status codes in words, numbers short, anything else (hashes, names) as recorded."""
    if isinstance(value, float):
        return f"{value:.4g}"
    return label(value) if isinstance(value, str) and re.fullmatch(r"[a-z]+(_[a-z]+)*", value) else value


def _change_rows(changes: Sequence[Mapping[str, Any]]) -> tuple[list[dict], dict[str, str]]:
    """Diff rows as table rows (the change in words) and the tone of each change word."""
    from rmfkit.review.diff import KIND_WORDS

    rows, tones = [], {}
    for c in changes:
        word = KIND_WORDS.get(c["kind"], label(c["kind"]))
        tone = c["tone"]
        if c["kind"] == "rescored" and c.get("score_before") is not None and c.get("score_after") is not None:
            word = f"{word} {'up' if c['score_after'] > c['score_before'] else 'down'}"
        tones[word] = tone
        notes = [c.get("detail")]
        if c["category"] == "metrics":
            sign = "≥" if c["direction"] == "higher_is_better" else "≤"
            notes.insert(0, f"target {sign} {c['threshold']:g}{c.get('unit') or ''}")
        if c.get("openness_before") != c.get("openness_after"):
            before = label(c["openness_before"]) if c.get("openness_before") else "—"
            notes.append(f"openness: {before} → {label(c.get('openness_after'))}")
        notes += [f"finding added: {f}" for f in c.get("findings_added") or []]
        notes += [f"finding resolved: {f}" for f in c.get("findings_removed") or []]
        rows.append({"change": word, "ref": c["ref"], "title": short(c["title"], 120) if c.get("title") else None,
                     "before": _value(c["before"]), "after": _value(c["after"]), "owner": c.get("owner"),
                     "detail": "\n".join(n for n in notes if n) or None})
    return rows, tones


class ReviewDiff(Display):
    """What changed between two states, as tables: the headline and summary first, then every category.

    ``summary()``, ``coverage()``, ``category(name)`` and ``stale()`` show one part each.
    """

    def __init__(self, diff: Mapping[str, Any]):
        self.diff = diff

    def headline(self) -> Html:
        d = self.diff
        attention = sum(1 for s in d["summary"] if s["tone"] in ("bad", "warn"))
        title = (f"From {_when(d['from'])} to {_when(d['to'])}: {plural(len(d['changes']), 'change')}; "
                 f"{attention} of {len(d['summary'])} topics need attention")
        return Html(render("review_headline.html.j2", title=title), title)

    def summary(self) -> Table:
        rows = [{"topic": s["topic"], "text": s["text"]} for s in self.diff["summary"]]
        tones = {s["topic"]: s["tone"] for s in self.diff["summary"]}
        return table(rows, {"topic": "Topic", "text": "What changed"}, title="Summary of changes",
                     status_columns=("topic",), wrap_columns=("text",), collapse_after=20, tones=tones)

    def coverage(self) -> Table:
        rows = []
        for r in self.diff["coverage"]:
            row = {"function": r["function"]}
            for k in COVERAGE_KEYS:
                then, now = r["then"][k], r["now"][k]
                row[k] = f"{then} → {now}" if then != now else str(now)
            row["met_delta"] = f"{r['met_delta']:+d}" if r["met_delta"] else "0"
            row["assessed_delta"] = f"{r['assessed_delta']:+d}" if r["assessed_delta"] else "0"
            rows.append(row)
        columns = {"function": "Function", **{k: EFFECTIVE_LABELS[k] for k in COVERAGE_KEYS}, "met_delta": "Met ±",
                   "assessed_delta": "Assessed ±"}
        return table(rows, columns, title=f"Coverage per function, {self.diff['from']['label']} → "
                                          f"{self.diff['to']['label']}",
                     summary="a → b: count then → now; one number: unchanged")

    def category(self, name: str) -> Html | Table:
        from rmfkit.review.diff import CATEGORIES

        title = CATEGORIES[name]
        changes = [c for c in self.diff["changes"] if c["category"] == name]
        if not changes:
            return callout(f"{title}: no change", tone="good")
        rows, tones = _change_rows(changes)
        columns = {"change": "Change", "ref": "Item", "title": "What", "before": "Before", "after": "Now",
                   "detail": "Detail"}
        if any(r["owner"] for r in rows):
            columns["owner"] = "Owner"
        if not any(r["title"] for r in rows):
            del columns["title"]
        return table(rows, columns, title=f"{title}: {plural(len(rows), 'change')}", status_columns=("change",),
                     wrap_columns=("title", "detail"), tones=tones)

    def stale(self) -> Html | Table:
        return stale_evidence_table(self.diff)

    def body(self) -> str:
        from rmfkit.review.diff import CATEGORIES

        changed = [c for c in CATEGORIES if any(x["category"] == c for x in self.diff["changes"])]
        parts = [self.headline(), self.summary(), self.coverage(), *(self.category(c) for c in changed)]
        quiet = [CATEGORIES[c] for c in CATEGORIES if c not in changed]
        if quiet:
            parts.append(callout("No change in: " + ", ".join(quiet), tone="good"))
        return stack(parts, "").body()

    def __repr__(self) -> str:
        return "\n".join(f"{s['topic']}: {s['text']}" for s in self.diff["summary"])


def review_diff(diff: Mapping[str, Any]) -> ReviewDiff:
    """Show a diff of :func:`rmfkit.diff`: summary, coverage then and now, every category, stale evidence."""
    return ReviewDiff(diff)


def stale_evidence_table(diff: Mapping[str, Any]) -> Html | Table:
    """Evidence past its validity at the later review date, with the subcategories it weakens."""
    stale = diff["stale_evidence"]
    if not stale:
        return callout(f"No evidence is past its validity on {diff['to']['date']}", tone="good")
    return table(stale, {"id": "Evidence", "title": "Title", "expired_on": "Expired on", "weakens": "Weakens",
                         "now_unsupported": "Now unsupported", "other_links": "Also cited by"},
                 title=f"Stale evidence on {diff['to']['date']} and what it weakens", wrap_columns=("title",),
                 summary=f"{plural(len(stale), 'item')} to renew; a subcategory claimed met on them counts as "
                         "unsupported")


def snapshots_table(ws: "Workspace") -> Html | Table:
    """The frozen reviews of a workspace, oldest first, with the manifest each one is chained to."""
    from rmfkit.review.snapshots import snapshots

    infos = snapshots(ws)
    if not infos:
        return callout("No snapshot yet", ["take the first with `rmfkit review snapshot --label 2026-Q4`"],
                       tone="warn")
    rows = [{"label": i.label, "date": i.date, "sha": i.manifest_sha256[:16] + "…",
             "previous": f"{i.previous['label']} ({i.previous['manifest_sha256'][:12]}…)" if i.previous
             else "first of the chain"} for i in infos]
    return table(rows, {"label": "Snapshot", "date": "Review date", "sha": "Manifest SHA-256",
                        "previous": "Chained to"}, title="Frozen reviews in reviews/",
                 summary=f"{plural(len(rows), 'snapshot')}; never rewritten")


def trend_points(ws: "Workspace") -> list[dict[str, Any]]:
    """What the trend charts plot: every frozen review, then the live workspace, in date order."""
    from rmfkit.review.diff import state_data
    from rmfkit.review.snapshots import LIVE, load_snapshot, resolve, snapshots
    from rmfkit.review.trends import trend, trend_point

    frozen = [trend_point(state_data(load_snapshot(ws, s.label))) for s in snapshots(ws)]
    return trend([*frozen, trend_point(state_data(resolve(ws, LIVE)))])


def review_trends(ws: "Workspace") -> Html:
    """The review packet's trend charts over every review and now: coverage, open risks, key metrics."""
    from rmfkit.review import packet as charts

    points = trend_points(ws)
    labels = " → ".join(p["label"] for p in points)
    images = [Chart(charts.coverage_trend_png(points), f"Coverage by function: {labels}"),
              Chart(charts.risk_trend_png(points), "Open risks by level and the sum of their current scores"),
              Chart(charts.metrics_trend_png(points), "Key metrics, the ones that moved most first")]
    return stack(images, f"trend charts over {len(points)} states")


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
    """Where a review packet was written, what to read and send, and how to check it."""
    out = summary["out"]
    return facts("Review packet written", {
        "folder": out, "read": "review.pdf (the same as review.html)", "send to whoever checks": "bundle.zip",
        "files": summary["files"], "manifest SHA-256": summary["manifest_sha256"], "signed": summary["signed"],
        "check with": f"rmfkit verify {out}"})


def chain_report(report: "VerifyReport", ws: "Workspace", label_: str) -> Html:
    """The outcome of :func:`rmfkit.verify` on snapshot ``label_``, with the chain of snapshots behind it."""
    from rmfkit.review.snapshots import snapshots

    by_label = {i.label: i for i in snapshots(ws)}
    chain, current = [], by_label.get(label_)
    while current is not None and current.label not in chain:
        chain.append(current.label)
        current = by_label.get((current.previous or {}).get("label"))
    data = report.as_dict()
    if report.ok:
        return callout(f"Chain verified: {' → '.join(chain)}",
                       [f"{data['files_checked']} files re-hashed; each earlier manifest has the SHA-256 its "
                        f"successor recorded", data["signature_words"]],
                       tone="good" if data["signature"] == "valid" else "info")
    return callout(f"Chain verification FAILED: {plural(len(data['failures']), 'problem')}", data["failures"],
                   tone="bad")
