"""JAX keys used twice. JAX has no global generator: a key is the seed of one draw, and the same
key gives the same numbers again (`jax.random.normal(key)` twice draws twice the same sample).
Keys are to be split (`key, sub = jax.random.split(key)`) and each one used once."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Callable, Iterator

from ....analysis import CellAnalysis
from ....notebook.model import Cell

# jax.random functions that take a key without using it up.
_NOT_CONSUMING = frozenset({"PRNGKey", "key", "key_data", "wrap_key_data", "fold_in", "key_impl",
                            "default_prng_impl", "clone", "Key"})
_NESTED = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)
_LOOPS = (ast.For, ast.AsyncFor, ast.While)


@dataclass(frozen=True)
class KeyReuse:
    cell: Cell
    analysis: CellAnalysis
    call: ast.Call
    key: str
    first: str  # where the key was used before, in words
    in_loop: bool


@dataclass
class _Use:
    cell: Cell
    line: int
    what: str


def key_reuses(parsed: list[tuple[Cell, CellAnalysis]],
               qualname: Callable[[ast.AST], str | None]) -> Iterator[KeyReuse]:
    """Keys drawn from twice, at module level in notebook order and inside each function."""
    used: dict[str, _Use] = {}
    for cell, a in parsed:
        yield from _block(cell, a, a.tree.body, used, qualname, loop_keys=None)
        for func in a.nodes(ast.FunctionDef, ast.AsyncFunctionDef):
            yield from _block(cell, a, func.body, {}, qualname, loop_keys=None)


def _consumer(call: ast.Call, qualname) -> str | None:
    qual = qualname(call.func) or ""
    if not qual.startswith("jax.random.") or qual.rsplit(".", 1)[-1] in _NOT_CONSUMING:
        return None
    key = call.args[0] if call.args else next((k.value for k in call.keywords if k.arg == "key"), None)
    return key.id if isinstance(key, ast.Name) else None


def _calls_in(node: ast.AST) -> list[ast.Call]:
    """Calls a statement's own expressions make (not those of nested blocks), inner ones first."""
    found: list[ast.Call] = []
    stack = [node]
    while stack:
        n = stack.pop()
        for child in ast.iter_child_nodes(n):
            if isinstance(child, (ast.stmt, *_NESTED)):
                continue
            if isinstance(child, ast.Call):
                found.append(child)
            stack.append(child)
    return sorted(found, key=lambda c: (c.end_lineno or 0, c.end_col_offset or 0))


def _bound(stmt: ast.stmt) -> set[str]:
    targets: list[ast.AST] = []
    if isinstance(stmt, ast.Assign):
        targets = list(stmt.targets)
    elif isinstance(stmt, (ast.AnnAssign, ast.AugAssign, ast.For, ast.AsyncFor)):
        targets = [stmt.target]
    elif isinstance(stmt, (ast.With, ast.AsyncWith)):
        targets = [i.optional_vars for i in stmt.items if i.optional_vars is not None]
    return {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}


def _block(cell: Cell, a: CellAnalysis, body: list[ast.stmt], used: dict[str, _Use], qualname,
           loop_keys: set[str] | None) -> Iterator[KeyReuse]:
    for stmt in body:
        if isinstance(stmt, _NESTED):
            used.pop(getattr(stmt, "name", ""), None)
            continue
        for call in _calls_in(stmt):
            key = _consumer(call, qualname)
            if key is None:
                continue
            what = (qualname(call.func) or "").replace("jax.random.", "jax.random.", 1)
            before = used.get(key)
            if before is not None:
                where = "in this cell" if before.cell.index == cell.index else f"in cell {before.cell.index + 1}"
                yield KeyReuse(cell, a, call, key, f"`{before.what}` {where} (line {before.line})", False)
            elif loop_keys is not None and key not in loop_keys:
                yield KeyReuse(cell, a, call, key, "the previous turn of this loop", True)
            used[key] = _Use(cell, call.lineno, what)
        if isinstance(stmt, _LOOPS):
            rebound = {n for s in stmt.body for inner in ast.walk(s) if isinstance(inner, ast.stmt)
                       for n in _bound(inner)} | _bound(stmt)
            yield from _block(cell, a, stmt.body, used, qualname, rebound)
            yield from _block(cell, a, stmt.orelse, used, qualname, loop_keys)
        else:
            for field in ("body", "orelse", "finalbody"):
                inner = getattr(stmt, field, None)
                if isinstance(inner, list) and inner and isinstance(inner[0], ast.stmt):
                    yield from _block(cell, a, inner, used, qualname, loop_keys)
            for handler in getattr(stmt, "handlers", ()) or ():
                yield from _block(cell, a, handler.body, used, qualname, loop_keys)
        for name in _bound(stmt):
            used.pop(name, None)
