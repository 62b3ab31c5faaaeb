"""Rule NB604 large-output: saved outputs that make the notebook file large."""

from __future__ import annotations

from typing import Iterable

from ...context import LintContext
from ...findings import Finding, Severity
from ...rule import Rule


class LargeOutput(Rule):
    """A cell's saved output is very large.

    ## What it does
    Adds up the size of each code cell's saved outputs (text, HTML, images, as stored in the
    notebook file) and reports cells whose outputs take more than `max-kb` kilobytes
    (1 KB = 1,024 bytes).

    ## Why is this bad?
    Large outputs (a printed DataFrame with 100,000 rows, a high-resolution plot, training
    logs) bloat the repository with every commit, make diffs and code review unreadable, slow
    down opening the notebook, and can leak the data itself into version control. Saved
    outputs are results, not code: store them as files or artifacts and keep the notebook
    light.

    ## Options
    - `max-kb` (integer, default 100): the largest total output size a cell may save, in KB.
      Set it under `[tool.jupyter-mlops.large-output]`.

    ## Example
    ```python
    # %% execution_count=1 output_bytes=2500000
    import pandas as pd
    frame = pd.DataFrame({"x": range(100_000)})
    print(frame.to_string())
    ```

    ## Use instead
    ```python
    # %% execution_count=1
    import pandas as pd
    frame = pd.DataFrame({"x": range(100_000)})
    frame.to_csv("frame.csv", index=False)
    frame.head()
    ```

    ## References
    - [nbstripout: strip output from Jupyter notebooks before committing](https://github.com/kynan/nbstripout)
    - [Jupyter docs: nbconvert --ClearOutputPreprocessor](https://nbconvert.readthedocs.io/en/latest/removing_cells.html)
    - [GitHub docs: About large files on GitHub](https://docs.github.com/en/repositories/working-with-files/managing-large-files/about-large-files-on-github)
    """

    code = "NB604"
    name = "large-output"
    category = "maintainability"
    severity = Severity.WARNING
    summary = "a cell's saved outputs are larger than the configured size"
    hint = "clear the output (or write the result to a file) and save the notebook"
    options = {"max-kb": 100}
    language_independent = True

    def check(self, ctx: LintContext) -> Iterable[Finding]:
        limit = ctx.options["max-kb"]
        for cell in ctx.notebook.code_cells:
            size = sum(o.size for o in cell.outputs)
            if size > limit * 1024:
                yield ctx.at(cell, f"saved outputs take {_human(size)} (limit {limit} KB)", 1)


def _human(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MB"
    return f"{size / 1024:.0f} KB"
