"""One form machinery for every record: ipywidgets fields, inline problems, a text echo where widgets do not run.

A :class:`Form` holds :class:`Field` specs, the recorded values, the *action* that saves (one of the
documented calls in :mod:`rmfkit.editing`) and the same call as Python text. Saving runs the action;
a refused save shows each problem next to the field it names (or under the form) and writes nothing.
After a save the form redraws the :class:`~rmfkit.notebook.live.Live` views it was given. Where widgets
do not render (nbconvert HTML, the session record) the form shows its current values and the call.

>>> form = Form(None, title="Demo", fields=[Field("purpose", "Purpose")], initial={"purpose": "Triage"},
...             action=lambda v: "saved", call=lambda v: f"edit(purpose={v['purpose']!r})")
>>> form.values(), form.save()
({'purpose': 'Triage'}, 'saved')
>>> form.errors_of(ValueError("boom"))
{'': 'boom'}
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Mapping, Sequence

from rmfkit.notebook.html import Html, cell, code, facts, render

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
KINDS = ("text", "area", "choice", "multi", "int", "float", "bool", "date", "lines")


@dataclass(frozen=True)
class Field:
    """One input: ``kind`` is text, area, choice, multi, int, float, bool, date or lines (one entry per line)."""

    name: str
    label: str
    kind: str = "text"
    options: Sequence[Any] = ()
    placeholder: str = ""

    def choices(self) -> list[tuple[str, Any]]:
        return [o if isinstance(o, tuple) else (str(o), o) for o in self.options]


def _to_value(field: Field, raw: Any) -> Any:
    """A widget's value as the action takes it (blank text -> ``None``)."""
    if field.kind == "lines":
        return [line.strip() for line in str(raw or "").splitlines() if line.strip()]
    if field.kind == "multi":
        return list(raw or ())
    if field.kind in ("int", "float", "date"):
        text = str(raw or "").strip()
        if not text:
            return None
        try:
            return int(text) if field.kind == "int" else float(text) if field.kind == "float" else \
                dt.date.fromisoformat(text)
        except ValueError:
            raise FieldError(field.name, {"int": "must be a whole number", "float": "must be a number",
                                          "date": "must be a date YYYY-MM-DD"}[field.kind] + f" (got {text!r})")
    if field.kind == "text" or field.kind == "area":
        return str(raw).strip() or None if raw is not None else None
    return raw


def _to_widget(field: Field, value: Any) -> Any:
    if field.kind == "lines":
        return "\n".join(value or [])
    if field.kind == "multi":
        return tuple(value or ())
    if field.kind == "bool":
        return bool(value)
    if field.kind == "choice":
        return value if value in [v for _, v in field.choices()] else field.choices()[0][1]
    return "" if value is None else str(value)


class FieldError(ValueError):
    """A value a field cannot hold (raised before the action runs)."""

    def __init__(self, name: str, message: str):
        super().__init__(message)
        self.field = name


