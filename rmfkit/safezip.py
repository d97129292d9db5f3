"""The one safe reader of ``bundle.zip``: an archive every unzipper reads the same way, or a clear refusal.

Python's :mod:`zipfile` reads the central directory only; a streaming unzipper (``jar x``, ``bsdtar``)
reads the local headers. A forger can make the two disagree (an extra local entry before the central
directory, a script prepended to the archive), so :func:`read_archive` parses the archive itself and
accepts it only when both views are the same archive:

- the end record is the last 22 bytes (no comment), the central directory ends where it starts;
- local entries start at byte 0 and follow each other without gaps up to the central directory, and
  every local header repeats its central entry (name, flags, method, CRC, sizes);
- names are unique and stay inside the bundle; no encryption, data descriptors, zip64 or methods
  other than stored and deflated; no symbolic links, devices, setuid/setgid/sticky or executable files;
- sizes are bounded before anything is read, and :func:`stream` decompresses in chunks that never
  exceed the declared size (a zip bomb costs at most the declared bytes of time, never the memory).

>>> import io, zipfile, tempfile
>>> path = Path(tempfile.mkdtemp()) / "b.zip"
>>> with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
...     z.writestr("a.txt", b"abc")
>>> archive = read_archive(path)
>>> archive.problems, sorted(archive.entries), b"".join(stream(path, archive.entries["a.txt"]))
([], ['a.txt'], b'abc')
"""
from __future__ import annotations

import stat
import struct
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from rmfkit.errors import IntegrityError
from rmfkit.seal import safe_entry_name

MAX_ENTRIES = 100_000
MAX_ENTRY_BYTES = 4 * 1024 ** 3  # one entry, uncompressed (the artefact cap is 1 GiB by default)
CHUNK = 1024 * 1024
_EOCD = struct.Struct("<4sHHHHIIH")
_CENTRAL = struct.Struct("<4sHHHHHHIIIHHHHHII")
_LOCAL = struct.Struct("<4sHHHHHIIIHH")
_ENCRYPTED, _DESCRIPTOR, _UTF8 = 0x1, 0x8, 0x800
_UNIX = 3
STORED, DEFLATED = 0, 8  # the compression methods rmfkit writes
_SPECIAL_BITS = stat.S_ISUID | stat.S_ISGID | stat.S_ISVTX | 0o111


class ArchiveError(ValueError):
    """The archive's structure is unsafe or broken; nothing in it can be trusted."""


@dataclass(frozen=True)
class Entry:
    """One file in the archive: where its data starts, how it is compressed, its declared sizes and CRC."""

    name: str
    data_offset: int
    compress_size: int
    file_size: int
    method: int
    crc: int


@dataclass
class Archive:
    """The files of a structurally sound archive, and the problems of entries that were left out."""

    entries: dict[str, Entry] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def _end_record(handle, size: int) -> tuple[int, int, int]:
    """(entries, central directory offset, central directory size) from an end record that ends the file."""
    if size < _EOCD.size:
        raise ArchiveError("too short to be a zip")
    handle.seek(size - _EOCD.size)
    sig, disk, cd_disk, on_disk, total, cd_size, cd_offset, comment = _EOCD.unpack(handle.read(_EOCD.size))
    if sig != b"PK\x05\x06":
        raise ArchiveError("no end-of-archive record at the end (truncated, or data appended)")
    if comment or disk or cd_disk or on_disk != total:
        raise ArchiveError("the end record carries a comment or names other disks")
    if 0xFFFF in (on_disk, total) or 0xFFFFFFFF in (cd_size, cd_offset):
        raise ArchiveError("zip64 archives are not written by rmfkit")
    if total > MAX_ENTRIES:
        raise ArchiveError(f"{total} entries (limit {MAX_ENTRIES})")
    if cd_offset + cd_size != size - _EOCD.size:
        raise ArchiveError("the central directory does not end where the end record starts")
    return total, cd_offset, cd_size


def _central(handle, total: int, cd_offset: int, cd_size: int) -> list[tuple[str, tuple, int]]:
    """Each central entry: (name, its fields, Unix mode or 0)."""
    handle.seek(cd_offset)
    directory = handle.read(cd_size)
    found, pos = [], 0
    for _ in range(total):
        if pos + _CENTRAL.size > len(directory):
            raise ArchiveError("the central directory is cut short")
        fields = _CENTRAL.unpack_from(directory, pos)
        if fields[0] != b"PK\x01\x02":
            raise ArchiveError("the central directory holds something that is not an entry")
        name_len, extra_len, comment_len = fields[10], fields[11], fields[12]
        raw = directory[pos + _CENTRAL.size: pos + _CENTRAL.size + name_len]
        name = raw.decode("utf-8" if fields[3] & _UTF8 else "cp437", errors="replace")
        made_by_unix = fields[1] >> 8 == _UNIX
        found.append((name, fields, (fields[15] >> 16) if made_by_unix else 0))
        pos += _CENTRAL.size + name_len + extra_len + comment_len
    if pos != len(directory):
        raise ArchiveError("the central directory holds more than its entries")
    return found


