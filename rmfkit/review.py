"""Quarterly review: frozen, hash-chained snapshots; what changed between two states; the portfolio roll-up.

A **snapshot** freezes the workspace into ``reviews/<label>/``: ``bundle.json`` (every record by workspace
path and every computed packet result, as in the audit packet) and ``manifest.json`` (SHA-256 of
``bundle.json``), optionally ``manifest.json.sig``. Each manifest carries a ``review`` block naming the
previous snapshot and the SHA-256 of *its* manifest, so the snapshots form a chain: altering or deleting
an earlier one is detected by :func:`verify_chain` (``rmfkit verify reviews/2026-Q4``). Snapshots are
never rewritten. Evidence artefacts are not copied: their SHA-256 is in the frozen records.

Reading a snapshot (:func:`load_snapshot`, :func:`resolve`) first verifies it and its chain, so a diff or a
review packet never uses an altered quarter (:class:`IntegrityError`, exit 4).

A **diff** compares two bundle dicts (two snapshots, or a snapshot and :func:`live_bundle`) by id and
reports every change once, as rows ``{"category", "kind", "ref", "title", "before", "after", "detail"}``.

>>> rank_change("partially_met", "met"), rank_change("met", "unsupported"), rank_change("not_assessed", "not_met")
('improved', 'regressed', 'newly_assessed')
"""
from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable

from rmfkit.errors import InputFileError, IntegrityError, UnknownIdError, UsageError
from rmfkit.ops import transition

if TYPE_CHECKING:
    from rmfkit.report.verify import VerifyReport
    from rmfkit.workspace import Workspace

REVIEWS_FOLDER = "reviews"
LIVE = "live"
REVIEW_FORMAT = "rmfkit-review/1"
LABEL_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
MAX_BUNDLE_BYTES = 256 * 1024 * 1024
CADENCE_DAYS = {"monthly": 31, "quarterly": 92, "semiannual": 183, "annual": 366}
# A metric "moved" when it changed by more than its threshold's declared tolerance, else by this share
# of the threshold value.
DEFAULT_RELATIVE_TOLERANCE = 0.02

CATEGORIES: dict[str, str] = {
    "status": "Subcategory status", "evidence": "Evidence", "licenses": "License drift",
    "metrics": "Evaluation metrics", "risks": "Risks", "dpia": "DPIA", "actions": "Overdue owners' actions",
    "operations": "Operations checklist",
}
_RANK = {"unsupported": 0, "not_met": 1, "partially_met": 2, "met": 3}


# ---------------------------------------------------------------- snapshots on disk

@dataclass(frozen=True)
class SnapshotInfo:
    """One snapshot folder: label, review date, the SHA-256 of its manifest and the previous link."""

    label: str
    date: str
    manifest_sha256: str
    previous: dict | None

    def as_dict(self) -> dict[str, Any]:
        return {"label": self.label, "date": self.date, "manifest_sha256": self.manifest_sha256,
                "previous": self.previous}


def check_label(label: str) -> str:
    """A snapshot label is a short folder-safe name (``2026-Q4``); ``live`` is reserved.

    >>> check_label("2026-Q4")
    '2026-Q4'
    """
    if label == LIVE or not LABEL_PATTERN.match(label or ""):
        raise UsageError(f"'{label}' is not a usable snapshot label", field="--label",
                         hint="letters, digits, '.', '_' and '-', up to 64 characters, e.g. 2026-Q4; "
                              "'live' is reserved for the current workspace")
    return label


def _read_json(path: Path, name: str) -> Any:
    from rmfkit.safeparse import parse_json
    from rmfkit.fileio import read_user_file

    return parse_json(read_user_file(path, name, max_bytes=MAX_BUNDLE_BYTES), name, allow_nan=False)


def _manifest_review(manifest: Any, name: str) -> dict:
    review = manifest.get("review") if isinstance(manifest, dict) else None
    if not isinstance(review, dict) or review.get("format") != REVIEW_FORMAT:
        raise InputFileError("is not a review snapshot manifest (no review block)", file=name)
    return review


def snapshots(ws: "Workspace") -> list[SnapshotInfo]:
    """Every snapshot in ``reviews/``, oldest first (by review date, then label)."""
    from rmfkit.report.bundle import MANIFEST, sha256_bytes
    from rmfkit.fileio import read_user_file

    folder = ws.path(REVIEWS_FOLDER)
    found = []
    for child in sorted(folder.iterdir()) if folder.is_dir() else []:
        if child.name.startswith(".") or not child.is_dir() or not (child / MANIFEST).is_file():
            continue
        name = f"{REVIEWS_FOLDER}/{child.name}/{MANIFEST}"
        payload = read_user_file(child / MANIFEST, name, max_bytes=MAX_BUNDLE_BYTES)
        from rmfkit.safeparse import parse_json

        review = _manifest_review(parse_json(payload, name, allow_nan=False), name)
        found.append(SnapshotInfo(child.name, str(review.get("date")), sha256_bytes(payload),
                                  review.get("previous")))
    return sorted(found, key=lambda s: (s.date, s.label))


def chain_tip(history: list[SnapshotInfo]) -> SnapshotInfo | None:
    """The snapshot a new one chains to: the one no other snapshot names as its previous.

    Taken order, not label order, decides: a ``2026-Q1`` snapshot taken after ``2026-Q2`` chains to
    ``2026-Q2``. If the history already forks, the newest tip (by date, then label) is continued.

    >>> a = SnapshotInfo("2026-Q2", "2026-06-30", "a" * 64, None)
    >>> b = SnapshotInfo("2026-Q1", "2026-06-30", "b" * 64, {"label": "2026-Q2", "manifest_sha256": "a" * 64})
    >>> chain_tip([b, a]).label
    '2026-Q1'
    """
    named = {s.previous.get("manifest_sha256") for s in history if isinstance(s.previous, dict)}
    tips = [s for s in history if s.manifest_sha256 not in named]
    candidates = tips or history
    return max(candidates, key=lambda s: (s.date, s.label)) if candidates else None


