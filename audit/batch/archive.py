"""Safe iteration over the members of a directory, a .zip or a .tar(.gz) archive.

Members are streamed one at a time (never the whole archive extracted); absolute paths and
``..`` are refused; each member's size, the total uncompressed size and the compression ratio
are capped (no zip bomb).
"""

from __future__ import annotations

import io
import os
import posixpath
import tarfile
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, BinaryIO

from ..errors import InputError

MiB = 1024 * 1024


class ArchiveError(InputError):
    """An archive member is unsafe (path escape, too large, compression bomb)."""


@dataclass(frozen=True)
class Limits:
    member_bytes: int = 512 * MiB  # one member, uncompressed
    total_bytes: int = 16 * 1024 * MiB  # the whole archive, uncompressed
    ratio: float = 200.0  # uncompressed / compressed, per zip member and for the whole tar


@dataclass
class Member:
    """One file of the archive: its safe relative name and a way to open it (once, streaming)."""

    name: str
    open: Callable[[], BinaryIO]
    size: int | None = None
    error: InputError | None = None  # set when the member is refused (reported, skipped)


def _refused(exc: ArchiveError, name: str) -> Member:
    def opener() -> BinaryIO:
        raise exc
    return Member(name, opener, None, exc)


def safe_name(name: str, archive: str) -> str:
    """The member's normalized relative path; ArchiveError for absolute paths or ``..``."""
    raw = name.replace("\\", "/")
    if raw.startswith("/") or (len(raw) > 1 and raw[1] == ":"):
        raise ArchiveError(f"member {name!r} has an absolute path; refused", file=archive)
    parts = raw.split("/")
    if ".." in parts:
        raise ArchiveError(f"member {name!r} escapes the archive ('..'); refused", file=archive)
    norm = posixpath.normpath(raw)
    if norm.startswith("../") or norm == "..":
        raise ArchiveError(f"member {name!r} escapes the archive; refused", file=archive)
    return norm


class CappedReader(io.RawIOBase):
    """Counts bytes read from ``raw`` and raises ArchiveError past the caps."""

    def __init__(self, raw: IO[bytes], name: str, limit: int, budget: list[int], total_limit: int,
                 compressed: int | None = None, ratio: float = 0.0) -> None:
        self.raw, self.name, self.limit = raw, name, limit
        self.budget, self.total_limit = budget, total_limit
        self.compressed, self.ratio = compressed, ratio
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        data = self.raw.read(len(buffer))
        n = len(data)
        buffer[:n] = data
        self.count += n
        self.budget[0] += n
        if self.count > self.limit:
            raise ArchiveError(f"member larger than {self.limit} bytes; refused", file=self.name)
        if self.budget[0] > self.total_limit:
            raise ArchiveError(f"archive larger than {self.total_limit} bytes uncompressed; refused",
                               file=self.name)
        if self.compressed is not None and self.ratio and self.count > 1 * MiB \
                and self.count > self.ratio * max(self.compressed, 1):
            raise ArchiveError(f"compression ratio above {self.ratio:g}; refused (zip bomb?)", file=self.name)
        return n

    def close(self) -> None:
        try:
            self.raw.close()
        finally:
            super().close()


def _buffered(reader: CappedReader) -> BinaryIO:
    return io.BufferedReader(reader, buffer_size=256 * 1024)


def kind_of(path: Path) -> str:
    name = path.name.lower()
    if path.is_dir():
        return "dir"
    if name.endswith(".zip"):
        return "zip"
    if name.endswith((".tar.gz", ".tgz", ".tar", ".tar.bz2", ".tar.xz")):
        return "tar"
    raise InputError("not a directory, .zip or .tar.gz archive", file=str(path))


def _skip(name: str) -> bool:
    base = posixpath.basename(name)
    return base.startswith(".") or "__MACOSX" in name.split("/")


