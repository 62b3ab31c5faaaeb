"""Rule NB605 untitled-notebook: a notebook still named Untitled."""

from __future__ import annotations

import os
import re
from typing import Iterable

from ...context import LintContext
from ...findings import Finding, Severity
from ...rule import Rule

_UNTITLED = re.compile(r"^untitled\d*(?:[-_ ]copy\d*)*(?: ?\(\d+\))?\.ipynb$", re.IGNORECASE)


class UntitledNotebook(Rule):
    """Notebook still has Jupyter's default name, `Untitled.ipynb`.

    ## What it does
    Reports notebooks whose file name is Jupyter's default: `Untitled.ipynb`,
    `Untitled3.ipynb`, `Untitled-Copy1.ipynb`, `Untitled (2).ipynb`.

    ## Why is this bad?
    The name says nothing about what the notebook does, so nobody (including its author a
    month later) can find it, tell it apart from the five other untitled notebooks, or know
    whether it is the one that produced the model in production. It is usually a scratch
    notebook that was committed by accident, or real work that was never given a home.

    ## Example
    ```python
    # notebook: Untitled3.ipynb
    import pandas as pd
    ```

    ## Use instead
    ```python
    # notebook: 01-load-and-clean-sales.ipynb
    import pandas as pd
    ```

    ## References
    - [Cookiecutter Data Science: notebook naming convention](https://cookiecutter-data-science.drivendata.org/using-the-template/#notebooks)
    - [Rule, Birmingham et al., Ten simple rules for writing and sharing computational analyses in Jupyter Notebooks (PLoS Comput Biol, 2019)](https://doi.org/10.1371/journal.pcbi.1007007)
    """

    code = "NB605"
    name = "untitled-notebook"
    category = "maintainability"
    severity = Severity.WARNING
    summary = "the notebook is still named `Untitled*.ipynb`"
    hint = "rename the notebook after what it does (for example `02-train-churn-model.ipynb`)"
    language_independent = True

    def check(self, ctx: LintContext) -> Iterable[Finding]:
        name = os.path.basename(ctx.notebook.path.replace("\\", "/"))
        if _UNTITLED.match(name):
            yield ctx.at(None, f"notebook has the default name `{name}`; name it after what it does")
