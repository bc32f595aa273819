"""The one error type for bad input: a scenario, a device config, a pasted output, a datagram file.

The CLI prints ``str(error)`` as one line and exits with status 2.
"""

from __future__ import annotations


class InputError(Exception):
    """Bad input, located as precisely as we can: file, line, field."""

    def __init__(self, message: str, *, source: str | None = None, line: int | None = None, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.source = source
        self.line = line
        self.field = field

    def located(self, *, source: str | None = None, line: int | None = None, field: str | None = None) -> "InputError":
        """A copy with missing location parts filled in (inner parsers know the line, outer ones the file)."""
        return InputError(
            self.message,
            source=self.source or source,
            line=self.line if self.line is not None else line,
            field=self.field or field,
        )

    def __str__(self) -> str:
        where = ""
        if self.source:
            where = self.source + (f":{self.line}" if self.line is not None else "") + ": "
        elif self.line is not None:
            where = f"line {self.line}: "
        field = f"{self.field}: " if self.field else ""
        return f"{where}{field}{self.message}"
