import pytest

from audit.errors import GlossaryError
from audit.glossary import (
    default_glossary_dir,
    glossary_files,
    load_glossary,
    parse_glossary,
    read_tbx,
    save_glossary,
    write_tbx,
)
from audit.records import Severity

HEADER = "id,src_lang,tgt_lang,source_term,deprecated,preferred,category,severity,note,domain,context,not_context\n"
ROWS = (
    'zh-en.lianhua,zh,en,联华抗苏,United China anti-Soviet Union,alliance with China against the Soviet Union,'
    'Accuracy/Mistranslation,major,联华抗苏 means allying with China against the USSR.,diplomacy,,\n'
    'zh-en.lalong,zh,en,拉拢,pull Russia | pull China,win over Russia,Accuracy/Mistranslation,minor,,,,\n'
    'zh-en.dixian,zh,en,底线,bottom line,red line,Style/Unidiomatic,minor,,,"west\\W*s bottom line",\n'
)


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_csv_entries_are_parsed(tmp_path):
    glossary = load_glossary(write(tmp_path, "pol.csv", HEADER + ROWS))
    assert len(glossary) == 3
    first = glossary.entries[0]
    assert first.source_term == "联华抗苏"
    assert first.severity is Severity.MAJOR
    assert glossary.entries[1].deprecated == ("pull Russia", "pull China")
    assert glossary.entries[2].applies_in("It crosses the West’s bottom line.")
    assert glossary.entries[2].applies_in("This crosses the West's bottom line.")
    assert not glossary.entries[2].applies_in("The company's bottom line improved.")


def test_minimal_csv_needs_only_deprecated_and_preferred(tmp_path):
    glossary = load_glossary(write(tmp_path, "mini.csv", "deprecated,preferred\nlayouter,strategist\n"))
    entry = glossary.entries[0]
    assert (entry.id, entry.preferred, entry.severity) == ("mini.1", "strategist", Severity.MINOR)


def test_tsv_is_read(tmp_path):
    glossary = load_glossary(write(tmp_path, "t.tsv", "deprecated\tpreferred\nlayouter\tstrategist\n"))
    assert glossary.entries[0].deprecated == ("layouter",)


@pytest.mark.parametrize(
    ("body", "line", "field"),
    [
        ("deprecated,preferred\nok,fine\n,missing\n", 3, "deprecated"),
        ("deprecated,preferred,severity\nok,fine,minor\nx,y,huge\n", 3, "severity"),
        ("deprecated,preferred,category\nok,fine,Accuracy/Mistranslation\nx,y,Nonsense\n", 3, "category"),
        ("deprecated,preferred,context\nok,fine,\nx,y,(unclosed\n", 3, "context"),
        ("id,deprecated,preferred\na,ok,fine\na,x,y\n", 3, "id"),
    ],
)
def test_broken_row_names_file_line_and_field(tmp_path, body, line, field):
    path = write(tmp_path, "bad.csv", body)
    with pytest.raises(GlossaryError) as info:
        load_glossary(path)
    assert info.value.file == str(path)
    assert info.value.line == line
    assert info.value.field == field
    assert str(path) in info.value.describe() and f"line {line}" in info.value.describe()


def test_row_with_too_many_fields(tmp_path):
    with pytest.raises(GlossaryError, match="fields") as info:
        load_glossary(write(tmp_path, "bad.csv", "deprecated,preferred\na,b\nc,d,e\n"))
    assert info.value.line == 3


def test_missing_required_column(tmp_path):
    with pytest.raises(GlossaryError, match="missing column"):
        load_glossary(write(tmp_path, "bad.csv", "term,preferred\na,b\n"))


