"""Rule NB001 syntax-error: a code cell that is not valid Python."""

from __future__ import annotations

from typing import Iterable

from ...context import LintContext
from ...findings import Finding, Severity
from ...rule import Rule


class SyntaxErrorRule(Rule):
    """Cell is not valid Python (after IPython syntax such as magics is understood).

    ## What it does
    Reports code cells that cannot be parsed, for example Python 2 `print "x"` statements, at
    the first error. The statements of the cell that do parse are still checked by the other
    rules; names the broken lines might define are treated as unknown rather than missing.

    ## Why is this bad?
    A cell that does not parse fails on Run All: nothing in it runs, and every cell after it
    that needs its results fails too. The lines that do not parse cannot be checked for any
    other hazard. Old Python 2 snippets and pasted shell commands are the usual cause.

    ## Example
    ```python
    print "accuracy:", 0.93
    ```

    ## Use instead
    ```python
    print("accuracy:", 0.93)
    ```

    ## References
    - [Python docs: What's new in Python 3.0, print is a function](https://docs.python.org/3/whatsnew/3.0.html#print-is-a-function)
    """

    cell_local = True
    code = "NB001"
    name = "syntax-error"
    category = "correctness"
    severity = Severity.ERROR
    summary = "a code cell is not valid Python"
    hint = "fix the syntax; the lines that do not parse are not checked for other hazards"

    def check(self, ctx: LintContext) -> Iterable[Finding]:
        for cell, a in ctx.analysis.code():
            if a.syntax_error is not None:
                err = a.syntax_error
                yield ctx.at(cell, f"syntax error: {err.message}", err.line, err.col)
