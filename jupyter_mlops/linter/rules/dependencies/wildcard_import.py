"""Rule NB202 wildcard-import: `from module import *`."""

from __future__ import annotations

import ast
from typing import Iterable

from ...context import LintContext
from ...findings import Finding, Severity
from ...rule import Rule


class WildcardImport(Rule):
    """`from module import *` pulls an unknown set of names into the notebook.

    ## What it does
    Reports `from module import *` and the `%pylab` magic, which star-imports NumPy and
    Matplotlib into the notebook.

    ## Why is this bad?
    Nobody reading the notebook can tell where a name comes from, and neither can tools: a
    name silently shadows another (`from numpy import *` replaces the builtins `sum`, `min`,
    `max`, `round` and `any` with NumPy's versions, which behave differently), and the set of
    names changes when the library does. Undefined-name and dependency checks are blind in a
    notebook with a star import, and turning the notebook into a module means guessing what
    each star brought in.

    ## Example
    ```python
    from math import *
    area = pi * 2 ** 2
    ```

    ## Use instead
    ```python
    import math
    area = math.pi * 2 ** 2
    ```

    ## References
    - [PEP 8: Imports (wildcard imports should be avoided)](https://peps.python.org/pep-0008/#imports)
    - [Python tutorial: Importing * from a package](https://docs.python.org/3/tutorial/modules.html#importing-from-a-package)
    - [IPython: %pylab is deprecated](https://ipython.readthedocs.io/en/stable/interactive/magics.html#magic-pylab)
    """

    cell_local = True
    code = "NB202"
    name = "wildcard-import"
    category = "dependencies"
    severity = Severity.WARNING
    summary = "`from module import *` (or `%pylab`) hides where names come from"
    hint = "import the module (`import numpy as np`) or the names you use"

    def check(self, ctx: LintContext) -> Iterable[Finding]:
        for cell, a in ctx.analysis.parsed():
            for node in a.nodes(ast.ImportFrom):
                if any(alias.name == "*" for alias in node.names):
                    module = "." * (node.level or 0) + (node.module or "")
                    yield ctx.at_node(cell, a, node,
                                      f"`from {module} import *` brings in names nobody can see")
            for magic in a.python.magics:
                if magic.kind == "line_magic" and magic.name == "pylab":
                    yield ctx.at(cell, "`%pylab` star-imports numpy and matplotlib into the notebook; "
                                 "use `%matplotlib inline` and explicit imports", magic.line)
