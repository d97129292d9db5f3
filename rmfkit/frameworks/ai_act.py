"""EU AI Act by role: screening -> risk tiers -> obligation register, every fact with its source. Pure.

Which articles bind whom comes from the packaged data (``binds`` per article, an editorial reading that
needs legal review); when they bind follows the article's chapter: Chapters I-II bind every AI system,
Chapter III and Arts 72, 73, 86 high-risk systems (Art 6(4) and 49(2) the Art 6(3) derogation), Art 50 its
screened cases, Chapter V providers of general-purpose AI models. Penalties (Chapter XII) are not listed as
obligations. Application dates are those of Art 113 as amended by Regulation (EU) 2026/1744, each with its
rule; the original date is shown beside it. Nothing here decides a legal question: unsure answers, value-chain
cases and fine-tuning of a general-purpose AI model are flagged for legal review.

>>> from rmfkit.models.frameworks import FrameworksFile
>>> doc = FrameworksFile.model_validate({"ai_act": {"systems": [{"id": "bot", "roles": ["deployer"],
...     "role_justification": "we use it", "screening": {"transparency": {"50(1)": {"answer": "yes",
...     "justification": "chat"}}}}]}})
>>> reg = obligation_register([], doc)
>>> [(r["id"], r["applies_from"]["date"]) for r in reg["obligations"]]
[('Art 4', '2025-02-02'), ('Art 5', '2025-02-02')]
>>> reg["systems"][0]["tiers"]
['transparency']
"""
from __future__ import annotations

from typing import Any, Iterable, Mapping

from rmfkit.frameworks.derive import derive_item, rows_by_id
from rmfkit.frameworks.registry import Registry, load_registry

HIGH_RISK_CHAPTER_IX = ("72", "73", "86")
EXEMPT_PROVISIONS = ("Art 6(4)", "Art 49(2)")
NOT_LEGAL_ADVICE = ("Not legal advice. Role bindings, tiers and dates are read from the packaged data; every "
                    "binding is an editorial reading that needs legal review before anyone relies on it.")


def _answers(screened: Mapping[str, Any] | None) -> dict[str, str]:
    return {k: v.answer for k, v in (screened or {}).items()}


def screen(system: Any, registry: Registry | None = None) -> dict:
    """Risk tiers of one system from its screening answers, what was not screened, and what needs review.

    >>> from rmfkit.models.frameworks import AiActSystem
    >>> s = AiActSystem.model_validate({"id": "m", "kind": "gpai_model", "roles": [], "role_justification": "x"})
    >>> screen(s)["tiers"]
    []
    """
    act = (registry or load_registry()).ai_act["risk_tiers"]
    review: list[str] = []
    if system.kind == "gpai_model":
        tiers = ["gpai_model"] if {"gpai_model_provider", "gpai_model_provider_systemic_risk"} & set(system.roles) else []
        return {"tiers": tiers, "high_risk_routes": [], "not_screened": [], "legal_review": review}
    sc = system.screening
    prohibited = _answers(sc.prohibited if sc else None)
    annex_iii = _answers(sc.annex_iii if sc else None)
    transparency = _answers(sc.transparency if sc else None)
    points = [p["point"] for p in act["prohibited"]["points"]]
    areas = [a["area"] for a in act["high_risk"]["routes"][1]["annex_iii"]["areas"]]
    cases = [c["case"] for c in act["transparency"]["cases"]]
    not_screened = ([f"Art {p}" for p in points if p not in prohibited] + [f"Annex III area {a}" for a in areas
                    if a not in annex_iii] + [f"Art {c}" for c in cases if c not in transparency]
                    + ([] if sc and sc.annex_i else ["Annex I route (Art 6(1))"]))
    everything = {**{f"Art {k}": v for k, v in {**prohibited, **transparency}.items()},
                  **{f"Annex III area {k}": v for k, v in annex_iii.items()}}
    if sc and sc.annex_i:
        everything["Annex I route (Art 6(1))"] = sc.annex_i.answer
    review += [f"{where}: answered unsure" for where, answer in everything.items() if answer == "unsure"]
    routes = []
    if sc and sc.annex_i and sc.annex_i.answer == "yes":
        routes.append("annex_i")
    exempt = False
    if "yes" in annex_iii.values():
        ex = sc.exemption_6_3
        exempt = bool(ex and ex.answer == "yes" and ex.condition and ex.profiling == "no")
        if ex and ex.answer == "yes" and not exempt:
            review.append("Art 6(3) derogation claimed without a condition or with profiling not ruled out "
                          "(an Annex III system that profiles natural persons is always high-risk)")
        if ex and ex.answer == "unsure":
            review.append("Art 6(3) derogation: answered unsure")
        if not exempt:
            routes.append("annex_iii")
    tiers = []
    if "yes" in prohibited.values():
        tiers.append("prohibited")
        review.append("a prohibited practice (Art 5(1)) was answered yes: stop and take legal advice")
    if routes:
        tiers.append("high_risk")
    if exempt:
        tiers.append("annex_iii_exempt")
    if "yes" in transparency.values():
        tiers.append("transparency")
    return {"tiers": tiers or ["no_specific_obligation"], "high_risk_routes": routes, "not_screened": not_screened,
            "legal_review": review, "transparency_cases": [c for c in cases if transparency.get(c) == "yes"]}


