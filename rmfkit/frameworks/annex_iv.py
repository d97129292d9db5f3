"""Annex IV technical documentation as a checklist, filled from what the workspace already holds. Pure.

Each Annex IV item (or sub-point) is matched to the workspace records that can document it; what no
record holds is named as a gap. Annex IV is required of providers of high-risk AI systems (Art 11(1));
for any other system the checklist shows documentation readiness only. Which record answers which
point is rmfkit's editorial matching, not a legal reading.

``holdings`` is plain data (see :func:`rmfkit.frameworks.inputs.holdings`): ``system`` (profile dict),
``evidence`` (list of ``{"id", "kind", "status"}``), ``risks`` (list of ``{"id", "status"}``),
``operations`` (list of checklist ``{"id", "status"}``), ``thresholds`` (count) and ``snapshots`` (labels).

>>> out = annex_iv_checklist({"system": {"purpose": "Drafts answers", "name": "Bot", "version": "1"}})
>>> out["items"][0]["ref"], out["items"][0]["state"], out["summary"]["held"] >= 1
('1(a)', 'held', True)
"""
from __future__ import annotations

from typing import Any, Callable, Mapping

from rmfkit.frameworks.registry import Registry, load_registry

EVAL_KINDS = ("lm-eval", "task-eval", "inspect", "garak", "promptfoo")
SECURITY_KINDS = ("garak", "promptfoo", "artifact-check")
SBOM_KINDS = ("cyclonedx", "spdx", "pip-licenses", "python-env")
Finding = tuple[str, str]  # (state, what holds it or what is missing)


def _ok(h: Mapping, kinds: tuple[str, ...]) -> list[str]:
    return [e["id"] for e in h.get("evidence", ()) if e["kind"] in kinds and e.get("status", "ok") == "ok"]


def _ops(h: Mapping, area: str) -> list[str]:
    return [i["id"] for i in h.get("operations", ()) if i["id"].startswith(area + ".") and i["status"] == "done"]


def _held(found: list[str], what: str, missing: str, partial: bool = False) -> Finding:
    if not found:
        return "gap", missing
    return ("partial" if partial else "held"), f"{what}: {', '.join(found)}"


def _purpose(h: Mapping) -> Finding:
    s = h.get("system", {})
    have = [k for k in ("purpose", "name", "version") if s.get(k)]
    state = "held" if len(have) == 3 else "partial" if have else "gap"
    return state, f"system profile ({', '.join(have) or 'nothing'} recorded)"


def _interactions(h: Mapping) -> Finding:
    flows = [f["id"] for f in h.get("system", {}).get("data_flows", ())]
    return _held(flows, "data flows", "no data flows recorded in system.yaml")


def _versions(h: Mapping) -> Finding:
    comps = h.get("system", {}).get("components", ())
    sbom = _ok(h, SBOM_KINDS)
    unversioned = [c["id"] for c in comps if not c.get("version")]
    if sbom:
        return "held", f"SBOM / environment evidence: {', '.join(sbom)}"
    if comps:
        return "partial", ("component versions in system.yaml" +
                           (f"; no version for {', '.join(unversioned)}" if unversioned else "") + "; no SBOM")
    return "gap", "no components or SBOM recorded"


def _forms(h: Mapping) -> Finding:
    s = h.get("system", {})
    pattern = s.get("deployment_pattern")
    return ("partial", f"deployment pattern '{pattern}' in system.yaml; describe every form (API, app, download)"
            ) if pattern else ("gap", "no deployment pattern recorded")


def _components(h: Mapping) -> Finding:
    comps = [c["id"] for c in h.get("system", {}).get("components", ())]
    flows = h.get("system", {}).get("data_flows", ())
    return _held(comps, "components" + (" and data flows" if flows else ""), "no components recorded",
                 partial=not flows)


def _pretrained(h: Mapping) -> Finding:
    weights = [c["id"] for c in h.get("system", {}).get("components", ()) if c.get("layer") == "weights"]
    cards = _ok(h, ("model-card",))
    return _held(weights + cards, "pre-trained models and model cards", "no model components recorded",
                 partial=not cards)