class Form:
    """Fields + recorded values + the action that saves them + the same call as code."""

    def __init__(self, ws: Any, *, title: str, fields: Iterable[Field], initial: Mapping[str, Any],
                 action: Callable[[dict], str], call: Callable[[dict], str], refresh: Iterable[Any] = ()):
        self.ws, self.title = ws, title
        self.fields = list(fields)
        self.initial = dict(initial)
        self.action, self.call = action, call
        self.views = list(refresh)
        self._widgets: dict[str, Any] = {}
        self._errors: dict[str, Any] = {}
        self._message = self._button = None

    # ---- values, saving, problems
    def values(self) -> dict[str, Any]:
        """What the form holds: the widgets' values once shown, else the recorded ones."""
        if not self._widgets:
            return {f.name: self.initial.get(f.name) for f in self.fields}
        return {f.name: _to_value(f, self._widgets[f.name].value) for f in self.fields}

    def set(self, **values: Any) -> "Form":
        """Fill fields as a person would (the widgets too, when shown)."""
        for name, value in values.items():
            self.initial[name] = value
            if name in self._widgets:
                self._widgets[name].value = _to_widget(self._field(name), value)
        return self

    def _field(self, name: str) -> Field:
        return next(f for f in self.fields if f.name == name)

    def save(self) -> str:
        """Run the action with the form's values; returns its one-line outcome (raises when refused)."""
        message = self.action(self.values())
        for view in self.views:
            view.refresh()
        return message

    def errors_of(self, exc: Exception) -> dict[str, str]:
        """Problems by form field name (``""`` = not tied to a field shown here)."""
        problems = getattr(exc, "problems", None)
        items = [(p.field, p.message) for p in problems] if problems else \
            [(getattr(exc, "field", None), getattr(exc, "message", None) or str(exc))]
        names = [f.name for f in self.fields]
        found: dict[str, str] = {}
        for field, message in items:
            parts = str(field or "").replace("/", ".").split(".")
            name = next((p for p in reversed(parts) if p in names), "")
            found[name] = f"{found[name]}; {message}" if name in found else message
        return found

    # ---- the live form
    def _input(self, field: Field):
        import ipywidgets as w

        value = _to_widget(field, self.initial.get(field.name))
        style, layout = {"description_width": "170px"}, w.Layout(width="560px")
        if field.kind == "choice":
            widget = w.Dropdown(options=field.choices(), value=value)
        elif field.kind == "multi":
            options = field.choices()
            widget = w.SelectMultiple(options=options, value=tuple(v for v in value if v in dict(options).values()),
                                      rows=min(8, max(3, len(options))))
        elif field.kind == "bool":
            widget = w.Checkbox(value=value, indent=False)
        elif field.kind in ("area", "lines"):
            widget = w.Textarea(value=value, placeholder=field.placeholder, rows=3)
        else:
            widget = w.Text(value=value, placeholder=field.placeholder)
        widget.description, widget.style, widget.layout = field.label, style, layout
        widget.add_class(f"rmfkit-field-{field.name}")
        return widget

    def widget(self):
        """The form as ipywidgets: each field with its problem line, Save, then the same call as code."""
        import ipywidgets as w

        self._widgets = {f.name: self._input(f) for f in self.fields}
        self._errors = {f.name: w.HTML() for f in self.fields}
        self._message, preview = w.HTML(), w.HTML()
        button = w.Button(description="Save", button_style="primary", icon="check")
        button.add_class("rmfkit-save")
        self._button = button

        def show_code(_=None):
            try:
                preview.value = code(self.call(self.values()), "Same change in code")._repr_html_()
            except FieldError:
                pass

        def on_save(_):
            for box in self._errors.values():
                box.value = ""
            try:
                text = self.save()
            except Exception as exc:  # noqa: BLE001 - every refusal is shown in the form, next to its field
                found = self.errors_of(exc)
                for name, message in found.items():
                    if name:
                        self._errors[name].value = render("form_message.html.j2", text=message, error=True)
                general = found.get("", "") or "Not saved: see the fields marked above."
                self._message.value = render("form_message.html.j2", text=general, error=True)
                return
            self._message.value = render("form_message.html.j2", text=text, error=False)
            show_code()

        for widget in self._widgets.values():
            widget.observe(show_code, names="value")
        button.on_click(on_save)
        show_code()
        rows = [w.VBox([self._widgets[f.name], self._errors[f.name]]) for f in self.fields]
        form = w.VBox([w.HTML(render("form_message.html.j2", text=self.title, error=False)), *rows, button,
                       self._message])
        form.add_class("rmfkit-form")
        return w.VBox([form, preview])

    def click_save(self) -> str:
        """Press Save as a person would (after :meth:`widget`); returns the message the form shows."""
        self._button.click()
        return self._message.value

    # ---- where widgets do not run
    def echo(self) -> Html:
        """The form's current values and its call, as static HTML (exported notebooks, session record)."""
        values = self.values()
        pairs = {f.label: cell(values.get(f.name)) for f in self.fields}
        card = facts(f"{self.title} (form)", pairs)
        return Html(f"{card.body()}{code(self.call(values), 'Same change in code (the form runs it in JupyterLab)').body()}",
                    f"{self.title}: " + "; ".join(f"{k} {v}" for k, v in pairs.items()))

    def _repr_mimebundle_(self, include=None, exclude=None):
        echo = self.echo()
        return with_widget_view({"text/html": echo._repr_html_(), "text/plain": repr(echo)}, self.widget)


def with_widget_view(bundle: dict[str, Any], widget: Callable[[], Any]) -> dict[str, Any]:
    """A display bundle with the live widget's view added where ipywidgets can draw one: JupyterLab shows the
    form, a static export shows the text echo already in ``bundle``."""
    try:
        view = widget()._repr_mimebundle_()
    except ImportError:
        return bundle
    if isinstance(view, tuple):
        view = view[0]
    if view and WIDGET_VIEW in view:
        bundle[WIDGET_VIEW] = view[WIDGET_VIEW]
    return bundle


def call_text(function: str, *args: Any, **kwargs: Any) -> str:
    """The documented call a form makes, as Python a person can paste (empty values left out).

    >>> call_text("risks.accept", "R-0001", by="Head of Claims", close=None)
    "show.edit.risks.accept(ws, 'R-0001', by='Head of Claims')"
    """
    shown = [repr(a) for a in args] + [f"{k}={v!r}" for k, v in kwargs.items()
                                       if v is not None and v != "" and v != [] and v != {}]
    return f"show.edit.{function}(ws{''.join(', ' + s for s in shown)})"
