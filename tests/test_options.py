"""One options model: CLI flags, API JSON options and job files become the same hashable AuditConfig."""

from __future__ import annotations

import pytest

from api.services.auditors import make_key
from audit.cli import build_config
from audit.config import DEFAULT_BATCH_GRAMMAR_RULES, AuditConfig, shipped_calibration
from audit.errors import ConfigError


def cli(*disabled, **changes):
    flags = dict(src_lang="zh", tgt_lang="en", glossaries=(), no_glossary=False, rule_files=(), no_rules=False,
                 no_grammar=True, disabled_rules=disabled, weights="major=4", candidates=2)
    return build_config(**{**flags, **changes})


def test_cli_api_and_job_options_give_one_hashable_config():
    from_cli = cli("source.number", "grammar.harper")
    from_api = make_key(src_lang="zh", tgt_lang="en", options={
        "grammar": False, "disabled_rules": ["grammar.harper", "source.number"], "weights": {"major": 4},
        "candidates": 2}).config
    from_job = AuditConfig.from_options({"src_lang": "zh", "grammar": False, "weights": {"major": 4}, "candidates": 2,
                                         "disabled_rules": ["grammar.harper", "source.number"]})
    assert from_api == from_job
    assert {from_api: 1}[from_job] == 1  # hashable, equal configs hash alike
    assert from_cli.weights == from_api.weights == {"minor": 1.0, "major": 4.0, "critical": 10.0}
    assert set(from_cli.disabled_rules) == set(from_api.disabled_rules)
    assert hash(from_cli) == hash(cli("source.number", "grammar.harper"))


def test_user_switches_add_to_the_shipped_calibration_once():
    config = AuditConfig.from_options({"disabled_rules": ["style", "style"]})
    shipped = shipped_calibration().disabled_rules
    assert config.disabled_rules == tuple(dict.fromkeys((*shipped, "style")))
    assert AuditConfig.from_options({}, grammar_rules=DEFAULT_BATCH_GRAMMAR_RULES).grammar_rules == "evidence"
    assert AuditConfig.from_options({"src_lang": "any"}).src_lang is None


def test_unknown_option_is_refused():
    with pytest.raises(ConfigError, match="unknown options"):
        AuditConfig.from_options({"gramar": False})
