"""Rule NB602 function-uses-global: a function reading a notebook variable instead of a parameter."""

from __future__ import annotations

import ast
import re
from typing import Iterable

from ....analysis.names import is_provided
from ...context import LintContext
from ...findings import Finding, Severity
from ...rule import Rule

_CONSTANT = re.compile(r"^_*[A-Z][A-Z0-9_]*$")
# Calls that return a function made from a function (`partial(f, x=1)`, `jax.jit(f)`): a name
# bound to one is a function of the notebook, as a `def` would be.
_FUNCTION_MAKERS = frozenset({
    "functools.partial", "functools.cache", "functools.lru_cache", "functools.wraps", "functools.reduce",
    "jax.jit", "jax.grad", "jax.value_and_grad", "jax.vmap", "jax.pmap", "jax.jacfwd", "jax.jacrev",
    "jax.hessian", "jax.checkpoint", "tensorflow.function", "torch.func.grad", "torch.func.vmap",
    "torch.vmap", "numpy.vectorize", "numpy.frompyfunc", "numba.jit", "numba.njit", "numba.vectorize",
    "keras.backend.function", "tensorflow.keras.backend.function", "operator.itemgetter",
    "operator.attrgetter", "operator.methodcaller",
})
_NESTED = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)
_SIMPLE = (ast.Assign, ast.AnnAssign, ast.AugAssign, ast.Expr, ast.Import, ast.ImportFrom, ast.Return, ast.Pass,
           ast.Delete, ast.Raise, ast.Assert, ast.Global, ast.Nonlocal, ast.Break, ast.Continue)


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
        """Which of `names` are imports, notebook functions/classes, constants, or names bound
        only to one of those (`K = tf.keras.backend`, `Dense = layers.Dense`, `f = partial(g, 1)`,
        `loss = lambda y: ...`)."""
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
        rest = names - excepted
        if rest:
            excepted |= _aliases(ctx, rest, excepted)
        return excepted


def _aliases(ctx: LintContext, names: set[str], known: set[str]) -> set[str]:
    """Those of `names` whose every module-level binding gives them a module, a function, a class
    or one of their attributes (through other such names too)."""
    wanted = names
    names = set(ctx.analysis.definitions)
    values: dict[str, list[ast.expr | None]] = {}
    functions = set(known) | set(ctx.analysis.imports)
    for _, a in ctx.analysis.parsed():
        functions.update(a.scope.functions)
        for b in a.scope.bindings:
            if b.name in names and b.kind != "assign":
                values.setdefault(b.name, []).append(None)  # a loop variable, `with ... as`, ...
        stack: list[ast.AST] = list(a.tree.body)
        while stack:
            node = stack.pop()
            if isinstance(node, _NESTED):
                continue
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    if isinstance(target, ast.Name) and target.id in names:
                        values.setdefault(target.id, []).append(node.value)
                    elif not isinstance(target, (ast.Attribute, ast.Subscript)):
                        for n in ast.walk(target):
                            if isinstance(n, ast.Name) and n.id in names:
                                values.setdefault(n.id, []).append(None)  # unpacked from a tuple
            elif isinstance(node, (ast.AnnAssign, ast.AugAssign, ast.NamedExpr)) \
                    and isinstance(node.target, ast.Name) and node.target.id in names:
                values.setdefault(node.target.id, []).append(None)
            elif isinstance(node, (ast.For, ast.AsyncFor, ast.With, ast.AsyncWith)):
                targets = [node.target] if isinstance(node, (ast.For, ast.AsyncFor)) else \
                    [item.optional_vars for item in node.items if item.optional_vars is not None]
                for n in (n for target in targets for n in ast.walk(target)):
                    if isinstance(n, ast.Name) and n.id in names:
                        values.setdefault(n.id, []).append(None)
            if not isinstance(node, _SIMPLE):  # only compound statements hold statements
                stack.extend(n for n in ast.iter_child_nodes(node) if isinstance(n, (ast.stmt, ast.excepthandler)))
    qualname = ctx.analysis.qualname
    found: set[str] = set()
    for _ in range(3):  # an alias of an alias
        for name, bound in values.items():
            if name not in found and bound and all(_function_like(v, functions | found, qualname) for v in bound):
                found.add(name)
    return found & wanted


def _function_like(value: ast.expr | None, functions: set[str], qualname) -> bool:
    if isinstance(value, ast.Lambda):
        return True
    if isinstance(value, ast.Call):
        return qualname(value.func) in _FUNCTION_MAKERS
    root = value
    while isinstance(root, ast.Attribute):
        root = root.value
    return isinstance(root, ast.Name) and root.id in functions


def _is_literal(node: ast.AST) -> bool:
    try:
        ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return False
    return True
