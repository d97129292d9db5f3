"""Rebuild the example's frozen ``reviews/2026-Q3`` snapshot from the current example (EXAMPLE DATA).

The support-assistant example is the state at the end of November 2026. This script reconstructs how the
workspace looked at the end of September 2026 (2026-Q3), on a temporary copy, and freezes that copy with
``rmfkit.review.take_snapshot`` on 2026-09-30. The differences are illustrative and chosen so that the live
example diffs against 2026-Q3 with something in every category of the review:

- status: MEASURE 2.3 and 2.7 were partially met (improved since), GOVERN 4.2 was partially met (regressed
  since), MEASURE 2.6 was supported by a red-team run that has expired since, MAP 3.4 and MANAGE 4.1 were
  not assessed yet;
- evidence: the July task evaluation (since replaced), the model card before its evaluation-results
  sentence was added (hash changed), the
  October eval, red-team and SBOM items did not exist yet, the promptfoo run was still valid;
- licenses: bge-small-en had no licence recorded yet, the hosted API's terms were the 2026-05 version;
- metrics: the July evaluation passed the integrations threshold (fails now) and escalated better;
- risks: R-0013 was not identified yet, R-0006 was open, R-0004 had its earlier score;
- DPIA: the quality-review logging (purpose and flow F5) was not recorded yet, the fallback flow F3 stayed in
  the provider's EU data zone (no transfer), and the DPIA was a draft under the screening made before go-live
  (2026-02-18), which had recorded "recommended" without checking an authority list or counting the agents as
  data subjects (C7); the October re-screening (live example) records "required" and says why;
- operations: weights pinning counted as done, the SBOM item was in progress.

Run from the repository root: ``python tools/make_example_q3.py [--replace]``. Same example, same bytes.
"""
from __future__ import annotations

import argparse
import csv
import io
import os
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "support-assistant"
LABEL = "2026-Q3"
REVIEW_DAY = "2026-09-30"
EPOCH = 1790784000  # 2026-09-30T16:00:00Z
TASK_EVAL_NOW = "eval-task-support-tickets-2026-10"
TASK_EVAL_Q3 = "eval-task-support-tickets-2026-07"
NOT_YET = ("sbom-cdx-support-rag-service-2026-10", "redteam-garak-support-assistant-2026-10",
           "eval-lmeval-llama31-8b-instruct-2026-10")


def replace_ids(value, replacements: dict[str, str | None]):
    """``value`` with evidence ids replaced (or dropped where the replacement is None), recursively."""
    if isinstance(value, dict):
        return {k: replace_ids(v, replacements) for k, v in value.items()}
    if isinstance(value, list):
        return [replacements.get(v, v) if isinstance(v, str) else replace_ids(v, replacements)
                for v in value if not (isinstance(v, str) and v in replacements and replacements[v] is None)]
    return value


