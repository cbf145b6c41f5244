import io
import tracemalloc

import pytest

from audit.errors import InputError
from audit.textio import check_text, iter_decoded, iter_paragraphs


def _decode(data: bytes, chunk: int | None = None):
    return "".join(iter_decoded(io.BytesIO(data), "doc.txt"))


def test_empty_input_is_refused():
    with pytest.raises(InputError, match="empty"):
        _decode(b"")


def test_binary_input_is_refused_with_offset():
    with pytest.raises(InputError) as info:
        _decode(b"ELF\x00\x01\x02")
    assert info.value.byte_offset == 3
    assert "binary" in info.value.describe()


def test_invalid_utf8_names_file_and_byte_offset():
    data = "Good text – fine.\n".encode() + b"bad \xff byte"
    with pytest.raises(InputError) as info:
        _decode(data)
    assert info.value.file == "doc.txt"
    assert info.value.byte_offset == data.index(b"\xff")
    assert "doc.txt, byte" in info.value.describe()


def test_invalid_utf8_offset_across_chunk_boundary(monkeypatch):
    import audit.textio as textio

    monkeypatch.setattr(textio, "READ_CHUNK_BYTES", 7)
    data = "abcdé".encode() + b"xyz\xc3(" + b"tail"
    with pytest.raises(InputError) as info:
        _decode(data)
    assert info.value.byte_offset == data.index(b"\xc3(")


def test_bom_is_skipped_and_multibyte_chars_split_across_chunks(monkeypatch):
    import audit.textio as textio

    monkeypatch.setattr(textio, "READ_CHUNK_BYTES", 3)
    text = "联华抗苏 – Trump’s"
    assert _decode(b"\xef\xbb\xbf" + text.encode()) == text


def test_paragraph_offsets_with_crlf_and_blank_lines():
    text = "One.\r\nTwo.\n\nThree."
    paragraphs = list(iter_paragraphs([text[:3], text[3:9], text[9:]]))
    assert [(p.start, p.text) for p in paragraphs] == [(0, "One."), (6, "Two."), (11, ""), (12, "Three.")]
    for p in paragraphs:
        assert text[p.start:p.end] == p.text


def test_overlong_paragraph_is_cut_at_a_sentence_end():
    text = "Sentence number one. " * 50
    paragraphs = list(iter_paragraphs([text], max_chars=100))
    assert all(len(p.text) <= 100 for p in paragraphs)
    assert "".join(p.text for p in paragraphs) == text
    assert all(text[p.start:p.end] == p.text for p in paragraphs)
    assert paragraphs[0].text.endswith("one.")


def test_fifty_megabytes_are_read_in_bounded_memory(tmp_path):
    path = tmp_path / "big.txt"
    line = ("The U.S. cannot and is willing to make a real impression on Russia. " * 20 + "\n").encode()
    with path.open("wb") as handle:
        for _ in range(50 * 1024 * 1024 // len(line) + 1):
            handle.write(line)
    size = path.stat().st_size
    assert size >= 50 * 1024 * 1024
    tracemalloc.start()
    with path.open("rb") as stream:
        count = sum(1 for _ in iter_paragraphs(iter_decoded(stream, str(path))))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert count == size // len(line)
    assert peak < 2 * 1024 * 1024, f"peak {peak} bytes for a {size}-byte file"


def test_check_text():
    with pytest.raises(InputError):
        check_text("   \n ")
    with pytest.raises(InputError, match="NUL"):
        check_text("a\x00b")
    assert check_text("fine") == "fine"
