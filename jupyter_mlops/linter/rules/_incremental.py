"""Reuse between lints for notebook-wide rules whose work is mostly per cell.

The engine re-runs `cell_local` rules only on changed cells. Some rules are cell-local once one
small fact about the notebook is known (which names hold URLs, which estimators get
`set_params(random_state=...)` later): `by_cell` keys their per-cell findings by that fact.
Others combine per-cell summaries notebook-wide (seeds before draws): `summaries` keeps those.
Both live in the caller's long-lived cache (`LintContext.cache`), one slot per rule and notebook.
"""

from __future__ import annotations

import ast
from typing import Callable, Hashable, Iterable, Iterator

from ...analysis import CellAnalysis, CellCache
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


def previous(cache: CellCache, slot: tuple, valid: Hashable) -> object:
    """What the previous lint stored in `slot` (one per rule and notebook, so that the cache
    does not fill up with a state for every version of the imports), if it was stored under
    the same `valid` key; else an empty dict."""
    saved = cache.state(slot)
    if isinstance(saved, tuple) and len(saved) == 2 and saved[0] == valid:
        return saved[1]
    return {}


def names_key(ctx: LintContext) -> tuple:
    """What `ctx.qualname` depends on (`NotebookAnalysis.resolution_key`), the notebook and the
    configuration."""
    found = ctx.memo.get("incremental.names_key")
    if found is None:
        found = ctx.memo["incremental.names_key"] = (
            ctx.analysis.resolution_key, ctx.notebook.path, repr(ctx.config))
    return found


def by_cell(ctx: LintContext, rule: str, fact: Hashable, cells: list[tuple[Cell, CellAnalysis]],
            check: Callable[[list[tuple[Cell, CellAnalysis]] | None], Iterable[Finding]]) -> Iterator[Finding]:
    """The findings of `check` over `cells`, reusing the previous lint's findings for each cell whose
    index, id and text are unchanged, as long as `fact`, the names and the configuration are.

    `check(subset)` reports on the given cells only (None: all of `cells`); for a cell it may read
    only that cell, `fact`, `ctx.qualname` and `ctx.config`, and its fixes may edit only that cell."""
    cache = ctx.cache
    if cache is None:
        yield from check(None)
        return
    slot, valid = ("by-cell", rule, ctx.notebook.path), (names_key(ctx), fact)
    old = previous(cache, slot, valid)
    keys = [(cell.index, cell.id, cell.source) for cell, _ in cells]
    stale = [(cell, a) for (cell, a), k in zip(cells, keys) if k not in old]
    found: dict[int, list[Finding]] = {cell.index: [] for cell, _ in stale}
    if stale:
        for f in check(None if len(stale) == len(cells) else stale):
            found[f.cell].append(f)  # type: ignore[index]
    new: dict[tuple[int, str | None, str], list[Finding]] = {}
    for (cell, _), k in zip(cells, keys):
        hit = old.get(k)
        if hit is None:
            hit = found[cell.index]
        new[k] = hit
        yield from hit
    cache.store_state(slot, (valid, new))


def calls_in(ctx: LintContext, cells: list[tuple[Cell, CellAnalysis]] | None
             ) -> Iterable[tuple[Cell, CellAnalysis, ast.Call, str | None]]:
    """`ctx.calls()`, or the same for some of the cells only (resolved here: a few cells' worth)."""
    if cells is None:
        return ctx.calls()
    qualname = ctx.qualname
    return [(cell, a, call, qualname(call.func)) for cell, a in cells
            if a.analysed and not a.python.foreign for call in a.nodes(ast.Call)]


def summaries(ctx: LintContext, rule: str, cells: list[tuple[Cell, CellAnalysis]],
              summarise: Callable[[Iterable[tuple[Cell, CellAnalysis, ast.Call, str | None]]], dict],
              empty: object) -> list:
    """A summary of each parsed cell's calls, reusing the previous lint's summary of a cell whose
    index, id and text are unchanged, as long as the names and the configuration are.

    `summarise(calls)` gets `ctx.calls()` or the same for the changed cells only, and returns
    {cell index: summary} for the cells that have something to say (the others get `empty`).
    A summary may hold findings for its own cell only."""
    cache = ctx.cache
    slot, valid = ("summaries", rule, ctx.notebook.path), names_key(ctx)
    old = previous(cache, slot, valid) if cache is not None else {}
    keys = [(cell.index, cell.id, cell.source) for cell, _ in cells]
    stale = [(cell, a) for (cell, a), k in zip(cells, keys) if k not in old]
    fresh = summarise(calls_in(ctx, None if len(stale) == len(cells) else stale)) if stale else {}
    new = {}
    out = []
    for (cell, _), k in zip(cells, keys):
        found = old.get(k)
        if found is None:
            found = fresh.get(cell.index, empty)
        new[k] = found
        out.append(found)
    if cache is not None:
        cache.store_state(slot, (valid, new))
    return out
