"""Rule NB302 working-directory-change: the notebook changes its working directory."""

from __future__ import annotations

from typing import Iterable

from ...context import LintContext
from ...findings import Finding, Severity
from ...rule import Rule
from .._shell import calls_ending, commands_in_cell


class WorkingDirectoryChange(Rule):
    """Notebook changes its working directory (`os.chdir`, `%cd`).

    ## What it does
    Reports `os.chdir(...)` (however `os` or `chdir` was imported), the `%cd` and `%pushd`
    magics, and a `!cd dir` line on its own, which runs in a throw-away shell and changes
    nothing. `!cd dir && make` is fine: the directory change is part of that one command.

    ## Why is this bad?
    Every relative path in every later cell now depends on whether, and how many times, the
    cell that changed directory ran. Re-running `%cd data` or `os.chdir("..")` moves again, so
    the notebook reads different files depending on its run history, and Restart & Run All,
    papermill or a job started from another directory fails with `FileNotFoundError`. A
    package built from the notebook changes the directory of whatever process imports it.

    ## Example
    ```python
    import os
    import pandas as pd
    os.chdir("data")
    sales = pd.read_csv("sales.csv")
    ```

    ## Use instead
    ```python
    from pathlib import Path
    import pandas as pd
    DATA = Path("data")
    sales = pd.read_csv(DATA / "sales.csv")
    ```

    ## References
    - [Python docs: os.chdir](https://docs.python.org/3/library/os.html#os.chdir)
    - [IPython: the %cd magic](https://ipython.readthedocs.io/en/stable/interactive/magics.html#magic-cd)
    - [Python docs: pathlib](https://docs.python.org/3/library/pathlib.html)
    """

    cell_local = True
    code = "NB302"
    name = "working-directory-change"
    category = "portability"
    severity = Severity.WARNING
    summary = "the notebook changes its working directory (`os.chdir`, `%cd`)"
    hint = "keep the working directory; build paths from a base directory (`Path(...) / name`)"

    def check(self, ctx: LintContext) -> Iterable[Finding]:
        for cell, a, call, name in calls_ending(ctx, {"chdir", "fchdir"}):
            if name in ("os.chdir", "os.fchdir"):
                yield ctx.at_node(cell, a, call, f"`{name}` changes the working directory of every "
                                  "later cell; re-running it moves again")
        for cell, a in ctx.analysis.code():
            for magic in a.python.magics:
                if magic.kind == "line_magic" and magic.name in ("cd", "pushd"):
                    target = f" {magic.args}" if magic.args else ""
                    yield ctx.at(cell, f"`%{magic.name}{target}` changes the working directory of "
                                 "every later cell; re-running it moves again", magic.line)
            for command in commands_in_cell(cell, a):
                if command.magic.kind == "system" and command.alone and command.words \
                        and command.words[0].text == "cd":
                    yield ctx.at(cell, "`!cd` runs in a throw-away shell and changes nothing for "
                                 "later cells; the notebook keeps its old directory",
                                 command.magic.line)
