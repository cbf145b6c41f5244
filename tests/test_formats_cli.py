"""``mt-audit check FILE.xlf|.po|.tmx --annotate --qa-report`` and ``batch`` writing the translator's
files back, with the real flagger (pattern rules and glossary; Harper off for speed)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from click.testing import CliRunner
from lxml import etree

from audit.cli import main
from audit.formats.its import ITS_NS
from audit.formats.model import Issue, UnitAudit
from audit.formats.qa import csv_bytes, rows, xlsx_bytes

openpyxl = pytest.importorskip("openpyxl")

XLIFF = """<?xml version="1.0" encoding="UTF-8"?>
<xliff version="1.2" xmlns="urn:oasis:names:tc:xliff:document:1.2">
  <file original="speech.txt" source-language="zh" target-language="en" datatype="plaintext">
    <body>
      <trans-unit id="1">
        <source>可以看出，双方关系很好。</source>
        <target>It can be seen that the relations between the two sides are good.</target>
      </trans-unit>
      <trans-unit id="2">
        <source>会谈很顺利。</source>
        <target>The talks went smoothly.</target>
      </trans-unit>
    </body>
  </file>
</xliff>
"""

CLEAN = XLIFF.replace("It can be seen that the relations", "The relations")

PO = """msgid ""
msgstr ""
"Content-Type: text/plain; charset=UTF-8\\n"

#: speech.c:1
msgid "可以看出，双方关系很好。"
msgstr "It can be seen that the relations between the two sides are good."

#: speech.c:2
msgid "会谈很顺利。"
msgstr "The talks went smoothly."
"""

TMX = """<?xml version="1.0" encoding="UTF-8"?>
<tmx version="1.4"><header srclang="zh" adminlang="en" segtype="sentence" o-tmf="x" datatype="plaintext"
 creationtool="x" creationtoolversion="1"/>
