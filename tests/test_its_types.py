"""One ITS 2.0 LQI type table (audit/formats/its.py) for the translator's files and the review exports."""

from __future__ import annotations

from types import SimpleNamespace

import api.storage.review_exports as exports
from audit.formats.its import its_severity, its_type


def test_the_source_number_rule_is_its_numbers():
    assert its_type("Accuracy/Mistranslation", "source.number") == "numbers"
    assert its_type("Accuracy/Omission", "source.number") == "numbers"
    assert its_type("Accuracy/Omission", "source.number.unit") == "numbers"
    assert its_type("Accuracy/Omission", "source.numbers-like") == "omission"
    assert its_type("Accuracy/Omission", "source.name") == "omission"


def test_review_exports_use_the_same_table():
    assert not hasattr(exports, "ITS_TYPES") and not hasattr(exports, "ITS_SEVERITY")
    flag = SimpleNamespace(category="Accuracy/Mistranslation", rule="source.number", message="3 vs 5",
                           severity="major")
    attrs = {k.split("}")[1]: v for k, v in exports._its_attrs(flag, True).items()}
    assert attrs["locQualityIssueType"] == "numbers"
    assert attrs["locQualityIssueSeverity"] == str(its_severity("major")) == "50"
