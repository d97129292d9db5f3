"""OpenSSF model signatures: verify a model folder against its ``model.sig`` (the ``model-signing``
package's Sigstore-bundle format) and name what is wrong when it does not verify.

Three ways to trust a signer, all offline: a public key (``--public-key``, elliptic-curve PEM), a
certificate chain (``--certificate-chain``, repeatable: the signing certificate must chain to it), or a
Sigstore bundle checked against an identity, its OIDC issuer and a trust root the team provides
(``--trust-config``, a Sigstore ClientTrustConfig JSON; without it model-signing fetches the public-good
trust root, so rmfkit requires it). The library re-hashes every file and compares the signed manifest;
rmfkit turns its messages into one cause: ``changed file``, ``added file``, ``removed file``,
``signed by another key``, ``corrupted signature`` or ``no signature``.

>>> classify("Signature mismatch: [\\"Missing files in model 'm': config.json\\"]")
('removed file', 'config.json')
"""
from __future__ import annotations

import base64
import json
import re
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Iterable

SIGNATURE_NAME = "model.sig"
_FILES = re.compile(r"(Extra|Missing) files (?:found )?in model \\?'[^']*\\?': ([^\"'\]\\]+)")
_CHANGED = re.compile(r"Hash mismatch for \\?'([^'\\]+)\\?'")  # inside a list's repr the quotes may be escaped


@dataclass(frozen=True)
class SignatureCheck:
    """Result of :func:`verify_model_signature`: ``ok``, the method, who signed, and the cause when not ok."""

    ok: bool
    method: str  # key | certificate | sigstore
    signature: str
    signer: str | None
    cause: str | None = None
    detail: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def describe(self) -> str:
        if self.ok:
            return f"signature verifies ({self.method}; signer {self.signer})"
        return f"signature does not verify: {self.cause}" + (f" ({self.detail})" if self.detail else "")


def classify(message: str) -> tuple[str, str | None]:
    """The cause of a failed verification, from model-signing's message: (cause, files or detail)."""
    changed = _CHANGED.findall(message)
    if changed:
        return "changed file", ", ".join(changed)
    for kind, files in _FILES.findall(message):
        names = [n.strip() for n in files.split(",") if n.strip() != SIGNATURE_NAME]
        if names:
            return ("added file" if kind == "Extra" else "removed file"), ", ".join(names)
    if "Key mismatch" in message or "does not match the provided public key" in message:
        return "signed by another key", None
    if "certificate" in message.lower() and ("chain" in message.lower() or "verify" in message.lower()):
        return "signed by an untrusted certificate", message.strip()[:200]
    return "corrupted signature", message.strip()[:200] or None


def _signer(signature: Path, method: str) -> str | None:
    """Who signed, from the bundle: the key's SHA-256 hint, or the signing certificate's subject."""
    try:
        material = json.loads(signature.read_text(encoding="utf-8")).get("verificationMaterial") or {}
    except (OSError, ValueError, AttributeError):
        return None
    if material.get("publicKey", {}).get("hint"):
        return f"public key sha256:{material['publicKey']['hint']}"
    chain = (material.get("x509CertificateChain") or {}).get("certificates") or []
    raw = chain[0].get("rawBytes") if chain else (material.get("certificate") or {}).get("rawBytes")
    if not raw:
        return None
    from cryptography import x509

    try:
        cert = x509.load_der_x509_certificate(base64.b64decode(raw))
    except ValueError:
        return None
    try:
        names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        alternatives = [str(v) for v in names.get_values_for_type(x509.RFC822Name)] + \
                       [str(v) for v in names.get_values_for_type(x509.UniformResourceIdentifier)]
    except x509.ExtensionNotFound:
        alternatives = []
    return ", ".join([cert.subject.rfc4514_string(), *alternatives]) if method != "key" else None


def verify_model_signature(model: Path | str, signature: Path | str | None = None, *, public_key: Path | None = None,
                           certificate_chain: Iterable[Path] = (), identity: str | None = None,
                           issuer: str | None = None, trust_config: Path | None = None) -> SignatureCheck:
    """Verify ``model`` (a folder) against ``signature`` (default ``<model>/model.sig``), offline."""
    from rmfkit.errors import UsageError

    model = Path(model).resolve()
    signature = Path(signature).resolve() if signature else model / SIGNATURE_NAME
    chain = [Path(c) for c in certificate_chain]
    methods = [m for m, given in (("key", public_key), ("certificate", chain), ("sigstore", identity)) if given]
    if len(methods) != 1:
        raise UsageError("name one way to trust the signer: --public-key, --certificate-chain, or "
                         "--identity with --issuer and --trust-config")
    method = methods[0]
    if method == "sigstore" and not (issuer and trust_config):
        raise UsageError("a Sigstore bundle is verified offline against a trust root the team provides",
                         hint="add --issuer URL and --trust-config FILE (Sigstore ClientTrustConfig JSON)")
    if not signature.is_file():
        return SignatureCheck(False, method, signature.name, None, "no signature", f"{signature.name} not found")
    import model_signing

    config = model_signing.verifying.Config()
    if method == "key":
        config.use_elliptic_key_verifier(public_key=public_key)
    elif method == "certificate":
        config.use_certificate_verifier(certificate_chain=chain)
    else:
        config.use_sigstore_verifier(identity=identity, oidc_issuer=issuer, trust_config=Path(trust_config))
    try:
        config.verify(model, signature)
    except Exception as exc:  # noqa: BLE001 - the library raises ValueError, JSON, protobuf and crypto errors alike
        cause, detail = classify(f"{type(exc).__name__}: {exc}")
        return SignatureCheck(False, method, signature.name, _signer(signature, method), cause, detail)
    return SignatureCheck(True, method, signature.name, _signer(signature, method) or identity)


def sign_model(model: Path | str, private_key: Path, signature: Path | str | None = None) -> Path:
    """Sign ``model`` with an elliptic-curve private key (PEM) into ``model.sig`` (what publishers and
    the tests do; the signature file itself is left out of the signed manifest)."""
    import model_signing

    model = Path(model).resolve()
    signature = Path(signature).resolve() if signature else model / SIGNATURE_NAME
    hashing = model_signing.hashing.Config().set_ignored_paths(paths=[signature], ignore_git_paths=True)
    model_signing.signing.Config().use_elliptic_key_signer(private_key=private_key).set_hashing_config(hashing) \
        .sign(model, signature)
    return signature
