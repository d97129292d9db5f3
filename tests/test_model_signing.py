"""Model signatures (OpenSSF model-signing): a folder signed with a test key verifies through
``rmfkit ops verify-artifact``; each case of the tamper set exits 4 naming the cause."""
from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from rmfkit.signatures import sign_model, verify_model_signature
from rmfkit.workspace import Workspace

COMPONENT = "llama-3.1-8b-instruct"


def key_pair(folder: Path, name: str) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    private, public = folder / f"{name}.pem", folder / f"{name}.pub"
    private.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                          serialization.NoEncryption()))
    public.write_bytes(key.public_key().public_bytes(serialization.Encoding.PEM,
                                                     serialization.PublicFormat.SubjectPublicKeyInfo))
    return private, public


@pytest.fixture
def signed(tmp_path):
    model = tmp_path / "model"
    model.mkdir()
    (model / "config.json").write_text('{"model_type": "llama"}')
    (model / "model.safetensors").write_bytes(b"\x08" + bytes(7) + b"{}      " + bytes(64))
    private, public = key_pair(tmp_path, "publisher")
    sign_model(model, private)
    return model, public, key_pair(tmp_path, "someone-else")[1]


def corrupt_signature(model: Path) -> None:
    bundle = json.loads((model / "model.sig").read_text())
    bundle["dsseEnvelope"]["signatures"][0]["sig"] = base64.b64encode(bytes(70)).decode()
    (model / "model.sig").write_text(json.dumps(bundle))


TAMPER = {
    "changed file": lambda m: (m / "config.json").write_text('{"model_type": "evil"}'),
    "added file": lambda m: (m / "extra.bin").write_bytes(b"\x80\x04N."),
    "removed file": lambda m: (m / "config.json").unlink(),
    "corrupted signature": corrupt_signature,
    "truncated signature": lambda m: (m / "model.sig").write_text((m / "model.sig").read_text()[:40]),
}


def test_a_signed_model_verifies_and_names_its_signer(signed):
    model, public, _ = signed
    check = verify_model_signature(model, public_key=public)
    assert check.ok and check.method == "key" and check.signer.startswith("public key sha256:")


@pytest.mark.parametrize("case", sorted(TAMPER))
def test_each_tampering_is_named(signed, case):
    model, public, _ = signed
    TAMPER[case](model)
    check = verify_model_signature(model, public_key=public)
    expected = "corrupted signature" if case == "truncated signature" else case
    assert not check.ok and check.cause == expected


def test_a_signature_by_another_key_is_named(signed):
    model, _, other = signed
    assert verify_model_signature(model, public_key=other).cause == "signed by another key"


@pytest.fixture
def ws_with_model(example_ws, signed):
    """The example, its Llama build digest set to the signed folder's (no checksums in operations.yaml)."""
    model, public, other = signed
    from rmfkit import artifacts

    digest = artifacts.verify_artifact(None, model, ignore=["model.sig"]).digest
    system = example_ws / "system.yaml"
    system.write_text(system.read_text().replace(
        "f72074ac558567ffe941f33bd0c93ec6728d4b7c02f7238dc71c7da2cf67f388", digest, 1))
    ops = example_ws / "operations.yaml"
    text = ops.read_text()
    start = text.index("  - component: llama-3.1-8b-instruct")
    ops.write_text(text[:start] + text[text.index("  - component: bge-small-en"):])
    return example_ws, model, public, other


def test_cli_verifies_a_signed_model_and_records_the_signer_as_evidence(ws_with_model, run_cli):
    ws, model, public, _ = ws_with_model
    code, out, err = run_cli("ops", "verify-artifact", COMPONENT, str(model), "--public-key", str(public),
                             "-w", str(ws), "--no-progress")
    assert code == 0, err
    assert f"{COMPONENT}: signature verifies (key; signer public key sha256:" in out
    record = next(r for r in Workspace.open(ws).evidence.values() if r.kind == "artifact-check")
    assert record.facts["signature"]["ok"] and record.facts["signature"]["signer"].startswith("public key sha256:")
    assert record.build.digest == record.facts["digest"]


@pytest.mark.parametrize("case, cause", [("changed file", "changed file"), ("added file", "added file"),
                                         ("removed file", "removed file"), ("other key", "signed by another key"),
                                         ("corrupted signature", "corrupted signature")])
def test_cli_exits_4_naming_the_cause_for_each_case_of_the_tamper_set(ws_with_model, run_cli, case, cause):
    ws, model, public, other = ws_with_model
    if case != "other key":
        TAMPER[case](model)
    key = other if case == "other key" else public
    code, out, err = run_cli("ops", "verify-artifact", COMPONENT, str(model), "--public-key", str(key),
                             "-w", str(ws), "--no-progress")
    assert code == 4
    assert f"signature does not verify: {cause}" in err and "Traceback" not in err


def test_a_model_signature_without_a_trusted_key_is_one_clear_line(ws_with_model, run_cli):
    ws, model, _, _ = ws_with_model
    code, _, err = run_cli("ops", "verify-artifact", COMPONENT, str(model), "-w", str(ws), "--no-progress")
    assert code == 2 and "model.sig is a model signature; say whom to trust" in err
