"""Rule NB105 non-idempotent-cell: re-running the cell changes a value from an earlier cell."""

from __future__ import annotations

from typing import Iterable

from ...context import LintContext
from ...findings import Finding, Severity
from ...rule import Rule


class NonIdempotentCell(Rule):
    """Running the cell twice gives a different result.

    ## What it does
    Reports cells that update, in place, a value defined by an earlier cell: augmented
    assignment (`x += 1`), self-referencing assignment (`df = df.drop(...)`,
    `df["c"] = df["c"] * 2`).

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
    summary = "re-running the cell changes a value from an earlier cell"
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
                reported.add(m.name)
                what = "updated in place" if m.how == "augassign" else "reassigned from itself"
                yield ctx.at(cell, f"`{m.name}` (defined in an earlier cell) is {what} here; "
                             "re-running this cell changes it again", m.line,
                             a.char_col(m.line, m.col))
