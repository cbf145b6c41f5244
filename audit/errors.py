"""Errors that name what is wrong and where (file, line, field, byte offset)."""

from __future__ import annotations


class AuditError(Exception):
    """Base class of every error the library raises on bad input or configuration."""

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        field: str | None = None,
        byte_offset: int | None = None,
    ) -> None:
        self.message = message
        self.file = file
        self.line = line
        self.field = field
        self.byte_offset = byte_offset
        super().__init__(self.describe())

    def describe(self) -> str:
        """One line: ``file:line: field: message`` with the parts that are known."""
        where = []
        if self.file is not None:
            where.append(str(self.file))
        if self.line is not None:
            where.append(f"line {self.line}")
        if self.byte_offset is not None:
            where.append(f"byte {self.byte_offset}")
        prefix = ", ".join(where)
        text = self.message if self.field is None else f"field {self.field!r}: {self.message}"
        return f"{prefix}: {text}" if prefix else text


class InputError(AuditError):
    """The text submitted for audit cannot be read (empty, binary, invalid UTF-8)."""


class GlossaryError(AuditError):
    """A glossary file is malformed; nothing of it is loaded."""


class RuleError(AuditError):
    """A rule file is malformed."""


class ConfigError(AuditError):
    """A configuration value is invalid."""
