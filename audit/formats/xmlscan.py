"""A scanner of well-formed XML text that keeps every element's character positions.

lxml and translate-toolkit give the tree, not where each tag sits in the file; the writers need
positions to insert markup and leave every other character alone. The input has already passed
the defusedxml screen and translate-toolkit's parser (well-formed, no DTD, no entities), so a
tokenizer over the markup suffices: comments, CDATA, processing instructions, start, end and
empty-element tags (attribute values may hold ``>``, never ``<``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

TOKEN = re.compile(
    r"<!--.*?-->"
    r"|<!\[CDATA\[(?P<cdata>.*?)\]\]>"
    r"|<\?.*?\?>"
    r"|<!DOCTYPE[^>]*>"
    r"|</(?P<end>[^\s>]+)\s*>"
    r"|<(?P<start>[^\s/>!?]+)(?P<attrs>(?:\s+[^\s=/>]+\s*=\s*(?:\"[^\"]*\"|'[^']*'))*)\s*(?P<empty>/?)>",
    re.S,
)
ATTR = re.compile(r"([^\s=]+)\s*=\s*(?:\"([^\"]*)\"|'([^']*)')")
REFERENCE = re.compile(r"&(#x[0-9A-Fa-f]+|#[0-9]+|[A-Za-z_][\w.-]*);")
PREDEFINED = {"lt": "<", "gt": ">", "amp": "&", "apos": "'", "quot": '"'}


@dataclass(eq=False, slots=True)
class Element:
    """One element: ``start``..``tag_end`` is its start tag, ``close_start``..``end`` its end tag
    (both equal ``tag_end`` for an empty-element tag); ``attrs_end`` is where a new attribute goes."""

    qname: str
    ns: str | None
    local: str
    start: int
    tag_end: int
    attrs_end: int
    attrs: dict[str, str]
    nsmap: dict[str | None, str]
    parent: Element | None = None
    children: list[Element] = field(default_factory=list)
    close_start: int = -1
    end: int = -1

    @property
    def empty(self) -> bool:
        return self.close_start == self.tag_end and self.end == self.tag_end

    def iter(self, local: str | None = None, ns: str | None = None) -> Iterator[Element]:
        """This element and its descendants in document order, optionally by local name and namespace."""
        stack = [self]
        while stack:
            element = stack.pop()
            if (local is None or element.local == local) and (ns is None or element.ns == ns):
                yield element
            stack.extend(reversed(element.children))

    def child(self, local: str) -> Element | None:
        return next((c for c in self.children if c.local == local), None)


def unescape(value: str) -> str:
    def one(match: re.Match[str]) -> str:
        ref = match.group(1)
        if ref.startswith("#x"):
            return chr(int(ref[2:], 16))
        if ref.startswith("#"):
            return chr(int(ref[1:]))
        return PREDEFINED.get(ref, match.group(0))

    return REFERENCE.sub(one, value)


def escape_text(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def escape_attr(value: str) -> str:
    """An attribute value for double quotes; line breaks and tabs as references, so that attribute
    value normalisation does not turn them into spaces."""
    return (escape_text(value).replace('"', "&quot;").replace("\r", "&#13;").replace("\n", "&#10;")
            .replace("\t", "&#9;"))


def _split(qname: str) -> tuple[str | None, str]:
    prefix, _, local = qname.rpartition(":")
    return (prefix or None), local


def _open(match: re.Match[str], parent: Element | None) -> Element:
    attrs = {m.group(1): unescape(m.group(2) if m.group(2) is not None else m.group(3) or "")
             for m in ATTR.finditer(match.group("attrs"))}
    nsmap: dict[str | None, str] = (dict(parent.nsmap) if parent is not None
                                    else {"xml": "http://www.w3.org/XML/1998/namespace"})
    for name, value in attrs.items():
        if name == "xmlns":
            nsmap[None] = value
        elif name.startswith("xmlns:"):
            nsmap[name[6:]] = value
    qname = match.group("start")
    prefix, local = _split(qname)
    return Element(qname, nsmap.get(prefix), local, match.start(), match.end(), match.end("attrs"), attrs,
                   nsmap, parent)


def scan(text: str) -> Element:
    """The root element of ``text``, every element with its positions."""
    root: Element | None = None
    stack: list[Element] = []
    for match in TOKEN.finditer(text):
        if match.group("start") is not None:
            element = _open(match, stack[-1] if stack else None)
            if stack:
                stack[-1].children.append(element)
            elif root is None:
                root = element
            if match.group("empty"):
                element.close_start = element.end = match.end()
            else:
                stack.append(element)
        elif match.group("end") is not None and stack:
            element = stack.pop()
            element.close_start, element.end = match.start(), match.end()
    if root is None or stack:
        raise ValueError("not a well-formed XML document")
    return root


@dataclass(frozen=True, slots=True)
class Char:
    """One character of an element's text: where it is in the file and inside which descendants."""

    start: int
    end: int
    path: tuple[Element, ...]


