"""The portfolio: many workspaces rolled up, one row per system, each read from its own analysis.

>>> flag_duplicate_ids([{"system_id": "a", "path": "x"}])
0
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable

from rmfkit.review.snapshots import check_history
from rmfkit.review.trends import next_review_due

if TYPE_CHECKING:
    from rmfkit.workspace import Workspace


def portfolio_row(ws: "Workspace", today: dt.date) -> dict[str, Any]:
    """One system of the portfolio (read from its :class:`~rmfkit.analysis.Analysis`): owner, pattern,
    model openness, coverage, claims, risks, DPIA, review."""
    from rmfkit.analysis import of_workspace
    from rmfkit.views import status

    system, settings = ws.system, ws.settings
    analysis = of_workspace(ws, today)
    mapping, licenses = analysis.mapping, analysis.licenses or {}
    model = licenses.get("primary_model")
    openness = next((c["openness"] for c in licenses["register"] if c["component"] == model), None) if model else None
    risks = (analysis.risks or {}).get("summary") or {"open": 0, "open_high": 0}
    dpia_status = status.dpia(analysis)
    screening = analysis.dpia["screening"]["decision"]
    history = check_history(ws)  # a review date is read from a snapshot that verifies
    last = dt.date.fromisoformat(history[-1].date) if history else None
    due = next_review_due(last, settings.review_cadence)
    return {
        "system_id": system.id, "name": system.name, "owner": system.owner, "folder": ws.root.name,
        "deployment_pattern": system.deployment_pattern, "model": model, "model_openness": openness,
        "coverage": {r["function"]: {"met": r["met"], "partially_met": r["partially_met"],
                                     "assessed": r["assessed"], "total": r["total"]} for r in mapping["coverage"]},
        "met_share": mapping["totals"]["met_share"], "unsupported_claims": len(mapping["unsupported"]),
        "open_risks": risks["open"], "open_high_risks": risks["open_high"],
        "evidence": {k: analysis.evidence[k] for k in ("total", "ok", "expired", "missing", "hash_mismatch")},
        "thresholds": (analysis.measurement or {}).get("summary"),
        "dpia": (f"{dpia_status['state']} (decision: {dpia_status['decision'].replace('_', ' ')})" if dpia_status
                 else f"not recorded (screening: {screening.replace('_', ' ')})"),
        "dpia_state": dpia_status["state"] if dpia_status else None,
        "last_review": last.isoformat() if last else None, "last_review_label": history[-1].label if history else None,
        "review_cadence": settings.review_cadence, "next_review_due": due.isoformat() if due else None,
        "review_overdue": due is None or due < today,
    }



PARALLEL_FROM = 32  # roll-ups of at least this many folders use one process per CPU
PROBLEMS_SHOWN = 3  # validation problems quoted per system (all are counted)
CHUNKS_PER_WORKER = 4


def _import_roll_up_modules() -> None:
    """Import what a roll-up row needs and load the catalog (cached per process)."""
    from rmfkit import analysis, workspace  # noqa: F401
    from rmfkit.catalog import load_catalog

    load_catalog()


def _roll_up(folders: list[str], day: dt.date, opener: Callable[[Path], "Workspace"] | None = None
             ) -> tuple[list[dict], list[dict]]:
    """Rows of the folders that load, each with its validation problems; ``{"folder", "error"}`` for the rest.

    A workspace with problems is still rolled up from the records that loaded; one whose settings or
    system profile did not load cannot be, and is skipped naming the first problem.
    """
    from rmfkit.errors import RmfkitError
    from rmfkit.validation import validate
    from rmfkit.workspace import Workspace

    open_fast = opener or (lambda f: Workspace.open(f, read_only=True))
    rows, skipped = [], []
    for folder in folders:
        try:
            ws = open_fast(Path(folder))
            problems = validate(ws)
            if problems and opener is None:
                ws = Workspace.open(folder)  # the full loader locates each problem (file, line, field)
                problems = validate(ws)
            row = portfolio_row(ws, day)
            row.update(path=str(folder), validation_problems=len(problems),
                       problems=[str(p) for p in problems[:PROBLEMS_SHOWN]])
            rows.append(row)
        except RmfkitError as exc:
            skipped.append({"folder": str(folder), "error": str(exc).splitlines()[0]})
        except Exception as exc:  # noqa: BLE001 - one broken workspace is reported, never takes the roll-up down
            skipped.append({"folder": str(folder), "error": f"{type(exc).__name__}: {str(exc)[:200]}"})
    return rows, skipped


def flag_duplicate_ids(rows: list[dict]) -> int:
    """Give every row ``same_id_as``: the other folders rolled up under its system id; returns how many ids repeat.

    >>> rows = [{"system_id": "a", "path": "x"}, {"system_id": "a", "path": "y"}, {"system_id": "b", "path": "z"}]
    >>> flag_duplicate_ids(rows), rows[0]["same_id_as"], rows[2]["same_id_as"]
    (1, ['y'], [])
    """
    by_id: dict[str, list[dict]] = {}
    for row in rows:
        by_id.setdefault(row["system_id"], []).append(row)
    for row in rows:
        row["same_id_as"] = [other["path"] for other in by_id[row["system_id"]] if other is not row]
    return sum(1 for same in by_id.values() if len(same) > 1)


def portfolio(folders: Iterable[Path | str], *, today: dt.date | None = None,
              open_workspace: Callable[[Path], "Workspace"] | None = None) -> dict[str, Any]:
    """Roll up many workspaces: one row per system; a folder that fails to load is reported and skipped.

    Each row counts its workspace's validation problems (``validation_problems``, the first few in
    ``problems``) and names the other folders that use the same system id (``same_id_as``).

    ``open_workspace`` defaults to a read-only load (the roll-up never writes to a workspace). Many
    folders are spread over one process per CPU.
    """
    import os

    from rmfkit.clock import today as default_today

    day = today or default_today()
    folders = [str(f) for f in folders]
    workers = min(os.cpu_count() or 1, len(folders) // (PARALLEL_FROM // 2) or 1)
    if open_workspace is None and len(folders) >= PARALLEL_FROM and workers > 1:
        from concurrent.futures import ProcessPoolExecutor

        _import_roll_up_modules()  # once here: forked workers inherit them instead of importing each
        pieces = workers * CHUNKS_PER_WORKER  # small pieces: a worker slowed by other load takes fewer
        chunks = [chunk for chunk in (folders[i::pieces] for i in range(pieces)) if chunk]
        with ProcessPoolExecutor(workers) as pool:
            parts = list(pool.map(_roll_up, chunks, [day] * len(chunks)))
        rows = [row for part_rows, _ in parts for row in part_rows]
        skipped = sorted((item for _, part_skipped in parts for item in part_skipped), key=lambda s: s["folder"])
    else:
        rows, skipped = _roll_up(folders, day, open_workspace)
    rows.sort(key=lambda r: (r["name"].lower(), r["system_id"], r["path"]))
    duplicate_ids = flag_duplicate_ids(rows)
    totals = {"systems": len(rows), "skipped": len(skipped),
              "with_problems": sum(1 for r in rows if r["validation_problems"]), "duplicate_ids": duplicate_ids,
              "unsupported_claims": sum(r["unsupported_claims"] for r in rows),
              "open_high_risks": sum(r["open_high_risks"] for r in rows),
              "review_overdue": sum(1 for r in rows if r["review_overdue"]),
              "without_dpia": sum(1 for r in rows if r["dpia_state"] is None)}
    return {"as_of": day.isoformat(), "systems": rows, "skipped": skipped, "totals": totals}
