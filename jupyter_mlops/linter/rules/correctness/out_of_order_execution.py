"""Rule NB101 out-of-order-execution: saved execution counts that do not increase."""

from __future__ import annotations

from typing import Iterable

from ...context import LintContext
from ...findings import Finding, Severity
from ...rule import Rule


class OutOfOrderExecution(Rule):
    """Saved execution counts do not increase from top to bottom.

    ## What it does
    Compares the execution counts saved with each code cell. When a cell further down ran
    before a cell above it, the saved outputs were produced by an order that Restart & Run All
    does not repeat.

    ## Why is this bad?
    The numbers, plots and metrics saved in the notebook may depend on that hidden order. Anyone
    who re-runs the notebook top to bottom, including a production pipeline, can get different
    results or an error.

    ## Example
    ```python
    # %% execution_count=2
    df = load()
    # %% execution_count=1
    def load():
        return [1, 2, 3]
    ```

    ## Use instead
    ```python
    # %% execution_count=1
    def load():
        return [1, 2, 3]
    # %% execution_count=2
    df = load()
    ```

    ## References
    - [Pimentel et al., A Large-scale Study about Quality and Reproducibility of Jupyter Notebooks (MSR 2019)](https://doi.org/10.1109/MSR.2019.00077)
    """

    code = "NB101"
    name = "out-of-order-execution"
    category = "correctness"
    severity = Severity.WARNING
    summary = "saved execution counts do not increase top to bottom"
    hint = "Restart the kernel and Run All, then save"

    def check(self, ctx: LintContext) -> Iterable[Finding]:
        previous = None
        for cell in ctx.notebook.code_cells:
            count = cell.execution_count
            if not count:
                continue
            if previous is not None and count < previous.execution_count:
                yield ctx.at(
                    cell,
                    f"cell ran as [{count}] but the cell above it ran later, as "
                    f"[{previous.execution_count}] (cell {previous.index + 1})",
                    1,
                )
            previous = cell
