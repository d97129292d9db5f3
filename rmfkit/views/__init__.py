"""Views: one :class:`~rmfkit.analysis.Analysis` -> plain dicts per surface (packet, status, review, portfolio).

Renderers and templates read only these dicts; no view computes what the analysis does not hold.
"""