def _text_chars(text: str, start: int, end: int, path: tuple[Element, ...]) -> Iterator[tuple[str, Char]]:
    """Decoded character data of ``text[start:end]``: references resolved, line ends normalised."""
    pos = start
    while pos < end:
        if text[pos] == "&":
            ref_end = text.index(";", pos) + 1
            yield unescape(text[pos:ref_end]), Char(pos, ref_end, path)
            pos = ref_end
        elif text[pos] == "\r":
            step = 2 if text.startswith("\r\n", pos) and pos + 1 < end else 1
            yield "\n", Char(pos, pos + step, path)
            pos += step
        else:
            yield text[pos], Char(pos, pos + 1, path)
            pos += 1


def element_text(text: str, element: Element) -> tuple[str, list[Char]]:
    """The text of ``element`` as an XML parser reports it (every descendant's character data,
    CDATA included, comments and processing instructions left out) with each character's place."""
    out: list[str] = []
    chars: list[Char] = []
    if element.empty:
        return "", chars
    by_start = {child.start: child for child in element.iter()}
    path: list[Element] = []
    pos = element.tag_end
    for match in TOKEN.finditer(text, element.tag_end, element.close_start):
        for value, char in _text_chars(text, pos, match.start(), tuple(path)):
            out.append(value)
            chars.append(char)
        pos = match.end()
        if match.group("cdata") is not None:
            for offset in range(match.start("cdata"), match.end("cdata")):
                out.append(text[offset])
                chars.append(Char(offset, offset + 1, tuple(path)))
        elif match.group("start") is not None and not match.group("empty"):
            path.append(by_start[match.start()])
        elif match.group("end") is not None and path:
            path.pop()
    for value, char in _text_chars(text, pos, element.close_start, tuple(path)):
        out.append(value)
        chars.append(char)
    return "".join(out), chars


def leading_space(text: str, position: int) -> str:
    """The run of whitespace that ends at ``position`` when it starts a line (indentation), else ''."""
    begin = position
    while begin > 0 and text[begin - 1] in " \t":
        begin -= 1
    if begin > 0 and text[begin - 1] == "\n":
        begin -= 1
        if begin > 0 and text[begin - 1] == "\r":
            begin -= 1
        return text[begin:position]
    return ""


def normalize_space(text: str, chars: list[Char]) -> tuple[str, list[Char]]:
    """XPath ``normalize-space()`` of ``text`` (what translate-toolkit reads where ``xml:space`` is
    not ``preserve``: runs of space, tab and line ends as one space, none at either end), keeping
    the place of each character; a collapsed run is placed at its first character."""
    out: list[str] = []
    placed: list[Char] = []
    pending: Char | None = None
    for value, char in zip(text, chars, strict=True):
        if value in " \t\n\r":
            if pending is None and out:
                pending = char
            continue
        if pending is not None:
            out.append(" ")
            placed.append(pending)
            pending = None
        out.append(value)
        placed.append(char)
    return "".join(out), placed
