"""Rule NB108 hidden-state: a saved result that used a value no earlier-run cell defined."""

from __future__ import annotations

import ast
from typing import Iterable

from ...context import LintContext
from ...findings import Finding, Severity
from ...rule import Rule


class HiddenState(Rule):
    """A cell's saved result came from kernel state that no cell before it explains.

    ## What it does
    Replays the notebook in the order its saved execution counts say the cells ran. Reports a
    cell that read a name when no cell that had already run defined it: the value came from a
    cell that was deleted, edited or re-run since, so nothing in the notebook shows what it was.

    ## Why is this bad?
    The saved outputs (metrics, plots, tables) were computed from a value nobody can see or
    recreate. Even if Restart & Run All works, it may give different numbers from the ones
    saved, and the notebook is the only record of how they were produced.

    ## Example
    ```python
    # %% execution_count=3
    threshold = 0.7
    # %% execution_count=2
    flagged = [s for s in [0.2, 0.9] if s > threshold]
    ```

    ## Use instead
    ```python
    # %% execution_count=1
    threshold = 0.7
    # %% execution_count=2
    flagged = [s for s in [0.2, 0.9] if s > threshold]
    ```

    ## References
    - [Macke et al., Fine-Grained Lineage for Safer Notebook Interactions (VLDB 2021)](https://arxiv.org/abs/2012.06981)
    """

    code = "NB108"
    name = "hidden-state"
    category = "correctness"
    severity = Severity.WARNING
    summary = "a saved result used a value that no cell run before it defined (hidden kernel state)"
    hint = "Restart the kernel and Run All, then check the saved results still hold"

    def check(self, ctx: LintContext) -> Iterable[Finding]:
        order = ctx.analysis.execution_order
        if len(order) < 2:
            return
        defined_by: dict[str, list] = {}
        for cell, a in ctx.analysis.parsed():
            for name in {b.name for b in a.scope.bindings if b.kind != "augassign"}:
                defined_by.setdefault(name, []).append(cell)
        for cell in order:
            a = ctx.analysis.cells.get(cell.index)
            if a is None or not a.analysed:
                continue
            seen: set[str] = set()
            for use in a.scope.uses:
                if use.name in seen:
                    continue
                seen.add(use.name)
                definers = defined_by.get(use.name, [])
                if not definers or cell in definers:
                    continue
                if any(d.execution_count and d.execution_count < cell.execution_count for d in definers):
                    continue
                ran_later = sorted((d for d in definers if d.execution_count),
                                   key=lambda d: d.execution_count)
                if ran_later:
                    d = ran_later[0]
                    why = f"the cell defining it (cell {d.index + 1}) ran later, as [{d.execution_count}]"
                else:
                    why = f"the cell defining it (cell {definers[0].index + 1}) never ran"
                node = ast.Name(id=use.name, lineno=use.line, col_offset=use.col,
                                end_lineno=use.line, end_col_offset=use.end_col)
                yield ctx.at_node(cell, a, node,
                                  f"when this cell ran as [{cell.execution_count}], `{use.name}` came "
                                  f"from hidden kernel state (no cell run before it had defined it): {why}")
