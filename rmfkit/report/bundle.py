"""The packet folder: one writer that puts renderer bytes on disk and records their hashes, the
manifest, the Ed25519 signature, and ``bundle.zip``.

Layout of ``rmfkit packet --out DIR``::

    packet.pdf                      the audit packet (embeds bundle.json and bundle-manifest.json)
    packet.html                     the same document, self-contained, no JavaScript
    bundle.json                     every record and every computed result
    bundle-manifest.json            SHA-256 and size of every file the PDF is built from
    oscal-assessment-results.json   the mapping as OSCAL assessment results
    dpia-cnil.json                  the DPIA in the CNIL PIA tool's format (when a DPIA exists)
    charts/*.png                    the charts shown in the packet
    evidence/<id>/<file>            every evidence artefact, byte-exact
    session-record/<name>.html      executed session notebooks (with ``session_record``), the appendix
    manifest.json                   SHA-256 and size of every file above (PDF included)
    manifest.json.sig               Ed25519 signature of manifest.json's bytes (with --sign)
    bundle.zip                      all of the above except itself

A PDF cannot list its own hash, so the PDF embeds ``bundle-manifest.json`` (everything but the PDF)
and the top-level ``manifest.json`` covers the PDF as well.

>>> safe_entry_name("evidence/E-1/results.json")
'evidence/E-1/results.json'
>>> safe_entry_name("../etc/passwd")
Traceback (most recent call last):
rmfkit.errors.IntegrityError: unsafe file name '../etc/passwd' (must stay inside the bundle)
"""
from __future__ import annotations

import hashlib
import json
import re
import shutil
import sys
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Mapping, Union

from rmfkit.errors import InputFileError, IntegrityError, UsageError

if TYPE_CHECKING:
    from rmfkit.workspace import Workspace

MANIFEST = "manifest.json"
SIGNATURE = "manifest.json.sig"
ZIP_NAME = "bundle.zip"
BUNDLE_JSON = "bundle.json"
BUNDLE_MANIFEST = "bundle-manifest.json"
PDF_NAME = "packet.pdf"
HTML_NAME = "packet.html"
OSCAL_NAME = "oscal-assessment-results.json"
CNIL_NAME = "dpia-cnil.json"
SEALING_FILES = (MANIFEST, SIGNATURE, ZIP_NAME)
MANIFEST_FORMAT = "rmfkit-manifest/1"
BUNDLE_FORMAT = "rmfkit-bundle/1"
PRIVATE_KEY_NAME = "packet-signing-key.pem"
PUBLIC_KEY_NAME = "packet-signing-key.pub.pem"
_UNSAFE_CHARS = re.compile(r"[\x00-\x1f\x7f\\:]")


def safe_entry_name(name: str) -> str:
    """A relative POSIX path that cannot leave the bundle (no ``..``, no absolute path, no drive, no ``\\``)."""
    if not name or _UNSAFE_CHARS.search(name) or name.startswith("/"):
        raise IntegrityError(f"unsafe file name {name!r} (must stay inside the bundle)")
    if any(part in ("", ".", "..") for part in name.split("/")):
        raise IntegrityError(f"unsafe file name {name!r} (must stay inside the bundle)")
    return name


def canonical_json(data: Any) -> bytes:
    """The one JSON encoding of packet files: sorted keys, 2-space indent, UTF-8, trailing newline."""
    return (json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False, default=str) + "\n").encode("utf-8")


def sha256_bytes(payload: bytes) -> str:
    return hashlib.sha256(payload).hexdigest()


