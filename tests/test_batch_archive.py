"""Archive safety: path escapes and bombs are refused, the rest is read."""

from __future__ import annotations

import io
import tarfile
import zipfile
from pathlib import Path

import pytest

from audit.batch.archive import ArchiveError, Limits, iter_members, safe_name
from audit.batch.readers import ReaderOptions, ReadStats, iter_documents

GOOD = b'{"mt": "A fine sentence."}\n'


@pytest.mark.parametrize("name", ["../x.jsonl", "a/../../x.jsonl", "/etc/passwd", "C:/x.jsonl", "..\\x.jsonl"])
def test_safe_name_refuses_escapes(name: str) -> None:
    with pytest.raises(ArchiveError):
        safe_name(name, "a.zip")


def test_zip_slip_and_absolute_members_are_refused_and_counted(tmp_path: Path) -> None:
    path = tmp_path / "a.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("ok.jsonl", GOOD)
        zf.writestr("../evil.jsonl", GOOD)
        zf.writestr("/abs.jsonl", GOOD)
    stats = ReadStats()
    docs = list(iter_documents(iter_members(path), ReaderOptions(), stats))
    assert [d.doc_id for d in docs] == ["ok.jsonl"]
    assert sorted(s.file for s in stats.skipped) == ["../evil.jsonl", "/abs.jsonl"]
    assert not (tmp_path.parent / "evil.jsonl").exists()


def test_tar_slip_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "a.tar.gz"
    with tarfile.open(path, "w:gz") as tf:
        for name in ("ok.jsonl", "../evil.jsonl"):
            info = tarfile.TarInfo(name)
            info.size = len(GOOD)
            tf.addfile(info, io.BytesIO(GOOD))
    stats = ReadStats()
    docs = list(iter_documents(iter_members(path), ReaderOptions(), stats))
    assert [d.doc_id for d in docs] == ["ok.jsonl"]
    assert [s.file for s in stats.skipped] == ["../evil.jsonl"]


def test_zip_bomb_member_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bomb.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("bomb.jsonl", b" " * (20 * 1024 * 1024))
        zf.writestr("ok.jsonl", GOOD)
    stats = ReadStats()
    docs = list(iter_documents(iter_members(path), ReaderOptions(), stats))
    assert [d.doc_id for d in docs] == ["ok.jsonl"]
    assert stats.skipped[0].file == "bomb.jsonl"
    assert "ratio" in stats.skipped[0].message


def test_oversized_member_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "big.tar.gz"
    with tarfile.open(path, "w:gz") as tf:
        data = GOOD * 1000
        info = tarfile.TarInfo("big.jsonl")
        info.size = len(data)
        tf.addfile(info, io.BytesIO(data))
    stats = ReadStats()
    docs = list(iter_documents(iter_members(path, Limits(member_bytes=1000)), ReaderOptions(), stats))
    assert docs == []
    assert stats.skipped[0].file == "big.jsonl" and "refused" in stats.skipped[0].message


def test_lying_zip_header_is_caught_while_reading(tmp_path: Path) -> None:
    """A member whose real size exceeds the cap is stopped by the counting reader."""
    path = tmp_path / "a"
    path.mkdir()
    (path / "x.jsonl").write_bytes(GOOD * 100)
    stats = ReadStats()
    docs = list(iter_documents(iter_members(path, Limits(member_bytes=500)), ReaderOptions(), stats))
    assert docs == [] or all(len(d.segments) <= 100 for d in docs)
    assert stats.skipped and stats.skipped[0].file == "x.jsonl"