def _binds_now(article: dict, binding: dict, screened: dict, roles: set[str]) -> bool:
    role = binding["role"]
    if role not in roles and not (role == "gpai_model_provider" and "gpai_model_provider_systemic_risk" in roles):
        return False
    chapter, number = article["chapter"]["number"], article["number"]
    tiers = screened["tiers"]
    if chapter in ("I", "II"):
        return True
    if binding["provision"] in EXEMPT_PROVISIONS:
        return "annex_iii_exempt" in tiers
    if chapter == "III" or number in HIGH_RISK_CHAPTER_IX:
        return "high_risk" in tiers
    if number == "50":
        return binding["provision"].removeprefix("Art ") in screened.get("transparency_cases", ())
    return chapter == "V"


def _applies_from(article: dict, row_id: str, routes: set[str]) -> dict:
    amended = article["applies_from"].get("as_amended_by_2026_1744") or {}
    original = article["applies_from"].get("original_text") or {}
    dates = {}
    if "annex_iii" in routes and amended.get("annex_iii_route_date"):
        dates["annex_iii"] = amended["annex_iii_route_date"]
    if "annex_i" in routes and amended.get("annex_i_route_date"):
        dates["annex_i"] = amended["annex_i_route_date"]
    date = amended.get("date") or (min(dates.values()) if dates else None)
    out = {"date": date, "by_route": dates, "rule": amended.get("rule") or article["applies_from"].get("note"),
           "original_date": original.get("date"), "original_rule": original.get("rule"),
           "source": "Regulation (EU) 2024/1689, Art 113, as amended by Regulation (EU) 2026/1744"}
    for key in ("exception", "interplay_note"):
        if amended.get(key):
            out[key] = amended[key]
    if row_id == "Art 50(2)" and amended.get("transitional"):
        out["transitional"] = amended["transitional"]
    return out


def _row_id(article: dict, binding: dict) -> str:
    return binding["provision"].split(";")[0].strip() if article["number"] == "50" else f"Art {article['number']}"


def _register_rows(registry: Registry, systems: list[tuple[Any, dict]]) -> dict[str, dict]:
    act = registry.ai_act
    labels = {f"Art {c['case']}": c["short_label"] for c in act["risk_tiers"]["transparency"]["cases"]}
    rows: dict[str, dict] = {}
    for article in act["articles"]:
        for binding in article["binds"]:
            for system, screened in systems:
                if not _binds_now(article, binding, screened, set(system.roles)):
                    continue
                row_id = _row_id(article, binding)
                row = rows.setdefault(row_id, {
                    "id": row_id, "article": article["number"], "title": article["title"],
                    "label": labels.get(row_id), "chapter": article["chapter"], "section": article["section"],
                    "bound": [], "routes": set(), "note": article.get("note"),
                    "amended_by_2026_1744": [c["change"] for c in article["amended_by_2026_1744"]],
                    "legal_review": ["role binding is an editorial reading of the data (needs legal review)"]})
                row["bound"].append({"system": system.id, "role": binding["role"], "provision": binding["provision"],
                                     "how": binding["how"], "note": binding.get("note")})
                row["routes"] |= set(screened["high_risk_routes"])
                if "interplay_note" in (article["applies_from"].get("as_amended_by_2026_1744") or {}):
                    row["legal_review"].append("application in the gap before the deferred Chapter III "
                                               "obligations is an open legal question (interplay_note)")
    for row_id, row in rows.items():
        article = next(a for a in act["articles"] if a["number"] == row["article"])
        row["applies_from"] = _applies_from(article, row_id, row.pop("routes"))
        row["binding_notes"] = sorted({b["note"] for b in row["bound"] if b["note"]})
    return rows


def _roles(system: Any, registry: Registry) -> list[dict]:
    defs = {r["id"]: r["definition_ref"] for r in registry.ai_act["roles"]}
    return [{"role": r, "definition_ref": defs.get(r)} for r in system.roles]