class PacketWriter:
    """The one writer of a packet folder: every file goes through it and its SHA-256 and size are recorded.

    >>> import tempfile
    >>> w = PacketWriter(Path(tempfile.mkdtemp()))
    >>> w.write("a.txt", b"abc")["sha256"][:12]
    'ba7816bf8f01'
    """

    def __init__(self, out: Path):
        self.out = Path(out)
        self.entries: dict[str, dict[str, Any]] = {}

    def target(self, name: str) -> Path:
        return self.out / safe_entry_name(name)

    def write(self, name: str, payload: bytes) -> dict[str, Any]:
        from rmfkit.fileio import atomic_write_bytes

        target = self.target(name)
        atomic_write_bytes(target, payload)
        target.chmod(0o644)
        entry = {"sha256": sha256_bytes(payload), "size": len(payload)}
        self.entries[name] = entry
        return entry

    def copy(self, name: str, source: Path) -> dict[str, Any]:
        """Copy a file byte-exact (streamed) and record its hash."""
        from rmfkit.hashing import sha256_file

        target = self.target(name)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        entry = {"sha256": sha256_file(target), "size": target.stat().st_size}
        self.entries[name] = entry
        return entry

    def manifest(self, generated_at: str, *, exclude: tuple[str, ...] = ()) -> bytes:
        """Manifest bytes listing every recorded file (minus ``exclude``), sorted by path."""
        files = [{"path": name, **entry} for name, entry in sorted(self.entries.items()) if name not in exclude]
        return canonical_json({"format": MANIFEST_FORMAT, "generated_at": generated_at, "files": files})


# ---------------------------------------------------------------- output the user names

RECORD_FOLDERS = ("evidence", "mapping", "risks", "reviews")


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


def write_output(path: Path, payload: bytes) -> Path:
    """Write an output file at a path the user chose (an export), atomically; a folder there is refused.

    >>> import tempfile
    >>> write_output(Path(tempfile.mkdtemp()) / "pia.json", b"{}").name
    'pia.json'
    """
    from rmfkit.fileio import atomic_write_bytes

    path = Path(path)
    if path.is_dir():
        raise UsageError(f"{path} is a directory", field="--out", hint="give a file name, e.g. pia.json")
    atomic_write_bytes(path, payload)
    return path


# ---------------------------------------------------------------- keys and signatures

