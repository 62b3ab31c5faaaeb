"""Rule NB301 hardcoded-absolute-path: an absolute path that exists only on the author's machine."""

from __future__ import annotations

from typing import Iterable

from ...context import LintContext
from ...findings import Applicability, Finding, Severity
from ...rule import Rule
from .paths import DataDirFixer, path_literals


class HardcodedAbsolutePath(Rule):
    """String literal is an absolute path on the author's machine.

    ## What it does
    Reports string literals (and f-strings) that are absolute paths into places that exist on
    one machine only: home directories (`/home/...`, `/Users/...`, `/root/...`,
    `C:\\Users\\...`), mounted drives (`/mnt/...`, `/media/...`, `/Volumes/...`, `D:/...`,
    `\\\\server\\share`), and hosted notebook services (`/content/...` on Colab,
    `/kaggle/...`, `/dbfs/...`), also as `file://` URLs. Comments, docstrings, web URLs, and
    sentences that merely mention a path are not reported, and neither is the default in
    `os.environ.get("DATA_DIR", "/home/ana/data")`.

    ## Why is this bad?
    The notebook runs only where that exact directory exists: on a colleague's laptop, in CI,
    in a container or on a scheduler it fails with `FileNotFoundError` before doing anything
    useful. The path also leaks a user name and the layout of a private machine, and every
    move of the data means editing code scattered over many cells.

    The unsafe fix rewrites each path under the notebook's common data directory to
    `DATA_DIR / "relative/part"`, and defines once, after the imports,
    `DATA_DIR = Path(os.environ.get("DATA_DIR", "<that directory>"))`. The directory is
    `data-dir` from `[tool.jupyter-mlops]` when set. Where the path is used as a string
    (concatenated, formatted, compared, given to `glob.glob` or `sys.path`) it becomes
    `os.path.join(DATA_DIR, ...)` instead, so string operations keep working. It is unsafe because code may still rely on the value
    being a `str`; review the diff.

    ## Example
    ```python
    import pandas as pd
    train = pd.read_csv("/home/ana/projects/churn/data/train.csv")
    ```

    ## Use instead
    ```python
    import os
    from pathlib import Path
    import pandas as pd
    DATA_DIR = Path(os.environ.get("DATA_DIR", "/home/ana/projects/churn/data"))
    train = pd.read_csv(DATA_DIR / "train.csv")
    ```

    ## References
    - [The Twelve-Factor App: III. Config (store config in the environment)](https://12factor.net/config)
    - [Python docs: pathlib](https://docs.python.org/3/library/pathlib.html)
    - [Python docs: os.environ](https://docs.python.org/3/library/os.html#os.environ)
    """

    code = "NB301"
    name = "hardcoded-absolute-path"
    category = "portability"
    severity = Severity.WARNING
    summary = "a string literal is an absolute path that exists on one machine only"
    hint = "build paths from a configurable data directory (DATA_DIR) or relative to the project"
    fix = Applicability.UNSAFE

    def check(self, ctx: LintContext) -> Iterable[Finding]:
        literals = path_literals(ctx)
        if not literals:
            return
        fixer = DataDirFixer(ctx, literals)
        for lit in literals:
            shown = lit.text if len(lit.text) <= 80 else lit.text[:77] + "..."
            if lit.kind == "url":
                message = f"`file://` URL to `{shown}` exists only on {_where(shown)}"
            else:
                message = f"absolute path `{shown}` exists only on {_where(shown)}"
            yield ctx.at_node(lit.cell, lit.analysis, lit.node, message, fix=fixer.fix(lit))


# Folders that hosted notebook services mount, by the service.
_HOSTED = (("/kaggle/", "Kaggle"), ("/content/", "Google Colab"), ("/dbfs/", "Databricks"))


def _where(path: str) -> str:
    return next((f"{service} (its own file system)" for prefix, service in _HOSTED if path.startswith(prefix)),
                "the author's machine")
