import pytest

from audit.errors import ConfigError
from audit.records import Paragraph
from audit.segment import SentenceSplitter, segment_paragraphs, segment_text
from audit.textio import iter_paragraphs


def test_offsets_point_into_the_document():
    text = "First paragraph. It has two sentences.\nSecond one – with a dash.\n\nThird."
    segments = segment_text(text)
    assert [s.text for s in segments] == [
        "First paragraph.", "It has two sentences.", "Second one – with a dash.", "Third."]
    for s in segments:
        assert text[s.start:s.end] == s.text
    assert [s.paragraph for s in segments] == [0, 0, 1, 3]
    assert [s.id for s in segments] == [0, 1, 2, 3]


def test_abbreviations_and_compounds_do_not_split():
    text = ("More importantly, the U.S. cannot and is willing to make a real impression on Russia. "
            "It chose a position in the Sino-American-Russian triangle game.")
    segments = segment_text(text)
    assert len(segments) == 2
    assert segments[0].text.endswith("on Russia.")
    assert "Sino-American-Russian" in segments[1].text


def test_chinese_sentence_ends():
    segments = segment_text("美国不能也不愿给俄罗斯实惠。俄方很清楚！为什么？", "zh")
    assert [s.text for s in segments] == ["美国不能也不愿给俄罗斯实惠。", "俄方很清楚！", "为什么？"]


def test_russian_sentences():
    text = "Лавров заявил, что Москва не будет дружить против Китая. США это не понравилось."
    segments = segment_text(text, "ru")
    assert len(segments) == 2
    assert all(text[s.start:s.end] == s.text for s in segments)


def test_unknown_language_is_a_config_error():
    with pytest.raises(ConfigError) as info:
        SentenceSplitter("xx")
    assert info.value.field == "language"


def test_ids_continue_across_paragraph_batches():
    paragraphs = list(iter_paragraphs(["A b. C d.\nE f."]))
    assert paragraphs[1] == Paragraph(1, 10, "E f.")
    segments = list(segment_paragraphs(paragraphs, SentenceSplitter("en"), first_id=5))
    assert [s.id for s in segments] == [5, 6, 7]