def check_snapshot(folder: Path) -> None:
    """Refuse a snapshot whose files, or any earlier snapshot it chains to, do not match their manifests.

    Raises :class:`IntegrityError` (exit 4) listing every failure, as ``rmfkit verify`` would.
    """
    from rmfkit.report.verify import VerifyReport, verify_folder

    report = VerifyReport(str(folder))
    if verify_folder(folder, None, report):
        verify_chain(folder, report)
    if report.failures:
        raise IntegrityError(f"snapshot {folder.name} does not verify ({len(report.failures)} problem(s)); "
                             "a frozen review is not compared or reported once altered",
                             failures=report.failures,
                             hint=f"check it with `rmfkit verify {REVIEWS_FOLDER}/{folder.name}`")


def load_snapshot(ws: "Workspace", label: str) -> dict:
    """The bundle dict of snapshot ``label``, once it and its chain verify.

    ``UnknownIdError`` lists the labels that exist; :class:`IntegrityError` names what was altered.
    """
    from rmfkit.report.bundle import BUNDLE_JSON

    folder = ws.path(f"{REVIEWS_FOLDER}/{label}") if LABEL_PATTERN.match(label or "") else None
    if folder is None or not (folder / BUNDLE_JSON).is_file():
        labels = [s.label for s in snapshots(ws)]
        raise UnknownIdError(f"no snapshot '{label}' in {REVIEWS_FOLDER}/",
                             hint=("available: " + ", ".join(labels + [LIVE])) if labels else
                             "take one with `rmfkit review snapshot --label LABEL`")
    check_snapshot(folder)
    bundle = _read_json(folder / BUNDLE_JSON, f"{REVIEWS_FOLDER}/{label}/{BUNDLE_JSON}")
    if not isinstance(bundle, dict) or not isinstance(bundle.get("review"), dict):
        raise InputFileError("is not a review snapshot bundle", file=f"{REVIEWS_FOLDER}/{label}/{BUNDLE_JSON}")
    return bundle


def live_bundle(ws: "Workspace", *, label: str = LIVE, previous: dict | None = None) -> dict:
    """The workspace as a snapshot would freeze it now (JSON round-tripped, so it compares like a file)."""
    from rmfkit.report import views
    from rmfkit.report.bundle import bundle_document, canonical_json
    from rmfkit.clock import today

    view = views.packet_view(ws, generated=views.generated_at())
    document = bundle_document(ws, view, signer=None)
    document["review"] = {"format": REVIEW_FORMAT, "label": label, "date": today().isoformat(),
                          "cadence": ws.settings.review_cadence, "previous": previous}
    return json.loads(canonical_json(document))


def resolve(ws: "Workspace", label: str) -> dict:
    """A snapshot's bundle, or the live workspace for ``live``, once the whole chain verifies.

    The newest snapshot is checked too: its chain covers every earlier one, so an earlier snapshot whose
    bundle and manifest were both rewritten is refused even when it is compared with the live workspace.
    """
    bundle = live_bundle(ws) if label == LIVE else load_snapshot(ws, label)
    history = snapshots(ws)
    if history and history[-1].label != label:
        check_snapshot(ws.path(f"{REVIEWS_FOLDER}/{history[-1].label}"))
    return bundle


@dataclass
class SnapshotResult:
    label: str
    folder: Path
    manifest_sha256: str
    previous: dict | None
    signed: bool

    def as_dict(self) -> dict[str, Any]:
        return {"label": self.label, "folder": str(self.folder), "manifest_sha256": self.manifest_sha256,
                "previous": self.previous, "signed": self.signed}


def take_snapshot(ws: "Workspace", label: str, *, sign_key: Path | None = None) -> SnapshotResult:
    """Freeze the workspace into ``reviews/<label>/``, chained to the latest snapshot before it.

    A label that exists is refused before anything is written (:class:`UsageError`, exit 2).
    The folder is written through :meth:`Workspace.write_new_folder`: it appears complete or not at all.
    """
    from rmfkit.report.bundle import (BUNDLE_JSON, MANIFEST, SIGNATURE, PacketWriter, canonical_json,
                                      key_fingerprint, load_private_key, sha256_bytes)

    check_label(label)
    rel = f"{REVIEWS_FOLDER}/{label}"
    if ws.path(rel).exists():
        raise UsageError(f"snapshot {label} already exists in {REVIEWS_FOLDER}/",
                         hint="snapshots are never rewritten; choose a new label")
    ws.require_valid()
    private_key = load_private_key(sign_key) if sign_key else None
    with ws.lock():
        if ws.path(rel).exists():
            raise UsageError(f"snapshot {label} already exists in {REVIEWS_FOLDER}/",
                             hint="snapshots are never rewritten; choose a new label")
        tip = chain_tip(snapshots(ws))
        previous = {"label": tip.label, "manifest_sha256": tip.manifest_sha256} if tip else None
        bundle = live_bundle(ws, label=label, previous=previous)
        bundle["signer_key_sha256"] = key_fingerprint(private_key.public_key()) if private_key else None
        bundle_bytes = canonical_json(bundle)
        listing = PacketWriter(ws.path(rel))  # used for its manifest only: the files are written below
        listing.entries[BUNDLE_JSON] = {"sha256": sha256_bytes(bundle_bytes), "size": len(bundle_bytes)}
        manifest = json.loads(listing.manifest(bundle["generated_at"]))
        manifest["review"] = bundle["review"]
        manifest_bytes = canonical_json(manifest)
        files = {BUNDLE_JSON: bundle_bytes, MANIFEST: manifest_bytes}
        if private_key is not None:
            files[SIGNATURE] = private_key.sign(manifest_bytes)
        ws.write_new_folder(rel, files)
    return SnapshotResult(label, ws.path(rel), sha256_bytes(manifest_bytes), previous, private_key is not None)


