"""Rule NB002 unsupported-kernel: the kernel is not Python, so the notebook is not analysed."""

from __future__ import annotations

from typing import Iterable

from ...context import LintContext
from ...findings import Finding, Severity
from ...rule import Rule


class UnsupportedKernelRule(Rule):
    """Notebook's kernel is not Python, so it is not analysed.

    ## What it does
    Reports, once per notebook, that the kernel language is not Python (R, Julia, Scala ...)
    and that the notebook was skipped.

    ## Why is this bad?
    It is not bad in itself; it tells you that no production checks ran on this notebook, so a
    clean report does not mean a clean notebook.

    ## Example
    ```python
    # notebook: analysis.ipynb  language=r
    x <- c(1, 2, 3)
    ```

    ## Use instead
    ```python
    x = [1, 2, 3]
    ```
    """

    code = "NB002"
    name = "unsupported-kernel"
    category = "correctness"
    severity = Severity.INFO
    summary = "the notebook's kernel is not Python; it was skipped"
    language_independent = True

    def check(self, ctx: LintContext) -> Iterable[Finding]:
        nb = ctx.notebook
        if not nb.is_python:
            kernel = f" (kernel {nb.kernel_name})" if nb.kernel_name else ""
            yield ctx.at(None, f"skipped: kernel language is {nb.language!r}{kernel}, not Python")
