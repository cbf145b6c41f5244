"""ITS 2.0 Localization Quality Issue (LQI) values for MQM flags.

Type: the ITS 2.0 LQI type vocabulary (https://www.w3.org/TR/its20/#lqissue-typevalues), chosen
from the flag's MQM category, the exact category first, then its top-level dimension.
Severity: ITS asks for a decimal from 0 to 100 (100 the most severe); the MQM severities map in
proportion to their default penalty weights (minor 1, major 5, critical 10): 10, 50, 100.
"""

from __future__ import annotations

from typing import Any

ITS_NS = "http://www.w3.org/2005/11/its"
ITS_VERSION = "2.0"

#: The ITS 2.0 LQI type values.
ITS_TYPES = (
    "terminology", "mistranslation", "omission", "untranslated", "addition", "duplication", "inconsistency",
    "grammar", "legal", "register", "locale-specific-content", "locale-violation", "style", "characters",
    "misspelling", "typographical", "formatting", "inconsistent-entities", "numbers", "markup",
    "pattern-problem", "whitespace", "internationalization", "length", "non-conformance", "uncategorized",
    "other",
)

_EXACT = {
    "accuracy/mistranslation": "mistranslation",
    "accuracy/addition": "addition",
    "accuracy/omission": "omission",
    "accuracy/untranslated": "untranslated",
    "accuracy/untranslated text": "untranslated",
    "accuracy/number": "numbers",
    "accuracy/numbers": "numbers",
    "fluency/grammar": "grammar",
    "fluency/inconsistency": "inconsistency",
    "fluency/punctuation": "typographical",
    "fluency/spelling": "misspelling",
    "fluency/character encoding": "characters",
    "fluency/register": "register",
    "fluency/duplication": "duplication",
    "style/awkward": "style",
    "style/unidiomatic": "style",
    "style/register": "register",
    "terminology/inconsistent": "inconsistency",
    "locale convention/number format": "numbers",
    "other": "other",
}

_DIMENSION = {
    "accuracy": "mistranslation",
    "fluency": "other",
    "style": "style",
    "terminology": "terminology",
    "locale convention": "locale-violation",
    "locale": "locale-violation",
    "design": "formatting",
    "markup": "markup",
}

SEVERITY_SCORE = {"minor": 10, "major": 50, "critical": 100}


def its_type(category: str) -> str:
    """The ITS LQI type of an MQM category ('Accuracy/Mistranslation' -> 'mistranslation')."""
    key = category.strip().lower()
    if key in _EXACT:
        return _EXACT[key]
    return _DIMENSION.get(key.split("/", 1)[0], "uncategorized")


def its_severity(severity: str) -> int:
    """The ITS LQI severity (0-100) of an MQM severity name."""
    return SEVERITY_SCORE.get(str(severity).lower(), SEVERITY_SCORE["minor"])


def its_comment(issue: Any) -> str:
    """The human comment of one issue: message, MQM category and rule, suggestion."""
    parts = [f"{issue.message} [{issue.category}; {issue.severity}; {issue.rule}]"]
    if issue.suggestion:
        parts.append(f"Suggestion: {issue.suggestion}")
    return " ".join(parts)


def its_attributes(issue: Any) -> list[tuple[str, str]]:
    """(local name, value) of the three LQI attributes of one issue, in a fixed order."""
    return [
        ("locQualityIssueType", its_type(issue.category)),
        ("locQualityIssueComment", its_comment(issue)),
        ("locQualityIssueSeverity", str(its_severity(issue.severity))),
    ]
