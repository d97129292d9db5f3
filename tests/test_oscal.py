"""OSCAL assessment results and plan of the example workspace: every subcategory has a finding, states
follow the evidence, accepted risks are deviation-approved, risks are characterized and linked, every
reference resolves, and compliance-trestle's strict models (the declared OSCAL version) load both files.

NIST's published JSON Schema for OSCAL 1.2.1 ships in no installed package (compliance-trestle carries
only its pydantic models), so the schema-level checks here are trestle's models plus the reference
integrity that a schema cannot express (every uuid reference and ``#fragment`` resolves).
"""
from __future__ import annotations

import datetime as dt
import json
import re
import shutil

import pytest

from rmfkit.render import oscal
from tests.conftest import EXAMPLE

trestle_ar = pytest.importorskip("trestle.oscal.assessment_results")
trestle_ap = pytest.importorskip("trestle.oscal.assessment_plan")

GENERATED = dt.datetime(2026, 12, 1, 15, 30, tzinfo=dt.timezone.utc)
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[45][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


@pytest.fixture(scope="module")
def example(tmp_path_factory):
    """(records, analysis, view, entries, results, plan) of a copy of the example, as of 2026-12-01."""
    from rmfkit.analysis import of_workspace
    from rmfkit.views.packet import packet_view
    from rmfkit.workspace import Workspace

    root = tmp_path_factory.mktemp("oscal") / "ws"
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns("build", ".rmfkit.lock", ".rmfkit-index.json"))
    ws = Workspace.open(root)
    records = ws.current()
    analysis = of_workspace(ws, dt.date(2026, 12, 1))
    view = packet_view(records, analysis, generated=GENERATED)
    entries = {f"evidence/{eid}/{rec.file}": {"sha256": rec.sha256, "size": rec.size}
               for eid, rec in records.evidence.items()}
    entries[oscal.PLAN_NAME] = {"sha256": "0" * 64, "size": 1}
    results = oscal.assessment_results(view, entries)
    return records, analysis, view, entries, results, oscal.assessment_plan(view)


def _result(example) -> dict:
    return example[4]["assessment-results"]["results"][0]


def _findings(example) -> dict[str, dict]:
    return {f["target"]["target-id"]: f for f in _result(example)["findings"]}


def _walk(node, path=""):
    if isinstance(node, dict):
        for key, value in node.items():
            yield path, key, value
            yield from _walk(value, f"{path}/{key}")
    elif isinstance(node, list):
        for item in node:
            yield from _walk(item, path)


def assert_references_resolve(document: dict) -> None:
    """Every ``uuid`` is unique; every ``*-uuid`` / ``*-uuids`` reference and ``#fragment`` href names one."""
    defined = [value for _, key, value in _walk(document) if key == "uuid"]
    assert len(defined) == len(set(defined)) and all(UUID.match(u) for u in defined)
    for _, key, value in _walk(document):
        if key.endswith("-uuid"):
            assert value in defined, (key, value)
        elif key.endswith("-uuids"):
            assert set(value) <= set(defined), (key, value)
        elif key == "href" and value.startswith("#"):
            assert value[1:] in defined, value


def test_declared_version_is_the_one_trestle_implements(example):
    import trestle.oscal

    assert oscal.OSCAL_VERSION == trestle.oscal.OSCAL_VERSION
    assert example[4]["assessment-results"]["metadata"]["oscal-version"] == oscal.OSCAL_VERSION
    assert example[5]["assessment-plan"]["metadata"]["oscal-version"] == oscal.OSCAL_VERSION


def test_results_and_plan_load_with_trestle_strict_models(example, tmp_path):
    results_file, plan_file = tmp_path / "oscal-assessment-results.json", tmp_path / oscal.PLAN_NAME
    results_file.write_text(json.dumps(example[4]), encoding="utf-8")
    plan_file.write_text(json.dumps(example[5]), encoding="utf-8")
    model = trestle_ar.AssessmentResults.oscal_read(results_file)
    plan = trestle_ap.AssessmentPlan.oscal_read(plan_file)
    assert len(model.results[0].findings) == 72 and plan.reviewed_controls is not None
    with pytest.raises(ValueError):  # the models are strict: an unknown key is refused
        trestle_ar.AssessmentResults.model_validate({**example[4]["assessment-results"], "extra": 1})
    assert_references_resolve(example[4])
    assert_references_resolve(example[5])


def test_every_subcategory_has_a_finding_and_reviewed_controls_match(example):
    from rmfkit.catalog import load_catalog

    findings = _findings(example)
    wanted = {oscal.objective_id(s.id) for f in load_catalog().functions for c in f.categories for s in c.subcategories}
    assert len(findings) == 72 and set(findings) == wanted
    for document in (example[4]["assessment-results"]["results"][0], example[5]["assessment-plan"]):
        selected = document["reviewed-controls"]["control-selections"][0]["include-controls"]
        assert {c["control-id"] for c in selected} == wanted and len(selected) == 72


