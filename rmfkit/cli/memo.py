"""Answers of read-only commands remembered between runs, reused while nothing they read has changed.

``rmfkit status``, ``rmfkit validate`` and ``rmfkit evidence ls`` keep their last answer (the data they
print, before printing) in the user's cache folder (``$XDG_CACHE_HOME/rmfkit/answers``, by default
``~/.cache/rmfkit/answers``; never in the workspace, which read-only commands leave untouched), with a
fingerprint of everything the answer was computed from:

- the command and its options;
- rmfkit's version and code (size and modification time of every file of the package), Python's version
  and the site-packages folders (a folder's modification time changes whenever a package in it is
  installed, upgraded or removed);
- the environment variables rmfkit reads (``RMFKIT_*``, ``SOURCE_DATE_EPOCH``) and who runs the command
  (user and groups: what they may read is part of the answer);
- every file and folder of the workspace: path, type, size, modification and change times, inode
  (``build/``, ``.git/`` and the lock aside: no command reads them; and the evidence index, a cache of
  the sidecars, which are in);
- the evaluation date (``--as-of``, else today in the workspace's time zone).

An answer is kept only when the workspace did not change while it was computed, and reused only when
all of these are the same and no file of the workspace had changed in the two seconds before the
computation began (a file can change twice within one tick of the clock that stamps it; git calls this
"racily clean"). A workspace holding a symbolic link is never answered from memory. The answers are a cache, in a folder only the user can open: delete it at any time;
``RMFKIT_NO_MEMO=1`` turns them off. Packets, snapshots and checks that gate a release never use them.

>>> import tempfile
>>> root = Path(tempfile.mkdtemp())
>>> _ = (root / "rmfkit.yaml").write_text("schema_version: 1\\n")
>>> memo = Memo.find(root, "status", {"as_of": "2026-12-31"})
>>> memo.file.name.endswith("-status.json"), memo.recall("2026-12-31")
(True, None)
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import sys
import time
from pathlib import Path
from typing import Any, Callable, Mapping

from rmfkit import __version__
from rmfkit.fileio import INDEX_NAME, LOCK_NAME, atomic_write_bytes
from rmfkit.paths import PACKAGE_DIR, find_workspace_root

MEMO_FORMAT = 1
RACY_NS = 2_000_000_000
OFF_SWITCH = "RMFKIT_NO_MEMO"
# Top-level names that are not inputs: never read by these commands, or (the evidence index) a cache of
# inputs, which the commands rewrite as they answer.
NOT_INPUTS = frozenset({"build", ".git", LOCK_NAME, INDEX_NAME})


def answers_folder() -> Path:
    """``$XDG_CACHE_HOME/rmfkit/answers``, else ``~/.cache/rmfkit/answers``."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "rmfkit" / "answers"


class Unfit(Exception):
    """The workspace cannot be fingerprinted (a symbolic link in it, or it changed while it was walked)."""


def _entries(root: str, skip: frozenset[str] = frozenset(), *, skip_anywhere: frozenset[str] = frozenset()
             ) -> list[tuple]:
    """Every file under ``root`` as (path, mode, size, mtime_ns, ctime_ns, inode) and every folder as (path,),
    sorted, but the top-level names in ``skip`` and the names in ``skip_anywhere``.

    A folder needs no stat of its own: what it holds is listed. A symbolic link makes the tree :class:`Unfit`.
    """
    found: list[tuple] = []
    folders = [(root, "/")]
    try:
        while folders:
            folder, rel = folders.pop()
            left_out = skip_anywhere | skip if rel == "/" else skip_anywhere
            with os.scandir(folder) as listing:
                for child in listing:
                    name = child.name
                    if name in left_out:
                        continue
                    if child.is_symlink():
                        raise Unfit(f"{child.path} is a symbolic link")
                    if child.is_dir(follow_symlinks=False):
                        found.append((rel + name,))
                        folders.append((child.path, f"{rel}{name}/"))
                    else:
                        info = child.stat(follow_symlinks=False)
                        found.append((rel + name, info.st_mode, info.st_size, info.st_mtime_ns, info.st_ctime_ns,
                                      info.st_ino))
    except OSError as exc:  # a folder or file vanished or cannot be read while it was walked
        raise Unfit(str(exc)) from None
    found.sort()
    return found


def _code_state() -> list:
    """What the answer's code is: rmfkit's version and files, Python's version, the site-packages folders."""
    import site

    folders = [*site.getsitepackages(), site.getusersitepackages()]
    places = [(path, os.stat(path).st_mtime_ns) for path in folders if os.path.isdir(path)]
    files = [entry[:4] for entry in _entries(str(PACKAGE_DIR), skip_anywhere=frozenset({"__pycache__"}))]
    return [__version__, sys.version, sys.executable, places, files]


