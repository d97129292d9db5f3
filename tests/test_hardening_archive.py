"""Issue 21 items 2, 6 and 12, issue 15 item 6: the one safe archive reader and the sealed folder's own record
of how it was sealed. Each test builds the attack the outside review used and asserts what `rmfkit verify`
prints (exit 4, a FAIL line naming the file), never a crash."""
from __future__ import annotations

import os
import struct
import zipfile
from pathlib import Path

import pytest

from rmfkit.seal import MANIFEST, SIGNATURE, ZIP_NAME, generate_keys, load_private_key, seal

FILES = {"packet.pdf": b"%PDF-1.7 test data\n" * 50, "packet.html": b"<p>test data</p>\n",
         "evidence/e1/result.json": b'{"acc": 0.9}\n'}


@pytest.fixture
def keys(tmp_path: Path) -> tuple[Path, Path]:
    return generate_keys(tmp_path / "keys")


@pytest.fixture
def packet(tmp_path: Path, keys) -> Path:
    return seal(tmp_path / "packet", FILES, load_private_key(keys[0]), generated_at="2026-12-01T00:00:00Z").out


def fails(run_cli, *args: str, words: str) -> str:
    code, out, err = run_cli("verify", *map(str, args))
    assert code == 4, (code, out, err)
    assert "Traceback" not in err
    assert any(line.startswith("FAIL ") and words in line for line in err.splitlines()), err
    return err


def test_signed_packet_verifies(packet, keys, run_cli):
    code, out, _ = run_cli("verify", str(packet), "--key", str(keys[1]))
    assert code == 0 and "signature valid" in out


def test_extra_local_entry_before_central_directory(packet, keys, run_cli):
    """Item 2: a forged packet.pdf hidden between the last entry and the central directory (what `jar x`
    extracts) is refused, though zipfile's central directory still lists the genuine files."""
    data = (packet / ZIP_NAME).read_bytes()
    eocd = data[-22:]
    cd_size, cd_offset = struct.unpack("<II", eocd[12:20])
    forged = b"%PDF forged\n"
    local = struct.pack("<4sHHHHHIIIHH", b"PK\x03\x04", 20, 0, 0, 0, 0,
                        zipfile.crc32(forged), len(forged), len(forged), 10, 0)
    extra = local + b"packet.pdf" + forged
    moved = eocd[:16] + struct.pack("<I", cd_offset + len(extra)) + eocd[20:]
    (packet / ZIP_NAME).write_bytes(data[:cd_offset] + extra + data[cd_offset:-22] + moved)
    with zipfile.ZipFile(packet / ZIP_NAME) as archive:  # the attack works on zipfile's view
        assert archive.read("packet.pdf") == FILES["packet.pdf"]
    fails(run_cli, packet, "--key", keys[1], words="hidden extra entry")


def test_prepended_script(packet, run_cli):
    data = (packet / ZIP_NAME).read_bytes()
    (packet / ZIP_NAME).write_bytes(b"#!/bin/sh\necho pwned\nexit 0\n" + data)
    fails(run_cli, packet / ZIP_NAME, words="not a valid zip")


@pytest.mark.parametrize("mode, words", [(0o120777, "symbolic link"), (0o100755, "executable"),
                                         (0o104644, "setuid"), (0o020644, "special file")])
def test_special_modes_refused(tmp_path, run_cli, mode, words):
    """Item 12: a symlink entry (unzip would create a link to ../../etc/passwd), exec and setuid bits, devices."""
    manifest = (b'{"files": [{"path": "a.txt", "sha256": "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20'
                b'015ad", "size": 3}], "format": "rmfkit-manifest/1", "generated_at": "2026-12-01T00:00:00Z"}\n')
    path = tmp_path / ZIP_NAME
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(MANIFEST, manifest)
        info = zipfile.ZipInfo("a.txt")
        info.create_system, info.external_attr = 3, mode << 16
        archive.writestr(info, b"abc")
    fails(run_cli, path, words=words)


def test_flipped_byte_is_exit_4(packet, run_cli):
    """Issue 15.6: a byte flipped early in bundle.zip was exit 1 'Error -3 while decompressing'."""
    data = bytearray((packet / ZIP_NAME).read_bytes())
    data[200] ^= 0xFF
    (packet / ZIP_NAME).write_bytes(bytes(data))
    fails(run_cli, packet, words="bundle.zip")


@pytest.mark.parametrize("replace", ["delete", "fifo", "folder"])
def test_bundle_zip_gone_or_replaced(packet, run_cli, replace):
    """Issue 15.6 and item 12: a deleted bundle.zip, or one replaced by a FIFO or a folder, is exit 4."""
    (packet / ZIP_NAME).unlink()
    if replace == "fifo":
        os.mkfifo(packet / ZIP_NAME)
    elif replace == "folder":
        (packet / ZIP_NAME).mkdir()
    fails(run_cli, packet, words="bundle.zip")


def test_listed_file_replaced_by_fifo(packet, run_cli):
    (packet / "packet.html").unlink()
    os.mkfifo(packet / "packet.html")
    fails(run_cli, packet, words="packet.html")


def test_removed_signature_detected_without_key(packet, run_cli):
    """Issue 15.6: deleting manifest.json.sig was exit 0 'not signed' (a silent downgrade)."""
    (packet / SIGNATURE).unlink()
    fails(run_cli, packet, words="signature was removed")


def test_require_signature(tmp_path, keys, run_cli):
    unsigned = seal(tmp_path / "unsigned", FILES, generated_at="2026-12-01T00:00:00Z").out
    assert run_cli("verify", str(unsigned))[0] == 0
    fails(run_cli, unsigned, "--require-signature", "--key", keys[1], words="not signed")
    code, _, err = run_cli("verify", str(unsigned), "--require-signature")
    assert code == 2 and "--key" in err


def test_zip_bomb_is_refused_in_constant_memory(tmp_path, run_cli):
    """Item 6: an entry declaring 3 GiB (listed so in the manifest) is refused by its declared size before any
    byte is inflated; a lying small declaration stops at the declared size."""
    import resource

    path = tmp_path / ZIP_NAME
    bomb = b"\0" * (64 * 1024 * 1024)
    manifest = (b'{"files": [{"path": "a.bin", "sha256": "' + b"0" * 64 + b'", "size": 3221225472}], '
                b'"format": "rmfkit-manifest/1", "generated_at": "2026-12-01T00:00:00Z"}\n')
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(MANIFEST, manifest)
        archive.writestr("a.bin", bomb)
    del bomb
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    fails(run_cli, path, words="a.bin")
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 64 * 1024  # KiB: under 64 MiB more


def test_sparse_file_in_folder_is_size_checked_first(packet, run_cli):
    with open(packet / "packet.html", "r+b") as handle:
        handle.truncate(3 * 1024 ** 3)
    fails(run_cli, packet, words="size 3,221,225,472 bytes")
