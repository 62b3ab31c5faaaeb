"""Rule NB106 error-output: a saved output that is an error traceback."""

from __future__ import annotations

from typing import Iterable

from ...context import LintContext
from ...findings import Finding, Severity
from ...rule import Rule


class ErrorOutput(Rule):
    """A saved output is an error traceback.

    ## What it does
    Reports code cells whose saved outputs include an error (an exception and its traceback).

    ## Why is this bad?
    The notebook as saved does not run. Its later results were produced either before the error
    appeared or around it, and a pipeline running it will stop at this cell.

    ## Example
    ```python
    # %% execution_count=1 outputs=[{"output_type": "error", "ename": "KeyError", "evalue": "'price'", "traceback": []}]
    total = {"cost": 1}["price"]
    ```

    ## Use instead
    ```python
    # %% execution_count=1
    total = {"price": 1}["price"]
    ```
    """

    code = "NB106"
    name = "error-output"
    category = "correctness"
    severity = Severity.ERROR
    summary = "a saved output is an error traceback"
    hint = "fix the error and re-run the notebook from the top"
    language_independent = True

    def check(self, ctx: LintContext) -> Iterable[Finding]:
        for cell in ctx.notebook.code_cells:
            for out in cell.outputs:
                if out.output_type == "error":
                    detail = f"{out.ename}: {out.evalue}" if out.ename else "an exception"
                    if len(detail) > 120:
                        detail = detail[:117] + "..."
                    yield ctx.at(cell, f"saved output is an error: {detail}", 1)
                    break
