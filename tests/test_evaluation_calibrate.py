"""Calibration by document-level cross-validation, and the shipped-calibration wiring of the config."""

from __future__ import annotations

import pytest

import audit.config as config_module
from audit.config import AuditConfig, Calibration, shipped_calibration
from audit.errors import ConfigError
from audit.evaluation.calibrate import apply, cross_validate, doc_folds, fit, select, split_dropped
from audit.evaluation.data import AnnotatedSegment, GoldSpan
from audit.evaluation.metrics import PredictedSpan, group_stats


def _data(docs: int = 10):
    """Per document: one segment with a gold span hit by rule 'good', one error-free segment hit by 'bad'."""
    segments, predictions = [], []
    for d in range(docs):
        segments.append(AnnotatedSegment("S", f"doc{d}", 1, "r", "", "x" * 10, (GoldSpan(0, 4, "major"),)))
        predictions.append([PredictedSpan(0, 4, "minor", "good")])
        segments.append(AnnotatedSegment("S", f"doc{d}", 2, "r", "", "y" * 10))
        predictions.append([PredictedSpan(0, 4, "minor", "bad")])
    return segments, predictions


def test_doc_folds_keep_documents_whole():
    segments, _ = _data(10)
    folds = doc_folds(segments, 5, seed=3)
    assert sorted(i for f in folds for i in f) == list(range(len(segments)))
    for fold in folds:
        docs = {segments[i].doc for i in fold}
        assert len(docs) == 2  # 10 docs round-robin into 5 folds
        others = {segments[i].doc for f in folds if f is not fold for i in f}
        assert not docs & others
    with pytest.raises(ValueError):
        doc_folds(segments, 11)


def test_select_respects_min_support():
    segments, predictions = _data(10)
    stats = group_stats(zip(predictions, segments, strict=True))
    assert select(stats, 1) == {"bad"}
    assert select(stats, 11) == frozenset()  # 'bad' raised 10 flags only
    filtered = apply(predictions, frozenset({"bad"}))
    assert sum(len(p) for p in filtered) == 10


def test_cross_validation_drops_the_noisy_rule_and_lowers_false_flags():
    segments, predictions = _data(10)
    cv = cross_validate(predictions, segments, k=5, seed=0)
    assert cv.final.dropped == {"bad"}
    assert all(f.selection.dropped == {"bad"} for f in cv.folds)
    assert cv.pooled_before.false_flags.value == 1.0  # every error-free segment was flagged by 'bad'
    assert cv.pooled_after.false_flags.value == 0.0
    assert cv.pooled_after.span.precision == 1.0
    summary = cv.summary()
    assert summary["mean_over_folds"]["after"]["false_flag_rate"] == 0.0
    assert summary["pooled_held_out_flags"]["before"] == {"flags": 20, "on_gold": 10, "on_clean": 10}


def test_fit_with_fixed_support_and_inner_cv():
    segments, predictions = _data(10)
    assert fit(predictions, segments, min_support=50).dropped == frozenset()
    chosen = fit(predictions, segments, k=5, grid=(1, 50))
    # dropping 'bad' removes 10 clean-segment flags and no hit: utility +10 at support 1
    assert chosen.min_support == 1 and chosen.dropped == {"bad"}
    assert chosen.inner_objective[1] > chosen.inner_objective[50]


def test_split_dropped_maps_harper_rules_to_their_names():
    names = {"grammar.harper.an-a": "AnA", "grammar.harper.repeated-words": "RepeatedWords"}
    harper, rules = split_dropped(
        frozenset({"grammar.harper.an-a", "glossary.x1", "style.a.b"}),
        base_harper_disabled=("LongSentences",),
        names=names,
    )
    assert harper == ("LongSentences", "AnA")
    assert rules == ("glossary.x1", "style.a.b")
    with pytest.raises(ValueError):
        split_dropped(frozenset({"grammar.harper.nope"}), names=names)


@pytest.fixture
def calibration_file(tmp_path, monkeypatch):
    path = tmp_path / "calibration.yaml"
    monkeypatch.setattr(config_module, "CALIBRATION_FILE", path)
    shipped_calibration.cache_clear()
    yield path
    shipped_calibration.cache_clear()


def test_config_defaults_come_from_the_shipped_calibration(calibration_file):
    calibration_file.write_text(
        "# header\nharper_disabled: [LongSentences, AnA]\ndisabled_rules: [glossary.g1]\n", encoding="utf-8"
    )
    config = AuditConfig()
    assert config.harper_disabled == ("LongSentences", "AnA")
    assert config.disabled_rules == ("glossary.g1",)
    assert AuditConfig(disabled_rules=()).disabled_rules == ()


def test_config_falls_back_without_the_file(calibration_file):
    assert not calibration_file.exists()
    assert shipped_calibration() == Calibration()
    assert AuditConfig().disabled_rules == ()