def _data(h: Mapping) -> Finding:
    data = [c["id"] for c in h.get("system", {}).get("components", ()) if c.get("layer") == "data"]
    return _held(data, "data components (no datasheets)", "no data components recorded", partial=True)


def _tests(h: Mapping) -> Finding:
    return _held(_ok(h, EVAL_KINDS), "current evaluation evidence", "no current evaluation evidence")


def _security(h: Mapping) -> Finding:
    found = _ok(h, SECURITY_KINDS) + _ops(h, "supply_chain")
    return _held(found, "red-team / artefact checks and supply-chain practices", "no security testing recorded")


def _monitoring(h: Mapping) -> Finding:
    return _held(_ops(h, "observability"), "operations checklist (done)", "no observability practice done",
                 partial=True)


def _changes(h: Mapping) -> Finding:
    found = _ops(h, "updates")
    return _held(found, "operations checklist (done)", "no update practice done", partial=True)


def _metrics(h: Mapping) -> Finding:
    n = h.get("thresholds", 0)
    return ("held", f"{n} metric threshold(s) in thresholds.yaml") if n else ("gap", "no metric thresholds set")


def _risk_system(h: Mapping) -> Finding:
    risks = [r["id"] for r in h.get("risks", ())]
    return _held(risks, f"risk register ({len(risks)} risks)", "no risk register")


def _lifecycle(h: Mapping) -> Finding:
    snaps = list(h.get("snapshots", ()))
    return _held(snaps, "frozen quarterly snapshots", "no frozen review snapshot", partial=True)


def _gap(missing: str) -> Callable[[Mapping], Finding]:
    return lambda h: ("gap", missing)


CHECKS: dict[str, Callable[[Mapping], Finding]] = {
    "1(a)": _purpose, "1(b)": _interactions, "1(c)": _versions, "1(d)": _forms,
    "1(e)": lambda h: _held(_ops(h, "serving"), "serving practices (operations checklist)",
                            "no serving practice recorded", partial=True),
    "1(f)": _gap("not recorded (only where the AI system is a component of products)"),
    "1(g)": _gap("no description of the user interface provided to the deployer"),
    "1(h)": _gap("no instructions for use held"),
    "2(a)": _pretrained, "2(b)": _gap("no design specification held"), "2(c)": _components, "2(d)": _data,
    "2(e)": _gap("no assessment of human oversight measures (Art 14) held"), "2(f)": _changes,
    "2(g)": _tests, "2(h)": _security,
    "3": _monitoring, "4": _metrics, "5": _risk_system, "6": _lifecycle,
    "7": _gap("no list of harmonised standards or other solutions applied"),
    "8": _gap("no EU declaration of conformity (Art 47) held"),
    "9": lambda h: _held(_ops(h, "observability") + _ops(h, "ownership"), "observability and ownership practices",
                         "no post-market monitoring plan", partial=True),
}


def annex_iv_checklist(holdings: Mapping[str, Any], registry: Registry | None = None) -> dict:
    """One row per Annex IV point (sub-points where the Annex has them): state ``held|partial|gap``."""
    annex = (registry or load_registry()).ai_act["annexes"]["annex_iv"]
    items = []
    for item in annex["items"]:
        for point in item.get("points") or [item]:
            state, detail = CHECKS[point["ref"]](holdings)
            items.append({"ref": point["ref"], "item": item["ref"], "item_label": item.get("short_label"),
                          "text": point["text"], "state": state, "detail": detail, "source": "Annex IV"})
    summary = {s: sum(1 for i in items if i["state"] == s) for s in ("held", "partial", "gap")}
    return {"title": annex["title"], "intro": annex["intro"], "items": items, "summary": summary,
            "gaps": [f"{i['ref']}: {i['detail']}" for i in items if i["state"] == "gap"],
            "note": "Annex IV is the technical documentation of Art 11(1) for high-risk AI systems; for other "
                    "systems this shows documentation readiness only. The matching of workspace records to "
                    "points is rmfkit's own, not a legal reading."}