def generate_keys(out: Path) -> tuple[Path, Path]:
    """Write an Ed25519 key pair (PKCS#8 private key, mode 0600; SubjectPublicKeyInfo public key), both PEM."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    out = Path(out)
    private_path, public_path = out / PRIVATE_KEY_NAME, out / PUBLIC_KEY_NAME
    for path in (private_path, public_path):
        if path.exists():
            raise UsageError(f"{path} already exists", hint="choose another --out folder; keys are never overwritten")
    out.mkdir(parents=True, exist_ok=True)
    key = Ed25519PrivateKey.generate()
    private_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption())
    public_pem = key.public_key().public_bytes(serialization.Encoding.PEM,
                                               serialization.PublicFormat.SubjectPublicKeyInfo)
    import os

    fd = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(private_pem)
    public_path.write_bytes(public_pem)
    return private_path, public_path


def load_private_key(path: Path):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from rmfkit.fileio import read_user_file

    data = read_user_file(Path(path), str(path), max_bytes=64 * 1024)
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError) as exc:
        raise InputFileError(f"not an unencrypted PEM private key ({exc})", file=str(path),
                             hint="create one with `rmfkit keys generate --out DIR`") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise InputFileError("is not an Ed25519 key", file=str(path), hint="create one with `rmfkit keys generate`")
    return key


def load_public_key(path: Path):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    from rmfkit.fileio import read_user_file

    data = read_user_file(Path(path), str(path), max_bytes=64 * 1024)
    try:
        key = serialization.load_pem_public_key(data)
    except (ValueError, TypeError):
        what = "it is a private key" if b"PRIVATE KEY-----" in data else "no public key could be read from it"
        raise InputFileError(f"not a PEM public key: {what}", file=str(path),
                             hint=f"give the public key ({PUBLIC_KEY_NAME} from `rmfkit keys generate`); "
                                  "the private key stays with the signer") from None
    if not isinstance(key, Ed25519PublicKey):
        raise InputFileError("is not an Ed25519 public key", file=str(path))
    return key


def key_fingerprint(public_key) -> str:
    """SHA-256 of the raw 32-byte Ed25519 public key, hex."""
    from cryptography.hazmat.primitives import serialization

    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return sha256_bytes(raw)


# ---------------------------------------------------------------- bundle.json

def schema_versions() -> dict[str, int]:
    from rmfkit.records import RECORD_KINDS

    return {kind.name: kind.model.SCHEMA_VERSION for kind in RECORD_KINDS}


def bundle_document(ws: "Workspace", view: dict[str, Any], *, signer: str | None) -> dict[str, Any]:
    """Every record (by workspace path) and every computed result, with versions and generation time."""
    import rmfkit
    from rmfkit.catalog import CATALOG_VERSION

    records = {rel: record.model_dump(mode="json") for rel, record in sorted(ws.records.items())}
    return {
        "format": BUNDLE_FORMAT,
        "rmfkit_version": rmfkit.__version__,
        "catalog_version": CATALOG_VERSION,
        "workspace_catalog_version": ws.settings.catalog_version,
        "schema_versions": schema_versions(),
        "generated_at": view["cover"]["generated_at"],
        "system_id": ws.system.id,
        "signer_key_sha256": signer,
        "records": records,
        "results": {name: section for name, section in view.items()},
    }


# ---------------------------------------------------------------- zip

def write_zip(out: Path, names: list[str], date_time: tuple[int, ...]) -> Path:
    """``bundle.zip`` holding ``names`` (sorted, fixed timestamps and modes: same input, same bytes)."""
    from rmfkit.fileio import atomic_write_bytes
    import io

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name in sorted(names):
            info = zipfile.ZipInfo(safe_entry_name(name), date_time=date_time)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o100644 << 16
            info.create_system = 3
            archive.writestr(info, (out / name).read_bytes())
    atomic_write_bytes(out / ZIP_NAME, buffer.getvalue())
    (out / ZIP_NAME).chmod(0o644)
    return out / ZIP_NAME


# ---------------------------------------------------------------- the packet

CHART_MEDIA_TYPE = "image/png"


def chart_inputs(view: dict[str, Any]) -> dict[str, Any]:
    """What each packet chart is drawn from, by chart name, in the order the packet shows them (None: no
    such chart for this workspace; the profile chart is a packet file the built-in pages do not show)."""
    return {"coverage": view["mapping"]["coverage"],
            "metrics": view["measurement"]["rows"] if view["measurement"]["recorded"] else None,
            "heat_map": view["risks"]["heat_map"] if view["risks"]["recorded"] else None,
            "profile": view["mapping"]["profile"]}


def draw_chart(name: str, data: Any) -> bytes:
    """PNG bytes of one packet chart from its :func:`chart_inputs` entry."""
    from rmfkit.report import charts, risk_charts

    if name == "heat_map":
        return risk_charts.heatmap_png(data, title="Open risks at their residual rating")
    draw = {"coverage": charts.coverage_chart, "profile": charts.profile_chart, "metrics": charts.metrics_chart}[name]
    return draw(data, fmt="png")


class ChartDrawing:
    """The packet's charts, drawn in a worker process while this one renders the HTML and lays out the PDF.

    Until the charts exist the HTML carries ``placeholders`` (URLs derived from the chart data); the PDF
    layout waits for a chart only when it reaches its image, and :meth:`fill` puts the ``data:`` URIs in.
    The worker is a fork, on Linux only: other start methods re-run the caller's script in the worker.
    Where no worker can be started (or in a daemon process, which may not start one), each chart is
    drawn here when first needed (same bytes).
    """

    def __init__(self, view: dict[str, Any]):
        import multiprocessing

        inputs = {name: data for name, data in chart_inputs(view).items() if data is not None}
        digest = sha256_bytes(canonical_json(inputs))[:16]
        self.placeholders = {name: f"rmfkit-chart:{name}-{digest}" for name in inputs}
        self._inputs = inputs
        self._payloads: dict[str, bytes] = {}
        self._futures: dict[str, Any] = {}
        if sys.platform.startswith("linux") and not multiprocessing.current_process().daemon:
            self._start_worker()

    def _start_worker(self) -> None:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor
        from concurrent.futures.process import BrokenProcessPool

        try:
            pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork"))
            self._futures = {name: pool.submit(draw_chart, name, data) for name, data in self._inputs.items()}
            pool.shutdown(wait=False)  # the worker draws them in order, then exits
        except (OSError, ValueError, NotImplementedError, ImportError, BrokenProcessPool):
            self._futures = {}

    def payload(self, name: str) -> bytes:
        """PNG bytes of one chart (waits for the worker; a failure there is raised here)."""
        from concurrent.futures.process import BrokenProcessPool

        if name not in self._payloads:
            future = self._futures.get(name)
            try:
                self._payloads[name] = future.result() if future else draw_chart(name, self._inputs[name])
            except BrokenProcessPool:  # the worker died (not the drawing failing): draw it here
                self._payloads[name] = draw_chart(name, self._inputs[name])
        return self._payloads[name]

    def payloads(self) -> dict[str, bytes]:
        """PNG bytes by chart name."""
        return {name: self.payload(name) for name in self._inputs}

    def data_uri(self, name: str) -> str:
        from rmfkit.report.html import data_uri

        return data_uri(self.payload(name), CHART_MEDIA_TYPE)

    def late_images(self) -> dict[str, Callable[[], str]]:
        """Placeholder URL -> function giving the chart's data URI (for the PDF's URL fetcher)."""
        return {url: (lambda name=name: self.data_uri(name)) for name, url in self.placeholders.items()}

    def fill(self, document: str) -> str:
        """``document`` with every placeholder replaced by its chart's data URI."""
        for name, url in self.placeholders.items():
            document = document.replace(url, self.data_uri(name))
        return document


