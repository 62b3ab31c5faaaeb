"""Rule NB102 unexecuted-cell: a code cell that never ran while others did."""

from __future__ import annotations

from typing import Iterable

from ...context import LintContext
from ...findings import Finding, Severity
from ...rule import Rule


class UnexecutedCell(Rule):
    """A code cell never ran, while the cells around it did.

    ## What it does
    Reports code cells with no execution count above a cell that ran. Notebooks in which no
    cell ran (or every count is 0), cells holding only comments or blank lines, and new cells
    below the last one that ran (work typed after the run) are not reported.

    ## Why is this bad?
    The saved results were produced without this cell. Either the cell is dead code, or it was
    added after the results and nobody knows whether the notebook still works with it.

    ## Example
    ```python
    # %% execution_count=1
    import math
    # %%
    radius = 2
    # %% execution_count=2
    area = math.pi * 4
    ```

    ## Use instead
    ```python
    # %% execution_count=1
    import math
    # %% execution_count=2
    radius = 2
    # %% execution_count=3
    area = math.pi * radius ** 2
    ```
    """

    code = "NB102"
    name = "unexecuted-cell"
    category = "correctness"
    severity = Severity.WARNING
    summary = "a code cell never ran while cells below it did"
    hint = "run the cell (or Restart & Run All), or delete it if it is dead code"

    def check(self, ctx: LintContext) -> Iterable[Finding]:
        if not ctx.notebook.was_executed:
            return
        code = ctx.notebook.code_cells
        # Cells below the last one that ran are new work, typed after the run: not yet noise.
        last_run = max((i for i, c in enumerate(code) if c.execution_count), default=-1)
        for cell in code[:last_run]:
            if cell.execution_count is None and _has_code(cell.source):
                yield ctx.at(cell, "cell was never executed, although cells below it were", 1)


def _has_code(source: str) -> bool:
    """Anything but blank lines and comments (a cell of notes does nothing when run)."""
    return any(line.strip() and not line.lstrip().startswith("#") for line in source.split("\n"))
