"""Red-flag rule expressions with three-valued (Kleene) logic.

A rule such as ``weakness_one_side or (fever and rigidity)`` is parsed once into a small tree. Facts that
are unanswered or "don't know" are ``None`` (unknown): a rule *fires* only when it is certainly true, and
the interview asks the questions of rules that are still unknown first. Only a whitelisted subset of
Python's expression grammar is accepted, so a pack can never run code.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

Tri = bool | None  # True, False or unknown
Facts = Mapping[str, Any]

_COMPARE: dict[type[ast.cmpop], Callable[[Any, Any], bool]] = {
    ast.Eq: lambda a, b: bool(a == b),
    ast.NotEq: lambda a, b: bool(a != b),
    ast.Lt: lambda a, b: bool(a < b),
    ast.LtE: lambda a, b: bool(a <= b),
    ast.Gt: lambda a, b: bool(a > b),
    ast.GtE: lambda a, b: bool(a >= b),
    ast.In: lambda a, b: a in b,
    ast.NotIn: lambda a, b: a not in b,
}


class RuleSyntaxError(ValueError):
    pass


Node = Callable[[Facts], Any]


@dataclass(frozen=True)
class Expression:
    source: str
    names: frozenset[str]
    _root: Node

    def evaluate(self, facts: Facts) -> Tri:
        value = self._root(facts)
        if value is None or isinstance(value, bool):
            return value
        raise RuleSyntaxError(f"{self.source!r} does not give true or false")


def _and(parts: list[Node]) -> Node:
    def run(facts: Facts) -> Tri:
        unknown = False
        for part in parts:
            value = part(facts)
            if value is False:
                return False
            if value is None:
                unknown = True
        return None if unknown else True

    return run


def _or(parts: list[Node]) -> Node:
    def run(facts: Facts) -> Tri:
        unknown = False
        for part in parts:
            value = part(facts)
            if value is True:
                return True
            if value is None:
                unknown = True
        return None if unknown else False

    return run


def _not(inner: Node) -> Node:
    def run(facts: Facts) -> Tri:
        value = inner(facts)
        return None if value is None else not value

    return run


def _compare(left: Node, ops: list[ast.cmpop], rights: list[Node]) -> Node:
    funcs = [_COMPARE[type(op)] for op in ops]

    def run(facts: Facts) -> Tri:
        a = left(facts)
        result: Tri = True
        for func, right in zip(funcs, rights, strict=True):
            b = right(facts)
            if a is None or b is None:
                result = None if result is not False else False
            else:
                try:
                    if not func(a, b):
                        return False
                except TypeError:
                    return False
            a = b
        return result

    return run


def _build(node: ast.AST, names: set[str]) -> Node:
    if isinstance(node, ast.BoolOp):
        parts = [_build(v, names) for v in node.values]
        return _and(parts) if isinstance(node.op, ast.And) else _or(parts)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        return _not(_build(node.operand, names))
    if isinstance(node, ast.Compare):
        for op in node.ops:
            if type(op) not in _COMPARE:
                raise RuleSyntaxError(f"operator {type(op).__name__} is not allowed")
        return _compare(_build(node.left, names), list(node.ops), [_build(c, names) for c in node.comparators])
    if isinstance(node, ast.Name):
        name = node.id
        if name in ("true", "false"):
            constant = name == "true"
            return lambda facts: constant
        names.add(name)
        return lambda facts: facts.get(name)
    if isinstance(node, ast.Constant) and isinstance(node.value, str | int | float | bool):
        constant_value = node.value
        return lambda facts: constant_value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) and isinstance(node.operand, ast.Constant):
        negative = -node.operand.value  # type: ignore[operator]
        return lambda facts: negative
    if isinstance(node, ast.List | ast.Tuple | ast.Set):
        items = [_build(e, names) for e in node.elts]
        return lambda facts: frozenset(item(facts) for item in items)
    raise RuleSyntaxError(f"'{ast.unparse(node)}' is not allowed in a rule")


def parse(text: str) -> Expression:
    """Parse a rule expression; raises RuleSyntaxError with a readable reason."""
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as exc:
        raise RuleSyntaxError(f"cannot parse {text!r}: {exc.msg}") from None
    names: set[str] = set()
    root = _build(tree.body, names)
    return Expression(text, frozenset(names), root)
