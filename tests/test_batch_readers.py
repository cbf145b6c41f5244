"""Readers: one small file per format, and bad files named with their line."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from audit.batch.archive import iter_members
from audit.batch.readers import ReaderOptions, ReadStats, iter_documents, read_member
from audit.batch.samples import SENTENCES, sample_files, write_tree
from audit.errors import InputError

OPTIONS = ReaderOptions()


def _docs(name: str, data: bytes, options: ReaderOptions = OPTIONS):
    return list(read_member(name, lambda: io.BytesIO(data), options))


@pytest.mark.parametrize("name", ["memories/news.tmx", "xliff/doc12.xlf", "xliff/doc20.xlf", "po/app.po",
                                  "tables/batch.csv", "tables/batch.tsv"])
def test_each_format_reads_sources_and_targets(name: str) -> None:
    docs = _docs(name, sample_files()[name])
    segments = [s for d in docs for s in d.segments]
    assert [s.mt for s in segments] == [t for _s, t, _r in SENTENCES]
    if not name.endswith(".tsv"):
        assert [s.source for s in segments] == [s for s, _t, _r in SENTENCES]
    assert len({s.seg_id for s in segments}) == len(segments)


def test_jsonl_groups_documents_by_field() -> None:
    docs = _docs("lines/feed.jsonl", sample_files()["lines/feed.jsonl"])
    assert [d.doc_id for d in docs] == ["lines/feed.jsonl#j1", "lines/feed.jsonl#j2"]
    assert [s.seg_id for d in docs for s in d.segments] == ["s1", "s2", "s3", "s4"]


def test_csv_column_flags() -> None:
    data = b"lang,target,ref,file\nzh,Hello there.,Hi there.,a\nzh,Bye now.,Goodbye.,b\n"
    options = ReaderOptions(mt_col="target", ref_col="ref", doc_col="file", id_col=None, source_col="none")
    docs = _docs("t.csv", data, options)
    assert [(d.doc_id, d.segments[0].mt, d.segments[0].reference) for d in docs] == [
        ("t.csv#a", "Hello there.", "Hi there."), ("t.csv#b", "Bye now.", "Goodbye.")]


def test_long_documents_are_chunked() -> None:
    data = "".join(f'{{"mt": "Sentence number {i}."}}\n' for i in range(7)).encode()
    docs = _docs("x.jsonl", data, ReaderOptions(chunk=3))
    assert [(d.chunk, d.first_index, len(d.segments)) for d in docs] == [(0, 0, 3), (1, 3, 3), (2, 6, 1)]
    assert len({d.key for d in docs}) == 3


def test_aligned_text_files_with_reference(tmp_path: Path) -> None:
    write_tree(tmp_path)
    stats = ReadStats()
    docs = list(iter_documents(iter_members(tmp_path), OPTIONS, stats))
    story = [d for d in docs if d.doc_id == "refs/story.mt.txt"]
    assert len(story) == 1
    seg = story[0].segments[0]
    assert (seg.source, seg.mt, seg.reference) == SENTENCES[0]
    assert [s.file for s in stats.skipped] == ["broken/bad.jsonl"]
    assert stats.skipped[0].line == 3
    plain = next(d for d in docs if d.doc_id == "text/plain.txt")
    assert plain.segments[0].source is None and plain.segments[0].reference is None


@pytest.mark.parametrize(("name", "data", "line"), [
    ("bad.tmx", b'<?xml version="1.0"?>\n<tmx version="1.4">\n<body>\n<tu><tuv xml:lang="en"><seg>x</sg>'
                b"</tuv></tu>\n</body></tmx>\n", 4),
    ("bad.xlf", b'<?xml version="1.0"?>\n<xliff version="1.2">\n<file>\n<body>\n<trans-unit id="1">'
                b"<source>x</source><target>y</target>\n</body></file></xliff>\n", 6),
    ("bad.po", b'msgid "a"\nmsgstr "b"\n\nmsgid "c"\nmsgstr "d\n', 5),
    ("bad.csv", b"id,mt\n1,Fine.\n2,Fine,extra\n", 3),
    ("bad.jsonl", b'{"mt": "ok"}\n\n["not an object"]\n', 3),
    ("bad.tsv", b"id\tmt\n1\tok\n2\t\xff\xfe\n", 3),
])
def test_corrupt_file_names_file_and_line(name: str, data: bytes, line: int) -> None:
    with pytest.raises(InputError) as info:
        _docs(name, data)
    assert info.value.file == name
    assert info.value.line == line
    assert name in str(info.value)


def test_xml_entities_are_refused() -> None:
    bomb = (b'<?xml version="1.0"?>\n<!DOCTYPE tmx [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>\n'
            b'<tmx version="1.4"><body><tu><tuv xml:lang="en"><seg>&b;</seg></tuv></tu></body></tmx>')
    with pytest.raises(InputError, match="unsafe XML"):
        _docs("bomb.tmx", bomb)


def test_misaligned_reference_is_reported(tmp_path: Path) -> None:
    (tmp_path / "a.mt.txt").write_text("One.\nTwo.\n")
    (tmp_path / "a.ref.txt").write_text("One.\n")
    stats = ReadStats()
    assert list(iter_documents(iter_members(tmp_path), OPTIONS, stats)) == []
    assert stats.skipped[0].file == "a.ref.txt"
    assert "2" in stats.skipped[0].message
