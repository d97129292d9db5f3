"""Operating open models: the readiness checklist as the evidence supports it, the pilot plan, artefact integrity.

A checklist item's recorded status is a *claim*, judged like an RMF subcategory (see :mod:`rmfkit.assess`):
an item marked ``done`` whose linked evidence is all expired, missing or altered is shown ``unsupported``
with the reason; one usable item keeps it supported (the broken ones are still named); ``done`` with no
evidence stays ``done`` and is flagged. Everything here returns plain data for the CLI, notebooks and packet.

>>> import datetime as dt
>>> from rmfkit.models.operations import Operations
>>> ops = Operations.model_validate({"checklist": [{"id": "updates.rollback", "status": "done",
...                                                 "evidence": ["E-1"]}]})
>>> state = item_states(ops, {"E-1": "expired"}, today=dt.date(2026, 6, 1))[0]
>>> state.shown_status, state.reason
('unsupported', 'marked done, but none of its evidence is usable: E-1 expired')
"""
from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Iterable, Mapping

from rmfkit.jsonable import jsonable
from rmfkit.models.operations import PILOT_STEPS, Operations

if TYPE_CHECKING:
    from rmfkit.records import Records
    from rmfkit.models.evidence import EvidenceRecord
    from rmfkit.workspace import Workspace

OPERATIONS_FILE = "operations.yaml"
TEMPLATE_FILE = "ops_checklist.yaml"
# Statuses shown after the evidence check, in display order; ``not_recorded`` = a template item the
# workspace's checklist does not mention yet.
SHOWN_STATUSES: tuple[str, ...] = ("done", "unsupported", "in_progress", "open", "not_applicable", "not_recorded")
_RANK = {"not_recorded": 0, "unsupported": 0, "open": 1, "in_progress": 2, "done": 3, "not_applicable": 3}
_STEP_RANK = {"not_started": 0, "in_progress": 1, "done": 2, "skipped": 2}
CHECK_ARTEFACT_NAME = "artifact-check.json"
# Checklist items an artefact integrity check gives evidence for.
CHECK_ITEMS = ("supply_chain.checksums", "updates.pinned")


# ---------------------------------------------------------------- the packaged template

@dataclass(frozen=True)
class TemplateArea:
    id: str
    title: str
    seed_concept: int


@dataclass(frozen=True)
class TemplateItem:
    id: str
    area: str
    title: str
    description: str
    seed_concept: int
    subcategories: tuple[str, ...]
    risk_categories: tuple[str, ...]


@dataclass(frozen=True)
class TemplateStep:
    step: int
    title: str
    description: str
    seed_concept: int


@dataclass(frozen=True)
class OpsTemplate:
    """The readiness checklist and the ten pilot steps shipped with rmfkit."""

    areas: tuple[TemplateArea, ...]
    items: tuple[TemplateItem, ...]
    pilot_steps: tuple[TemplateStep, ...]

    def item(self, item_id: str) -> TemplateItem | None:
        return next((i for i in self.items if i.id == item_id), None)

    def area(self, area_id: str) -> TemplateArea:
        return next(a for a in self.areas if a.id == area_id)

    def step(self, number: int) -> TemplateStep:
        return self.pilot_steps[number - 1]


@lru_cache(maxsize=1)
def load_template() -> OpsTemplate:
    """The packaged checklist template.

    >>> t = load_template()
    >>> len(t.pilot_steps), t.step(7).title
    (10, 'Quantize if latency or cost demands it, then re-evaluate')
    """
    from rmfkit.paths import PACKAGE_DIR
    from rmfkit.safeparse import parse_yaml_plain

    raw = parse_yaml_plain((PACKAGE_DIR / "data" / TEMPLATE_FILE).read_bytes(), f"rmfkit/data/{TEMPLATE_FILE}")
    return OpsTemplate(
        areas=tuple(TemplateArea(a["id"], a["title"], a["seed_concept"]) for a in raw["areas"]),
        items=tuple(TemplateItem(i["id"], i["area"], i["title"], i["description"], i["seed_concept"],
                                 tuple(i["subcategories"]), tuple(i["risk_categories"])) for i in raw["items"]),
        pilot_steps=tuple(TemplateStep(s["step"], s["title"], s["description"], s["seed_concept"])
                          for s in sorted(raw["pilot_steps"], key=lambda s: s["step"])),
    )


def starter_operations() -> Operations:
    """A new ``operations.yaml``: every template item ``open`` and the ten pilot steps ``not_started``.

    >>> ops = starter_operations()
    >>> len(ops.checklist) == len(load_template().items), len(ops.pilot)
    (True, 10)
    """
    from rmfkit.models.operations import ChecklistItem, PilotStep

    template = load_template()
    return Operations(checklist=[ChecklistItem(id=t.id, status="open") for t in template.items],
                      pilot=[PilotStep(step=s.step, status="not_started") for s in template.pilot_steps])


