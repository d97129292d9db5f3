"""The guided notebooks' layer: display objects over one analysis, session helpers, forms and live views.

A session cell ends with an object that displays itself. Displays read one
:class:`~rmfkit.analysis.Analysis` (:func:`analysis_of`) and render through the Jinja partials in
``rmfkit/notebook/templates/``, with the packet's labels and palette::

    import rmfkit
    from rmfkit import notebook as show

    ws = show.open_session(workspace)
    result = show.analysis_of(ws)
    show.coverage_table(result)

Importing this package pulls in neither pandas nor matplotlib; the functions that draw import them.

>>> from rmfkit import notebook as show
>>> show.label("not_applicable")
'Not applicable'
"""
from __future__ import annotations

from rmfkit.notebook.dpia import dpia_decision, dpia_questions, personal_data_table, screening_table, transfers_table
from rmfkit.notebook.evidence import (drift_table, evidence_cards, evidence_table, import_table, library_table,
                                      pull_table)
from rmfkit import editing as edit
from rmfkit.notebook.forms import (AssessmentForm, Form, assessment_code, assessment_form, checklist_form,
                                   component_form, data_category_form, data_flow_form, decision_form,
                                   description_form, dpo_form, import_form, measure_form, openness_form, pilot_form,
                                   profile_form, remove_form, replace_form, rescore_form, risk_form, screening_form,
                                   threshold_form, treatment_form)
from rmfkit.notebook.frameworks import frameworks_summary
from rmfkit.notebook.guide import guidance_picker, record_suggestions
from rmfkit.notebook.live import Live, live, refresh
from rmfkit.notebook.quarter import BaselineReview, baseline_snapshot, quarter_changes, review_packet_step
from rmfkit.notebook.html import Chart, Html, Table, callout, chart, code, facts, label, row, table
from rmfkit.notebook.licenses import (license_findings, license_register, mof_card, needs_table, openness_decision,
                                      openness_reasons, recommendation_card, scorecard_table)
from rmfkit.notebook.mapping import (coverage_chart, coverage_table, decisions_table, function_intro, gaps_table,
                                     guidance, mapping_table, record_suggestions_table, suggestions_table)
from rmfkit.notebook.measurement import (characteristics_table, measurement_chart, measurement_summary,
                                         measurement_table)
from rmfkit.notebook.overview import pilot_step, problems_table, status_overview
from rmfkit.notebook.packets import packet_files, packet_preview, session_record_list, verify_report
from rmfkit.notebook.record import executed_notebooks, run_notebook
from rmfkit.notebook.review import (ReviewDiff, chain_report, review_diff, review_packet_card, review_trends,
                                    snapshot_card, snapshots_table, stale_evidence_table)
from rmfkit.notebook.risks import heatmap, risk_table, starter_risks_table
from rmfkit.notebook.session import (adopt_starter_risks, analysis_of, build_dir, open_session, packet_dir,
                                     quarter_label, record_assessments, review_labels, review_packet,
                                     review_packet_dir, review_snapshot, signing_keys, on_example,
                                     start_session, start_workspace)
from rmfkit.notebook.system import components_table, data_flows_table, system_card

__all__ = [
    # session helpers
    "open_session", "analysis_of", "start_session", "start_workspace", "baseline_snapshot", "quarter_changes",
    "review_packet_step", "BaselineReview", "signing_keys", "on_example", "build_dir", "record_assessments", "adopt_starter_risks",
    "packet_dir", "executed_notebooks", "run_notebook", "quarter_label", "review_labels", "review_snapshot",
    "review_packet_dir", "review_packet",
    # editing: the documented calls (show.edit.system.set_profile(ws, ...)) and their forms
    "edit", "Form", "profile_form", "openness_form", "component_form", "data_category_form", "data_flow_form", "threshold_form",
    "risk_form", "rescore_form", "treatment_form", "screening_form", "description_form", "measure_form",
    "dpo_form", "decision_form", "checklist_form", "pilot_form", "import_form", "remove_form", "replace_form",
    # outputs that follow the decisions
    "Live", "live", "refresh", "guidance_picker", "record_suggestions",
    "frameworks_summary",
    # building blocks
    "Html", "Table", "Chart", "table", "chart", "callout", "code", "facts", "row", "label",
    # the workspace at a glance and the system
    "status_overview", "pilot_step", "problems_table", "system_card", "components_table", "data_flows_table",
    # licenses and openness
    "license_register", "openness_reasons", "license_findings", "mof_card", "scorecard_table", "needs_table",
    "recommendation_card", "openness_decision",
    # evidence
    "evidence_table", "evidence_cards", "library_table", "pull_table", "import_table", "drift_table",
    # the mapping
    "coverage_table", "coverage_chart", "mapping_table", "gaps_table", "suggestions_table",
    "record_suggestions_table", "function_intro", "guidance", "decisions_table", "AssessmentForm",
    "assessment_form", "assessment_code",
    # measurement, risks, DPIA
    "measurement_table", "measurement_chart", "characteristics_table", "measurement_summary", "risk_table",
    "heatmap", "starter_risks_table", "dpia_decision", "screening_table", "personal_data_table", "transfers_table",
    "dpia_questions",
    # packets and the quarterly review
    "packet_files", "packet_preview", "session_record_list", "verify_report", "ReviewDiff", "review_diff",
    "stale_evidence_table", "snapshots_table", "review_trends", "snapshot_card", "review_packet_card",
    "chain_report",
]
