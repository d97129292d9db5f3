"""Consistency rules across records: what two files say about one thing must agree (``rmfkit check``).

Pure: records, evidence checks and a date in, findings out. Each finding is
``{"severity", "rule", "file", "field", "message"}`` (plus ``line`` where known); ``error`` findings make
``rmfkit check`` exit 3 and ``rmfkit packet --strict`` refuse to build. The rules:

- ``dpia-open-points`` (error): ``dpia.yaml`` is ``approved`` while the completeness check still lists an
  open point (an unanswered question, or an entry of ``open_points`` without ``closed_on``).
- ``privacy-risk-levels`` (error): a DPIA risk and the register risk it names in ``register_risk`` have
  different residual levels (low / medium / high) — the residual level of a privacy risk exists once.
  ``privacy-risk-unlinked`` (warning): a DPIA risk names no register risk.
- ``measure-state`` (error): a register risk's ``measures`` line or a data flow's ``retention`` or
  ``description`` cites a DPIA measure by id (``M-05``) in words of another state than the DPIA records
  (``in place``/``existing`` versus ``planned``/``requested``/``not confirmed``).
- ``dpia-after-go-live`` (error): the DPIA was first approved (``sign_off.first_approved_on``, else
  ``sign_off.date``) after ``system.go_live``, or the system is live with no approval date; Art. 35(1)
  requires the assessment prior to the processing.
- ``acceptance-person`` / ``acceptance-date`` / ``acceptance-before-advice`` / ``accepted-open-no-due``
  (errors): an accepted residual risk (register ``accepted_by``, DPIA ``approved_by`` and
  ``sign_off.residual_risks_approved_by``) must name a person as ``"Name, role"`` — a committee, board or
  team is not a person — with a date (``accepted_on``; DPIA risks ``approved_on``, else the sign-off date);
  a privacy risk is accepted no earlier than the DPO's advice; an accepted risk left ``open`` needs ``due``
  (when the acceptance is reviewed).
- ``residual-control-not-run`` (error): a risk scored lower after treatment (residual < inherent) names in
  ``residual_controls`` an operations checklist item that is not done or has no usable evidence, or
  ``artifact:<component>`` whose checksums were never verified or did not match. ``residual-control-open``
  (warning): such a risk names no controls while a checklist item linked to it (``risks:``) has not run.
- ``validation`` (error): every schema and reference problem of :func:`rmfkit.validation.validate`.

>>> import datetime as dt
>>> from rmfkit.records import Records
>>> records = Records.from_data({"system.yaml": {"schema_version": 1, "id": "s", "name": "S", "owner": "o",
...     "purpose": "p", "deployment_pattern": "self_hosted"}, "risks/R-0001.yaml": {"schema_version": 1,
...     "id": "R-0001", "title": "t", "category": "confabulation", "likelihood": 2, "impact": 3, "owner": "o",
...     "rationale": "r", "treatment": "accept", "accepted_by": "AI risk committee, 2026-06-12"}})
>>> [(f["rule"], f["field"]) for f in findings(records, {}, dt.date(2026, 12, 1))]
[('acceptance-person', 'accepted_by'), ('acceptance-date', 'accepted_on'), ('accepted-open-no-due', 'due')]
"""
from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING, Any, Iterable, Mapping

if TYPE_CHECKING:
    from rmfkit.errors import Problem
    from rmfkit.records import Records

SEVERITIES = ("error", "warning")
DPIA_FILE = "dpia.yaml"
SYSTEM_FILE = "system.yaml"
_MEASURE_ID = re.compile(r"\bM-\d{2,}\b")
# State words in free text, and the DPIA measure statuses they agree with.
_STATE_WORDS = (
    (re.compile(r"\b(not (yet )?(confirmed|in place|implemented)|requested|planned|pending|to be)\b", re.I),
     ("planned", "additional")),
    (re.compile(r"\b(in place|existing|implemented|confirmed|in force)\b", re.I), ("existing",)),
)


def finding(severity: str, rule: str, file: str, field: str | None, message: str,
            line: int | None = None) -> dict[str, Any]:
    """One finding in the shape every surface reads."""
    return {"severity": severity, "rule": rule, "file": file, "field": field, "message": message, "line": line}


def findings(records: "Records", checks: Mapping[str, Any], today: dt.date, *,
             problems: Iterable["Problem"] = ()) -> list[dict[str, Any]]:
    """Validation problems (as errors) and every consistency rule's findings, errors first."""
    out = [finding("error", "validation", p.file, p.field, p.message, p.line) for p in problems]
    for rule in (_dpia_open_points, _privacy_risks, _measure_states, _dpia_timing, _acceptances, _residual_controls):
        out += rule(records, checks, today)
    return ordered(out)


