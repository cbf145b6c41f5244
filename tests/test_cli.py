import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from audit.cli import main

SEED = Path(__file__).resolve().parent.parent / "seeds" / "lavrov-kommersant.en.txt"


@pytest.fixture()
def runner():
    return CliRunner()


def run(runner, *args, input=None):
    return runner.invoke(main, [str(a) for a in args], input=input, catch_exceptions=False)


def test_check_json_offsets_index_the_submitted_text(runner):
    result = run(runner, "check", SEED, "--format", "json")
    assert result.exit_code == 1  # the seed has flags at or above minor
    data = json.loads(result.stdout)
    text = SEED.read_text(encoding="utf-8")
    assert data["summary"]["segments"] == len(data["segments"]) > 20
    for segment in data["segments"]:
        assert text[segment["start"]:segment["end"]] == segment["text"]
        for flag in segment["flags"]:
            assert text[flag["start"]:flag["end"]] == flag["text"]
            assert set(flag) >= {"start", "end", "text", "rule", "category", "severity", "message", "suggestion"}
        if segment["proposal"]:
            assert set(segment["proposal"]["edit"]) == {"char_distance", "char_ratio", "ter", "chrf", "bleu"}
    assert set(data["summary"]["signatures"]) >= {"bleu", "chrf", "ter", "audit"}


def test_streamed_json_equals_the_library_result(runner):
    from audit.pipeline import Auditor

    result = run(runner, "check", SEED, "--format", "json", "--no-grammar")
    expected = Auditor(__import__("audit.config").config.AuditConfig(grammar=False)).audit(
        SEED.read_text(encoding="utf-8")).to_dict()
    assert json.loads(result.stdout) == json.loads(json.dumps(expected))


def test_fail_on_threshold(runner, tmp_path):
    path = tmp_path / "fine.txt"
    path.write_text("Russia and China signed a trade agreement on Tuesday.", encoding="utf-8")
    assert run(runner, "check", path).exit_code == 0
    flagged = tmp_path / "flagged.txt"
    flagged.write_text("It can be seen that Russia and China signed an agreement.", encoding="utf-8")
    assert run(runner, "check", flagged).exit_code == 1
    assert run(runner, "check", flagged, "--fail-on", "critical").exit_code == 0


def test_text_report_shows_flag_and_proposal(runner, tmp_path):
    path = tmp_path / "flagged.txt"
    path.write_text("It can be seen that Russia and China signed an agreement.", encoding="utf-8")
    out = run(runner, "check", path).stdout
    assert "style.translationese.it-can-be-seen" in out
    assert "Proposal: Russia and China signed an agreement." in out
    assert "[-It can be seen that -]" in out


def test_html_report(runner, tmp_path):
    out_file = tmp_path / "report.html"
    result = run(runner, "check", SEED, "--format", "html", "-o", out_file)
    assert result.exit_code == 1
    page = out_file.read_text(encoding="utf-8")
    assert page.startswith("<!doctype html>") and page.rstrip().endswith("</html>")
    assert "<mark" in page and "<ins>" in page


def test_stdin(runner):
    result = run(runner, "check", "-", "--format", "json", input="It can be seen that it rains.")
    assert json.loads(result.stdout)["summary"]["flagged"] == 1


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "input is empty"),
        (b"\x7fELF\x02\x01\x01\x00\x00\x00", "binary"),
        ("Good – text.\n".encode() + b"\xc3\x28 bad", "byte 15: invalid UTF-8"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(tmp_path, content, expected):
    path = tmp_path / "input.txt"
    path.write_bytes(content)
    proc = subprocess.run([sys.executable, "-m", "audit.cli", "check", str(path)], capture_output=True, text=True)
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr
    assert str(path) in proc.stderr and expected in proc.stderr


def test_missing_file_and_directory(runner, tmp_path):
    for target in (tmp_path / "nope.txt", tmp_path):
        result = runner.invoke(main, ["check", str(target)])
        assert result.exit_code == 2
        assert str(target) in result.stderr


def test_broken_glossary_names_file_and_line(runner, tmp_path):
    glossary = tmp_path / "g.csv"
    glossary.write_text("deprecated,preferred,severity\nlayouter,strategist,minor\nx,y,enormous\n", encoding="utf-8")
    result = runner.invoke(main, ["check", str(SEED), "--glossary", str(glossary)])
    assert result.exit_code == 2
    assert f"{glossary}, line 3: field 'severity'" in result.stderr


def test_user_glossary_is_applied(runner, tmp_path):
    glossary = tmp_path / "g.tbx"
    csv = tmp_path / "g.csv"
    csv.write_text("deprecated,preferred\nlayouter,strategist\n", encoding="utf-8")
    assert run(runner, "glossary", "convert", csv, glossary).exit_code == 0
    result = run(runner, "check", SEED, "--glossary", glossary, "--no-rules", "--no-grammar", "--format", "json")
    flags = [f for s in json.loads(result.stdout)["segments"] for f in s["flags"]]
    assert [(f["text"], f["suggestion"]) for f in flags] == [("layouter", "strategist")]


def test_bad_usage_exits_2(runner):
    assert runner.invoke(main, ["check"]).exit_code == 2
    assert runner.invoke(main, ["check", str(SEED), "--fail-on", "huge"]).exit_code == 2
    assert runner.invoke(main, ["check", str(SEED), "--weights", "minor=x"]).exit_code == 2
    result = runner.invoke(main, ["check", str(SEED), "--tgt-lang", "xx"])
    assert result.exit_code == 2 and "tgt_lang" in result.stderr


def test_score_rejects_unaligned_files(runner, tmp_path):
    hyp, ref = tmp_path / "h.txt", tmp_path / "r.txt"
    hyp.write_text("a\nb\n", encoding="utf-8")
    ref.write_text("a\n", encoding="utf-8")
    result = runner.invoke(main, ["score", "--hyp", str(hyp), "--ref", str(ref)])
    assert result.exit_code == 2 and "line-aligned" in result.stderr


def test_glossary_check_command(runner, tmp_path):
    csv = tmp_path / "g.csv"
    csv.write_text("deprecated,preferred\npull Russia,win over Russia\n", encoding="utf-8")
    result = run(runner, "glossary", "check", csv)
    assert result.exit_code == 0 and "1 entries" in result.stdout


def test_console_script_is_installed():
    exe = Path(sys.executable).parent / "mt-audit"
    proc = subprocess.run([str(exe), "--help"], capture_output=True, text=True)
    assert proc.returncode == 0 and "check" in proc.stdout