@dataclass
class PacketResult:
    out: Path
    files: dict[str, dict[str, Any]]
    signed: bool
    blocked_urls: list[str] = field(default_factory=list)
    pdf_variant: str | None = None

    def summary(self) -> dict[str, Any]:
        return {"out": str(self.out), "files": len(self.files), "signed": self.signed,
                "pdf_variant": self.pdf_variant, "blocked_urls": self.blocked_urls,
                "manifest_sha256": sha256_bytes((self.out / MANIFEST).read_bytes())}


STEPS = ("analyse", "charts", "bundle", "evidence", "oscal", "html", "pdf", "seal")
SessionRecord = Union[Iterable[Union[Path, str]], Mapping[str, bytes]]


def session_record_files(record: SessionRecord | None) -> dict[str, bytes]:
    """The ``session_record`` of :func:`build_packet` as ``{"session-record/<name>.html": bytes}``.

    ``record`` is a list of executed ``.ipynb`` files or folders (rendered with nbconvert), or pages
    rendered already, by name (``"03_map_the_rmf"``, ``"03_map_the_rmf.html"`` or the full entry name).

    >>> session_record_files({"03_map_the_rmf": b"<html></html>"})
    {'session-record/03_map_the_rmf.html': b'<html></html>'}
    """
    from rmfkit.session import SESSION_RECORD_FOLDER, render_session_record

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


def build_packet(ws: "Workspace", out: Path, *, sign_key: Path | None = None,
                 progress: Callable[[str], None] | None = None,
                 session_record: SessionRecord | None = None) -> PacketResult:
    """Render and seal the audit packet into ``out`` (which must be empty or absent).

    ``progress`` is called with each step name of :data:`STEPS` as it starts. ``session_record``
    (executed notebooks, see :func:`session_record_files`) is stored under ``session-record/`` and
    listed in the packet's appendix; a file that is not a notebook is refused before ``out`` is made.
    """
    step = progress or (lambda name: None)
    out = Path(out)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise UsageError(f"output folder {out} is not empty", hint="choose a new folder; packets are never overwritten")
    private_key = load_private_key(sign_key) if sign_key else None
    pages = session_record_files(session_record)
    created = not out.exists()
    try:
        return _build_into(ws, out, private_key, step, pages)
    except BaseException:  # a failed build leaves no half packet behind (the folder is as it was)
        if created:
            shutil.rmtree(out, ignore_errors=True)
        else:
            for child in list(out.iterdir()):
                if child.is_dir() and not child.is_symlink():
                    shutil.rmtree(child, ignore_errors=True)
                else:
                    child.unlink(missing_ok=True)
        raise