def _environment() -> list:
    """The variables rmfkit reads, and who runs the command (what a user may read is part of the answer)."""
    variables = {name: value for name, value in sorted(os.environ.items())
                 if name.startswith("RMFKIT_") or name == "SOURCE_DATE_EPOCH"}
    identity = (os.getuid(), os.getgid(), sorted(os.getgroups())) if hasattr(os, "getuid") else ()
    return [variables, identity]


class Memo:
    """The remembered answer of one command in one workspace (see the module's description)."""

    def __init__(self, root: Path, command: str, options: Mapping[str, Any]):
        self.root = root
        name = hashlib.sha256(str(root).encode("utf-8", "surrogateescape")).hexdigest()[:24]
        self.file = answers_folder() / f"{name}-{command}.json"
        self._question = [MEMO_FORMAT, command, dict(options), _code_state(), _environment()]
        self._seen: tuple[str, int, int] | None = None  # key, latest change and when the look began, by recall()

    @classmethod
    def find(cls, workspace: Path | str | None, command: str, options: Mapping[str, Any]) -> "Memo | None":
        """The memo of ``command`` in the workspace at or above ``workspace``; None when memos are off or
        there is no workspace to find (the command then says why, as it does without a memo)."""
        if os.environ.get(OFF_SWITCH) == "1" or (workspace is not None and not os.path.isdir(workspace)):
            return None
        try:
            return cls(find_workspace_root(workspace), command, options)
        except Exception:  # noqa: BLE001 - any doubt: answer without the memo
            return None

    def _fingerprint(self) -> tuple[str, int]:
        """The key of the workspace as it is now, and the latest change time of anything in it."""
        entries = _entries(str(self.root), NOT_INPUTS)
        latest = max((max(entry[3:5]) for entry in entries if len(entry) > 1), default=0)
        digest = hashlib.sha256(repr([self._question, entries]).encode("utf-8", "surrogateescape")).hexdigest()
        return digest, latest

    def recall(self, as_of: str | None) -> Any | None:
        """The kept answer, if it still holds: same key, not racy, the same evaluation date; else None."""
        from pydantic_core import from_json

        from rmfkit.clock import evaluation_date

        try:
            began = time.time_ns()
            key, latest = self._fingerprint()
            self._seen = (key, latest, began)
            kept = from_json(self.file.read_bytes())
            if (kept.get("format") != MEMO_FORMAT or kept.get("key") != key
                    or kept.get("latest_change_ns", 0) >= kept.get("began_ns", 0) - RACY_NS):
                return None
            if evaluation_date(as_of, kept["timezone"]).isoformat() != kept["day"]:
                return None
            return kept["answer"]
        except Exception:  # noqa: BLE001 - a missing, unreadable or foreign file is simply not an answer
            return None

    def keep(self, answer: Any, *, day: dt.date, timezone: str) -> Any:
        """Remember ``answer``, computed for ``day`` in ``timezone`` after :meth:`recall` found none, unless the
        workspace changed meanwhile. Returns it as it will be recalled (JSON data), so a command prints the
        same from a fresh answer as from a remembered one."""
        from pydantic_core import to_json

        data = json.loads(to_json(answer, fallback=str))
        if self._seen is None:
            return data
        key, latest, began = self._seen
        try:
            if self._fingerprint()[0] != key:
                return data  # changed while the answer was computed: it may hold some of each state
            document = {"format": MEMO_FORMAT, "key": key, "latest_change_ns": latest, "began_ns": began,
                        "day": day.isoformat(), "timezone": timezone, "answer": data}
            self.file.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            os.chmod(self.file.parent, 0o700)  # answers name systems and people: the user's eyes only
            atomic_write_bytes(self.file, to_json(document), durable=False)
        except (Unfit, OSError):
            pass  # a read-only or changing workspace is answered without remembering
        return data


def remembered(command: str, workspace: Path | str | None, options: Mapping[str, Any],
               compute: Callable[[], tuple[Any, dt.date, str]], *, as_of: str | None = None) -> Any:
    """The answer of ``command``: remembered when it still holds, else ``compute()``'s, kept for next time.

    ``compute`` returns (answer, evaluation date, time zone of that date). Either way the answer comes back as
    JSON data (dates as text, tuples as lists), so a command prints a fresh answer and a remembered one alike.
    """
    from pydantic_core import to_json

    memo = Memo.find(workspace, command, options)
    if memo is not None:
        kept = memo.recall(as_of)
        if kept is not None:
            return kept
    answer, day, timezone = compute()
    if memo is None:
        return json.loads(to_json(answer, fallback=str))
    return memo.keep(answer, day=day, timezone=timezone)