# ---------------------------------------------------------------- checklist items as the evidence supports them

@dataclass(frozen=True)
class ItemState:
    """One checklist item after the evidence check (``shown_status`` is what the packet shows)."""

    id: str
    area: str
    title: str
    status: str
    shown_status: str
    reason: str | None
    flags: tuple[str, ...]
    owner: str | None
    due: dt.date | None
    completed_on: dt.date | None
    evidence: tuple[dict, ...]
    subcategories: tuple[str, ...]
    risks: tuple[str, ...]
    notes: str | None
    justification: str | None = None
    description: str | None = None
    risk_categories: tuple[str, ...] = ()

    @property
    def usable_evidence(self) -> list[str]:
        return [e["id"] for e in self.evidence if e["status"] == "ok"]

    def as_dict(self) -> dict[str, Any]:
        return jsonable(asdict(self))




def _check_of(checks: Mapping[str, Any], evidence_id: str) -> dict:
    """``{"id", "status", "reason"}`` of one linked item; ``checks`` values are status text or EvidenceCheck."""
    check = checks.get(evidence_id)
    if check is None:
        return {"id": evidence_id, "status": "missing", "reason": "is not in this workspace"}
    if isinstance(check, str):
        return {"id": evidence_id, "status": check, "reason": check.replace("_", " ")}
    return {"id": evidence_id, "status": check.status, "reason": check.reason}


def item_states(ops: Operations, checks: Mapping[str, Any], today: dt.date) -> list[ItemState]:
    """Every item of the checklist in template order (then the team's own), judged against ``checks``.

    ``checks`` maps evidence id to its check (``freshness.check_all``) or to a status text
    (``ok | expired | missing | hash_mismatch``, as a frozen snapshot stores it).
    """
    template = load_template()
    order = {item.id: n for n, item in enumerate(template.items)}
    states = []
    for item in sorted(ops.checklist, key=lambda i: (order.get(i.id, len(order)), i.id)):
        known = template.item(item.id)
        evidence = tuple(_check_of(checks, e) for e in item.evidence)
        usable = [e["id"] for e in evidence if e["status"] == "ok"]
        broken = "; ".join(f"{e['id']} {e['reason']}" for e in evidence if e["status"] != "ok")
        shown, reason, flags = item.status, None, []
        if item.status == "done" and evidence and not usable:
            shown, reason = "unsupported", f"marked done, but none of its evidence is usable: {broken}"
            flags.append("unsupported")
        elif item.status == "done" and usable:
            reason = "supported by " + ", ".join(usable) + (f"; also linked: {broken}" if broken else "")
            if broken:
                flags.append("evidence_problem")
        elif item.status == "done":
            reason = "marked done without evidence"
            flags.append("done_without_evidence")
        elif item.status == "not_applicable":
            reason = (item.justification or "").strip() or None
            if not reason:
                flags.append("not_applicable_without_justification")
        else:
            if item.due and item.due < today:
                flags.append("overdue")
                reason = f"due {item.due.isoformat()}, overdue"
            if not item.owner:
                flags.append("no_owner")
        states.append(ItemState(
            id=item.id, area=item.area or (known.area if known else item.id.split(".")[0]),
            title=item.title or (known.title if known else item.id), status=item.status, shown_status=shown,
            reason=reason, flags=tuple(flags), owner=item.owner, due=item.due, completed_on=item.completed_on,
            evidence=evidence,
            subcategories=tuple(item.subcategories if item.subcategories is not None
                                else (known.subcategories if known else ())),
            risks=tuple(item.risks), notes=item.notes, justification=item.justification,
            description=known.description if known else None,
            risk_categories=known.risk_categories if known else ()))
    return states


def operations_of(ws: "Workspace") -> Operations | None:
    """The workspace's ``operations.yaml`` record, or ``None`` if it has none yet."""
    return ws.records.get(OPERATIONS_FILE)


def checklist_status(ws: "Records | Workspace", today: dt.date, *, checks: Mapping[str, Any]) -> list[ItemState]:
    """The workspace's checklist, judged with the evidence checks as of ``today`` (empty if not recorded)."""
    ops = operations_of(ws)
    if ops is None:
        return []
    return item_states(ops, checks, today)


def _summary(states: Iterable[ItemState]) -> dict[str, int]:
    """Items per shown status, plus ``overdue``, ``done_without_evidence`` and ``total``."""
    states = list(states)
    counts = {status: sum(1 for s in states if s.shown_status == status) for status in SHOWN_STATUSES}
    counts["overdue"] = sum(1 for s in states if "overdue" in s.flags)
    counts["done_without_evidence"] = sum(1 for s in states if "done_without_evidence" in s.flags)
    counts["total"] = len(states)
    return counts