def test_invalid_utf8_glossary(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_bytes(b"deprecated,preferred\nok,fine\nbad\xff,x\n")
    with pytest.raises(GlossaryError) as info:
        load_glossary(path)
    assert info.value.line == 3


def test_csv_tbx_round_trip(tmp_path):
    original = load_glossary(write(tmp_path, "pol.csv", HEADER + ROWS))
    tbx_path = tmp_path / "pol.tbx"
    save_glossary(original, tbx_path)
    text = tbx_path.read_text(encoding="utf-8")
    assert 'type="normativeAuthorization">deprecatedTerm' in text
    assert 'type="normativeAuthorization">preferredTerm' in text
    again = load_glossary(tbx_path)
    assert again.entries == original.entries
    csv_path = tmp_path / "again.csv"
    save_glossary(again, csv_path)
    assert load_glossary(csv_path).entries == original.entries


def test_tbx3_concept_entries_are_read():
    tbx = """<?xml version="1.0"?>
<tbx type="TBX-Basic" style="dca" xml:lang="en" xmlns="urn:iso:std:iso:30042:ed-2">
 <text><body>
  <conceptEntry id="c1">
   <langSec xml:lang="zh"><termSec><term>布局者</term></termSec></langSec>
   <langSec xml:lang="en">
    <termSec><term>strategist</term><termNote type="normativeAuthorization">preferredTerm</termNote></termSec>
    <termSec><term>layouter</term><termNote type="normativeAuthorization">deprecatedTerm</termNote></termSec>
   </langSec>
  </conceptEntry>
 </body></text>
</tbx>"""
    glossary = read_tbx(tbx, "v3.tbx")
    entry = glossary.entries[0]
    assert (entry.id, entry.source_term, entry.deprecated, entry.preferred) == (
        "c1", "布局者", ("layouter",), "strategist")


@pytest.mark.parametrize(
    "payload",
    [
        # billion laughs
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]>'
        "<martif><text><body><termEntry><note>&lol2;</note></termEntry></body></text></martif>",
        # external entity (XXE)
        '<?xml version="1.0"?><!DOCTYPE m [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
        "<martif><text><body><termEntry><note>&xxe;</note></termEntry></body></text></martif>",
    ],
)
def test_tbx_entity_tricks_are_refused(tmp_path, payload):
    path = tmp_path / "evil.tbx"
    path.write_text(payload, encoding="utf-8")
    with pytest.raises(GlossaryError, match="unsafe XML") as info:
        load_glossary(path)
    assert info.value.file == str(path)


def test_malformed_tbx_names_the_line(tmp_path):
    path = tmp_path / "broken.tbx"
    path.write_text("<martif>\n<text>\n<body>\n</text></martif>", encoding="utf-8")
    with pytest.raises(GlossaryError, match="malformed XML") as info:
        load_glossary(path)
    assert info.value.line == 4


def test_tbx_entry_without_preferred_term_is_an_error():
    tbx = ('<martif type="TBX-Basic"><text><body><termEntry id="x"><langSet xml:lang="en"><tig><term>a</term>'
           '<termNote type="normativeAuthorization">deprecatedTerm</termNote></tig></langSet></termEntry>'
           "</body></text></martif>")
    with pytest.raises(GlossaryError, match="preferred"):
        read_tbx(tbx, "x.tbx")


def test_unknown_suffix():
    with pytest.raises(GlossaryError, match="unknown glossary format"):
        parse_glossary(b"", "terms.xlsx")


def test_write_tbx_escapes_markup():
    glossary = read_tbx(
        '<martif><text><body><termEntry id="a"><langSet xml:lang="en"><tig><term>a &lt;b&gt;</term>'
        '<termNote type="normativeAuthorization">deprecatedTerm</termNote></tig><tig><term>c</term>'
        "</tig></langSet></termEntry></body></text></martif>",
        "a.tbx",
    )
    assert "a &lt;b&gt;" in write_tbx(glossary)


def test_shipped_zh_en_glossary_is_large_and_valid():
    files = glossary_files(default_glossary_dir())
    zh_en = [load_glossary(p) for p in files if "zh-en" in p.name]
    assert zh_en, f"no zh-en glossary in {default_glossary_dir()}"
    entries = [e for g in zh_en for e in g.entries if (e.src_lang, e.tgt_lang) == ("zh", "en")]
    assert len(entries) >= 150
    assert all(e.source_term for e in entries)
    assert len({e.id for e in entries}) == len(entries)


def test_admitted_renderings_round_trip_through_csv_and_tbx(tmp_path):
    text = (HEADER.rstrip("\n") + ",admitted\n"
            "zh-en.lingtouyang,zh,en,领头羊,leading sheep,front-runner,Style/Unidiomatic,minor,,,,,"
            "leader | bellwether\n"
            "zh-en.lalong,zh,en,拉拢,pull Russia,win over Russia,Accuracy/Mistranslation,minor,,,,\n")
    original = load_glossary(write(tmp_path, "adm.csv", text))
    assert original.entries[0].admitted == ("leader", "bellwether")
    assert original.entries[1].admitted == ()  # a short row: the column is optional
    tbx_path = tmp_path / "adm.tbx"
    save_glossary(original, tbx_path)
    assert tbx_path.read_text(encoding="utf-8").count('type="normativeAuthorization">admittedTerm') == 2
    again = load_glossary(tbx_path)
    assert again.entries == original.entries
    csv_path = tmp_path / "again.csv"
    save_glossary(again, csv_path)
    assert load_glossary(csv_path).entries == original.entries


