"""DPIA screening, Art. 35(7) prefill from the system profile, risk levels, the DPIA section of the analysis.

rmfkit collects and structures DPIA inputs; the controller decides and the DPO advises (Art. 35(2)).
The decision rule is WP248 rev.01 III.B.a as summarised in the DPIA reference: *required* if an
Art. 35(3) trigger applies, an authority's Art. 35(4) list matches, or two or more of the nine criteria
are met; *recommended* if exactly one criterion is met or any answer is "unsure"; else *not required*.
Residual risk is rated with the CNIL-consistent severity x likelihood matrix; any residual "high"
risk sets the Art. 36(1) prior-consultation flag.

>>> risk_level(4, 1), risk_level(3, 3), risk_level(2, 4), risk_level(2, 4, large_scale=True)
('medium', 'high', 'medium', 'high')
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from rmfkit.models.dpia import CRITERIA, TRIGGERS, Answer, Dpia, Screening
from rmfkit.models.system import SystemProfile

if TYPE_CHECKING:
    from rmfkit.errors import Problem
    from rmfkit.workspace import Workspace

DPIA_FILE = "dpia.yaml"
# Regions inside the European Economic Area: data going anywhere else is a transfer (Chapter V).
EEA_REGIONS = frozenset({"EU", "EEA", "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU",
                         "IE", "IT", "LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE", "IS",
                         "LI", "NO"})
# rmfkit's default for prefilling C5 "large scale"; WP248 gives factors, not a number: confirm per case.
LARGE_SCALE_MAU = 10_000
VULNERABLE_WORDS = ("child", "minor", "pupil", "student", "patient", "elderly", "asylum", "employee", "worker",
                    "staff", "agent")
# Severity rows x likelihood columns, from section (f) of the DPIA reference.
_MATRIX = {4: ("medium", "high", "high", "high"), 3: ("low", "medium", "high", "high"),
           2: ("low", "low", "medium", "medium"), 1: ("low", "low", "low", "low")}
GAUGE_LABELS = {0: "undefined", 1: "Negligible", 2: "Limited", 3: "Important", 4: "Maximum"}
# AI-specific risks of the reference catalogue a DPO expects to see considered for a generative system.
AI_RISKS_EXPECTED = {"R02": "Memorisation / extraction of training data",
                     "R03": "Inference of sensitive attributes / unintended profiling",
                     "R05": "Logging and retention of prompts, outputs and traces"}
RMF_LINKS = ("GOVERN 1.1", "MAP 1.1", "MAP 5.1", "MEASURE 2.10")


def risk_level(severity: int, likelihood: int, *, large_scale: bool = False) -> str:
    """Level of a DPIA risk (severity and likelihood 1-4); severity 2 x likelihood 4 is high at large scale."""
    if severity == 2 and likelihood == 4 and large_scale:
        return "high"
    return _MATRIX[severity][likelihood - 1]


def in_eea(region: str | None) -> bool | None:
    """True inside the EEA, False outside, None when the region is not recorded."""
    if not region or not region.strip():
        return None
    return region.strip().upper() in EEA_REGIONS


# ---------------------------------------------------------------- screening

def prefill_screening(system: SystemProfile) -> dict[str, dict[str, dict[str, str]]]:
    """What the system profile already tells about the triggers and criteria (answer + rationale).

    >>> from rmfkit.models.system import SystemProfile
    >>> s = SystemProfile(id="x", name="x", owner="o", purpose="p", deployment_pattern="batch", generative=False)
    >>> prefill_screening(s)["criteria"]["C2"]["answer"]
    'no'
    """
    criteria: dict[str, dict[str, str]] = {}
    triggers: dict[str, dict[str, str]] = {}
    personal = [f for f in system.data_flows if f.personal_data]
    special = [f.id for f in system.data_flows if f.special_category_data]
    if system.automated_decisions:
        criteria["C2"] = {"answer": "yes", "rationale": "system.yaml: automated_decisions is true (the system makes "
                                                        "decisions with legal or similar effect on people)."}
        triggers["a"] = {"answer": "unsure", "rationale": "Automated decisions with legal or similar effect: check "
                                                          "whether they rest on a systematic and extensive evaluation "
                                                          "of personal aspects (Art. 35(3)(a))."}
    else:
        criteria["C2"] = {"answer": "no", "rationale": "system.yaml: automated_decisions is false."}
    if special:
        criteria["C4"] = {"answer": "yes", "rationale": "Special-category data in data flows " + ", ".join(special) + "."}
    elif personal and system.generative:
        criteria["C4"] = {"answer": "unsure", "rationale": "Free-text prompts can hold data people regard as private "
                                                           "(data flows " + ", ".join(f.id for f in personal) + "); "
                                                           "WP248 C4 covers communications and personal documents."}
    elif not personal:
        criteria["C4"] = {"answer": "no", "rationale": "No data flow in system.yaml carries personal data."}
    mau = system.intended_use.expected_monthly_active_users
    if mau is not None and personal:
        if mau >= LARGE_SCALE_MAU:
            criteria["C5"] = {"answer": "yes", "rationale": f"About {mau:,} expected monthly active users "
                                                            f"(rmfkit's prefill threshold is {LARGE_SCALE_MAU:,}); "
                                                            "also weigh volume, duration and geography."}
        else:
            criteria["C5"] = {"answer": "unsure", "rationale": f"About {mau:,} expected monthly active users: judge "
                                                               "scale by people, volume, duration and geography."}
    if special and criteria.get("C5", {}).get("answer") == "yes":
        triggers["b"] = {"answer": "yes", "rationale": "Special-category data at large scale (C4 and C5 prefilled yes)."}
    groups = [g for g in [*system.users, *system.affected_groups] if any(w in g.lower() for w in VULNERABLE_WORDS)]
    if groups:
        criteria["C7"] = {"answer": "unsure", "rationale": "Possibly vulnerable (power imbalance): "
                                                           + "; ".join(groups) + ". Confirm whether they can "
                                                           "freely object."}
    if system.generative:
        criteria["C8"] = {"answer": "yes", "rationale": "Generative AI (large language model): new technology per "
                                                        "the state of the art; the ICO lists AI as innovative "
                                                        "technology (WP248 C8)."}
    return {"art35_3": triggers, "criteria": criteria}


@dataclass
class ScreeningResult:
    """The screening with recorded answers over prefilled ones, the rule's decision and its reasons."""

    triggers: list[dict[str, Any]]
    criteria: list[dict[str, Any]]
    criteria_met: list[str]
    unsure: list[str]
    authority_matches: list[str]
    exemption: str
    rule_decision: str
    recorded_decision: str | None
    reasons: list[str]
    findings: list[str] = field(default_factory=list)

    @property
    def decision(self) -> str:
        return self.recorded_decision or self.rule_decision

    def as_dict(self) -> dict[str, Any]:
        return {"triggers": self.triggers, "criteria": self.criteria, "criteria_met": self.criteria_met,
                "criteria_met_count": len(self.criteria_met), "unsure": self.unsure,
                "authority_matches": self.authority_matches, "exemption": self.exemption,
                "rule_decision": self.rule_decision, "recorded_decision": self.recorded_decision,
                "decision": self.decision, "reasons": self.reasons, "findings": self.findings}