# ---------------------------------------------------------------- pilot plan

@dataclass(frozen=True)
class StepState:
    step: int
    title: str
    description: str
    status: str
    date: dt.date | None
    evidence: tuple[str, ...]
    notes: str | None

    def as_dict(self) -> dict[str, Any]:
        return jsonable(asdict(self))


def pilot_steps(ops: Operations) -> list[StepState]:
    """All ten steps with their recorded progress (unrecorded steps are ``not_started``)."""
    template = load_template()
    out = []
    for number in range(1, PILOT_STEPS + 1):
        recorded, known = ops.step(number), template.step(number)
        out.append(StepState(number, known.title, known.description, recorded.status, recorded.date,
                             tuple(recorded.evidence), recorded.notes))
    return out


def current_pilot_step(ops: Operations) -> StepState | None:
    """The first step neither done nor skipped; ``None`` when every step is.

    >>> ops = Operations.model_validate({"pilot": [{"step": 1, "status": "done"}, {"step": 2, "status": "done"}]})
    >>> current_pilot_step(ops).step
    3
    """
    return next((s for s in pilot_steps(ops) if s.status not in ("done", "skipped")), None)


def _pilot_label(step: StepState | None) -> str:
    """``"step 7 of 10: Quantize …"``, or ``"all 10 steps done"`` once the pilot is complete."""
    return f"step {step.step} of {PILOT_STEPS}: {step.title}" if step else f"all {PILOT_STEPS} steps done"


# ---------------------------------------------------------------- mapping suggestions

