"""`mt-audit check` names a given glossary's entries of another language pair (they are not used)."""

from click.testing import CliRunner

from audit.cli import main

HEADER = "id,src_lang,tgt_lang,source_term,deprecated,preferred,category,severity,note,domain,context,not_context\n"


def _run(tmp_path, rows, *args):
    glossary = tmp_path / "terms.csv"
    glossary.write_text(HEADER + rows, encoding="utf-8")
    text = tmp_path / "mt.txt"
    text.write_text("The tomatoes are fresh.\n", encoding="utf-8")
    return CliRunner().invoke(main, ["check", str(text), "--glossary", str(glossary), "--no-grammar", *args])


def test_glossary_of_another_pair_warns(tmp_path):
    row = "de-fr.tomate,de,fr,Tomate,tomates rouges,tomates,Terminology/Inappropriate for context,minor,,,,\n"
    result = _run(tmp_path, row, "--src-lang", "zh", "--tgt-lang", "en")
    assert "warning: glossary" in result.stderr and "1 for de-fr" in result.stderr and "zh-en" in result.stderr


def test_glossary_of_the_runs_pair_does_not_warn(tmp_path):
    row = "zh-en.x,zh,en,番茄,love apples,tomatoes,Terminology/Inappropriate for context,minor,,,,\n"
    result = _run(tmp_path, row, "--src-lang", "zh", "--tgt-lang", "en")
    assert "warning" not in result.stderr
