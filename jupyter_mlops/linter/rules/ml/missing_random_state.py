"""Rule NB502 missing-random-state: a scikit-learn call that uses randomness without `random_state`."""

from __future__ import annotations

import ast
from typing import Iterable, Iterator

from ....analysis import CellAnalysis
from ....notebook.model import Cell
from ...context import LintContext
from ...edits import add_keyword
from ...findings import Applicability, Finding, Fix, Severity
from ...rule import Rule
from .._incremental import by_cell, calls_in
from .sklearn_signatures import takes_random_state


_OTHER = object()  # a keyword whose value is not a literal


def _kw_const(call: ast.Call, name: str) -> object:
    for kw in call.keywords:
        if kw.arg == name:
            return kw.value.value if isinstance(kw.value, ast.Constant) else _OTHER
    return None


def randomness_used(name: str, call: ast.Call) -> bool:
    """False where scikit-learn ignores random_state for this call's settings."""
    if name in ("KFold", "StratifiedKFold", "GroupKFold", "StratifiedGroupKFold", "learning_curve"):
        return _kw_const(call, "shuffle") not in (None, False)
    if name == "train_test_split":
        return _kw_const(call, "shuffle") is not False
    if name in ("SVC", "NuSVC"):
        return _kw_const(call, "probability") not in (None, False)
    if name in ("Ridge", "RidgeClassifier"):
        return _kw_const(call, "solver") in ("sag", "saga", _OTHER)
    if name in ("LogisticRegression", "LogisticRegressionCV"):
        # The default solver (lbfgs) is deterministic; sag, saga and liblinear shuffle.
        return _kw_const(call, "solver") in ("sag", "saga", "liblinear", _OTHER)
    if name in ("Lasso", "ElasticNet", "MultiTaskLasso", "MultiTaskElasticNet", "LassoCV", "ElasticNetCV",
                "MultiTaskLassoCV", "MultiTaskElasticNetCV"):
        return _kw_const(call, "selection") in ("random", _OTHER)
    if name == "PCA":
        return _kw_const(call, "svd_solver") not in ("full", "covariance_eigh")
    if name == "DummyClassifier":
        return _kw_const(call, "strategy") in ("stratified", "uniform", _OTHER)
    if name in ("ClassifierChain", "RegressorChain"):
        return _kw_const(call, "order") in ("random", _OTHER)
    if name == "KBinsDiscretizer":
        return _kw_const(call, "strategy") in ("quantile", None, _OTHER) and _kw_const(call, "subsample") is not None
    return True


class MissingRandomState(Rule):
    """A scikit-learn splitter or estimator that uses randomness is created without `random_state`.

    ## What it does
    Reports calls to scikit-learn classes and functions whose `random_state` parameter
    defaults to `None` (`train_test_split`, `RandomForestClassifier`, `KMeans`, `ShuffleSplit`,
    `make_classification` ...) when no `random_state` is passed. Whether a callable takes
    `random_state` is read from the installed scikit-learn (a built-in list is used when it is
    not installed). Calls where `random_state` has no effect are not reported: `KFold` without
    `shuffle=True`, `SVC` without `probability=True`, `LogisticRegression` with its default
    deterministic solver, `train_test_split(shuffle=False)`.

    ## Why is this bad?
    With `random_state=None` each run uses a different split, bootstrap sample or
    initialisation. Scores move between runs for reasons unrelated to the code, so model
    comparisons and hyper-parameter searches are noisy, and a result in the notebook cannot be
    reproduced. Worse, re-running only the split cell silently changes which rows are test
    data, so rows the model was trained on end up in the test set.

    ## Example
    ```python
    from sklearn.datasets import load_iris
    from sklearn.model_selection import train_test_split
    X, y = load_iris(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2)
    ```

    ## Use instead
    ```python
    from sklearn.datasets import load_iris
    from sklearn.model_selection import train_test_split
    SEED = 42
    X, y = load_iris(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, random_state=SEED)
    ```

    ## References
    - [scikit-learn: Controlling randomness](https://scikit-learn.org/stable/common_pitfalls.html#controlling-randomness)
    - [scikit-learn glossary: random_state](https://scikit-learn.org/stable/glossary.html#term-random_state)
    """

    code = "NB502"
    name = "missing-random-state"
    category = "reproducibility"
    severity = Severity.WARNING
    summary = "a scikit-learn splitter or estimator that takes random_state is called without it"
    hint = "pass random_state=SEED (an integer) so every run makes the same split and model"
    fix = Applicability.SAFE

    def check(self, ctx: LintContext) -> Iterable[Finding]:
        # `model.set_params(random_state=0)` later sets it after all.
        set_later: set[str] = set()
        for _, a in ctx.analysis.parsed():
            code = a.python.code  # a quick text test first (the parser normalises non-ASCII names)
            if "set_params" in code or not code.isascii():
                set_later.update(_random_state_set(a))
        # Cell-local once `set_later` is known: reuse unchanged cells' findings between lints.
        yield from by_cell(ctx, self.name, frozenset(set_later), ctx.analysis.parsed(),
                           lambda cells: self._cells(ctx, cells, set_later))

    @staticmethod
    def _cells(ctx: LintContext, cells: list[tuple[Cell, CellAnalysis]] | None,
               set_later: set[str]) -> Iterator[Finding]:
        for cell, a, call, qual in calls_in(ctx, cells):
            if not qual or not qual.startswith("sklearn."):
                continue
            sig = takes_random_state(qual)
            if sig is None:
                continue
            if set_later:
                parent = a.parent(call)
                if isinstance(parent, ast.Assign) and any(isinstance(t, ast.Name) and t.id in set_later
                                                          for t in parent.targets):
                    continue
            if any(k.arg in ("random_state", None) for k in call.keywords) \
                    or any(isinstance(x, ast.Starred) for x in call.args):
                continue
            if "random_state" in sig.positional and len(call.args) > sig.positional.index("random_state"):
                continue
            name = qual.rsplit(".", 1)[-1]
            if not randomness_used(name, call):
                continue
            fix = None
            if not ({call.lineno, call.end_lineno or call.lineno} & a.python.changed_lines):
                fix = Fix(f"add random_state={ctx.config.seed}",
                          (add_keyword(cell, a, call, f"random_state={ctx.config.seed}"),), Applicability.SAFE)
            yield ctx.at_node(cell, a, call.func, f"`{name}` is called without `random_state`, so every "
                              "run gives a different result", fix=fix)


def _random_state_set(a: CellAnalysis) -> frozenset[str]:
    """Names this cell gives a random_state with `name.set_params(random_state=...)`."""
    return frozenset({c.func.value.id for c in a.nodes(ast.Call)
                      if isinstance(c.func, ast.Attribute) and c.func.attr == "set_params"
                      and isinstance(c.func.value, ast.Name) and any(k.arg == "random_state" for k in c.keywords)})
