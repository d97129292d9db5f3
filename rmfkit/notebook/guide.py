"""Session 03's guidance for any subcategory (search or pick) and what the other records suggest, with
when to come back for the records that do not exist yet.

>>> [s for s in subcategory_choices() if s[1] == "MEASURE 2.10"][0][0][:25]
'MEASURE 2.10 · Privacy ri'
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rmfkit.notebook.html import Html, callout, stack

if TYPE_CHECKING:
    from rmfkit.analysis import Analysis
    from rmfkit.workspace import Workspace


def subcategory_choices() -> list[tuple[str, str]]:
    """``("MEASURE 2.10 · Privacy risk of the AI system…", "MEASURE 2.10")`` for all 72 subcategories."""
    from rmfkit.catalog import load_catalog

    return [(f"{s.id} · {s.statement[:70]}", s.id) for s in load_catalog().subcategories]


class GuidancePicker:
    """Pick or search any subcategory and read its Playbook (and NIST AI 600-1) guidance.

    Where widgets do not run it shows the guidance of ``start``; set ``guide = "MAP 1.1"`` to change it.
    """

    def __init__(self, analysis: "Analysis", start: str = "GOVERN 1.1"):
        self.analysis, self.start = analysis, start

    def _guidance(self, sub_id: str) -> Html:
        from rmfkit.notebook.mapping import guidance

        return guidance(self.analysis, sub_id)

    def widget(self):
        import ipywidgets as w

        choices = subcategory_choices()
        picker = w.Combobox(options=[text for text, _ in choices], placeholder="type an id or a word, e.g. privacy",
                            description="Subcategory", ensure_option=True, layout=w.Layout(width="640px"))
        picker.add_class("rmfkit-guidance-picker")
        shown = w.HTML(self._guidance(self.start)._repr_html_())
        ids = dict(choices)

        def on_pick(change):
            if change["new"] in ids:
                shown.value = self._guidance(ids[change["new"]])._repr_html_()

        picker.observe(on_pick, names="value")
        return w.VBox([picker, shown])

    def _repr_mimebundle_(self, include=None, exclude=None):
        static = self._guidance(self.start)
        bundle = {"text/html": static._repr_html_(), "text/plain": repr(static)}
        try:
            view = self.widget()._repr_mimebundle_()
        except ImportError:
            return bundle
        view = view[0] if isinstance(view, tuple) else view
        if view and "application/vnd.jupyter.widget-view+json" in view:
            bundle["application/vnd.jupyter.widget-view+json"] = view["application/vnd.jupyter.widget-view+json"]
        return bundle


def guidance_picker(analysis: "Analysis", start: str = "GOVERN 1.1") -> GuidancePicker:
    """Guidance for any subcategory: pick or search in JupyterLab; ``start`` is shown first (and in exports)."""
    from rmfkit.catalog import load_catalog

    return GuidancePicker(analysis, load_catalog().subcategory(start).id)


def record_suggestions(ws: "Workspace", analysis: "Analysis") -> Html:
    """What the DPIA, risk register and operations checklist suggest, and which of them to come back for."""
    from rmfkit.notebook.mapping import record_suggestions_table

    missing = [name for name, present in (("the risk register", bool(ws.risks)),
                                          ("the DPIA", "dpia.yaml" in ws.records),
                                          ("the operations checklist", "operations.yaml" in ws.records)) if not present]
    parts: list[Any] = [record_suggestions_table(analysis)]
    if missing:
        parts.append(callout("Come back after session 05: " + ", ".join(missing) + " not recorded yet; "
                             "their suggestions appear here then", tone="info"))
    return stack(parts, "suggestions from other records")
