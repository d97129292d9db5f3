"""``rmfkit verify``: every altered, missing or added file and every bad or missing signature gives
exit 4 naming the problem; an untouched packet (folder or bundle.zip) gives 0."""
from __future__ import annotations

import io
import shutil
import zipfile
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.conftest import EXAMPLE


@pytest.fixture(scope="module")
def sealed(tmp_path_factory):
    """A signed packet of the example workspace and its key folder (built once)."""
    from rmfkit.packet import build_packet
    from rmfkit.seal import generate_keys
    from rmfkit.workspace import Workspace

    base = tmp_path_factory.mktemp("verify")
    shutil.copytree(EXAMPLE, base / "ws", ignore=shutil.ignore_patterns("build", ".rmfkit.lock"))
    keys = base / "keys"
    generate_keys(keys)
    result = build_packet(Workspace.open(base / "ws"), base / "packet", sign_key=keys / "packet-signing-key.pem")
    return result.out, keys


@pytest.fixture
def packet(sealed, tmp_path) -> Path:
    """A fresh copy of the sealed packet to tamper with."""
    target = tmp_path / "packet"
    shutil.copytree(sealed[0], target)
    return target


@pytest.fixture
def pub(sealed) -> Path:
    return sealed[1] / "packet-signing-key.pub.pem"


def _flip(path: Path, offset: int | None = None) -> None:
    data = bytearray(path.read_bytes())
    where = len(data) // 2 if offset is None else offset
    data[where] ^= 0x01
    path.write_bytes(bytes(data))


def _evidence_file(packet: Path) -> str:
    return next(p.relative_to(packet).as_posix() for p in sorted((packet / "evidence").rglob("*")) if p.is_file())


def test_untouched_packet_and_zip_verify(packet, pub, run_cli):
    code, out, err = run_cli("verify", packet, "--key", pub)
    assert (code, err) == (0, "")
    assert "signature valid" in out
    code, out, _ = run_cli("verify", packet / "bundle.zip", "--key", pub)
    assert code == 0 and "signature valid" in out


@pytest.mark.parametrize("name", ["packet.pdf", "bundle.json", "packet.html", "oscal-assessment-results.json",
                                  "charts/coverage.svg", "evidence"])
def test_flipped_byte_is_reported_as_altered(packet, pub, run_cli, name):
    name = _evidence_file(packet) if name == "evidence" else name
    _flip(packet / name)
    code, _, err = run_cli("verify", packet, "--key", pub)
    assert code == 4
    assert f"FAIL altered: {name} (SHA-256 differs from the manifest)" in err


def test_removed_file_is_reported_missing(packet, pub, run_cli):
    name = _evidence_file(packet)
    (packet / name).unlink()
    code, _, err = run_cli("verify", packet, "--key", pub)
    assert code == 4 and f"FAIL missing: {name}" in err


def test_added_file_is_reported_unexpected(packet, pub, run_cli):
    (packet / "evidence" / "smuggled.txt").write_text("not in the manifest", encoding="utf-8")
    code, _, err = run_cli("verify", packet, "--key", pub)
    assert code == 4 and "FAIL unexpected: evidence/smuggled.txt (not listed in the manifest)" in err


def test_changed_signature_is_bad(packet, pub, run_cli):
    _flip(packet / "manifest.json.sig", 0)
    code, _, err = run_cli("verify", packet, "--key", pub)
    assert code == 4 and "FAIL bad signature: manifest.json.sig does not match manifest.json for this key" in err


