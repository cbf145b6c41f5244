"""mt-audit: flag awkward or wrong machine-translation renderings, propose corrections, score the edit.

The pipeline is a chain of small public steps over value objects with offsets:
:mod:`audit.segment` -> :mod:`audit.matcher` (glossaries) and :mod:`audit.rules` ->
:mod:`audit.grammar` -> :mod:`audit.propose` -> :mod:`audit.scoring`;
:class:`audit.pipeline.Auditor` runs them.
"""

__version__ = "0.1.0"