# ---------------------------------------------------------------- the chain

def verify_chain(folder: Path, report: "VerifyReport") -> None:
    """Walk back from a snapshot folder through every earlier one it chains to, adding failures to ``report``.

    Each earlier snapshot must exist beside it, its ``manifest.json`` must have the SHA-256 the later one
    recorded, and its files must match its own manifest. Failures name the snapshot. A folder that is
    not a review snapshot is left alone (the packet checks have run already).
    """
    from rmfkit.report.bundle import MANIFEST, sha256_bytes
    from rmfkit.report.verify import VerifyReport, verify_folder

    folder = Path(folder)
    try:
        review = json.loads((folder / MANIFEST).read_bytes()).get("review")
    except (OSError, ValueError, AttributeError):
        return
    if not isinstance(review, dict) or review.get("format") != REVIEW_FORMAT:
        return
    seen = {folder.name}
    current, link = folder.name, review.get("previous")
    while isinstance(link, dict):
        label = str(link.get("label"))
        if label in seen or not LABEL_PATTERN.match(label):
            report.failures.append(f"snapshot {current}: chains to '{label}', which is not a valid earlier snapshot")
            return
        seen.add(label)
        earlier = folder.parent / label
        if not (earlier / MANIFEST).is_file():
            report.failures.append(f"missing: snapshot {label} (snapshot {current} chains to it; "
                                   "an earlier quarter was deleted or moved)")
            return
        payload = (earlier / MANIFEST).read_bytes()
        if sha256_bytes(payload) != link.get("manifest_sha256"):
            report.failures.append(f"altered: snapshot {label}: {MANIFEST} differs from the SHA-256 recorded by "
                                   f"snapshot {current}")
        inner = VerifyReport(str(earlier))
        verify_folder(earlier, None, inner)
        report.checked += inner.checked
        report.failures.extend(f"snapshot {label}: {failure}" for failure in inner.failures)
        try:
            link = json.loads(payload).get("review", {}).get("previous")
        except (ValueError, AttributeError):
            report.failures.append(f"snapshot {label}: {MANIFEST} is not readable JSON")
            return
        current = label


# ---------------------------------------------------------------- reading bundles

def _kind_records(bundle: dict, pattern: str) -> dict[str, dict]:
    from fnmatch import fnmatchcase

    return {rel: rec for rel, rec in (bundle.get("records") or {}).items()
            if fnmatchcase(rel, pattern) and rel.count("/") == pattern.count("/")}


def _results(bundle: dict, section: str) -> dict:
    return (bundle.get("results") or {}).get(section) or {"recorded": False}


def _mapping_rows(bundle: dict) -> dict[str, dict]:
    mapping = _results(bundle, "mapping")
    return {row["id"]: row for f in mapping.get("functions", []) for c in f["categories"] for row in c["rows"]}


def _evidence_rows(bundle: dict) -> dict[str, dict]:
    return {row["id"]: row for row in _results(bundle, "evidence").get("rows", [])}


def _review_date(bundle: dict) -> dt.date:
    return dt.date.fromisoformat((bundle.get("review") or {}).get("date") or bundle["generated_at"][:10])


def _label(bundle: dict) -> str:
    return (bundle.get("review") or {}).get("label") or LIVE


def _row(category: str, kind: str, ref: str, title: str | None, before: Any, after: Any, detail: str | None,
         **extra: Any) -> dict[str, Any]:
    return {"category": category, "kind": kind, "ref": ref, "title": title, "before": before, "after": after,
            "detail": detail, **extra}


# ---------------------------------------------------------------- one category at a time

def rank_change(before: str, after: str) -> str | None:
    """How an evidence-checked status moved: improved, regressed, newly_assessed, rescoped, or None."""
    if before == after:
        return None
    if before == "not_assessed":
        return "newly_assessed"
    if after == "not_assessed":
        return "regressed"
    if "not_applicable" in (before, after):
        return "rescoped"
    return "improved" if _RANK[after] > _RANK[before] else "regressed"


def status_changes(old: dict, new: dict) -> list[dict]:
    """Per subcategory, the change of its evidence-checked status (recorded claim shown beside it)."""
    before, after = _mapping_rows(old), _mapping_rows(new)
    out = []
    for sub_id, now in after.items():
        was = before.get(sub_id)
        if was is None:
            continue
        kind = rank_change(was["effective_status"], now["effective_status"])
        if kind is None:
            continue
        detail = now.get("reason") or now.get("notes")
        if now["effective_status"] != now["status"] or was["effective_status"] != was["status"]:
            recorded = (f"still recorded {now['status'].replace('_', ' ')}" if was["status"] == now["status"]
                        else f"recorded {transition(was['status'], now['status'])}")
            detail = recorded + (f"; {detail}" if detail else "")
        out.append(_row("status", kind, sub_id, now.get("statement"), was["effective_status"],
                        now["effective_status"], detail, owner=now.get("owner")))
    return out