def test_not_assessed_subcategories_are_not_satisfied_and_say_so(example):
    findings = _findings(example)
    rows = [r for r in example[1].mapping["rows"] if r["status"] == "not_assessed"]
    assert rows, "the example has unassessed subcategories"
    observed = {o["uuid"] for o in _result(example)["observations"]}
    for row in rows:
        finding = findings[oscal.objective_id(row["id"])]
        assert finding["target"]["status"]["state"] == "not-satisfied"
        assert finding["target"]["status"]["remarks"].startswith("Not assessed")
        assert "related-observations" not in finding
    assert len(observed) == 72 - len(rows)


def test_met_without_evidence_is_not_satisfied_and_links_no_evidence(example):
    findings = _findings(example)
    observations = {o["uuid"]: o for o in _result(example)["observations"]}
    rows = [r for r in example[1].mapping["rows"] if "met_without_evidence" in r["flags"]]
    assert rows, "the example has subcategories marked met without evidence"
    for row in rows:
        finding = findings[oscal.objective_id(row["id"])]
        assert finding["target"]["status"]["state"] == "not-satisfied"
        assert finding["target"]["status"]["reason"] != "pass"
        observation = observations[finding["related-observations"][0]["observation-uuid"]]
        assert "relevant-evidence" not in observation


def _row(status, effective=None, flags=(), evidence=()):
    return {"status": status, "effective_status": effective or status, "flags": list(flags),
            "evidence": [{"id": f"e{n}", "status": s} for n, s in enumerate(evidence)]}


@pytest.mark.parametrize("row, expected", [
    (_row("met", evidence=["ok"]), ("satisfied", "pass")),
    (_row("met", evidence=["expired", "ok"]), ("satisfied", "pass")),
    (_row("met", flags=["met_without_evidence"]), ("not-satisfied", "other")),
    (_row("met", "unsupported", ["unsupported"], ["expired"]), ("not-satisfied", "other")),
    (_row("met", "unsupported", ["unsupported", "threshold_not_passing"], ["ok"]), ("not-satisfied", "other")),
    (_row("partially_met", evidence=["ok"]), ("not-satisfied", "other")),
    (_row("not_met"), ("not-satisfied", "fail")),
    (_row("not_applicable"), ("satisfied", "other")),
    (_row("not_applicable", "not_assessed", ["not_applicable_without_justification"]), ("not-satisfied", "other")),
    (_row("not_assessed"), ("not-satisfied", "other")),
])
def test_state_of_each_status(row, expected):
    assert oscal.state_of(row) == expected


def test_example_passes_only_with_current_evidence_and_fails_unsupported_claims(example):
    rows = {oscal.objective_id(r["id"]): r for r in example[1].mapping["rows"]}
    for target, finding in _findings(example).items():
        row, status = rows[target], finding["target"]["status"]
        if status["reason"] == "pass":
            assert row["effective_status"] == "met" and any(c["status"] == "ok" for c in row["evidence_checks"])
        if row["status"] == "met" and row["effective_status"] != "met":
            assert status["state"] == "not-satisfied" and status["remarks"] == row["reason"]


def test_relevant_evidence_points_at_hashed_resources_in_the_packet(example):
    records, entries = example[0], example[3]
    resources = {r["uuid"]: r for r in example[4]["assessment-results"]["back-matter"]["resources"]}
    linked = 0
    for observation in _result(example)["observations"]:
        for evidence in observation.get("relevant-evidence", []):
            resource = resources[evidence["href"][1:]]
            evidence_id = next(p["value"] for p in evidence["props"] if p["name"] == "evidence-id")
            rlink = resource["rlinks"][0]
            assert rlink["hashes"] == [{"algorithm": "SHA-256", "value": records.evidence[evidence_id].sha256}]
            assert rlink["href"] in entries
            linked += 1
    assert linked and len(resources) == len(records.evidence)


def test_collected_comes_from_evidence_dates_not_the_build_time(example):
    evidence = {row["id"]: row for row in example[2]["evidence"]["rows"]}
    rows = {r["id"]: r for r in example[1].mapping["rows"]}
    observations = _result(example)["observations"]
    assert all(o["collected"] != "2026-12-01T15:30:00Z" for o in observations)
    for observation in observations:
        row = rows[observation["title"].removesuffix(" assessment")]
        dates = [evidence[c["id"]]["collected"] for c in row["evidence_checks"] if c["id"] in evidence]
        basis = next(p["value"] for p in observation["props"] if p["name"] == "collected-from")
        if dates:
            assert (observation["collected"], basis) == (f"{max(dates)}T00:00:00Z", "evidence-collected")
        else:
            assert basis in ("last-reviewed", "assessment-date")
    bases = {next(p["value"] for p in o["props"] if p["name"] == "collected-from") for o in observations}
    assert "evidence-collected" in bases


