"""The review packet (what changed between two quarters, with trends) and the portfolio report.

Both follow the audit packet's conventions (:mod:`rmfkit.packet`): :func:`rmfkit.seal.seal` records every
file's SHA-256 in ``manifest.json`` (optionally signed), the PDF embeds ``bundle.json`` and
``bundle-manifest.json``, and ``bundle.zip`` holds everything. Charts use the matplotlib Figure API
with the packet's house style, so the same data gives the same bytes.

>>> png = coverage_trend_png([{"label": "2026-Q3", "date": "2026-09-30", "coverage":
...     {"MAP": {"met": 2, "assessed": 6, "total": 18}}, "risks": {}, "metrics": {}}])
>>> png[:4] == b"\\x89PNG"
True
"""
from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rmfkit.errors import UsageError
from rmfkit.seal import BUNDLE_JSON, BUNDLE_MANIFEST, canonical_json, key_fingerprint, load_private_key, seal

if TYPE_CHECKING:
    from rmfkit.workspace import Workspace

FUNCTION_COLORS = {"GOVERN": "#1f4e79", "MAP": "#1a7f37", "MEASURE": "#c2410c", "MANAGE": "#8250df"}
LEVEL_COLORS = {"high": "#c2410c", "medium": "#f2b84b", "low": "#8fd19e"}
MAX_METRIC_PANELS = 6
PORTFOLIO_CHART_ROWS = 40


# ---------------------------------------------------------------- charts

# The matplotlib house style of the trend charts; the packet's own charts are SVG (rmfkit.render.charts).
_STYLE = {"font.family": "DejaVu Sans", "font.size": 9, "axes.titlesize": 10, "axes.spines.top": False,
          "axes.spines.right": False}
WIDTH_IN = 7.5
PNG_DPI = 150


def _png(draw, height: float) -> bytes:
    """Build a figure of ``height`` inches with the house style, let ``draw(fig)`` fill it, encode it as PNG."""
    import io

    from matplotlib import rc_context
    from matplotlib.figure import Figure

    with rc_context(_STYLE):
        fig = Figure(figsize=(WIDTH_IN, height), layout="constrained")
        draw(fig)
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=PNG_DPI, metadata={"Software": None})
        return buffer.getvalue()


def _say_empty(fig, message: str) -> None:
    """A chart with nothing to draw says so, in the middle of an empty figure."""
    ax = fig.add_subplot()
    ax.axis("off")
    ax.text(0.5, 0.5, message, ha="center", va="center")


def coverage_trend_png(points: list[dict]) -> bytes:
    """One panel per function: subcategories met (solid line, dots) and assessed (dashed line, squares).

    Separate panels on one scale keep the functions apart: lines of equal values never hide each other.
    Each point carries its value; the y axis of every panel runs to the function's number of subcategories.
    """
    labels = [p["label"] for p in points]
    functions = [f for f in FUNCTION_COLORS if any(f in p["coverage"] for p in points)]

    def draw(fig):
        from matplotlib.lines import Line2D

        axes = fig.subplots(1, max(len(functions), 1), sharey=True, squeeze=False)[0]
        top = max((p["coverage"][f].get("total", 0) for p in points for f in functions if f in p["coverage"]),
                  default=1) or 1
        xs = list(range(len(labels)))
        for ax, function in zip(axes, functions):
            color = FUNCTION_COLORS[function]
            total = max(p["coverage"].get(function, {}).get("total", 0) for p in points)
            met = [p["coverage"].get(function, {}).get("met", 0) for p in points]
            assessed = [p["coverage"].get(function, {}).get("assessed", 0) for p in points]
            ax.plot(xs, assessed, marker="s", markersize=5, linestyle="--", color=color, alpha=0.6)
            ax.plot(xs, met, marker="o", markersize=5, linestyle="-", linewidth=2, color=color)
            for x, m, a in zip(xs, met, assessed):
                ax.annotate(str(a), (x, a), textcoords="offset points", xytext=(0, 5), ha="center", fontsize=7.5,
                            color=color, alpha=0.8)
                ax.annotate(str(m), (x, m), textcoords="offset points", xytext=(0, -11), ha="center",
                            fontsize=7.5, color=color, fontweight="bold")
            ax.axhline(total, color="#8c959f", linewidth=0.8, linestyle=":")
            ax.annotate(f"of {total}", (0, total), xycoords=("axes fraction", "data"), textcoords="offset points",
                        xytext=(2, 3), fontsize=7, color="#57606a")
            ax.set_title(function, fontsize=9, loc="left", color=color, fontweight="bold")
            tilted = len(labels) > 2
            ax.set_xticks(xs, labels, fontsize=7, rotation=40 if tilted else 0, ha="right" if tilted else "center")
            ax.set_xlim(-0.45, len(labels) - 0.55)
        axes[0].set_ylim(-1.5, top + 2)
        axes[0].set_ylabel("Subcategories")
        axes[0].yaxis.get_major_locator().set_params(integer=True)
        fig.suptitle("RMF coverage by function at each review", x=0.01, ha="left", fontweight="bold", fontsize=10)
        keys = [Line2D([], [], color="#57606a", marker="o", linewidth=2, label="met (evidence-checked)"),
                Line2D([], [], color="#57606a", marker="s", linestyle="--", alpha=0.6, label="assessed"),
                Line2D([], [], color="#8c959f", linestyle=":", label="all subcategories of the function")]
        fig.legend(handles=keys, loc="outside lower center", ncols=3, frameon=False, fontsize=7.5)

    return _png(draw, 3.0)