def _merged(recorded: dict[str, Answer], prefilled: dict[str, dict[str, str]], titles: dict[str, str]) -> list[dict]:
    rows = []
    for key, title in titles.items():
        if key in recorded:
            answer = recorded[key]
            rows.append({"id": key, "title": title, "answer": answer.answer, "rationale": answer.rationale,
                         "evidence": list(answer.evidence), "source": "recorded"})
        elif key in prefilled:
            rows.append({"id": key, "title": title, **prefilled[key], "evidence": [], "source": "prefilled"})
        else:
            rows.append({"id": key, "title": title, "answer": None, "rationale": None, "evidence": [],
                         "source": "missing"})
    return rows


def screen(system: SystemProfile, dpia: Dpia | None) -> ScreeningResult:
    """Screen ``system`` with the answers recorded in ``dpia`` (prefill fills the gaps).

    >>> from rmfkit.models.system import SystemProfile
    >>> s = SystemProfile(id="x", name="x", owner="o", purpose="p", deployment_pattern="batch", generative=False)
    >>> screen(s, None).rule_decision
    'not_required'
    """
    recorded: Screening = dpia.screening if dpia else Screening()
    prefill = prefill_screening(system)
    triggers = _merged(recorded.art35_3, prefill["art35_3"], TRIGGERS)
    criteria = _merged(recorded.criteria, prefill["criteria"], CRITERIA)
    met = [c["id"] for c in criteria if c["answer"] == "yes"]
    unsure = [r["id"] for r in triggers + criteria if r["answer"] == "unsure"]
    hard = [f"Art. 35(3)({t['id']})" for t in triggers if t["answer"] == "yes"]
    matches = [f"{a.authority}: {a.matched_item}" for a in recorded.authority_lists_checked if a.matched_item]
    exemption = recorded.exemption.type
    reasons: list[str] = []
    if hard:
        reasons.append(f"{', '.join(hard)} applies: a DPIA is always required.")
    if matches:
        reasons.append(f"Listed by a supervisory authority (Art. 35(4)): {'; '.join(matches)}.")
    if len(met) >= 2:
        reasons.append(f"{len(met)} of the nine WP248 criteria are met ({', '.join(met)}): in most cases a DPIA "
                       "is required, and the more criteria, the more likely.")
    elif met:
        reasons.append(f"One criterion is met ({met[0]}): a DPIA may still be required; the controller judges.")
    if unsure:
        reasons.append(f"Unclear answers ({', '.join(unsure)}): WP29 recommends doing the DPIA anyway.")
    if hard or matches:
        rule = "required"
    elif exemption != "none":
        rule = "not_required"
        reasons.insert(0, f"Exemption recorded: {exemption}" + (f" ({recorded.exemption.reference})"
                                                                 if recorded.exemption.reference else "") + ".")
    elif len(met) >= 2:
        rule = "required"
    elif met or unsure:
        rule = "recommended"
    else:
        rule = "not_required"
        reasons.append("No trigger, no authority-list match and no criterion met.")
    result = ScreeningResult(triggers, criteria, met, unsure, matches, exemption, rule, recorded.decision, reasons)
    result.findings = _screening_findings(result, recorded, dpia)
    return result


