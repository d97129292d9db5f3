"""The audit packet: records -> one analysis -> the packet view -> renderers (bytes) -> :func:`rmfkit.seal.seal`.

Layout of ``rmfkit packet --out DIR``::

    packet.pdf                      the audit packet, Typst, PDF/A-3b (embeds bundle.json and bundle-manifest.json)
    packet.html                     the same document, self-contained, no JavaScript
    bundle.json                     every record and the analysis (:mod:`rmfkit.bundle`)
    bundle-manifest.json            SHA-256 and size of every file the PDF is built from
    oscal-assessment-results.json   the assessment as OSCAL assessment results
    oscal-assessment-plan.json      the OSCAL assessment plan the results import
    sbom.cdx.json                   the governed system as a CycloneDX 1.6 ML-BOM (models, data, software, services)
    dpia-cnil.json                  the DPIA in the CNIL PIA tool's format (when a DPIA exists)
    charts/*.svg                    the charts shown in the packet
    evidence/<id>/<file>            every evidence artefact, byte-exact
    session-record/<name>.html      executed session notebooks (with ``session_record``), the appendix
    manifest.json                   SHA-256 and size of every file above (PDF included)
    manifest.json.sig               Ed25519 signature of manifest.json's bytes (with --sign)
    bundle.zip                      all of the above except itself

A PDF cannot list its own hash, so the PDF embeds ``bundle-manifest.json`` (everything but the PDF)
and the top-level ``manifest.json`` covers the PDF as well.

>>> session_record_files({"03_map_the_rmf": b"<html></html>"})
{'session-record/03_map_the_rmf.html': b'<html></html>'}
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Mapping, Union

from rmfkit.errors import UsageError, ValidationFailed
from rmfkit.hashing import sha256_bytes, sha256_file
from rmfkit.seal import (BUNDLE_JSON, BUNDLE_MANIFEST, CNIL_NAME, HTML_NAME, MANIFEST_FORMAT, OSCAL_NAME, PDF_NAME,
                         Payload, canonical_json, key_fingerprint, load_private_key, safe_entry_name, seal)

if TYPE_CHECKING:
    from rmfkit.records import Records
    from rmfkit.workspace import Workspace

SBOM_NAME = "sbom.cdx.json"
MAX_LOGO_BYTES = 2 * 1024 * 1024
STEPS = ("analyse", "charts", "bundle", "oscal", "html", "pdf", "seal")
CHART_SUFFIX = ".svg"
RECORD_FOLDERS = ("evidence", "mapping", "risks", "reviews")
SessionRecord = Union[Iterable[Union[Path, str]], Mapping[str, bytes]]


@dataclass
class PacketResult:
    out: Path
    files: dict[str, dict[str, Any]]
    signed: bool
    broken_evidence: list[dict[str, Any]] = field(default_factory=list)  # missing or altered items, as shown
    pdf_variant: str | None = "pdf/a-3b"
    blocked_urls: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        from rmfkit.seal import MANIFEST

        return {"out": str(self.out), "files": len(self.files), "signed": self.signed,
                "pdf_variant": self.pdf_variant, "blocked_urls": self.blocked_urls,
                "manifest_sha256": sha256_bytes((self.out / MANIFEST).read_bytes())}


def check_output_folder(ws: "Workspace", out: Path) -> None:
    """Refuse an output folder inside the workspace's record folders (``--out``, exit 2).

    A packet written into ``evidence/`` or ``reviews/`` would become part of what the next packet or
    snapshot reads. ``build/`` (git-ignored) or any folder outside the workspace is fine.
    """
    target = Path(out).resolve()
    for name in RECORD_FOLDERS:
        folder = ws.root / name
        if target == folder or folder in target.parents:
            raise UsageError(f"{out} is inside the workspace's {name}/ folder, which holds its records",
                             field="--out", hint="write packets outside the workspace or under build/, "
                                                 "e.g. --out build/packet")


def session_record_files(record: SessionRecord | None) -> dict[str, bytes]:
    """The ``session_record`` of :func:`build_packet` as ``{"session-record/<name>.html": bytes}``.

    ``record`` is a list of executed ``.ipynb`` files or folders (rendered with nbconvert), or pages
    rendered already, by name (``"03_map_the_rmf"``, ``"03_map_the_rmf.html"`` or the full entry name).
    """
    from rmfkit.notebook.record import SESSION_RECORD_FOLDER, render_session_record

    if record is None:
        return {}
    if not isinstance(record, Mapping):
        return render_session_record(record)
    pages = {}
    for key, payload in record.items():
        name = str(key).removeprefix(f"{SESSION_RECORD_FOLDER}/")
        name = name if name.endswith(".html") else f"{name}.html"
        if "/" in name or name.startswith(".") or not isinstance(payload, (bytes, bytearray)):
            raise UsageError(f"session record page {key!r} is not a file name with HTML bytes",
                             hint="pass {'03_map_the_rmf': html_bytes} or a list of .ipynb paths")
        pages[safe_entry_name(f"{SESSION_RECORD_FOLDER}/{name}")] = bytes(payload)
    return dict(sorted(pages.items()))


def chart_inputs(view: dict[str, Any]) -> dict[str, Any]:
    """What each packet chart is drawn from, by chart name (None: no such chart for this workspace)."""
    return {"coverage": view["mapping"]["coverage"],
            "metrics": view["measurement"]["rows"] if view["measurement"]["recorded"] else None,
            "heat_map": view["risks"]["heat_map"] if view["risks"]["recorded"] else None,
            "profile": view["mapping"]["profile"]}


def draw_chart(name: str, data: Any) -> bytes:
    """SVG bytes of one packet chart from its :func:`chart_inputs` entry."""
    from rmfkit.render import charts, risk_charts

    if name == "heat_map":
        return risk_charts.heatmap_svg(data, title="Open risks at their residual rating")
    draw = {"coverage": charts.coverage_chart, "profile": charts.profile_chart, "metrics": charts.metrics_chart}[name]
    return draw(data)


def _logo(ws: "Workspace", records: "Records") -> bytes | None:
    """The branding logo's bytes, read as any user file (a regular file of bounded size inside the workspace)."""
    from rmfkit.fileio import read_user_file

    name = records.settings.branding.logo
    return read_user_file(ws.path(name), name, max_bytes=MAX_LOGO_BYTES) if name else None


