"""Length-preserving normalisation used for matching.

Matching ignores case, treats ’ and ' alike and hyphens, dashes and spaces alike.
Each character maps to exactly one character, so an offset in the normalised text
is the same offset in the original text: no offset map is needed.
"""

from __future__ import annotations

_FOLD = str.maketrans(
    {
        "’": "'",
        "‘": "'",
        "ʼ": "'",
        "`": "'",
        "´": "'",
        "-": " ",
        "‐": " ",
        "‑": " ",
        "‒": " ",
        "–": " ",
        "—": " ",
        "\u00a0": " ",
        "\t": " ",
        "“": '"',
        "”": '"',
    }
)


def fold(text: str) -> str:
    """Lower-case and fold apostrophes/hyphens/dashes; same length as ``text``."""
    folded = text.translate(_FOLD).lower()
    if len(folded) == len(text):
        return folded
    # A few characters lower-case to two (e.g. "İ"); keep one so offsets stay aligned.
    return "".join(ch.translate(_FOLD).lower()[:1] or ch for ch in text)


def fold_pattern(text: str) -> str:
    """Fold a pattern and collapse its internal whitespace to single spaces."""
    return " ".join(fold(text).split())
