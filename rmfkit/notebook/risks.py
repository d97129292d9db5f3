"""Risks in the notebooks: the register, the starter catalogue and the 5 x 5 heat maps.

The register and the heat maps read the ``risks`` section of one :class:`~rmfkit.analysis.Analysis`.

>>> import pathlib, tempfile
>>> from rmfkit.analysis import of_workspace
>>> from rmfkit.workspace import Workspace
>>> ws = Workspace.create(pathlib.Path(tempfile.mkdtemp()) / "w", system_id="s", name="S", owner="o")
>>> risk_table(of_workspace(ws))
Risk register (0 rows)
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from rmfkit.labels import plural
from rmfkit.notebook.html import Chart, Html, Table, callout, label, table, tone_of

if TYPE_CHECKING:
    from rmfkit.analysis import Analysis
    from rmfkit.records import Records
    from rmfkit.workspace import Workspace


def risk_table(analysis: "Analysis") -> Table:
    """The risk register: scores before and after treatment with their level, treatment, owner, status, due."""
    register = analysis.risks["rows"] if analysis.risks else []
    rows = [{**r, "inherent": f"{r['inherent_score']} · {label(r['inherent_level'])}",
             "residual": f"{r['residual_score']} · {label(r['residual_level'])}" if r["residual_score"] else None}
            for r in register]
    tones = {row[key]: tone_of(r[f"{key}_level"]) for row, r in zip(rows, register)
             for key in ("inherent", "residual") if row[key]}
    open_high = analysis.risks["summary"]["open_high"] if analysis.risks else 0
    return table(rows, {"id": "Risk", "title": "Title", "category_title": "Category", "inherent": "Inherent",
                        "residual": "Residual", "treatment": "Treatment", "owner": "Owner", "status": "Status",
                        "due": "Due"},
                 title="Risk register", status_columns=("inherent", "residual", "status"), tones=tones,
                 wrap_columns=("title", "category_title"), collapse_after=20,
                 summary=f"{plural(len(rows), 'risk')}, {open_high} open at a high level",
                 empty="no risks recorded yet: adopt starter risks below or add them with `rmfkit risk add`")


def heatmap(analysis: "Analysis", *, residual: bool = False) -> Html | Chart:
    """The 5 x 5 heat map of open risks (likelihood x impact), before or after treatment."""
    from rmfkit.render.risk_charts import heatmap_svg

    if analysis.risks is None:
        return callout("No heat map yet: no risks recorded")
    counts = analysis.risks["heat_map" if residual else "heat_map_inherent"]
    title = "Open risks after treatment (residual)" if residual else "Open risks before treatment (inherent)"
    return Chart(heatmap_svg(counts, title=title), width="420px")


def starter_risks_table(source: "Workspace | Records") -> Table:
    """The starter catalogue, with whether each risk is already in the register."""
    from rmfkit.notebook.system import records_of
    from rmfkit.risks import STARTER_RISKS

    adopted = {r.starter: r.id for r in records_of(source).risks.values() if r.starter}
    rows = [{"key": s.key, "title": s.title, "subcategories": list(s.subcategories), "score": s.likelihood * s.impact,
             "adopted": adopted.get(s.key)} for s in STARTER_RISKS]
    return table(rows, {"key": "Key", "title": "Starter risk", "subcategories": "RMF", "score": "Default score",
                        "adopted": "In register as"}, title="Starter risks for open-source and generative AI",
                 wrap_columns=("title",), summary=f"{len(adopted)} of {len(rows)} adopted")