<body>
<tu tuid="1"><tuv xml:lang="zh"><seg>会谈很顺利。</seg></tuv>
<tuv xml:lang="en"><seg>The talks went smoothly.</seg></tuv></tu>
</body></tmx>
"""


def run(*args: object) -> object:
    return CliRunner().invoke(main, ["check", *(str(a) for a in args), "--no-grammar"], catch_exceptions=False)


def its_marks(data: bytes) -> list[etree._Element]:
    root = etree.fromstring(data)
    return [el for el in root.iter() if f"{{{ITS_NS}}}locQualityIssueType" in el.attrib]


def test_check_xliff_writes_the_file_back_and_both_qa_reports(tmp_path: Path) -> None:
    source = tmp_path / "speech.xlf"
    source.write_text(XLIFF, encoding="utf-8")
    out, report_csv, report_xlsx = tmp_path / "out.xlf", tmp_path / "qa.csv", tmp_path / "qa.xlsx"
    result = run(source, "--annotate", out, "--qa-report", report_csv)
    assert result.exit_code == 1, result.output
    assert "unit speech.txt:1" in result.output and "style.translationese" in result.output
    assert "unit speech.txt:2" not in result.output  # unflagged units are not listed
    marks = its_marks(out.read_bytes())
    style = [m for m in marks if m.get(f"{{{ITS_NS}}}locQualityIssueType") == "style"]
    assert [m.text for m in style] == ["It can be seen that"]
    assert "[Style/Awkward; minor; style.translationese.it-can-be-seen]" in style[0].get(
        f"{{{ITS_NS}}}locQualityIssueComment")
    alt = etree.fromstring(out.read_bytes()).find(".//{*}alt-trans/{*}target")
    assert alt is not None and "It can be seen that" not in alt.text

    table = list(csv.DictReader(io.StringIO(report_csv.read_bytes().decode("utf-8-sig"))))
    assert len(table) == len(marks)
    first = next(r for r in table if r["Rule"].startswith("style.translationese"))
    assert (first["File"], first["Unit ID"], first["Span"], first["Severity"]) == (
        "speech.xlf", "speech.txt:1", "It can be seen that", "minor")
    assert first["Source"] == "可以看出，双方关系很好。" and first["Target"].startswith("It can be seen that")
    assert first["Category"] == "Style/Awkward" and first["Message"] and first["Proposal"] == alt.text

    assert run(source, "--qa-report", report_xlsx).exit_code == 1
    sheet = openpyxl.load_workbook(report_xlsx).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0][:5] == ["File", "Unit ID", "Source", "Target", "Span"]
    assert [["" if v is None else str(v) for v in row] for row in values[1:]] == [list(r.values()) for r in table]
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref.startswith("A1:")


def test_check_a_clean_xliff_gives_back_the_same_bytes(tmp_path: Path) -> None:
    source = tmp_path / "clean.xlf"
    source.write_text(CLEAN, encoding="utf-8")
    out = tmp_path / "out.xlf"
    result = run(source, "--annotate", out, "--format", "json")
    assert result.exit_code == 0, result.output
    assert out.read_bytes() == source.read_bytes()
    assert '"flags": 0' in result.output


def test_check_po_and_tmx(tmp_path: Path) -> None:
    po_file, tmx_file = tmp_path / "app.po", tmp_path / "mem.tmx"
    po_file.write_text(PO, encoding="utf-8")
    tmx_file.write_text(TMX, encoding="utf-8")
    out_po, out_tmx = tmp_path / "out.po", tmp_path / "out.tmx"
    assert run(po_file, "--annotate", out_po).exit_code == 1
    text = out_po.read_text(encoding="utf-8")
    assert '# mt-audit: minor Style/Awkward [style.translationese.it-can-be-seen] "It can be seen that"' in text
    assert "#, fuzzy\n#: speech.c:1" not in text and "#: speech.c:1\n#, fuzzy\nmsgid" in text
    assert text.count("fuzzy") == 1  # the clean entry is left alone
    assert run(tmx_file, "--annotate", out_tmx).exit_code == 0
    assert out_tmx.read_bytes() == tmx_file.read_bytes()


def test_bad_input_is_one_line_naming_the_file_and_line(tmp_path: Path) -> None:
    broken = tmp_path / "broken.xlf"
    broken.write_text(XLIFF.replace("</source>", "</sourc>", 1), encoding="utf-8")
    result = CliRunner().invoke(main, ["check", str(broken), "--no-grammar"])
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        f"mt-audit: error: {broken}, line 6: malformed XML: mismatched tag: line 6, column 30"]
    good = tmp_path / "speech.xlf"
    good.write_text(XLIFF, encoding="utf-8")
    for extra, words in ((["--source", str(good)], "--source is for plain text"),
                         (["--qa-report", str(tmp_path / "qa.ods")], "a QA report is .csv or .xlsx"),
                         (["--annotate", str(good)], "would overwrite the input")):
        result = CliRunner().invoke(main, ["check", str(good), "--no-grammar", *extra])
        assert result.exit_code == 2 and words in result.stderr and "Traceback" not in result.stderr


def test_qa_report_cells_never_run_as_formulas() -> None:
    unit = UnitAudit(0, "7", "=1+1", "=HYPERLINK(\"http://x\")", (
        Issue(0, 3, "=HY", "rule.x", "Style/Awkward", "minor", "@odd"),), None)
    report = rows("f.po", [unit])
    table = list(csv.reader(io.StringIO(csv_bytes(report).decode("utf-8-sig"))))
    assert table[1][2:5] == ["'=1+1", "'=HYPERLINK(\"http://x\")", "'=HY"] and table[1][11] == "'@odd"
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx_bytes(report))).active
    assert sheet["D2"].value == "=HYPERLINK(\"http://x\")" and sheet["D2"].data_type == "s"


def test_batch_writes_each_translators_file_back(tmp_path: Path) -> None:
    pytest.importorskip("pyarrow")
    pytest.importorskip("matplotlib")
    from audit.batch.runner import BatchOptions, run_batch
    from audit.cli import build_config

    archive = tmp_path / "in"
    (archive / "xliff").mkdir(parents=True)
    (archive / "xliff" / "speech.xlf").write_text(XLIFF, encoding="utf-8")
    (archive / "xliff" / "clean.xlf").write_text(CLEAN, encoding="utf-8")
    (archive / "app.po").write_text(PO, encoding="utf-8")
    (archive / "mem.tmx").write_text(TMX, encoding="utf-8")
    out = tmp_path / "out"
    config = build_config("zh", "en", (), False, (), False, True, (), None, 0)
    outcome = run_batch(BatchOptions(archive=str(archive), out=str(out), config=config, workers=1, progress=False,
                                     report=False))
    written = outcome.written_back
    assert sorted(written.files) == ["app.po", "mem.tmx", "xliff/clean.xlf", "xliff/speech.xlf"]
    assert written.failed == []
    annotated = out / "annotated"
    assert (annotated / "xliff" / "clean.xlf").read_bytes() == (archive / "xliff" / "clean.xlf").read_bytes()
    assert (annotated / "mem.tmx").read_bytes() == (archive / "mem.tmx").read_bytes()
    marks = its_marks((annotated / "xliff" / "speech.xlf").read_bytes())
    assert "It can be seen that" in [m.text for m in marks]
    assert "#, fuzzy" in (annotated / "app.po").read_text(encoding="utf-8")
    qa = list(csv.DictReader(io.StringIO((out / "qa" / "xliff" / "speech.xlf.qa.csv").read_text("utf-8-sig"))))
    assert len(qa) == len(marks)
    assert ("xliff/speech.xlf", "speech.txt:1", "It can be seen that") in [(r["File"], r["Unit ID"], r["Span"])
                                                                          for r in qa]
    assert (out / "qa" / "xliff" / "speech.xlf.qa.xlsx").stat().st_size > 0
    assert list(csv.reader(io.StringIO((out / "qa" / "mem.tmx.qa.csv").read_text("utf-8-sig"))))[1:] == []


def test_the_xlsx_report_has_a_summary_sheet_of_the_flags() -> None:
    issues = (Issue(0, 3, "abc", "rule.x", "Style/Awkward", "minor", "m"),
              Issue(4, 6, "de", "rule.y", "Accuracy/Mistranslation", "major", "m"),
              Issue(7, 9, "fg", "rule.x", "Style/Awkward", "minor", "m"))
    report = rows("f.po", [UnitAudit(0, "1", "src", "abc de fg", issues[:2], None),
                           UnitAudit(1, "2", "src", "abc de fg", issues[2:], None)])
    book = openpyxl.load_workbook(io.BytesIO(xlsx_bytes(report)))
    assert book.sheetnames[1] == "Summary"
    table = [tuple(r) for r in book["Summary"].iter_rows(min_row=2, values_only=True)]
    assert table == [("Severity", "major", 1), ("Severity", "minor", 2),
                     ("Category", "Style/Awkward", 2), ("Category", "Accuracy/Mistranslation", 1),
                     ("Rule", "rule.x", 2), ("Rule", "rule.y", 1), ("Total", "flags", 3)]
    assert len(list(book.active.iter_rows(min_row=2))) == 3  # the flags' sheet is unchanged