def coverage_then_now(old: dict, new: dict) -> list[dict]:
    """Coverage per function in both states, with the change in met and in assessed subcategories."""
    keys = ("met", "partially_met", "unsupported", "not_met", "not_applicable", "not_assessed", "total")
    before = {r["function"]: r for r in _results(old, "mapping").get("coverage", [])}
    rows = []
    for now in _results(new, "mapping").get("coverage", []):
        was = before.get(now["function"], {})
        rows.append({"function": now["function"], "then": {k: was.get(k, 0) for k in keys},
                     "now": {k: now.get(k, 0) for k in keys},
                     "met_delta": now.get("met", 0) - was.get("met", 0),
                     "assessed_delta": (now.get("total", 0) - now.get("not_assessed", 0))
                     - (was.get("total", 0) - was.get("not_assessed", 0))})
    return rows


def evidence_changes(old: dict, new: dict) -> list[dict]:
    """Evidence added, removed, with a changed SHA-256, expired since, broken since, or renewed."""
    before, after = _evidence_rows(old), _evidence_rows(new)
    out = []
    for eid, now in after.items():
        was = before.get(eid)
        if was is None:
            out.append(_row("evidence", "added", eid, now["title"], None, now["status"],
                            f"{now['kind']}, collected {now.get('collected') or 'on an unrecorded date'}"))
            continue
        if was["sha256"] != now["sha256"]:
            out.append(_row("evidence", "changed_hash", eid, now["title"], was["sha256"][:12], now["sha256"][:12],
                            "a new version of the artefact replaced the one frozen before"))
        if was["status"] == now["status"]:
            continue
        kind = {"expired": "expired", "missing": "broken", "hash_mismatch": "broken"}.get(now["status"])
        if kind is None and was["status"] != "ok" and now["status"] == "ok":
            kind = "renewed"
        if kind:
            out.append(_row("evidence", kind, eid, now["title"], was["status"], now["status"], now.get("reason")))
    for eid, was in before.items():
        if eid not in after:
            out.append(_row("evidence", "removed", eid, was["title"], was["status"], None,
                            f"{was['kind']}; supported {', '.join(was.get('supports') or []) or 'nothing'}"))
    return out


def stale_evidence(bundle: dict) -> list[dict]:
    """Evidence past its validity or review interval at the bundle's review date, with what it weakens."""
    from rmfkit.catalog import load_catalog

    catalog = load_catalog()
    mapping = _mapping_rows(bundle)
    out = []
    for eid, row in _evidence_rows(bundle).items():
        if row["status"] != "expired":
            continue
        subs = [s for s in row.get("supports") or [] if catalog.is_subcategory(s)]
        out.append({"id": eid, "title": row["title"], "expired_on": row.get("expires_on"), "weakens": subs,
                    "now_unsupported": [s for s in subs if mapping.get(s, {}).get("effective_status") == "unsupported"],
                    "other_links": [s for s in row.get("supports") or [] if s not in subs]})
    return out


def _system(bundle: dict):
    from rmfkit.models.system import SystemProfile

    record = (bundle.get("records") or {}).get("system.yaml")
    return SystemProfile.model_validate(record) if record else None


def license_changes(old: dict, new: dict) -> list[dict]:
    """License drift per component (:func:`rmfkit.licenses.license_drift`) with the findings that changed."""
    from rmfkit.licenses import license_drift
    from rmfkit.licenses.drift import NO_LICENSE

    before, after = _system(old), _system(new)
    if before is None or after is None:
        return []
    out = []
    for change in license_drift(before, after):
        data = change.to_dict()
        shown = {"version_changed": (change.old_version, change.new_version),
                 "license_changed": (change.old_license or NO_LICENSE, change.new_license or NO_LICENSE)}
        was, now = shown.get(change.change, (change.old_license, change.new_license))
        detail = None if change.change in shown else change.message  # before/after already say it
        out.append(_row("licenses", change.change, change.component, None, was, now, detail,
                        openness_before=change.old_openness, openness_after=change.new_openness,
                        findings_added=[f"{f['severity']}: {f['message']}" for f in data["findings_added"]],
                        findings_removed=[f"{f['severity']}: {f['message']}" for f in data["findings_removed"]]))
    return out


def metric_tolerance(row: dict) -> float:
    """The declared tolerance of a threshold, else 2% of the threshold value."""
    if row.get("tolerance") is not None:
        return float(row["tolerance"])
    return abs(float(row["threshold"])) * DEFAULT_RELATIVE_TOLERANCE


def metric_changes(old: dict, new: dict) -> list[dict]:
    """Per threshold: crossed (pass ↔ fail), moved past its tolerance, newly measured, no longer measured."""
    before = {r["id"]: r for r in _results(old, "measurement").get("rows", [])}
    out = []
    for now in _results(new, "measurement").get("rows", []):
        was = before.get(now["id"])
        if was is None:
            continue
        value_then, value_now = was.get("value"), now.get("value")
        extra = {"threshold": now["threshold"], "direction": now["direction"], "unit": now.get("unit")}
        if value_then is None and value_now is not None:
            out.append(_row("metrics", "newly_measured", now["id"], now["title"], None, value_now, now["reason"],
                            **extra))
        elif value_then is not None and value_now is None:
            out.append(_row("metrics", "no_longer_measured", now["id"], now["title"], value_then, None,
                            now["reason"], **extra))
        elif value_then is None:
            continue
        elif {was["outcome"], now["outcome"]} == {"pass", "fail"}:
            kind = "crossed_to_fail" if now["outcome"] == "fail" else "crossed_to_pass"
            out.append(_row("metrics", kind, now["id"], now["title"], value_then, value_now,
                            f"{transition(was['outcome'], now['outcome'])}: {now['reason']}", **extra))
        elif abs(value_now - value_then) > metric_tolerance(now) + 1e-12:
            better = (value_now > value_then) == (now["direction"] == "higher_is_better")
            out.append(_row("metrics", "moved_better" if better else "moved_worse", now["id"], now["title"],
                            value_then, value_now, f"changed by {value_now - value_then:+.4g}, more than the "
                            f"tolerance {metric_tolerance(now):.4g}; still {now['outcome']}", **extra))
    return out


