"""The ipywidgets forms of the sessions, one module per record kind, over one :class:`~base.Form` machinery.

Each form saves through a documented call of :mod:`rmfkit.editing` (shown beside it as code), shows
problems next to the field they concern, redraws the live views it is given, and shows its current
values as text where widgets do not run.

>>> from rmfkit.notebook import forms
>>> forms.call_text("risks.accept", "R-0001", by="Head of Claims")
"show.edit.risks.accept(ws, 'R-0001', by='Head of Claims')"
"""
from rmfkit.notebook.forms.assessment import AssessmentForm, assessment_code, assessment_form
from rmfkit.notebook.forms.base import Field, Form, call_text
from rmfkit.notebook.forms.dpia import decision_form, description_form, dpo_form, measure_form, screening_form
from rmfkit.notebook.forms.evidence import import_form, remove_form, replace_form
from rmfkit.notebook.forms.measure import threshold_form
from rmfkit.notebook.forms.operations import checklist_form, pilot_form
from rmfkit.notebook.forms.risks import rescore_form, risk_form, treatment_form
from rmfkit.notebook.forms.system import (component_form, data_category_form, data_flow_form, openness_form,
                                         profile_form)

__all__ = ["AssessmentForm", "assessment_code", "assessment_form", "Field", "Form", "call_text", "profile_form", "openness_form",
           "component_form", "data_category_form", "data_flow_form", "threshold_form", "risk_form", "rescore_form",
           "treatment_form", "screening_form", "description_form", "measure_form", "dpo_form", "decision_form",
           "checklist_form", "pilot_form", "import_form", "remove_form", "replace_form"]
