"""Work limits, in the spirit of LanguageTool's ``maxTextLength`` and ``maxCheckTimeMillis``.

One place for the sizes and times the audit never exceeds, shared by the HTTP API
(``MT_AUDIT_MAX_TEXT_CHARS`` ...), ``mt-audit check`` and ``mt-audit batch``:

* :attr:`Limits.max_text_chars`: the longest text audited in one piece (an API request's
  ``text`` or ``source``; one segment of a batch document: a longer one is reported as skipped
  and the run goes on).
* :attr:`Limits.grammar_max_sentence_chars` and :attr:`Limits.grammar_max_token_chars`: what the
  Harper grammar checker is handed. Harper's cost grows with the square of a token's length (a
  100,000-character token asked for 30 GB and aborted the process) and faster than linearly with
  a sentence's, so longer sentences are checked without it (glossary and rules still run) and the
  result says so (``grammar_skipped``). See :func:`grammar_unsafe_spans`.
* :attr:`Limits.time_limit_seconds`: the budget of one request; the pipeline checks it between
  sentences (:func:`check_deadline`) and stops with :class:`TimeLimitExceeded`.

Nothing here is global state: the deadline is a context variable set per request
(:func:`deadline`), so concurrent requests in threads keep their own.
"""

from __future__ import annotations

import contextvars
import re
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from typing import Any

from .errors import ConfigError, InputError

#: The longest text (characters) audited in one piece: a request's text, a batch segment.
DEFAULT_MAX_TEXT_CHARS = 100_000
#: Sentences longer than this (characters) are checked without Harper.
DEFAULT_GRAMMAR_MAX_SENTENCE_CHARS = 2_000
#: Sentences holding a token (a run of non-space characters) longer than this are checked without Harper.
DEFAULT_GRAMMAR_MAX_TOKEN_CHARS = 200
#: Seconds one API request may spend auditing before it stops with a JSON error.
DEFAULT_TIME_LIMIT_SECONDS = 30.0

#: Where a sentence ends for the grammar guard: after an end mark and space, or at a line break.
_SENTENCE_BREAK = re.compile(r"(?<=[.!?。！？…])\s+|\n")


class LimitError(InputError):
    """A work limit was reached (an input too large or too slow to audit)."""


class TextTooLong(LimitError):
    """A text (or one segment of it) is longer than :attr:`Limits.max_text_chars`."""

    def __init__(self, length: int, limit: int, field: str | None = "text", file: str | None = None,
                 line: int | None = None) -> None:
        super().__init__(f"{length} characters, over the limit of {limit} (max_text_chars)",
                         field=field, file=file, line=line)
        self.length = length
        self.limit = limit