def _score(risk: dict) -> int:
    if risk.get("residual_likelihood") and risk.get("residual_impact"):
        return risk["residual_likelihood"] * risk["residual_impact"]
    return risk["likelihood"] * risk["impact"]


def risk_changes(old: dict, new: dict) -> list[dict]:
    """Risks added, removed, closed, reopened, or re-scored (inherent or residual score changed)."""
    from rmfkit.risks import level

    before = {r["id"]: r for r in _kind_records(old, "risks/*.yaml").values()}
    after = {r["id"]: r for r in _kind_records(new, "risks/*.yaml").values()}
    out = []
    for rid, now in sorted(after.items()):
        was = before.get(rid)
        score = f"score {_score(now)} ({level(_score(now))})"
        if was is None:
            out.append(_row("risks", "added", rid, now["title"], None, score, now.get("rationale"),
                            owner=now["owner"]))
        elif was["status"] != "closed" and now["status"] == "closed":
            out.append(_row("risks", "closed", rid, now["title"], was["status"], "closed",
                            now.get("residual_rationale") or now.get("rationale"), owner=now["owner"]))
        elif was["status"] == "closed" and now["status"] != "closed":
            out.append(_row("risks", "reopened", rid, now["title"], "closed", now["status"], None, owner=now["owner"]))
        elif (was["likelihood"], was["impact"], _score(was)) != (now["likelihood"], now["impact"], _score(now)):
            history = now.get("history") or []
            reason = history[-1]["reason"] if history else None
            out.append(_row("risks", "rescored", rid, now["title"],
                            f"{was['likelihood']}x{was['impact']}, current {_score(was)} ({level(_score(was))})",
                            f"{now['likelihood']}x{now['impact']}, current {_score(now)} ({level(_score(now))})",
                            reason, owner=now["owner"], score_before=_score(was), score_after=_score(now)))
    for rid, was in sorted(before.items()):
        if rid not in after:
            out.append(_row("risks", "removed", rid, was["title"], was["status"], None, None, owner=was["owner"]))
    return out


def _processing(bundle: dict) -> dict[str, str]:
    """Processing of personal data: data flows carrying it, and the DPIA's purposes."""
    system = (bundle.get("records") or {}).get("system.yaml") or {}
    found = {f"flow {f['id']}": f["description"] for f in system.get("data_flows", []) if f.get("personal_data")}
    dpia = (bundle.get("records") or {}).get("dpia.yaml") or {}
    for purpose in (dpia.get("description") or {}).get("purposes", []):
        found[f"purpose: {purpose['purpose']}"] = (f"DPIA purpose, lifecycle phase {purpose['lifecycle_phase']}"
                                                    + (f", lawful basis {purpose['lawful_basis']}"
                                                       if purpose.get("lawful_basis") else ""))
    return found


def _transfers(bundle: dict) -> dict[str, str]:
    """Transfers outside the EEA: data flows to a non-EEA region, and DPIA transfers not tied to a flow."""
    from rmfkit.dpia import in_eea

    system = (bundle.get("records") or {}).get("system.yaml") or {}
    found = {f"flow {f['id']}": f"to {f.get('processor') or f['destination']} in {f['region']}"
             + (f" under {f['transfer_mechanism']}" if f.get("transfer_mechanism") else " (no mechanism recorded)")
             for f in system.get("data_flows", []) if f.get("personal_data") and in_eea(f.get("region")) is False}
    dpia = (bundle.get("records") or {}).get("dpia.yaml") or {}
    flows = {f"flow {f['id']}" for f in system.get("data_flows", [])}
    for t in (dpia.get("description") or {}).get("international_transfers", []):
        if not t.get("data_flow") or f"flow {t['data_flow']}" not in flows:
            found[f"transfer to {t['importer']} ({t['country']})"] = t.get("mechanism") or "no mechanism recorded"
    return found


def dpia_changes(old: dict, new: dict) -> list[dict]:
    """New or ended processing and transfers, a changed screening decision, a changed DPIA state."""
    out = []
    for kind_new, kind_gone, read in (("new_processing", "processing_ended", _processing),
                                      ("new_transfer", "transfer_ended", _transfers)):
        before, after = read(old), read(new)
        out += [_row("dpia", kind_new, ref, None, None, "recorded", text) for ref, text in after.items()
                if ref not in before]
        out += [_row("dpia", kind_gone, ref, None, "recorded", None, text) for ref, text in before.items()
                if ref not in after]
    was, now = _results(old, "dpia"), _results(new, "dpia")
    decision_then = (was.get("screening") or {}).get("decision")
    decision_now = (now.get("screening") or {}).get("decision")
    if decision_then != decision_now:
        out.append(_row("dpia", "decision_changed", "screening", "DPIA screening decision", decision_then,
                        decision_now, "; ".join((now.get("screening") or {}).get("reasons") or [])))
    state_then = was.get("status") if was.get("recorded") else "not recorded"
    state_now = now.get("status") if now.get("recorded") else "not recorded"
    if state_then != state_now:
        out.append(_row("dpia", "state_changed", now.get("dpia_id") or "dpia.yaml", "DPIA state", state_then,
                        state_now, None))
    return out


