"""Meta-tests: every shipped rule carries examples that must and must not flag, and they hold."""

import pytest

from audit.config import AuditConfig
from audit.errors import RuleError
from audit.pipeline import Auditor
from audit.rules import RuleSet, load_rule_file, load_rules

RULES = load_rules()


def test_rules_are_shipped():
    assert len(RULES) >= 10
    assert len({r.id for r in RULES}) == len(RULES)


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_rule_has_examples_both_ways(rule):
    assert rule.flag_examples, f"{rule.id} has no example that must flag"
    assert rule.pass_examples, f"{rule.id} has no example that must not flag"


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_rule_examples_hold(rule):
    for example in rule.flag_examples:
        assert rule.find(example), f"{rule.id} should flag: {example}"
        # The trigger automaton must let the regex run on every example that flags.
        assert RuleSet([rule]).find(example), f"{rule.id}: triggers miss {example}"
    for example in rule.pass_examples:
        assert not rule.find(example), f"{rule.id} must not flag: {example}"


@pytest.fixture(scope="module")
def rules_only_auditor():
    # every rule, whatever the shipped calibration switched off: the examples test the rule itself
    return Auditor(AuditConfig(grammar=False, use_glossary=False, disabled_rules=()))


@pytest.mark.parametrize("rule", [r for r in RULES if r.fix_examples], ids=lambda r: r.id)
def test_rule_fix_examples(rule, rules_only_auditor):
    for source, expected in rule.fix_examples:
        result = rules_only_auditor.audit(source)
        proposal = result.segments[0].proposal
        assert proposal is not None, f"{rule.id}: no proposal for {source}"
        assert proposal.text == expected


def write(tmp_path, text):
    path = tmp_path / "rules.yaml"
    path.write_text(text, encoding="utf-8")
    return path


GOOD = """
rules:
  - id: style.test.thing
    category: Style/Awkward
    severity: minor
    message: m
    pattern: '\\bthing\\b'
    triggers: [thing]
    examples: {flag: [a thing], pass: [nothing]}
"""


def test_rule_file_is_parsed(tmp_path):
    (rule,) = load_rule_file(write(tmp_path, GOOD))
    assert rule.id == "style.test.thing" and rule.triggers == ("thing",)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (("category: Style/Awkward", "category: Nope"), "category"),
        (("severity: minor", "severity: tiny"), "severity"),
        (("pattern: '\\bthing\\b'", "pattern: '(unclosed'"), "pattern"),
        (("id: style.test.thing", "id: Bad Id"), "id"),
        (("    message: m\n", "    message: m\n    colour: red\n"), "colour"),
    ],
)
def test_bad_rule_names_file_and_field(tmp_path, change, field):
    path = write(tmp_path, GOOD.replace(*change))
    with pytest.raises(RuleError) as info:
        load_rule_file(path)
    assert info.value.field == field
    assert str(path) in info.value.describe()


def test_malformed_yaml_names_the_line(tmp_path):
    path = write(tmp_path, "rules:\n  - id: [unclosed\n")
    with pytest.raises(RuleError, match="malformed YAML") as info:
        load_rule_file(path)
    assert info.value.line is not None


def test_duplicate_ids_across_files(tmp_path):
    a = write(tmp_path, GOOD)
    b = tmp_path / "b.yaml"
    b.write_text(GOOD, encoding="utf-8")
    with pytest.raises(RuleError, match="duplicate"):
        load_rules([a, b])


def test_rules_filtered_by_source_language(tmp_path):
    text = GOOD.replace("    examples:", "    languages: [zh]\n    examples:")
    rules = load_rule_file(write(tmp_path, text))
    assert len(RuleSet(rules, "zh")) == 1
    assert len(RuleSet(rules, "de")) == 0
    assert len(RuleSet(rules, None)) == 1
    assert len(RuleSet(rules, "zh", disabled=["style.test.thing"])) == 0
