"""Reference checks across files: ids that must exist, justifications that must be given.

Schema checks happen while the Workspace loads; these run after, on the records that loaded. Each check
is a function ``(workspace) -> list[Problem]`` in ``REFERENCE_CHECKS``; add one there to add a rule.
A check skips what it needs from a file that broke its schema (that problem is already listed), and a
reference to a record whose own file broke its schema is not reported again (see :func:`reference_problems`).
"""
from __future__ import annotations

import re
from typing import TYPE_CHECKING, Callable

from rmfkit.dpia import check_references as check_dpia
from rmfkit.errors import Problem, ValidationFailed
from rmfkit.licenses.workspace_checks import check_references as check_licenses
from rmfkit.measure import check_thresholds
from rmfkit.models.mapping import NOT_APPLICABLE_RULE, lacks_justification
from rmfkit.ops import OPERATIONS_FILE, load_template, operations_of
from rmfkit.risks import check_acceptance
from rmfkit.workspace_files import check_files

if TYPE_CHECKING:
    from rmfkit.records import Records
    from rmfkit.workspace import Workspace


def check_mapping(ws: "Workspace") -> list[Problem]:
    from rmfkit.catalog import load_catalog, normalize_id

    catalog = load_catalog()
    problems = []
    evidence = ws.evidence
    for rel, mapping in ws.records_of("mapping").items():
        expected = f"mapping/{mapping.function.lower()}.yaml"
        if rel != expected:
            problems.append(Problem(rel, f"holds function {mapping.function}; it belongs in {expected}",
                                    ws.locate(rel, ("function",)), "function"))
        for sub_id, assessment in mapping.subcategories.items():
            loc = ("subcategories", sub_id)
            if not catalog.is_subcategory(sub_id):
                problems.append(Problem(rel, f"'{sub_id}' is not an AI RMF subcategory",
                                        ws.locate(rel, loc), f"subcategories.{sub_id}"))
                continue
            if normalize_id(sub_id) != sub_id:
                problems.append(Problem(rel, f"write the id as '{normalize_id(sub_id)}'", ws.locate(rel, loc),
                                        f"subcategories.{sub_id}"))
            if catalog.subcategory(sub_id).function != mapping.function:
                problems.append(Problem(rel, f"'{sub_id}' belongs to {catalog.subcategory(sub_id).function}, "
                                             f"not {mapping.function}", ws.locate(rel, loc), f"subcategories.{sub_id}"))
            if lacks_justification(assessment.status, assessment.justification):
                problems.append(Problem(rel, NOT_APPLICABLE_RULE,
                                        ws.locate(rel, loc + ("status",)), f"subcategories.{sub_id}.justification"))
            for i, evidence_id in enumerate(assessment.evidence):
                if evidence_id not in evidence:
                    problems.append(Problem(rel, f"evidence '{evidence_id}' is not in this workspace "
                                                 "(import or pull it first)",
                                            ws.locate(rel, loc + ("evidence", i)), f"subcategories.{sub_id}.evidence"))
    return problems


def check_system(ws: "Workspace") -> list[Problem]:
    if "system.yaml" not in ws.records:
        return []
    system = ws.system
    problems = []
    ids = [c.id for c in system.components]
    for i, cid in enumerate(ids):
        if ids.index(cid) != i:
            problems.append(Problem("system.yaml", f"component id '{cid}' is used twice",
                                    ws.locate("system.yaml", ("components", i, "id")), "components.id"))
    for i, flow in enumerate(system.data_flows):
        if flow.destination not in ids and not flow.processor:
            problems.append(Problem("system.yaml", f"destination '{flow.destination}' is not a component id "
                                                   "(name a processor if it is an outside party)",
                                    ws.locate("system.yaml", ("data_flows", i, "destination")),
                                    f"data_flows.{flow.id}.destination"))
    evidence = ws.evidence
    for i, comp in enumerate(system.components):
        for j, evidence_id in enumerate(comp.evidence):
            if evidence_id not in evidence:
                problems.append(Problem("system.yaml", f"evidence '{evidence_id}' is not in this workspace",
                                        ws.locate("system.yaml", ("components", i, "evidence", j)),
                                        f"components.{comp.id}.evidence"))
    return problems


