"""More language pairs: detection, the ru/de/fr glossaries and rules."""

import pytest

from audit.config import AuditConfig
from audit.glossary import default_glossary_dir, load_glossary
from audit.pipeline import Auditor
from audit.source.detect import detect_language


@pytest.mark.parametrize(("text", "lang"), [
    ("中国经济今年增长了百分之五。", "zh"),
    ("Экономика России выросла на три процента.", "ru"),
    ("Die Wirtschaft ist im letzten Jahr deutlich gewachsen.", "de"),
    ("L'économie française a fortement progressé cette année.", "fr"),
    ("経済は今年成長した。", "ja"),
    ("La economía española creció mucho este año.", "es"),
])
def test_detect_language(text, lang):
    assert detect_language(text) == lang


def test_detect_empty_uses_default():
    assert detect_language("   ", "zh") == "zh"


@pytest.mark.parametrize(("name", "lang"), [("ru-en-politics.csv", "ru"), ("de-en.csv", "de"), ("fr-en.csv", "fr")])
def test_new_glossaries_load(name, lang):
    glossary = load_glossary(default_glossary_dir() / name)
    assert len(glossary.entries) >= 50
    assert {e.src_lang for e in glossary.entries} == {lang}
    assert all(e.source_term for e in glossary.entries)


@pytest.mark.parametrize(("lang", "text", "flagged"), [
    ("ru", "The meeting took place on the territory of Crimea in the framework of the visit.",
     {"on the territory of", "in the framework of"}),
    ("ru", "Voter appearance was low in the elections.", {"appearance"}),
    ("de", "He became a letter from his boss. We have lived here since years.", {"became a letter", "since years"}),
    ("de", "The topic remains actual and highly actual.", {"remains actual", "highly actual"}),
    ("fr", "The minister will assist at the summit.", {"assist at"}),
    ("fr", "Twenty countries participated to the summit.", {"to"}),
])
def test_language_examples_flag(lang, text, flagged):
    auditor = Auditor(AuditConfig(src_lang=lang, grammar=False))
    found = {f.text for s in auditor.audit(text).segments for f in s.flags}
    assert flagged <= found


@pytest.mark.parametrize(("lang", "text"), [
    ("ru", "The troops remained in Crimea as part of the agreement."),
    ("de", "The actual cost was lower. The chef cooked a fine dinner in the restaurant kitchen."),
    ("fr", "She borrowed the book from the public library. Actually, it rained."),
])
def test_language_examples_pass(lang, text):
    auditor = Auditor(AuditConfig(src_lang=lang, grammar=False))
    assert [f for s in auditor.audit(text).segments for f in s.flags if f.origin != "grammar"] == []


def test_zh_audit_does_not_use_other_languages_entries():
    auditor = Auditor(AuditConfig(src_lang="zh", grammar=False))
    assert not [f for s in auditor.audit("He lived here since years.").segments for f in s.flags]
