"""Rule NB105 non-idempotent-cell: re-running the cell changes a value from an earlier cell."""

from __future__ import annotations

import ast
import copy
import re
from collections import Counter
from typing import Iterable

from ...context import LintContext
from ...findings import Finding, Severity
from ...rule import Rule
from .idempotent import idempotent

_IDENT = re.compile(r"\b[A-Za-z_]\w*\b")


class NonIdempotentCell(Rule):
    """Running the cell twice gives a different result.

    ## What it does
    Reports cells that update, in place, a value defined by an earlier cell: augmented
    assignment (`x += 1`), self-referencing assignment (`df = df.set_index("date")`,
    `df["c"] = df["c"] * 2`). Re-bindings that give the same result however often they run are
    not reported: filtering and selecting (`df = df[df.price > 0]`, `df = df[:1000]`,
    `df = df[["a", "b"]]`), cleaning (`df = df.dropna()`, `df = df.sort_values("a")`,
    `s = s.str.strip()`), conversions (`a = np.asarray(a)`, `a = np.abs(a)`,
    `x = x.reshape(-1, 1)`), `ds = ds.filter(...)`.

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
    summary = "re-running the cell changes a value from an earlier cell again, so results depend on how often it ran (not idempotent)"
    hint = "assign the result to a new name, so the cell can be re-run safely"

    def check(self, ctx: LintContext) -> Iterable[Finding]:
        for cell, a in ctx.analysis.parsed():
            reported: set[str] = set()
            # Lines of the cell that do not parse may bind the name afresh: unknown, not reported.
            unknown = set(_IDENT.findall(a.unparsed)) if a.unparsed else set()
            for m in sorted(a.scope.mutations, key=lambda m: (m.line, m.col)):
                if m.how not in ("augassign", "self-assign") or m.name in reported or m.name in unknown:
                    continue
                if not ctx.analysis.defined_before(cell, m.name):
                    continue
                # A fresh assignment earlier in this cell makes the update repeatable.
                if any(b.name == m.name and b.line < m.line and b.kind != "augassign"
                       for b in a.scope.bindings):
                    continue
                if m.how == "self-assign" and self._same_on_rerun(ctx, a, m, _functions(ctx)):
                    continue
                reported.add(m.name)
                what = "updated in place" if m.how == "augassign" else "reassigned from itself"
                yield ctx.at(cell, f"`{m.name}` (defined in an earlier cell) is {what} here; "
                             "re-running this cell changes it again", m.line,
                             a.char_col(m.line, m.col))

    @staticmethod
    def _same_on_rerun(ctx: LintContext, a, m, functions) -> bool:
        for node in a.nodes(ast.Assign):
            if node.lineno == m.line and node.col_offset == m.col:
                targets = node.targets
                if len(targets) == 1 and isinstance(targets[0], ast.Name):
                    return idempotent(node.value, m.name, ctx.qualname, functions)
                if len(targets) == 1 and isinstance(targets[0], (ast.Subscript, ast.Attribute)):
                    # `df["c"] = df["c"].astype(int)`: the same expression, transformed idempotently
                    target = ast.dump(targets[0]).replace("Store()", "Load()")
                    return _idempotent_on(node.value, target, ctx, functions)
                return False
        return False


def _functions(ctx: LintContext):
    """name -> (parameter, returned expression) for the notebook's one-argument lambdas and
    functions whose body is one `return`, bound once at module level."""
    found = ctx.memo.get("correctness.one_expression_functions")
    if found is None:
        found, seen = {}, Counter()
        for _, a in ctx.analysis.parsed():
            for stmt in a.tree.body:
                if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
                    seen[stmt.targets[0].id] += 1
                    lam = stmt.value
                    if isinstance(lam, ast.Lambda) and len(lam.args.args) == 1:
                        found[stmt.targets[0].id] = (lam.args.args[0].arg, lam.body)
                elif isinstance(stmt, ast.FunctionDef):
                    seen[stmt.name] += 1
                    body = [s for s in stmt.body if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))]
                    if len(stmt.args.args) == 1 and len(body) == 1 and isinstance(body[0], ast.Return) \
                            and body[0].value is not None and not stmt.decorator_list:
                        found[stmt.name] = (stmt.args.args[0].arg, body[0].value)
        found = {n: f for n, f in found.items() if seen[n] == 1}
        ctx.memo["correctness.one_expression_functions"] = found
    return found.get


def _idempotent_on(value: ast.expr, target: str, ctx: LintContext, functions) -> bool:
    """`idempotent` for a subscript or attribute target: the value reads it only as itself."""
    holder = "__target__"

    class Swap(ast.NodeTransformer):
        def generic_visit(self, node):
            if isinstance(node, (ast.Subscript, ast.Attribute)) and ast.dump(node) == target:
                return ast.copy_location(ast.Name(id=holder, ctx=ast.Load()), node)
            return super().generic_visit(node)

    swapped = Swap().visit(copy.deepcopy(value))
    return idempotent(swapped, holder, ctx.qualname, functions)
