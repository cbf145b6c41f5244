"""The translator's files written back: byte-identical apart from the added markup, and every
flag found again by an ITS reader (lxml with the ITS namespace, as Okapi reads LQI)."""

from __future__ import annotations

import re

import pytest
from lxml import etree

from audit.errors import InputError
from audit.formats.annotate import annotate, load
from audit.formats.its import ITS_NS
from audit.formats.model import Issue, UnitAudit

ITS = f"{{{ITS_NS}}}"

XLIFF12 = """<?xml version='1.0' encoding='UTF-8'?>
<!-- written by a CAT tool -->
<xliff version="1.2" xmlns="urn:oasis:names:tc:xliff:document:1.2">
  <file original="doc.txt" source-language="zh" target-language="en" datatype="plaintext">
    <body>
      <trans-unit id="1" approved="no">
        <source>美国试图联俄制华。</source>
        <target state='translated'>The U.S. tried to pull Russia to contain China &amp; more.</target>
      </trans-unit>
      <group id="g">
        <trans-unit id="2">
          <source>第二句。</source>
          <target>This is <g id="1">bold &apos;text&apos;</g> and<x id="2"/> it can be seen that it is fine.</target>
          <note>keep me</note>
        </trans-unit>
      </group>
      <trans-unit id="3"><source>三</source><target>Go <ph id="1">&lt;br/&gt;</ph> now.</target></trans-unit>
      <trans-unit id="4"><source>空</source><target/></trans-unit>
    </body>
  </file>
</xliff>
"""

XLIFF20 = """<?xml version="1.0" encoding="UTF-8"?>
<xliff xmlns="urn:oasis:names:tc:xliff:document:2.0" version="2.0" srcLang="zh" trgLang="en">
 <file id="f1">
  <unit id="u1">
   <segment id="s1">
    <source>美国试图联俄制华。</source>
    <target>The U.S. tried to pull Russia to contain China.</target>
   </segment>
   <segment id="s2">
    <source>好。</source>
    <target>It <pc id="1">can be</pc> seen that it is good.</target>
   </segment>
  </unit>
  <unit id="u2">
   <notes>
    <note id="n1">existing</note>
   </notes>
   <segment>
    <source>三。</source>
    <target>Third &lt;one&gt;.</target>
   </segment>
  </unit>
 </file>
</xliff>
"""

PO = """# Translator header
msgid ""
msgstr ""
"Content-Type: text/plain; charset=UTF-8\\n"
"Language: en\\n"

#. extracted
#: src/a.c:12
#, c-format
msgid "美国试图联俄制华。"
msgstr "The U.S. tried to pull Russia to contain China."

# existing comment
#: src/a.c:20
msgctxt "menu"
msgid "好"
msgstr ""
"It can be seen "
"that it is good."

msgid "三"
msgstr "Third."

#~ msgid "old"
#~ msgstr "gone"
"""

TMX = """<?xml version="1.0" encoding="UTF-8"?>
<tmx version="1.4">
  <header creationtool="x" creationtoolversion="1" segtype="sentence" o-tmf="x" adminlang="en" srclang="zh"
   datatype="plaintext"/>
  <body>
    <tu tuid='t1'>
      <tuv xml:lang="zh"><seg>美国试图联俄制华。</seg></tuv>
      <tuv xml:lang="en">
        <prop type="x-client">acme</prop>
        <seg>The U.S. tried to pull Russia to contain &apos;China&apos;.</seg>
      </tuv>
    </tu>
    <tu tuid="t2"><tuv xml:lang="zh"><seg>好</seg></tuv><tuv xml:lang="en"><seg>Good.</seg></tuv></tu>
  </body>
</tmx>
"""


def issue(target: str, words: str, category: str = "Accuracy/Mistranslation", severity: str = "major",
          rule: str = "glossary.test", occurrence: int = 0) -> Issue:
    start = -1
    for _ in range(occurrence + 1):
        start = target.index(words, start + 1)
    return Issue(start, start + len(words), words, rule, category, severity, f"'{words}' is wrong here.",
                 "better words")


