"""The translator's own files: XLIFF 1.2 / 2.x, Gettext PO and TMX written back with the flags.

``mt-audit check FILE.xlf --annotate OUT.xlf --qa-report QA.xlsx`` and ``mt-audit batch`` audit each
unit's target (with its source) and write the same file back with, and only with, the flags added:
ITS 2.0 Localization Quality Issue markup on the flagged spans of XLIFF targets and the proposal as
an alternative translation (:mod:`.xliff`), translator comments and ``fuzzy`` in PO (:mod:`.po`),
``<note>``/``<prop>`` on TMX target variants (:mod:`.tmx`), and an Xbench-style QA report
(:mod:`.qa`, CSV and XLSX).

Reading vs writing. The files are read by translate-toolkit through the batch readers
(:func:`audit.batch.readers.parse_units`, :func:`~audit.batch.readers.toolkit_segments`), so unit
ids and texts are those of ``batch``. They are *not* written by translate-toolkit: it serialises the
whole file again. Measured (translate-toolkit 3.20, lxml 6.2): an untouched XLIFF 1.2 comes back with
its XML declaration's quotes changed, a comment before the root joined to the root's line,
``&apos;`` written as ``'``, every element re-indented (a 479-byte XLIFF 2.0 became 513 bytes); on a
5,000-unit XLIFF 1.2 with one note added per unit, 5,002 of the 20,007 original lines changed. TMX
loses ``&apos;`` and single-quoted attributes the same way, and PO keeps unmodified entries but
re-spaces ``msgid  "..."``. A CAT tool's diff, its segment status and a reviewer's trust all depend
on "nothing else changed", so the writers work on the original text instead: a position-keeping
scanner (:mod:`.xmlscan`, the XML having passed defusedxml and translate-toolkit first) finds each
unit's elements, and markup is only ever *inserted* (:mod:`.splice`), never re-serialised. A file
without flags comes back byte-identical; a flagged one differs only by the inserted markup (tests
strip it and compare bytes). Writing back the same 5,000-unit file with a flag per unit takes about
0.7 s on this machine (reading it with translate-toolkit about 0.6 s). Only UTF-8 files are written
back (any other declared encoding is refused with the file and line).
"""
