"""Rule NB103 use-before-define: a name read before the cell that defines it."""

from __future__ import annotations

import ast
from typing import Iterable

from ...context import LintContext
from ...findings import Finding, Severity
from ...rule import Rule


class UseBeforeDefine(Rule):
    """A name read in a cell is defined only in a later cell.

    ## What it does
    Follows every name a cell reads back to the cell that defines it. Reports reads of names
    that are first defined further down the notebook.

    ## Why is this bad?
    The notebook works in the author's kernel only because the later cell happened to run
    first. Restart & Run All, papermill and any pipeline built from the notebook fail with a
    `NameError` here.

    ## Example
    ```python
    # %%
    total = price * 3
    # %%
    price = 10
    ```

    ## Use instead
    ```python
    # %%
    price = 10
    # %%
    total = price * 3
    ```
    """

    code = "NB103"
    name = "use-before-define"
    category = "correctness"
    severity = Severity.ERROR
    summary = "a name is read before the cell that defines it"
    hint = "move the defining cell above this one"

    def check(self, ctx: LintContext) -> Iterable[Finding]:
        for issue in ctx.analysis.flow_issues:
            if issue.kind != "before-define":
                continue
            a = ctx.analysis.cells[issue.cell.index]
            use = issue.use
            later = [i for i in issue.defined_in if i >= issue.cell.index]
            where = later[0] if later else issue.defined_in[0]
            node = ast.Name(id=use.name, lineno=use.line, col_offset=use.col,
                            end_lineno=use.line, end_col_offset=use.end_col)
            if where == issue.cell.index:
                msg = f"`{use.name}` is used before it is assigned later in this cell"
            else:
                msg = f"`{use.name}` is used here but first defined in cell {where + 1}, further down"
            yield ctx.at_node(issue.cell, a, node, msg)
