"""Readers of human MQM annotations: JSONL and the google/wmt-mqm-human-evaluation TSV."""

from __future__ import annotations

import json

import pytest

from audit.errors import InputError
from audit.evaluation.data import detect_format, read_annotations, read_jsonl, read_mqm_tsv, strip_markers

HEADER = "system\tdoc\tdoc_id\tseg_id\trater\tsource\ttarget\tcategory\tseverity\n"


def write_jsonl(path, rows):
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def row(target, spans, **extra):
    return {
        "system": "S",
        "doc": "d1",
        "seg_id": 1,
        "rater": "r1",
        "source": "源",
        "target": target,
        "spans": spans,
        **extra,
    }


def test_jsonl_reads_spans_and_error_free_rows(tmp_path):
    path = write_jsonl(
        tmp_path / "a.jsonl",
        [
            row("The cat sat.", [{"start": 4, "end": 7, "severity": "major", "text": "cat"}]),
            row("All fine.", []),
            row("Odd words.", [{"start": 0, "end": 3, "severity": "Minor"}], system="T"),
        ],
    )
    first, second, third = read_jsonl(path)
    assert first.target[first.spans[0].start : first.spans[0].end] == "cat"
    assert first.has_error and first.has_major and first.spans[0].severity == "major"
    assert not second.has_error and not second.has_major
    assert third.spans[0].severity == "minor" and not third.has_major and third.system == "T"


def test_jsonl_neutral_span_is_no_error(tmp_path):
    path = write_jsonl(tmp_path / "a.jsonl", [row("Fine text.", [{"start": 0, "end": 4, "severity": "Neutral"}])])
    (segment,) = read_jsonl(path)
    assert segment.spans == () and not segment.has_error


def test_jsonl_optional_fields_default(tmp_path):
    path = write_jsonl(tmp_path / "a.jsonl", [{"target": "Hi.", "spans": []}])
    (segment,) = read_jsonl(path)
    assert (segment.system, segment.doc, segment.seg_id, segment.rater, segment.source) == (
        "",
        "",
        None,
        None,
        "",
    )


def test_jsonl_text_mismatch_names_line_and_field(tmp_path):
    path = write_jsonl(
        tmp_path / "a.jsonl",
        [
            row("ok", []),
            row("The cat sat.", [{"start": 4, "end": 7, "severity": "major", "text": "dog"}]),
        ],
    )
    with pytest.raises(InputError) as info:
        read_jsonl(path)
    assert info.value.line == 2 and info.value.field == "spans[0].text"
    assert str(path) in info.value.describe()


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        ({"spans": []}, "target"),
        ({"target": "x", "spans": "none"}, "spans"),
        ({"target": "abc", "spans": [{"start": 1, "end": 9, "severity": "major"}]}, "spans[0]"),
        ({"target": "abc", "spans": [{"start": 0, "end": 1, "severity": "huge"}]}, "spans[0].severity"),
        ({"target": "abc", "spans": [{"start": "0", "end": 1, "severity": "minor"}]}, "spans[0].start"),
        ({"target": "abc", "seg_id": "x", "spans": []}, "seg_id"),
    ],
)
def test_jsonl_bad_rows(tmp_path, bad, field):
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps({"target": "fine", "spans": []}) + "\n\n" + json.dumps(bad) + "\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        read_jsonl(path)
    assert info.value.line == 3
    assert info.value.field == field