def audited(data: bytes, name: str, fmt: str, flags: dict[str, list[tuple[str, ...]]],
            proposals: dict[str, str] | None = None):
    """The loaded file and one UnitAudit per audited unit, flagging ``flags[unit id]`` (words, ...)."""
    loaded = load(data, name, fmt)
    units = []
    for position, segment in loaded.segments:
        issues = tuple(issue(segment.mt, *spec) for spec in flags.get(segment.seg_id, []))
        proposal = (proposals or {}).get(segment.seg_id)
        units.append(UnitAudit(position, segment.seg_id, segment.source, segment.mt, issues, proposal))
    return loaded, units


def its_issues(data: bytes) -> list[etree._Element]:
    """Every element carrying ITS LQI attributes (local markup), as an ITS processor finds them."""
    root = etree.fromstring(data)
    return [el for el in root.iter() if any(k.startswith(f"{ITS}locQualityIssue") for k in el.attrib)]


def strip_xliff(data: bytes) -> bytes:
    """The annotated XLIFF without what mt-audit adds (an independent inverse of the writer)."""
    text = data.decode("utf-8")
    text = re.sub(r' xmlns:its="http://www\.w3\.org/2005/11/its"', "", text)
    text = re.sub(r' its:version="2\.0"', "", text)
    text = re.sub(r'\s*<alt-trans origin="mt-audit"[^>]*>.*?</alt-trans>', "", text, flags=re.S)
    text = re.sub(r'<notes><note category="mt-audit"[^>]*>[^<]*</note></notes>\s*', "", text)
    text = re.sub(r'\s*<note category="mt-audit"[^>]*>[^<]*</note>', "", text)
    text = re.sub(r'<(mrk|sm) [^>]*its:locQualityIssueType="[^"]*"[^>]*/>', "", text)
    text = re.sub(r'<em startRef="mta\d+"/>', "", text)
    while True:  # an added <mrk ...>...</mrk>: drop the tags, keep what they enclose
        match = re.search(r'<mrk (?:mtype="x-its"|id="mta\d+" type="its:generic")[^>]*>', text)
        if match is None:
            break
        depth, pos = 1, match.end()
        for tag in re.finditer(r"<mrk\b[^>]*?(/?)>|</mrk>", text[pos:]):
            if tag.group(0) == "</mrk>":
                depth -= 1
            elif not tag.group(1):
                depth += 1
            if depth == 0:
                close = pos + tag.start()
                text = text[:match.start()] + text[match.end():close] + text[close + len("</mrk>"):]
                break
    return text.encode("utf-8")


# --- XLIFF 1.2 ---------------------------------------------------------------------------------
def test_xliff12_without_flags_is_byte_identical() -> None:
    data = XLIFF12.encode()
    loaded, units = audited(data, "doc.xlf", "xliff", {})
    assert annotate(loaded, units) == data


def test_xliff12_flags_are_its_markup_on_their_spans_and_nothing_else_changes() -> None:
    data = XLIFF12.encode()
    flags = {"doc.txt:1": [("pull Russia",), ("China & more", "Style/Awkward", "minor", "style.x")],
             "doc.txt:2": [("it can be seen that", "Style/Awkward", "minor", "style.translationese")]}
    loaded, units = audited(data, "doc.xlf", "xliff", flags, {"doc.txt:2": "This is bold 'text' and it is fine."})
    out = annotate(loaded, units)
    assert strip_xliff(out) == data
    found = its_issues(out)
    assert len(found) == 3
    assert [el.text for el in found] == ["pull Russia", "China & more", "it can be seen that"]
    assert all(etree.QName(el).localname == "mrk" and el.get("mtype") == "x-its" for el in found)
    assert [el.get(f"{ITS}locQualityIssueType") for el in found] == ["mistranslation", "style", "style"]
    assert [el.get(f"{ITS}locQualityIssueSeverity") for el in found] == ["50", "10", "10"]
    assert "'pull Russia' is wrong here." in found[0].get(f"{ITS}locQualityIssueComment")
    assert "Suggestion: better words" in found[0].get(f"{ITS}locQualityIssueComment")
    root = etree.fromstring(out)
    assert root.get(f"{ITS}version") == "2.0"
    ns = {"x": "urn:oasis:names:tc:xliff:document:1.2"}
    alt = root.findall(".//x:trans-unit[@id='2']/x:alt-trans", ns)
    assert len(alt) == 1 and alt[0].get("origin") == "mt-audit"
    proposed = alt[0].find("x:target", ns)
    assert "".join(proposed.itertext()) == "This is bold 'text' and it is fine."
    # the target's inline codes are kept in the proposal: the edit lies in the text after them
    assert [(etree.QName(e).localname, e.get("id")) for e in proposed] == [("g", "1"), ("x", "2")]
    assert proposed[0].text == "bold 'text'"
    # the CAT tool still reads the same translations
    again = load(out, "doc.xlf", "xliff")
    assert [s.mt for _, s in again.segments] == [s.mt for _, s in loaded.segments]


