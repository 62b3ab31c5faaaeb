"""Rule NB601 long-cell: a cell with more lines of code than the limit."""

from __future__ import annotations

from typing import Iterable

from ...context import LintContext
from ...findings import Finding, Severity
from ...rule import Rule


def code_lines(source: str) -> int:
    """Lines that hold code: not blank and not only a comment."""
    return sum(1 for line in source.split("\n") if line.strip() and not line.lstrip().startswith("#"))


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