def ordered(items: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Findings, errors first (the order otherwise kept).

    >>> [f["rule"] for f in ordered([{"severity": "warning", "rule": "a"}, {"severity": "error", "rule": "b"}])]
    ['b', 'a']
    """
    return sorted(items, key=lambda f: SEVERITIES.index(f["severity"]))


def refuse_errors(items: Iterable[dict[str, Any]]) -> None:
    """Raise :class:`~rmfkit.errors.ValidationFailed` (exit 3) listing the error-level findings, if any."""
    from rmfkit.errors import Problem, ValidationFailed

    errors = [Problem(f["file"], f"{f['message']} [{f['rule']}]", f.get("line"), f["field"])
              for f in items if f["severity"] == "error"]
    if errors:
        raise ValidationFailed(errors)


def counts(items: Iterable[dict[str, Any]]) -> dict[str, int]:
    """Findings per severity.

    >>> counts([{"severity": "error"}, {"severity": "warning"}, {"severity": "error"}])
    {'error': 2, 'warning': 1}
    """
    items = list(items)
    return {s: sum(1 for f in items if f.get("severity") == s) for s in SEVERITIES}


# ---------------------------------------------------------------- DPIA completeness and timing

def _dpia_open_points(records: "Records", checks: Mapping[str, Any], today: dt.date) -> list[dict]:
    from rmfkit.dpia_assessment import completeness

    dpia = records.dpia
    if dpia is None or dpia.status != "approved":
        return []
    return [finding("error", "dpia-open-points", DPIA_FILE, ask["field"],
                    f"the DPIA is approved (status) while this point is open: {ask['question']}")
            for ask in completeness(records.system, dpia, today=today)]


def _dpia_timing(records: "Records", checks: Mapping[str, Any], today: dt.date) -> list[dict]:
    dpia, go_live = records.dpia, records.system.go_live
    if dpia is None or go_live is None or go_live > today:
        return []
    approved = dpia.sign_off.first_approved_on or dpia.sign_off.date
    if approved is None:
        return [finding("error", "dpia-after-go-live", DPIA_FILE, "sign_off.date",
                        f"the system went live on {go_live} (system.yaml go_live) but the DPIA records no approval "
                        "date; Art. 35(1) requires the assessment prior to the processing")]
    if approved > go_live:
        field = "sign_off.first_approved_on" if dpia.sign_off.first_approved_on else "sign_off.date"
        return [finding("error", "dpia-after-go-live", DPIA_FILE, field,
                        f"first approved on {approved}, after go-live on {go_live} (system.yaml go_live); Art. 35(1) "
                        "requires the assessment prior to the processing (record the first approval in "
                        "sign_off.first_approved_on)")]
    return []


# ---------------------------------------------------------------- one list of privacy risks

def _privacy_risks(records: "Records", checks: Mapping[str, Any], today: dt.date) -> list[dict]:
    from rmfkit.dpia import large_scale, risk_rows, screen
    from rmfkit.risks import level

    dpia = records.dpia
    if dpia is None:
        return []
    register = records.risks
    rows = risk_rows(dpia, is_large_scale=large_scale(screen(records.system, dpia)))
    out = []
    for i, row in enumerate(rows):
        linked = register.get(row["register_risk"] or "")
        if not row["register_risk"]:
            out.append(finding("warning", "privacy-risk-unlinked", DPIA_FILE, f"risks.{i}.register_risk",
                               f"{row['id']} names no register risk: link the risk in risks/ it is (register_risk), "
                               "so the privacy risk and its residual level exist once"))
        elif linked is not None and level(linked.current_score) != row["residual_level"]:
            out.append(finding("error", "privacy-risk-levels", DPIA_FILE, f"risks.{i}.residual_severity",
                               f"{row['id']} has residual level {row['residual_level']}, but its register risk "
                               f"{linked.id} (risks/{linked.id}.yaml) is {level(linked.current_score)} (score "
                               f"{linked.current_score}): agree on one residual level"))
    return out


def _stated_state(text: str) -> tuple[str, tuple[str, ...]] | None:
    for pattern, statuses in _STATE_WORDS:
        match = pattern.search(text)
        if match:
            return match.group(0), statuses
    return None


def _measure_states(records: "Records", checks: Mapping[str, Any], today: dt.date) -> list[dict]:
    dpia = records.dpia
    if dpia is None:
        return []
    status = {m.id: m.status for m in dpia.measures}
    texts: list[tuple[str, str, str]] = []
    for rel, risk in records.records_of("risk").items():
        texts += [(rel, f"measures.{j}", text) for j, text in enumerate(risk.measures)]
    for j, flow in enumerate(records.system.data_flows):
        texts += [(SYSTEM_FILE, f"data_flows.{j}.{name}", getattr(flow, name))
                  for name in ("retention", "description") if getattr(flow, name)]
    out = []
    for rel, field, text in texts:
        stated = _stated_state(text)
        for measure_id in _MEASURE_ID.findall(text):
            if measure_id in status and stated and status[measure_id] not in stated[1]:
                out.append(finding("error", "measure-state", rel, field,
                                   f"says DPIA measure {measure_id} is '{stated[0]}', but dpia.yaml records it as "
                                   f"{status[measure_id]} (measures.{measure_id}.status): describe one state"))
    return out


# ---------------------------------------------------------------- acceptance of residual risk

def _accept(rel: str, field: str, who: str | None, when: dt.date | None, date_field: str, advice: dt.date | None,
            what: str) -> list[dict]:
    from rmfkit.acceptance import person_problem

    out = []
    problem = person_problem(who)
    if problem:
        out.append(finding("error", "acceptance-person", rel, field, f"{what}: '{who or ''}' {problem}"))
    if when is None:
        out.append(finding("error", "acceptance-date", rel, date_field, f"{what}: no date of acceptance"))
    elif advice is not None and when < advice:
        out.append(finding("error", "acceptance-before-advice", rel, date_field,
                           f"{what}: accepted on {when}, before the DPO's advice of {advice} (dpia.yaml "
                           "dpo_advice.date) it depends on"))
    return out


def _acceptances(records: "Records", checks: Mapping[str, Any], today: dt.date) -> list[dict]:
    dpia = records.dpia
    advice = dpia.dpo_advice.date if dpia is not None and dpia.dpo_advice else None
    privacy = {r.register_risk for r in dpia.risks if r.register_risk} if dpia is not None else set()
    out = []
    for rel, risk in records.records_of("risk").items():
        if risk.treatment != "accept":
            continue
        is_privacy = risk.id in privacy or risk.category in ("data-privacy", "data-protection")
        out += _accept(rel, "accepted_by", risk.accepted_by, risk.accepted_on, "accepted_on",
                       advice if is_privacy else None, f"{risk.id} is accepted")
        if risk.status == "open" and risk.due is None:
            out.append(finding("error", "accepted-open-no-due", rel, "due",
                               f"{risk.id} is accepted but left open with no due date: close it, or set the date "
                               "its acceptance is reviewed"))
    if dpia is None:
        return out
    for i, risk in enumerate(dpia.risks):
        if risk.approved_by:
            out += _accept(DPIA_FILE, f"risks.{i}.approved_by", risk.approved_by, risk.approved_on or dpia.sign_off.date,
                           f"risks.{i}.approved_on", advice, f"{risk.id}'s residual risk is accepted")
    if dpia.sign_off.residual_risks_approved_by:
        out += _accept(DPIA_FILE, "sign_off.residual_risks_approved_by", dpia.sign_off.residual_risks_approved_by,
                       dpia.sign_off.date, "sign_off.date", advice, "the DPIA's residual risks are accepted")
    return out


# ---------------------------------------------------------------- residual scores and the controls they rely on

def _control_state(control: str, items: Mapping[str, Any], artifacts: Mapping[str, dict]) -> str | None:
    """Why a control has not run (None when it has)."""
    if control.startswith("artifact:"):
        row = artifacts.get(control.partition(":")[2])
        if row is None:
            return "names no model artefact recorded in operations.yaml"
        if row["last_check"] is None:
            return "its checksums were never verified against the deployed files"
        if not row["last_check"]["match"] or row["last_check"]["evidence_status"] != "ok":
            return f"its latest check ({row['last_check']['evidence_id']}) did not pass"
        return None
    item = items.get(control)
    if item is None:
        return "is not in the operations checklist"
    if item.status != "done":
        return f"is {item.status.replace('_', ' ')}, not done"
    if not item.usable_evidence:
        return "is marked done without usable evidence"
    return None


def _residual_controls(records: "Records", checks: Mapping[str, Any], today: dt.date) -> list[dict]:
    from rmfkit import ops

    operations = records.operations
    items = {s.id: s for s in ops.item_states(operations, checks, today)} if operations is not None else {}
    artifacts = {row["component"]: row for row in ops.view(records, today, checks=checks)["artifacts"]}
    out = []
    for rel, risk in records.records_of("risk").items():
        lowered = risk.residual_score is not None and risk.residual_score < risk.inherent_score
        if not lowered or risk.status == "closed":
            continue
        for j, control in enumerate(risk.residual_controls):
            why = _control_state(control, items, artifacts)
            if why:
                out.append(finding("error", "residual-control-not-run", rel, f"residual_controls.{j}",
                                   f"{risk.id}'s residual score {risk.residual_score} (inherent {risk.inherent_score}) "
                                   f"relies on {control}, which {why}: re-score until it has run"))
        if not risk.residual_controls:
            idle = [f"{s.id} ({why})" for s in items.values() if risk.id in s.risks
                    and (why := _control_state(s.id, items, artifacts))]
            if idle:
                out.append(finding("warning", "residual-control-open", rel, "residual_controls",
                                   f"{risk.id}'s residual score {risk.residual_score} is below the inherent "
                                   f"{risk.inherent_score} while linked checklist items have not run: "
                                   + "; ".join(idle) + ". Name the controls the residual relies on"))
    return out
