"""The hostile-input corpus: every file kind a user hands in, broken in every way we know, through the CLI.

Each case runs ``rmfkit`` in-process inside a sandbox folder (the current directory during the run)
holding a copy of ``tests/corpus/base`` (a small valid workspace) and the case's input files. The
contract: the documented exit code (2 bad input, 3 validation problems, 4 integrity failure), one
clear line naming the file and the problem, no traceback, and not one byte changed anywhere in the
sandbox (the workspace, the inputs, and any place a path-traversal would write to).

Committed cases and their expectations are listed in ``tests/corpus/expected.tsv``; big, binary,
symlink, pipe and zip cases are generated here at test time.
"""
from __future__ import annotations

import hashlib
import io
import json
import os
import re
import random
import shutil
import warnings
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import pytest

from rmfkit.seal import MANIFEST, SIGNATURE, PacketWriter, canonical_json, write_zip

CORPUS = Path(__file__).resolve().parent / "corpus"
BASE = CORPUS / "base"
EVIDENCE_FIXTURES = Path(__file__).resolve().parent / "fixtures" / "evidence"

# Where each workspace file kind lives in the base workspace.
TARGETS = {"settings": "rmfkit.yaml", "system": "system.yaml", "mapping": "mapping/measure.yaml",
           "risk": "risks/R-0001.yaml", "dpia": "dpia.yaml", "operations": "operations.yaml",
           "thresholds": "thresholds.yaml", "evidence": "evidence/lic-demo-llm/evidence.yaml"}
# A real-format file per importer (the corpus breaks copies of them).
IMPORTER_FIXTURES = {"lm-eval": "lmeval_results.json", "model-card": "model_card_other.md",
                     "cyclonedx": "cyclonedx_1.6.json", "spdx": "spdx_2.3.json", "pip-licenses": "pip_licenses.json",
                     "garak": "garak.report.jsonl", "promptfoo": "promptfoo_redteam.json",
                     "inspect": "inspect_v2.json", "task-eval": "task_eval.csv",
                     "license-record": "license_record.json"}
JSON_KINDS = ("lm-eval", "cyclonedx", "spdx", "pip-licenses", "promptfoo", "inspect", "license-record")
IGNORED = {"ws/.rmfkit.lock"}  # the lock file a refused write leaves (git-ignored, empty)


@dataclass
class Case:
    """One hostile input: ``setup(sandbox)`` prepares it and returns the CLI arguments."""

    id: str
    setup: Callable[[Path], list[str]]
    exit: int
    words: str
    names: str  # the file the message must name
    env: dict[str, str] = field(default_factory=dict)


# ---------------------------------------------------------------- helpers building inputs