def value_chain_review(system: Any, registry: Registry | None = None) -> list[dict]:
    """Art 25(1) cases and GPAI fine-tuning answered yes or unsure: what the data says, flagged for review."""
    act = (registry or load_registry()).ai_act
    defs = {d["ref"]: d["text"] for d in act["other_definitions"].values()}
    roles = {r["id"]: r for r in act["roles"]}
    art25 = next(a for a in act["articles"] if a["number"] == "25")
    note_25 = next(b["note"] for b in art25["binds"] if b["provision"] == "Art 25(1)")
    vc = system.value_chain
    out = []
    for key, label in (("name_or_trademark", "puts its name or trademark on the system"),
                       ("substantial_modification", "makes a substantial modification"),
                       ("intended_purpose_change", "changes the intended purpose")):
        answer = getattr(vc, key)
        if answer and answer.answer in ("yes", "unsure"):
            facts = [{"ref": "Art 25(1)", "says": f"distributor, importer or deployer {note_25}"}]
            if key == "substantial_modification":
                facts.append({"ref": "Art 3(23)", "says": defs["Art 3(23)"]})
            out.append({"case": key, "label": label, "answer": answer.answer, "justification": answer.justification,
                        "what_the_data_says": facts,
                        "legal_review": "The text of Art 25(1)(a)-(c) is not in the packaged data; whether this "
                                        "case makes you a provider needs legal review."})
    ft = vc.fine_tunes_gpai_model
    if ft and ft.answer in ("yes", "unsure"):
        out.append({"case": "fine_tunes_gpai_model", "label": "fine-tunes a general-purpose AI model",
                    "answer": ft.answer, "justification": ft.justification,
                    "what_the_data_says": [
                        {"ref": "Art 3(3)", "says": roles["provider"]["definition"]},
                        {"ref": "Art 3(63)", "says": defs["Art 3(63)"]},
                        {"ref": "Art 3(68)", "says": defs["Art 3(68)"]},
                        {"ref": "Art 53(2) (editorial note)",
                         "says": next(a["note"] for a in act["articles"] if a["number"] == "53")}],
                    "legal_review": "The packaged data holds no provision on when modifying or fine-tuning a "
                                    "general-purpose AI model makes the one who does it its provider. rmfkit "
                                    "does not decide this: it needs legal review."})
    return out


def obligation_register(rows: Iterable[Mapping[str, Any]], doc: Any,
                        evidence: Mapping[str, Mapping[str, Any]] | None = None,
                        registry: Registry | None = None) -> dict:
    """Systems with roles and tiers, and one register row per obligation that binds them, with its status.

    ``rows``: RMF rows (see :mod:`rmfkit.frameworks.derive`); ``doc``: a
    :class:`rmfkit.models.frameworks.FrameworksFile`. An obligation's status is the team's direct one
    (``obligations`` in ``frameworks.yaml``) or derived from the team's pairs to RMF subcategories
    (the packaged data has no AI RMF to AI Act crosswalk).
    """
    registry = registry or load_registry()
    act = registry.ai_act
    indexed = rows_by_id(rows)
    pairs = registry.team_pairs(doc.pairs, "eu-ai-act")
    screened = [(s, screen(s, registry)) for s in doc.ai_act.systems]
    obligations = []
    for row_id, row in sorted(_register_rows(registry, screened).items(), key=lambda kv: _order(kv[0])):
        entry = doc.obligations.get(row_id)
        direct = {"status": entry.status, "owner": entry.owner, "evidence": list(entry.evidence),
                  "justification": entry.justification} if entry else None
        derived = derive_item(row_id, [p for p in pairs if p.target == row_id], indexed, direct, evidence or {})
        obligations.append({**row, **derived, "pairs": [p.to_dict() for p in pairs if p.target == row_id]})
    bound = {o["id"] for o in obligations}
    systems = [{"id": s.id, "name": s.name, "kind": s.kind, "component": s.component, "roles": _roles(s, registry),
                "role_justification": s.role_justification, **sc, "value_chain": value_chain_review(s, registry)}
               for s, sc in screened]
    amended = act["application_dates"]["as_amended_by_regulation_2026_1744"]
    return {
        "regulation": {"title": act["regulation"]["short_title"], "number": act["regulation"]["number"],
                       "eli": act["regulation"]["eli"], "amended_by": amended["act"]["title"],
                       "amended_by_eli": amended["act"]["eli"], "amendment_status": amended["status_statement"]},
        "reflects": registry.provenance["eu_ai_act"]["reflects"],
        "data_as_of": registry.provenance["eu_ai_act"]["data_as_of"],
        "data_as_of_basis": registry.provenance["eu_ai_act"]["data_as_of_basis"],
        "caveats": [NOT_LEGAL_ADVICE, act["attribution"], act["risk_tiers"]["note"],
                    registry.provenance["eu_ai_act"]["recheck"]],
        "systems": systems, "obligations": obligations,
        "unmatched_obligations": sorted(k for k in doc.obligations if k not in bound),
        "legal_review": sorted({f"{s['id']}: {r}" for s in systems for r in s["legal_review"]}
                               | {f"{s['id']}: {v['label']}" for s in systems for v in s["value_chain"]}),
    }


def _order(row_id: str) -> tuple:
    import re

    m = re.match(r"Art (\d+)([a-z]?)(?:\((\d+)\))?", row_id)
    return (int(m.group(1)), m.group(2), int(m.group(3) or 0)) if m else (999, row_id, 0)
