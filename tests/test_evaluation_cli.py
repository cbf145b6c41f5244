"""``mt-audit eval`` end to end on small hand-made annotation files.

The flagger here is one test rule (the word "badword"), no glossary, no grammar checker, so every
expected figure can be worked out by hand from the rows below.
"""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from audit.cli import main

RULE_YAML = """rules:
  - id: test.eval.badword
    category: Style/Awkward
    severity: minor
    message: "A test rule."
    pattern: '\\bbadword\\b'
"""
HIT = "This has a badword here."  # gold span on "badword" (11..18), major
FALSE = "Clean badword text."  # flagged, marked error-free
MISSED = "Another sentence with an error."  # gold span on "error" (25..30), minor, not flagged
CLEAN = "Perfectly fine sentence."


def _rows() -> list[dict]:
    rows = []
    for _i in range(6):
        rows.append({"doc": "d1", "target": HIT, "spans": [{"start": 11, "end": 18, "severity": "major"}]})
    for _i in range(2):
        rows.append({"doc": "d1", "target": FALSE, "spans": []})
    for _i in range(4):
        rows.append({"doc": "d2", "target": MISSED, "spans": [{"start": 25, "end": 30, "severity": "minor"}]})
    for _i in range(8):
        rows.append({"doc": "d2", "target": CLEAN, "spans": []})
    for index, row in enumerate(rows):
        row.update(system="S", seg_id=index, rater="r1", source="源")
    return rows


@pytest.fixture
def files(tmp_path):
    rows = _rows()
    assert HIT[11:18] == "badword" and MISSED[25:30] == "error"
    data = tmp_path / "slice.jsonl"
    data.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    rules = tmp_path / "rules.yaml"
    rules.write_text(RULE_YAML, encoding="utf-8")
    return data, rules


def run(*args: str):
    return CliRunner().invoke(main, ["eval", *args])


FLAGGER = ["--no-glossary", "--no-grammar"]


def test_json_figures_match_hand_computed(files):
    data, rules = files
    result = run(str(data), "--format", "json", "--rules", str(rules), *FLAGGER)
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert (out["segments"], out["documents"], out["with_source"]) == (20, 2, False)
    f = out["flagger"]
    # 8 flagged (6 HIT + 2 FALSE); 10 with an error (6 HIT + 4 MISSED), 6 of them major (HIT).
    assert f["flagged"] == 8
    assert f["segment_any_error"]["precision"] == pytest.approx(6 / 8)
    assert f["segment_any_error"]["recall"] == pytest.approx(6 / 10, abs=1e-4)
    assert f["segment_major_error"]["recall"] == pytest.approx(1.0)
    # error-free: 2 FALSE + 8 CLEAN; 2 flagged.
    assert f["false_flag_rate"]["rate"] == pytest.approx(0.2)
    # span: 8 x 7 predicted chars, 6 x 7 + 4 x 5 = 62 gold chars, 42 shared.
    assert (f["span"]["tp"], f["span"]["predicted"], f["span"]["gold"]) == (42, 56, 62)
    b = out["baselines"]
    assert set(b) == {"all", "none", "random", "random_expected"}
    assert b["all"]["flag_rate"] == 1.0 and b["all"]["segment_any_error"]["precision"] == pytest.approx(0.5)
    assert b["none"]["flagged"] == 0 and b["none"]["false_flag_rate"]["rate"] == 0.0
    assert b["random_expected"]["flag_rate"] == pytest.approx(0.4)
    (rule,) = out["per_rule"]
    assert (rule["key"], rule["flags"], rule["on_gold"], rule["on_clean"], rule["noisy"]) == (
        "test.eval.badword",
        8,
        6,
        2,
        False,
    )


def test_table_format(files):
    data, rules = files
    result = run(str(data), "--rules", str(rules), *FLAGGER)
    assert result.exit_code == 0, result.output
    for text in (
        "Segment level",
        "Span level",
        "flag all",
        "flag none",
        "random (expected)",
        "test.eval.badword",
    ):
        assert text in result.output


def test_markdown_format_and_limit(files):
    data, rules = files
    result = run(str(data), "--format", "markdown", "--limit", "8", "--rules", str(rules), *FLAGGER)
    assert result.exit_code == 0, result.output
    assert "| flagger |" in result.output and "8 segments" in result.output


def test_with_source_is_recorded(files):
    data, rules = files
    result = run(str(data), "--format", "json", "--with-source", "--rules", str(rules), *FLAGGER)
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert out["with_source"] is True
    assert out["source_aware_checks"] is True


def test_tsv_input(tmp_path, files):
    _, rules = files
    tsv = tmp_path / "mqm.tsv"
    tsv.write_text(
        "system\tdoc\tdoc_id\tseg_id\trater\tsource\ttarget\tcategory\tseverity\n"
        "S\td1\t1\t1\tr1\t源\tThis has a <v>badword</v> here.\tStyle/Awkward\tMajor\n"
        "S\td1\t1\t2\tr1\t源\tPerfectly fine sentence.\tNo-error\tNo-error\n",
        encoding="utf-8",
    )
    result = run(str(tsv), "--format", "json", "--rules", str(rules), *FLAGGER)
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert out["input_format"] == "tsv" and out["segments"] == 2
    assert out["flagger"]["span"]["precision"] == 1.0 and out["flagger"]["span"]["recall"] == 1.0
    assert out["per_gold_category"] == [{"category": "Style/Awkward", "spans": 1, "found": 1, "recall": 1.0}]


def test_bad_file_exits_2_with_line(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"target": "a", "spans": []}\n{"target": 3, "spans": []}\n', encoding="utf-8")
    result = run(str(bad), "--no-grammar")
    assert result.exit_code == 2
    assert "line 2" in result.output and "target" in result.output
    assert "Traceback" not in result.output


def test_calibrate_writes_yaml(tmp_path, files):
    data, rules = files
    out_yaml = tmp_path / "calibration.yaml"
    result = run(
        str(data),
        "--calibrate",
        "--folds",
        "2",
        "--min-support",
        "1",
        "--rule-false-flag",
        "1",  # no false-flag cap: only noisy rules go
        "--format",
        "json",
        "--write-calibration",
        str(out_yaml),
        "--rules",
        str(rules),
        *FLAGGER,
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    # the one rule lands on gold 6 times and on clean segments twice: never dropped
    assert summary["final"]["dropped"] == []
    import yaml

    written = yaml.safe_load(out_yaml.read_text(encoding="utf-8"))
    assert written["disabled_rules"] == []
    assert "LongSentences" in written["harper_disabled"]
    assert out_yaml.read_text(encoding="utf-8").startswith("# Shipped calibration")
