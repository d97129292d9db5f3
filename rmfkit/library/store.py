"""The evidence store's public face: import files into a workspace, list and verify them, pull from the
library, search it, report drift. The work is done in three modules, re-exported here so callers have
one import: :mod:`rmfkit.library.imports` (read, hash, parse, store a batch),
:mod:`rmfkit.library.listing` (list, links, verify) and :mod:`rmfkit.library.pull` (library, pull,
drift, search).

>>> import tempfile, pathlib
>>> from rmfkit.workspace import Workspace
>>> ws = Workspace.create(pathlib.Path(tempfile.mkdtemp()) / "ws", system_id="demo", name="Demo", owner="me")
>>> notes = ws.root.parent / "notes.md"
>>> _ = notes.write_text("# Review notes\\n")
>>> [o.status for o in import_files(ws, [notes]) + import_files(ws, [notes])]
['imported', 'duplicate']
"""
from __future__ import annotations

from rmfkit.library.imports import (ID_PREFIX, REVIEW_INTERVAL_DAYS, Candidate, ImportOutcome, import_candidates,
                                    import_files, link_in_mapping, max_artefact_bytes, new_id, python_env_candidate,
                                    read_candidate, read_candidates, safe_file_name, slug)
from rmfkit.library.listing import (Link, evidence_links, evidence_records, list_evidence, status_counts, verify,
                                    workspace_listing)
from rmfkit.library.pull import Drift, Library, PullOutcome, check_drift, describe_drift, pull

__all__ = ["ID_PREFIX", "REVIEW_INTERVAL_DAYS", "Candidate", "ImportOutcome", "import_candidates", "import_files",
           "link_in_mapping", "max_artefact_bytes", "new_id", "python_env_candidate", "read_candidate",
           "read_candidates", "safe_file_name", "slug", "Link", "evidence_links", "evidence_records", "list_evidence",
           "status_counts", "verify", "workspace_listing", "Drift", "Library", "PullOutcome", "check_drift",
           "describe_drift", "pull"]
