"""Errors that reach a user as one clear line (CLI) or a 4xx with the offending field (HTTP)."""

from __future__ import annotations

from dataclasses import dataclass


class SymcheckError(Exception):
    """Base for every error symcheck reports to a person instead of a traceback."""


@dataclass(frozen=True)
class PackIssue:
    file: str
    entry: str
    field: str
    message: str

    def __str__(self) -> str:
        where = self.file
        if self.entry:
            where += f": {self.entry}"
        if self.field:
            where += f": {self.field}"
        return f"{where}: {self.message}"


class PackError(SymcheckError):
    """A knowledge pack failed validation; carries every issue found, not only the first."""

    def __init__(self, issues: list[PackIssue]):
        self.issues = issues
        first = str(issues[0]) if issues else "invalid pack"
        more = f" (and {len(issues) - 1} more problems)" if len(issues) > 1 else ""
        super().__init__(first + more)


class InputError(SymcheckError):
    """Bad input from a person or a client: names the field at fault."""

    def __init__(self, field: str, message: str):
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}" if field else message)


class NotFound(SymcheckError):
    def __init__(self, what: str, ident: str):
        self.what = what
        self.ident = ident
        super().__init__(f"unknown {what}: {ident!r}")
