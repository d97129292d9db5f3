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
- every file of the workspace by path, mode, size, inode, modification and change times, and every folder
  by path (``build/``, ``.git/`` and the lock aside: no command reads them; and the evidence index, a
  cache of the sidecars, which are in). A folder whose times are those it had when it was last listed,
  and settled then, is not listed again: creating, removing or renaming an entry changes them;
- the evaluation date (``--as-of``, else today in the workspace's time zone).

An answer is kept only when the workspace did not change while it was computed, and reused only when
all of these are the same and no file of the workspace had changed in the two seconds before the
computation began (a file can change twice within one tick of the clock that stamps it; git calls this
"racily clean"). A workspace holding a symbolic link is never answered from memory. What a process may
read beyond its user and groups (capabilities, a sandbox) is not part of the question: run a confined
command with ``RMFKIT_NO_MEMO=1``. The answers are a cache, in a folder only the user can open: delete it
at any time; ``RMFKIT_NO_MEMO=1`` turns them off. Packets, snapshots and checks that gate a release never
use them.

>>> import tempfile
>>> root = Path(tempfile.mkdtemp())
>>> _ = (root / "rmfkit.yaml").write_text("schema_version: 1\\n")
>>> memo = Memo.find(root, "status", {"as_of": "2026-12-31"})
>>> memo.file.name.endswith("-status.json"), memo.recall("2026-12-31")
(True, None)
"""
from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import os
import stat
import sys
import time
from array import array
from pathlib import Path
from typing import Any, Callable, Mapping

from rmfkit import __version__
from rmfkit.cli.common import json_text
from rmfkit.fileio import INDEX_NAME, LOCK_NAME, RACY_NS, atomic_write_bytes
from rmfkit.paths import PACKAGE_DIR, find_workspace_root

MEMO_FORMAT = 1
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


Listings = dict  # folder path -> [mtime_ns, ctime_ns, inode, listed at (ns), "folder/names", "file/names"]


def _tree(root: str, skip: frozenset[str] = frozenset(), *, skip_anywhere: frozenset[str] = frozenset(),
          listings: Listings | None = None) -> tuple[str, int, Listings]:
    """SHA-256 of everything under ``root`` as it is now, the latest change time of a file in it, and what each
    folder holds (to pass as ``listings`` next time).

    Every folder counts by its path, every file by path, mode, size, inode, modification and change times,
    in listing order; the top-level names in ``skip`` and the names in ``skip_anywhere`` are left out. A
    folder is not listed again when ``listings`` holds it with the same times and inode, settled (unchanged
    for two seconds before it was listed): creating, removing or renaming an entry changes a folder's times.
    A symbolic link makes the tree :class:`Unfit`.
    """
    known = listings or {}
    listed: Listings = {}
    paths: list[str] = []
    unsigned, signed = array("Q"), array("q")  # mode, size, inode; modification and change times
    folders = ["/"]
    try:
        while folders:
            rel = folders.pop()
            folder = root + rel
            info = os.lstat(folder[:-1] if rel != "/" else root)  # without the slash, a link is not followed
            if not stat.S_ISDIR(info.st_mode):
                raise Unfit(f"{folder} is not a folder")
            times = [info.st_mtime_ns, info.st_ctime_ns, info.st_ino]
            entry = known.get(rel)
            if not (entry and entry[:3] == times and max(times[0], times[1]) < entry[3] - RACY_NS):
                listed_at, names = time.time_ns(), ([], [])  # folders, files; kept as "a/b" (no name holds "/")
                left_out = skip_anywhere | skip if rel == "/" else skip_anywhere
                with os.scandir(folder) as listing:
                    for child in listing:
                        if child.name in left_out:
                            continue
                        if child.is_symlink():
                            raise Unfit(f"{child.path} is a symbolic link")
                        names[1 - child.is_dir(follow_symlinks=False)].append(child.name)
                entry = [*times, listed_at, "/".join(names[0]), "/".join(names[1])]
            listed[rel] = entry
            paths.append(rel)
            for name in entry[5].split("/") if entry[5] else ():
                info = os.lstat(folder + name)
                if stat.S_ISLNK(info.st_mode):
                    raise Unfit(f"{folder}{name} is a symbolic link")
                paths.append(rel + name)
                unsigned.extend((info.st_mode, info.st_size, info.st_ino))
                signed.extend((info.st_mtime_ns, info.st_ctime_ns))
            folders.extend(f"{rel}{name}/" for name in entry[4].split("/") if name)
    except (OSError, OverflowError, TypeError, IndexError, AttributeError) as exc:  # vanished; a damaged listing
        raise Unfit(str(exc)) from None
    digest = hashlib.sha256("\0".join(paths).encode("utf-8", "surrogateescape"))
    digest.update(unsigned.tobytes())
    digest.update(signed.tobytes())
    return digest.hexdigest(), max(signed, default=0), listed


def _code_state() -> list:
    """What the answer's code is: rmfkit's version and files, Python's version, the site-packages folders."""
    import site

    folders = [*site.getsitepackages(), site.getusersitepackages()]
    places = [(path, os.stat(path).st_mtime_ns) for path in folders if os.path.isdir(path)]
    package, _, _ = _tree(str(PACKAGE_DIR), skip_anywhere=frozenset({"__pycache__"}))
    return [__version__, sys.version, sys.executable, places, package]


def _environment() -> list:
    """The variables rmfkit reads, and who runs the command (what a user may read is part of the answer)."""
    variables = {name: value for name, value in sorted(os.environ.items())
                 if name.startswith("RMFKIT_") or name == "SOURCE_DATE_EPOCH"}
    identity = (os.getuid(), os.getgid(), sorted(os.getgroups())) if hasattr(os, "getuid") else ()
    return [variables, identity]


class Answer:
    """A command's answer as the indented JSON its ``--json`` prints, and as data (parsed when first asked for).

    >>> Answer.of({"day": dt.date(2026, 12, 31)}).data
    {'day': '2026-12-31'}
    """

    def __init__(self, text: str):
        self.text = text

    @classmethod
    def of(cls, value: Any) -> "Answer":
        return cls(json_text(value))

    @functools.cached_property
    def data(self) -> Any:
        return json.loads(self.text)


class Memo:
    """The remembered answer of one command in one workspace (see the module's description)."""

    def __init__(self, root: Path, command: str, options: Mapping[str, Any]):
        self.root = root
        name = hashlib.sha256(str(root).encode("utf-8", "surrogateescape")).hexdigest()[:24]
        self.file = answers_folder() / f"{name}-{command}.json"
        self._question = [MEMO_FORMAT, command, dict(options), _code_state(), _environment()]
        self._seen: tuple[str, int, int] | None = None  # key, latest change and when the look began, by recall()
        self._listings: Listings = {}  # what each folder held at the last look

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
        """The key of the workspace as it is now, and the latest change time of a file in it."""
        try:
            tree, latest, self._listings = _tree(str(self.root), NOT_INPUTS, listings=self._listings)
        except Unfit:
            if not self._listings:
                raise
            tree, latest, self._listings = _tree(str(self.root), NOT_INPUTS)  # the kept listings may be damaged
        return hashlib.sha256(repr([self._question, tree]).encode("utf-8", "surrogateescape")).hexdigest(), latest

    def recall(self, as_of: str | None) -> Answer | None:
        """The kept answer, if it still holds: same key, not racy, the same evaluation date; else None."""
        from pydantic_core import from_json

        from rmfkit.clock import evaluation_date

        try:
            kept = from_json(self.file.read_bytes())
        except Exception:  # noqa: BLE001 - a missing, unreadable or foreign file is simply not an answer
            kept = {}
        if not isinstance(kept, dict) or kept.get("format") != MEMO_FORMAT:
            kept = {}
        listings = kept.get("folders")
        self._listings = listings if isinstance(listings, dict) else {}
        try:
            began = time.time_ns()
            key, latest = self._fingerprint()
            if (kept.get("key") == key and kept.get("latest_change_ns", 0) < kept.get("began_ns", 0) - RACY_NS
                    and evaluation_date(as_of, kept["timezone"]).isoformat() == kept["day"]
                    and isinstance(kept.get("answer"), str)):
                return Answer(kept["answer"])
            if listings:  # no answer: look again listing every folder (kept listings only confirm a kept key)
                self._listings = {}
                began = time.time_ns()
                key, latest = self._fingerprint()
            self._seen = (key, latest, began)
        except Exception:  # noqa: BLE001 - a workspace that cannot be fingerprinted is answered afresh
            self._seen = None
        return None

    def keep(self, answer: Any, *, day: dt.date, timezone: str) -> Answer:
        """Remember ``answer``, computed for ``day`` in ``timezone`` after :meth:`recall` found none, unless the
        workspace changed meanwhile. Returns it as it will be recalled, so a command prints the same from a
        fresh answer as from a remembered one."""
        from pydantic_core import to_json

        kept = Answer.of(answer)
        if self._seen is None:
            return kept
        key, latest, began = self._seen
        try:
            if self._fingerprint()[0] != key:
                return kept  # changed while the answer was computed: it may hold some of each state
            document = {"format": MEMO_FORMAT, "key": key, "latest_change_ns": latest, "began_ns": began,
                        "day": day.isoformat(), "timezone": timezone, "answer": kept.text, "folders": self._listings}
            self.file.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            os.chmod(self.file.parent, 0o700)  # answers name systems and people: the user's eyes only
            atomic_write_bytes(self.file, to_json(document), durable=False)
        except Exception:  # noqa: BLE001 - unreadable, changing, read-only, a name that is not UTF-8: not kept
            pass
        return kept


def remembered(command: str, workspace: Path | str | None, options: Mapping[str, Any],
               compute: Callable[[], tuple[Any, dt.date, str]], *, as_of: str | None = None) -> Answer:
    """The answer of ``command``: remembered when it still holds, else ``compute()``'s, kept for next time.

    ``compute`` returns (answer, evaluation date, time zone of that date). Either way the answer comes back as
    an :class:`Answer` (its data with dates as text, tuples as lists), so a command prints a fresh answer and a
    remembered one alike.
    """
    memo = Memo.find(workspace, command, options)
    if memo is not None:
        kept = memo.recall(as_of)
        if kept is not None:
            return kept
    answer, day, timezone = compute()
    if memo is None:
        return Answer.of(answer)
    return memo.keep(answer, day=day, timezone=timezone)
