"""Unsafe serialization in model files: a pickle scan (picklescan) of every file that can hold a pickle,
a header check of every safetensors file, and the result stored as evidence for MEASURE 2.7 and MANAGE 3.2.

picklescan was chosen over modelscan and fickling: it has no dependencies (modelscan needs numpy and
pulls TensorFlow/h5py for its other formats; fickling is a decompiler whose safety verdict is a
heuristic), it reads PyTorch zip checkpoints, NumPy and plain pickles without importing torch, and it
is the scanner the Hugging Face Hub runs on uploads, so its verdicts match what users see there.

A folder whose weights are safetensors only passes, and the result says so: safetensors holds tensors
and a JSON header, nothing that runs code when loaded.

>>> import json, struct, tempfile
>>> folder = Path(tempfile.mkdtemp())
>>> header = json.dumps({"w": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}).encode()
>>> _ = (folder / "model.safetensors").write_bytes(struct.pack("<Q", len(header)) + header + bytes(4))
>>> report = scan_folder(folder)
>>> report.ok, report.verdict
(True, 'safetensors only: 1 safetensors file with a valid header, no pickle to run code from')
"""
from __future__ import annotations

import json
import os
import struct
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable

from rmfkit.errors import InputFileError
from rmfkit.hashing import sha256_file
from rmfkit.labels import plural

if TYPE_CHECKING:
    from rmfkit.models.evidence import EvidenceRecord
    from rmfkit.workspace import Workspace

SUBCATEGORIES = ["MEASURE 2.7", "MANAGE 3.2"]
SCAN_ARTEFACT_NAME = "model-scan.json"
PICKLE_SUFFIXES = {".bin", ".pt", ".pth", ".ckpt", ".pkl", ".pickle", ".joblib", ".dat", ".data", ".npy", ".npz",
                   ".zip", ".7z"}
PICKLE_MAGIC = (b"\x80\x02", b"\x80\x03", b"\x80\x04", b"\x80\x05")
MAX_HEADER = 100 * 1024 * 1024  # safetensors' own limit on the JSON header


@dataclass(frozen=True)
class FileScan:
    """One file: its format (``safetensors | pickle | other``), ``ok | flagged | invalid | error``, findings."""

    path: str
    format: str
    status: str
    findings: tuple[str, ...] = ()
    sha256: str | None = None  # of the bytes scanned: the scan names the build it looked at


@dataclass(frozen=True)
class ScanReport:
    target: str
    files: tuple[FileScan, ...]
    scanner: str
    ok: bool = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "ok", all(f.status == "ok" for f in self.files))

    @property
    def safetensors_only(self) -> bool:
        weights = [f for f in self.files if f.format != "other"]
        return bool(weights) and all(f.format == "safetensors" for f in weights)

    @property
    def verdict(self) -> str:
        bad = [f for f in self.files if f.status != "ok"]
        if bad:
            return "; ".join(f"{f.path}: {f.status} ({', '.join(f.findings)})" for f in bad)
        counts = {k: sum(f.format == k for f in self.files) for k in ("safetensors", "pickle")}
        if self.safetensors_only:
            return (f"safetensors only: {plural(counts['safetensors'], 'safetensors file')} with a valid header, "
                    "no pickle to run code from")
        return (f"no unsafe imports in {plural(counts['pickle'], 'pickle-bearing file')}"
                + (f"; {plural(counts['safetensors'], 'safetensors file')} with a valid header"
                   if counts["safetensors"] else ""))

    def build_digest(self, ignore: Iterable[str] = ()) -> str:
        """The build digest of the files scanned (:func:`rmfkit.builds.manifest_digest`, as ``ops
        verify-artifact`` computes it; ``ignore``: names left out of it there, such as the signature)."""
        from rmfkit.builds import manifest_digest

        skip = set(ignore)
        return manifest_digest({f.path: f.sha256 for f in self.files if f.sha256 and f.path not in skip})

    def as_dict(self) -> dict[str, Any]:
        return {"check": "model-scan", "target": self.target, "scanner": self.scanner, "ok": self.ok,
                "safetensors_only": self.safetensors_only, "verdict": self.verdict,
                "files": [asdict(f) for f in self.files]}