def risk_trend_png(points: list[dict]) -> bytes:
    """Open risks by current level (stacked) and the sum of their current scores at each review."""
    from rmfkit.risks import level

    labels = [p["label"] for p in points]

    def draw(fig):
        ax = fig.add_subplot()
        bottoms = [0] * len(points)
        for band in ("high", "medium", "low"):
            counts = [sum(1 for r in p["risks"].values() if r["status"] != "closed" and level(r["score"]) == band)
                      for p in points]
            ax.bar(labels, counts, bottom=bottoms, color=LEVEL_COLORS[band], width=0.5, label=f"open, {band}")
            bottoms = [b + c for b, c in zip(bottoms, counts)]
        ax.set_ylabel("Open risks")
        ax.yaxis.get_major_locator().set_params(integer=True)
        total = ax.twinx()
        scores = [sum(r["score"] for r in p["risks"].values() if r["status"] != "closed") for p in points]
        total.plot(labels, scores, marker="o", color="#1f2328", label="sum of current scores")
        for i, score in enumerate(scores):
            total.annotate(str(score), (i, score), textcoords="offset points", xytext=(0, 6), ha="center",
                           fontsize=8)
        total.set_ylim(0, max(scores + [1]) * 1.25)
        total.set_ylabel("Sum of current scores")
        total.spines["right"].set_visible(True)
        ax.set_title("Risk register at each review (residual score where recorded)", loc="left",
                     fontweight="bold")
        handles = ax.get_legend_handles_labels()[0] + total.get_legend_handles_labels()[0]
        names = ax.get_legend_handles_labels()[1] + total.get_legend_handles_labels()[1]
        fig.legend(handles, names, loc="outside lower center", ncols=4, frameon=False, fontsize=7.5)

    return _png(draw, 3.2)


def key_metrics(points: list[dict]) -> list[str]:
    """Threshold ids measured in at least one state; the ones that changed most come first."""
    ids: dict[str, float] = {}
    for p in points:
        for tid, m in p["metrics"].items():
            if m["value"] is not None:
                values = [q["metrics"].get(tid, {}).get("value") for q in points]
                known = [v for v in values if v is not None]
                spread = (max(known) - min(known)) / (abs(m["threshold"]) or 1) if known else 0
                ids[tid] = max(ids.get(tid, 0), spread)
    return sorted(ids, key=lambda t: (-ids[t], t))[:MAX_METRIC_PANELS]