_STRENGTH = {"not_required": 0, "recommended": 1, "required": 2}


def _screening_findings(result: ScreeningResult, recorded: Screening, dpia: Dpia | None) -> list[str]:
    findings = []
    missing = [r["id"] for r in result.triggers + result.criteria if r["source"] == "missing"]
    if missing:
        findings.append("Not answered yet: " + ", ".join(missing) + ".")
    prefilled = [r["id"] for r in result.triggers + result.criteria if r["source"] == "prefilled"]
    if prefilled:
        findings.append("Prefilled from system.yaml, to confirm and record: " + ", ".join(prefilled) + ".")
    if not recorded.authority_lists_checked:
        findings.append("Record which supervisory authority lists (Art. 35(4)) were checked.")
    if recorded.decision is None:
        findings.append(f"No decision recorded yet; the rule gives '{result.rule_decision}'.")
        return findings
    if not (recorded.decision_rationale or "").strip():
        findings.append("The recorded decision has no decision_rationale.")
    if _STRENGTH[recorded.decision] < _STRENGTH[result.rule_decision]:
        findings.append(f"Recorded decision '{recorded.decision}' departs from the rule ('{result.rule_decision}'): "
                        "document the reasons and the DPO's view.")
    if recorded.decision == "not_required" and result.criteria_met:
        if not (recorded.decision_rationale or "").strip() or not (dpia and dpia.dpo_advice):
            findings.append("'not_required' with criteria met ("
                            + ", ".join(result.criteria_met) + ") needs a decision_rationale and DPO advice "
                            "before it can be final.")
    return findings


# ---------------------------------------------------------------- systematic description

def prefill_description(system: SystemProfile) -> dict[str, Any]:
    """Data categories, subjects, processors, recipients and transfers as the data flows describe them."""
    components = {c.id: c for c in system.components}
    categories: dict[str, dict[str, Any]] = {}
    subjects: list[str] = []
    processors: dict[str, dict[str, Any]] = {}
    transfers = []
    for flow in system.data_flows:
        target = components[flow.destination].name if flow.destination in components else flow.destination
        for name in flow.personal_data:
            declared = system.data_category(name)  # special category is a property of the data category
            entry = categories.setdefault(name, {"name": declared.name if declared else name, "special_category": False,
                                                 "source": flow.source, "retention": [], "recipients": [],
                                                 "data_flows": []})
            entry["special_category"] = entry["special_category"] or (
                declared.special_category if declared else flow.special_category_data)
            if flow.retention and flow.retention not in entry["retention"]:
                entry["retention"].append(flow.retention)
            recipient = flow.processor or target
            if recipient not in entry["recipients"]:
                entry["recipients"].append(recipient)
            entry["data_flows"].append(flow.id)
        subjects.extend(s for s in flow.data_subjects if s not in subjects)
        if flow.processor and flow.personal_data:
            processors.setdefault(flow.processor, {"name": flow.processor, "service": target,
                                                   "location": flow.region, "data_flows": []})["data_flows"].append(flow.id)
        if flow.personal_data and in_eea(flow.region) is False:
            transfers.append({"importer": flow.processor or target, "country": flow.region,
                              "mechanism": flow.transfer_mechanism, "data_flow": flow.id,
                              "needs_mechanism": True, "mechanism_recorded": bool(flow.transfer_mechanism)})
    for entry in categories.values():
        entry["retention"] = "; ".join(entry["retention"]) or None
    return {"data_categories": list(categories.values()), "data_subjects": subjects,
            "processors": list(processors.values()), "international_transfers": transfers,
            "unknown_regions": [f.id for f in system.data_flows if f.personal_data and in_eea(f.region) is None],
            "supporting_assets": [f"{c.name} ({c.layer})" for c in system.components
                                  if c.layer in ("tooling", "service", "weights")]}


