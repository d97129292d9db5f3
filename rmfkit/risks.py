"""The risk register: scoring, levels, a starter catalogue to adopt, heat-map counts, register rows.

Scores are likelihood x impact on the 5x5 scale of :mod:`rmfkit.models.risk`; the level bands are
low (1-4), medium (5-12) and high (15-25). Everything here is a pure function over typed records,
except :func:`adopt_starter`, :func:`add_risk` and :func:`rescore`, which change a workspace inside
``ws.edit()``.

>>> level(4), level(12), level(15)
('low', 'medium', 'high')
>>> heatmap_counts([])[0]
[0, 0, 0, 0, 0]
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Iterable

from rmfkit.models.risk import IMPACT_LEVELS, LIKELIHOOD_LEVELS, SCALE, Risk, ScoreChange, risk_categories

if TYPE_CHECKING:
    from rmfkit.errors import Problem
    from rmfkit.workspace import Workspace

LEVELS = ("low", "medium", "high")
HIGH_FROM = 15
MEDIUM_FROM = 5


def level(score: int) -> str:
    """Band of a 5x5 score: low 1-4, medium 5-12, high 15-25."""
    if score >= HIGH_FROM:
        return "high"
    if score >= MEDIUM_FROM:
        return "medium"
    return "low"


@dataclass(frozen=True)
class StarterRisk:
    """A risk most teams building on open-source or generative AI meet; adopt it, then re-score it."""

    key: str
    title: str
    category: str
    description: str
    measures: tuple[str, ...]
    subcategories: tuple[str, ...]
    component_layers: tuple[str, ...] = ()
    likelihood: int = 3
    impact: int = 3


STARTER_RISKS: tuple[StarterRisk, ...] = (
    StarterRisk("license-drift", "A component's license changes between releases", "license-drift",
                "A repository starts under a permissive license and a later release of the code or weights moves to "
                "a custom license with use restrictions; an upgrade silently changes what we may do.",
                ("Keep the license register current and re-check it at every upgrade",
                 "Pin versions and record the SHA-256 of each evaluated license text"),
                ("GOVERN 6.1", "MAP 4.1", "MANAGE 3.1"), ("weights", "framework", "tooling", "data")),
    StarterRisk("data-provenance", "Unclear rights and provenance of training data", "data-provenance",
                "The training data of an open-weights model or a dataset we use is undocumented or under unclear "
                "terms (scraped content, personal data, copyrighted works).",
                ("Record the data sources and dataset licenses of each model and dataset",
                 "Prefer models with documented data provenance"),
                ("MAP 4.1", "GOVERN 6.1", "MEASURE 2.10"), ("weights", "data")),
    StarterRisk("supply-chain-integrity", "Tampered or unverified model artefacts", "supply-chain-integrity",
                "Model weights, containers or packages are pulled without checksum or signature verification; a "
                "compromised artefact (e.g. unsafe pickle) reaches production.",
                ("Verify checksums of model artefacts before deployment", "Prefer safetensors and signed releases",
                 "Keep an SBOM of the serving stack"),
                ("GOVERN 6.1", "MEASURE 2.7", "MANAGE 3.2"), ("weights", "tooling", "framework"), 2, 4),
    StarterRisk("quality-variance", "Task quality differs from published benchmarks", "quality-variance",
                "An open model that ranks well on leaderboards performs worse on our task, or a new release or "
                "quantization regresses quality.",
                ("Evaluate on a task-specific labelled set with acceptance thresholds",
                 "Re-evaluate after every model, quantization or prompt change"),
                ("MEASURE 2.5", "MAP 2.3", "MANAGE 3.2"), ("weights",)),
    StarterRisk("hidden-infrastructure-cost", "Serving cost exceeds the plan", "hidden-infrastructure-cost",
                "GPU capacity, quantization, batching and caching needs are underestimated; cost or latency "
                "budgets are exceeded as usage grows.",
                ("Track cost per request and latency against a budget", "Load-test before each capacity change"),
                ("MANAGE 2.2", "MAP 3.2"), ("tooling", "service"), 3, 2),
    StarterRisk("governance-debt", "Nobody owns the model lifecycle", "governance-debt",
                "Model versions, prompts and configuration change without an owner, review or record; nobody "
                "can say which model served which answer.",
                ("Name an owner for each model component", "Use an MLOps readiness checklist and change log"),
                ("GOVERN 2.1", "GOVERN 1.6", "MANAGE 2.2")),
    StarterRisk("confabulation", "Confident but wrong answers (confabulation)", "confabulation",
                "The generative model produces plausible but false or unsupported statements that users act on.",
                ("Ground answers in retrieved sources and show them", "Human review of drafts before sending"),
                ("MEASURE 2.5", "MAP 2.3"), (), 4, 3),
    StarterRisk("data-privacy", "Personal data leaks through prompts, logs or outputs", "data-privacy",
                "Personal data in prompts is logged, retained too long, sent to third parties or reproduced in "
                "outputs to the wrong person.",
                ("Redact personal data before logging", "Short retention for prompts and outputs",
                 "DPIA with measures per risk"),
                ("MEASURE 2.10", "MAP 1.1"), (), 3, 4),
    StarterRisk("information-security", "Prompt injection and data exfiltration", "information-security",
                "Instructions hidden in user input or retrieved content make the model reveal context, other "
                "users' data or call tools it should not.",
                ("Red-team with injection prompts before release", "Least-privilege tools and output filtering"),
                ("MEASURE 2.7", "MANAGE 1.3"), (), 3, 4),
    StarterRisk("value-chain-component-integration", "Opaque third-party model or API changes",
                "value-chain-component-integration",
                "A hosted model or third-party component changes behaviour, terms or data handling without notice.",
                ("Contract terms on change notice and data use", "Monitor third-party components each quarter"),
                ("GOVERN 6.1", "MANAGE 3.1"), ("service",)),
)
STARTER_BY_KEY = {s.key: s for s in STARTER_RISKS}
STARTER_RATIONALE = ("Default score of the rmfkit starter catalogue, not yet assessed for this system: "
                     "re-score with the team and replace this rationale.")


def heatmap_counts(risks: Iterable[Risk], *, residual: bool = False) -> list[list[int]]:
    """5x5 counts: ``counts[impact - 1][likelihood - 1]``; closed risks are left out.

    With ``residual=True`` a risk is placed at its residual score where one is recorded.

    >>> r = Risk(id="R-0001", title="t", category="confabulation", likelihood=2, impact=5, owner="o", rationale="r")
    >>> heatmap_counts([r])[4]
    [0, 1, 0, 0, 0]
    """
    counts = [[0] * 5 for _ in range(5)]
    for risk in risks:
        if risk.status == "closed":
            continue
        likelihood, impact = risk.likelihood, risk.impact
        if residual and risk.residual_score is not None:
            likelihood, impact = risk.residual_likelihood, risk.residual_impact
        counts[impact - 1][likelihood - 1] += 1
    return counts


def acceptance(risk: Risk) -> str | None:
    """Who accepted a risk treated by acceptance, in words (``None`` for other treatments).

    >>> r = Risk(id="R-0001", title="t", category="confabulation", likelihood=2, impact=3, owner="o",
    ...          rationale="r", treatment="accept", accepted_by="A. Novak, Head of CX", accepted_on=dt.date(2026, 11, 16))
    >>> acceptance(r), acceptance(r.model_copy(update={"accepted_by": None}))
    ('accepted by A. Novak, Head of CX on 2026-11-16', 'accepted, but no one is recorded as accepting it')
    """
    if risk.treatment != "accept":
        return None
    if not (risk.accepted_by or "").strip():
        return "accepted, but no one is recorded as accepting it"
    return f"accepted by {risk.accepted_by}" + (f" on {risk.accepted_on.isoformat()}" if risk.accepted_on else "")


def register_row(risk: Risk) -> dict[str, Any]:
    """One risk as plain data (packet table, notebook DataFrame, ``risk ls --json``)."""
    from rmfkit.acceptance import intact

    categories = risk_categories()
    return {
        "id": risk.id, "title": risk.title, "category": risk.category,
        "category_title": categories[risk.category], "status": risk.status, "treatment": risk.treatment,
        "owner": risk.owner, "due": risk.due.isoformat() if risk.due else None,
        "likelihood": risk.likelihood, "impact": risk.impact, "inherent_score": risk.inherent_score,
        "inherent_level": level(risk.inherent_score), "rationale": risk.rationale,
        "residual_likelihood": risk.residual_likelihood, "residual_impact": risk.residual_impact,
        "residual_score": risk.residual_score,
        "residual_level": level(risk.residual_score) if risk.residual_score is not None else None,
        "residual_rationale": risk.residual_rationale, "current_level": level(risk.current_score),
        "measures": list(risk.measures), "subcategories": list(risk.subcategories),
        "components": list(risk.components), "evidence": list(risk.evidence),
        "accepted_by": risk.accepted_by, "acceptance": acceptance(risk),
        "accepted_on": risk.accepted_on.isoformat() if risk.accepted_on else None,
        "acceptance_key_sha256": risk.acceptance_signature.key_sha256 if risk.acceptance_signature else None,
        "acceptance_intact": intact(risk), "residual_controls": list(risk.residual_controls),
        "rescored": len(risk.history), "last_reviewed": risk.last_reviewed.isoformat() if risk.last_reviewed else None,
    }


def register_rows(ws: "Workspace") -> list[dict[str, Any]]:
    """Every risk of the workspace as a plain row, highest current score first, then by id."""
    risks = sorted(ws.risks.values(), key=lambda r: (-r.current_score, r.id))
    return [register_row(r) for r in risks]


def summary(risks: Iterable[Risk], today: dt.date | None = None) -> dict[str, Any]:
    """Counts for the status page: open risks by current level, mitigated ones, overdue treatments (as of ``today``)."""
    from rmfkit.clock import today as default_today

    day = today or default_today()
    risks = list(risks)
    open_risks = [r for r in risks if r.status != "closed"]
    by_level = {name: sum(1 for r in open_risks if level(r.current_score) == name) for name in LEVELS}
    return {"total": len(risks), "open": len(open_risks), "open_high": by_level["high"],
            "open_medium": by_level["medium"], "open_low": by_level["low"],
            "with_residual_score": sum(1 for r in risks if r.residual_score is not None),
            "overdue": sum(1 for r in open_risks if r.due and r.due < day)}


def scale_legend() -> dict[str, Any]:
    """The stated scale, for tables and chart axes (keys are text so the dict survives JSON unchanged)."""
    return {"scale": SCALE, "likelihood": {str(k): v for k, v in LIKELIHOOD_LEVELS.items()},
            "impact": {str(k): v for k, v in IMPACT_LEVELS.items()},
            "levels": {"low": "1-4", "medium": "5-12", "high": "15-25"}}


def check_acceptance(ws: "Workspace") -> list["Problem"]:
    """A risk treated by acceptance must name who accepted it (``accepted_by``), open or closed.

    Accepting a residual risk is a decision someone with the authority to take it has to own
    (AI RMF MANAGE 1.3, 1.4); a register that says "accept" without a name records no decision.
    """
    from rmfkit.errors import Problem

    return [Problem(rel, "an accepted risk needs accepted_by: the person who accepted the residual risk, "
                         "as 'Name, role' (e.g. 'A. Novak, Head of Customer Experience')", ws.locate(rel, ("treatment",)), "accepted_by")
            for rel, risk in ws.records_of("risk").items()
            if risk.treatment == "accept" and not (risk.accepted_by or "").strip()]


def next_risk_id(ws: "Workspace") -> str:
    numbers = [int(rid.split("-")[1]) for rid in ws.risks]
    return f"R-{max(numbers, default=0) + 1:04d}"


def add_risk(ws: "Workspace", **fields: Any) -> Risk:
    """Validate and store a new risk (inside ``ws.edit()``); the id is the next free one.

    Raises :class:`~rmfkit.errors.UsageError` naming the field when a value is invalid, or when the
    treatment is ``accept`` and ``accepted_by`` does not name who accepted it (:func:`check_acceptance`).
    """
    from pydantic import ValidationError

    from rmfkit.errors import UsageError
    from rmfkit.wording import describe_validation_error
    from rmfkit.clock import today

    data = {"id": next_risk_id(ws), "identified_on": today(), **{k: v for k, v in fields.items() if v is not None}}
    try:
        risk = Risk.model_validate(data)
    except ValidationError as exc:
        field, message = describe_validation_error(exc.errors()[0])
        raise UsageError(message, field=field) from None
    if risk.treatment == "accept" and not (risk.accepted_by or "").strip():
        raise UsageError("treatment 'accept' needs who accepted the residual risk, and when "
                         "(e.g. 'A. Novak, Head of Customer Experience')", field="accepted_by",
                         hint="on the command line: --accepted-by NAME")
    _require_links(ws, risk)
    ws.put(f"risks/{risk.id}.yaml", risk)
    return risk


def _require_links(ws: "Workspace", risk: Risk) -> None:
    from rmfkit.catalog import load_catalog
    from rmfkit.errors import UnknownIdError

    catalog = load_catalog()
    for sub in risk.subcategories:
        catalog.subcategory(sub)
    components = {c.id for c in ws.system.components}
    for comp in risk.components:
        if comp not in components:
            raise UnknownIdError(f"unknown component '{comp}'", field="components",
                                 hint="component ids are listed in system.yaml")
    for evidence_id in risk.evidence:
        ws.require_evidence(evidence_id)


def adopt_starter(ws: "Workspace", keys: Iterable[str] | None = None, *, owner: str | None = None) -> list[Risk]:
    """Add starter-catalogue risks not yet in the register (inside ``ws.edit()``); returns the new ones.

    Without ``keys``, a starter is skipped when it was adopted before or its category is already in the
    register; named ``keys`` are skipped only when adopted before.

    Each adopted risk links the system's components on the layers the starter names and carries an
    honest rationale saying its score is a default to be re-assessed.
    """
    from rmfkit.errors import UnknownIdError

    wanted = list(keys) if keys else [s.key for s in STARTER_RISKS]
    for key in wanted:
        if key not in STARTER_BY_KEY:
            raise UnknownIdError(f"unknown starter risk '{key}'", field="starter",
                                 hint="choose from " + ", ".join(STARTER_BY_KEY))
    adopted_keys = {r.starter for r in ws.risks.values() if r.starter}
    covered = {r.category for r in ws.risks.values()}
    added = []
    for key in wanted:
        if key in adopted_keys or (keys is None and STARTER_BY_KEY[key].category in covered):
            continue
        starter = STARTER_BY_KEY[key]
        components = [c.id for c in ws.system.components if c.layer in starter.component_layers]
        added.append(add_risk(ws, title=starter.title, description=starter.description, category=starter.category,
                              starter=key, source="rmfkit starter catalogue", likelihood=starter.likelihood,
                              impact=starter.impact, rationale=STARTER_RATIONALE, measures=list(starter.measures),
                              subcategories=list(starter.subcategories), components=components,
                              owner=owner or ws.system.owner))
        adopted_keys.add(key)
    return added


def rescore(ws: "Workspace", risk_id: str, *, reason: str, likelihood: int | None = None, impact: int | None = None,
            rationale: str | None = None, residual_likelihood: int | None = None,
            residual_impact: int | None = None, residual_rationale: str | None = None) -> Risk:
    """Change a risk's score (inside ``ws.edit()``), keeping the previous score in ``history``."""
    from pydantic import ValidationError

    from rmfkit.errors import UnknownIdError, UsageError
    from rmfkit.wording import describe_validation_error
    from rmfkit.clock import today

    risk = ws.risks.get(risk_id)
    if risk is None:
        raise UnknownIdError(f"unknown risk '{risk_id}'", hint="list risks with `rmfkit risk ls`")
    previous = ScoreChange(date=risk.last_reviewed or risk.identified_on or today(), likelihood=risk.likelihood,
                           impact=risk.impact, residual_likelihood=risk.residual_likelihood,
                           residual_impact=risk.residual_impact, reason=reason)
    changes = {"likelihood": likelihood, "impact": impact, "rationale": rationale,
               "residual_likelihood": residual_likelihood, "residual_impact": residual_impact,
               "residual_rationale": residual_rationale}
    data = risk.model_dump(exclude_unset=True)
    data.update({k: v for k, v in changes.items() if v is not None})
    # JSON mode gives fresh values: a date object shared with another field would be written as a YAML alias.
    data["history"] = [*data.get("history", []), previous.model_dump(mode="json", exclude_none=True)]
    data["last_reviewed"] = today()
    try:
        updated = Risk.model_validate(data)
    except ValidationError as exc:
        field, message = describe_validation_error(exc.errors()[0])
        raise UsageError(message, field=field) from None
    ws.put(ws.rel_of(risk), updated)
    return updated


