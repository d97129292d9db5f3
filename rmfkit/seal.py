"""Sealing: the one writer of packet folders and the format they share with snapshots.

A sealed folder holds files, ``manifest.json`` (SHA-256 and size of every file), optionally
``manifest.json.sig`` (an Ed25519 signature of the manifest's bytes) and, for packets, ``bundle.zip``
(everything above, deterministic: same input, same bytes). :func:`seal` writes one; renderers only return
bytes. :mod:`rmfkit.integrity` checks one.

>>> import tempfile
>>> out = Path(tempfile.mkdtemp()) / "p"
>>> sealed = seal(out, {"a.txt": b"abc"}, generated_at="2026-12-01T00:00:00Z")
>>> sorted(p.name for p in out.iterdir()), sealed.signed
(['a.txt', 'bundle.zip', 'manifest.json'], False)
>>> safe_entry_name("../etc/passwd")
Traceback (most recent call last):
rmfkit.errors.IntegrityError: unsafe file name '../etc/passwd' (must stay inside the bundle)
"""
from __future__ import annotations

import datetime as dt
import io
import json
import os
import re
import shutil
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Union

from rmfkit.errors import InputFileError, IntegrityError, UsageError
from rmfkit.fileio import atomic_write_bytes, read_user_file
from rmfkit.hashing import sha256_bytes, sha256_file
from rmfkit.jsonable import jsonable

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
PRIVATE_KEY_NAME = "packet-signing-key.pem"
PUBLIC_KEY_NAME = "packet-signing-key.pub.pem"
# Review snapshots: the manifest's ``review`` block and the folder names of the chain.
REVIEW_FORMAT = "rmfkit-review/1"
LABEL_PATTERN = re.compile(r"\A[A-Za-z0-9][A-Za-z0-9._-]{0,63}\Z")
_UNSAFE_CHARS = re.compile(r"[\x00-\x1f\x7f\\:]")

# A file to seal: its bytes, or a path to copy byte-exact (streamed).
Payload = Union[bytes, Path]


def safe_entry_name(name: str) -> str:
    """A relative POSIX path that cannot leave the bundle (no ``..``, no absolute path, no drive, no ``\\``)."""
    if not name or _UNSAFE_CHARS.search(name) or name.startswith("/"):
        raise IntegrityError(f"unsafe file name {name!r} (must stay inside the bundle)")
    if any(part in ("", ".", "..") for part in name.split("/")):
        raise IntegrityError(f"unsafe file name {name!r} (must stay inside the bundle)")
    return name


def canonical_json(data: Any) -> bytes:
    """The one JSON encoding of rmfkit's files: sorted keys, 2-space indent, UTF-8, trailing newline.

    >>> canonical_json({"b": 1, "a": dt.date(2026, 1, 1)})
    b'{\\n  "a": "2026-01-01",\\n  "b": 1\\n}\\n'
    """
    return (json.dumps(jsonable(data), indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")


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
        target = self.target(name)
        atomic_write_bytes(target, payload)
        target.chmod(0o644)
        entry = {"sha256": sha256_bytes(payload), "size": len(payload)}
        self.entries[name] = entry
        return entry

    def copy(self, name: str, source: Path) -> dict[str, Any]:
        """Copy a file byte-exact (streamed) and record its hash."""
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
    fd = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(private_pem)
    public_path.write_bytes(public_pem)
    return private_path, public_path


def load_private_key(path: Path):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

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


# ---------------------------------------------------------------- zip

def write_zip(out: Path, names: list[str], date_time: tuple[int, ...]) -> Path:
    """``bundle.zip`` holding ``names`` (sorted, fixed timestamps and modes: same input, same bytes)."""
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


def zip_time(generated_at: str) -> tuple[int, ...]:
    """Zip entry time from the manifest's ``generated_at`` (zip cannot hold dates before 1980).

    >>> zip_time("2026-12-01T10:20:30Z")
    (2026, 12, 1, 10, 20, 30)
    """
    stamp = dt.datetime.fromisoformat(generated_at.replace("Z", "+00:00")).timetuple()[:6]
    return stamp if stamp[0] >= 1980 else (1980, 1, 1, 0, 0, 0)


def sealing_files(manifest_bytes: bytes, private_key=None) -> dict[str, bytes]:
    """The manifest and, with a key, its signature: what seals a folder."""
    files = {MANIFEST: manifest_bytes}
    if private_key is not None:
        files[SIGNATURE] = private_key.sign(manifest_bytes)
    return files


@dataclass(frozen=True)
class Sealed:
    """A sealed folder: where, the manifest entries by file name, the manifest's SHA-256, signed or not."""

    out: Path
    entries: dict[str, dict[str, Any]]
    manifest_sha256: str
    signed: bool


def seal(out: Path, files: Mapping[str, Payload], private_key=None, *, generated_at: str,
         extra: Mapping[str, Any] | None = None, with_zip: bool = True) -> Sealed:
    """Write ``files`` into the new folder ``out``, then its manifest (plus ``extra`` keys), the signature
    and ``bundle.zip`` — complete or not at all: everything goes into a hidden staging folder beside
    ``out`` that is renamed into place last (an existing empty ``out`` is replaced)."""
    out = Path(out)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise UsageError(f"output folder {out} is not empty", hint="choose a new folder; packets are never overwritten")
    staging = out.parent / f".{out.name}.partial"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    try:
        writer = PacketWriter(staging)
        for name, payload in files.items():
            writer.copy(name, payload) if isinstance(payload, Path) else writer.write(name, payload)
        manifest = json.loads(writer.manifest(generated_at))
        sealing = {"signed": private_key is not None, "zip": with_zip}  # so a removed file is detected without a key
        manifest_bytes = canonical_json({**manifest, **sealing, **(extra or {})})
        seals = sealing_files(manifest_bytes, private_key)
        for name, payload in seals.items():
            atomic_write_bytes(staging / name, payload)
            (staging / name).chmod(0o644)
        if with_zip:
            write_zip(staging, [*writer.entries, *seals], zip_time(generated_at))
        if out.exists():
            out.rmdir()
        os.rename(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return Sealed(out, dict(writer.entries), sha256_bytes(manifest_bytes), private_key is not None)
