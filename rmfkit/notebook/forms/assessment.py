"""The ipywidgets form of session 03: record one subcategory's status, owner and evidence.

Beside the form, the same change as code (Python and CLI) so the room sees what is recorded. Where
widgets do not render (exported HTML, the session record) the form shows as that code.

>>> print(assessment_code("GOVERN 1.2", status="met", owner="Legal").splitlines()[-1])
rmfkit map set "GOVERN 1.2" --status met --owner "Legal"
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Sequence

from rmfkit.notebook.forms.base import with_widget_view
from rmfkit.notebook.html import code, label, render

if TYPE_CHECKING:
    from rmfkit.workspace import Workspace

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def assessment_code(sub_id: str, *, status: str, owner: str | None = None, evidence: Sequence[str] = (),
                    note: str | None = None, justification: str | None = None) -> str:
    """The Python and CLI lines that record what the form records."""
    args = [f"status={status!r}"]
    cli = [f'rmfkit map set "{sub_id}" --status {status}']
    if owner:
        args.append(f"owner={owner!r}")
        cli.append(f'--owner "{owner}"')
    if evidence:
        args.append(f"evidence={list(evidence)!r}")
        cli.extend(f"--evidence {e}" for e in evidence)
    for name, value, flag in (("notes", note, "--note"), ("justification", justification, "--justification")):
        if value:
            args.append(f"{name}={value!r}")
            cli.append(f'{flag} "{value}"')
    return (f"with ws.edit():\n    ws.record_assessment({sub_id!r}, {', '.join(args)})\n\n"
            f"# or in a terminal:\n{' '.join(cli)}")


class AssessmentForm:
    """Status, owner, evidence picker, note and justification for one subcategory, saved via the Workspace."""

    def __init__(self, ws: "Workspace", sub_id: str):
        from rmfkit.catalog import load_catalog
        from rmfkit.models.mapping import STATUSES

        self.ws = ws
        self.sub_id = load_catalog().subcategory(sub_id).id
        self._statuses = STATUSES
        self._current = ws.assessment(self.sub_id)
        self._fields: dict[str, Any] = {}

    def values(self) -> dict[str, Any]:
        """What the form holds now (the recorded values until the widget is shown and edited)."""
        if not self._fields:
            a = self._current
            return {"status": a.status, "owner": a.owner, "evidence": list(a.evidence), "note": None,
                    "justification": a.justification}
        v = {k: f.value for k, f in self._fields.items()}
        return {"status": v["status"], "owner": v["owner"] or None, "evidence": list(v["evidence"]),
                "note": v["note"] or None, "justification": v["justification"] or None}

    def save(self) -> str:
        """Record the form's values (as ``rmfkit map set``); returns the one-line outcome."""
        v = self.values()
        changes = {"status": v["status"], "owner": v["owner"], "evidence": v["evidence"],
                   "justification": v["justification"]}
        if v["note"]:
            changes["notes"] = v["note"]
        with self.ws.edit():
            updated = self.ws.record_assessment(self.sub_id, **changes)
        return f"Saved {self.sub_id}: {label(updated.status)}"

    def _code(self, title: str) -> str:
        v = self.values()
        return code(assessment_code(self.sub_id, status=v["status"], owner=v["owner"], evidence=v["evidence"],
                                    note=v["note"], justification=v["justification"]), title)._repr_html_()

    def widget(self):
        """The live form (ipywidgets) with its code equivalent beside it."""
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
                                    placeholder="why it does not apply (needed for Not applicable)"),
        }
        button = w.Button(description="Save", button_style="primary", icon="check")
        message, preview = w.HTML(), w.HTML()

        def refresh(_=None):
            preview.value = self._code("Same change in code")

        def on_save(_):
            try:
                message.value = render("form_message.html.j2", text=self.save(), error=False)
            except Exception as exc:  # noqa: BLE001 - shown to the user in the form, one line
                message.value = render("form_message.html.j2", text=str(exc), error=True)

        for field in self._fields.values():
            field.observe(refresh, names="value")
        button.on_click(on_save)
        refresh()
        form = w.VBox([w.HTML(render("form_message.html.j2", text=self.sub_id, error=False)),
                       *self._fields.values(), button, message])
        preview.layout.margin = "0 0 0 16px"  # ipywidgets' Layout has no flex gap
        return w.HBox([form, preview])

    def _static_html(self) -> str:
        from markupsafe import Markup

        from rmfkit.notebook.html import Html

        markup = render("form_static.html.j2", sub_id=self.sub_id, current=self._current,
                        code=Markup(code(assessment_code(
                            self.sub_id, status=self._current.status, owner=self._current.owner,
                            evidence=self._current.evidence, justification=self._current.justification),
                            "Change it with (or use the form in JupyterLab)").body()))
        return Html(markup)._repr_html_()

    def _repr_mimebundle_(self, include=None, exclude=None):
        return with_widget_view({"text/html": self._static_html(), "text/plain": f"Form for {self.sub_id}"},
                                self.widget)


def assessment_form(ws: "Workspace", sub_id: str) -> AssessmentForm:
    """A form to record status, owner and evidence of ``sub_id``, with its code equivalent beside it."""
    return AssessmentForm(ws, sub_id)