def test_bad_calibration_file_is_a_config_error(calibration_file):
    calibration_file.write_text("disabled_rules: 3\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="list"):
        shipped_calibration()


def test_disabled_rules_switch_off_glossary_entries(tmp_path):
    from audit.pipeline import Auditor

    glossary = tmp_path / "g.csv"
    glossary.write_text(
        "id,src_lang,tgt_lang,source_term,deprecated,preferred\ng1,zh,en,橄榄枝,olive branch,overture\n",
        encoding="utf-8",
    )
    text = "They extended an olive branch."
    base = AuditConfig(glossaries=(str(glossary),), grammar=False, use_rules=False, disabled_rules=())
    flags = [f.rule for s in Auditor(base).audit(text).segments for f in s.flags]
    assert flags == ["glossary.g1"]
    off = base.with_options(disabled_rules=("glossary.g1",))
    assert [f for s in Auditor(off).audit(text).segments for f in s.flags] == []


def test_writing_the_calibration_keeps_other_sections(tmp_path):
    import yaml

    from audit.evaluation.calibrate import write_calibration

    segments, predictions = _data(10)
    cv = cross_validate(predictions, segments, k=5, seed=0)
    path = tmp_path / "calibration.yaml"
    path.write_text("harper_disabled: [Old]\nsource_checks:\n  min_similarity: 0.82\n", encoding="utf-8")
    write_calibration(path, cv, data="d", command="c", segments=20, documents=10)
    written = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert written["source_checks"] == {"min_similarity": 0.82}
    assert written["disabled_rules"] == ["bad"]
    assert written["harper_disabled"] != ["Old"]


def test_harper_evidence_keeps_kept_harper_lints_with_a_gold_hit():
    from audit.evaluation.calibrate import harper_evidence
    from audit.evaluation.metrics import GroupStat

    names = {"grammar.harper.spell-check": "SpellCheck", "grammar.harper.an-a": "AnA",
             "grammar.harper.dashes": "Dashes"}
    stats = [
        GroupStat("grammar.harper.spell-check", flags=10, on_gold=3, on_major=1, on_clean=2, segments=9),
        GroupStat("grammar.harper.an-a", flags=8, on_gold=2, on_major=0, on_clean=5, segments=8),  # dropped
        GroupStat("grammar.harper.dashes", flags=4, on_gold=0, on_major=0, on_clean=1, segments=4),  # no gold hit
        GroupStat("style.x.y", flags=5, on_gold=5, on_major=5, on_clean=0, segments=5),  # not Harper
    ]
    assert harper_evidence(stats, frozenset({"grammar.harper.an-a"}), names) == ("SpellCheck",)
    with pytest.raises(ValueError):
        harper_evidence([GroupStat("grammar.harper.nope", 1, 1, 1, 0, 1)], frozenset(), names)


def _capped_data():
    """10 error-free segments: 'loud' flags 4 of them (and 4 gold spans), 'rare' 2 (and 6 gold spans),
    'clean' none; 10 erroneous segments carry the gold hits."""
    segments, predictions = [], []
    for i in range(10):
        segments.append(AnnotatedSegment("S", f"d{i}", 1, "r", "", "x" * 10, (GoldSpan(0, 4, "major"),)))
        predictions.append([PredictedSpan(0, 4, "minor", rule) for rule, hits in
                            (("loud", 4), ("rare", 6), ("clean", 3)) if i < hits])
        segments.append(AnnotatedSegment("S", f"d{i}", 2, "r", "", "y" * 10))
        predictions.append([PredictedSpan(0, 4, "minor", rule) for rule, fires in
                            (("loud", 4), ("rare", 2)) if i < fires])
    return segments, predictions


def test_the_false_flag_cap_drops_the_least_precise_rules_first():
    from audit.evaluation.calibrate import cap_false_flags, false_flag_rate

    segments, predictions = _capped_data()
    assert false_flag_rate(predictions, segments) == 0.4
    assert cap_false_flags(predictions, segments, frozenset(), 0.4) == frozenset()
    # 'loud' lands on gold once per false alarm, 'rare' three times: 'loud' goes first, and is enough
    assert cap_false_flags(predictions, segments, frozenset(), 0.2) == {"loud"}
    assert cap_false_flags(predictions, segments, frozenset(), 0.0) == {"loud", "rare"}  # 'clean' never
    assert fit(predictions, segments, min_support=1, max_false_flag=0.1).dropped == {"loud", "rare"}
    assert fit(predictions, segments, min_support=1).dropped == frozenset()  # neither is noisy


def test_writing_the_selection_keeps_the_other_sections_and_their_comments(tmp_path):
    from audit.evaluation.calibrate import other_sections

    text = ("# header\nharper_disabled:\n- A\n# about the source checks\nsource_checks:\n  min_chars: 8\n"
            "  # an inner note\n  disabled_checks: [names]\ndisabled_rules: []\n# the detector\n"
            "qe_thresholds:\n  source: {span: 0.4, major: 0.2}\n")
    kept = other_sections(text, {"harper_disabled", "disabled_rules", "harper_evidence"})
    assert kept == ("# about the source checks\nsource_checks:\n  min_chars: 8\n  # an inner note\n"
                    "  disabled_checks: [names]\n# the detector\nqe_thresholds:\n  source: {span: 0.4, major: 0.2}\n")
