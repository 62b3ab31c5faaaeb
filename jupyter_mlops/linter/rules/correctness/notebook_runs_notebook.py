"""Rule NB107 notebook-runs-notebook: a notebook that runs another notebook or script inside its own namespace."""

from __future__ import annotations

import ast
from typing import Iterable

from ....notebook.ipython import shell_words
from ...context import LintContext
from ...findings import Finding, Severity
from ...rule import Rule
from .._shell import calls_ending

_OPENERS = {"open", "io.open", "codecs.open"}
_NOTEBOOK_IMPORTERS = ("import_ipynb", "nbimporter", "ipynb.fs")
_CALLEES = frozenset({"exec", "execfile", "run_line_magic", "magic"})
# `%run` options that take a value.
_RUN_VALUE_OPTIONS = {"-p", "-G", "-N", "-e"}


def _run_target(args: str) -> tuple[str | None, set[str]]:
    """The file (or `-m module`) `%run` runs, and the options given."""
    words = shell_words(args)
    options: set[str] = set()
    i = 0
    while i < len(words):
        w = words[i]
        if w == "-m" and i + 1 < len(words):
            return words[i + 1], options | {"-m"}
        if w.startswith("-") and len(w) > 1:
            options.update("-" + ch for ch in w[1:]) if not w.startswith("--") else options.add(w)
            i += 2 if w in _RUN_VALUE_OPTIONS else 1
            continue
        return w, options
    return None, options


def _reads_file(ctx: LintContext, node: ast.AST) -> bool:
    """`open(p).read()`, `f.read()`, `Path(p).read_text()`, `compile(open(p).read(), ...)`."""
    if not isinstance(node, ast.Call):
        return False
    func = node.func
    if isinstance(func, ast.Attribute) and func.attr in ("read", "read_text", "read_bytes"):
        receiver = func.value
        if isinstance(receiver, ast.Call):
            name = ctx.analysis.qualname(receiver.func)
            return name in _OPENERS or name in ("pathlib.Path", "pathlib.PurePath") \
                or (func.attr != "read" and name is None)
        return isinstance(receiver, ast.Name)
    if ctx.analysis.qualname(func) == "compile" and node.args:
        return _reads_file(ctx, node.args[0])
    return False


class NotebookRunsNotebook(Rule):
    """Notebook runs another notebook or script inside itself (`%run`, `exec(open(...).read())`).

    ## What it does
    Reports `%run other.ipynb` and `%run script.py` (with or without `-i`), `exec` of a file's
    contents (`exec(open("setup.py").read())`, `exec(Path(p).read_text())`), and importing
    notebooks as modules with `import_ipynb`, `nbimporter` or `ipynb.fs`. Running notebooks
    with papermill or nbclient, which execute them in their own kernel with explicit
    parameters, is not reported.

    ## Why is this bad?
    The other file's variables land in this notebook's namespace without any line here saying
    which ones: readers, reviewers and tools cannot tell where `df` or `model` came from, and
    an edit to the other file silently changes this notebook's results. `%run -i` is worse: the
    other file also sees, and can overwrite, this notebook's variables. Nothing records which
    version of the other file ran, so the saved results cannot be reproduced, and turning the
    notebooks into a pipeline means untangling the hidden dependency first.

    ## Example
    ```python
    %run ./01-load-data.ipynb
    model = train(clean_frame)
    ```

    ## Use instead
    ```python
    # Shared code lives in a module that both notebooks import ...
    from churn.data import load_clean_frame
    from churn.model import train
    clean_frame = load_clean_frame()
    model = train(clean_frame)
    # ... and notebooks run as pipeline steps with papermill:
    # papermill 01-load-data.ipynb out.ipynb -p date 2024-05-01
    ```

    ## References
    - [IPython: the %run magic](https://ipython.readthedocs.io/en/stable/interactive/magics.html#magic-run)
    - [papermill: parameterizing and executing notebooks](https://papermill.readthedocs.io/en/latest/)
    - [Python docs: exec](https://docs.python.org/3/library/functions.html#exec)
    """

    cell_local = True
    code = "NB107"
    name = "notebook-runs-notebook"
    category = "correctness"
    severity = Severity.WARNING
    summary = "the notebook runs another notebook or script in its own namespace"
    hint = "import shared code from a module, or run the notebook as a papermill step"

    def check(self, ctx: LintContext) -> Iterable[Finding]:
        for cell, a in ctx.analysis.code():
            for magic in a.python.magics:
                if magic.kind == "line_magic" and magic.name == "run":
                    yield ctx.at(cell, self._run_message(magic.args), magic.line)
        for cell, a, call, name in calls_ending(ctx, _CALLEES):
            if a.python.changed_lines and call.lineno in a.python.changed_lines:
                continue  # a magic line: reported above
            if name in ("exec", "builtins.exec") and call.args and _reads_file(ctx, call.args[0]):
                yield ctx.at_node(cell, a, call, "`exec` of a file's contents runs hidden code in "
                                  "this notebook's namespace")
            elif isinstance(call.func, ast.Name) and call.func.id == "execfile" \
                    and "execfile" not in ctx.analysis.definitions:
                yield ctx.at_node(cell, a, call, "`execfile` runs hidden code in this notebook's "
                                  "namespace")
            elif self._explicit_run(call):
                yield ctx.at_node(cell, a, call, "`run_line_magic('run', ...)` runs another file "
                                  "in this notebook's namespace")
        for cell, a in ctx.analysis.parsed():
            for node in a.nodes(ast.Import, ast.ImportFrom):
                modules = [al.name for al in node.names] if isinstance(node, ast.Import) \
                    else [node.module or ""]
                hit = next((m for m in modules if m.startswith(_NOTEBOOK_IMPORTERS)), None)
                if hit is not None:
                    yield ctx.at_node(cell, a, node, f"`{hit}` imports notebooks as modules; their "
                                      "code runs hidden inside this one")

    @staticmethod
    def _run_message(args: str) -> str:
        target, options = _run_target(args)
        shown = target or "?"
        if "-m" in options:
            what = f"`%run -m {shown}` runs a module in this notebook's namespace"
        elif shown.endswith(".ipynb"):
            what = f"`%run {shown}` runs another notebook inside this one"
        else:
            what = f"`%run {shown}` runs a script inside this notebook"
        if "-i" in options:
            what += "; with -i it also reads and overwrites this notebook's variables"
        else:
            what += "; its variables appear here without a definition"
        return what

    @staticmethod
    def _explicit_run(call: ast.Call) -> bool:
        func = call.func
        if not (isinstance(func, ast.Attribute) and func.attr in ("run_line_magic", "magic")
                and isinstance(func.value, ast.Call) and isinstance(func.value.func, ast.Name)
                and func.value.func.id == "get_ipython" and call.args):
            return False
        first = call.args[0]
        if not (isinstance(first, ast.Constant) and isinstance(first.value, str)):
            return False
        value = first.value.lstrip("%")
        return value == "run" if func.attr == "run_line_magic" else value.split(" ", 1)[0] == "run"
