"""ITS 2.0 Localization Quality Issue (LQI) values for MQM flags.

Type: the ITS 2.0 LQI type vocabulary (https://www.w3.org/TR/its20/#lqissue-typevalues), chosen
from the flag's MQM category by the first listed prefix it starts with ('Accuracy/Omission' ->
omission, any other 'Accuracy/...' -> mistranslation), 'numbers' for the source number check.
Severity: ITS asks for a decimal from 0 to 100 (100 the most severe); the MQM severities map in
proportion to their default penalty weights (minor 1, major 5, critical 10): 10, 50, 100.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .model import Issue

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

#: MQM category (prefix) -> ITS LQI type; the first matching prefix wins. The one table: the
#: translator's files (audit/formats) and the review server's exports (api/storage/review_exports.py)
#: both use :func:`its_type`, so a flag gets one type everywhere.
TYPE_BY_CATEGORY = (
    ("Accuracy/Mistranslation", "mistranslation"),
    ("Accuracy/Omission", "omission"),
    ("Accuracy/Addition", "addition"),
    ("Accuracy/Untranslated", "untranslated"),
    ("Accuracy", "mistranslation"),
    ("Fluency/Grammar", "grammar"),
    ("Fluency/Spelling", "misspelling"),
    ("Fluency/Punctuation", "typographical"),
    ("Fluency/Register", "register"),
    ("Fluency/Inconsistency", "inconsistency"),
    ("Fluency/Character", "characters"),
    ("Fluency", "grammar"),
    ("Terminology", "terminology"),
    ("Style", "style"),
    ("Locale", "locale-violation"),
)

#: The source number check's rule id (audit/source/checks.py): its flags are ITS 'numbers'.
NUMBER_RULE = "source.number"

SEVERITY_SCORE = {"minor": 10, "major": 50, "critical": 100}


def its_type(category: str, rule: str = "") -> str:
    """The ITS LQI type of an MQM category ('Accuracy/Mistranslation' -> 'mistranslation'); the
    source number check's flags (rule ``source.number``, or a sub-id ``source.number.*``) are 'numbers'."""
    if rule == NUMBER_RULE or rule.startswith(NUMBER_RULE + "."):
        return "numbers"
    for prefix, kind in TYPE_BY_CATEGORY:
        if category.startswith(prefix):
            return kind
    return "other"


def its_severity(severity: str) -> int:
    """The ITS LQI severity (0-100) of an MQM severity name."""
    return SEVERITY_SCORE.get(str(severity).lower(), SEVERITY_SCORE["minor"])


def its_comment(issue: Issue) -> str:
    """The human comment of one issue: message, MQM category and rule, suggestion."""
    parts = [f"{issue.message} [{issue.category}; {issue.severity}; {issue.rule}]"]
    if issue.suggestion:
        parts.append(f"Suggestion: {issue.suggestion}")
    return " ".join(parts)


def its_attributes(issue: Issue) -> list[tuple[str, str]]:
    """(local name, value) of the three LQI attributes of one issue, in a fixed order."""
    return [
        ("locQualityIssueType", its_type(issue.category, issue.rule)),
        ("locQualityIssueComment", its_comment(issue)),
        ("locQualityIssueSeverity", str(its_severity(issue.severity))),
    ]


def issue_line(issue: Issue) -> str:
    """One line that says everything about an issue (PO translator comments, TMX notes)."""
    text = (f'mt-audit: {issue.severity} {issue.category} [{issue.rule}] "{issue.text}" '
            f"(characters {issue.start}-{issue.end}; ITS {its_type(issue.category, issue.rule)}, "
            f"severity {its_severity(issue.severity)}): {issue.message}")
    text = f"{text} Suggestion: {issue.suggestion}" if issue.suggestion else text
    return " ".join(text.split())