def check_risks(ws: "Workspace") -> list[Problem]:
    from rmfkit.catalog import load_catalog

    catalog = load_catalog()
    problems = []
    components = {c.id for c in ws.system.components} if "system.yaml" in ws.records else set()
    evidence = ws.evidence
    for rel, risk in ws.records_of("risk").items():
        expected = f"risks/{risk.id}.yaml"
        if rel != expected:
            problems.append(Problem(rel, f"risk {risk.id} belongs in {expected}", ws.locate(rel, ("id",)), "id"))
        for i, sub in enumerate(risk.subcategories):
            if not catalog.is_subcategory(sub):
                problems.append(Problem(rel, f"'{sub}' is not an AI RMF subcategory",
                                        ws.locate(rel, ("subcategories", i)), "subcategories"))
        for i, comp in enumerate(risk.components):
            if comp not in components:
                problems.append(Problem(rel, f"component '{comp}' is not in system.yaml",
                                        ws.locate(rel, ("components", i)), "components"))
        for i, evidence_id in enumerate(risk.evidence):
            if evidence_id not in evidence:
                problems.append(Problem(rel, f"evidence '{evidence_id}' is not in this workspace",
                                        ws.locate(rel, ("evidence", i)), "evidence"))
    return problems


def check_evidence(ws: "Workspace") -> list[Problem]:
    from rmfkit.catalog import load_catalog

    catalog = load_catalog()
    components = {c.id for c in ws.system.components} if "system.yaml" in ws.records else set()
    problems = []
    for rel, record in ws.records_of("evidence").items():
        folder = rel.rsplit("/", 2)[1]
        if folder != record.id:
            problems.append(Problem(rel, f"id '{record.id}' does not match its folder '{folder}'",
                                    ws.locate(rel, ("id",)), "id"))
        if "/" in record.file or record.file in ("", ".", "..", "evidence.yaml"):
            problems.append(Problem(rel, f"file '{record.file}' must be a plain file name in this folder",
                                    ws.locate(rel, ("file",)), "file"))
        for i, comp in enumerate(record.components):
            if comp not in components:
                problems.append(Problem(rel, f"component '{comp}' is not in system.yaml",
                                        ws.locate(rel, ("components", i)), "components"))
        for i, sub in enumerate(record.subcategories):
            if not catalog.is_subcategory(sub):
                problems.append(Problem(rel, f"'{sub}' is not an AI RMF subcategory",
                                        ws.locate(rel, ("subcategories", i)), "subcategories"))
    return problems


def check_operations(ws: "Workspace") -> list[Problem]:
    """Ids in ``operations.yaml`` that must exist: template items, evidence, risks, subcategories, components."""
    import difflib

    from rmfkit.catalog import load_catalog
    from rmfkit.models.mapping import NOT_APPLICABLE_RULE, lacks_justification

    ops = operations_of(ws)
    if ops is None:
        return []
    catalog, template = load_catalog(), load_template()
    evidence, risks = ws.evidence, ws.risks
    components = {c.id for c in ws.system.components} if "system.yaml" in ws.records else set()
    template_ids = [t.id for t in template.items]
    problems: list[Problem] = []

    def add(message: str, loc: tuple, field_name: str) -> None:
        problems.append(Problem(OPERATIONS_FILE, message, ws.locate(OPERATIONS_FILE, loc), field_name))

    def check_evidence(ids: list[str], loc: tuple, field_name: str) -> None:
        for j, evidence_id in enumerate(ids):
            if evidence_id not in evidence:
                add(f"evidence '{evidence_id}' is not in this workspace (import or pull it first)",
                    loc + ("evidence", j), field_name)

    seen: set[str] = set()
    for i, item in enumerate(ops.checklist):
        loc, name = ("checklist", i), f"checklist.{item.id}"
        if item.id in seen:
            add(f"item '{item.id}' is listed twice", loc + ("id",), name)
        seen.add(item.id)
        known = template.item(item.id)
        if known is None and (item.area is None or item.title is None):
            close = difflib.get_close_matches(item.id, template_ids, n=2, cutoff=0.8)
            add(f"'{item.id}' is not a template item" + (f" (did you mean {' or '.join(close)}?)" if close else "")
                + "; your own items need an area and a title", loc + ("id",), name)
        if known is not None and item.area is not None and item.area != known.area:
            add(f"'{item.id}' belongs to area {known.area}, not {item.area}", loc + ("area",), name + ".area")
        if lacks_justification(item.status, item.justification):
            add(NOT_APPLICABLE_RULE, loc + ("status",), name + ".justification")
        check_evidence(item.evidence, loc, name + ".evidence")
        for j, risk_id in enumerate(item.risks):
            if risk_id not in risks:
                add(f"risk '{risk_id}' is not in the risk register (risks/)", loc + ("risks", j), name + ".risks")
        for j, sub in enumerate(item.subcategories or []):
            if not catalog.is_subcategory(sub):
                add(f"'{sub}' is not an AI RMF subcategory", loc + ("subcategories", j), name + ".subcategories")
    seen_components: set[str] = set()
    for i, artifact in enumerate(ops.artifacts):
        loc = ("artifacts", i, "component")
        if artifact.component not in components:
            add(f"component '{artifact.component}' is not in system.yaml", loc, "artifacts.component")
        if artifact.component in seen_components:
            add(f"component '{artifact.component}' has two checksum entries", loc, "artifacts.component")
        seen_components.add(artifact.component)
    seen_steps: set[int] = set()
    for i, step in enumerate(ops.pilot):
        if step.step in seen_steps:
            add(f"pilot step {step.step} is listed twice", ("pilot", i, "step"), "pilot.step")
        seen_steps.add(step.step)
        check_evidence(step.evidence, ("pilot", i), f"pilot.{step.step}.evidence")
    return problems