def test_accepted_risks_are_deviation_approved_with_characterizations_and_links(example):
    register = {r["id"]: r for r in example[1].risks["rows"]}
    risks = {next(p["value"] for p in r["props"] if p["name"] == "risk-id"): r for r in _result(example)["risks"]}
    assert set(risks) == set(register)
    accepted = [rid for rid, row in register.items() if row["treatment"] == "accept"]
    assert accepted and all(risks[rid]["status"] == "deviation-approved" for rid in accepted)
    assert all(risks[rid]["status"] != "deviation-approved" for rid in set(register) - set(accepted))
    findings = _findings(example)
    for rid, row in register.items():
        risk = risks[rid]
        facets = {c["props"][0]["value"]: {f["name"]: f["value"] for f in c["facets"]}
                  for c in risk["characterizations"]}
        assert facets["inherent"] == {"likelihood": str(row["likelihood"]), "impact": str(row["impact"]),
                                      "score": str(row["inherent_score"]), "level": row["inherent_level"]}
        if row["residual_score"] is None:
            assert set(facets) == {"inherent"}
        else:
            assert facets["residual"]["score"] == str(row["residual_score"])
            assert facets["residual"]["likelihood"] == str(row["residual_likelihood"])
        assessed = [sub for sub in row["subcategories"] if example[1].row(sub)["status"] != "not_assessed"]
        assert len(risk.get("related-observations", [])) == len(assessed)
        for sub in row["subcategories"]:
            assert {"risk-uuid": risk["uuid"]} in findings[oscal.objective_id(sub)]["related-risks"]


def test_risk_status_mapping():
    assert oscal.risk_status({"status": "open", "treatment": "accept", "accepted_by": "A. Novak, 2026-11-16"}) \
        == "deviation-approved"
    assert oscal.risk_status({"status": "open", "treatment": "accept", "accepted_by": " "}) == "deviation-requested"
    assert oscal.risk_status({"status": "in_treatment", "treatment": "mitigate"}) == "remediating"
    assert oscal.risk_status({"status": "closed", "treatment": "mitigate"}) == "closed"
    assert oscal.risk_status({"status": "open", "treatment": "transfer"}) == "open"


def test_assessor_party_is_the_preparer_and_origin_of_every_finding(example):
    metadata = example[4]["assessment-results"]["metadata"]
    parties = {p["uuid"]: p for p in metadata["parties"]}
    roles = {r["role-id"]: r["party-uuids"] for r in metadata["responsible-parties"]}
    assessor = parties[roles["assessor"][0]]
    assert assessor["name"] == example[2]["cover"]["prepared_by"] == "Governance office, Example SaaS GmbH"
    assert parties[roles["system-owner"][0]]["name"] == example[2]["cover"]["owner"]
    for item in _result(example)["findings"] + _result(example)["observations"]:
        actor = {"type": "party", "actor-uuid": assessor["uuid"], "role-id": "assessor"}
        assert item["origins"][0]["actors"] == [actor]


def test_import_ap_names_the_plan_file_and_the_plan_names_the_system_profile(example):
    document = example[4]["assessment-results"]
    assert document["import-ap"]["href"] == oscal.PLAN_NAME
    plan = example[5]["assessment-plan"]
    resource = next(r for r in plan["back-matter"]["resources"] if f"#{r['uuid']}" == plan["import-ssp"]["href"])
    assert resource["rlinks"][0]["href"] == "bundle.json"
    assert "satisfied (pass) only when" in plan["terms-and-conditions"]["parts"][0]["prose"]


def test_packet_ships_the_plan_the_results_import(tmp_path, monkeypatch):
    from rmfkit.packet import build_packet
    from rmfkit.workspace import Workspace

    monkeypatch.setenv("RMFKIT_TODAY", "2026-11-29")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1790000000")
    shutil.copytree(EXAMPLE, tmp_path / "ws", ignore=shutil.ignore_patterns("build", ".rmfkit.lock",
                                                                            ".rmfkit-index.json"))
    out = build_packet(Workspace.open(tmp_path / "ws"), tmp_path / "out").out
    model = trestle_ar.AssessmentResults.oscal_read(out / "oscal-assessment-results.json")
    plan_file = out / model.import_ap.href
    assert plan_file.is_file() and trestle_ap.AssessmentPlan.oscal_read(plan_file) is not None
    manifest = {f["path"] for f in json.loads((out / "manifest.json").read_text("utf-8"))["files"]}
    assert {oscal.PLAN_NAME, "bundle.json"} <= manifest
    for resource in model.back_matter.resources:
        assert (out / resource.rlinks[0].href).is_file()