def put(path: Path, payload: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.is_symlink() or path.is_file():
        path.unlink()
    elif path.is_dir():
        shutil.rmtree(path)
    path.write_bytes(payload)
    return path


def sealed_packet(folder: Path, *, signed: bool = False) -> Path:
    """A small packet folder sealed like `rmfkit packet` seals one: files, manifest, (signature), bundle.zip."""
    writer = PacketWriter(folder)
    writer.write("bundle.json", canonical_json({"format": "rmfkit-bundle/1", "note": "corpus test data"}))
    writer.write("packet.html", b"<!doctype html><title>corpus</title><p>test data</p>\n")
    writer.write("evidence/lic-demo-llm/license_record.json",
                 (BASE / "evidence" / "lic-demo-llm" / "license_record.json").read_bytes())
    manifest = writer.manifest("2026-11-29T00:00:00+00:00")
    (folder / MANIFEST).write_bytes(manifest)
    names = [*writer.entries, MANIFEST]
    if signed:
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

        (folder / SIGNATURE).write_bytes(Ed25519PrivateKey.generate().sign(manifest))
        names.append(SIGNATURE)
    write_zip(folder, names, (2026, 11, 29, 0, 0, 0))
    return folder


def zip_with(entries: list[tuple[str, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with warnings.catch_warnings(), zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        warnings.simplefilter("ignore")  # a duplicate entry name is the point of one case
        for name, payload in entries:
            archive.writestr(zipfile.ZipInfo(name, (2026, 11, 29, 0, 0, 0)), payload)
    return buffer.getvalue()


def manifest_of(files: dict[str, bytes]) -> bytes:
    return canonical_json({"format": "rmfkit-manifest/1", "generated_at": "2026-11-29T00:00:00+00:00",
                           "files": [{"path": name, "sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
                                     for name, data in sorted(files.items())]})


def garbage(size: int, seed: int) -> bytes:
    """Bytes that are not UTF-8 (a 0xff in the first few bytes), the same on every run."""
    rng = random.Random(seed)
    return b"\xff\xfe\x00" + bytes(rng.randrange(256) for _ in range(size))


# ---------------------------------------------------------------- committed cases (expected.tsv)

def committed_cases() -> list[Case]:
    cases = []
    for line in (CORPUS / "expected.tsv").read_text("utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        rel, code, words = line.split("\t")
        cases.append(committed_case(rel, int(code), words))
    return cases


def committed_case(rel: str, code: int, words: str) -> Case:
    source = CORPUS / rel
    group, kind = rel.split("/")[:2]
    if group == "workspace":
        def setup(sandbox: Path) -> list[str]:
            put(sandbox / "ws" / TARGETS[kind], source.read_bytes())
            return ["validate", "-w", "ws"]
        return Case(rel, setup, code, words, TARGETS[kind])
    if group == "evidence":
        def setup(sandbox: Path) -> list[str]:
            given = put(sandbox / "inputs" / source.name, source.read_bytes())
            return ["evidence", "import", str(given), "-w", "ws", *([] if kind == "auto" else ["--kind", kind])]
        return Case(rel, setup, code, words, source.name)
    if group == "verify" and kind == "manifest":
        def setup(sandbox: Path) -> list[str]:
            put(sealed_packet(sandbox / "packet") / MANIFEST, source.read_bytes())
            (sandbox / "packet" / "bundle.zip").unlink()
            return ["verify", "packet"]
        return Case(rel, setup, code, words, "manifest.json" if "unreadable" in words else "")
    if group == "verify" and kind == "key":
        def setup(sandbox: Path) -> list[str]:
            sealed_packet(sandbox / "packet", signed=True)
            return ["verify", "packet", "--key", str(put(sandbox / "inputs" / source.name, source.read_bytes()))]
        return Case(rel, setup, code, words, source.name)
    if group == "templates":
        inside = source.relative_to(CORPUS / "templates" / kind).as_posix()

        def setup(sandbox: Path) -> list[str]:
            put(sandbox / "ws" / "templates" / inside, source.read_bytes())
            return ["packet", "-w", "ws", "--out", "out"]
        return Case(rel, setup, code, words, f"templates/{inside}")
    raise AssertionError(f"unknown corpus folder {rel}")


# ---------------------------------------------------------------- generated cases

def workspace_cases() -> list[Case]:
    cases = []
    for kind, target in TARGETS.items():
        text = (BASE / target).read_text("utf-8")

        def replace(payload_of: Callable[[Path], bytes], target: str = target) -> Callable[[Path], list[str]]:
            def setup(sandbox: Path) -> list[str]:
                put(sandbox / "ws" / target, payload_of(sandbox))
                return ["validate", "-w", "ws"]
            return setup

        def symlinked(sandbox: Path, target: str = target, text: str = text) -> list[str]:
            outside = put(sandbox / "outside" / Path(target).name, text.encode())
            (sandbox / "ws" / target).unlink()
            (sandbox / "ws" / target).symlink_to(outside)
            return ["validate", "-w", "ws"]

        def directory(sandbox: Path, target: str = target) -> list[str]:
            (sandbox / "ws" / target).unlink()
            (sandbox / "ws" / target).mkdir()
            return ["validate", "-w", "ws"]

        def pipe(sandbox: Path, target: str = target) -> list[str]:
            (sandbox / "ws" / target).unlink()
            os.mkfifo(sandbox / "ws" / target)
            return ["validate", "-w", "ws"]

        nested = text + "x-deep: " + "[" * 200 + "]" * 200 + "\n"
        oversized = text + "x-padding: |\n" + ("  " + "a" * 1022 + "\n") * 8500
        cases += [
            Case(f"generated/{kind}/utf-16", replace(lambda s, t=text: t.encode("utf-16")), 2, "not valid UTF-8", target),
            Case(f"generated/{kind}/latin-1", replace(lambda s, t=text: (t + "x-note: café\n").encode("latin-1")), 2,
                 "not valid UTF-8", target),
            Case(f"generated/{kind}/binary", replace(lambda s, n=len(kind): garbage(4096, n)), 2, "not valid UTF-8",
                 target),
            Case(f"generated/{kind}/deeply-nested", replace(lambda s, t=nested: t.encode()), 2, "nested more than 64",
                 target),
            Case(f"generated/{kind}/oversized", replace(lambda s, t=oversized: t.encode()), 2, "the limit", target),
            Case(f"generated/{kind}/symlink-outside", symlinked, 2, "symbolic link", target),
            # rmfkit.yaml marks the workspace: a folder or pipe of that name marks nothing
            Case(f"generated/{kind}/directory", directory, 2,
                 "no rmfkit.yaml in" if kind == "settings" else "is a directory", target),
            Case(f"generated/{kind}/named-pipe", pipe, 2,
                 "no rmfkit.yaml in" if kind == "settings" else "not a regular file", target),
        ]
    return cases


def importer_cases() -> list[Case]:
    cases = []
    for kind, fixture in IMPORTER_FIXTURES.items():
        data = (EVIDENCE_FIXTURES / fixture).read_bytes()

        def given(payload: bytes, name: str, kind: str = kind) -> Callable[[Path], list[str]]:
            def setup(sandbox: Path) -> list[str]:
                return ["evidence", "import", str(put(sandbox / "inputs" / name, payload)), "-w", "ws", "--kind", kind]
            return setup

        def symlinked(sandbox: Path, kind: str = kind, fixture: str = fixture, data: bytes = data) -> list[str]:
            real = put(sandbox / "inputs" / fixture, data)
            (sandbox / "inputs" / f"link-{fixture}").symlink_to(real)
            return ["evidence", "import", str(sandbox / "inputs" / f"link-{fixture}"), "-w", "ws", "--kind", kind]

        def pipe(sandbox: Path, kind: str = kind, fixture: str = fixture) -> list[str]:
            (sandbox / "inputs").mkdir()
            os.mkfifo(sandbox / "inputs" / f"pipe-{fixture}")
            return ["evidence", "import", str(sandbox / "inputs" / f"pipe-{fixture}"), "-w", "ws", "--kind", kind]

        cases += [
            Case(f"generated/{kind}/binary", given(garbage(2048, 7), f"binary-{fixture}"), 2, "not valid UTF-8",
                 f"binary-{fixture}"),
            # UTF-16 with a byte-order mark is read; without one (and with a stray 0xff) it is not text
            Case(f"generated/{kind}/utf-16-no-bom", given(b"\xff" + data.decode("utf-8").encode("utf-16-le"),
                                                          f"utf16-{fixture}"), 2, "not valid UTF-8", f"utf16-{fixture}"),
            Case(f"generated/{kind}/symlink", symlinked, 2, "symbolic link", f"link-{fixture}"),
            Case(f"generated/{kind}/named-pipe", pipe, 2, "not a regular file", f"pipe-{fixture}"),
            Case(f"generated/{kind}/over-size-limit", given(data + b" " * 4096, f"big-{fixture}"), 2,
                 "the limit for an evidence artefact", f"big-{fixture}", env={"RMFKIT_MAX_EVIDENCE_BYTES": "4096"}),
        ]
        if kind != "model-card":  # any text is a model card; an empty one is a card without front matter
            cases.append(Case(f"generated/{kind}/empty", given(b"", f"empty-{fixture}"), 2, "", f"empty-{fixture}"))
        if kind in JSON_KINDS:
            cases += [
                Case(f"generated/{kind}/truncated", given(data[: len(data) // 2], f"cut-{fixture}"), 2, "invalid JSON",
                     f"cut-{fixture}"),
                Case(f"generated/{kind}/deeply-nested", given(b"[" * 100_000 + b"]" * 100_000, f"deep-{fixture}"), 2,
                     "nested more than 200 levels", f"deep-{fixture}"),
            ]
    return cases


def verify_cases() -> list[Case]:
    def in_packet(change: Callable[[Path], None]) -> Callable[[Path], list[str]]:
        def setup(sandbox: Path) -> list[str]:
            change(sealed_packet(sandbox / "packet"))
            return ["verify", "packet"]
        return setup

    def bundle(entries: list[tuple[str, bytes]]) -> Callable[[Path], list[str]]:
        def setup(sandbox: Path) -> list[str]:
            put(sandbox / "given" / "bundle.zip", zip_with(entries))
            return ["verify", "given/bundle.zip"]
        return setup

    note = b"test data\n"
    listed = manifest_of({"note.txt": note})

    def raw_zip(payload_of: Callable[[Path], bytes]) -> Callable[[Path], list[str]]:
        def setup(sandbox: Path) -> list[str]:
            put(sandbox / "given" / "bundle.zip", payload_of(sandbox))
            return ["verify", "given/bundle.zip"]
        return setup

    def truncated_zip(sandbox: Path) -> bytes:
        whole = (sealed_packet(sandbox / "packet") / "bundle.zip").read_bytes()
        shutil.rmtree(sandbox / "packet")
        return whole[: len(whole) // 2]

    def symlink_in_packet(folder: Path) -> None:
        (folder.parent / "secret.txt").write_text("outside the packet\n")
        (folder / "evidence" / "lic-demo-llm" / "license_record.json").unlink()
        (folder / "evidence" / "lic-demo-llm" / "license_record.json").symlink_to(folder.parent / "secret.txt")

    return [
        Case("generated/verify/zip-slip-parent", bundle([(MANIFEST, listed), ("note.txt", note), ("../evil.txt", b"x")]),
             4, "would point outside the bundle", "../evil.txt"),
        Case("generated/verify/zip-slip-absolute", bundle([(MANIFEST, listed), ("note.txt", note), ("/tmp/evil", b"x")]),
             4, "would point outside the bundle", "/tmp/evil"),
        Case("generated/verify/zip-slip-backslash", bundle([(MANIFEST, listed), ("note.txt", note),
                                                           ("..\\..\\evil.txt", b"x")]),
             4, "would point outside the bundle", "evil.txt"),
        Case("generated/verify/zip-slip-nested", bundle([(MANIFEST, listed), ("note.txt", note),
                                                        ("evidence/../../evil.txt", b"x")]),
             4, "would point outside the bundle", "evil.txt"),
        Case("generated/verify/zip-duplicate-entry", bundle([(MANIFEST, listed), ("note.txt", note),
                                                            ("note.txt", b"other")]),
             4, "appears more than once", "note.txt"),
        Case("generated/verify/zip-without-manifest", bundle([("note.txt", note)]), 4, "missing", "manifest.json"),
        Case("generated/verify/zip-altered-member", bundle([(MANIFEST, listed), ("note.txt", b"changed\n")]), 4,
             "altered", "note.txt"),
        Case("generated/verify/zip-unlisted-member", bundle([(MANIFEST, listed), ("note.txt", note), ("extra.txt", b"")]),
             4, "not listed in the manifest", "extra.txt"),
        Case("generated/verify/not-a-zip", raw_zip(lambda s: garbage(4096, 3)), 4, "not a valid zip", "bundle.zip"),
        Case("generated/verify/truncated-zip", raw_zip(truncated_zip), 4, "not a valid zip", "bundle.zip"),
        Case("generated/verify/packet-symlink", in_packet(symlink_in_packet), 4, "symbolic link",
             "evidence/lic-demo-llm/license_record.json"),
        Case("generated/verify/packet-added-file", in_packet(lambda f: (f / "extra.pdf").write_bytes(b"%PDF")), 4,
             "not listed in the manifest", "extra.pdf"),
        Case("generated/verify/packet-altered-file", in_packet(lambda f: (f / "packet.html").write_bytes(b"<p>x")), 4,
             "SHA-256 differs", "packet.html"),
        Case("generated/verify/manifest-utf-16", in_packet(lambda f: (f / MANIFEST).write_bytes(
            (f / MANIFEST).read_text("utf-8").encode("utf-16"))), 4, "unreadable", "manifest.json"),
        Case("generated/verify/manifest-deeply-nested", in_packet(lambda f: (f / MANIFEST).write_bytes(
            b'{"format": "rmfkit-manifest/1", "files": ' + b"[" * 100_000 + b"]" * 100_000 + b"}")), 4,
             "unreadable", "manifest.json"),
        Case("generated/verify/missing-path", lambda s: ["verify", "no-such-packet"], 2, "not found",
             "no-such-packet"),
    ]


def template_cases() -> list[Case]:
    def symlinked(sandbox: Path) -> list[str]:
        secret = put(sandbox / "outside" / "signing-key.pem", b"-----BEGIN PRIVATE KEY----- test data\n")
        (sandbox / "ws" / "templates").mkdir()
        (sandbox / "ws" / "templates" / "packet.html.j2").symlink_to(secret)
        return ["packet", "-w", "ws", "--out", "out"]

    def latin1(sandbox: Path) -> list[str]:
        put(sandbox / "ws" / "templates" / "packet.html.j2", "<p>café {{ view }}</p>\n".encode("latin-1"))
        return ["packet", "-w", "ws", "--out", "out"]

    def logo_outside(sandbox: Path) -> list[str]:
        put(sandbox / "outside.png", b"\x89PNG\r\n\x1a\n test data")
        settings = (sandbox / "ws" / "rmfkit.yaml")
        settings.write_text(settings.read_text("utf-8") + "branding:\n  logo: ../outside.png\n", encoding="utf-8")
        return ["packet", "-w", "ws", "--out", "out"]

    def bad_signing_key(sandbox: Path) -> list[str]:
        return ["packet", "-w", "ws", "--out", "out", "--sign", str(put(sandbox / "inputs" / "key.pem", b"nope"))]

    return [
        Case("generated/templates/symlink-to-secret", symlinked, 2, "outside the templates/ folder", "templates/"),
        Case("generated/templates/latin-1", latin1, 2, "codec can't decode", "templates/packet.html.j2"),
        # packet validates first: a logo outside the workspace is a validation problem (exit 3), never read
        Case("generated/packet/logo-outside-workspace", logo_outside, 3, "path leaves the workspace", "../outside.png"),
        Case("generated/packet/signing-key-garbage", bad_signing_key, 2, "not an unencrypted PEM private key",
             "key.pem"),
    ]


def archive_cases() -> list[Case]:
    """Issue 21 items 2, 6 and 12: archives that unzip differently from what zipfile reads, or unsafely."""
    import struct

    def sealed_zip(change: Callable[[bytes], bytes]) -> Callable[[Path], list[str]]:
        def setup(sandbox: Path) -> list[str]:
            whole = (sealed_packet(sandbox / "packet") / "bundle.zip").read_bytes()
            shutil.rmtree(sandbox / "packet")
            put(sandbox / "given" / "bundle.zip", change(whole))
            return ["verify", "given/bundle.zip"]
        return setup

    def hidden_entry(data: bytes) -> bytes:
        cd_offset = struct.unpack("<I", data[-6:-2])[0]
        forged = b"<p>forged</p>\n"
        local = struct.pack("<4sHHHHHIIIHH", b"PK\x03\x04", 20, 0, 0, 0, 0, zipfile.crc32(forged), len(forged),
                            len(forged), 11, 0) + b"packet.html" + forged
        return data[:cd_offset] + local + data[cd_offset:-6] + struct.pack("<I", cd_offset + len(local)) + data[-2:]

    def moded(mode: int) -> Callable[[Path], list[str]]:
        def setup(sandbox: Path) -> list[str]:
            note = b"test data\n"
            buffer = io.BytesIO()
            with zipfile.ZipFile(buffer, "w") as archive:
                archive.writestr(MANIFEST, manifest_of({"note.txt": note}))
                info = zipfile.ZipInfo("note.txt", (2026, 11, 29, 0, 0, 0))
                info.create_system, info.external_attr = 3, mode << 16
                archive.writestr(info, note)
            put(sandbox / "given" / "bundle.zip", buffer.getvalue())
            return ["verify", "given/bundle.zip"]
        return setup

    def bomb(sandbox: Path) -> list[str]:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr(MANIFEST, canonical_json({"format": "rmfkit-manifest/1", "generated_at": "2026-11-29",
                                                       "files": [{"path": "zeros.bin", "sha256": "0" * 64,
                                                                  "size": 3 * 1024 ** 3}]}))
            archive.writestr("zeros.bin", b"\0" * (8 * 1024 * 1024))
        put(sandbox / "given" / "bundle.zip", buffer.getvalue())
        return ["verify", "given/bundle.zip"]

    def flipped(data: bytes) -> bytes:
        return data[:120] + bytes([data[120] ^ 0xFF]) + data[121:]

    return [
        Case("generated/archive/hidden-local-entry", sealed_zip(hidden_entry), 4, "hidden extra entry", "bundle.zip"),
        Case("generated/archive/prepended-script", sealed_zip(lambda d: b"#!/bin/sh\nexit 0\n" + d), 4,
             "not a valid zip", "bundle.zip"),
        Case("generated/archive/appended-bytes", sealed_zip(lambda d: d + b"trailing"), 4, "not a valid zip",
             "bundle.zip"),
        Case("generated/archive/comment", sealed_zip(lambda d: d[:-2] + b"\x02\x00hi"), 4, "not a valid zip",
             "bundle.zip"),
        Case("generated/archive/flipped-byte", sealed_zip(flipped), 4, "", "bundle.zip"),
        Case("generated/archive/symlink-entry", moded(0o120777), 4, "symbolic link", "note.txt"),
        Case("generated/archive/executable-entry", moded(0o100755), 4, "executable", "note.txt"),
        Case("generated/archive/setuid-entry", moded(0o104644), 4, "setuid", "note.txt"),
        Case("generated/archive/device-entry", moded(0o060644), 4, "special file", "note.txt"),
        Case("generated/archive/declared-3-gib", bomb, 4, "size 8,388,608 bytes", "zeros.bin"),
    ]


def sealing_cases() -> list[Case]:
    """Issue 15 item 6 and issue 21 item 12: a sealed folder missing what its manifest says it has."""
    def in_packet(change: Callable[[Path], None], *, signed: bool = False) -> Callable[[Path], list[str]]:
        def setup(sandbox: Path) -> list[str]:
            folder = sealed_packet(sandbox / "packet", signed=signed)
            manifest = json.loads((folder / MANIFEST).read_bytes())
            manifest.update(signed=signed, zip=True)  # as rmfkit.seal.seal records it
            (folder / MANIFEST).write_bytes(canonical_json(manifest))
            key = None
            if signed:
                from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

                key = Ed25519PrivateKey.generate()
                (folder / SIGNATURE).write_bytes(key.sign((folder / MANIFEST).read_bytes()))
            write_zip(folder, [*[p.relative_to(folder).as_posix() for p in folder.rglob("*")
                                 if p.is_file() and p.name != "bundle.zip"]], (2026, 11, 29, 0, 0, 0))
            change(folder)
            return ["verify", "packet"]
        return setup

    def fifo(folder: Path) -> None:
        (folder / "bundle.zip").unlink()
        os.mkfifo(folder / "bundle.zip")

    def directory(folder: Path) -> None:
        (folder / "bundle.zip").unlink()
        (folder / "bundle.zip").mkdir()

    def listed_fifo(folder: Path) -> None:
        (folder / "packet.html").unlink()
        os.mkfifo(folder / "packet.html")

    return [
        Case("generated/sealing/bundle-zip-deleted", in_packet(lambda f: (f / "bundle.zip").unlink()), 4, "missing",
             "bundle.zip"),
        Case("generated/sealing/bundle-zip-fifo", in_packet(fifo), 4, "not a regular file", "bundle.zip"),
        Case("generated/sealing/bundle-zip-folder", in_packet(directory), 4, "is a folder", "bundle.zip"),
        Case("generated/sealing/listed-file-fifo", in_packet(listed_fifo), 4, "not a regular file", "packet.html"),
        Case("generated/sealing/signature-removed", in_packet(lambda f: (f / SIGNATURE).unlink(), signed=True), 4,
             "signature was removed", "manifest.json.sig"),
        Case("generated/sealing/signature-added", in_packet(lambda f: (f / SIGNATURE).write_bytes(b"x" * 64)), 4,
             "records an unsigned packet", "manifest.json.sig"),
    ]


def history_cases() -> list[Case]:
    """Issue 21 items 11 and 13: labels outside the cadence's scheme, evidence folders an import left behind."""
    def label(text: str) -> Callable[[Path], list[str]]:
        return lambda sandbox: ["review", "snapshot", "--label", text, "-w", "ws"]

    def orphan(name: str) -> Callable[[Path], list[str]]:
        def setup(sandbox: Path) -> list[str]:
            put(sandbox / "ws" / "evidence" / name / "artefact.bin", b"test data")
            return ["validate", "-w", "ws"]
        return setup

    cases = [Case(f"generated/label/{name}", label(text), 2, "is not a quarterly snapshot label", "--label")
             for name, text in (("trailing-newline", "2026-Q4\n"), ("quarter-5", "2026-Q5"), ("upper-live", "LIVE"),
                                ("month-for-quarterly", "2026-11"), ("path", "../2026-Q4"), ("carriage-return", "q1\r"))]
    cases += [Case(f"generated/orphan/{name}", orphan(name), 3, "holds no evidence.yaml", f"evidence/{name}/")
              for name in ("half-imported", "artefact-only", "eval-2026-12")]
    return cases


CASES = [*committed_cases(), *workspace_cases(), *importer_cases(), *verify_cases(), *template_cases(),
         *archive_cases(), *sealing_cases(), *history_cases()]


# ---------------------------------------------------------------- the one test

def tree_state(root: Path) -> dict[str, str]:
    """Every path under ``root`` with its kind and content hash (links by target, not followed)."""
    state = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if rel in IGNORED:
            continue
        if path.is_symlink():
            state[rel] = f"link -> {os.readlink(path)}"
        elif path.is_file():
            state[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
        elif path.is_dir():
            state[rel] = "dir"
        else:
            state[rel] = "special"
    return state


def test_corpus_size():
    """The issue asks for at least 150 cases across all input kinds."""
    assert len(CASES) >= 150
    assert len({c.id for c in CASES}) == len(CASES)
    listed = {line.split("\t")[0] for line in (CORPUS / "expected.tsv").read_text("utf-8").splitlines()
              if line.strip() and not line.startswith("#")}
    on_disk = {p.relative_to(CORPUS).as_posix() for p in CORPUS.rglob("*")
               if p.is_file() and p.parts[len(CORPUS.parts)] not in ("base",) and p.name != "expected.tsv"}
    assert listed == on_disk, "every corpus file has an expectation and every expectation a file"


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_hostile_input(case: Case, tmp_path: Path, run_cli, monkeypatch):
    sandbox = tmp_path / "sandbox"
    shutil.copytree(BASE, sandbox / "ws")
    monkeypatch.chdir(sandbox)
    for name, value in case.env.items():
        monkeypatch.setenv(name, value)
    args = case.setup(sandbox)
    before = tree_state(sandbox)
    code, out, err = run_cli(*args)
    after = tree_state(sandbox)
    assert "Traceback" not in out + err
    assert code == case.exit, f"exit {code}, expected {case.exit}: {err or out}"
    lines = err.strip().splitlines()
    if case.exit == 2:
        assert len(lines) == 1 and lines[0].startswith("error: "), err
        assert case.names in lines[0] and case.words in lines[0], lines[0]
    elif case.exit == 3:
        assert re.search(r"\d+ problems? found$", lines[-1])
        assert any(case.names in line and case.words in line for line in lines[:-1]), err
    else:
        assert lines[-1].startswith("error: ") and re.search(r"\d+ integrity problems? found", lines[-1]), err
        assert any(line.startswith("FAIL ") and case.names in line and case.words in line for line in lines), err
    assert after == before, "the command changed files: " + ", ".join(
        sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k)))
