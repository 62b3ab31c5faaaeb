"""Rules: maintainability (can the notebook be reviewed, tested and turned into a package?)."""

from __future__ import annotations

import ast
import os
import re
from typing import Iterable

from ...analysis.names import is_provided
from ..context import LintContext
from ..findings import Applicability, Edit, Finding, Fix, Severity
from ..rule import Rule, register

_CONSTANT = re.compile(r"^_*[A-Z][A-Z0-9_]*$")
_UNTITLED = re.compile(r"^untitled\d*(?:[-_ ]copy\d*)*(?: ?\(\d+\))?\.ipynb$", re.IGNORECASE)


def code_lines(source: str) -> int:
    """Lines that hold code: not blank and not only a comment."""
    return sum(1 for line in source.split("\n") if line.strip() and not line.lstrip().startswith("#"))


@register
class LongCell(Rule):
    """Code cell is longer than a reader can take in at once.

    ## What it does
    Counts the lines of code in each code cell (blank lines and comment-only lines do not
    count) and reports cells with more than `max-lines`.

    ## Why is this bad?
    A long cell does many things at once: loading, cleaning, training and plotting end up in
    one block that can only be re-run as a whole. When one step fails, everything before it
    runs again; nobody can review or test the steps separately, and turning the notebook into
    a package means untangling the cell first. Short cells with one job each, or functions
    called from a cell, are easier to read, re-run and move into modules.

    ## Options
    - `max-lines` (integer, default 50): the most lines of code a cell may have.
      Set it under `[tool.jupyter-mlops.long-cell]`.

    ## Example
    ```python
    import pandas as pd
    df = pd.DataFrame({"a": range(10)})
    df["b"] = df["a"] * 2
    df["c"] = df["a"] * 3
    df["d"] = df["a"] * 4
    df["e"] = df["a"] * 5
    df["f"] = df["a"] * 6
    df["g"] = df["a"] * 7
    df["h"] = df["a"] * 8
    df["i"] = df["a"] * 9
    df["j"] = df["a"] * 10
    df["k"] = df["a"] * 11
    df["l"] = df["a"] * 12
    df["m"] = df["a"] * 13
    df["n"] = df["a"] * 14
    df["o"] = df["a"] * 15
    df["p"] = df["a"] * 16
    df["q"] = df["a"] * 17
    df["r"] = df["a"] * 18
    df["s"] = df["a"] * 19
    df["t"] = df["a"] * 20
    df["u"] = df["a"] * 21
    df["v"] = df["a"] * 22
    df["w"] = df["a"] * 23
    df["x"] = df["a"] * 24
    df["y"] = df["a"] * 25
    df["z"] = df["a"] * 26
    df["aa"] = df["a"] * 27
    df["ab"] = df["a"] * 28
    df["ac"] = df["a"] * 29
    df["ad"] = df["a"] * 30
    df["ae"] = df["a"] * 31
    df["af"] = df["a"] * 32
    df["ag"] = df["a"] * 33
    df["ah"] = df["a"] * 34
    df["ai"] = df["a"] * 35
    df["aj"] = df["a"] * 36
    df["ak"] = df["a"] * 37
    df["al"] = df["a"] * 38
    df["am"] = df["a"] * 39
    df["an"] = df["a"] * 40
    df["ao"] = df["a"] * 41
    df["ap"] = df["a"] * 42
    df["aq"] = df["a"] * 43
    df["ar"] = df["a"] * 44
    df["as"] = df["a"] * 45
    df["at"] = df["a"] * 46
    df["au"] = df["a"] * 47
    df["av"] = df["a"] * 48
    df["aw"] = df["a"] * 49
    df["ax"] = df["a"] * 50
    ```

    ## Use instead
    ```python
    # %%
    import pandas as pd
    df = pd.DataFrame({"a": range(10)})
    # %%
    for factor in range(2, 51):
        df[f"times_{factor}"] = df["a"] * factor
    ```

    ## References
    - [Google Cloud: Best practices for ML engineering, notebooks (keep cells small and focused)](https://cloud.google.com/architecture/ml-on-gcp-best-practices#use-notebooks-for-experimentation)
    - [Rule, Birmingham et al., Ten simple rules for writing and sharing computational analyses in Jupyter Notebooks (PLoS Comput Biol, 2019)](https://doi.org/10.1371/journal.pcbi.1007007)
    """

    code = "NB601"
    name = "long-cell"
    category = "maintainability"
    severity = Severity.INFO
    summary = "a code cell has more lines of code than the configured maximum"
    hint = "split the cell into steps with one job each, or move the logic into functions"
    options = {"max-lines": 50}
    cell_local = True

    def check(self, ctx: LintContext) -> Iterable[Finding]:
        limit = ctx.options["max-lines"]
        for cell, _ in ctx.analysis.code():
            n = code_lines(cell.source)
            if n > limit:
                yield ctx.at(cell, f"cell has {n} lines of code (limit {limit})", 1)


