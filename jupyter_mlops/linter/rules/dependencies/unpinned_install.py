"""Rule NB201 unpinned-install: a package installed without a pinned version."""

from __future__ import annotations

from typing import Iterable

from ...context import LintContext
from ...findings import Applicability, Edit, Finding, Fix, Severity
from ...rule import Rule
from .._shell import ShellCommand
from .installs import InstallRequirement, install_commands, quoted


class UnpinnedInstall(Rule):
    """Package installed from a notebook without an exact version.

    ## What it does
    Reads every install command a notebook runs: `!pip install`, `%pip install`,
    `!python -m pip install`, `!uv pip install`, `!conda install` / `%conda install` (and
    `mamba`), including those in `%%bash` / `%%sh` cells, across backslash-continued lines,
    and through `subprocess` (`subprocess.check_call([sys.executable, "-m", "pip", ...])`).
    Reports each command that installs a requirement without an exact pin. A requirement is
    pinned when it is `name==version` (or `===`), a URL with a `#sha256=` hash or a fixed
    VCS revision, or a local path. `-r requirements.txt` is fine, and so is any command with
    `-c constraints.txt` (the constraints file pins every name). For conda, `name=version`
    counts as pinned. `pip uninstall`, `pip list` and `pip freeze` install nothing and are not
    reported.

    ## Why is this bad?
    `pip install pandas` (or `pandas>=1.5`, or `pip install -U pandas`) installs whatever
    version is newest on the day the notebook runs. The notebook that worked in March fails in
    September with an `AttributeError` from a renamed API, or, worse, runs and quietly gives
    different numbers. Nobody can rebuild the environment the saved results came from, and a
    pipeline built from the notebook breaks on the next release of any dependency.

    The fix pins each unpinned requirement to the version installed in the environment that
    runs `jupyter-mlops` (run it in the notebook's own environment), keeping extras and
    markers. Requirements not installed there are left as they are, and the fix says which.

    ## Example
    ```python
    %pip install pandas scikit-learn>=1.3
    ```

    ## Use instead
    ```python
    %pip install pandas==2.2.2 scikit-learn==1.5.1
    # or, better, keep the pins in one file that CI installs too
    %pip install -r requirements.txt
    ```

    ## References
    - [pip documentation: Repeatable installs](https://pip.pypa.io/en/stable/topics/repeatable-installs/)
    - [pip documentation: Requirements file format](https://pip.pypa.io/en/stable/reference/requirements-file-format/)
    - [pip documentation: Secure installs (hash-checking mode)](https://pip.pypa.io/en/stable/topics/secure-installs/)
    - [IPython: the %pip magic](https://ipython.readthedocs.io/en/stable/interactive/magics.html#magic-pip)
    """

    cell_local = True
    code = "NB201"
    name = "unpinned-install"
    category = "dependencies"
    severity = Severity.WARNING
    summary = "a package is installed without an exact version pin"
    hint = "pin exact versions (`name==1.2.3`) or install from a pinned requirements file"
    fix = Applicability.SAFE

    def check(self, ctx: LintContext) -> Iterable[Finding]:
        for install in install_commands(ctx):
            unpinned = install.unpinned
            if not unpinned:
                continue
            command = install.command
            names = ", ".join(f"`{r.word.text}`" for r in unpinned)
            verb = f"`{install.tool} install{' --upgrade' if install.upgrade else ''}`"
            message = f"{verb} without an exact version: {names}"
            if install.upgrade:
                message += " (always takes the newest release)"
            urls = [r for r in unpinned if r.status == "url"]
            if urls:
                message += "; pin URLs with `#sha256=...` or a commit"
            first, last = unpinned[0].word, unpinned[-1].word
            yield ctx.at(command.cell, message, first.line, first.col, last.end_line, last.end_col,
                         fix=self._fix(command, unpinned))

    @staticmethod
    def _fix(command: ShellCommand, unpinned: list[InstallRequirement]) -> Fix | None:
        edits: list[Edit] = []
        pinned: list[str] = []
        left: list[str] = []
        for req in unpinned:
            new = quoted(req.word, req.pinned_text) if req.pinned_text else None
            if req.status != "unpinned" or new is None:
                left.append(req.word.text)
                continue
            w = req.word
            edits.append(Edit(command.cell.index, w.line, w.col, w.end_line, w.end_col, new))
            pinned.append(req.pinned_text)  # type: ignore[arg-type]
        if not edits:
            return None
        message = "pin " + ", ".join(pinned) + " (the versions installed here)"
        if left:
            message += "; not installed here (or not matching), left as is: " + ", ".join(left)
        return Fix(message, tuple(edits), Applicability.SAFE)
