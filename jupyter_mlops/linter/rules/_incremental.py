"""Reuse between lints for rules that are cell-local given a small notebook-wide fact.

The engine re-runs `cell_local` rules only on changed cells, keyed by what every rule may read
(imports, definitions, configuration). Some rules need one more fact about the notebook (which
names hold URLs, which estimators get `set_params(random_state=...)` later): they key their
per-cell results by that fact here, in the caller's long-lived cache (`LintContext.cache`).
"""

from __future__ import annotations

import ast
from typing import Callable, Hashable, Iterable, Iterator

from ...analysis import CellAnalysis
from ...analysis.names import BUILTIN_NAMES
from ...notebook.model import Cell
from ..context import LintContext
from ..findings import Finding


def memo(a: CellAnalysis, key: str, compute: Callable[[CellAnalysis], object]) -> object:
    """A per-cell result that depends on the cell's text only, kept on its (text-cached) analysis."""
    store = getattr(a, "__dict__", None)
    if store is None:
        return compute(a)
    found = store.get(key)
    if found is None:
        found = store[key] = compute(a)
    return found


def names_key(ctx: LintContext) -> tuple:
    """What `ctx.qualname` depends on: the imports, and which builtins the notebook rebinds."""
    found = ctx.memo.get("incremental.names_key")
    if found is None:
        a = ctx.analysis
        found = ctx.memo["incremental.names_key"] = (
            tuple(sorted(a.imports.items())),
            tuple(sorted(n for n in a.definitions if n in BUILTIN_NAMES)),
            ctx.notebook.path, repr(ctx.config),
        )
    return found


def by_cell(ctx: LintContext, rule: str, fact: Hashable, cells: Iterable[tuple[Cell, CellAnalysis]],
            check: Callable[[Cell, CellAnalysis], Iterable[Finding]]) -> Iterator[Finding]:
    """`check(cell, analysis)` for each cell, reusing the previous lint's findings for a cell whose
    index, id and text are unchanged, as long as `fact`, the names and the configuration are.

    `check` may read only its cell, `fact`, `ctx.qualname` and `ctx.config`; its fixes may edit
    only its own cell."""
    cache = ctx.cache
    if cache is None:
        for cell, a in cells:
            yield from check(cell, a)
        return
    key = ("by-cell", rule, names_key(ctx), fact)
    old = cache.state(key)
    if not isinstance(old, dict):
        old = {}
    cells = list(cells)
    keys = [(cell.index, cell.id, cell.source) for cell, _ in cells]
    if sum(k not in old for k in keys) > _FEW:
        ctx.memo["incremental.many"] = True
    new: dict[tuple[int, str | None, str], list[Finding]] = {}
    for (cell, a), k in zip(cells, keys):
        found = old.get(k)
        if found is None:
            found = list(check(cell, a))
        new[k] = found
        yield from found
    cache.store_state(key, new)


# Up to this many changed cells resolve their own calls; more share the notebook's `ctx.calls()`.
_FEW = 8


def cell_calls(ctx: LintContext, cell: Cell, a: CellAnalysis) -> list[tuple[ast.Call, str | None]]:
    """The calls of one parsed cell with their qualified names, as `ctx.calls()` gives them."""
    if ctx.memo.get("incremental.many") or ctx._calls is not None:
        grouped = ctx.memo.get("incremental.calls")
        if grouped is None:
            grouped = ctx.memo["incremental.calls"] = {}
            for c, _, call, qual in ctx.calls():
                grouped.setdefault(c.index, []).append((call, qual))
        return grouped.get(cell.index, [])
    qualname = ctx.qualname
    return [(call, qualname(call.func)) for call in a.nodes(ast.Call)]
