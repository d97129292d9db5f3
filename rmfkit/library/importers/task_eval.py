"""A team's own task evaluation as CSV: one row per labelled example, one column per score.

Recognised when the header has an example id column (``id``, ``item_id``, ``example_id``,
``ticket_id``, ``sample_id``) and at least one score column whose values are all numbers or
booleans (``true/false``, ``yes/no``, ``pass/fail``, ``correct/incorrect``). Each score column
becomes a metric (mean, standard error of the mean, n) for the task named in a ``task`` column, or
for the file's name; a ``category``/``group``/``slice`` column adds one metric per slice.

>>> csv_text = "ticket_id,category,correct\\n1,billing,1\\n2,billing,0\\n3,login,1\\n"
>>> [(m["slice"] if "slice" in m else "all", m["value"]) for m in parse(csv_text, "tickets.csv").facts["metrics"]]
[('all', 0.6666666666666666), ('billing', 0.5), ('login', 1.0)]
"""
from __future__ import annotations

import csv
import io
import statistics
from collections import defaultdict
from pathlib import PurePath
from typing import Any

from rmfkit.library.facts import metric
from rmfkit.library.importers import Parsed
from rmfkit.library.importers.common import fail

KIND = "task-eval"
INPUT = "text"
ID_COLUMNS = ("id", "item_id", "example_id", "ticket_id", "sample_id")
SLICE_COLUMNS = ("category", "group", "slice")
TRUE = {"true", "yes", "pass", "passed", "correct", "1"}
FALSE = {"false", "no", "fail", "failed", "incorrect", "0"}


def score(value: str) -> float | None:
    """A cell as a number (booleans as 1/0); None when it is neither."""
    cell = value.strip().lower()
    if cell in TRUE:
        return 1.0
    if cell in FALSE:
        return 0.0
    try:
        number = float(cell)
    except ValueError:
        return None
    return number if number == number and abs(number) != float("inf") else None


def _table(doc: str) -> tuple[list[str], list[dict[str, str]]] | None:
    first = doc.lstrip("\ufeff").split("\n", 1)[0]
    if "," not in first and "\t" not in first:
        return None
    reader = csv.DictReader(io.StringIO(doc), delimiter="\t" if "\t" in first and "," not in first else ",")
    try:
        rows = list(reader)
    except csv.Error:
        return None
    header = [h.strip() for h in (reader.fieldnames or [])]
    return header, rows


def _score_columns(header: list[str], rows: list[dict]) -> list[str]:
    skip = {h for h in header if h.lower() in ID_COLUMNS + SLICE_COLUMNS + ("task",)}
    columns = []
    for column in header:
        if column in skip:
            continue
        cells = [str(row.get(column) or "").strip() for row in rows]
        filled = [c for c in cells if c]
        if filled and all(score(c) is not None for c in filled):
            columns.append(column)
    return columns


def matches(doc: Any) -> bool:
    if not isinstance(doc, str):
        return False
    table = _table(doc[:200_000])
    if table is None:
        return False
    header, rows = table
    return any(h.lower() in ID_COLUMNS for h in header) and bool(rows) and bool(_score_columns(header, rows))


def _metric(task: str, column: str, values: list[float], slice_name: str | None) -> dict:
    stderr = statistics.stdev(values) / len(values) ** 0.5 if len(values) > 1 else None
    return metric(task, column, statistics.fmean(values), stderr, len(values), slice=slice_name)


def parse(doc: Any, name: str) -> Parsed:
    table = _table(doc) if isinstance(doc, str) else None
    if table is None:
        fail(name, "not a CSV table with a header row")
    header, rows = table
    if len(set(header)) != len(header):
        fail(name, "the header names a column twice")
    if not any(h.lower() in ID_COLUMNS for h in header):
        fail(name, "no example id column", hint="name one column id, item_id, example_id, ticket_id or sample_id")
    if not rows:
        fail(name, "the table has a header but no rows")
    columns = _score_columns(header, rows)
    if not columns:
        fail(name, "no score column: every value of a score column must be a number or true/false")
    task_column = next((h for h in header if h.lower() == "task"), None)
    slice_column = next((h for h in header if h.lower() in SLICE_COLUMNS), None)
    default_task = PurePath(name).stem or "task"
    groups: dict[tuple[str, str | None], dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for row in rows:
        task = (row.get(task_column) or "").strip() if task_column else default_task
        for column in columns:
            value = score(str(row.get(column) or ""))
            if value is None:
                continue
            groups[(task or default_task, None)][column].append(value)
            if slice_column and (row.get(slice_column) or "").strip():
                groups[(task or default_task, row[slice_column].strip())][column].append(value)
    metrics = [_metric(task, column, values, slice_name)
               for (task, slice_name), by_column in sorted(groups.items(), key=lambda kv: (kv[0][0], kv[0][1] or ""))
               for column, values in by_column.items()]
    tasks = sorted({task for task, _ in groups})
    facts = {"metrics": metrics, "rows": len(rows), "score_columns": columns, "tasks": tasks}
    if slice_column:
        facts["slice_column"] = slice_column
    return Parsed(kind=KIND, title=f"Task evaluation {', '.join(tasks)} ({len(rows)} labelled examples)",
                  facts=facts, tool="task-eval table", subject=tasks[0] if len(tasks) == 1 else None)