def _check_mode(name: str, mode: int) -> str | None:
    kind = stat.S_IFMT(mode)
    if not mode or (kind == stat.S_IFDIR and name.endswith("/")):
        return None
    if kind == stat.S_IFLNK:
        return f"unexpected: {name} is a symbolic link"
    if kind not in (0, stat.S_IFREG):
        return f"unexpected: {name} is a special file (mode {oct(mode)})"
    if mode & _SPECIAL_BITS:
        return f"unexpected: {name} has executable or setuid/setgid/sticky mode bits ({oct(stat.S_IMODE(mode))})"
    return None


def read_archive(path: Path) -> Archive:
    """Parse ``path`` strictly (see the module doc). Raises :class:`ArchiveError` when the structure is unsafe;
    entries with unsafe names or modes are left out and listed in ``problems``."""
    archive = Archive()
    size = path.stat().st_size
    with open(path, "rb") as handle:
        total, cd_offset, cd_size = _end_record(handle, size)
        expected_offset = 0
        for name, fields, mode in _central(handle, total, cd_offset, cd_size):
            flags, method, crc, csize, usize, name_len, offset = (fields[3], fields[4], fields[7], fields[8],
                                                                  fields[9], fields[10], fields[16])
            if offset != expected_offset:
                raise ArchiveError(f"entry {name!r} is not where the previous one ends "
                                   "(data hidden between entries, or prepended to the archive)")
            handle.seek(offset)
            local = handle.read(_LOCAL.size)
            if len(local) != _LOCAL.size or local[:4] != b"PK\x03\x04":
                raise ArchiveError(f"entry {name!r} has no local header where the directory says")
            lfields = _LOCAL.unpack(local)
            local_name = handle.read(lfields[9])
            if (lfields[2], lfields[3], lfields[6], lfields[7], lfields[8]) != (flags, method, crc, csize, usize) \
                    or len(local_name) != name_len or local_name.decode("utf-8" if flags & _UTF8 else "cp437",
                                                                        errors="replace") != name:
                raise ArchiveError(f"entry {name!r}: the local header and the central directory disagree")
            if flags & (_ENCRYPTED | _DESCRIPTOR) or method not in (STORED, DEFLATED):
                raise ArchiveError(f"entry {name!r} is encrypted, streamed or compressed with method {method}")
            data_offset = offset + _LOCAL.size + lfields[9] + lfields[10]
            expected_offset = data_offset + csize
            if usize > MAX_ENTRY_BYTES:
                raise ArchiveError(f"entry {name!r} unpacks to {usize:,} bytes (limit {MAX_ENTRY_BYTES:,})")
            _add(archive, name, mode, Entry(name, data_offset, csize, usize, method, crc))
        if expected_offset != cd_offset:
            raise ArchiveError("data between the last entry and the central directory (a hidden extra entry?)")
    return archive


def _add(archive: Archive, raw_name: str, mode: int, entry: Entry) -> None:
    folder = raw_name.endswith("/")
    try:
        name = safe_entry_name(raw_name[:-1] if folder else raw_name)
    except IntegrityError:
        archive.problems.append(f"unsafe: {raw_name!r} would point outside the bundle")
        return
    problem = _check_mode(raw_name, mode)
    if problem:
        archive.problems.append(problem)
    elif name in archive.entries or (folder and name + "/" in archive.entries):
        archive.problems.append(f"unexpected: {raw_name} appears more than once")
    elif folder:
        if entry.file_size:
            archive.problems.append(f"unexpected: {raw_name} is a folder entry holding data")
    else:
        archive.entries[name] = entry


def stream(path: Path, entry: Entry) -> Iterator[bytes]:
    """The entry's bytes in chunks; raises :class:`ArchiveError` if they exceed or miss the declared size or CRC.

    Never holds more than one chunk (plus what one chunk of compressed data unpacks to, capped at the
    bytes still declared) in memory.
    """
    remaining_in, produced, crc = entry.compress_size, 0, 0
    inflater = zlib.decompressobj(-15) if entry.method == DEFLATED else None
    with open(path, "rb") as handle:
        handle.seek(entry.data_offset)
        while remaining_in or (inflater is not None and inflater.unconsumed_tail):
            if inflater is not None and inflater.unconsumed_tail:
                data = inflater.unconsumed_tail
            else:
                data = handle.read(min(CHUNK, remaining_in))
                if not data:
                    raise ArchiveError("ends before the entry's data")
                remaining_in -= len(data)
            try:
                out = data if inflater is None else inflater.decompress(data, max(1, entry.file_size - produced + 1))
            except zlib.error as exc:
                raise ArchiveError(f"compressed data is corrupt ({exc})") from None
            produced += len(out)
            if produced > entry.file_size:
                raise ArchiveError(f"unpacks to more than the {entry.file_size:,} bytes declared")
            crc = zlib.crc32(out, crc)
            yield out
    if inflater is not None and not inflater.eof:
        raise ArchiveError("compressed data is cut short")
    if produced != entry.file_size or crc != entry.crc:
        raise ArchiveError("unpacks to other bytes than declared (size or CRC differs)")
