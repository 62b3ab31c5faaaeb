"""Rule NB104 undefined-name: a name read that no cell defines."""

from __future__ import annotations

import ast
from typing import Iterable

from ...context import LintContext
from ...findings import Finding, Severity
from ...rule import Rule


class UndefinedName(Rule):
    """A name is read but no cell in the notebook defines it.

    ## What it does
    Reports names that are read but bound nowhere in the notebook: not by an assignment, import,
    function or class, and not a builtin or a name IPython provides.

    ## Why is this bad?
    The value lives only in the author's kernel, usually left over from a cell that was edited
    or deleted. The notebook cannot run anywhere else, and nobody can tell what the value was.

    ## Example
    ```python
    clean = raw_frame.dropna()
    ```

    ## Use instead
    ```python
    import pandas as pd
    raw_frame = pd.DataFrame({"x": [1.0, None]})
    clean = raw_frame.dropna()
    ```
    """

    code = "NB104"
    name = "undefined-name"
    category = "correctness"
    severity = Severity.ERROR
    summary = "a name is read but defined nowhere in the notebook"
    hint = "define or import the name in a cell above; the value may exist only in the author's kernel"

    def check(self, ctx: LintContext) -> Iterable[Finding]:
        for issue in ctx.analysis.flow_issues:
            if issue.kind != "undefined":
                continue
            use = issue.use
            node = ast.Name(id=use.name, lineno=use.line, col_offset=use.col,
                            end_lineno=use.line, end_col_offset=use.end_col)
            inside = f" (inside `{use.function}`)" if use.function and use.function != "<lambda>" else ""
            yield ctx.at_node(issue.cell, ctx.analysis.cells[issue.cell.index], node,
                              f"`{use.name}` is not defined in any cell of this notebook{inside}")