@register
class FunctionUsesGlobal(Rule):
    """Function reads a notebook variable instead of taking it as a parameter.

    ## What it does
    Reports reads, inside a function or method, of a variable that a notebook cell defines at
    top level and that is not a parameter of the function. Constants named in `UPPER_CASE`,
    imported modules and names, and functions and classes defined in the notebook are not
    reported. Each variable is reported once per function, at its first read.

    ## Why is this bad?
    The function's result depends on whatever the global held when it was called, which in a
    notebook depends on which cells ran, in what order, and how often. The function cannot be
    tested on its own, cannot be moved into a module (the global does not exist there), and
    silently uses stale data after the cell that defines the variable is edited and not re-run.

    ## Example
    ```python
    import pandas as pd
    # %%
    sales = pd.DataFrame({"price": [2.0, 3.5], "qty": [3, 1]})
    # %%
    def revenue():
        return (sales["price"] * sales["qty"]).sum()
    ```

    ## Use instead
    ```python
    import pandas as pd
    TAX_RATE = 0.2
    # %%
    sales = pd.DataFrame({"price": [2.0, 3.5], "qty": [3, 1]})
    # %%
    def revenue(frame):
        return (frame["price"] * frame["qty"]).sum() * (1 + TAX_RATE)
    total = revenue(sales)
    ```

    ## References
    - [Python FAQ: What are the rules for local and global variables?](https://docs.python.org/3/faq/programming.html#what-are-the-rules-for-local-and-global-variables-in-python)
    - [Pylint: global-variable-not-assigned and friends](https://pylint.readthedocs.io/en/stable/user_guide/messages/warning/global-variable-not-assigned.html)
    """

    code = "NB602"
    name = "function-uses-global"
    category = "maintainability"
    severity = Severity.INFO
    summary = "a function reads a notebook variable that is not one of its parameters"
    hint = "pass the value as a parameter (or make it an UPPER_CASE constant)"

    def check(self, ctx: LintContext) -> Iterable[Finding]:
        definitions = ctx.analysis.definitions
        candidates = []
        for cell, a in ctx.analysis.parsed():
            reported: set[tuple[str, str]] = set()
            for use in sorted(a.scope.deferred, key=lambda u: (u.line, u.col)):
                if not use.function or use.function == "<lambda>" or use.name not in definitions:
                    continue
                key = (use.function, use.name)
                if key not in reported and not is_provided(use.name):
                    reported.add(key)
                    candidates.append((cell, a, use))
        if not candidates:
            return
        excepted = self._excepted(ctx, {use.name for _, _, use in candidates})
        for cell, a, use in candidates:
            if use.name in excepted:
                continue
            col = a.char_col(use.line, use.col)
            yield ctx.at(cell, f"`{use.function}` reads the notebook variable `{use.name}` "
                         "instead of taking it as a parameter", use.line, col, use.line,
                         col + len(use.name))

    @staticmethod
    def _excepted(ctx: LintContext, names: set[str]) -> set[str]:
        """Which of `names` are imports, notebook functions/classes or constants."""
        excepted = {n for n in names if n in ctx.analysis.imports}
        single = {n for n in names if len(n) == 1 and n.isupper()}
        for n in names:
            if _CONSTANT.match(n) and len(n.strip("_")) > 1:
                excepted.add(n)
        for _, a in ctx.analysis.parsed():
            excepted.update(n for n in a.scope.functions if n in names)
            if not single or a.tree is None:
                continue
            for stmt in a.tree.body:
                # `N = 100`: a one-letter name bound to a literal is a constant too.
                if isinstance(stmt, ast.Assign):
                    hit = [t.id for t in stmt.targets if isinstance(t, ast.Name) and t.id in single]
                    if hit and _is_literal(stmt.value):
                        excepted.update(hit)
        return excepted


def _is_literal(node: ast.AST) -> bool:
    try:
        ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return False
    return True


def _swallows(body: list[ast.stmt]) -> bool:
    return all(isinstance(s, (ast.Pass, ast.Continue)) or
               (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant)) for s in body)


