"""Rule expressions: three-valued logic, and nothing but the whitelisted grammar."""

from __future__ import annotations

import pytest

from symcheck.engine.rules import RuleSyntaxError, parse


@pytest.mark.parametrize(
    ("text", "facts", "expected"),
    [
        ("a and b", {"a": True, "b": None}, None),
        ("a and b", {"a": False, "b": None}, False),
        ("a or b", {"a": None, "b": True}, True),
        ("a or b", {"a": None, "b": False}, None),
        ("not a", {}, None),
        ("not a", {"a": False}, True),
        ("'calf' in where", {"where": frozenset({"calf", "foot"})}, True),
        ("'calf' in where", {"where": None}, None),
        ("age >= 50 and sex == 'female'", {"age": 60, "sex": "female"}, True),
        ("age >= 50 and sex == 'female'", {"age": 40, "sex": "female"}, False),
        ("days > 3", {"days": 2.0}, False),
        ("site in ['jaw', 'neck']", {"site": "neck"}, True),
    ],
)
def test_three_valued_logic(text, facts, expected):
    assert parse(text).evaluate(facts) is expected


@pytest.mark.parametrize("text", ["__import__('os')", "a.b", "a + b", "lambda: 1", "a if b else c", "a ="])
def test_only_the_whitelisted_grammar(text):
    with pytest.raises(RuleSyntaxError):
        parse(text)


def test_names_in_use():
    assert parse("fever and (rigid or 'x' in where) and age > 3").names == frozenset({"fever", "rigid", "where", "age"})
