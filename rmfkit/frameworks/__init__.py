"""Frameworks beyond the AI RMF: carry one RMF assessment to ISO/IEC 42001 and to the EU AI Act.

Pure functions over plain data (no I/O except :mod:`rmfkit.frameworks.inputs`):

- :func:`load_registry` — frameworks, ISO/IEC 42001 ids, the RMF-to-42001 crosswalk, AI Act data;
- :func:`derive_item` — one target item's status from its mapped subcategories, never stronger than them;
- :func:`statement_of_applicability` / :func:`soa_csv` — the 42001 SoA and clause readiness;
- :func:`obligation_register` — AI Act roles, tiers and the obligations that bind them;
- :func:`annex_iv_checklist` — Annex IV documentation filled from what a workspace holds.

>>> from rmfkit.models.frameworks import FrameworksFile
>>> len(statement_of_applicability([], FrameworksFile())["controls"])
38
"""
from rmfkit.frameworks.ai_act import obligation_register, screen
from rmfkit.frameworks.annex_iv import annex_iv_checklist
from rmfkit.frameworks.derive import derive_item, evidence_index, rmf_rows
from rmfkit.frameworks.registry import load_registry
from rmfkit.frameworks.soa import soa_csv, statement_of_applicability

__all__ = ["load_registry", "derive_item", "rmf_rows", "evidence_index", "statement_of_applicability", "soa_csv",
           "obligation_register", "screen", "annex_iv_checklist"]