def test_xliff12_span_crossing_an_inline_element_is_widened_and_quoted() -> None:
    data = XLIFF12.encode()
    flags = {"doc.txt:2": [("text' and", "Fluency/Grammar", "critical")],
             "doc.txt:3": [("br", "Fluency/Punctuation", "minor")]}
    loaded, units = audited(data, "doc.xlf", "xliff", flags)
    out = annotate(loaded, units)
    assert strip_xliff(out) == data
    crossing, in_code = its_issues(out)
    # "text' and" starts inside <g>: the mark encloses the whole <g> and the comment names the words
    assert "".join(crossing.itertext()) == "bold 'text' and"
    assert crossing.get(f"{ITS}locQualityIssueComment").startswith('"text\' and" (characters ')
    assert crossing.get(f"{ITS}locQualityIssueSeverity") == "100"
    # a span inside native code (<ph>) moves outside it, around the whole code
    assert etree.QName(in_code[0]).localname == "ph"
    assert in_code.get(f"{ITS}locQualityIssueType") == "typographical"


def test_xliff12_proposal_keeps_inline_codes_unless_an_edit_touches_one() -> None:
    data = XLIFF12.encode()
    ns = {"x": "urn:oasis:names:tc:xliff:document:1.2"}

    def proposed(unit: str, proposal: str) -> etree._Element:
        loaded, units = audited(data, "doc.xlf", "xliff", {}, {f"doc.txt:{unit}": proposal})
        out = annotate(loaded, units)
        assert strip_xliff(out) == data
        return etree.fromstring(out).find(f".//x:trans-unit[@id='{unit}']/x:alt-trans/x:target", ns)

    # an edit inside <g>'s text and one after <x/>: both codes kept, with the edited words in place
    inside = proposed("2", "This is bold 'words' and it can be seen that it is good.")
    assert "".join(inside.itertext()) == "This is bold 'words' and it can be seen that it is good."
    assert [etree.QName(e).localname for e in inside] == ["g", "x"] and inside[0].text == "bold 'words'"
    # an edit that rewrites native code (<ph>) cannot keep it: the proposal is plain text
    code = proposed("3", "Go <br> now.")
    assert code.text == "Go <br> now." and len(code) == 0
    # deleting words across a code's end tag touches the code: plain text, still the right words
    dropped = proposed("2", "This is and it can be seen that it is fine.")
    assert dropped.text == "This is and it can be seen that it is fine." and len(dropped) == 0


def test_xliff12_overlapping_and_identical_spans_nest() -> None:
    data = XLIFF12.encode()
    flags = {"doc.txt:1": [("tried to pull",), ("pull Russia", "Style/Awkward"), ("pull Russia", "Fluency/Grammar")]}
    loaded, units = audited(data, "doc.xlf", "xliff", flags)
    out = annotate(loaded, units)
    assert strip_xliff(out) == data
    found = its_issues(out)
    assert len(found) == 3
    assert sorted(el.get(f"{ITS}locQualityIssueType") for el in found) == ["grammar", "mistranslation", "style"]


# --- XLIFF 2.0 ---------------------------------------------------------------------------------
def test_xliff20_without_flags_is_byte_identical() -> None:
    data = XLIFF20.encode()
    loaded, units = audited(data, "doc.xlf", "xliff", {})
    assert annotate(loaded, units) == data


