"""The guided notebooks' layer: display objects over one analysis, the session helpers and the assessment form.

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
from rmfkit.notebook.forms import AssessmentForm, assessment_code, assessment_form
from rmfkit.notebook.html import Chart, Html, Table, callout, chart, code, facts, label, row, table
from rmfkit.notebook.licenses import (license_findings, license_register, mof_card, needs_table, openness_reasons,
                                      recommendation_card, scorecard_table)
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
                                     review_packet_dir, review_snapshot, start_workspace)
from rmfkit.notebook.system import components_table, data_flows_table, system_card

__all__ = [
    # session helpers
    "open_session", "analysis_of", "start_workspace", "build_dir", "record_assessments", "adopt_starter_risks",
    "packet_dir", "executed_notebooks", "run_notebook", "quarter_label", "review_labels", "review_snapshot",
    "review_packet_dir", "review_packet",
    # building blocks
    "Html", "Table", "Chart", "table", "chart", "callout", "code", "facts", "row", "label",
    # the workspace at a glance and the system
    "status_overview", "pilot_step", "problems_table", "system_card", "components_table", "data_flows_table",
    # licenses and openness
    "license_register", "openness_reasons", "license_findings", "mof_card", "scorecard_table", "needs_table",
    "recommendation_card",
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