def suggestions_from_states(states: Iterable[ItemState], assessments: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(subcategory, reason) for each supported ``done`` item whose usable evidence the mapping does not link yet."""
    from rmfkit.catalog import load_catalog, subcategory_sort_key

    catalog = load_catalog()
    pairs: dict[tuple[str, str], None] = {}
    for state in states:
        if state.shown_status != "done" or not state.usable_evidence:
            continue
        for sub_text in state.subcategories:
            if not catalog.is_subcategory(sub_text):
                continue
            sub_id = catalog.subcategory(sub_text).id
            assessment = assessments.get(sub_id)
            linked = set(assessment.evidence) if assessment is not None else set()
            missing = [e for e in state.usable_evidence if e not in linked]
            if not missing:
                continue
            current = assessment.status if assessment is not None else "not_assessed"
            pairs[(sub_id, f"operations checklist item {state.id} ({state.title}) is done with evidence "
                           f"{', '.join(missing)}; {sub_id} is {current} and does not link it")] = None
    return sorted(pairs, key=lambda p: (subcategory_sort_key(p[0]), p[1]))


def mapping_suggestions(ws: "Records | Workspace", today: dt.date, *,
                        checks: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Subcategories the done checklist items speak to, as (subcategory, reason) pairs.

    The mapping shows them as "accept?" suggestions; accepting links the item's evidence.
    """
    return suggestions_from_states(checklist_status(ws, today, checks=checks), ws.assessments())


# ---------------------------------------------------------------- views (plain dicts)

def _latest_artifact_checks(evidence: Mapping[str, "EvidenceRecord"]) -> dict[str, "EvidenceRecord"]:
    """Per component, the newest evidence item of kind ``artifact-check``."""
    latest: dict[str, EvidenceRecord] = {}
    for record in sorted(evidence.values(), key=lambda r: (r.collected_at or dt.date.min, r.imported_at is not None,
                                                           r.imported_at or dt.datetime.min, r.id)):
        if record.kind == "artifact-check":
            for component in record.components:
                latest[component] = record
    return latest


def _artifact_rows(ws: "Workspace", ops: Operations | None, checks: Mapping[str, Any]) -> list[dict]:
    latest = _latest_artifact_checks(ws.evidence)
    expected = {a.component: a for a in (ops.artifacts if ops else [])}
    rows = []
    for component in ws.system.components:
        expectation = expected.get(component.id)
        if component.layer != "weights" and expectation is None:
            continue
        check = latest.get(component.id)
        last = None
        if check is not None:
            last = {"evidence_id": check.id, "date": check.collected_at.isoformat() if check.collected_at else None,
                    "match": bool(check.facts.get("ok")), "evidence_status": _check_of(checks, check.id)["status"],
                    "failures": list(check.facts.get("failures", []))}
        rows.append({"component": component.id, "name": component.name, "layer": component.layer,
                     "recorded": expectation is not None,
                     "form": (None if expectation is None else "file" if expectation.sha256 else "folder"),
                     "files": (0 if expectation is None else 1 if expectation.sha256 else len(expectation.files)),
                     "revision": expectation.revision if expectation else None,
                     "source": expectation.source if expectation else None,
                     "last_check": last})
    return rows


def _not_recorded(template_item: TemplateItem) -> ItemState:
    """A template item the workspace's checklist does not mention yet."""
    t = template_item
    return ItemState(id=t.id, area=t.area, title=t.title, status="not_recorded", shown_status="not_recorded",
                     reason="not recorded in the checklist", flags=(), owner=None, due=None, completed_on=None,
                     evidence=(), subcategories=t.subcategories, risks=(), notes=None, description=t.description,
                     risk_categories=t.risk_categories)


def _gaps(states: list[ItemState], artifacts: list[dict]) -> list[str]:
    """The section's gaps as sentences: unsupported or unevidenced claims, overdue or ownerless items,
    unrecorded template items, weights without (verified) checksums."""
    gaps = []
    for state in states:
        if state.shown_status == "unsupported":
            gaps.append(f"{state.title}: {state.reason}.")
        elif state.shown_status == "not_recorded":
            gaps.append(f"{state.title}: not recorded in the checklist.")
        elif "done_without_evidence" in state.flags:
            gaps.append(f"{state.title}: marked done without evidence.")
        elif "overdue" in state.flags:
            gaps.append(f"{state.title}: {state.status.replace('_', ' ')}, due {state.due.isoformat()} "
                        f"(overdue), owner {state.owner or 'not named'}.")
        elif "no_owner" in state.flags:
            gaps.append(f"{state.title}: {state.status.replace('_', ' ')} with no owner named.")
        elif "not_applicable_without_justification" in state.flags:
            gaps.append(f"{state.title}: marked not applicable without a justification.")
    for row in artifacts:
        if not row["recorded"]:
            gaps.append(f"{row['name']}: no expected checksum recorded for these weights.")
        elif row["last_check"] is None:
            gaps.append(f"{row['name']}: expected checksums recorded, but never verified against the deployed files.")
        elif not row["last_check"]["match"]:
            gaps.append(f"{row['name']}: the latest integrity check ({row['last_check']['evidence_id']}) "
                        "found files that differ from the expected checksums.")
    return gaps


def view(ws: "Records | Workspace", today: dt.date, *, checks: Mapping[str, Any]) -> dict:
    """The "Operating the model" section as plain data (str, int, bool, None, lists, dicts).

    Keys: ``recorded``, ``as_of``, ``summary`` (counts per shown status plus ``overdue``,
    ``done_without_evidence`` and ``total``), ``areas`` (each with its items in template order; template
    items the checklist does not mention are shown ``not_recorded``), ``artifacts`` (weights components,
    expected checksums and the latest integrity check), ``pilot`` (``current`` step, ``label`` and all ten
    ``steps``), ``gaps`` (sentences) and ``suggestions`` (subcategory, reason). Without ``operations.yaml``,
    ``recorded`` is False, ``summary`` and ``pilot`` are None and ``areas`` is empty.
    """
    day = today
    ops = operations_of(ws)
    template = load_template()
    artifacts = _artifact_rows(ws, ops, checks)
    if ops is None:
        return {"recorded": False, "as_of": day.isoformat(), "summary": None, "areas": [], "artifacts": artifacts,
                "pilot": None, "suggestions": [],
                "gaps": [f"No {OPERATIONS_FILE}: the operational readiness checklist and the pilot plan are not "
                         "recorded.", *_gaps([], artifacts)]}
    recorded = item_states(ops, checks, day)
    recorded_ids = {s.id for s in recorded}
    states = recorded + [_not_recorded(t) for t in template.items if t.id not in recorded_ids]
    areas = []
    for area in template.areas:
        items = [s for s in states if s.area == area.id]
        areas.append({"id": area.id, "title": area.title, "seed_concept": area.seed_concept,
                      "items": [s.as_dict() for s in items],
                      "done": sum(1 for s in items if s.shown_status == "done"), "total": len(items)})
    steps, current = pilot_steps(ops), current_pilot_step(ops)
    return {
        "recorded": True,
        "as_of": day.isoformat(),
        "summary": _summary(states),
        "areas": areas,
        "artifacts": artifacts,
        "pilot": {"current": current.as_dict() if current else None, "label": _pilot_label(current),
                  "done": sum(1 for s in steps if s.status == "done"),
                  "skipped": sum(1 for s in steps if s.status == "skipped"),
                  "steps": [dict(s.as_dict(), current=current is not None and s.step == current.step) for s in steps]},
        "gaps": _gaps(states, artifacts),
        "suggestions": [{"subcategory": sub, "reason": reason}
                        for sub, reason in suggestions_from_states(recorded, ws.assessments())],
    }