def test_xliff20_flags_are_mrk_or_sm_em_and_the_proposal_a_note() -> None:
    data = XLIFF20.encode()
    flags = {"u1::s1": [("pull Russia",)],
             "u1::s2": [("It can be seen that", "Style/Awkward", "minor"), ("be seen", "Fluency/Grammar", "minor")],
             "u2": [("<one>", "Fluency/Punctuation", "minor")]}
    loaded, units = audited(data, "doc.xlf", "xliff", flags,
                            {"u1::s2": "It is good.", "u2": "Third one."})
    assert {s.seg_id for _, s in loaded.segments} >= set(flags)
    out = annotate(loaded, units)
    assert strip_xliff(out) == data
    found = its_issues(out)
    assert len(found) == 4
    by_type = {el.get(f"{ITS}locQualityIssueType"): el for el in found}
    assert by_type["mistranslation"].text == "pull Russia"
    assert "".join(by_type["style"].itertext()) == "It can be seen that"
    assert by_type["typographical"].text == "<one>"
    # "be seen" starts inside <pc>: an <sm>/<em> pair marks it exactly
    grammar = by_type["grammar"]
    assert etree.QName(grammar).localname == "sm" and grammar.get("type") == "its:generic"
    ems = etree.fromstring(out).findall(".//{urn:oasis:names:tc:xliff:document:2.0}em")
    assert [e.get("startRef") for e in ems] == [grammar.get("id")]
    u1 = [el.get("id") for el in found if next(el.iterancestors("{*}unit")).get("id") == "u1"]
    assert len(u1) == 3 and len(set(u1)) == 3 and all(i.startswith("mta") for i in u1)  # unique in the unit
    ns = {"x": "urn:oasis:names:tc:xliff:document:2.0"}
    root = etree.fromstring(out)
    notes = root.findall(".//x:note[@category='mt-audit']", ns)
    assert [n.text for n in notes] == ["Proposal (segment s2): It is good.", "Proposal: Third one."]
    assert [n.text for n in root.findall(".//x:unit[@id='u2']/x:notes/x:note", ns)] == ["existing",
                                                                                       "Proposal: Third one."]


# --- PO ----------------------------------------------------------------------------------------
def strip_po(data: bytes) -> bytes:
    text = data.decode("utf-8")
    text = re.sub(r"(?m)^# mt-audit[: ].*\r?\n", "", text)
    text = re.sub(r"(?m)^#, fuzzy\r?\n", "", text)
    return text.replace("#, fuzzy, ", "#, ").encode("utf-8")


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_po_comments_and_fuzzy_only(newline: str) -> None:
    from translate.storage import po

    data = PO.replace("\n", newline).encode()
    loaded, units = audited(data, "app.po", "po", {})
    assert annotate(loaded, units) == data
    ids = [s.seg_id for _, s in loaded.segments]
    assert ids == ["src/a.c:12", "src/a.c:20", "三"]  # the obsolete entry is not audited
    flags = {"src/a.c:12": [("pull Russia",)], "src/a.c:20": [("It can be seen that", "Style/Awkward", "minor")],
             "三": [("Third", "Fluency/Grammar", "minor")]}
    loaded, units = audited(data, "app.po", "po", flags, {"src/a.c:12": "The U.S. tried to win over Russia.",
                                                            "src/a.c:20": "It is good."})
    out = annotate(loaded, units)
    assert strip_po(out) == data
    if newline == "\r\n":  # the added lines end as the file's lines do
        assert out.count(b"\n") == out.count(b"\r\n")
    parsed = [u for u in po.pofile.parsestring(out).units if not u.isheader() and not u.isobsolete()]
    assert [u.isfuzzy() for u in parsed] == [True, True, False]
    assert "c-format" in parsed[0].typecomments[0]
    notes = parsed[1].getnotes("translator").replace("\r\n", "\n")
    assert notes.startswith("existing comment\nmt-audit: minor Style/Awkward")
    assert "mt-audit proposal: It is good." in notes
    assert 'mt-audit: minor Fluency/Grammar [glossary.test] "Third" (characters 0-5; ITS grammar, severity 10)' \
        in parsed[2].getnotes("translator")
    assert [str(u.target) for u in parsed] == [s.mt for _, s in loaded.segments]


