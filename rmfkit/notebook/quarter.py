"""The review steps that must not fail in a first quarter: the baseline snapshot of session 06, and
session 07's changes and review packet, which show the baseline review when there is nothing earlier.

>>> print(BaselineReview("2026-Q4", None).stale().text)
Stale evidence: shown by next quarter's review
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from rmfkit.notebook.html import Display, Html, callout, row, stack

if TYPE_CHECKING:
    from rmfkit.workspace import Workspace


def baseline_snapshot(ws: "Workspace", *, sign_key: Path | str | None = None) -> Html:
    """Freeze this quarter as the baseline when the workspace has no snapshot yet (session 06); else say
    which snapshots exist. The quarterly review (07) compares with it."""
    from rmfkit.clock import today
    from rmfkit.notebook.review import snapshot_card
    from rmfkit.notebook.session import quarter_label, review_snapshot
    from rmfkit.review.snapshots import snapshots

    existing = [s.label for s in snapshots(ws)]
    if existing:
        return callout(f"Baseline: snapshots already frozen ({', '.join(existing)}); session 07 compares with "
                       f"the latest", tone="good")
    taken = review_snapshot(ws, quarter_label(today()), sign_key=sign_key)
    return stack([callout(f"Baseline snapshot {taken['label']} frozen: next quarter's review (session 07) "
                          "compares the workspace with it", tone="good"), snapshot_card(taken)], "baseline")


class BaselineReview(Display):
    """Session 07 in a first quarter: nothing earlier to compare with, so the state frozen now is the baseline."""

    def __init__(self, label: str, analysis: Any):
        self.label, self.analysis = label, analysis

    def body(self) -> str:
        from rmfkit.notebook.overview import status_overview

        parts: list[Any] = [callout(f"First review: no earlier snapshot to compare with. This session freezes "
                                    f"{self.label} as the baseline; next quarter's review lists every change "
                                    "since.", tone="info")]
        if self.analysis is not None:
            parts.append(status_overview(self.analysis))
        return stack(parts, "baseline review").body()

    def stale(self) -> Html:
        """Evidence needing attention now (next quarter: what expired since the baseline)."""
        if self.analysis is None:
            return callout("Stale evidence: shown by next quarter's review")
        from rmfkit.notebook.evidence import evidence_cards

        return evidence_cards(self.analysis, needing_attention=True)

    def __repr__(self) -> str:
        return f"baseline review {self.label}"


def quarter_changes(ws: "Workspace", baseline: str | None, new_label: str) -> Any:
    """What changed since ``baseline`` (a :class:`~rmfkit.notebook.review.ReviewDiff`), or in a first
    quarter (no baseline) the :class:`BaselineReview`."""
    from rmfkit.notebook.review import review_diff
    from rmfkit.notebook.session import analysis_of
    from rmfkit.review.diff import diff

    if baseline is None:
        return BaselineReview(new_label, analysis_of(ws))
    return review_diff(diff(ws, baseline, "live"))


def review_packet_step(ws: "Workspace", baseline: str | None, new_label: str, *,
                       sign_key: Path | str | None = None) -> Html:
    """Build and verify the review packet ``baseline`` → ``new_label``; in a first quarter, say when it comes."""
    from rmfkit.notebook.packets import verify_report
    from rmfkit.notebook.review import review_packet_card
    from rmfkit.notebook.session import review_packet
    import rmfkit

    if baseline is None:
        return callout(f"Review packet: the first one compares {new_label} with next quarter's snapshot; "
                       "this quarter's audit packet (session 06) is the record for now", tone="info")
    summary = review_packet(ws, baseline, new_label, sign_key=sign_key)
    return row(review_packet_card(summary), verify_report(rmfkit.verify(summary["out"])))