class TimeLimitExceeded(LimitError):
    """The work of one request ran past its time budget."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"the audit ran past the time limit of {seconds:g} s and was stopped; "
                         "send a shorter text (or split it)", field="text")
        self.seconds = seconds


@dataclass(frozen=True, slots=True)
class Limits:
    max_text_chars: int = DEFAULT_MAX_TEXT_CHARS
    grammar_max_sentence_chars: int = DEFAULT_GRAMMAR_MAX_SENTENCE_CHARS
    grammar_max_token_chars: int = DEFAULT_GRAMMAR_MAX_TOKEN_CHARS
    time_limit_seconds: float = DEFAULT_TIME_LIMIT_SECONDS

    def __post_init__(self) -> None:
        for name in ("max_text_chars", "grammar_max_sentence_chars", "grammar_max_token_chars"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ConfigError(f"must be a positive integer; got {value!r}", field=name)
        seconds = self.time_limit_seconds
        if isinstance(seconds, bool) or not isinstance(seconds, int | float) or not 0 < seconds <= 86_400:
            raise ConfigError(f"must be a number of seconds in (0, 86400]; got {seconds!r}",
                             field="time_limit_seconds")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def check_text(self, text: str, field: str = "text") -> None:
        """:class:`TextTooLong` when ``text`` is over :attr:`max_text_chars`."""
        if len(text) > self.max_text_chars:
            raise TextTooLong(len(text), self.max_text_chars, field=field)


# --- the text limit in ``mt-audit check`` ------------------------------------------------------
def paragraphs_within(paragraphs: Iterable[Any], max_chars: int | None, name: str,
                      warn: Callable[[str], None]) -> Iterator[Any]:
    """``mt-audit check --max-chars``: the paragraphs (lines, :class:`audit.records.Paragraph`) of a
    streamed file, each one longer than ``max_chars`` left out with a ``warn`` line naming it (as a
    batch segment is: the rest of the file is audited, offsets unchanged)."""
    for paragraph in paragraphs:
        if max_chars is not None and len(paragraph.text) > max_chars:
            warn(f"{name}: line {paragraph.index + 1}: {len(paragraph.text):,} characters, over the limit of "
                 f"{max_chars:,} (max_text_chars, --max-chars): not audited; the rest of the file is")
            continue
        yield paragraph


def check_lines(text: str, max_chars: int | None, field: str, name: str) -> None:
    """:class:`TextTooLong` (naming the line) when a line of an in-memory text is over ``max_chars``
    (``check --source``: the pair is aligned as a whole, so a line cannot be left out)."""
    if max_chars is None or len(text) <= max_chars:
        return
    for number, line in enumerate(text.split("\n"), 1):
        if len(line) > max_chars:
            raise TextTooLong(len(line), max_chars, field=field, file=name, line=number)


# --- the grammar guard ---------------------------------------------------------------------
def grammar_unsafe_spans(text: str, max_sentence_chars: int = DEFAULT_GRAMMAR_MAX_SENTENCE_CHARS,
                         max_token_chars: int = DEFAULT_GRAMMAR_MAX_TOKEN_CHARS) -> list[tuple[int, int]]:
    """The ``(start, end)`` spans of ``text`` that Harper must not see, sorted and disjoint: each
    rough sentence (text up to an end mark followed by space, or a line break) that is longer than
    ``max_sentence_chars`` or holds a token (non-space run) longer than ``max_token_chars``.

    Linear in ``len(text)``; the rough sentences depend only on the characters around each break,
    so a paragraph gives the same spans alone as inside its document (offsets shifted).
    """
    if len(text) <= max_token_chars:
        return []
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _SENTENCE_BREAK.finditer(text):
        _guard_piece(text, start, match.start(), max_sentence_chars, max_token_chars, spans)
        start = match.end()
    _guard_piece(text, start, len(text), max_sentence_chars, max_token_chars, spans)
    return spans


def _guard_piece(text: str, start: int, end: int, max_sentence: int, max_token: int,
                 spans: list[tuple[int, int]]) -> None:
    if end - start <= max_token:
        return
    if end - start > max_sentence or _has_long_token(text, start, end, max_token):
        if spans and spans[-1][1] >= start:
            spans[-1] = (spans[-1][0], end)
        else:
            spans.append((start, end))


def _has_long_token(text: str, start: int, end: int, max_token: int) -> bool:
    run = 0
    for index in range(start, end):
        if text[index].isspace():
            run = 0
        else:
            run += 1
            if run > max_token:
                return True
    return False


def overlaps(spans: list[tuple[int, int]] | tuple[tuple[int, int], ...], start: int, end: int) -> bool:
    """Whether ``[start, end)`` overlaps any of ``spans`` (an empty range overlaps a span holding it)."""
    return any((s < end and start < e) or s <= start < e for s, e in spans)


# --- the time budget -----------------------------------------------------------------------
_DEADLINE: contextvars.ContextVar[tuple[float, float] | None] = contextvars.ContextVar(
    "mt_audit_deadline", default=None
)


@contextmanager
def deadline(seconds: float | None) -> Iterator[None]:
    """Within this block :func:`check_deadline` raises :class:`TimeLimitExceeded` once ``seconds``
    have passed (None: no budget). Per context: threads and requests keep their own."""
    token = _DEADLINE.set(None if seconds is None else (time.monotonic() + seconds, seconds))
    try:
        yield
    finally:
        _DEADLINE.reset(token)


def check_deadline() -> None:
    """Raise :class:`TimeLimitExceeded` when the current context's budget is spent."""
    current = _DEADLINE.get()
    if current is not None and time.monotonic() > current[0]:
        raise TimeLimitExceeded(current[1])


def remaining() -> float | None:
    """Seconds left of the current budget (None: no budget)."""
    current = _DEADLINE.get()
    return None if current is None else max(0.0, current[0] - time.monotonic())