# --- TMX ---------------------------------------------------------------------------------------
def test_tmx_notes_and_prop_on_the_target_variant() -> None:
    data = TMX.encode()
    loaded, units = audited(data, "mem.tmx", "tmx", {})
    assert annotate(loaded, units) == data
    loaded, units = audited(data, "mem.tmx", "tmx", {"t1": [("pull Russia",), ("'China'", "Fluency/Punctuation")]},
                            {"t1": "The U.S. tried to win over Russia to contain China."})
    out = annotate(loaded, units)
    text = out.decode()
    stripped = re.sub(r'<(note|prop type="x-mt-audit-proposal")>.*?</(note|prop)>\s*', "", text)
    assert stripped.encode() == data
    root = etree.fromstring(out)
    target = root.find(".//tu[@tuid='t1']/tuv[2]")
    assert target.get("{http://www.w3.org/XML/1998/namespace}lang") == "en"
    notes = [n.text for n in target.findall("note")]
    assert len(notes) == 2 and notes[0].startswith('mt-audit: major Accuracy/Mistranslation [glossary.test] '
                                                  '"pull Russia" (characters 18-29; ITS mistranslation, severity 50)')
    assert target.find("prop[@type='x-mt-audit-proposal']").text.startswith("The U.S. tried to win over")
    assert root.find(".//tu[@tuid='t1']/tuv[1]").find("note") is None
    assert its_issues(out) == []  # ITS 2.0 defines no markup for TMX


# --- refusals ----------------------------------------------------------------------------------
def test_a_non_utf8_file_is_refused_with_its_name_and_line() -> None:
    data = XLIFF12.replace("encoding='UTF-8'", "encoding='ISO-8859-1'").encode("latin-1", "replace")
    with pytest.raises(InputError) as caught:
        load(data, "old.xlf", "xliff")
    assert caught.value.describe().startswith("old.xlf, line 1: field 'encoding': declares encoding ISO-8859-1")


def test_malformed_xml_names_file_and_line() -> None:
    data = XLIFF12.replace("</source>", "</sorce>", 1).encode()
    with pytest.raises(InputError) as caught:
        load(data, "bad.xlf", "xliff")
    assert caught.value.file == "bad.xlf" and caught.value.line == 7


PREFIXED = """<?xml version="1.0"?>
<x:xliff xmlns:x="urn:oasis:names:tc:xliff:document:1.2" xmlns:itsx="http://www.w3.org/2005/11/its" version="1.2">
<x:file original="f" source-language="zh" target-language="en" datatype="plaintext"><x:body>
<x:trans-unit id="1"><x:source>a</x:source><x:target>Hello <!-- c -->  the
      wide   world &#x4E2D;.</x:target></x:trans-unit>
</x:body></x:file></x:xliff>
"""


def test_prefixed_xliff_with_its_declared_and_white_space_normalised_by_the_reader() -> None:
    data = PREFIXED.encode()
    loaded, units = audited(data, "p.xlf", "xliff", {"f:1": [("the wide world",)]}, {"f:1": "Hello, world."})
    assert loaded.segments[0][1].mt == "Hello the wide world 中."  # translate-toolkit's normalize-space
    out = annotate(loaded, units)
    (mark,) = its_issues(out)
    assert etree.QName(mark).namespace == "urn:oasis:names:tc:xliff:document:1.2"
    assert "".join(mark.itertext()) == "the\n      wide   world"  # the same words, as the file has them
    assert b' itsx:locQualityIssueType="mistranslation"' in out and b"xmlns:its=" not in out
    assert b'<x:alt-trans origin="mt-audit" alttranstype="proposal"><x:target>Hello, world.</x:target>' in out
    stripped = re.sub(rb' itsx:version="2\.0"|<x:mrk [^>]*>|</x:mrk>|<x:alt-trans .*?</x:alt-trans>', b"", out)
    assert stripped == data


def test_a_target_that_reads_differently_gets_its_whole_content_marked() -> None:
    data = XLIFF12.encode()
    loaded = load(data, "doc.xlf", "xliff")
    position, segment = loaded.segments[1]
    changed = UnitAudit(position, segment.seg_id, segment.source, "Not what the file says.",
                        (Issue(4, 8, "what", "r.x", "Style/Awkward", "minor", "odd"),), None)
    out = annotate(loaded, [changed])
    assert strip_xliff(out) == data
    (mark,) = its_issues(out)
    assert "".join(mark.itertext()) == "This is bold 'text' and it can be seen that it is fine."
    assert mark.get(f"{ITS}locQualityIssueComment").startswith('"what" (characters 4-8): odd')