REFERENCE_CHECKS: list[Callable[["Workspace"], list[Problem]]] = [
    check_mapping, check_system, check_risks, check_evidence,
    check_thresholds,
    check_operations,
    check_dpia,
    check_licenses,
    check_acceptance,
]


# How reference problems name the record they cannot find: "<kind> '<id>' is not ...".
REFERENCE_MESSAGE = re.compile(r"^(?P<kind>risk|evidence|component|data flow|destination) '(?P<id>[^']*)' is not ")
SYSTEM_PARTS = ("component", "data flow", "destination")


def reference_problems(ws: "Workspace") -> list[Problem]:
    """Every reference problem, without the echoes of a file that broke its schema.

    A check that needs a record which failed to load is skipped (its schema problem is listed), and
    "risk 'R-0003' is not in the risk register" is dropped when ``risks/R-0003.yaml`` exists but broke
    its schema: one mistake, one line.
    """
    problems: list[Problem] = []
    for check in REFERENCE_CHECKS:
        try:
            problems.extend(check(ws))
        except ValidationFailed:
            continue
    unloaded = unloaded_ids(ws)
    return [p for p in problems if not _refers_to_unloaded(p, unloaded)]


def unloaded_ids(ws: "Workspace") -> dict[str, set[str]]:
    """Ids of records whose file exists but broke its schema, by the word reference messages use.

    A risk or evidence item is known by its file or folder name and by the ``id`` it declares; a
    broken ``system.yaml`` hides every component and data flow (``"*"``).
    """
    ids: dict[str, set[str]] = {"risk": set(), "evidence": set()}
    for kind, word, name_of in (("risk", "risk", lambda rel: rel.rsplit("/", 1)[1].removesuffix(".yaml")),
                                ("evidence", "evidence", lambda rel: rel.split("/")[1])):
        for rel, doc in ws.unloaded(kind).items():
            ids[word].add(name_of(rel))
            declared = doc.get("id") if isinstance(doc, dict) else None
            if isinstance(declared, str):
                ids[word].add(declared)
    for word in SYSTEM_PARTS:
        ids[word] = {"*"} if ws.unloaded("system") else set()
    return ids


def _refers_to_unloaded(problem: Problem, unloaded: dict[str, set[str]]) -> bool:
    found = REFERENCE_MESSAGE.match(problem.message)
    if found is None:
        return False
    names = unloaded.get(found["kind"], set())
    return "*" in names or found["id"] in names


def validate(records: "Records | Workspace") -> list[Problem]:
    """Every schema and reference problem of a workspace's records, each with file, line and field; for a
    :class:`Workspace`, also what its files really are (:func:`rmfkit.workspace_files.check_files`).

    >>> import pathlib, tempfile
    >>> from rmfkit.workspace import Workspace
    >>> validate(Workspace.create(pathlib.Path(tempfile.mkdtemp()) / "w", system_id="s", name="S", owner="o"))
    []
    """
    on_disk = check_files(records) if hasattr(records, "root") else []  # a Workspace: its files too
    return [*records.problems, *reference_problems(records), *on_disk]