def _safetensors(path: Path, rel: str) -> FileScan:
    """Check the 8-byte little-endian header length and that the header is a JSON object within the file."""
    size = path.stat().st_size
    with open(path, "rb") as handle:
        head = handle.read(8)
        length = struct.unpack("<Q", head)[0] if len(head) == 8 else None
        if length is None or length > min(MAX_HEADER, size - 8):
            return FileScan(rel, "safetensors", "invalid", ("header length exceeds the file",))
        try:
            header = json.loads(handle.read(length))
        except (ValueError, UnicodeDecodeError):
            return FileScan(rel, "safetensors", "invalid", ("header is not JSON",))
    if not isinstance(header, dict):
        return FileScan(rel, "safetensors", "invalid", ("header is not a JSON object",))
    return FileScan(rel, "safetensors", "ok")


def _may_hold_pickle(path: Path) -> bool:
    if path.suffix.lower() in PICKLE_SUFFIXES:
        return True
    with open(path, "rb") as handle:
        return handle.read(2) in PICKLE_MAGIC


def _pickle(path: Path, rel: str) -> FileScan:
    from picklescan.scanner import SafetyLevel, scan_file_path

    result = scan_file_path(str(path))
    unsafe = sorted({f"{g.module}.{g.name} ({g.safety.value})" for g in result.globals
                     if g.safety in (SafetyLevel.Dangerous, SafetyLevel.Suspicious)})
    if unsafe:
        return FileScan(rel, "pickle", "flagged", tuple(unsafe))
    if result.scan_err:
        return FileScan(rel, "pickle", "error", ("picklescan could not parse the file",))
    return FileScan(rel, "pickle", "ok")


def scan_folder(path: Path | str) -> ScanReport:
    """Scan a model file or every regular file under a folder (symbolic links are not followed)."""
    from importlib.metadata import version

    path = Path(path)
    if not path.exists():
        raise InputFileError("not found", file=str(path), hint="give the model file or the folder holding it")
    if path.is_file():
        files = {path.name: path}
    else:
        files = {}
        for folder, dirs, names in os.walk(path, followlinks=False):
            dirs.sort()
            for name in sorted(names):
                full = Path(folder) / name
                if full.is_file() and not full.is_symlink():
                    files[full.relative_to(path).as_posix()] = full
    results = []
    for rel, full in sorted(files.items()):
        if full.suffix.lower() == ".safetensors":
            scanned = _safetensors(full, rel)
        elif _may_hold_pickle(full):
            scanned = _pickle(full, rel)
        else:
            scanned = FileScan(rel, "other", "ok")
        results.append(replace(scanned, sha256=sha256_file(full)))
    return ScanReport(path.name, tuple(results), f"picklescan {version('picklescan')}")


def record_scan(ws: "Workspace", component: str | None, report: ScanReport) -> "EvidenceRecord":
    """Store the scan as evidence (kind ``model-scan``) for MEASURE 2.7 and MANAGE 3.2, naming the build
    scanned: the digest of its files, with the component's build facts when the digests agree."""
    from rmfkit.artifacts import store_json_evidence
    from rmfkit.builds import found_build
    from rmfkit.ops import operations_of
    from rmfkit.signatures import SIGNATURE_NAME

    declared = ws.system.component(component) if component else None
    operations = operations_of(ws)
    expectation = operations.artifact(component) if operations and component else None
    digest = report.build_digest([SIGNATURE_NAME, *(expectation.ignore if expectation else [])])
    subject = component or report.target
    return store_json_evidence(
        ws, f"model-scan-{subject}", SCAN_ARTEFACT_NAME, report.as_dict(),
        title=f"Serialization scan of {subject}: {'passed' if report.ok else 'unsafe content found'}",
        kind="model-scan", tool="rmfkit ops scan-artifact", components=[component] if component else [],
        subcategories=list(SUBCATEGORIES), description=f"{report.scanner} over {report.target}: {report.verdict}.",
        facts={"ok": report.ok, "safetensors_only": report.safetensors_only, "scanner": report.scanner,
               "digest": digest,
               "findings": [f"{f.path}: {', '.join(f.findings)}" for f in report.files if f.status != "ok"]},
        build=found_build(digest, declared.build if declared else None))
