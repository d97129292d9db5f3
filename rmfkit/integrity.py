"""Check a sealed folder (packet or snapshot) or a ``bundle.zip``: every hash, every file, the signature,
and for a review snapshot every earlier snapshot of its chain.

Every problem is reported, not just the first: altered, missing and unexpected files, unsafe entry
names, a bad or missing signature, a ``bundle.zip`` that disagrees with its folder.
:func:`verify_or_raise` raises :class:`~rmfkit.errors.IntegrityError` (exit code 4) listing them.

>>> import tempfile
>>> report = verify(Path(tempfile.mkdtemp()))
>>> report.failures
['missing: manifest.json (not a packet folder or bundle.zip?)']
"""
from __future__ import annotations

import hashlib
import json
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from rmfkit.errors import InputFileError, IntegrityError
from rmfkit.hashing import sha256_bytes, sha256_file
from rmfkit.labels import plural
from rmfkit.safezip import ArchiveError, read_archive, stream
from rmfkit.seal import (BUNDLE_JSON, BUNDLE_MANIFEST, LABEL_PATTERN, MANIFEST, MANIFEST_FORMAT, PDF_NAME,
                         REVIEW_FORMAT, SEALING_FILES, SIGNATURE, ZIP_NAME, key_fingerprint, load_public_key,
                         safe_entry_name)

SIGNATURE_BYTES = 64  # an Ed25519 signature
PACKET_FILES = (MANIFEST, SIGNATURE, ZIP_NAME, BUNDLE_JSON, BUNDLE_MANIFEST, PDF_NAME)

# What a signature status means, in the words ``rmfkit verify`` prints after "OK <path>: N files match".
# Without --key a signed packet is NOT reported as verified: the hashes alone show that the files match
# manifest.json, not who sealed it (anyone able to rewrite the files can rewrite the manifest).
SIGNATURE_WORDS = {
    "valid": "signature valid (signed by the key with SHA-256 {key})",
    "not checked": "signed, but the signature was NOT checked (no --key given): the files match manifest.json, "
                   "which shows no one has changed them since it was written, not who wrote it; "
                   "check the signature with --key PUBLIC_KEY.pem",
    "unsigned": "not signed (no manifest.json.sig): the files match manifest.json, but nothing shows who sealed it",
}


@dataclass
class VerifyReport:
    """What was checked and what failed; ``signature`` is valid | missing | bad | not checked | unsigned
    (``not checked``: signed, but no key was given); ``key_sha256`` is the fingerprint of the key that
    checked a valid signature (:func:`rmfkit.seal.key_fingerprint`)."""

    path: str
    checked: int = 0  # hashes checked in all, the entries inside bundle.zip included
    zip_checked: int = 0  # of which inside bundle.zip
    failures: list[str] = field(default_factory=list)
    signature: str = "not checked"
    key_sha256: str | None = None

    @property
    def ok(self) -> bool:
        return not self.failures

    def signature_words(self) -> str:
        """The signature status as a sentence for a person.

        >>> VerifyReport("p", signature="unsigned").signature_words()[:10]
        'not signed'
        """
        return SIGNATURE_WORDS.get(self.signature, f"signature {self.signature}").format(key=self.key_sha256)

    def as_dict(self) -> dict:
        return {"path": self.path, "ok": self.ok, "files_checked": self.checked, "signature": self.signature,
                "key_sha256": self.key_sha256, "signature_words": self.signature_words(),
                "failures": list(self.failures)}


def require_packet(path: Path) -> None:
    """Refuse (exit 2) a path that does not exist or a folder holding none of a packet's files.

    A folder with any packet file is checked (exit 4 for what is missing or altered): a packet
    with its manifest deleted is damaged, not a usage mistake.
    """
    path = Path(path)
    hint = "give the folder written by `rmfkit packet --out` or `rmfkit review snapshot`, or its bundle.zip"
    if not path.exists() and not path.is_symlink():
        raise InputFileError("not found", file=str(path), hint=hint)
    if path.is_dir() and not any((path / name).exists() for name in PACKET_FILES):
        raise InputFileError(f"is not a packet folder (it holds none of {', '.join(PACKET_FILES)})", file=str(path),
                             hint=hint)


