"""rmfkit: govern an AI system under the NIST AI RMF — workspace, evidence, mapping, risks, audit packets.

The public API is imported lazily, so ``import rmfkit`` stays light (the CLI's start-up depends on it).

>>> import rmfkit
>>> rmfkit.load_catalog().subcategory("MEASURE 2.10").function
'MEASURE'
"""
from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

# Public name -> module that defines it, or ``module:attribute`` where the names differ (imported on first access).
_EXPORTS: dict[str, str] = {
    "open_workspace": "rmfkit.workspace",
    "Workspace": "rmfkit.workspace",
    "Records": "rmfkit.records",
    "load_catalog": "rmfkit.catalog",
    "validate": "rmfkit.validation",
    "analyze": "rmfkit.analysis",
    "Analysis": "rmfkit.analysis",
    "import_evidence": "rmfkit.library.imports:import_files",
    "pull": "rmfkit.library.pull",
    "build_packet": "rmfkit.packet",
    "verify": "rmfkit.integrity",
    "take_snapshot": "rmfkit.review.snapshots",
    "diff": "rmfkit.review.diff",
    "portfolio": "rmfkit.review.portfolio",
}

__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str) -> Any:
    target = _EXPORTS.get(name)
    if target is None:
        raise AttributeError(f"module 'rmfkit' has no attribute {name!r}")
    module, _, attribute = target.partition(":")
    value = getattr(importlib.import_module(module), attribute or name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS})
