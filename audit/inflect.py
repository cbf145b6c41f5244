"""Inflection of glossary terms (lemminflect: lemma tables, no model download).

The matcher expands the first and last word of each rendering into its inflected
forms; the proposal step re-inflects the replacement to the form that was matched
(pulling Russia -> winning over Russia).
"""

from __future__ import annotations

from functools import lru_cache

#: Penn tags re-applied to a replacement, in order of preference when a form is ambiguous.
_TAG_ORDER = ("VBG", "VBZ", "VBD", "VBN", "NNS", "JJR", "JJS", "VB", "VBP", "NN", "JJ")


@lru_cache(maxsize=65536)
def word_forms(word: str) -> tuple[tuple[str, str], ...]:
    """``(form, tag)`` pairs for a lower-case word: its own form first (tag ``""``)."""
    if not word.isalpha() or not word.islower() or len(word) < 2:
        return ((word, ""),)
    from lemminflect import getAllInflections, getAllInflectionsOOV, getAllLemmas

    forms: dict[str, str] = {word: ""}
    lemmas = getAllLemmas(word)
    if not lemmas:
        # Out of the lexicon (coinages such as "layouter"): regular noun plural only.
        for tag, inflected in getAllInflectionsOOV(word, upos="NOUN").items():
            for form in inflected:
                forms.setdefault(form, tag)
    # Verbs first: a form that is both (pulls) is re-inflected as a verb.
    for upos in ("VERB", "AUX", "NOUN"):
        lemma_forms = lemmas.get(upos, ())
        for lemma in lemma_forms:
            for tag, inflected in getAllInflections(lemma, upos=upos).items():
                for form in inflected:
                    forms.setdefault(form, tag)
    ordered = sorted(forms.items(), key=lambda kv: (kv[1] != "", _rank(kv[1])))
    return tuple(ordered)


def _rank(tag: str) -> int:
    return _TAG_ORDER.index(tag) if tag in _TAG_ORDER else len(_TAG_ORDER)


@lru_cache(maxsize=65536)
def inflect_word(word: str, tag: str) -> str:
    """``word`` put into Penn ``tag``; unchanged when it cannot be inflected."""
    if not tag or not word.isalpha() or not word.islower():
        return word
    from lemminflect import getInflection, getLemma

    lemma = getLemma(word, upos="VERB" if tag.startswith("VB") else "NOUN")
    forms = getInflection(lemma[0] if lemma else word, tag=tag)
    return forms[0] if forms else word


def reinflect(phrase: str, tag: str, position: str) -> str:
    """Inflect the first (``position='first'``) or last word of ``phrase`` to ``tag``."""
    if not tag:
        return phrase
    words = phrase.split(" ")
    index = 0 if position == "first" else len(words) - 1
    words[index] = inflect_word(words[index], tag)
    return " ".join(words)


def match_case(replacement: str, matched: str) -> str:
    """Carry the capitalisation of the matched text's first letter over to the replacement."""
    if matched[:1].isupper() and replacement[:1].islower():
        return replacement[:1].upper() + replacement[1:]
    return replacement