MAX_MANIFEST_BYTES = 64 * 1024 * 1024


@dataclass
class Manifest:
    """A parsed ``manifest.json``: the files it lists, and what it says about its sealing (``None``: an older
    manifest that does not say)."""

    entries: dict[str, dict]
    signed: bool | None
    zipped: bool | None


def _parse_manifest(payload: bytes, where: str, report: VerifyReport) -> Manifest | None:
    try:
        data = json.loads(payload.decode("utf-8"))
        if data.get("format") != MANIFEST_FORMAT:
            raise ValueError(f"format is {data.get('format')!r}, expected {MANIFEST_FORMAT}")
        entries = {}
        for item in data["files"]:
            name = safe_entry_name(str(item["path"]))
            if name in SEALING_FILES or name in entries:
                raise ValueError(f"lists {name} twice or lists a sealing file")
            entries[name] = {"sha256": str(item["sha256"]), "size": int(item["size"])}
        flags = {key: data.get(key) for key in ("signed", "zip")}
        if any(value not in (None, True, False) for value in flags.values()):
            raise ValueError("'signed' and 'zip' must be true or false")
        return Manifest(entries, flags["signed"], flags["zip"])
    except RecursionError:
        report.failures.append(f"unreadable: {where} (nested too deeply to be a manifest)")
        return None
    except (ValueError, KeyError, TypeError, AttributeError, UnicodeDecodeError, IntegrityError) as exc:
        report.failures.append(f"unreadable: {where} ({exc})")
        return None


# How to check one file: its size (None: missing) and its SHA-256, streamed (raises ValueError when unreadable).
Sizer = Callable[[str], "int | None"]
Hasher = Callable[[str], str]


def _check_files(entries: dict[str, dict], size_of: Sizer, hash_of: Hasher, present: set[str],
                 report: VerifyReport, prefix: str = "") -> None:
    """Every listed file: present, the listed size (checked before reading), the listed SHA-256."""
    for name, expected in sorted(entries.items()):
        size = size_of(name)
        if size is None:
            report.failures.append(f"missing: {prefix}{name}")
            continue
        report.checked += 1
        if size != expected["size"]:
            report.failures.append(f"altered: {prefix}{name} (size {size:,} bytes, the manifest lists "
                                   f"{expected['size']:,}; SHA-256 differs from the manifest)")
            continue
        try:
            digest = hash_of(name)
        except (ValueError, OSError) as exc:
            report.failures.append(f"altered: {prefix}{name} (cannot be read: {exc})")
            continue
        if digest != expected["sha256"]:
            report.failures.append(f"altered: {prefix}{name} (SHA-256 differs from the manifest)")
    for name in sorted(present - set(entries) - set(SEALING_FILES)):
        report.failures.append(f"unexpected: {prefix}{name} (not listed in the manifest)")


def _check_signature(manifest_bytes: bytes, manifest: Manifest, signature: bytes | None, key_path: Path | None,
                     report: VerifyReport, prefix: str = "") -> None:
    from cryptography.exceptions import InvalidSignature

    if signature is None and manifest.signed:
        report.signature = "missing"
        report.failures.append(f"missing: {prefix}{SIGNATURE} (the manifest records that it was signed: "
                               "the signature was removed)")
        return
    if signature is not None and manifest.signed is False:
        report.failures.append(f"unexpected: {prefix}{SIGNATURE} (the manifest records an unsigned packet)")
    if signature is not None and len(signature) != SIGNATURE_BYTES:
        report.signature = "bad"
        report.failures.append(f"bad signature: {prefix}{SIGNATURE} is {len(signature)} bytes, not an Ed25519 "
                               f"signature ({SIGNATURE_BYTES} bytes)")
        return
    if key_path is None:
        report.signature = "not checked" if signature is not None else "unsigned"
        return
    if signature is None:
        report.signature = "missing"
        report.failures.append(f"missing: {prefix}{SIGNATURE} (a key was given but the packet is not signed)")
        return
    key = load_public_key(key_path)
    try:
        key.verify(signature, manifest_bytes)
        report.signature = "valid"
        report.key_sha256 = key_fingerprint(key)
    except InvalidSignature:
        report.signature = "bad"
        report.failures.append(f"bad signature: {prefix}{SIGNATURE} does not match {MANIFEST} for this key")


