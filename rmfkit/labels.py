"""The one presentation vocabulary: labels for statuses, shared by the packet, the notebooks and the CLI.

>>> STATUS_LABELS["not_applicable"], plural(2, "criterion", "criteria")
('Not applicable', '2 criteria')
"""
from __future__ import annotations

STATUS_LABELS = {"met": "Met", "partially_met": "Partially met", "not_met": "Not met",
                 "not_applicable": "Not applicable", "not_assessed": "Not assessed"}
EFFECTIVE_LABELS = {**STATUS_LABELS, "unsupported": "Unsupported"}
EVIDENCE_LABELS = {"ok": "OK", "expired": "Expired", "missing": "Missing", "hash_mismatch": "Altered"}


def plural(count: int, word: str, many: str | None = None) -> str:
    """``count`` with the word in the right number: ``1 item``, ``2 items``."""
    return f"{count} {word if count == 1 else (many or word + 's')}"


def join_words(items: list[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``.

    >>> join_words(["a", "b", "c"])
    'a, b and c'
    """
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def sentence(text: str) -> str:
    """First letter upper-case (analysis messages start lower-case to fit inside other sentences).

    >>> sentence("ask counsel first")
    'Ask counsel first'
    """
    return text[:1].upper() + text[1:]
