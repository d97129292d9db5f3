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
STAGING_SUFFIX = ".partial"  # a hidden folder being written: .<name>.partial, renamed into place complete
INDEX_NAME = ".rmfkit-index.json"
GITIGNORED = ("build/", LOCK_NAME, INDEX_NAME)  # generated, never committed
# A fact remembered from a file's stat (a hash, a parsed sidecar, a listing, an answer) is trusted only if the
# file had not changed within this long before it was recorded ("racy", as in git: a file can change twice
# within one tick of the clock that stamps it).
RACY_NS = 2_000_000_000
NOT_COPIED = ("build", LOCK_NAME, INDEX_NAME, "__pycache__")  # left out of a copied workspace


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


def _replace_atomically(path: Path, write: Callable[[BinaryIO], object], *, durable: bool = True) -> None:
    """Fill a temp file beside ``path`` with ``write``, fsync it (if ``durable``), then rename it over ``path``."""
    fd, tmp = _temp_beside(path)
    try:
        with os.fdopen(fd, "wb") as handle:
            write(handle)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def atomic_write_bytes(path: Path, data: bytes, *, durable: bool = True) -> None:
    """Write via a temp file in the same folder, then rename: readers see old or new, never half.

    ``durable`` (for records) fsyncs the file and its folder, so the write survives a crash; a cache that
    is rebuilt when lost skips that.
    """
    _replace_atomically(path, lambda handle: handle.write(data), durable=durable)
    if durable:
        _fsync_folder(path.parent)


def _fsync_folder(folder: Path) -> None:
    """Make a folder's new entries durable (where the OS allows opening a folder)."""
    with contextlib.suppress(OSError):
        dir_fd = os.open(folder, os.O_RDONLY)
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


class FolderBatch:
    """New folders under ``parent``, staged together in one hidden ``.batch-<pid>.partial`` folder and then
    published: the batch flushed to disk once, then each folder renamed into place complete. Readers never
    see half a folder; a batch that raises leaves none of its folders behind, and :meth:`unpublish` takes
    them back when what follows the batch fails. Use it under the workspace lock (a staging folder left by
    a killed run is removed by the next batch).

    >>> import tempfile
    >>> parent = Path(tempfile.mkdtemp())
    >>> with FolderBatch(parent) as batch:
    ...     staged = batch.folder("E1")
    ...     batch.write(staged / "evidence.yaml", b"id: E1\\n")
    ...     batch.copy(b"notes", staged / "notes.md")[:12]
    ...     [p.name for p in batch.publish()]
    'ab5aa97074c4'
    ['E1']
    >>> sorted(p.name for p in parent.iterdir()), (parent / "E1" / "notes.md").read_bytes()
    (['E1'], b'notes')
    """

    SYNC_EACH_UP_TO = 16  # files: fsync each; a larger batch flushes its file system once (Linux syncfs)

    def __init__(self, parent: Path):
        self.parent = Path(parent)
        self.staging = self.parent / f".batch-{os.getpid()}{STAGING_SUFFIX}"
        self.files: list[Path] = []
        self.published: list[Path] = []

    def __enter__(self) -> "FolderBatch":
        self.parent.mkdir(parents=True, exist_ok=True)
        for stale in self.parent.glob(f".*{STAGING_SUFFIX}"):
            if stale.is_dir() and not stale.is_symlink():
                shutil.rmtree(stale)
        self.staging.mkdir()
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        shutil.rmtree(self.staging, ignore_errors=True)
        if exc_type is not None:
            self.unpublish()

    def folder(self, name: str) -> Path:
        """A new, empty staged folder that will be published as ``parent/name``."""
        if not name or "/" in name or "\\" in name or name.startswith(".") or (self.parent / name).exists():
            raise UsageError(f"cannot create folder '{name}' in {self.parent.name}/", hint="choose another name")
        staged = self.staging / name
        staged.mkdir()
        return staged

    def write(self, path: Path, data: bytes) -> None:
        """Write a new file in a staged folder (no temp file: the folder is not visible yet)."""
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | OPEN_BINARY, 0o666)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
        finally:
            os.close(fd)
        self.files.append(path)

    def copy(self, source: Path | bytes, path: Path) -> str:
        """Copy ``source`` (a file, streamed, or bytes) into a staged folder; the SHA-256 of what was written."""
        import hashlib

        if isinstance(source, (bytes, bytearray)):
            self.write(path, source)
            return hashlib.sha256(source).hexdigest()
        digest = hashlib.sha256()
        with open(source, "rb") as src, open(path, "xb") as out:
            while block := src.read(1024 * 1024):
                out.write(block)
                digest.update(block)
        self.files.append(path)
        return digest.hexdigest()

    def discard(self, staged: Path) -> None:
        """Drop a staged folder (an item that turned out invalid) before publishing."""
        self.files = [f for f in self.files if f.parent != staged]
        shutil.rmtree(staged, ignore_errors=True)

    def publish(self) -> list[Path]:
        """Flush every staged file to disk, then rename each folder into place; the folders published."""
        staged = sorted(self.staging.iterdir())
        if len(self.files) <= self.SYNC_EACH_UP_TO or not _sync_file_system(self.staging):
            for path in [*self.files, *staged]:
                _fsync_path(path)
        for folder in staged:
            target = self.parent / folder.name
            self.published.append(target)  # before the rename: an interrupt between the two is still undone
            os.rename(folder, target)
        _fsync_folder(self.parent)
        return list(self.published)

    def unpublish(self) -> None:
        """Take back every folder published: each disappears at once (renamed to a hidden name), then goes."""
        for target in self.published:
            hidden = self.parent / f".unpublished-{target.name}{STAGING_SUFFIX}"
            with contextlib.suppress(OSError):
                os.rename(target, hidden)
                shutil.rmtree(hidden, ignore_errors=True)
        self.published = []


OPEN_BINARY = getattr(os, "O_BINARY", 0) | getattr(os, "O_CLOEXEC", 0)  # no newline translation on Windows


def _fsync_path(path: Path) -> None:
    """Flush one file (opened for writing: Windows flushes only such handles) or folder to disk."""
    if path.is_dir():
        _fsync_folder(path)
        return
    fd = os.open(path, os.O_RDWR | OPEN_BINARY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _sync_file_system(path: Path) -> bool:
    """Flush the one file system holding ``path`` with Linux's syncfs(2), which reports write-back errors;
    False where it is not available (the caller then flushes file by file)."""
    import sys

    if not sys.platform.startswith("linux"):
        return False
    import ctypes

    try:
        syncfs = ctypes.CDLL(None, use_errno=True).syncfs
    except (OSError, AttributeError):
        return False
    fd = os.open(path, os.O_RDONLY)
    try:
        if syncfs(fd) != 0:
            error = ctypes.get_errno()
            raise OSError(error, os.strerror(error), str(path))
    finally:
        os.close(fd)
    return True
