"""ZIP archives written entry by entry: the export's ZIP of CSV files and every workbook (an XLSX
file is a ZIP of XML parts). Memory stays flat.

Written here rather than with the standard library's zipfile because of the export's size: at
100 000 participants its workbook holds 1.7 GB of worksheet XML. zipfile deflates with zlib and
checks the data with zlib's CRC-32, and gives no way to use anything else; ISA-L (the `isal`
package: Intel's storage acceleration library) deflates the same XML about 8 times as fast into a
smaller file, and computes the CRC-32 about 7 times as fast. That took the 100 000-participant
workbook from 9.4 to 7.6 seconds on PostgreSQL (bench/reports.py).

Each entry is streamed: its local header says that its CRC and sizes follow its data (a data
descriptor, as Go's archive/zip writes every entry, and with it the workbooks of excelize), so
the target need not be seekable. ZIP64 fields are written only where a size, an offset or the
number of entries needs them (PKWARE's APPNOTE 4.3.9, 4.3.14, 4.5.3), at zipfile's limit.
"""

from __future__ import annotations

import io
import struct
import time
from typing import IO

from isal import isal_zlib

#: Above this a size or an offset goes in a ZIP64 field (zipfile's limit: some readers take the
#: 32-bit fields as signed). Read when used: a test lowers it.
ZIP64_LIMIT = (1 << 31) - 1
#: Above this the number of entries goes in the ZIP64 end record.
ZIP64_ENTRIES = 0xFFFF
_ALL_ONES = 0xFFFFFFFF
#: General purpose flags: bit 3, the CRC and sizes follow the data; bit 11, the name is UTF-8.
_DESCRIBED_AFTER, _UTF8 = 0x08, 0x800
_DEFLATED = 8
#: Version needed to extract: 2.0 (deflate), 4.5 (ZIP64). Made by: Unix (3), 4.5.
_VERSION, _VERSION64, _MADE_BY = 20, 45, (3 << 8) | 45
#: Written data is deflated in pieces of at least this many bytes: ISA-L ends a block at each
#: call, which for a row at a time made a sheet five times the size.
_PIECE = 1 << 16
#: File attributes when unpacked on Unix: read and write for the owner only (as zipfile).
_ATTRIBUTES = 0o600 << 16

_LOCAL = struct.Struct("<IHHHHHIIIHH")
_DESCRIPTOR = struct.Struct("<IIII")
_DESCRIPTOR64 = struct.Struct("<IIQQ")
_CENTRAL = struct.Struct("<IHHHHHHIIIHHHHHII")
_END64 = struct.Struct("<IQHHIIQQQQ")
_LOCATOR64 = struct.Struct("<IIQI")
_END = struct.Struct("<IHHHHIIH")