def accept_risk(ws: "Workspace", risk_id: str, *, by: str, on: dt.date | None = None, due: dt.date | None = None,
                private_key: Any = None) -> Risk:
    """Record a named acceptance of a risk's residual score (inside ``ws.edit()``), signed with ``private_key``.

    ``by`` must name a person as ``"Name, role"`` (:func:`rmfkit.acceptance.person_problem`);
    ``on`` defaults to today. The signature covers the whole record as written (:mod:`rmfkit.acceptance`),
    so sign last: any later change of the file shows as altered.
    """
    from rmfkit.acceptance import person_problem, sign
    from rmfkit.clock import today
    from rmfkit.errors import UnknownIdError, UsageError

    risk = ws.risks.get(risk_id)
    if risk is None:
        raise UnknownIdError(f"unknown risk '{risk_id}'", hint="list risks with `rmfkit risk ls`")
    problem = person_problem(by)
    if problem:
        raise UsageError(f"'{by}' {problem}", field="accepted_by",
                         hint='e.g. --by "A. Novak, Head of Customer Experience"')
    data = risk.model_dump(exclude_unset=True, exclude={"acceptance_signature"})
    data.update(treatment="accept", accepted_by=by.strip(), accepted_on=on or today())
    if due is not None:
        data["due"] = due
    updated = Risk.model_validate(data)
    if private_key is not None:
        updated = updated.model_copy(update={"acceptance_signature": sign(updated, private_key)})
    ws.put(ws.rel_of(risk), updated)
    return updated


def rmf_suggestions(ws: "Workspace") -> list[tuple[str, str]]:
    """(subcategory, reason) for mapping entries the register supports, to be accepted by the user."""
    risks = list(ws.risks.values())
    if not risks:
        return []
    suggestions = [("MAP 5.1", f"{len(risks)} risks scored for likelihood and impact on a stated 5x5 scale "
                               "with written rationales")]
    treated = [r for r in risks if r.residual_score is not None]
    if treated:
        suggestions.append(("MANAGE 1.4", f"{len(treated)} risks record a residual score after treatment"))
    privacy = [r.id for r in risks if r.category in ("data-privacy", "data-protection")]
    if privacy:
        suggestions.append(("MEASURE 2.10", "privacy risks examined and documented in the register: "
                                            + ", ".join(privacy)))
    return suggestions
