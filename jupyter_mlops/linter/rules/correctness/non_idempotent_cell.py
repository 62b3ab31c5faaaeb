"""Rule NB105 non-idempotent-cell: re-running the cell changes a value from an earlier cell."""

from __future__ import annotations

import ast
import copy
from typing import Iterable

from ...context import LintContext
from ...findings import Finding, Severity
from ...rule import Rule
from .idempotent import idempotent


class NonIdempotentCell(Rule):
    """Running the cell twice gives a different result.

    ## What it does
    Reports cells that update, in place, a value defined by an earlier cell: augmented
    assignment (`x += 1`), self-referencing assignment (`df = df.set_index("date")`,
    `df["c"] = df["c"] * 2`). Re-bindings that give the same result however often they run are
    not reported: filtering and selecting (`df = df[df.price > 0]`, `df = df[:1000]`,
    `df = df[["a", "b"]]`), cleaning (`df = df.dropna()`, `df = df.sort_values("a")`,
    `s = s.str.strip()`), conversions (`a = np.asarray(a)`, `a = np.abs(a)`,
    `x = x.reshape(-1, 1)`), `ds = ds.filter(...)`.

    ## Why is this bad?
    Notebooks invite re-running cells. Each re-run of such a cell changes the value again, so
    the saved result depends on how many times the author clicked Run. The notebook, re-run top
    to bottom once, may not reproduce it.

    ## Example
    ```python
    # %%
    prices = [10.0, 12.5]
    # %%
    prices = [p * 1.2 for p in prices]
    ```

    ## Use instead
    ```python
    # %%
    base_prices = [10.0, 12.5]
    # %%
    prices = [p * 1.2 for p in base_prices]
    ```
    """

    code = "NB105"
    name = "non-idempotent-cell"
    category = "correctness"
    severity = Severity.WARNING
    summary = "re-running the cell changes a value from an earlier cell again, so results depend on how often it ran (not idempotent)"
    hint = "assign the result to a new name, so the cell can be re-run safely"

    def check(self, ctx: LintContext) -> Iterable[Finding]:
        for cell, a in ctx.analysis.parsed():
            reported: set[str] = set()
            for m in sorted(a.scope.mutations, key=lambda m: (m.line, m.col)):
                if m.how not in ("augassign", "self-assign") or m.name in reported:
                    continue
                if not ctx.analysis.defined_before(cell, m.name):
                    continue
                # A fresh assignment earlier in this cell makes the update repeatable.
                if any(b.name == m.name and b.line < m.line and b.kind != "augassign"
                       for b in a.scope.bindings):
                    continue
                if m.how == "self-assign" and self._same_on_rerun(ctx, a, m):
                    continue
                reported.add(m.name)
                what = "updated in place" if m.how == "augassign" else "reassigned from itself"
                yield ctx.at(cell, f"`{m.name}` (defined in an earlier cell) is {what} here; "
                             "re-running this cell changes it again", m.line,
                             a.char_col(m.line, m.col))

    @staticmethod
    def _same_on_rerun(ctx: LintContext, a, m) -> bool:
        for node in a.nodes(ast.Assign):
            if node.lineno == m.line and node.col_offset == m.col:
                targets = node.targets
                if len(targets) == 1 and isinstance(targets[0], ast.Name):
                    return idempotent(node.value, m.name, ctx.qualname)
                if len(targets) == 1 and isinstance(targets[0], (ast.Subscript, ast.Attribute)):
                    # `df["c"] = df["c"].astype(int)`: the same expression, transformed idempotently
                    target = ast.dump(targets[0]).replace("Store()", "Load()")
                    return _idempotent_on(node.value, target, ctx)
                return False
        return False


def _idempotent_on(value: ast.expr, target: str, ctx: LintContext) -> bool:
    """`idempotent` for a subscript or attribute target: the value reads it only as itself."""
    holder = "__target__"

    class Swap(ast.NodeTransformer):
        def generic_visit(self, node):
            if isinstance(node, (ast.Subscript, ast.Attribute)) and ast.dump(node) == target:
                return ast.copy_location(ast.Name(id=holder, ctx=ast.Load()), node)
            return super().generic_visit(node)

    swapped = Swap().visit(copy.deepcopy(value))
    return idempotent(swapped, holder, ctx.qualname)