def entry(payload: Payload) -> dict[str, Any]:
    """SHA-256 and size of a file to seal (bytes, or a path to copy)."""
    if isinstance(payload, Path):
        return {"sha256": sha256_file(payload), "size": payload.stat().st_size}
    return {"sha256": sha256_bytes(payload), "size": len(payload)}


def manifest_of(entries: Mapping[str, dict[str, Any]], generated_at: str) -> bytes:
    """A manifest listing ``entries`` (``bundle-manifest.json`` inside the PDF)."""
    files = [{"path": name, **item} for name, item in sorted(entries.items())]
    return canonical_json({"format": MANIFEST_FORMAT, "generated_at": generated_at, "files": files})


def build_packet(ws: "Workspace", out: Path, *, sign_key: Path | None = None,
                 progress: Callable[[str], None] | None = None,
                 session_record: SessionRecord | None = None, strict: bool = False) -> PacketResult:
    """Render and seal the audit packet into ``out`` (which must be empty or absent).

    A workspace with schema or reference problems is refused (:class:`~rmfkit.errors.ValidationFailed`,
    exit 3): a dangling reference is a packet that claims what the workspace does not hold. ``strict`` also
    refuses while the analysis has error-level findings (``rmfkit check``).

    ``progress`` is called with each step name of :data:`STEPS` as it starts. ``session_record``
    (executed notebooks, see :func:`session_record_files`) is stored under ``session-record/`` and
    listed in the packet's appendix; a file that is not a notebook is refused before ``out`` is made.
    """
    from rmfkit.analysis import analyze
    from rmfkit.analysis.consistency import refuse_errors
    from rmfkit.bundle import bundle_document
    from rmfkit.clock import today
    from rmfkit.render import html, oscal
    from rmfkit.render.pdf import render_pdf
    from rmfkit.render.sbom import render_sbom
    from rmfkit.validation import validate
    from rmfkit.views import packet as views

    step = progress or (lambda name: None)
    out = Path(out)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise UsageError(f"output folder {out} is not empty", hint="choose a new folder; packets are never overwritten")
    private_key = load_private_key(sign_key) if sign_key else None
    signer = key_fingerprint(private_key.public_key()) if private_key else None
    files: dict[str, Payload] = dict(session_record_files(session_record))

    step("analyse")
    generated = views.generated_at()
    stamp = generated.isoformat().replace("+00:00", "Z")
    day = today()
    records = ws.current()
    problems = validate(ws)  # the workspace, so that what files really are (the logo, artefacts) is checked too
    if problems:
        raise ValidationFailed(problems)
    analysis = analyze(records, ws.check_evidence(day), day)
    if strict:
        refuse_errors(analysis.findings)
    view = views.packet_view(records, analysis, generated=generated)
    view["session_record"] = views.session_record({name: entry(files[name]) for name in files})
    if records.reviews:  # the pure analysis cannot read a snapshot: what changed since the latest one
        from rmfkit.analysis.frame import changes_since
        from rmfkit.review.diff import since

        view["frame"]["changes"] = changes_since(records.reviews[-1],
                                                 lambda label: since(ws, label, records, analysis, stamp))

    step("charts")
    charts = {name: draw_chart(name, data) for name, data in chart_inputs(view).items() if data is not None}

    step("bundle")
    files[BUNDLE_JSON] = canonical_json(bundle_document(records, analysis, generated_at=stamp, signer=signer))
    view["signoff"] = views.seal_signoff(view["signoff"], bundle_sha256=sha256_bytes(files[BUNDLE_JSON]),
                                         signer_key_sha256=signer)
    files[SBOM_NAME] = render_sbom(records, "cyclonedx", stamp)
    for evidence_id, record in sorted(records.evidence.items()):
        source = ws.evidence_dir(evidence_id) / record.file
        if source.is_file() and not source.is_symlink():
            files[f"evidence/{evidence_id}/{record.file}"] = source

    step("oscal")
    files[oscal.PLAN_NAME] = canonical_json(oscal.assessment_plan(view))
    entries = {name: entry(payload) for name, payload in files.items()}
    files[OSCAL_NAME] = canonical_json(oscal.assessment_results(view, entries))
    if view["dpia"]["recorded"]:
        from rmfkit.render.cnil import to_cnil

        files[CNIL_NAME] = canonical_json(to_cnil(records))

    step("html")
    files.update({f"charts/{name}{CHART_SUFFIX}": svg for name, svg in charts.items()})
    images = dict(charts)
    logo = _logo(ws, records)
    uris = {name: html.data_uri(svg, "image/svg+xml") for name, svg in charts.items()}  # for overrides that use them
    if logo is not None:
        images["logo"] = logo
        uris["logo"] = html.image_uri(records.settings.branding.logo, logo)
    inline = {name: html.inline_svg(svg) for name, svg in charts.items()}
    files[HTML_NAME] = html.render_packet_html(view, workspace_root=ws.root, images=uris, charts=inline).encode("utf-8")

    step("pdf")
    entries.update({name: entry(files[name]) for name in (OSCAL_NAME, CNIL_NAME, HTML_NAME, *(
        f"charts/{chart}{CHART_SUFFIX}" for chart in charts)) if name in files})
    files[BUNDLE_MANIFEST] = manifest_of(entries, stamp)
    files[PDF_NAME] = render_pdf("packet.typ", view, images=images,
                                 attachments={BUNDLE_JSON: files[BUNDLE_JSON], BUNDLE_MANIFEST: files[BUNDLE_MANIFEST]},
                                 template_dirs=[ws.root / "templates"])

    step("seal")
    sealed = seal(out, files, private_key, generated_at=stamp)
    broken = [row for row in analysis.evidence["attention"] if row["status"] in ("missing", "hash_mismatch")]
    return PacketResult(out, sealed.entries, sealed.signed, broken)
