"""Policy check: each component's license facts against the intended use declared in ``system.yaml``.

A finding has a severity (``blocker | obligation | caution | info``), the clause it comes from, what to do,
the source of the fact, and ``needs_review`` when it rests on an unknown or uncertain fact.

>>> from rmfkit.models.system import Component, IntendedUse
>>> from rmfkit.licenses.openness import classify
>>> c = classify(Component(id="d", name="Reviews", layer="data", license="cc-by-nc-4.0"))
>>> [(f.severity, f.topic) for f in check(c, IntendedUse(commercial_use=True))]
[('blocker', 'commercial_use')]
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from rmfkit.licenses.facts import CONDITIONAL, NO, UNKNOWN, LicenseFacts
from rmfkit.licenses.openness import CODE_LAYERS, Classification
from rmfkit.models.system import IntendedUse

SEVERITIES = ("blocker", "obligation", "caution", "info")


@dataclass(frozen=True)
class Finding:
    component: str
    severity: str
    topic: str
    message: str
    clause: str
    action: str
    source: str
    license: str
    needs_review: bool = False

    @property
    def key(self) -> str:
        """Stable identity for comparing two states (component, license, topic)."""
        return f"{self.component}:{self.license}:{self.topic}"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _fmt(n: int) -> str:
    return f"{n:,}"


class _Collector:
    def __init__(self, c: Classification):
        self.c = c
        self.items: list[Finding] = []

    def add(self, facts: LicenseFacts | None, severity: str, topic: str, message: str, action: str,
            clause: str | None = None, needs_review: bool = False) -> None:
        name = facts.name if facts else (self.c.component.license_name or self.c.component.license or "no license")
        self.items.append(Finding(
            component=self.c.component.id, severity=severity, topic=topic, message=message,
            clause=clause or (facts.name if facts else name), action=action,
            source=facts.source if facts else "system profile", license=facts.key if facts else name,
            needs_review=needs_review))


def check(c: Classification, use: IntendedUse) -> list[Finding]:
    """Every finding for one classified component under the declared intended use."""
    out = _Collector(c)
    comp = c.component
    if c.review:
        is_service = comp.layer == "service"
        out.add(None, "caution", "needs_review",
                ("hosted service terms: " if is_service else "") + "; ".join(c.review),
                ("record the terms' version or date and the SHA-256 of the text you read; check commercial use, data "
                 "processing (DPA), ownership of outputs and notice of changes — API terms can change quietly"
                 if is_service else
                 "read the license text, record its id, version and SHA-256 (license_text_sha256), then re-run"),
                clause=comp.license_link or "license text", needs_review=True)
    distributing = use.serves_third_parties or use.redistributes_weights or use.fine_tunes_and_publishes
    for f in c.license.licenses:
        if f.category == "unknown":
            continue
        _commercial(out, f, use, comp.layer)
        _use_policy(out, f, use, distributing)
        if comp.layer == "weights":
            _model_terms(out, f, use, comp.license_text_sha256)
        _code_terms(out, f, use, comp.layer)
        _data_terms(out, f, use, comp.layer)
    keys = {f.spdx_id for f in c.license.licenses}
    if "GPL-2.0-only" in keys and "Apache-2.0" in keys:
        gpl = next(f for f in c.license.licenses if f.spdx_id == "GPL-2.0-only")
        out.add(gpl, "caution", "license_incompatibility",
                "GPL-2.0-only and Apache-2.0 are combined in this component; they are incompatible",
                "check how the parts are combined (separate programs vs. one work) with counsel", clause=gpl.notes)
    return out.items


def _commercial(out: _Collector, f: LicenseFacts, use: IntendedUse, layer: str) -> None:
    if not use.commercial_use:
        return
    if f.commercial_use == NO:
        what = "non-commercial data in a commercial system" if layer == "data" else \
            f"{f.spdx_id or f.name} does not allow commercial use"
        out.add(f, "blocker", "commercial_use", what,
                "replace the component or obtain a commercial license from the licensor",
                clause=f.clause("commercial_use", f"{f.name}: license scope (non-commercial / research only)"),
                needs_review="commercial_use" in f.uncertain)
    elif f.commercial_use == UNKNOWN:
        out.add(f, "caution", "commercial_use", f"whether {f.name} allows commercial use is not established",
                "read the license and confirm commercial use with the licensor or counsel", needs_review=True)
    elif f.commercial_use == CONDITIONAL:
        if f.mau_cap:
            mau = use.expected_monthly_active_users
            clause = f.clause("mau_cap")
            if mau is None:
                out.add(f, "caution", "mau_cap",
                        f"commercial use needs a separate license above {_fmt(f.mau_cap)} monthly active users; "
                        "expected users are not declared",
                        "declare intended_use.expected_monthly_active_users in system.yaml", clause=clause)
            elif mau > f.mau_cap:
                out.add(f, "blocker", "mau_cap",
                        f"{_fmt(mau)} expected monthly active users exceed the {_fmt(f.mau_cap)} cap",
                        "request a license from the licensor before launch", clause=clause)
            else:
                out.add(f, "info", "mau_cap",
                        f"{_fmt(mau)} expected monthly active users are below the {_fmt(f.mau_cap)} cap",
                        "re-check if the user base grows by orders of magnitude", clause=clause)
        elif f.revenue_cap_usd:
            out.add(f, "caution", "revenue_cap",
                    f"commercial use is free only below USD {_fmt(f.revenue_cap_usd)} (annual or attributable revenue)",
                    "confirm your revenue against the threshold, or obtain a license", clause=f.clause("revenue_cap_usd"))
        else:
            out.add(f, "caution", "commercial_use", f"{f.name}: commercial use is allowed only under conditions",
                    "read the conditions (" + "; ".join(f.obligations or ("see the license",)) + ") and confirm they fit",
                    clause=f.clause("commercial_use"))


def _use_policy(out: _Collector, f: LicenseFacts, use: IntendedUse, distributing: bool) -> None:
    if f.hosting_restriction and use.serves_third_parties:
        out.add(f, "blocker", "hosting", f"{f.name} does not allow offering the model as a service to third parties "
                "without a separate license", "obtain the licensor's hosting license or choose another model",
                clause=f.clause("hosting_restriction"))
    if not f.use_restrictions:
        return
    out.add(f, "obligation", "use_policy", f"{f.name} carries use restrictions (acceptable use policy)",
            "check the system's purpose against every restricted use and keep monitoring usage",
            clause=f.clause("use_restrictions", f"{f.name}: acceptable use policy"))
    if not distributing:
        return
    if f.passthrough_required:
        out.add(f, "obligation", "passthrough",
                "the use restrictions must be passed on to everyone you give the model or its service to",
                "put the restrictions into your customer terms as an enforceable provision and notify recipients",
                clause=f.clause("passthrough_required"))
    elif f.passthrough_required is None and "passthrough_required" in f.uncertain:
        out.add(f, "caution", "passthrough",
                "whether the use restrictions must be imposed on your users is not stated expressly",
                "ask counsel; until then, reflect the acceptable use policy in your customer terms",
                clause=f.clause("passthrough_required"), needs_review=True)


def _model_terms(out: _Collector, f: LicenseFacts, use: IntendedUse, text_hash: str | None) -> None:
    if use.redistributes_weights:
        if f.redistribution in (NO, "research", "non_commercial", "restricted") and use.commercial_use:
            out.add(f, "blocker", "redistribution", f"{f.name} does not allow commercial redistribution of the weights",
                    "do not ship the weights; serve the model yourself or obtain a license")
        else:
            steps = []
            if f.copy_of_license:
                steps.append(f"ship a copy of the {f.name}")
            if f.notice_file:
                steps.append("ship a 'Notice' text file" + (f' reading "{f.notice_text}"' if f.notice_text else ""))
            if f.mark_changes:
                steps.append("mark modified files")
            if steps:
                out.add(f, "obligation", "redistribution", "redistributing the weights to customers has conditions",
                        "; ".join(steps), clause=f.clause("redistribution", f"{f.name}: redistribution"))
    if f.attribution_display and (use.serves_third_parties or use.redistributes_weights or use.fine_tunes_and_publishes):
        out.add(f, "obligation", "attribution",
                f"a product or service that contains the model must display \"{f.attribution_display}\"",
                f"show \"{f.attribution_display}\" on a related website, user interface, about page or product "
                "documentation", clause=f.clause("attribution_display"),
                needs_review="attribution_display" in f.uncertain)
    if use.fine_tunes_and_publishes:
        if f.derivatives in (NO, "research") or (f.derivatives == "non_commercial" and use.commercial_use):
            out.add(f, "blocker", "derivatives", f"{f.name} does not allow publishing this derivative",
                    "keep fine-tunes internal or use a model whose license allows derivatives")
        if f.derivatives == "grok_only":
            out.add(f, "caution", "derivatives", "only fine-tunes of this model itself are allowed",
                    "check that the published model is a fine-tune of this model")
        if f.naming_rule:
            out.add(f, "obligation", "naming", f"a distributed derivative's name must start with \"{f.naming_rule}\"",
                    f"name the published model \"{f.naming_rule}…\"; ship the license and a Notice file with it",
                    clause=f.clause("naming_rule"))
        if f.passthrough_required:
            out.add(f, "obligation", "derivatives", "the use restrictions flow down into the published derivative",
                    "release the derivative under terms that carry the same use restrictions",
                    clause=f.clause("passthrough_required"))
        if f.keep_model_documentation:
            out.add(f, "obligation", "derivatives", "the model documentation must be kept and extended",
                    "publish an updated model card with the derivative", clause=f.clause("keep_model_documentation"))
    if use.trains_on_outputs:
        if f.output_training_restriction:
            out.add(f, "blocker", "output_training", "outputs may not be used to train or improve other models",
                    "stop training other models on these outputs, or choose a model whose license allows it",
                    clause=f.clause("output_training_restriction"))
        elif f.output_training_restriction is None and "output_training_restriction" in f.uncertain:
            out.add(f, "caution", "output_training", "whether outputs may train other models is not verified",
                    "read the license text before training on outputs", needs_review=True)
        if f.naming_rule and f.naming_rule_covers_outputs:
            out.add(f, "obligation", "naming", f"a distributed model trained on these outputs must be named "
                    f"\"{f.naming_rule}…\"", f"name any distributed model trained on the outputs \"{f.naming_rule}…\"",
                    clause=f.clause("naming_rule"))
        if f.output_training_attribution:
            out.add(f, "obligation", "attribution", "a distributed model trained on the materials or outputs must "
                    f"display \"{f.output_training_attribution}\"", f"display \"{f.output_training_attribution}\"")
        if f.outputs_train_derivative:
            out.add(f, "obligation", "output_training", "a model trained on these outputs is a derivative of the model; "
                    "the use restrictions flow down", "treat the trained model as a derivative under this license")
    if f.eu_multimodal_exclusion == "applies":
        out.add(f, "caution" if use.eu_users else "info", "eu_exclusion",
                "for multimodal models of this release, no rights are granted to individuals domiciled or companies "
                "with their principal place of business in the EU (end users of a product are not affected)",
                "confirm the model is text-only, or that your company is not EU-domiciled",
                clause=f.clause("eu_multimodal_exclusion"), needs_review=use.eu_users)
    elif f.eu_multimodal_exclusion == "text_only":
        out.add(f, "info", "eu_exclusion", "the acceptable use policy carries the EU multimodal exclusion although "
                "this release is text-only", "no action for text-only use; keep it in the review notes",
                clause=f.clause("eu_multimodal_exclusion"), needs_review=True)
    changes = [label for flag, label in ((f.licensor_can_update_terms, "the licensor may update the terms"),
                                         (f.remote_restriction_right, "the licensor may restrict use remotely"),
                                         (f.latest_version_duty, "you must make reasonable efforts to use the latest version"),
                                         (f.revocable, "the license is revocable")) if flag]
    if changes:
        out.add(f, "info" if text_hash else "caution", "terms_change", "; ".join(changes),
                "record the version and SHA-256 of the text you evaluated (license_text_sha256) and re-check each quarter"
                if not text_hash else "re-check the recorded text each quarter")


def _code_terms(out: _Collector, f: LicenseFacts, use: IntendedUse, layer: str) -> None:
    if f.copyleft == "network":
        severity = "obligation" if use.serves_third_parties or use.distributes_software else "info"
        out.add(f, severity, "network_copyleft",
                f"{f.spdx_id or f.name}: users who interact with a modified version over a network must be offered its "
                "complete source", "keep the component unmodified, or publish the source of your modifications to users",
                clause=f"{f.name}: remote network interaction")
    elif f.copyleft == "strong":
        severity = "obligation" if use.distributes_software else "info"
        out.add(f, severity, "copyleft",
                f"{f.spdx_id}: distributed derivative works, including linked programs, must be licensed under the GPL "
                "with complete source" + ("" if use.distributes_software else " (hosting alone does not distribute)"),
                "ship the complete corresponding source under the GPL, or keep the component out of what you distribute")
    elif f.copyleft == "weak" and layer in CODE_LAYERS:
        severity = "obligation" if use.distributes_software else "info"
        out.add(f, severity, "copyleft", f"{f.spdx_id or f.name}: " + "; ".join(f.obligations),
                "keep changes to the component under its license and publish them when you distribute")
    if f.category == "source_available":
        if f.service_source_duty or f.managed_service_ban:
            out.add(f, "caution", "source_available", f"{f.spdx_id}: " + "; ".join(f.obligations),
                    "make sure you do not offer this software itself as a service to others, or get a commercial license")
        if f.production_use_limited:
            out.add(f, "caution", "source_available", f"{f.spdx_id}: " + "; ".join(f.obligations),
                    "read the Additional Use Grant and Change Date of this release")
    if (f.category in ("permissive", "public_domain") and layer in CODE_LAYERS and use.distributes_software
            and f.obligations):
        out.add(f, "obligation", "notices", f"{f.spdx_id or f.name}: " + "; ".join(f.obligations),
                "include the license texts and notices in what you ship (third-party notices file)")


def _data_terms(out: _Collector, f: LicenseFacts, use: IntendedUse, layer: str) -> None:
    if layer != "data":
        return
    sharing = use.serves_third_parties or use.redistributes_weights or use.fine_tunes_and_publishes
    if f.attribution_required and sharing:
        out.add(f, "obligation", "attribution", f"{f.spdx_id or f.name}: " + "; ".join(f.obligations),
                "credit the source wherever the data or adapted material is shared (including shown excerpts)")
    if f.copyleft == "share_alike" and (use.redistributes_weights or use.fine_tunes_and_publishes):
        out.add(f, "caution", "share_alike", f"{f.spdx_id or f.name}: adaptations you share must use the same or a "
                "compatible license", "check whether the published model or data is an adaptation of this data")
    if f.derivatives == NO and (use.redistributes_weights or use.fine_tunes_and_publishes):
        out.add(f, "caution", "derivatives", f"{f.spdx_id or f.name}: adapted material may not be shared",
                "check whether what you publish contains adapted material")