def test_a_second_preferred_tbx_term_is_kept_as_admitted():
    tbx = (
        '<martif type="TBX-Basic"><text><body><termEntry id="c1">'
        '<langSet xml:lang="zh"><tig><term>领头羊</term></tig></langSet>'
        '<langSet xml:lang="en">'
        '<tig><term>front-runner</term><termNote type="normativeAuthorization">preferredTerm</termNote></tig>'
        '<tig><term>pacesetter</term><termNote type="normativeAuthorization">preferredTerm</termNote></tig>'
        '<tig><term>leading sheep</term><termNote type="normativeAuthorization">deprecatedTerm</termNote></tig>'
        "</langSet></termEntry></body></text></martif>"
    )
    (entry,) = read_tbx(tbx, "one.tbx").entries
    assert entry.preferred == "front-runner" and entry.admitted == ("pacesetter",)


# --- round trip and language pairs (issue 14) -----------------------------------------------------
def test_tbx_round_trip_keeps_the_pair_of_an_entry_without_source_term(tmp_path):
    from audit.glossary import Glossary, GlossaryEntry, load_glossary, save_glossary

    entries = (GlossaryEntry(id="r.1", deprecated=("on the territory of",), preferred="in", src_lang="ru"),
               GlossaryEntry(id="z.1", deprecated=("电脑",), preferred="计算机", src_lang="en", tgt_lang="zh",
                             source_term="computer"))
    save_glossary(Glossary("g", entries), tmp_path / "g.tbx")
    back = load_glossary(tmp_path / "g.tbx")
    assert [(e.id, e.src_lang, e.tgt_lang, e.source_term) for e in back.entries] == [
        ("r.1", "ru", "en", ""), ("z.1", "en", "zh", "computer")]
    save_glossary(back, tmp_path / "g.csv")
    again = load_glossary(tmp_path / "g.csv")
    assert [(e.src_lang, e.tgt_lang) for e in again.entries] == [("ru", "en"), ("en", "zh")]


def test_a_source_term_without_src_lang_is_refused_not_taken_for_chinese(tmp_path):
    from audit.errors import GlossaryError
    from audit.glossary import load_glossary

    path = tmp_path / "terms.tsv"
    path.write_text("source_term\tdeprecated\tpreferred\nна территории\ton the territory of\tin\n", encoding="utf-8")
    with pytest.raises(GlossaryError, match="src_lang") as caught:
        load_glossary(path)
    assert caught.value.line == 2
    (entry,) = load_glossary(path, default_src_lang="ru").entries
    assert (entry.src_lang, entry.source_term) == ("ru", "на территории")


def test_a_target_only_entry_serves_every_source_language(tmp_path):
    from audit.glossary import for_pair, load_glossary, other_pairs

    path = tmp_path / "mixed.csv"
    path.write_text("src_lang,tgt_lang,deprecated,preferred\n,en,irregardless,regardless\nde,en,actual,current\n"
                    "en,zh,电脑,计算机\n", encoding="utf-8")
    loaded = load_glossary(path)
    assert [e.deprecated[0] for e in for_pair([loaded], "fr", "en")] == ["irregardless"]
    assert other_pairs([loaded], "fr", "en") == {("de", "en"): 1, ("en", "zh"): 1}


def test_unknown_category_lists_the_allowed_ones(tmp_path):
    from audit.errors import GlossaryError
    from audit.glossary import load_glossary

    path = tmp_path / "bad.csv"
    path.write_text("src_lang,deprecated,preferred,category\nzh,a,b,Accuracy/Wrong\n", encoding="utf-8")
    with pytest.raises(GlossaryError, match=r"allowed: Accuracy/Addition, .*Terminology/Inconsistent"):
        load_glossary(path)


def test_glossary_convert_asks_for_the_source_language(tmp_path):
    from click.testing import CliRunner

    from audit.cli import main

    path = tmp_path / "terms.tsv"
    path.write_text("source_term\tdeprecated\tpreferred\nна территории\ton the territory of\tin\n", encoding="utf-8")
    refused = CliRunner().invoke(main, ["glossary", "convert", str(path), str(tmp_path / "out.tbx")])
    assert refused.exit_code == 2 and "src_lang" in refused.output
    done = CliRunner().invoke(main, ["glossary", "convert", str(path), str(tmp_path / "out.tbx"), "--src-lang", "ru"])
    assert done.exit_code == 0, done.output
    assert 'xml:lang="ru"' in (tmp_path / "out.tbx").read_text(encoding="utf-8")
