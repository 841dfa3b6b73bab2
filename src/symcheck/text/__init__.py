"""Free-text symptoms: `parse(text, pack)` reads a person's own words into the interview's answers."""

from symcheck.text.models import Finding, ParseResult, Person, Span
from symcheck.text.parser import parse

__all__ = ["Finding", "ParseResult", "Person", "Span", "parse"]