def test_manifest_rewritten_to_hide_a_change_breaks_the_signature(packet, pub, run_cli):
    import hashlib
    import json

    _flip(packet / "bundle.json")
    manifest = json.loads((packet / "manifest.json").read_text("utf-8"))
    for entry in manifest["files"]:
        if entry["path"] == "bundle.json":
            entry["sha256"] = hashlib.sha256((packet / "bundle.json").read_bytes()).hexdigest()
    (packet / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    code, _, err = run_cli("verify", packet, "--key", pub)
    assert code == 4
    assert "FAIL bad signature" in err
    assert "FAIL inconsistent: bundle.zip holds a different manifest.json than the folder" in err


def test_missing_signature_with_a_key_fails(packet, pub, run_cli):
    (packet / "manifest.json.sig").unlink()
    code, _, err = run_cli("verify", packet, "--key", pub)
    assert code == 4 and "FAIL missing: manifest.json.sig" in err


def test_other_key_is_a_bad_signature(packet, tmp_path, run_cli):
    from rmfkit.seal import generate_keys

    _, other = generate_keys(tmp_path / "other")
    code, _, err = run_cli("verify", packet, "--key", other)
    assert code == 4 and "bad signature" in err


def test_without_key_hashes_are_still_checked(packet, run_cli):
    code, out, _ = run_cli("verify", packet)
    assert code == 0 and "signed, but the signature was NOT checked (no --key given)" in out
    _flip(packet / "packet.pdf")
    code, _, err = run_cli("verify", packet)
    assert code == 4 and "FAIL altered: packet.pdf" in err


def test_altered_zip_entry_is_reported(packet, pub, run_cli):
    original = packet / "bundle.zip"
    rebuilt = io.BytesIO()
    with zipfile.ZipFile(original) as src, zipfile.ZipFile(rebuilt, "w") as dst:
        for info in src.infolist():
            payload = src.read(info.filename)
            if info.filename == "bundle.json":
                payload = payload.replace(b"support-assistant", b"support-assistanT", 1)
            dst.writestr(info, payload)
    original.write_bytes(rebuilt.getvalue())
    code, _, err = run_cli("verify", original, "--key", pub)
    assert code == 4 and "FAIL altered: bundle.json" in err
    code, _, err = run_cli("verify", packet, "--key", pub)
    assert code == 4 and "FAIL altered: bundle.zip:bundle.json" in err


def test_zip_entry_pointing_outside_is_reported(packet, pub, run_cli):
    original = packet / "bundle.zip"
    with zipfile.ZipFile(original, "a") as archive:
        archive.writestr("../../escape.txt", b"x")
    code, _, err = run_cli("verify", original, "--key", pub)
    assert code == 4 and "FAIL unsafe: '../../escape.txt' would point outside the bundle" in err
    assert not (packet.parent.parent / "escape.txt").exists()


def test_verify_json_lists_failures(packet, pub, run_cli):
    import json

    (packet / "bundle-manifest.json").unlink()
    code, out, _ = run_cli("verify", packet, "--key", pub, "--json")
    report = json.loads(out)
    assert code == 4 and report["ok"] is False
    assert "missing: bundle-manifest.json" in report["failures"]


def test_not_a_packet(tmp_path, run_cli):
    code, _, err = run_cli("verify", tmp_path)
    assert code == 2 and err.startswith(f"error: {tmp_path}: is not a packet folder (it holds none of manifest.json")
    (tmp_path / "junk.zip").write_bytes(b"not a zip")
    code, _, err = run_cli("verify", tmp_path / "junk.zip")
    assert code == 4 and "is not a valid zip" in err


def test_keys_are_never_overwritten_and_private_key_is_private(tmp_path, run_cli):
    code, _, _ = run_cli("keys", "generate", "--out", tmp_path / "k")
    assert code == 0
    assert (tmp_path / "k" / "packet-signing-key.pem").stat().st_mode & 0o777 == 0o600
    before = (tmp_path / "k" / "packet-signing-key.pem").read_bytes()
    code, _, err = run_cli("keys", "generate", "--out", tmp_path / "k")
    assert code == 2 and "already exists" in err
    assert (tmp_path / "k" / "packet-signing-key.pem").read_bytes() == before


def test_signing_with_a_bad_key_file_is_a_usage_error(tmp_path, run_cli):
    (tmp_path / "key.pem").write_text("not a key", encoding="utf-8")
    code, out, err = run_cli("packet", "-w", EXAMPLE, "--out", tmp_path / "out", "--sign", tmp_path / "key.pem")
    assert code == 2 and "not an unencrypted PEM private key" in err
    assert out == "" and err.startswith("error: ")  # no blank line left by the progress bar before the error
    assert not (tmp_path / "out").exists()


@given(st.text(max_size=40))
def test_safe_entry_names_never_leave_the_bundle(name):
    import posixpath

    from rmfkit.errors import IntegrityError
    from rmfkit.seal import safe_entry_name

    try:
        accepted = safe_entry_name(name)
    except IntegrityError:
        return
    resolved = posixpath.normpath(posixpath.join("/bundle", accepted))
    assert resolved.startswith("/bundle/") and "\\" not in accepted and "\x00" not in accepted


def test_bundle_rezipped_with_zip_r_verifies_clean(packet, pub, run_cli, tmp_path):
    """`zip -r` records every folder (charts/, evidence/<id>/) as an entry of its own: not a problem."""
    import subprocess

    folder = tmp_path / "unzipped"
    with zipfile.ZipFile(packet / "bundle.zip") as archive:
        archive.extractall(folder)
    rezipped = tmp_path / "rezipped.zip"
    subprocess.run(["zip", "-q", "-r", str(rezipped), "."], cwd=folder, check=True)
    with zipfile.ZipFile(rezipped) as archive:
        folders = sorted(n for n in archive.namelist() if n.endswith("/"))
    assert "charts/" in folders and "evidence/" in folders and "evidence/lic-vllm/" in folders
    code, out, err = run_cli("verify", rezipped, "--key", pub)
    assert (code, err) == (0, "") and out.startswith(f"OK {rezipped}: ") and "signature valid" in out


@pytest.mark.parametrize("entry", ["../charts/", "/abs/", "C:/drive/", "evil\\folder/", "charts//"])
def test_unsafe_folder_entries_are_still_reported(packet, pub, run_cli, tmp_path, entry):
    copy = tmp_path / "bundle.zip"
    shutil.copyfile(packet / "bundle.zip", copy)
    with zipfile.ZipFile(copy, "a") as archive:
        archive.writestr(zipfile.ZipInfo(entry), b"")
    code, _, err = run_cli("verify", copy, "--key", pub)
    assert code == 4 and f"FAIL unsafe: {entry!r} would point outside the bundle" in err


def test_missing_path_is_a_usage_error(tmp_path, run_cli):
    code, out, err = run_cli("verify", tmp_path / "no-such-packet")
    assert (code, out) == (2, "")
    assert err.splitlines()[0].startswith(f"error: {tmp_path / 'no-such-packet'}: not found")


def test_packet_with_its_manifest_deleted_is_damaged_not_a_usage_error(packet, run_cli):
    (packet / "manifest.json").unlink()
    code, _, err = run_cli("verify", packet)
    assert code == 4 and "FAIL missing: manifest.json" in err


def test_corrupted_signature_without_key_is_reported_as_not_checked(packet, run_cli):
    """Decision: without --key the hashes are checked and exit 0, but a signed packet is never called
    verified; the line says the signature was NOT checked. A flipped byte in a 64-byte Ed25519
    signature can only be detected with the key (exit 4 then, see test_changed_signature_is_bad)."""
    import json

    _flip(packet / "manifest.json.sig", 0)
    code, out, err = run_cli("verify", packet)
    assert (code, err) == (0, "")
    files = len(json.loads((packet / "manifest.json").read_text("utf-8"))["files"])
    # every listed file is checked twice: in the folder and inside bundle.zip
    assert out.strip() == (f"OK {packet}: {files} files and the {files} entries of bundle.zip match the manifest; "
                           "signed, but the signature was "
                           "NOT checked (no --key given): the files match manifest.json, which shows no one has "
                           "changed them since it was written, not who wrote it; check the signature with --key "
                           "PUBLIC_KEY.pem")


@pytest.mark.parametrize("size", [0, 63, 65, 4096])
def test_structurally_invalid_signature_fails_even_without_a_key(packet, run_cli, size):
    (packet / "manifest.json.sig").write_bytes(b"\x01" * size)
    code, _, err = run_cli("verify", packet)
    assert code == 4
    assert f"FAIL bad signature: manifest.json.sig is {size} bytes, not an Ed25519 signature (64 bytes)" in err


def test_valid_signature_names_the_key_fingerprint(packet, pub, run_cli):
    import json

    from rmfkit.seal import key_fingerprint, load_public_key

    fingerprint = key_fingerprint(load_public_key(pub))
    code, out, _ = run_cli("verify", packet, "--key", pub)
    assert code == 0 and out.rstrip().endswith(f"signature valid (signed by the key with SHA-256 {fingerprint})")
    bundle = json.loads((packet / "bundle.json").read_text("utf-8"))
    assert bundle["signer_key_sha256"] == fingerprint
    code, out, _ = run_cli("verify", packet, "--key", pub, "--json")
    assert json.loads(out)["key_sha256"] == fingerprint


def test_private_key_given_as_public_key_is_one_clear_line(packet, sealed, run_cli):
    code, out, err = run_cli("verify", packet, "--key", sealed[1] / "packet-signing-key.pem")
    assert (code, out) == (2, "")
    assert err.splitlines()[0] == (f"error: {sealed[1] / 'packet-signing-key.pem'}: not a PEM public key: it is a "
                                   "private key (give the public key (packet-signing-key.pub.pem from `rmfkit keys "
                                   "generate`); the private key stays with the signer)")
    code, _, err = run_cli("verify", packet, "--key", packet / "manifest.json.sig")
    assert code == 2 and "no public key could be read from it" in err and "deserialize" not in err


def test_unsigned_snapshot_says_not_signed(run_cli):
    code, out, _ = run_cli("verify", EXAMPLE / "reviews" / "2026-Q3")
    assert code == 0 and out.rstrip().endswith(
        "not signed (no manifest.json.sig): the files match manifest.json, but nothing shows who sealed it")
    assert "signature unsigned" not in out


def test_notebook_verify_card_uses_the_words_verify_prints(packet, pub):
    """The notebook card says what ``rmfkit verify`` says about the signature; only a checked valid
    signature turns it green."""
    from rmfkit.notebook import verify_report
    from rmfkit.seal import key_fingerprint, load_public_key
    from rmfkit.integrity import verify

    not_checked, valid = verify(packet), verify(packet, key=pub)
    unsigned = verify(EXAMPLE / "reviews" / "2026-Q3")
    fingerprint = key_fingerprint(load_public_key(pub))
    cards = {name: verify_report(report) for name, report in
             (("not checked", not_checked), ("valid", valid), ("unsigned", unsigned))}
    assert cards["not checked"].text.splitlines()[:2] == [
        f"Verified: {not_checked.checked} hashes match",
        "- signed, but the signature was NOT checked (no --key given): the files match manifest.json, which shows "
        "no one has changed them since it was written, not who wrote it; check the signature with --key "
        "PUBLIC_KEY.pem"]
    assert cards["valid"].text.splitlines()[1] == f"- signature valid (signed by the key with SHA-256 {fingerprint})"
    assert cards["unsigned"].text.splitlines()[1] == ("- not signed (no manifest.json.sig): the files match "
                                                      "manifest.json, but nothing shows who sealed it")
    assert [name for name, card in cards.items() if "callout tone-good" in card.markup] == ["valid"]
    assert all("signature unsigned" not in card.markup and "signature not checked" not in card.markup
               for card in cards.values())


@pytest.mark.parametrize("name", [".", "./", "a/./b", "a//b", "a/", "..", "evidence/../x"])
def test_dot_and_empty_path_segments_are_unsafe(name):
    from rmfkit.errors import IntegrityError
    from rmfkit.seal import safe_entry_name

    with pytest.raises(IntegrityError, match="must stay inside the bundle"):
        safe_entry_name(name)