def _check_bundle_manifest(entries: dict[str, dict], read: Callable[[str], bytes | None], report: VerifyReport,
                           prefix: str = "") -> None:
    """The manifest embedded in the PDF must agree with the packet manifest."""
    payload = read(BUNDLE_MANIFEST) if BUNDLE_MANIFEST in entries else None
    if payload is None:
        return
    inner = _parse_manifest(payload, prefix + BUNDLE_MANIFEST, report)
    for name, entry in (inner.entries if inner else {}).items():
        if entries.get(name) != entry:
            report.failures.append(f"inconsistent: {prefix}{BUNDLE_MANIFEST} disagrees with {MANIFEST} on {name}")


def _regular_size(path: Path) -> int | None:
    """The size of a regular file (not followed through a link), or None for anything else or nothing."""
    try:
        info = path.lstat()
    except OSError:
        return None
    return info.st_size if stat.S_ISREG(info.st_mode) else None


def _small_file(path: Path, limit: int = MAX_MANIFEST_BYTES) -> bytes | None:
    size = _regular_size(path)
    return path.read_bytes() if size is not None and size <= limit else None


def verify_folder(folder: Path, key: Path | None, report: VerifyReport) -> bool:
    """Check a packet folder; False when its manifest is missing or unreadable (nothing else was checked)."""
    manifest_bytes = _small_file(folder / MANIFEST)
    if manifest_bytes is None:
        report.failures.append(f"missing: {MANIFEST} (not a packet folder or bundle.zip?)")
        return False
    manifest = _parse_manifest(manifest_bytes, MANIFEST, report)
    if manifest is None:
        return False
    present: set[str] = set()
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder).as_posix()
        if path.is_symlink():
            report.failures.append(f"unexpected: {rel} is a symbolic link")
        elif _regular_size(path) is not None:
            present.add(rel)
        elif not path.is_dir():
            report.failures.append(f"unexpected: {rel} is not a regular file (a pipe, socket or device)")
        elif rel in (ZIP_NAME, SIGNATURE, MANIFEST):
            report.failures.append(f"unexpected: {rel} is a folder")

    def size_of(name: str) -> int | None:
        return _regular_size(folder / name) if name in present else None

    _check_files(manifest.entries, size_of, lambda name: sha256_file(folder / name), present, report)
    _check_bundle_manifest(manifest.entries, lambda name: _small_file(folder / name) if name in present else None,
                           report)
    _check_signature(manifest_bytes, manifest, _small_file(folder / SIGNATURE, 4096), key, report)
    if ZIP_NAME in present:
        inner = VerifyReport(str(folder / ZIP_NAME))
        zipped_manifest = verify_zip(folder / ZIP_NAME, key, inner, prefix=f"{ZIP_NAME}:")
        report.checked += inner.checked
        report.zip_checked += inner.checked
        report.failures.extend(inner.failures)
        if zipped_manifest is not None and zipped_manifest != manifest_bytes:
            report.failures.append(f"inconsistent: {ZIP_NAME} holds a different {MANIFEST} than the folder")
    elif (manifest.zipped or (manifest.zipped is None and PDF_NAME in manifest.entries)) \
            and not os.path.lexists(folder / ZIP_NAME):
        report.failures.append(f"missing: {ZIP_NAME} (the manifest records that the packet has one)")
    return True