class Archive:
    """A ZIP archive written to `target` (a path, or a binary stream written from its current
    position): `open(name)` gives an entry to write, `writestr` writes a whole one, `close`
    writes the central directory. Entries are deflated (ISA-L, level 1: fast, and smaller
    than zlib's level 1). One entry is written at a time."""

    def __init__(self, target: str | IO[bytes]) -> None:
        self.owned = isinstance(target, str)
        self.file: IO[bytes] = open(target, "wb") if isinstance(target, str) else target  # noqa: SIM115
        self.offset = 0
        self.directory: list[bytes] = []
        self.writing: _Entry | None = None
        now = time.localtime()
        self.time = now.tm_hour << 11 | now.tm_min << 5 | now.tm_sec // 2
        self.date = (max(now.tm_year, 1980) - 1980) << 9 | now.tm_mon << 5 | now.tm_mday

    def open(self, name: str) -> _Entry:
        """A new entry, written with `write(bytes)` until it is closed."""
        if self.writing is not None:
            raise ValueError(f"{self.writing.name!r} is still being written")
        self.writing = _Entry(self, name)
        return self.writing

    def writestr(self, name: str, data: str | bytes) -> None:
        with self.open(name) as entry:
            entry.write(data.encode() if isinstance(data, str) else data)

    def _write(self, data: bytes) -> None:
        self.file.write(data)
        self.offset += len(data)

    def _entered(self, entry: _Entry, crc: int, size: int, compressed: int) -> None:
        """The entry is written: its data descriptor, and its record for the directory."""
        large = max(size, compressed) > ZIP64_LIMIT
        self._write((_DESCRIPTOR64 if large else _DESCRIPTOR).pack(
            0x08074B50, crc, compressed, size))
        extra = [size, compressed] if large else []
        if entry.offset > ZIP64_LIMIT:
            extra.append(entry.offset)
        zip64 = struct.pack(f"<HH{len(extra)}Q", 1, 8 * len(extra), *extra) if extra else b""
        self.directory.append(_CENTRAL.pack(
            0x02014B50, _MADE_BY, _VERSION64 if extra else _VERSION, entry.flags, _DEFLATED,
            self.time, self.date, crc, _ALL_ONES if large else compressed,
            _ALL_ONES if large else size, len(entry.name), len(zip64), 0, 0, 0, _ATTRIBUTES,
            _ALL_ONES if entry.offset > ZIP64_LIMIT else entry.offset) + entry.name + zip64)
        self.writing = None

    def close(self) -> None:
        """The central directory, with ZIP64 end records where it needs them."""
        if self.writing is not None:
            self.writing.close()
        start, count = self.offset, len(self.directory)
        self._write(b"".join(self.directory))
        size = self.offset - start
        if count > ZIP64_ENTRIES or max(start, size) > ZIP64_LIMIT:
            end64 = self.offset
            self._write(_END64.pack(0x06064B50, _END64.size - 12, _MADE_BY, _VERSION64, 0, 0,
                                    count, count, size, start))
            self._write(_LOCATOR64.pack(0x07064B50, 0, end64, 1))
        # A field whose value is in the ZIP64 end record: all ones (APPNOTE 4.4.1.4)
        entries = 0xFFFF if count > ZIP64_ENTRIES else count
        self._write(_END.pack(0x06054B50, 0, 0, entries, entries,
                              _ALL_ONES if size > ZIP64_LIMIT else size,
                              _ALL_ONES if start > ZIP64_LIMIT else start, 0))
        self.file.flush()
        if self.owned:
            self.file.close()

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, kind: type[BaseException] | None, *_exc: object) -> None:
        if kind is None:
            self.close()
        elif self.owned:  # the error is what the caller must see: the archive is unfinished
            self.file.close()


class _Entry(io.BufferedIOBase):
    """One entry of an Archive, deflated as it is written (a binary stream: io.TextIOWrapper
    can write text to it)."""

    def __init__(self, archive: Archive, name: str) -> None:
        super().__init__()
        self.archive = archive
        self.name = name.encode()
        self.flags = _DESCRIBED_AFTER | (0 if name.isascii() else _UTF8)
        self.offset = archive.offset
        self.crc = self.size = self.compressed = self.waiting = 0
        self.pending: list[bytes] = []
        self.deflate = isal_zlib.compressobj(1, isal_zlib.DEFLATED, -15)
        archive._write(_LOCAL.pack(0x04034B50, _VERSION, self.flags, _DEFLATED, archive.time,
                                   archive.date, 0, 0, 0, len(self.name), 0) + self.name)

    def writable(self) -> bool:
        return True

    def write(self, data: bytes) -> int:  # type: ignore[override]
        if self.closed:
            raise ValueError("write to a closed entry")
        self.crc = isal_zlib.crc32(data, self.crc)
        self.size += len(data)
        self.pending.append(bytes(data))
        self.waiting += len(data)
        if self.waiting >= _PIECE:
            self._deflate()
        return len(data)

    def _deflate(self) -> None:
        self._out(self.deflate.compress(b"".join(self.pending)))
        self.pending, self.waiting = [], 0

    def _out(self, data: bytes) -> None:
        self.archive._write(data)
        self.compressed += len(data)

    def close(self) -> None:
        if self.closed:
            return
        super().close()
        self._deflate()
        self._out(self.deflate.flush())
        self.archive._entered(self, self.crc, self.size, self.compressed)
