"""Reading submitted text: UTF-8 validation, binary detection, bounded-memory paragraphs.

Input is decoded incrementally from bytes so that a 50 MB file never exists as one
string, and a decoding error can name the exact byte offset.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

from .errors import InputError
from .records import Paragraph

READ_CHUNK_BYTES = 1 << 16
#: A paragraph longer than this is cut at the last sentence end (or space) before it,
#: so memory stays bounded even for a file with no line breaks.
MAX_PARAGRAPH_CHARS = 200_000
_SENTENCE_ENDS = ".!?。！？…"


def open_binary(path: str | Path, expected: str = "a text file") -> BinaryIO:
    """Open a file for reading bytes; a directory or an OS error is an InputError naming the file."""
    name = str(path)
    target = Path(path)
    if target.is_dir():
        raise InputError(f"is a directory, expected {expected}", file=name)
    try:
        return target.open("rb")
    except OSError as exc:
        raise InputError(f"cannot open: {exc.strerror}", file=name) from None


def iter_decoded(stream: BinaryIO, name: str) -> Iterator[str]:
    """Yield decoded text chunks; raise InputError naming the file and byte offset."""
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    consumed = 0
    first = True
    while True:
        chunk = stream.read(READ_CHUNK_BYTES)
        final = not chunk
        if first:
            first = False
            if final:
                raise InputError("input is empty: nothing to audit", file=name)
            if chunk.startswith(codecs.BOM_UTF8):
                chunk = chunk[len(codecs.BOM_UTF8):]
                consumed += len(codecs.BOM_UTF8)
            if b"\x00" in chunk[:8192]:
                raise InputError(
                    "input looks binary (contains NUL bytes), expected UTF-8 text",
                    file=name,
                    byte_offset=consumed + chunk.index(b"\x00"),
                )
        try:
            text = decoder.decode(chunk, final=final)
        except UnicodeDecodeError as exc:
            pending = len(decoder.getstate()[0]) if not final else 0
            raise InputError(
                f"invalid UTF-8 ({exc.reason})",
                file=name,
                byte_offset=consumed - pending + exc.start,
            ) from None
        consumed += len(chunk)
        if text:
            yield text
        if final:
            return


def iter_paragraphs(chunks: Iterable[str], max_chars: int = MAX_PARAGRAPH_CHARS) -> Iterator[Paragraph]:
    """Split decoded chunks into paragraphs (lines), keeping document offsets.

    Line breaks (``\\n``, ``\\r\\n``) separate paragraphs and belong to no paragraph.
    """
    buffer = ""
    offset = 0  # document offset of buffer[0]
    index = 0
    for chunk in chunks:
        buffer += chunk
        while True:
            cut = buffer.find("\n")
            if cut < 0:
                if len(buffer) <= max_chars:
                    break
                cut = _soft_cut(buffer, max_chars)
                yield Paragraph(index, offset, buffer[:cut])
                index += 1
                offset += cut
                buffer = buffer[cut:]
                continue
            line = buffer[:cut]
            body = line[:-1] if line.endswith("\r") else line
            yield Paragraph(index, offset, body)
            index += 1
            offset += cut + 1
            buffer = buffer[cut + 1:]
    if buffer:
        body = buffer[:-1] if buffer.endswith("\r") else buffer
        yield Paragraph(index, offset, body)


def _soft_cut(text: str, limit: int) -> int:
    """Index just after the last sentence end (else whitespace) at or before ``limit``."""
    for i in range(limit - 1, limit // 2, -1):
        if text[i] in _SENTENCE_ENDS and (i + 1 >= len(text) or text[i + 1].isspace()):
            return i + 1
    space = text.rfind(" ", limit // 2, limit)
    return space + 1 if space > 0 else limit


def check_text(text: str, name: str = "<text>") -> str:
    """Validate an in-memory text (API requests): not empty, no NUL bytes."""
    if not text or not text.strip():
        raise InputError("input is empty: nothing to audit", file=name)
    if "\x00" in text:
        raise InputError("input contains NUL characters, expected plain text", file=name)
    return text