def verify_zip(path: Path, key: Path | None, report: VerifyReport, prefix: str = "") -> bytes | None:
    """Check a ``bundle.zip`` read by :func:`rmfkit.safezip.read_archive`; returns its manifest's bytes."""
    where = prefix[:-1] if prefix else path.name
    try:
        archive = read_archive(path)
    except (ArchiveError, OSError) as exc:
        report.failures.append(f"unreadable: {where} is not a valid zip ({exc})")
        return None
    report.failures.extend(f"{problem.split(': ', 1)[0]}: {prefix}{problem.split(': ', 1)[1]}"
                           for problem in archive.problems)
    entries = archive.entries

    def read(name: str, limit: int = MAX_MANIFEST_BYTES) -> bytes | None:
        entry = entries.get(name)
        if entry is None or entry.file_size > limit:
            return None
        try:
            return b"".join(stream(path, entry))
        except ArchiveError as exc:
            report.failures.append(f"altered: {prefix}{name} (cannot be read: {exc})")
            return None

    def hash_of(name: str) -> str:
        digest = hashlib.sha256()
        for chunk in stream(path, entries[name]):
            digest.update(chunk)
        return digest.hexdigest()

    manifest_bytes = read(MANIFEST)
    if manifest_bytes is None:
        report.failures.append(f"missing: {prefix}{MANIFEST}")
        return None
    manifest = _parse_manifest(manifest_bytes, prefix + MANIFEST, report)
    if manifest is None:
        return manifest_bytes
    _check_files(manifest.entries, lambda name: entries[name].file_size if name in entries else None, hash_of,
                 set(entries), report, prefix)
    _check_bundle_manifest(manifest.entries, read, report, prefix)
    _check_signature(manifest_bytes, manifest, read(SIGNATURE, 4096), key, report, prefix)
    return manifest_bytes


def verify_chain(folder: Path, report: VerifyReport) -> None:
    """Walk back from a snapshot folder through every earlier one it chains to, adding failures to ``report``.

    Each earlier snapshot must exist beside it, its ``manifest.json`` must have the SHA-256 the later one
    recorded, and its files must match its own manifest. Failures name the snapshot. A folder that is
    not a review snapshot is left alone (the packet checks have run already).
    """
    folder = Path(folder)
    try:
        review = json.loads((folder / MANIFEST).read_bytes()).get("review")
    except (OSError, ValueError, AttributeError):
        return
    if not isinstance(review, dict) or review.get("format") != REVIEW_FORMAT:
        return
    if review.get("label") != folder.name:
        report.failures.append(f"snapshot {folder.name}: its manifest records the label {review.get('label')!r} "
                               "(a renamed or copied snapshot folder)")
    seen = {folder.name}
    current, link = folder.name, review.get("previous")
    if link is not None and not isinstance(link, dict):
        report.failures.append(f"snapshot {current}: 'previous' is not a link to a snapshot (got {link!r:.80})")
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
        if link is not None and not isinstance(link, dict):
            report.failures.append(f"snapshot {label}: 'previous' is not a link to a snapshot (got {link!r:.80})")
        current = label


def acceptances_altered(folder: Path) -> list[str]:
    """Signed risk acceptances in the folder's ``bundle.json`` whose risk record changed after signing."""
    from rmfkit.acceptance import acceptance_signatures
    from rmfkit.records import Records

    try:
        document = json.loads((folder / BUNDLE_JSON).read_bytes())
        records = Records.from_data(document["records"])
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return []  # no bundle, or one the manifest checks have reported already
    return [f"{folder.name}: {failure}" for failure in acceptance_signatures(records)]


def verify(path: Path, key: Path | None = None, *, require_signature: bool = False) -> VerifyReport:
    """Verify a packet folder or a ``bundle.zip``; the report lists every failure (with ``require_signature``,
    also a packet whose signature is not valid for ``key``)."""
    path = Path(path)
    report = VerifyReport(str(path))
    if path.is_dir():
        if verify_folder(path, key, report):
            verify_chain(path, report)  # a review snapshot: every earlier snapshot it chains to
            report.failures += acceptances_altered(path)
    elif path.is_file():
        verify_zip(path, key, report)
    else:
        report.failures.append(f"missing: {path} does not exist")
    if require_signature and report.signature != "valid" and not any(f.startswith(("bad signature", "missing: "))
                                                                         for f in report.failures):
        report.failures.append(f"unsigned: {path} is not signed, and --require-signature asks for a valid "
                               "signature")
    return report


def verify_or_raise(path: Path, key: Path | None = None, *, require_signature: bool = False) -> VerifyReport:
    """Like :func:`verify`, raising :class:`IntegrityError` (exit 4) when anything failed."""
    report = verify(path, key, require_signature=require_signature)
    if report.failures:
        raise IntegrityError(f"{path}: {plural(len(report.failures), 'integrity problem')} found",
                             failures=report.failures)
    return report