def iter_members(path: str | Path, limits: Limits = Limits()) -> Iterator[Member]:
    """Members in a deterministic order (sorted names for dirs and zips, stored order for tars)."""
    root = Path(path)
    if not root.exists():
        raise InputError("no such file or directory", file=str(path))
    kind = kind_of(root)
    budget = [0]
    if kind == "dir":
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames.sort()
            for filename in sorted(filenames):
                full = Path(dirpath) / filename
                if full.is_symlink():
                    continue
                rel = full.relative_to(root).as_posix()
                if _skip(rel):
                    continue
                size = full.stat().st_size
                yield Member(rel, _dir_opener(full, rel, limits, budget), size)
        return
    if kind == "zip":
        with zipfile.ZipFile(root) as zf:
            infos = sorted((i for i in zf.infolist() if not i.is_dir()), key=lambda i: i.filename)
            for info in infos:
                try:
                    name = safe_name(info.filename, root.name)
                except ArchiveError as exc:
                    yield _refused(exc, info.filename)
                    continue
                if _skip(name):
                    continue
                try:
                    _check_zip_info(info, name, root, limits)
                except ArchiveError as exc:
                    yield _refused(exc, name)
                    continue
                yield Member(name, _zip_opener(zf, info, name, limits, budget), info.file_size)
        return
    compressed = root.stat().st_size
    with tarfile.open(root, mode="r|*") as tf:
        for entry in tf:
            tf.members = []  # type: ignore[attr-defined]  # streaming: do not keep every member's header (memory stays flat)
            if not entry.isfile():
                continue
            try:
                name = safe_name(entry.name, root.name)
            except ArchiveError as exc:
                yield _refused(exc, entry.name)
                continue
            if _skip(name):
                continue
            if entry.size > limits.member_bytes:
                yield _refused(ArchiveError(f"member {name!r} is {entry.size} bytes (cap {limits.member_bytes}); "
                                            "refused", file=root.name), name)
                continue
            if budget[0] + entry.size > limits.total_bytes:
                raise ArchiveError("archive larger than the uncompressed cap; refused", file=root.name)
            if budget[0] + entry.size > 1 * MiB and budget[0] + entry.size > limits.ratio * max(compressed, 1):
                raise ArchiveError(f"compression ratio above {limits.ratio:g}; refused (tar bomb?)", file=root.name)
            handle = tf.extractfile(entry)
            if handle is None:
                continue
            yield Member(name, _tar_opener(handle, name, limits, budget), entry.size)


def _check_zip_info(info: zipfile.ZipInfo, name: str, root: Path, limits: Limits) -> None:
    if info.file_size > limits.member_bytes:
        raise ArchiveError(f"member {name!r} is {info.file_size} bytes (cap {limits.member_bytes}); refused",
                           file=root.name)
    if info.file_size > 1 * MiB and info.file_size > limits.ratio * max(info.compress_size, 1):
        raise ArchiveError(f"member {name!r} compression ratio above {limits.ratio:g}; refused (zip bomb?)",
                           file=root.name)


def _dir_opener(full: Path, name: str, limits: Limits, budget: list[int]) -> Callable[[], BinaryIO]:
    def opener() -> BinaryIO:
        return _buffered(CappedReader(full.open("rb"), name, limits.member_bytes, budget, limits.total_bytes))
    return opener


def _zip_opener(zf: zipfile.ZipFile, info: zipfile.ZipInfo, name: str, limits: Limits,
                budget: list[int]) -> Callable[[], BinaryIO]:
    def opener() -> BinaryIO:
        return _buffered(CappedReader(zf.open(info), name, limits.member_bytes, budget, limits.total_bytes,
                                      info.compress_size, limits.ratio))
    return opener


def _tar_opener(handle: IO[bytes], name: str, limits: Limits, budget: list[int]) -> Callable[[], BinaryIO]:
    def opener() -> BinaryIO:
        return _buffered(CappedReader(handle, name, limits.member_bytes, budget, limits.total_bytes))
    return opener


def count_members(path: str | Path) -> int | None:
    """How many members (for the progress bar's total); None when it would cost a full pass."""
    root = Path(path)
    kind = kind_of(root)
    if kind == "dir":
        return sum(1 for _ in iter_members(root))
    if kind == "zip":
        with zipfile.ZipFile(root) as zf:
            return sum(1 for i in zf.infolist() if not i.is_dir())
    return None
