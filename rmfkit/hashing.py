"""SHA-256 of bytes and of files (streamed, constant memory): the one hashing helper of the package.

>>> sha256_bytes(b"abc")[:12]
'ba7816bf8f01'
"""
from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Callable

CHUNK = 1024 * 1024


def sha256_bytes(payload: bytes) -> str:
    """Hex SHA-256 of ``payload``."""
    return hashlib.sha256(payload).hexdigest()


def sha256_file(path: Path | str, chunk: int = CHUNK, progress: Callable[[int], None] | None = None) -> str:
    """Streaming SHA-256 in constant memory: one reused buffer, no copies (hashlib releases the GIL,
    so several files hash in parallel threads). ``progress`` is called with each block's size.

    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "a.bin"
    >>> _ = path.write_bytes(b"abc")
    >>> seen = []
    >>> sha256_file(path, progress=seen.append)[:12], seen
    ('ba7816bf8f01', [3])
    """
    digest = hashlib.sha256()
    buffer = bytearray(chunk)
    view = memoryview(buffer)
    with open(path, "rb", buffering=0) as handle:
        while count := handle.readinto(buffer):
            digest.update(view[:count])
            if progress is not None:
                progress(count)
    return digest.hexdigest()
