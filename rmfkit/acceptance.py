"""Named, signed acceptance of a residual risk: who accepted which residual score on which date.

``rmfkit risk accept R-0002 --by "Name, role" --sign KEY`` (a person, not a body: :func:`person_problem`) records ``accepted_by``, ``accepted_on`` and
``treatment: accept`` in the risk file and, with a key, the acceptor's Ed25519 signature over the
record's SHA-256 (``acceptance_signature``). The record hash is the SHA-256 of the risk's canonical JSON
(:func:`rmfkit.seal.canonical_json`) without the signature block and without fields left at their
defaults, so a field added to the schema later does not break an old signature while any change of a
written field (a re-score, another name or date) does.

:func:`acceptance_signatures` is the check ``rmfkit verify`` runs on a packet's records: it reports a
risk file altered after signing and, given public keys, a signature that does not verify.

>>> from rmfkit.models.risk import Risk
>>> from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
>>> key = Ed25519PrivateKey.generate()
>>> risk = Risk(id="R-0001", title="t", category="confabulation", likelihood=2, impact=3, owner="o",
...             rationale="r", treatment="accept", accepted_by="A. Novak, Head of CX")
>>> signed = risk.model_copy(update={"acceptance_signature": sign(risk, key)})
>>> signature_failures("risks/R-0001.yaml", signed, [key.public_key()])
[]
>>> signature_failures("risks/R-0001.yaml", signed.model_copy(update={"impact": 2}), [key.public_key()])[0][:58]
'risks/R-0001.yaml: altered after its acceptance was signed'
"""
from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Iterable

from rmfkit.hashing import sha256_bytes
from rmfkit.models.risk import AcceptanceSignature, Risk

if TYPE_CHECKING:
    from rmfkit.records import Records

SIGNATURE_FIELD = "acceptance_signature"
# Words that name a body of people, not a person (an acceptance needs someone who answers for it).
BODY_WORDS = ("committee", "board", "team", "group", "council", "department", "panel", "office", "management",
              "unit", "steering", "forum")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def person_problem(text: str | None) -> str | None:
    """Why ``text`` does not name a person as ``"Name, role"`` (None when it does).

    >>> person_problem("A. Novak, Head of Customer Experience") is None
    True
    >>> person_problem("AI risk committee, 2026-06-12")
    "names a body ('AI risk committee'), not a person: write 'Name, role' of the person who accepted"
    >>> person_problem("A. Novak")
    "gives no role: write 'Name, role'"
    """
    name, _, role = (text or "").partition(",")
    name, role = name.strip(), role.strip()
    if not name:
        return "names nobody: write 'Name, role' of the person who accepted"
    if any(re.search(rf"\b{word}s?\b", name, re.I) for word in BODY_WORDS):
        return f"names a body ('{name}'), not a person: write 'Name, role' of the person who accepted"
    if not role:
        return "gives no role: write 'Name, role'"
    if _DATE.match(role):
        return "gives a date where the role belongs: write 'Name, role' and the date in its own field"
    return None


def record_sha256(risk: Risk) -> str:
    """SHA-256 of the risk record's canonical JSON, without its signature block and default-valued fields."""
    from rmfkit.seal import canonical_json

    data = risk.model_dump(mode="json", exclude_defaults=True, exclude={SIGNATURE_FIELD})
    return sha256_bytes(canonical_json(data))


def sign(risk: Risk, private_key: Any) -> AcceptanceSignature:
    """The acceptor's signature block for ``risk`` as it stands (sign after every other change)."""
    from rmfkit.seal import key_fingerprint

    digest = record_sha256(risk)
    return AcceptanceSignature(residual_score=risk.current_score, record_sha256=digest,
                               key_sha256=key_fingerprint(private_key.public_key()),
                               signature=private_key.sign(digest.encode("ascii")).hex())


def signature_failures(rel: str, risk: Risk, public_keys: Iterable[Any] | None = None) -> list[str]:
    """What is wrong with one risk's signed acceptance (empty when unsigned or intact).

    Without ``public_keys`` only the record hash is checked (the file was not changed after signing);
    with them the signature must verify under the key whose fingerprint it names.
    """
    from cryptography.exceptions import InvalidSignature

    from rmfkit.seal import key_fingerprint

    block = risk.acceptance_signature
    if block is None:
        return []
    failures = []
    actual = record_sha256(risk)
    if actual != block.record_sha256:
        failures.append(f"{rel}: altered after its acceptance was signed (record SHA-256 {actual}, signed "
                        f"{block.record_sha256})")
    if public_keys is None:
        return failures
    keys = {key_fingerprint(k): k for k in public_keys}
    key = keys.get(block.key_sha256)
    if key is None:
        return failures + [f"{rel}: acceptance signed by key {block.key_sha256}, which is not among the keys given"]
    try:
        key.verify(bytes.fromhex(block.signature), block.record_sha256.encode("ascii"))
    except InvalidSignature:
        failures.append(f"{rel}: the acceptance signature does not verify under key {block.key_sha256}")
    return failures


def acceptance_signatures(records: "Records", public_keys: Iterable[Any] | None = None) -> list[str]:
    """Every signed risk acceptance checked (:func:`signature_failures`); a list of failures, empty when intact."""
    keys = list(public_keys) if public_keys is not None else None
    return [failure for rel, risk in records.records_of("risk").items()
            for failure in signature_failures(rel, risk, keys)]


def intact(risk: Risk) -> bool | None:
    """Does a signed acceptance still match its record (None when not signed)?"""
    block = risk.acceptance_signature
    return None if block is None else record_sha256(risk) == block.record_sha256