def metrics_trend_png(points: list[dict]) -> bytes:
    """One small panel per key metric: its value at each review and the threshold (dashed)."""
    labels = [p["label"] for p in points]
    chosen = key_metrics(points)

    def draw(fig):
        if not chosen:
            _say_empty(fig, "No metric has a value in any review")
            return
        cols = 2
        rows = (len(chosen) + 1) // cols
        axes = fig.subplots(rows, cols, squeeze=False).flatten()
        for ax, tid in zip(axes, chosen):
            meta = next(p["metrics"][tid] for p in reversed(points) if tid in p["metrics"])
            values = [p["metrics"].get(tid, {}).get("value") for p in points]
            xs = [i for i, v in enumerate(values) if v is not None]
            ax.plot(xs, [values[i] for i in xs], marker="o", color="#1f4e79")
            ax.axhline(meta["threshold"], linestyle="--", color="#c2410c", linewidth=1)
            ax.set_xticks(range(len(labels)), labels, fontsize=7)
            ax.set_xlim(-0.4, len(labels) - 0.6)
            ax.tick_params(axis="y", labelsize=7)
            sign = "≥" if meta["direction"] == "higher_is_better" else "≤"
            title = textwrap.shorten(meta["title"], 62, placeholder="…")
            ax.set_title(f"{title}\n(threshold {sign} {meta['threshold']:g}{meta.get('unit') or ''})",
                         fontsize=7.5, loc="left")
            for i in xs:
                ax.annotate(f"{values[i]:.3g}", (i, values[i]), textcoords="offset points", xytext=(0, 5),
                            ha="center", fontsize=7)
            low, high = min([meta["threshold"]] + [values[i] for i in xs]), max([meta["threshold"]] + [values[i] for i in xs])
            pad = (high - low) * 0.35 or abs(high) * 0.05 or 0.05
            ax.set_ylim(low - pad, high + pad)
        for ax in axes[len(chosen):]:
            ax.axis("off")
        fig.suptitle("Key metrics at each review (dashed: acceptance threshold)", x=0.01, ha="left",
                     fontweight="bold", fontsize=10)

    return _png(draw, 1.0 + 1.75 * ((len(chosen) + 1) // 2 or 1))


def portfolio_chart_png(rows: list[dict]) -> bytes:
    """Per system (up to 40, least covered first): share of subcategories met per function."""
    shown = sorted(rows, key=lambda r: (r["met_share"], r["name"]))[:PORTFOLIO_CHART_ROWS]

    def draw(fig):
        if not shown:
            _say_empty(fig, "No system loaded")
            return
        ax = fig.add_subplot()
        functions = list(FUNCTION_COLORS)
        height = 0.8 / len(functions)
        for k, function in enumerate(functions):
            ys = [i + k * height for i in range(len(shown))]
            shares = [r["coverage"].get(function, {}).get("met", 0) / (r["coverage"].get(function, {}).get("total")
                                                                        or 1) for r in shown]
            ax.barh(ys, shares, height=height, color=FUNCTION_COLORS[function], label=function)
        ax.set_yticks([i + 0.3 for i in range(len(shown))], [r["name"][:38] for r in shown], fontsize=7)
        ax.invert_yaxis()
        ax.set_xlim(0, 1)
        ax.xaxis.set_major_formatter(lambda x, _: f"{x:.0%}")
        ax.set_xlabel("Share of subcategories met (evidence-checked)")
        ax.set_title("Coverage per system and function" + (f" ({len(shown)} least covered of {len(rows)})"
                                                           if len(rows) > len(shown) else ""),
                     loc="left", fontweight="bold")
        fig.legend(loc="outside lower center", ncols=4, frameon=False, fontsize=8)

    return _png(draw, 1.4 + 0.32 * max(len(shown), 1))


# ---------------------------------------------------------------- rendering and sealing

def _documents(files: dict[str, Any], *, stem: str, template: str, view: dict[str, Any], images: dict[str, bytes],
               root: Path | None, generated_at: str) -> None:
    """Add ``<stem>.html``, ``bundle-manifest.json`` and ``<stem>.pdf`` to ``files`` (PDF: Typst, PDF/A-3b)."""
    from rmfkit.packet import entry, manifest_of
    from rmfkit.render.html import data_uri, render_template
    from rmfkit.render.pdf import render_pdf

    uris = {name: data_uri(payload, "image/png") for name, payload in images.items()}
    files[f"{stem}.html"] = render_template(root, f"{stem}.html.j2", view=view, images=uris).encode("utf-8")
    files[BUNDLE_MANIFEST] = manifest_of({name: entry(payload) for name, payload in files.items()}, generated_at)
    files[f"{stem}.pdf"] = render_pdf(template, view, images=images,
                                      attachments={BUNDLE_JSON: files[BUNDLE_JSON],
                                                   BUNDLE_MANIFEST: files[BUNDLE_MANIFEST]},
                                      template_dirs=[root / "templates"] if root else [])


def _sealed(out: Path, files: dict[str, Any], private_key, generated_at: str) -> dict[str, Any]:
    sealed = seal(out, files, private_key, generated_at=generated_at)
    return {"out": str(out), "files": len(sealed.entries), "signed": sealed.signed, "pdf_variant": "pdf/a-3b",
            "blocked_urls": [], "manifest_sha256": sealed.manifest_sha256}


# ---------------------------------------------------------------- the review packet

def review_view(ws: "Workspace", from_label: str, to_label: str) -> dict[str, Any]:
    """Cover, diff and trend points (every snapshot up to the later state, plus that state)."""
    from rmfkit.review.diff import diff_bundles, state_data
    from rmfkit.review.snapshots import load_snapshot, resolve, snapshots
    from rmfkit.review.trends import trend, trend_point
    from rmfkit.views.packet import generated_at

    old, new = state_data(resolve(ws, from_label)), state_data(resolve(ws, to_label))
    diff = diff_bundles(old, new)
    until = diff["to"]["date"]
    history = snapshots(ws)
    points = [trend_point(state_data(load_snapshot(ws, s.label))) for s in history
              if (s.date, s.label) <= (until, to_label) and s.label != to_label]
    points = trend([*points, trend_point(new)])
    generated = generated_at()
    settings, system = ws.settings, ws.system
    cover = {"system_name": system.name, "system_id": system.id, "owner": system.owner,
             "label": settings.branding.label, "accent_color": settings.branding.accent_color,
             "prepared_by": settings.branding.prepared_by or system.owner,
             "generated_at": generated.isoformat().replace("+00:00", "Z"), "from": diff["from"], "to": diff["to"],
             "snapshots": [s.as_dict() for s in history]}
    return {"cover": cover, "diff": diff, "trend": points, "states": {"from": old, "to": new}}


def build_review_packet(ws: "Workspace", from_label: str, to_label: str, out: Path, *,
                        sign_key: Path | None = None) -> dict[str, Any]:
    """``review.pdf``, ``review.html``, ``bundle.json`` (the diff, the trend, both states), charts, manifest."""
    from rmfkit.packet import check_output_folder

    check_output_folder(ws, out)
    _refuse_full(out)
    private_key = load_private_key(sign_key) if sign_key else None
    view = review_view(ws, from_label, to_label)
    files: dict[str, Any] = {}
    images = {name: draw(view["trend"]) for name, draw in (("coverage_trend", coverage_trend_png),
                                                           ("risk_trend", risk_trend_png),
                                                           ("metrics_trend", metrics_trend_png))}
    files.update({f"charts/{name}.png": payload for name, payload in images.items()})
    for side in ("from", "to"):
        files[f"states/{view['diff'][side]['label']}.json"] = canonical_json(view["states"][side])
    stamp = view["cover"]["generated_at"]
    bundle = {"format": "rmfkit-review-packet/2", "generated_at": stamp, "system_id": ws.system.id,
              "signer_key_sha256": key_fingerprint(private_key.public_key()) if private_key else None,
              "cover": view["cover"], "diff": view["diff"], "trend": view["trend"]}
    files[BUNDLE_JSON] = canonical_json(bundle)
    _documents(files, stem="review", template="review.typ", view=json.loads(files[BUNDLE_JSON]), images=images,
               root=ws.root, generated_at=stamp)
    return _sealed(Path(out), files, private_key, stamp)


# ---------------------------------------------------------------- the portfolio report

def build_portfolio(result: dict[str, Any], out: Path) -> dict[str, Any]:
    """``portfolio.pdf``, ``portfolio.html``, ``bundle.json`` (the roll-up), the chart, manifest."""
    from rmfkit.views.packet import generated_at

    _refuse_full(out)
    stamp = generated_at().isoformat().replace("+00:00", "Z")
    chart = portfolio_chart_png(result["systems"])
    files: dict[str, Any] = {"charts/coverage.png": chart}
    files[BUNDLE_JSON] = canonical_json({"format": "rmfkit-portfolio/1", "generated_at": stamp, **result})
    _documents(files, stem="portfolio", template="portfolio.typ", view=json.loads(files[BUNDLE_JSON]),
               images={"coverage": chart}, root=None, generated_at=stamp)
    return _sealed(Path(out), files, None, stamp)


def _refuse_full(out: Path) -> None:
    out = Path(out)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise UsageError(f"output folder {out} is not empty", hint="choose a new folder; packets are never overwritten")