def test_jsonl_invalid_json_names_line(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"target": "a", "spans": []}\n{"target": \n', encoding="utf-8")
    with pytest.raises(InputError, match="invalid JSON") as info:
        read_jsonl(path)
    assert info.value.line == 2


def test_jsonl_invalid_utf8_names_line(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_bytes(b'{"target": "a", "spans": []}\n{"target": "\xff", "spans": []}\n')
    with pytest.raises(InputError, match="UTF-8") as info:
        read_jsonl(path)
    assert info.value.line == 2


def test_missing_file_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="cannot open"):
        read_jsonl(tmp_path / "nope.jsonl")


# --- TSV ------------------------------------------------------------------------------------

TSV = HEADER + (
    "sysA\tdoc1\t1\t1\tr1\t源\tThe <v>cat</v> sat on the mat.\tAccuracy/Mistranslation\tMajor\n"
    "sysA\tdoc1\t1\t1\tr1\t源\tThe cat sat <v>on the</v> mat.\tFluency/Grammar\tMinor\n"
    "sysA\tdoc1\t1\t2\tr1\t源二\tAll good here.\tNo-error\tNo-error\n"
    "sysB\tdoc1\t1\t1\tr2\t<v>源</v>\tA dog sat.\tAccuracy/Omission\tMajor\n"
    "sysB\tdoc1\t1\t2\tr2\t源二\tFine <v>text</v>.\tStyle/Awkward\tNeutral\n"
    "sysB\tdoc2\t2\t3\tr2\t源三\t<v></v>Hello.\tNon-translation!\tMajor\n"
)


def test_tsv_groups_rows_and_strips_markers(tmp_path):
    path = tmp_path / "mqm.tsv"
    path.write_text(TSV, encoding="utf-8")
    segments = read_mqm_tsv(path)
    assert len(segments) == 5
    a1, a2, b1, b2, b3 = segments
    assert a1.target == "The cat sat on the mat."
    assert [(s.start, s.end, s.severity, s.category) for s in a1.spans] == [
        (4, 7, "major", "Accuracy/Mistranslation"),
        (12, 18, "minor", "Fluency/Grammar"),
    ]
    assert a1.target[12:18] == "on the"
    assert (a1.system, a1.doc, a1.seg_id, a1.rater) == ("sysA", "doc1", 1, "r1")
    assert not a2.has_error and a2.target == "All good here."
    # an omission: no target span, but the segment has a major error
    assert b1.spans == () and b1.has_error and b1.has_major and b1.source == "源"
    # Neutral is no error; the markers are still removed
    assert not b2.has_error and b2.target == "Fine text."
    # markers enclosing nothing: an error without a span
    assert b3.target == "Hello." and b3.spans == () and b3.has_error


def test_tsv_without_header_uses_standard_columns(tmp_path):
    path = tmp_path / "mqm.tsv"
    path.write_text(TSV.split("\n", 1)[1], encoding="utf-8")
    assert len(read_mqm_tsv(path)) == 5


def test_tsv_unclosed_marker_names_line(tmp_path):
    path = tmp_path / "mqm.tsv"
    path.write_text(
        HEADER + "s\td\t1\t1\tr\tx\tfine\tNo-error\tNo-error\n"
        "s\td\t1\t2\tr\tx\tThe <v>cat sat.\tFluency/Grammar\tMinor\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError, match="never closed") as info:
        read_mqm_tsv(path)
    assert (info.value.line, info.value.field) == (3, "target")


def test_tsv_unknown_severity_and_short_row(tmp_path):
    path = tmp_path / "mqm.tsv"
    path.write_text(HEADER + "s\td\t1\t1\tr\tx\t<v>a</v>\tFluency/Grammar\tHuge\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        read_mqm_tsv(path)
    assert (info.value.line, info.value.field) == (2, "severity")
    path.write_text(HEADER + "s\td\t1\t1\tr\tx\n", encoding="utf-8")
    with pytest.raises(InputError, match="tab-separated") as info:
        read_mqm_tsv(path)
    assert info.value.line == 2


def test_tsv_inconsistent_target_is_an_error(tmp_path):
    path = tmp_path / "mqm.tsv"
    path.write_text(
        HEADER + "s\td\t1\t1\tr\tx\t<v>a</v> b\tFluency/Grammar\tMinor\n"
        "s\td\t1\t1\tr\tx\ta <v>c</v>\tFluency/Grammar\tMinor\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError, match="differs") as info:
        read_mqm_tsv(path)
    assert info.value.line == 3


def test_strip_markers_several_pairs():
    plain, spans = strip_markers("<v>A</v> b <v>cd</v>", file="f", line=1)
    assert plain == "A b cd" and spans == [(0, 1), (4, 6)]
    with pytest.raises(InputError, match="without"):
        strip_markers("a</v>", file="f", line=1)


def test_format_detection(tmp_path):
    assert detect_format("x.jsonl") == "jsonl" and detect_format("x.tsv") == "tsv"
    with pytest.raises(InputError, match="--input-format"):
        detect_format("x.csv")
    path = tmp_path / "data.txt"
    path.write_text(TSV, encoding="utf-8")
    assert len(read_annotations(path, "tsv")) == 5
