"""File helpers every layer uses: atomic writes that keep modes, and reading a user's file with one clear error.

>>> import tempfile, pathlib
>>> target = pathlib.Path(tempfile.mkdtemp()) / "a.txt"
>>> atomic_write_bytes(target, b"hi")
>>> read_user_file(target, "a.txt")
b'hi'
"""
from __future__ import annotations

import contextlib
import os
import shutil
import stat
import tempfile
from pathlib import Path
from typing import BinaryIO, Callable

from rmfkit.errors import InputFileError, UsageError

LOCK_NAME = ".rmfkit.lock"
INDEX_NAME = ".rmfkit-index.json"
GITIGNORED = ("build/", LOCK_NAME, INDEX_NAME)  # generated, never committed


def _umask() -> int:
    """The process umask (reading it means setting it: the most restrictive value stands in meanwhile)."""
    mask = os.umask(0o077)
    os.umask(mask)
    return mask


def file_mode(path: Path) -> int:
    """Permissions for writing ``path``: an existing file keeps its own; a new one gets what ``open()`` would
    give it (0o666 less the umask), not the 0o600 of a temporary file."""
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        return 0o666 & ~_umask()


def _temp_beside(path: Path) -> tuple[int, str]:
    """A temporary file in ``path``'s folder, already carrying the mode ``path`` will have."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.fchmod(fd, file_mode(path))
    return fd, tmp


def ensure_gitignore(root: Path) -> None:
    """``root/.gitignore`` lists generated output, the lock and the index (lines already there are kept)."""
    target = root / ".gitignore"
    lines = target.read_text(encoding="utf-8").splitlines() if target.is_file() else []
    missing = [line for line in GITIGNORED if line not in lines]
    if missing:
        atomic_write_bytes(target, "".join(f"{line}\n" for line in [*lines, *missing]).encode("utf-8"))


def _replace_atomically(path: Path, write: Callable[[BinaryIO], object]) -> None:
    """Fill a temp file beside ``path`` with ``write``, fsync it, then rename it over ``path``."""
    fd, tmp = _temp_beside(path)
    try:
        with os.fdopen(fd, "wb") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write via a temp file in the same folder, fsync, then rename: readers see old or new, never half."""
    _replace_atomically(path, lambda handle: handle.write(data))
    with contextlib.suppress(OSError):
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


def read_user_file(path: Path, name: str, max_bytes: int | None = None) -> bytes:
    """Read a file a user handed in, turning OS problems into one clear line."""
    if path.is_symlink():
        raise InputFileError("is a symbolic link; rmfkit reads regular files only", file=name)
    if path.is_dir():
        raise InputFileError("is a directory, expected a file", file=name)
    if not path.exists():
        raise InputFileError("file not found", file=name)
    if not path.is_file():
        raise InputFileError("is not a regular file (a pipe, socket or device?)", file=name)
    size = path.stat().st_size
    if max_bytes is not None and size > max_bytes:
        raise InputFileError(f"file is {size:,} bytes; the limit is {max_bytes:,}", file=name)
    try:
        return path.read_bytes()
    except OSError as exc:
        raise InputFileError(f"cannot be read: {exc.strerror or exc}", file=name) from None


def copy_atomic(source: Path, target: Path) -> None:
    """Copy ``source`` to ``target`` byte-exact, streamed, through a temp file renamed into place."""
    with open(source, "rb") as src:
        _replace_atomically(target, lambda out: shutil.copyfileobj(src, out, 1024 * 1024))


def write_output(path: Path, payload: bytes) -> Path:
    """Write an output file at a path the user chose (an export), atomically; a folder there is refused.

    >>> import tempfile
    >>> write_output(Path(tempfile.mkdtemp()) / "pia.json", b"{}").name
    'pia.json'
    """
    path = Path(path)
    if path.is_dir():
        raise UsageError(f"{path} is a directory", field="--out", hint="give a file name, e.g. pia.json")
    atomic_write_bytes(path, payload)
    return path