@register
class BareExcept(Rule):
    """`except:` catches everything, or `except Exception: pass` hides every error.

    ## What it does
    Reports bare `except:` clauses, and `except Exception:` / `except BaseException:` clauses
    whose body only passes (`pass`, `...`, `continue`).

    ## Why is this bad?
    A bare `except:` also catches `KeyboardInterrupt` and `SystemExit`, so the kernel cannot be
    interrupted out of a loop, and it catches the `NameError` from a typo as readily as the
    error you meant. An `except Exception: pass` throws the error away: the notebook carries
    on with half-loaded data or a model that never trained, and the results look fine. In a
    pipeline the failure surfaces hours later, far from its cause.

    The unsafe fix turns a bare `except:` (one that does something) into `except Exception:`,
    which lets interrupts through; it does not decide what to do with the error.

    ## Example
    ```python
    import json
    try:
        config = json.load(open("config.json"))
    except:
        config = {}
    ```

    ## Use instead
    ```python
    import json
    try:
        with open("config.json") as fh:
            config = json.load(fh)
    except FileNotFoundError:
        config = {}
    ```

    ## References
    - [PEP 8: Programming recommendations (bare except)](https://peps.python.org/pep-0008/#programming-recommendations)
    - [Python tutorial: Handling exceptions](https://docs.python.org/3/tutorial/errors.html#handling-exceptions)
    - [Ruff: bare-except (E722)](https://docs.astral.sh/ruff/rules/bare-except/)
    """

    cell_local = True
    code = "NB603"
    name = "bare-except"
    category = "maintainability"
    severity = Severity.WARNING
    summary = "`except:` catches everything, or `except Exception: pass` hides errors"
    hint = "catch the exceptions you expect, and handle or log them"
    fix = Applicability.UNSAFE

    def check(self, ctx: LintContext) -> Iterable[Finding]:
        for cell, a in ctx.analysis.parsed():
            for handler in a.nodes(ast.ExceptHandler):
                line = handler.lineno
                col = a.char_col(line, handler.col_offset)
                if handler.type is None:
                    fix = None
                    if not _swallows(handler.body) and a.line_text(line)[col:col + 6] == "except":
                        fix = Fix("catch `Exception` instead of everything",
                                  (Edit(cell.index, line, col, line, col + 6, "except Exception"),),
                                  Applicability.UNSAFE)
                    yield ctx.at(cell, "bare `except:` also catches KeyboardInterrupt, SystemExit "
                                 "and typos", line, col, fix=fix)
                    continue
                caught = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
                broad = [ctx.analysis.qualname(t) for t in caught]
                broad = [b for b in broad if b in ("Exception", "BaseException")]
                if broad and _swallows(handler.body):
                    yield ctx.at(cell, f"`except {broad[0]}` that only passes hides every error",
                                 line, col)


@register
class LargeOutput(Rule):
    """A cell's saved output is very large.

    ## What it does
    Adds up the size of each code cell's saved outputs (text, HTML, images, as stored in the
    notebook file) and reports cells whose outputs take more than `max-kb` kilobytes
    (1 KB = 1,024 bytes).

    ## Why is this bad?
    Large outputs (a printed DataFrame with 100,000 rows, a high-resolution plot, training
    logs) bloat the repository with every commit, make diffs and code review unreadable, slow
    down opening the notebook, and can leak the data itself into version control. Saved
    outputs are results, not code: store them as files or artifacts and keep the notebook
    light.

    ## Options
    - `max-kb` (integer, default 100): the largest total output size a cell may save, in KB.
      Set it under `[tool.jupyter-mlops.large-output]`.

    ## Example
    ```python
    # %% execution_count=1 output_bytes=2500000
    import pandas as pd
    frame = pd.DataFrame({"x": range(100_000)})
    print(frame.to_string())
    ```

    ## Use instead
    ```python
    # %% execution_count=1
    import pandas as pd
    frame = pd.DataFrame({"x": range(100_000)})
    frame.to_csv("frame.csv", index=False)
    frame.head()
    ```

    ## References
    - [nbstripout: strip output from Jupyter notebooks before committing](https://github.com/kynan/nbstripout)
    - [Jupyter docs: nbconvert --ClearOutputPreprocessor](https://nbconvert.readthedocs.io/en/latest/removing_cells.html)
    - [GitHub docs: About large files on GitHub](https://docs.github.com/en/repositories/working-with-files/managing-large-files/about-large-files-on-github)
    """

    code = "NB604"
    name = "large-output"
    category = "maintainability"
    severity = Severity.WARNING
    summary = "a cell's saved outputs are larger than the configured size"
    hint = "clear the output (or write the result to a file) and save the notebook"
    options = {"max-kb": 100}
    language_independent = True

    def check(self, ctx: LintContext) -> Iterable[Finding]:
        limit = ctx.options["max-kb"]
        for cell in ctx.notebook.code_cells:
            size = sum(o.size for o in cell.outputs)
            if size > limit * 1024:
                yield ctx.at(cell, f"saved outputs take {_human(size)} (limit {limit} KB)", 1)


def _human(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MB"
    return f"{size / 1024:.0f} KB"


@register
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
