"""Quarterly review: frozen snapshots (:mod:`.snapshots`), what changed (:mod:`.diff`), trends (:mod:`.trends`)
and the portfolio roll-up (:mod:`.portfolio`)."""
