"""Outputs that follow the decisions: a display that updates in place after a save or a decision cell.

:func:`live` shows what ``render()`` returns with an IPython display handle and returns a
:class:`Live`; a form's save, or :func:`refresh` at the end of a decision cell, calls ``render()``
again and updates that same output, so a top-to-bottom run shows the state after the decisions.

>>> view = Live(lambda: "coverage table")
>>> view.refresh() is None, view.render()
(True, 'coverage table')
"""
from __future__ import annotations

from typing import Any, Callable


class Live:
    """A display of ``render()`` that :meth:`refresh` redraws in place (nothing happens before :meth:`show`)."""

    def __init__(self, render: Callable[[], Any]):
        self.render = render
        self.handle = None

    def show(self) -> "Live":
        from IPython.display import display

        self.handle = display(self.render(), display_id=True)
        return self

    def refresh(self) -> None:
        if self.handle is not None:
            self.handle.update(self.render())

    def __repr__(self) -> str:
        return "live display"


def live(render: Callable[[], Any]) -> Live:
    """Show ``render()`` now and keep its handle: ``coverage = show.live(lambda: show.coverage_table(show.analysis_of(ws)))``.

    Assign the result (``coverage = ...``) so the cell does not print it a second time.
    """
    return Live(render).show()


def refresh(*views: Live) -> None:
    """Redraw ``views`` in place (end a decision cell with it)."""
    for view in views:
        view.refresh()