def overdue_actions(bundle: dict) -> dict[str, dict]:
    """Owners' actions past their date at the bundle's review date, by reference."""
    day = _review_date(bundle)
    found: dict[str, dict] = {}
    for sub_id, row in _mapping_rows(bundle).items():
        if row.get("overdue"):
            found[sub_id] = {"title": f"reach {row.get('target_status')}", "owner": row.get("owner"),
                             "due": row.get("target_date"), "source": "mapping target"}
    for risk in _kind_records(bundle, "risks/*.yaml").values():
        if risk["status"] != "closed" and risk.get("due") and dt.date.fromisoformat(risk["due"]) < day:
            found[risk["id"]] = {"title": f"treat: {risk['title']}", "owner": risk["owner"], "due": risk["due"],
                                 "source": "risk treatment"}
    for area in _results(bundle, "operations").get("areas", []):
        for item in area.get("items", []):
            if "overdue" in (item.get("flags") or []):
                found[item["id"]] = {"title": item.get("title"), "owner": item.get("owner"), "due": item.get("due"),
                                     "source": "operations checklist"}
    dpia = (bundle.get("records") or {}).get("dpia.yaml") or {}
    for measure in dpia.get("measures", []):
        if measure.get("status") == "planned" and measure.get("due") and dt.date.fromisoformat(measure["due"]) < day:
            found[measure["id"]] = {"title": measure["title"], "owner": measure.get("owner"), "due": measure["due"],
                                    "source": "DPIA measure"}
    return found


def action_changes(old: dict, new: dict) -> list[dict]:
    """Actions overdue at the later review date: newly overdue, or still overdue since the earlier one."""
    before, after = overdue_actions(old), overdue_actions(new)
    return [_row("actions", "still_overdue" if ref in before else "newly_overdue", ref, a["title"],
                 "overdue" if ref in before else "not due yet", "overdue", f"{a['source']}, due {a['due']}",
                 owner=a["owner"], due=a["due"]) for ref, a in after.items()]


def operations_changes(old: dict, new: dict) -> list[dict]:
    """Checklist items and pilot steps that regressed, lapsed, improved… (:func:`rmfkit.ops.compare_operations`).

    An item that became overdue is listed once, under the owners' actions (:func:`action_changes`).
    """
    from rmfkit.models.operations import Operations
    from rmfkit.ops import compare_operations

    def ops(bundle: dict) -> Operations | None:
        record = (bundle.get("records") or {}).get("operations.yaml")
        return Operations.model_validate(record) if record else None

    def checks(bundle: dict) -> dict[str, str]:
        return {eid: row["status"] for eid, row in _evidence_rows(bundle).items()}

    def detail(change: dict) -> str | None:
        """The change's own reason; the plain 'done → in progress' is left out (before and after show it)."""
        plain = change["before"] and change["after"] and change["detail"].endswith(
            transition(change["before"], change["after"]))
        return None if plain else change["detail"]

    changes = compare_operations(ops(old), ops(new), before_checks=checks(old), after_checks=checks(new),
                                 before_date=_review_date(old), after_date=_review_date(new))
    listed_as_actions = overdue_actions(new)
    return [_row("operations", c["change"], c["item"], c["title"], c["before"], c["after"], detail(c))
            for c in changes if not (c["change"] == "overdue" and c["item"] in listed_as_actions)]


# ---------------------------------------------------------------- the whole diff

CHANGE_FUNCTIONS: list[Callable[[dict, dict], list[dict]]] = [
    status_changes, evidence_changes, license_changes, metric_changes, risk_changes, dpia_changes,
    action_changes, operations_changes]


def diff_bundles(old: dict, new: dict) -> dict[str, Any]:
    """Everything that changed from ``old`` to ``new`` (bundle dicts), each change once.

    Returns ``from``/``to`` (label, review date, generated_at), ``changes`` (flat rows), ``counts``
    per category and kind, ``coverage`` then and now, ``stale_evidence`` at the later review date,
    and ``summary`` sentences.
    """
    changes = [row for fn in CHANGE_FUNCTIONS for row in fn(old, new)]
    counts: dict[str, dict[str, int]] = {c: {} for c in CATEGORIES}
    for row in changes:
        counts[row["category"]][row["kind"]] = counts[row["category"]].get(row["kind"], 0) + 1
    result = {
        "from": _side(old), "to": _side(new), "changes": changes, "counts": counts,
        "coverage": coverage_then_now(old, new), "stale_evidence": stale_evidence(new),
    }
    result["summary"] = summary_sentences(result)
    return result


def _side(bundle: dict) -> dict[str, Any]:
    return {"label": _label(bundle), "date": _review_date(bundle).isoformat(), "generated_at": bundle["generated_at"],
            "system_id": bundle.get("system_id"), "system_name": (bundle.get("records") or {}).get(
                "system.yaml", {}).get("name")}


