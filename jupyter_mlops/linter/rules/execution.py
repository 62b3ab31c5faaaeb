"""Rules about how the notebook runs: order, state, errors, syntax."""

from __future__ import annotations

import ast
from typing import Iterable

from ..context import LintContext
from ..findings import Finding, Severity
from ..rule import Rule, register


@register
class SyntaxErrorRule(Rule):
    """Cell is not valid Python (after IPython syntax such as magics is understood).

    ## What it does
    Reports code cells that cannot be parsed, for example Python 2 `print "x"` statements.

    ## Why is this bad?
    A cell that does not parse fails on Run All and cannot be analysed for any other hazard, so
    every other check is blind to it. Old Python 2 snippets are the usual cause.

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
    hint = "fix the syntax; the rest of this cell is not analysed until it parses"

    def check(self, ctx: LintContext) -> Iterable[Finding]:
        for cell, a in ctx.analysis.code():
            if a.syntax_error is not None:
                err = a.syntax_error
                yield ctx.at(cell, f"syntax error: {err.message}", err.line, err.col)


@register
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


@register
class OutOfOrderExecution(Rule):
    """Saved execution counts do not increase from top to bottom.

    ## What it does
    Compares the execution counts saved with each code cell. When a cell further down ran
    before a cell above it, the saved outputs were produced by an order that Restart & Run All
    does not repeat.

    ## Why is this bad?
    The numbers, plots and metrics saved in the notebook may depend on that hidden order. Anyone
    who re-runs the notebook top to bottom, including a production pipeline, can get different
    results or an error.

    ## Example
    ```python
    # %% execution_count=2
    df = load()
    # %% execution_count=1
    def load():
        return [1, 2, 3]
    ```

    ## Use instead
    ```python
    # %% execution_count=1
    def load():
        return [1, 2, 3]
    # %% execution_count=2
    df = load()
    ```

    ## References
    - [Pimentel et al., A Large-scale Study about Quality and Reproducibility of Jupyter Notebooks (MSR 2019)](https://doi.org/10.1109/MSR.2019.00077)
    """

    code = "NB101"
    name = "out-of-order-execution"
    category = "correctness"
    severity = Severity.WARNING
    summary = "saved execution counts do not increase top to bottom"
    hint = "Restart the kernel and Run All, then save"

    def check(self, ctx: LintContext) -> Iterable[Finding]:
        previous = None
        for cell in ctx.notebook.code_cells:
            count = cell.execution_count
            if not count:
                continue
            if previous is not None and count < previous.execution_count:
                yield ctx.at(
                    cell,
                    f"cell ran as [{count}] but the cell above it ran later, as "
                    f"[{previous.execution_count}] (cell {previous.index + 1})",
                    1,
                )
            previous = cell


@register
class UnexecutedCell(Rule):
    """A code cell never ran, while the cells around it did.

    ## What it does
    Reports code cells with no execution count in a notebook where other cells ran. Notebooks
    in which no cell ran (or every count is 0) are not reported.

    ## Why is this bad?
    The saved results were produced without this cell. Either the cell is dead code, or it was
    added after the results and nobody knows whether the notebook still works with it.

    ## Example
    ```python
    # %% execution_count=1
    import math
    # %%
    radius = 2
    # %% execution_count=2
    area = math.pi * 4
    ```

    ## Use instead
    ```python
    # %% execution_count=1
    import math
    # %% execution_count=2
    radius = 2
    # %% execution_count=3
    area = math.pi * radius ** 2
    ```
    """

    code = "NB102"
    name = "unexecuted-cell"
    category = "correctness"
    severity = Severity.WARNING
    summary = "a code cell never ran while others did"
    hint = "run the cell (or Restart & Run All), or delete it if it is dead code"

    def check(self, ctx: LintContext) -> Iterable[Finding]:
        if not ctx.notebook.was_executed:
            return
        for cell in ctx.notebook.code_cells:
            if cell.execution_count is None and cell.source.strip():
                yield ctx.at(cell, "cell was never executed, although other cells were", 1)


@register
class UseBeforeDefine(Rule):
    """A name read in a cell is defined only in a later cell.

    ## What it does
    Follows every name a cell reads back to the cell that defines it. Reports reads of names
    that are first defined further down the notebook.

    ## Why is this bad?
    The notebook works in the author's kernel only because the later cell happened to run
    first. Restart & Run All, papermill and any pipeline built from the notebook fail with a
    `NameError` here.

    ## Example
    ```python
    # %%
    total = price * 3
    # %%
    price = 10
    ```

    ## Use instead
    ```python
    # %%
    price = 10
    # %%
    total = price * 3
    ```
    """

    code = "NB103"
    name = "use-before-define"
    category = "correctness"
    severity = Severity.ERROR
    summary = "a name is read before the cell that defines it"
    hint = "move the defining cell above this one"

    def check(self, ctx: LintContext) -> Iterable[Finding]:
        for issue in ctx.analysis.flow_issues:
            if issue.kind != "before-define":
                continue
            a = ctx.analysis.cells[issue.cell.index]
            use = issue.use
            later = [i for i in issue.defined_in if i >= issue.cell.index]
            where = later[0] if later else issue.defined_in[0]
            node = ast.Name(id=use.name, lineno=use.line, col_offset=use.col,
                            end_lineno=use.line, end_col_offset=use.end_col)
            if where == issue.cell.index:
                msg = f"`{use.name}` is used before it is assigned later in this cell"
            else:
                msg = f"`{use.name}` is used here but first defined in cell {where + 1}, further down"
            yield ctx.at_node(issue.cell, a, node, msg)


@register
class UndefinedName(Rule):
    """A name is read but no cell in the notebook defines it.

    ## What it does
    Reports names that are read but bound nowhere in the notebook: not by an assignment, import,
    function or class, and not a builtin or a name IPython provides.

    ## Why is this bad?
    The value lives only in the author's kernel, usually left over from a cell that was edited
    or deleted. The notebook cannot run anywhere else, and nobody can tell what the value was.

    ## Example
    ```python
    clean = raw_frame.dropna()
    ```

    ## Use instead
    ```python
    import pandas as pd
    raw_frame = pd.DataFrame({"x": [1.0, None]})
    clean = raw_frame.dropna()
    ```
    """

    code = "NB104"
    name = "undefined-name"
    category = "correctness"
    severity = Severity.ERROR
    summary = "a name is read but defined nowhere in the notebook"
    hint = "define or import the name in a cell above (hidden kernel state?)"

    def check(self, ctx: LintContext) -> Iterable[Finding]:
        for issue in ctx.analysis.flow_issues:
            if issue.kind != "undefined":
                continue
            use = issue.use
            node = ast.Name(id=use.name, lineno=use.line, col_offset=use.col,
                            end_lineno=use.line, end_col_offset=use.end_col)
            inside = f" (inside `{use.function}`)" if use.function and use.function != "<lambda>" else ""
            yield ctx.at_node(issue.cell, ctx.analysis.cells[issue.cell.index], node,
                              f"`{use.name}` is not defined in any cell of this notebook{inside}")


@register
class NonIdempotentCell(Rule):
    """Running the cell twice gives a different result.

    ## What it does
    Reports cells that update, in place, a value defined by an earlier cell: augmented
    assignment (`x += 1`), self-referencing assignment (`df = df.drop(...)`,
    `df["c"] = df["c"] * 2`).

    ## Why is this bad?
    Notebooks invite re-running cells. Each re-run of such a cell changes the value again, so
    the saved result depends on how many times the author clicked Run. The notebook, re-run top
    to bottom once, may not reproduce it.

    ## Example
    ```python
    # %%
    prices = [10.0, 12.5]
    # %%
    prices = [p * 1.2 for p in prices]
    ```

    ## Use instead
    ```python
    # %%
    base_prices = [10.0, 12.5]
    # %%
    prices = [p * 1.2 for p in base_prices]
    ```
    """

    code = "NB105"
    name = "non-idempotent-cell"
    category = "correctness"
    severity = Severity.WARNING
    summary = "re-running the cell changes a value from an earlier cell"
    hint = "assign the result to a new name, so the cell can be re-run safely"

    def check(self, ctx: LintContext) -> Iterable[Finding]:
        for cell, a in ctx.analysis.parsed():
            reported: set[str] = set()
            for m in sorted(a.scope.mutations, key=lambda m: (m.line, m.col)):
                if m.how not in ("augassign", "self-assign") or m.name in reported:
                    continue
                if not ctx.analysis.defined_before(cell, m.name):
                    continue
                # A fresh assignment earlier in this cell makes the update repeatable.
                if any(b.name == m.name and b.line < m.line and b.kind != "augassign"
                       for b in a.scope.bindings):
                    continue
                reported.add(m.name)
                what = "updated in place" if m.how == "augassign" else "reassigned from itself"
                yield ctx.at(cell, f"`{m.name}` (defined in an earlier cell) is {what} here; "
                             "re-running this cell changes it again", m.line,
                             a.char_col(m.line, m.col))


@register
class ErrorOutput(Rule):
    """A saved output is an error traceback.

    ## What it does
    Reports code cells whose saved outputs include an error (an exception and its traceback).

    ## Why is this bad?
    The notebook as saved does not run. Its later results were produced either before the error
    appeared or around it, and a pipeline running it will stop at this cell.

    ## Example
    ```python
    # %% execution_count=1 outputs=[{"output_type": "error", "ename": "KeyError", "evalue": "'price'", "traceback": []}]
    total = {"cost": 1}["price"]
    ```

    ## Use instead
    ```python
    # %% execution_count=1
    total = {"price": 1}["price"]
    ```
    """

    code = "NB106"
    name = "error-output"
    category = "correctness"
    severity = Severity.ERROR
    summary = "a saved output is an error traceback"
    hint = "fix the error and re-run the notebook from the top"
    language_independent = True

    def check(self, ctx: LintContext) -> Iterable[Finding]:
        for cell in ctx.notebook.code_cells:
            for out in cell.outputs:
                if out.output_type == "error":
                    detail = f"{out.ename}: {out.evalue}" if out.ename else "an exception"
                    if len(detail) > 120:
                        detail = detail[:117] + "..."
                    yield ctx.at(cell, f"saved output is an error: {detail}", 1)
                    break


@register
class HiddenState(Rule):
    """A cell's saved result came from kernel state that no cell before it explains.

    ## What it does
    Replays the notebook in the order its saved execution counts say the cells ran. Reports a
    cell that read a name when no cell that had already run defined it: the value came from a
    cell that was deleted, edited or re-run since, so nothing in the notebook shows what it was.

    ## Why is this bad?
    The saved outputs (metrics, plots, tables) were computed from a value nobody can see or
    recreate. Even if Restart & Run All works, it may give different numbers from the ones
    saved, and the notebook is the only record of how they were produced.

    ## Example
    ```python
    # %% execution_count=3
    threshold = 0.7
    # %% execution_count=2
    flagged = [s for s in [0.2, 0.9] if s > threshold]
    ```

    ## Use instead
    ```python
    # %% execution_count=1
    threshold = 0.7
    # %% execution_count=2
    flagged = [s for s in [0.2, 0.9] if s > threshold]
    ```

    ## References
    - [Macke et al., Fine-Grained Lineage for Safer Notebook Interactions (VLDB 2021)](https://arxiv.org/abs/2012.06981)
    """

    code = "NB108"
    name = "hidden-state"
    category = "correctness"
    severity = Severity.WARNING
    summary = "a saved result used a value no earlier-run cell defined"
    hint = "Restart the kernel and Run All, then check the saved results still hold"

    def check(self, ctx: LintContext) -> Iterable[Finding]:
        order = ctx.analysis.execution_order
        if len(order) < 2:
            return
        defined_by: dict[str, list] = {}
        for cell, a in ctx.analysis.parsed():
            for name in {b.name for b in a.scope.bindings if b.kind != "augassign"}:
                defined_by.setdefault(name, []).append(cell)
        for cell in order:
            a = ctx.analysis.cells.get(cell.index)
            if a is None or not a.ok:
                continue
            seen: set[str] = set()
            for use in a.scope.uses:
                if use.name in seen:
                    continue
                seen.add(use.name)
                definers = defined_by.get(use.name, [])
                if not definers or cell in definers:
                    continue
                if any(d.execution_count and d.execution_count < cell.execution_count for d in definers):
                    continue
                ran_later = sorted((d for d in definers if d.execution_count),
                                   key=lambda d: d.execution_count)
                if ran_later:
                    d = ran_later[0]
                    why = f"the cell defining it (cell {d.index + 1}) ran later, as [{d.execution_count}]"
                else:
                    why = f"the cell defining it (cell {definers[0].index + 1}) never ran"
                node = ast.Name(id=use.name, lineno=use.line, col_offset=use.col,
                                end_lineno=use.line, end_col_offset=use.end_col)
                yield ctx.at_node(cell, a, node,
                                  f"when this cell ran as [{cell.execution_count}], `{use.name}` came "
                                  f"from hidden state: {why}")
