"""The DPIA in the notebooks: the screening decision, the criteria, the Art. 35(7)(a) inputs, open questions.

Everything reads the ``dpia`` section of one :class:`~rmfkit.analysis.Analysis` (screening is shown even
before a DPIA is recorded).

>>> import pathlib, tempfile
>>> from rmfkit.analysis import of_workspace
>>> from rmfkit.workspace import Workspace
>>> ws = Workspace.create(pathlib.Path(tempfile.mkdtemp()) / "w", system_id="s", name="S", owner="o")
>>> screening_table(of_workspace(ws)).title
'DPIA screening'
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from rmfkit.labels import plural
from rmfkit.notebook.html import Html, Table, callout, label, table

if TYPE_CHECKING:
    from rmfkit.analysis import Analysis


def dpia_decision(analysis: "Analysis") -> Html:
    """The screening outcome in one box: decision, who decided, and the rule's reasons."""
    screening = analysis.dpia["screening"]
    decision, who = screening["decision"], screening.get("decided_by")
    title = f"DPIA {label(decision).lower()}" + (f" (decided by {who})" if who else
                                                 " (rule outcome; not yet decided)")
    tone = "warn" if decision in ("required", "recommended") else "good"
    return callout(title, [*screening["reasons"], *screening["findings"]], tone=tone)


def screening_table(analysis: "Analysis") -> Table:
    """The screening: the three Art. 35(3) cases and the nine EDPB criteria, with answer, source and why."""
    screening = analysis.dpia["screening"]
    rows = ([{**r, "id": f"Art. 35(3)({r['id']})"} for r in screening["triggers"]] + list(screening["criteria"]))
    return table(rows, {"id": "Item", "title": "Question", "answer": "Answer", "source": "Source",
                        "rationale": "Why"},
                 title="DPIA screening", status_columns=("answer",), wrap_columns=("title", "rationale"),
                 collapse_after=20, tones={"yes": "warn", "no": "neutral", "unsure": "warn"},
                 summary=f"{screening['criteria_met_count']} of 9 criteria met; rule says "
                         f"{label(screening['rule_decision']).lower()}")


def personal_data_table(analysis: "Analysis") -> Table:
    """Art. 35(7)(a) description, prefilled from system.yaml: personal data, recipients, retention."""
    rows = analysis.dpia["prefill"]["data_categories"]
    return table(rows, {"name": "Personal data", "special_category": "Special category", "source": "Source",
                        "recipients": "Recipients", "retention": "Retention", "data_flows": "Flows"},
                 title="Personal data processed (from system.yaml)", wrap_columns=("recipients", "retention"))


def transfers_table(analysis: "Analysis") -> Table:
    """International transfers and the mechanism recorded for each."""
    rows = analysis.dpia["prefill"]["international_transfers"]
    return table(rows, {"importer": "Importer", "country": "Country", "data_flow": "Flow", "mechanism": "Mechanism",
                        "mechanism_recorded": "Recorded"},
                 title="Transfers outside the EEA", wrap_columns=("mechanism",), empty="none",
                 shade=[None if r["mechanism_recorded"] else "gap" for r in rows])


def dpia_questions(analysis: "Analysis") -> Html | Table:
    """What the DPO will still ask (the completeness check of the DPIA inputs)."""
    items = analysis.dpia["completeness"]
    if not items:
        return callout("Nothing left for the DPO to ask", tone="good")
    return table(items, {"section": "Section", "field": "Where", "question": "Question"},
                 title="What the DPO will still ask", wrap_columns=("question",),
                 summary=plural(len(items), "open question"))