KIND_WORDS = {
    "improved": "improved", "regressed": "regressed", "newly_assessed": "newly assessed", "rescoped": "rescoped",
    "added": "added", "removed": "removed", "changed_hash": "changed hash", "expired": "expired since",
    "broken": "missing or altered", "renewed": "renewed", "license_changed": "license changed",
    "text_changed": "license text changed", "version_changed": "license version changed",
    "crossed_to_fail": "now fail", "crossed_to_pass": "now pass", "moved_worse": "moved worse past tolerance",
    "moved_better": "moved better past tolerance", "newly_measured": "newly measured",
    "no_longer_measured": "no longer measured", "closed": "closed", "reopened": "reopened", "rescored": "re-scored",
    "new_processing": "new processing", "processing_ended": "processing ended", "new_transfer": "new transfer",
    "transfer_ended": "transfer ended", "decision_changed": "decision changed", "state_changed": "state changed",
    "newly_overdue": "newly overdue", "still_overdue": "still overdue", "lapsed": "lapsed", "overdue": "overdue",
    "advanced": "advanced",
}
_BAD_KINDS = {"regressed", "expired", "broken", "removed", "crossed_to_fail", "moved_worse", "no_longer_measured",
              "reopened", "newly_overdue", "still_overdue", "lapsed", "overdue", "new_transfer", "license_changed",
              "text_changed"}


def summary_sentences(diff: dict) -> list[dict[str, str]]:
    """One sentence per category, worst news first within it; categories without change say so."""
    out = []
    for category, title in CATEGORIES.items():
        counts = diff["counts"][category]
        if not counts:
            out.append({"category": category, "topic": title, "text": "No change.", "tone": "neutral"})
            continue
        parts = [f"{n} {KIND_WORDS.get(kind, kind.replace('_', ' '))}"
                 for kind, n in sorted(counts.items(), key=lambda kv: (kv[0] not in _BAD_KINDS, kv[0]))]
        refs = [r["ref"] for r in diff["changes"] if r["category"] == category and r["kind"] in _BAD_KINDS]
        text = ", ".join(parts) + "." + (f" Needs attention: {', '.join(refs[:8])}"
                                         + (f" and {len(refs) - 8} more" if len(refs) > 8 else "") + "." if refs else "")
        out.append({"category": category, "topic": title, "text": text,
                    "tone": "bad" if refs else "good"})
    stale = diff["stale_evidence"]
    if stale:
        weakened = sorted({s for item in stale for s in item["weakens"]})
        out.append({"category": "stale", "topic": "Stale evidence",
                    "text": f"{len(stale)} item(s) past their validity on {diff['to']['date']}, weakening "
                            f"{', '.join(weakened) or 'no subcategory'}.", "tone": "warn"})
    return out


# ---------------------------------------------------------------- trends over all snapshots

def trend_point(bundle: dict) -> dict[str, Any]:
    """What the trend charts plot for one state: coverage per function, risk scores, metric values."""
    coverage = {r["function"]: {"met": r.get("met", 0), "assessed": r.get("total", 0) - r.get("not_assessed", 0),
                                "total": r.get("total", 0)} for r in _results(bundle, "mapping").get("coverage", [])}
    risks = {r["id"]: {"score": _score(r), "status": r["status"], "title": r["title"]}
             for r in _kind_records(bundle, "risks/*.yaml").values()}
    metrics = {r["id"]: {"value": r.get("value"), "threshold": r["threshold"], "title": r["title"],
                         "direction": r["direction"], "unit": r.get("unit")}
               for r in _results(bundle, "measurement").get("rows", [])}
    return {"label": _label(bundle), "date": _review_date(bundle).isoformat(), "coverage": coverage,
            "risks": risks, "metrics": metrics}


def trend(points: Iterable[dict]) -> list[dict]:
    """Trend points in date order (each from :func:`trend_point`)."""
    return sorted(points, key=lambda p: (p["date"], p["label"]))


def next_review_due(last_review: dt.date | None, cadence: str) -> dt.date | None:
    """The date the next review is due after ``last_review`` under the workspace's cadence.

    >>> next_review_due(dt.date(2026, 9, 30), "quarterly")
    datetime.date(2026, 12, 31)
    """
    if last_review is None:
        return None
    return last_review + dt.timedelta(days=CADENCE_DAYS.get(cadence, 92))


# ---------------------------------------------------------------- portfolio

def portfolio_row(ws: "Workspace", today: dt.date) -> dict[str, Any]:
    """One system of the portfolio: owner, pattern, model openness, coverage, claims, risks, DPIA, review."""
    from rmfkit import dpia
    from rmfkit.assess import assess
    from rmfkit.library.freshness import check_all
    from rmfkit.licenses import analyze
    from rmfkit.risks import level

    system, settings = ws.system, ws.settings
    checks = check_all(ws, today)
    result = assess(ws, today, checks=checks)
    report = analyze(system, ws.evidence)
    model = report.primary_model
    openness = next((c.classification.openness for c in report.components if c.id == model), None) if model else None
    risks = [r for r in ws.risks.values() if r.status != "closed"]
    dpia_status = dpia.status(ws)
    screening = None if dpia_status else dpia.screen(system, None).decision
    history = snapshots(ws)
    last = dt.date.fromisoformat(history[-1].date) if history else None
    due = next_review_due(last, settings.review_cadence)
    return {
        "system_id": system.id, "name": system.name, "owner": system.owner, "folder": ws.root.name,
        "deployment_pattern": system.deployment_pattern, "model": model, "model_openness": openness,
        "coverage": {r["function"]: {"met": r["met"], "partially_met": r["partially_met"],
                                     "assessed": r["assessed"], "total": r["total"]} for r in result.coverage},
        "met_share": result.totals["met_share"], "unsupported_claims": len(result.unsupported),
        "open_risks": len(risks), "open_high_risks": sum(1 for r in risks if level(r.current_score) == "high"),
        "dpia": (f"{dpia_status['state']} (decision: {dpia_status['decision'].replace('_', ' ')})" if dpia_status
                 else f"not recorded (screening: {screening.replace('_', ' ')})"),
        "dpia_state": dpia_status["state"] if dpia_status else None,
        "last_review": last.isoformat() if last else None, "last_review_label": history[-1].label if history else None,
        "review_cadence": settings.review_cadence, "next_review_due": due.isoformat() if due else None,
        "review_overdue": due is None or due < today,
    }