def _build_into(ws: "Workspace", out: Path, private_key, step: Callable[[str], None],
                session_pages: dict[str, bytes]) -> PacketResult:
    from rmfkit.report import html, oscal, views

    signer = key_fingerprint(private_key.public_key()) if private_key else None
    step("analyse")
    generated = views.generated_at()
    view = views.packet_view(ws, generated=generated)
    out.mkdir(parents=True, exist_ok=True)
    writer = PacketWriter(out)
    view["session_record"] = views.session_record({name: writer.write(name, payload)
                                                   for name, payload in session_pages.items()})

    step("charts")
    drawing = ChartDrawing(view)  # drawn in parallel with everything up to the PDF layout reaching them
    images: dict[str, str] = dict(drawing.placeholders)
    if ws.settings.branding.logo:
        images["logo"] = html.image_uri(ws.path(ws.settings.branding.logo))

    step("bundle")
    bundle_bytes = canonical_json(bundle_document(ws, view, signer=signer))
    bundle_entry = writer.write(BUNDLE_JSON, bundle_bytes)
    view["signoff"] = views.seal_signoff(view["signoff"], bundle_sha256=bundle_entry["sha256"],
                                         signer_key_sha256=signer)

    step("evidence")
    for evidence_id, record in sorted(ws.evidence.items()):
        source = ws.evidence_dir(evidence_id) / record.file
        if source.is_file() and not source.is_symlink():
            writer.copy(f"evidence/{evidence_id}/{record.file}", source)

    step("oscal")
    writer.write(OSCAL_NAME, canonical_json(oscal.assessment_results(view, writer.entries)))
    if view["dpia"]["recorded"]:
        from rmfkit.dpia import to_cnil

        writer.write(CNIL_NAME, canonical_json(to_cnil(ws)))

    step("html")
    marked = html.render_packet_html(view, workspace_root=ws.root, images=images)

    step("pdf")
    laid_out = _lay_out_pdf(marked, ws.root, drawing.late_images())
    for name, payload in drawing.payloads().items():
        writer.write(f"charts/{name}.png", payload)
    document = drawing.fill(marked)
    writer.write(HTML_NAME, document.encode("utf-8"))
    bundle_manifest = writer.manifest(view["cover"]["generated_at"])
    writer.write(BUNDLE_MANIFEST, bundle_manifest)
    pdf_bytes, blocked, variant = _write_pdf(laid_out, document, {BUNDLE_JSON: bundle_bytes,
                                                                  BUNDLE_MANIFEST: bundle_manifest}, generated,
                                             relay_out=lambda: _lay_out_pdf(marked, ws.root, drawing.late_images(),
                                                                            plain=True))
    writer.write(PDF_NAME, pdf_bytes)

    step("seal")
    from rmfkit.fileio import atomic_write_bytes

    manifest_bytes = writer.manifest(view["cover"]["generated_at"])
    sealed = [*writer.entries, MANIFEST]
    seals = {MANIFEST: manifest_bytes}
    if private_key is not None:
        seals[SIGNATURE] = private_key.sign(manifest_bytes)
        sealed.append(SIGNATURE)
    for name, payload in seals.items():
        atomic_write_bytes(out / name, payload)
        (out / name).chmod(0o644)
    stamp = generated.timetuple()[:6]
    write_zip(out, sealed, stamp if stamp[0] >= 1980 else (1980, 1, 1, 0, 0, 0))
    return PacketResult(out, dict(writer.entries), private_key is not None, blocked, variant)


def _render_pdf(document: str, root: Path, attachments: dict[str, bytes], generated):
    """(PDF bytes, refused URLs, variant): PDF/A-3b first; plain PDF if WeasyPrint refuses the variant."""
    return _write_pdf(_lay_out_pdf(document, root), document, attachments, generated,
                      relay_out=lambda: _lay_out_pdf(document, root, plain=True))


def _lay_out_pdf(document: str, root: Path, late_images: dict[str, Callable[[], str]] | None = None, *,
                 plain: bool = False):
    """Lay out as PDF/A-3b, or as plain PDF if WeasyPrint refuses the variant (or ``plain``)."""
    from rmfkit.report import pdf

    if not plain:
        try:
            return pdf.lay_out_pdf(document, workspace_root=root, variant=pdf.PDF_VARIANT, late_images=late_images)
        except (ValueError, TypeError, KeyError):
            pass
    return pdf.lay_out_pdf(document, workspace_root=root, variant=None, late_images=late_images)


def _write_pdf(laid_out, document: str, attachments: dict[str, bytes], generated,
               relay_out: Callable[[], Any]) -> tuple[bytes, list[str], str | None]:
    """Write a laid-out PDF; if the PDF/A variant fails only now, lay out again as plain PDF (``relay_out``)."""
    from rmfkit.report import pdf

    try:
        payload = pdf.write_laid_out(laid_out, html=document, attachments=attachments, generated=generated)
    except (ValueError, TypeError, KeyError):
        if laid_out.variant is None:
            raise
        laid_out = relay_out()
        payload = pdf.write_laid_out(laid_out, html=document, attachments=attachments, generated=generated)
    return payload, list(laid_out.blocked), laid_out.variant
