"""Checkers: every check is a small class registered under the dotted ids it emits.

Add a checker by adding a module here with a :class:`Checker` subclass (see README, "Architecture");
:meth:`CheckerRegistry.builtin` finds it. :class:`Switches` decide which ids run.
"""

from .base import CheckBatch, Checker, CheckerSetup, CheckItem, SourceSide
from .registry import CheckerChain, CheckerRegistry, Switches, harper_id

__all__ = ["CheckBatch", "CheckItem", "Checker", "CheckerChain", "CheckerRegistry", "CheckerSetup", "SourceSide",
           "Switches", "harper_id"]
