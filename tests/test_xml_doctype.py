"""Issue 15: XLIFF/TMX and TBX with a DOCTYPE (an external one included) are refused, as the README says."""

from __future__ import annotations

import pytest

from audit.batch.readers import _screen_xml
from audit.errors import GlossaryError, InputError
from audit.glossary import read_tbx

XLIFF = b"""<?xml version="1.0"?>
<!DOCTYPE xliff SYSTEM "http://example.invalid/xliff.dtd">
<xliff version="1.2"><file source-language="zh" target-language="en" datatype="plaintext" original="x">
<body><trans-unit id="1"><source>a</source><target>b</target></trans-unit></body></file></xliff>"""
TBX = b"""<?xml version="1.0"?>
<!DOCTYPE martif SYSTEM "http://example.invalid/TBXcoreStructV02.dtd">
<martif type="TBX"><text><body></body></text></martif>"""


def test_xliff_with_an_external_doctype_is_refused():
    with pytest.raises(InputError, match="unsafe XML refused"):
        _screen_xml(XLIFF, "a.xlf")
    _screen_xml(XLIFF.replace(b'<!DOCTYPE xliff SYSTEM "http://example.invalid/xliff.dtd">\n', b""), "a.xlf")


def test_tbx_with_an_external_doctype_is_refused():
    with pytest.raises(GlossaryError, match="refused unsafe XML"):
        read_tbx(TBX, "g.tbx")
