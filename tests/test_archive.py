"""The ZIP writer of the export and the workbooks (reporting/archive.py): what it writes reads
back, with the standard library's reader, as what was written."""

import io
import os
import random
import struct
import zipfile

import pytest

from questionnaire.reporting import archive
from questionnaire.reporting.archive import Archive


def entries(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert z.testzip() is None  # every entry's CRC-32 checked
        return {name: z.read(name) for name in z.namelist()}


def test_entries_read_back_as_written(tmp_path):
    noise = random.Random(1).randbytes(300_000)  # does not deflate
    path = tmp_path / "out.zip"
    with Archive(str(path)) as zf:
        zf.writestr("codebook.csv", "fråga,svar\r\nS1,3\r\n")
        with zf.open("xl/worksheets/sheet1.xml") as entry:
            for n in range(1000):
                entry.write(b"<row><c><v>%d</v></c></row>" % n)
        with zf.open("brus.bin") as entry, io.TextIOWrapper(entry, encoding="utf-8") as text:
            text.write("början ")
            text.flush()
            entry.write(noise)
        zf.writestr("tom.txt", b"")
        zf.writestr("svar/åäö.csv", "å")
    found = entries(path.read_bytes())
    assert found == {
        "codebook.csv": "fråga,svar\r\nS1,3\r\n".encode(),
        "xl/worksheets/sheet1.xml": b"".join(b"<row><c><v>%d</v></c></row>" % n
                                             for n in range(1000)),
        "brus.bin": "början ".encode() + noise,
        "tom.txt": b"",
        "svar/åäö.csv": "å".encode(),
    }
    with zipfile.ZipFile(path) as z:
        sheet = z.getinfo("xl/worksheets/sheet1.xml")
        assert sheet.compress_type == zipfile.ZIP_DEFLATED
        assert sheet.compress_size < sheet.file_size / 10
        assert sheet.external_attr >> 16 == 0o600  # unpacked: for the owner only


def test_large_archives_get_zip64_fields(monkeypatch):
    """Sizes, offsets and a number of entries over the limits are written in ZIP64 fields; the
    limits are lowered here (the real ones need gigabytes)."""
    monkeypatch.setattr(archive, "ZIP64_LIMIT", 500)
    monkeypatch.setattr(archive, "ZIP64_ENTRIES", 3)
    data = {f"part{n}": os.urandom(100 * n) for n in range(1, 8)}
    out = io.BytesIO()
    with Archive(out) as zf:
        for name, content in data.items():
            zf.writestr(name, content)
    written = out.getvalue()
    assert b"PK\x06\x06" in written  # the ZIP64 end record
    assert b"PK\x06\x07" in written  # and its locator
    # The end record's fields that the ZIP64 one holds are all ones (else unzip stumbles)
    _, _, _, on_disk, count, _, start, _ = struct.unpack("<IHHHHIIH", written[-22:])
    assert (on_disk, count, start) == (0xFFFF, 0xFFFF, 0xFFFFFFFF)
    assert entries(written) == data
    with zipfile.ZipFile(out) as z:
        assert [i.file_size for i in z.infolist()] == [100 * n for n in range(1, 8)]


def test_the_target_need_not_be_seekable():
    class Pipe:
        def __init__(self):
            self.chunks = []

        def write(self, data):
            self.chunks.append(bytes(data))

        def flush(self):
            pass

    pipe = Pipe()
    with Archive(pipe) as zf:
        zf.writestr("a.csv", "1,2\r\n")
    assert entries(b"".join(pipe.chunks)) == {"a.csv": b"1,2\r\n"}


def test_one_entry_at_a_time():
    zf = Archive(io.BytesIO())
    zf.open("a.csv")
    with pytest.raises(ValueError, match=r"a\.csv"):
        zf.open("b.csv")