PARALLEL_FROM = 32  # roll-ups of at least this many folders use one process per CPU
PROBLEMS_SHOWN = 3  # validation problems quoted per system (all are counted)
CHUNKS_PER_WORKER = 4


def _import_roll_up_modules() -> None:
    """Import what a roll-up row needs and load the catalog (cached per process)."""
    from rmfkit import assess, dpia, licenses, risks, workspace  # noqa: F401
    from rmfkit.catalog import load_catalog
    from rmfkit.library import freshness  # noqa: F401

    load_catalog()


def _roll_up(folders: list[str], day: dt.date, opener: Callable[[Path], "Workspace"] | None = None
             ) -> tuple[list[dict], list[dict]]:
    """Rows of the folders that load, each with its validation problems; ``{"folder", "error"}`` for the rest.

    A workspace with problems is still rolled up from the records that loaded; one whose settings or
    system profile did not load cannot be, and is skipped naming the first problem.
    """
    from rmfkit.errors import RmfkitError
    from rmfkit.validation import validate
    from rmfkit.workspace import Workspace

    open_fast = opener or (lambda f: Workspace.open(f, read_only=True))
    rows, skipped = [], []
    for folder in folders:
        try:
            ws = open_fast(Path(folder))
            problems = validate(ws)
            if problems and opener is None:
                ws = Workspace.open(folder)  # the full loader locates each problem (file, line, field)
                problems = validate(ws)
            row = portfolio_row(ws, day)
            row.update(path=str(folder), validation_problems=len(problems),
                       problems=[str(p) for p in problems[:PROBLEMS_SHOWN]])
            rows.append(row)
        except RmfkitError as exc:
            skipped.append({"folder": str(folder), "error": str(exc).splitlines()[0]})
        except (OSError, ValueError) as exc:
            skipped.append({"folder": str(folder), "error": f"{type(exc).__name__}: {exc}"})
    return rows, skipped


def flag_duplicate_ids(rows: list[dict]) -> int:
    """Give every row ``same_id_as``: the other folders rolled up under its system id; returns how many ids repeat.

    >>> rows = [{"system_id": "a", "path": "x"}, {"system_id": "a", "path": "y"}, {"system_id": "b", "path": "z"}]
    >>> flag_duplicate_ids(rows), rows[0]["same_id_as"], rows[2]["same_id_as"]
    (1, ['y'], [])
    """
    by_id: dict[str, list[dict]] = {}
    for row in rows:
        by_id.setdefault(row["system_id"], []).append(row)
    for row in rows:
        row["same_id_as"] = [other["path"] for other in by_id[row["system_id"]] if other is not row]
    return sum(1 for same in by_id.values() if len(same) > 1)


def portfolio(folders: Iterable[Path | str], *, today: dt.date | None = None,
              open_workspace: Callable[[Path], "Workspace"] | None = None) -> dict[str, Any]:
    """Roll up many workspaces: one row per system; a folder that fails to load is reported and skipped.

    Each row counts its workspace's validation problems (``validation_problems``, the first few in
    ``problems``) and names the other folders that use the same system id (``same_id_as``).

    ``open_workspace`` defaults to a read-only load (the roll-up never writes to a workspace). Many
    folders are spread over one process per CPU.
    """
    import os

    from rmfkit.clock import today as default_today

    day = today or default_today()
    folders = [str(f) for f in folders]
    workers = min(os.cpu_count() or 1, len(folders) // (PARALLEL_FROM // 2) or 1)
    if open_workspace is None and len(folders) >= PARALLEL_FROM and workers > 1:
        from concurrent.futures import ProcessPoolExecutor

        _import_roll_up_modules()  # once here: forked workers inherit them instead of importing each
        pieces = workers * CHUNKS_PER_WORKER  # small pieces: a worker slowed by other load takes fewer
        chunks = [chunk for chunk in (folders[i::pieces] for i in range(pieces)) if chunk]
        with ProcessPoolExecutor(workers) as pool:
            parts = list(pool.map(_roll_up, chunks, [day] * len(chunks)))
        rows = [row for part_rows, _ in parts for row in part_rows]
        skipped = sorted((item for _, part_skipped in parts for item in part_skipped), key=lambda s: s["folder"])
    else:
        rows, skipped = _roll_up(folders, day, open_workspace)
    rows.sort(key=lambda r: (r["name"].lower(), r["system_id"], r["path"]))
    duplicate_ids = flag_duplicate_ids(rows)
    totals = {"systems": len(rows), "skipped": len(skipped),
              "with_problems": sum(1 for r in rows if r["validation_problems"]), "duplicate_ids": duplicate_ids,
              "unsupported_claims": sum(r["unsupported_claims"] for r in rows),
              "open_high_risks": sum(r["open_high_risks"] for r in rows),
              "review_overdue": sum(1 for r in rows if r["review_overdue"]),
              "without_dpia": sum(1 for r in rows if r["dpia_state"] is None)}
    return {"as_of": day.isoformat(), "systems": rows, "skipped": skipped, "totals": totals}
