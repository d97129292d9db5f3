"""Editing records the way the notebooks' forms and the CLI do: one documented call per change.

Every call opens its own locked edit (:func:`rmfkit.editing.common.saving`): the workspace is re-read,
the change is checked by the record's model and by :func:`rmfkit.validate`, and nothing is written when
a rule is broken. Errors name the field, so a form can show them next to it. The notebooks reach these
modules as ``show.edit`` (``show.edit.system.set_profile(ws, purpose=...)``).

>>> from rmfkit import editing
>>> callable(editing.system.set_profile) and callable(editing.thresholds.set_threshold)
True
"""
from rmfkit.editing import dpia, evidence, operations, risks, system, thresholds

__all__ = ["dpia", "evidence", "operations", "risks", "system", "thresholds"]