def draft(system: SystemProfile, *, today: dt.date) -> Dpia:
    """A first ``dpia.yaml`` from the system profile: the systematic description prefilled, no decision.

    Screening answers are not written: :func:`screen` shows them as *prefilled* until the team records
    its own answer for each, so an unconfirmed guess never looks like a decision.
    """
    desc = prefill_description(system)
    return Dpia.model_validate({
        "dpia_id": f"DPIA-{system.id}", "version": "0.1", "status": "draft", "created_at": today,
        "description": {
            "processing_name": system.name, "summary": system.purpose, "context": system.context,
            "data_categories": [{"name": c["name"], "special_category": c["special_category"], "source": c["source"],
                                 "retention": c["retention"], "recipients": c["recipients"]}
                                for c in desc["data_categories"]],
            "data_subjects": [{"category": s} for s in desc["data_subjects"]],
            "processors": [{"name": p["name"], "service": p["service"], "location": p["location"]}
                           for p in desc["processors"]],
            "international_transfers": [{k: t[k] for k in ("importer", "country", "mechanism", "data_flow")}
                                        for t in desc["international_transfers"]],
            "supporting_assets": desc["supporting_assets"],
        },
    })


# ---------------------------------------------------------------- risks, prior consultation, completeness

def large_scale(result: ScreeningResult) -> bool:
    return "C5" in result.criteria_met


def risk_rows(dpia: Dpia, *, is_large_scale: bool) -> list[dict[str, Any]]:
    """DPIA risks with inherent and residual levels (residual = inherent until measures are rated)."""
    rows = []
    for risk in dpia.risks:
        inherent = risk_level(risk.severity, risk.likelihood, large_scale=is_large_scale)
        rated = risk.residual_severity is not None
        residual = (risk_level(risk.residual_severity, risk.residual_likelihood, large_scale=is_large_scale)
                    if rated else inherent)
        rows.append({"id": risk.id, "title": risk.title, "catalogue_ref": risk.catalogue_ref,
                     "feared_event": risk.feared_event, "impacts": list(risk.impacts), "threats": list(risk.threats),
                     "sources": list(risk.sources), "severity": risk.severity,
                     "severity_justification": risk.severity_justification, "likelihood": risk.likelihood,
                     "likelihood_justification": risk.likelihood_justification, "inherent_level": inherent,
                     "measures": [{"id": m, "title": dpia.measure(m).title if dpia.measure(m) else m}
                                  for m in risk.measures],
                     "residual_severity": risk.residual_severity, "residual_likelihood": risk.residual_likelihood,
                     "residual_justification": risk.residual_justification, "residual_level": residual,
                     "residual_rated": rated, "effect": risk.effect, "approved_by": risk.approved_by,
                     "approved_on": risk.approved_on.isoformat() if risk.approved_on else None,
                     "register_risk": risk.register_risk,
                     "register_refs": list(risk.register_refs)})
    return rows


def prior_consultation_required(rows: list[dict[str, Any]]) -> bool:
    """Art. 36(1): any risk whose residual level stays high."""
    return any(r["residual_level"] == "high" for r in rows)


# ---------------------------------------------------------------- workspace-level views

def load(ws: "Workspace") -> Dpia | None:
    """The workspace's DPIA record, or None when ``dpia.yaml`` does not exist yet."""
    return ws.records.get(DPIA_FILE)


