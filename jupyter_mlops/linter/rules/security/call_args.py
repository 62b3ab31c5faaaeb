"""Small questions about calls and string literals that the security rules share."""

from __future__ import annotations

import ast
from typing import Iterator

from ....analysis import CellAnalysis


def str_constants(a: CellAnalysis) -> Iterator[ast.Constant]:
    for node in a.nodes(ast.Constant):
        if isinstance(node.value, str):
            yield node


def in_fstring(a: CellAnalysis, node: ast.AST) -> bool:
    return isinstance(a.parent(node), (ast.JoinedStr, ast.FormattedValue))


def on_magic_line(a: CellAnalysis, node: ast.AST) -> bool:
    return getattr(node, "lineno", 0) in a.python.changed_lines


def call_keyword(call: ast.Call, name: str) -> ast.expr | None:
    for kw in call.keywords:
        if kw.arg == name:
            return kw.value
    return None


def has_star_kwargs(call: ast.Call) -> bool:
    return any(kw.arg is None for kw in call.keywords)


def call_arg(call: ast.Call, index: int, *names: str) -> ast.expr | None:
    if len(call.args) > index and not any(isinstance(a, ast.Starred) for a in call.args[:index + 1]):
        return call.args[index]
    for n in names:
        value = call_keyword(call, n)
        if value is not None:
            return value
    return None


def is_const(node: ast.AST | None, *values: object) -> bool:
    return isinstance(node, ast.Constant) and any(type(node.value) is type(v) and node.value == v
                                                  for v in values)