def july_task_eval(october_csv: bytes) -> bytes:
    """The July run: 18 more correct answers (6 of them integrations tickets), 21 fewer correct escalations."""
    rows = list(csv.DictReader(io.StringIO(october_csv.decode("utf-8"))))
    fixed_integrations = fixed_other = lowered = 0
    for row in rows:
        row["ticket_id"] = row["ticket_id"].replace("T-26", "T-25")
        if row["correct"] == "0" and row["category"] == "integrations" and fixed_integrations < 6:
            row["correct"], fixed_integrations = "1", fixed_integrations + 1
        elif row["correct"] == "0" and row["category"] != "integrations" and fixed_other < 12:
            row["correct"], fixed_other = "1", fixed_other + 1
        elif row["escalation_correct"] == "1" and lowered < 21 and int(row["ticket_id"][-3:]) % 7 == 3:
            row["escalation_correct"], lowered = "0", lowered + 1
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def rewind(ws) -> None:
    """Turn the workspace copy into its 2026-Q3 state (inside ``ws.edit()``)."""
    import hashlib

    from rmfkit.library.importers import read_evidence
    from rmfkit.models.dpia import Dpia
    from rmfkit.models.evidence import EvidenceRecord
    from rmfkit.models.mapping import MappingFile
    from rmfkit.models.operations import Operations
    from rmfkit.models.risk import Risk
    from rmfkit.models.system import SystemProfile

    replacements = {TASK_EVAL_NOW: TASK_EVAL_Q3, **{eid: None for eid in NOT_YET}}

    def rewritten(rel: str, model, change=None):
        data = replace_ids(ws.records[rel].model_dump(mode="json", exclude_unset=True), replacements)
        if change:
            change(data)
        ws.put(rel, model.model_validate(data))

    # evidence: the July task evaluation replaces October's; the October items do not exist yet
    october = ws.evidence[TASK_EVAL_NOW]
    csv_bytes = july_task_eval((ws.evidence_dir(TASK_EVAL_NOW) / october.file).read_bytes())
    file_name = "support-tickets-eval-2026-07.csv"
    parsed = read_evidence(csv_bytes, file_name, kind="task-eval")
    ws.write_artifact(f"evidence/{TASK_EVAL_Q3}/{file_name}", csv_bytes)
    ws.put(f"evidence/{TASK_EVAL_Q3}/evidence.yaml", EvidenceRecord.model_validate({
        **october.model_dump(mode="json", exclude_unset=True), "id": TASK_EVAL_Q3, "file": file_name,
        "title": "Task evaluation on 600 labelled support tickets, July run (example data)",
        "sha256": hashlib.sha256(csv_bytes).hexdigest(), "size": len(csv_bytes), "collected_at": "2026-07-14",
        "imported_at": "2026-07-15T08:30:00+00:00", "facts": parsed.facts,
        "source": {"tool": "task-eval table", "origin": file_name}}))
    for eid in (TASK_EVAL_NOW, *NOT_YET):
        ws.remove(f"evidence/{eid}/evidence.yaml")
        shutil.rmtree(ws.evidence_dir(eid))
    # the model card was pulled before its September revision
    card = ws.evidence["card-llama-3.1-8b-instruct"]
    card_bytes = (ws.evidence_dir(card.id) / card.file).read_bytes()
    earlier = card_bytes.replace(b" and Meta's own evaluation results.", b".")
    assert earlier != card_bytes, "the model card no longer holds the sentence its earlier revision lacked"
    ws.write_artifact(f"evidence/{card.id}/{card.file}", earlier)
    ws.put(f"evidence/{card.id}/evidence.yaml", card.model_copy(update={
        "sha256": hashlib.sha256(earlier).hexdigest(), "size": len(earlier)}))

    # mapping
    def mapping_change(function: str):
        def change(data):
            subs = data["subcategories"]
            if function == "MEASURE":
                subs["MEASURE 2.3"].update(status="partially_met",
                                           notes="Task accuracy on 600 labelled tickets (July run); public "
                                                 "benchmarks of the deployed build not run yet.")
                subs["MEASURE 2.7"].update(status="partially_met",
                                           notes="Prompt-injection red team planned for the October release.")
            if function == "GOVERN":
                subs["GOVERN 4.2"].update(status="partially_met")
            if function == "MAP":
                subs.pop("MAP 3.4", None)
            if function == "MANAGE":
                subs.pop("MANAGE 4.1", None)
        return change

    for rel, record in list(ws.records_of("mapping").items()):
        rewritten(rel, MappingFile, mapping_change(record.function))

    # licences, data flows
    def system_change(data):
        for component in data["components"]:
            if component["id"] == "bge-small-en":
                component.pop("license", None)
            if component["id"] == "hosted-llm-api":
                component["license_version"] = "2026-05 (example)"
        flows = []
        for flow in data["data_flows"]:
            if flow["id"] == "F5-logs":
                continue
            if flow["id"] == "F3-rag-to-hosted-api":
                flow.update(region="EU", description="Rare long-context requests (about 5% of requests) fall back "
                                                     "to the hosted API, served from the provider's EU data zone; "
                                                     "contact details and account identifiers are redacted first.")
                flow.pop("transfer_mechanism", None)
            flows.append(flow)
        data["data_flows"] = flows

    rewritten("system.yaml", SystemProfile, system_change)

    # risks
    for rel, risk in list(ws.records_of("risk").items()):
        if risk.id == "R-0013":
            ws.remove(rel)
            continue

        def risk_change(data, rid=risk.id):
            if rid == "R-0006":
                data["status"] = "in_treatment"
            if rid == "R-0004":
                before = data.pop("history")[-1]
                data.update(likelihood=before["likelihood"], impact=before["impact"], last_reviewed=REVIEW_DAY)
        rewritten(rel, Risk, risk_change)

    # DPIA: still the draft of the screening made before go-live
    def dpia_change(data):
        data.update(status="draft", version="1.2", updated_at="2026-09-22")
        screening = data["screening"]
        screening.update(decision="recommended", decided_at="2026-02-18", decision_rationale=(
            "Screening before go-live: C4, C5 and C8 are met; recorded as 'recommended' because agents review the "
            "drafts and the data stays in the EU, and a DPIA was drafted before go-live (example data)."))
        screening["authority_lists_checked"] = []
        screening["criteria"]["C3"]["rationale"] = ("The assistant adds no monitoring of customers or agents; the "
                                                    "share of drafts sent unchanged is reported per team.")
        screening["criteria"]["C7"] = {"answer": "no", "rationale": (
            "Data subjects are business users of our customers acting in a professional capacity.")}
        description = data["description"]
        description["purposes"] = [p for p in description["purposes"] if not p["purpose"].startswith("Quality review")]
        description["data_categories"] = [c for c in description["data_categories"]
                                          if c["name"] != "pseudonymised agent identifiers"]
        description["data_subjects"] = [d for d in description["data_subjects"]
                                        if not d["category"].startswith("Our support agents")]
        description["international_transfers"] = []
        data["dpo_advice"].update(date="2026-02-27", advice=(
            "Proceed, on condition that identifiers are redacted before the hosted fallback, the provider's "
            "no-training and zero-retention terms are in the DPA, log retention is reduced, and customers can "
            "switch the fallback off."))
        data.pop("sign_off", None)

    rewritten("dpia.yaml", Dpia, dpia_change)

    # operations
    def ops_change(data):
        for item in data["checklist"]:
            if item["id"] == "updates.pinned":
                item.update(status="done", completed_on="2026-08-28")
                item.pop("due", None)
            if item["id"] == "supply_chain.sbom":
                item.update(status="in_progress", due="2026-10-15")
                item.pop("completed_on", None)

    rewritten("operations.yaml", Operations, ops_change)


def build(replace: bool) -> Path:
    target = EXAMPLE / "reviews" / LABEL
    if target.exists() and not replace:
        sys.exit(f"{target} exists; pass --replace to rebuild it")
    os.environ["RMFKIT_TODAY"] = REVIEW_DAY
    os.environ["SOURCE_DATE_EPOCH"] = str(EPOCH)
    from rmfkit.review.snapshots import take_snapshot
    from rmfkit.workspace import Workspace

    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "support-assistant"
        shutil.copytree(EXAMPLE, copy, ignore=shutil.ignore_patterns("build", "reviews", ".rmfkit.lock",
                                                                       ".rmfkit-index.json"))
        ws = Workspace.open(copy)
        with ws.edit():
            rewind(ws)
        result = take_snapshot(Workspace.open(copy), LABEL)
        if target.exists():
            shutil.rmtree(target)
        shutil.copytree(result.folder, target)
    return target


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replace", action="store_true", help="rebuild an existing 2026-Q3 snapshot")
    print(f"wrote {build(parser.parse_args().replace)}")