def rmf_suggestions(ws: "Workspace") -> list[tuple[str, str]]:
    """(subcategory, reason) pairs the DPIA and privacy risks support; the user accepts them in the mapping.

    Only subcategories with recorded content are suggested, and only when not already ``met``.
    """
    from rmfkit.risks import rmf_suggestions as register_suggestions

    dpia = load(ws)
    found: dict[str, str] = {}
    if dpia is not None:
        if dpia.screening.decision:
            found["GOVERN 1.1"] = ("GDPR Art. 35 screening recorded (decision "
                                   f"'{dpia.screening.decision}'): a legal requirement understood and documented.")
        if dpia.description.purposes:
            found["MAP 1.1"] = (f"DPIA systematic description: {len(dpia.description.purposes)} purposes with lifecycle "
                                "phase and lawful basis, data categories, recipients and transfers.")
        if dpia.risks:
            found["MAP 5.1"] = (f"{len(dpia.risks)} DPIA risks rated for severity and likelihood (1-4) with "
                                "written justifications.")
            if dpia.measures:
                found["MEASURE 2.10"] = (f"Privacy risks examined and documented in the DPIA: {len(dpia.risks)} risks, "
                                         f"{len(dpia.measures)} measures with residual risk.")
    for sub, reason in register_suggestions(ws):
        if sub in RMF_LINKS and sub not in found:
            found[sub] = reason
    return [(sub, found[sub]) for sub in RMF_LINKS if sub in found and ws.assessment(sub).status != "met"]


# ---------------------------------------------------------------- reference checks (rmfkit validate)

def check_references(ws: "Workspace") -> list["Problem"]:
    """Ids in ``dpia.yaml`` that must exist: measures, register risks, data flows, evidence; no duplicates."""
    from rmfkit.errors import Problem

    dpia = load(ws)
    if dpia is None:
        return []
    problems: list[Problem] = []

    def problem(message: str, loc: tuple, field_name: str) -> None:
        problems.append(Problem(DPIA_FILE, message, ws.locate(DPIA_FILE, loc), field_name))

    measure_ids = [m.id for m in dpia.measures]
    risk_ids = [r.id for r in dpia.risks]
    for name, ids in (("measures", measure_ids), ("risks", risk_ids)):
        for i, item_id in enumerate(ids):
            if ids.index(item_id) != i:
                problem(f"id '{item_id}' is used twice", (name, i, "id"), f"{name}.id")
    register = set(ws.risks)
    evidence = set(ws.evidence)
    system = ws.records.get("system.yaml")  # None when system.yaml broke its schema: flows are not checked
    flows = {f.id for f in system.data_flows} if system is not None else None
    for i, risk in enumerate(dpia.risks):
        for j, measure_id in enumerate(risk.measures):
            if measure_id not in measure_ids:
                problem(f"measure '{measure_id}' is not in measures", ("risks", i, "measures", j), f"risks.{risk.id}.measures")
        if risk.register_risk and risk.register_risk not in register:
            problem(f"risk '{risk.register_risk}' is not in risks/", ("risks", i, "register_risk"),
                    f"risks.{risk.id}.register_risk")
        for j, ref in enumerate(risk.register_refs):
            if ref not in register:
                problem(f"risk '{ref}' is not in risks/", ("risks", i, "register_refs", j), f"risks.{risk.id}.register_refs")
    for key, item in dpia.necessity.items():
        for j, measure_id in enumerate(item.measures):
            if measure_id not in measure_ids:
                problem(f"measure '{measure_id}' is not in measures", ("necessity", key, "measures", j),
                        f"necessity.{key}.measures")
    for i, transfer in enumerate(dpia.description.international_transfers):
        if transfer.data_flow and flows is not None and transfer.data_flow not in flows:
            problem(f"data flow '{transfer.data_flow}' is not in system.yaml",
                    ("description", "international_transfers", i, "data_flow"),
                    "description.international_transfers.data_flow")
    cited = [(("screening", "criteria", cid, "evidence", j), f"screening.criteria.{cid}.evidence", e)
             for cid, answer in dpia.screening.criteria.items() for j, e in enumerate(answer.evidence)]
    cited += [(("measures", i, "evidence", j), f"measures.{m.id}.evidence", e)
              for i, m in enumerate(dpia.measures) for j, e in enumerate(m.evidence)]
    for loc, field_name, evidence_id in cited:
        if evidence_id not in evidence:
            problem(f"evidence '{evidence_id}' is not in this workspace", loc, field_name)
    return problems
