"""Rule NB405 eval-exec: `eval` or `exec` runs a string as code."""

from __future__ import annotations

from typing import Iterable

from ...context import LintContext
from ...findings import Finding, Severity
from ...rule import Rule


class EvalExec(Rule):
    """`eval` or `exec` runs a string as code.

    ## What it does
    Reports calls to the built-in `eval` and `exec`. Methods with the same name that do not
    run Python (`df.eval("a + b")`, `pd.eval`) and your own functions called `eval` are not
    reported.

    ## Why is this bad?
    Whatever ends up in the string runs with the notebook's full rights: a value read from a
    CSV file, a form or an API becomes code. Even with trusted input, code in strings cannot be
    linted, tested or refactored, and errors in it surface only at run time. Most uses have a
    safe, explicit replacement: `ast.literal_eval` or `json.loads` for data, `getattr` or a
    dict of functions for dispatch, an import for reusing code.

    ## Example
    ```python
    import pandas as pd
    df = pd.read_csv("params.csv")
    params = eval(df.loc[0, "params"])
    ```

    ## Use instead
    ```python
    import ast
    import pandas as pd
    df = pd.read_csv("params.csv")
    params = ast.literal_eval(df.loc[0, "params"])
    ```

    ## References
    - [Python docs: ast.literal_eval](https://docs.python.org/3/library/ast.html#ast.literal_eval)
    - [OWASP: Code Injection](https://owasp.org/www-community/attacks/Code_Injection)
    - [CWE-95: Eval Injection](https://cwe.mitre.org/data/definitions/95.html)
    """

    cell_local = True
    code = "NB405"
    name = "eval-exec"
    category = "security"
    severity = Severity.WARNING
    summary = "eval() or exec() runs a string as code"
    hint = "use ast.literal_eval or json.loads for data, getattr or a dict for dispatch, imports for code"

    def check(self, ctx: LintContext) -> Iterable[Finding]:
        for cell, a, call, qual in ctx.calls():
            if qual in ("eval", "exec", "builtins.eval", "builtins.exec"):
                name = qual.rsplit(".", 1)[-1]
                yield ctx.at_node(cell, a, call.func, f"`{name}()` runs a string as Python code")
