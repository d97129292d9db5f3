"""Which build was assessed: the rule that re-scopes evidence when a model component's build changes.

A model component names the build it serves now (``system.yaml``: ``build``); an evidence item names
the build it was produced on (``evidence.yaml``: ``build``). Evidence that is about a build (evals,
red-team runs, model cards, artefact checks and scans) and is linked to a component with a build is

- ``current``: produced on the component's current build;
- ``other_build``: produced on another build; it stops supporting what it backed (effective status
  ``unsupported``, reason "evaluated on another build (…)");
- ``unknown``: it names no build (or nothing comparable), so "build unknown"; it keeps supporting.

Two builds are compared by digest when both have one, else by repository, revision and quantization
where both state them. Everything here is pure: no file, no clock.

>>> from rmfkit.models.build import Build
>>> same_build(Build(digest="a" * 64), Build(digest="b" * 64, repository="x"))
False
>>> same_build(Build(repository="m/x", quantization="awq"), Build(repository="m/x")), same_build(Build(), Build())
(True, None)
>>> manifest_digest({"b.bin": "1" * 64, "a.bin": "0" * 64})[:12]
'437c60703da6'
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterable, Mapping

from rmfkit.errors import UsageError
from rmfkit.models.build import Build

if TYPE_CHECKING:
    from rmfkit.models.evidence import EvidenceRecord
    from rmfkit.models.system import Component, SystemProfile
    from rmfkit.records import Records

# Evidence kinds that are produced on (or about) one build of a model.
BUILD_BOUND_KINDS = frozenset({"lm-eval", "task-eval", "inspect", "garak", "promptfoo", "model-card",
                               "artifact-check", "model-scan"})
FACETS = ("repository", "revision", "quantization")
# What an item about another build did, where "evaluated" is not the word.
OTHER_BUILD = {"model-scan": "scanned another build", "artifact-check": "checked another build",
               "model-card": "describes another build"}
_HEX = re.compile(r"^(sha256:)?[0-9a-f]{12,64}$")


def manifest_digest(files: Mapping[str, str]) -> str:
    """SHA-256 of the manifest ``<sha256>  <path>\\n`` per file, sorted by path (POSIX, as sha256sum prints).

    >>> manifest_digest({"model.safetensors": "0" * 64}) == hashlib.sha256(("0" * 64 + "  model.safetensors\\n").encode()).hexdigest()
    True
    """
    lines = "".join(f"{digest}  {path}\n" for path, digest in sorted(files.items()))
    return hashlib.sha256(lines.encode("utf-8")).hexdigest()


def found_build(digest: str, recorded: Build | None) -> dict:
    """The build of files just hashed, as evidence records it: their digest, plus what ``recorded`` (the
    component's build in system.yaml) says about repository, revision… when the digests agree.

    >>> found_build("a" * 64, Build(digest="a" * 64, repository="org/model"))["repository"]
    'org/model'
    >>> found_build("b" * 64, Build(digest="a" * 64, repository="org/model"))
    {'digest': 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb'}
    """
    same = recorded is not None and (not recorded.digest or recorded.digest == digest)
    facts = recorded.model_dump(exclude_none=True) if same else {}
    return {**{k: v for k, v in facts.items() if k != "digest"}, "digest": digest}


def same_build(a: Build | None, b: Build | None) -> bool | None:
    """True or False when the two builds can be compared, None when they state nothing in common."""
    if a is None or b is None:
        return None
    if a.digest and b.digest:
        return a.digest == b.digest
    compared = [(getattr(a, f), getattr(b, f)) for f in FACETS if getattr(a, f) and getattr(b, f)]
    if not compared:
        return None
    return all(x.lower() == y.lower() for x, y in compared)


def describe(build: Build | None) -> str:
    """A build in a few words.

    >>> describe(Build(digest="ab" * 32, repository="m/x", quantization="awq", serving={"name": "vLLM", "version": "0.6"}))
    'm/x, awq, vLLM 0.6, sha256:abababababab'
    >>> describe(None)
    'build unknown'
    """
    if build is None:
        return "build unknown"
    repo = build.repository + (f"@{build.revision}" if build.revision else "") if build.repository else (
        f"revision {build.revision}" if build.revision else None)
    serving = " ".join(x for x in (build.serving.name, build.serving.version) if x) if build.serving else None
    quantized = "unquantized" if build.quantization == "none" else build.quantization
    parts = [repo, quantized, serving, f"sha256:{build.digest[:12]}" if build.digest else None]
    return ", ".join(p for p in parts if p) or "build unknown"


@dataclass(frozen=True)
class BuildScope:
    """One evidence item against the current build of the component(s) it is about."""

    evidence: str
    state: str  # current | other_build | unknown
    component: str | None
    reason: str


def _components_of(record: "EvidenceRecord", with_build: Mapping[str, "Component"]) -> list["Component"]:
    linked = [with_build[c] for c in record.components if c in with_build]
    if linked or record.build is None or not record.build.repository:
        return linked
    return [c for c in with_build.values() if c.build.repository
            and c.build.repository.lower() == record.build.repository.lower()]


def scope_of(record: "EvidenceRecord", components: Iterable["Component"]) -> BuildScope | None:
    """The build state of one evidence item, or None when it is not about a model build.

    >>> from rmfkit.models.evidence import EvidenceRecord
    >>> from rmfkit.models.system import Component
    >>> llama = Component(id="llama", name="Llama", layer="weights", build={"digest": "b" * 64, "quantization": "awq"})
    >>> run = EvidenceRecord(id="E1", title="t", kind="lm-eval", file="r.json", sha256="0" * 64, size=1,
    ...                      components=["llama"], build={"digest": "a" * 64, "quantization": "none"})
    >>> scope_of(run, [llama]).reason
    'evaluated on another build (unquantized, sha256:aaaaaaaaaaaa; llama now serves awq, sha256:bbbbbbbbbbbb)'
    """
    if record.kind not in BUILD_BOUND_KINDS:
        return None
    with_build = {c.id: c for c in components if c.build is not None}
    linked = _components_of(record, with_build)
    if not linked:
        return None
    for component in linked:
        verdict = same_build(record.build, component.build)
        if verdict is False:
            return BuildScope(record.id, "other_build", component.id,
                              f"{OTHER_BUILD.get(record.kind, 'evaluated on another build')} "
                              f"({describe(record.build)}; {component.id} now serves {describe(component.build)})")
        if verdict is None:
            return BuildScope(record.id, "unknown", component.id,
                              f"build unknown: it names no build comparable with {component.id}'s "
                              f"({describe(component.build)})")
    return BuildScope(record.id, "current", linked[0].id, f"produced on the current build of {linked[0].id}")


def scopes(evidence: Mapping[str, "EvidenceRecord"], system: "SystemProfile") -> dict[str, BuildScope]:
    """Every build-bound evidence item's scope, by evidence id."""
    found = {eid: scope_of(rec, system.components) for eid, rec in evidence.items()}
    return {eid: s for eid, s in sorted(found.items()) if s is not None}


def records_scopes(records: "Records") -> dict[str, BuildScope]:
    """:func:`scopes` of a workspace's records (no system profile: nothing is build-bound)."""
    system = records.by_path.get("system.yaml")
    return scopes(records.evidence, system) if system is not None else {}


def support_item(evidence_id: str, check_status: str, check_reason: str,
                 build_scopes: Mapping[str, BuildScope] | None) -> dict:
    """One linked evidence item as the mapping shows it: usable evidence from another build becomes
    ``other_build`` (so it no longer supports the claim); the build state is named either way.

    >>> s = {"E1": BuildScope("E1", "other_build", "llama", "evaluated on another build (x)")}
    >>> support_item("E1", "ok", "hash matches", s)
    {'id': 'E1', 'status': 'other_build', 'reason': 'evaluated on another build (x)', 'build': 'other_build'}
    >>> support_item("E2", "expired", "expired on 2026-01-01", s)
    {'id': 'E2', 'status': 'expired', 'reason': 'expired on 2026-01-01'}
    """
    item = {"id": evidence_id, "status": check_status, "reason": check_reason}
    scope = (build_scopes or {}).get(evidence_id)
    if scope is None:
        return item
    if scope.state == "other_build" and check_status == "ok":
        item.update(status="other_build", reason=scope.reason)
    item["build"] = scope.state
    return item


def parse_build_ref(text: str, system: "SystemProfile") -> tuple[str | None, Build]:
    """``--build`` / ``--candidate`` / ``--baseline``: a component id (its current build), a digest
    (``sha256:<hex>``, a prefix of 12+ hex digits of a component's build, or a full digest), or
    ``REPOSITORY@REVISION``. Returns (component id or None, build).

    >>> from rmfkit.models.system import SystemProfile
    >>> s = SystemProfile(id="s", name="S", owner="o", purpose="p", deployment_pattern="self_hosted",
    ...                   components=[{"id": "llama", "name": "L", "layer": "weights", "build": {"digest": "c" * 64}}])
    >>> parse_build_ref("llama", s)[0], parse_build_ref("sha256:cccccccccccc", s)[0]
    ('llama', 'llama')
    >>> parse_build_ref("m/x@v2", s)[1].revision
    'v2'
    """
    text = (text or "").strip()
    component = system.component(text)
    if component is not None:
        if component.build is None:
            raise UsageError(f"component '{text}' names no build", hint="add build: {digest: …} to it in system.yaml")
        return component.id, component.build
    lowered = text.lower()
    if _HEX.match(lowered):
        bare = lowered.removeprefix("sha256:")
        for c in system.components:
            if c.build is not None and c.build.digest and c.build.digest.startswith(bare):
                return c.id, c.build
        if len(bare) == 64:
            return None, Build(digest=bare)
        raise UsageError(f"no component's build has a digest starting with {bare}",
                         hint="give the full 64-digit digest, a component id, or REPOSITORY@REVISION")
    if "@" in text and all(text.partition("@")[::2]):
        repository, _, revision = text.partition("@")
        return None, Build(repository=repository, revision=revision)
    raise UsageError(f"'{text}' names no build",
                     hint="give a component id, a digest (sha256:<hex>), or REPOSITORY@REVISION")


def stated_build(repository: str | None = None, revision: str | None = None, quantization: str | None = None,
                 serving: str | None = None, serving_version: str | None = None) -> dict | None:
    """The build an artefact states about itself (importers put it in ``facts["build"]``), or None.

    >>> stated_build("m/x", "abc123", serving="vllm")
    {'repository': 'm/x', 'revision': 'abc123', 'serving': {'name': 'vllm'}, 'source': 'file'}
    >>> stated_build(None, None) is None
    True
    """
    values = {"repository": repository, "revision": revision, "quantization": quantization}
    found = {k: v for k, v in values.items() if v}
    if not found:
        return None
    if serving:
        found["serving"] = {"name": serving, **({"version": serving_version} if serving_version else {})}
    return {**found, "source": "file"}


def quantization_of(args: Mapping[str, str]) -> str | None:
    """Quantization named in an eval harness's model arguments (vLLM ``quantization=``, transformers
    ``load_in_4bit`` / ``gptq`` / ``gguf_file``), or None when they name none.

    >>> quantization_of({"quantization": "AWQ"}), quantization_of({"load_in_4bit": "True"}), quantization_of({})
    ('awq', 'bnb-4bit', None)
    """
    if args.get("quantization") and args["quantization"].lower() not in ("none", "null"):
        return args["quantization"].lower()
    truthy = {k for k, v in args.items() if str(v).lower() in ("true", "1", "yes")}
    for key, name in (("load_in_4bit", "bnb-4bit"), ("load_in_8bit", "bnb-8bit"), ("gptq", "gptq"),
                      ("autogptq", "gptq"), ("awq", "awq")):
        if key in truthy:
            return name
    if args.get("gguf_file"):
        return "gguf"
    return None
