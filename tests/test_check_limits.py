"""``mt-audit check --max-chars/--time-limit``: the limits of audit/limits.py on the command line."""

from __future__ import annotations

import json

from click.testing import CliRunner

from audit.cli import main

TEXT = "It can be seen that the talks went well.\n" + "b" * 300 + "\nThey signed 3 agreements.\n"


def _check(tmp_path, *args, env=None):
    path = tmp_path / "mt.txt"
    path.write_text(TEXT, encoding="utf-8")
    return CliRunner().invoke(main, ["check", str(path), "--no-grammar", *args], env=env)


def test_a_line_over_max_chars_is_named_and_left_out(tmp_path):
    result = _check(tmp_path, "--max-chars", "200", "--format", "json")
    assert result.exit_code in (0, 1), result.output
    assert "line 2: 300 characters, over the limit of 200 (max_text_chars, --max-chars): not audited" in result.stderr
    data = json.loads(result.stdout)
    assert [s["start"] for s in data["segments"]] == [0, TEXT.index("They")]  # offsets unchanged
    full = json.loads(_check(tmp_path, "--format", "json").stdout)  # the default limit (100,000) keeps it
    assert len(full["segments"]) == 3
    by_env = _check(tmp_path, "--format", "json", env={"MT_AUDIT_MAX_TEXT_CHARS": "200"})
    assert "not audited" in by_env.stderr


def test_max_chars_with_a_source_refuses_naming_the_line(tmp_path):
    source = tmp_path / "src.zh.txt"
    source.write_text("可以看出会谈很顺利。\n长\n他们签署了三项协议。\n", encoding="utf-8")
    result = _check(tmp_path, "--max-chars", "200", "--source", str(source), "--src-lang", "zh")
    assert result.exit_code == 2
    assert "300 characters, over the limit of 200" in result.stderr and "line 2" in result.stderr


def test_time_limit_stops_with_an_error(tmp_path):
    result = _check(tmp_path, "--time-limit", "0.000001")
    assert result.exit_code == 2
    assert "ran past the time limit" in result.stderr
    assert _check(tmp_path, "--time-limit", "0").exit_code == 2  # out of range: a usage error
