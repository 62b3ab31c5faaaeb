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
from .randomness import SEEDS
from .seed_constant import seed_before, seed_constants
from .sklearn_randomness import randomness_used
from .sklearn_signatures import seeds_sub_estimators, takes_random_state

# Where an ensemble takes the estimator it copies: its first positional parameter or these.
_ESTIMATOR_PARAMS = ("estimator", "base_estimator")


class MissingRandomState(Rule):
    """A scikit-learn splitter or estimator that uses randomness is created without `random_state`.

    ## What it does
    Reports calls to scikit-learn classes and functions whose `random_state` parameter
    defaults to `None` (`train_test_split`, `RandomForestClassifier`, `KMeans`, `ShuffleSplit`,
    `make_classification` ...) when no `random_state` is passed. Whether a callable takes
    `random_state` is read from the installed scikit-learn (a built-in list is used when it is
    not installed). Calls where `random_state` has no effect for the arguments given are not
    reported, following the solver scikit-learn picks: `KFold` without `shuffle=True`, `SVC`
    without `probability=True`, `LogisticRegression` with a deterministic solver, `PCA` keeping
    a fraction of the variance or with `svd_solver="full"`, `KernelPCA` with the dense solver,
    `silhouette_score` without `sample_size`. Calls that use randomness only for some inputs
    are not reported either: `PCA(n_components=2)` picks its randomized solver only for inputs
    over 500 rows and columns that are not tall and narrow, `LinearSVC` solves the (shuffled)
    dual problem only with more features than samples, `HistGradientBoosting*` stops early on a
    random validation split only beyond 10,000 samples. Nor is an estimator handed to an ensemble that
    seeds the copies it makes (`BaggingClassifier(DecisionTreeClassifier(), random_state=0)`):
    the ensemble's own `random_state` is what counts. The fix uses the notebook's seed constant
    (`SEED`, `RANDOM_STATE` ...) when one is defined above the call. After `np.random.seed(N)`,
    calls without `random_state` draw from NumPy's seeded global generator and are not reported.

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
    summary = "a scikit-learn splitter or estimator that uses randomness is called without random_state"
    hint = "pass random_state=SEED (an integer) so every run makes the same split and model"
    fix = Applicability.SAFE

    def check(self, ctx: LintContext) -> Iterable[Finding]:
        # `model.set_params(random_state=0)` later sets it after all; an estimator bound to a
        # name that only ever goes into seeding ensembles is seeded by them.
        set_later: set[str] = set()
        for _, a in ctx.analysis.parsed():
            code = a.python.code  # a quick text test first (the parser normalises non-ASCII names)
            if "set_params" in code or not code.isascii():
                set_later.update(_random_state_set(a))
        seeded = _seeded_by_ensembles(ctx)
        seeds = seed_constants(ctx)
        numpy_seeded = _numpy_seeded_at(ctx)
        # Cell-local once these are known: reuse unchanged cells' findings between lints.
        yield from by_cell(ctx, self.name, (frozenset(set_later), seeded, seeds, numpy_seeded), ctx.analysis.parsed(),
                           lambda cells: self._cells(ctx, cells, set_later | seeded, seeds, numpy_seeded))

    @staticmethod
    def _cells(ctx: LintContext, cells: list[tuple[Cell, CellAnalysis]] | None,
               set_elsewhere: set[str], seeds: tuple, numpy_seeded: tuple[int, int] | None) -> Iterator[Finding]:
        for cell, a, call, qual in calls_in(ctx, cells):
            if not qual or not qual.startswith("sklearn."):
                continue
            sig = takes_random_state(qual)
            if sig is None:
                continue
            if set_elsewhere and isinstance(parent := a.parent(call), ast.Assign) and \
                    any(isinstance(t, ast.Name) and t.id in set_elsewhere for t in parent.targets):
                continue
            if any(k.arg in ("random_state", None) for k in call.keywords) \
                    or any(isinstance(x, ast.Starred) for x in call.args):
                continue
            if "random_state" in sig.positional and len(call.args) > sig.positional.index("random_state"):
                continue
            if numpy_seeded is not None and numpy_seeded < (cell.index, call.lineno):
                continue  # random_state=None draws from NumPy's global generator, seeded above
            name = qual.rsplit(".", 1)[-1]
            verdict = randomness_used(name, call, sig if sig.module else None)
            if not verdict.random or _given_to_seeding_ensemble(ctx, a, call):
                continue
            seed = seed_before(seeds, cell.index, call.lineno) or str(ctx.config.seed)
            fix = None
            if not ({call.lineno, call.end_lineno or call.lineno} & a.python.changed_lines):
                fix = Fix(f"add random_state={seed}", (add_keyword(cell, a, call, f"random_state={seed}"),),
                          Applicability.SAFE)
            message = f"`{name}` is called without `random_state`, so every run gives a different result"
            hint = f"pass random_state={seed} so every run makes the same split and model" if seed[0].isalpha() \
                else None
            yield ctx.at_node(cell, a, call.func, message, fix=fix, hint=hint)


def _random_state_set(a: CellAnalysis) -> frozenset[str]:
    """Names this cell gives a random_state with `name.set_params(random_state=...)`."""
    return frozenset({c.func.value.id for c in a.nodes(ast.Call)
                      if isinstance(c.func, ast.Attribute) and c.func.attr == "set_params"
                      and isinstance(c.func.value, ast.Name) and any(k.arg == "random_state" for k in c.keywords)})


def _numpy_seeded_at(ctx: LintContext) -> tuple[int, int] | None:
    """(cell, line) of the first `np.random.seed(N)` (or an all-library seed) in the notebook."""
    for cell, a, call, qual in ctx.calls():
        if qual in SEEDS and "numpy" in SEEDS[qual] and (call.args or call.keywords):
            value = call.args[0] if call.args else call.keywords[0].value
            if not (isinstance(value, ast.Constant) and value.value is None):
                return cell.index, call.lineno
    return None


def _estimator_argument(call: ast.Call) -> ast.expr | None:
    for k in call.keywords:
        if k.arg in _ESTIMATOR_PARAMS:
            return k.value
    return call.args[0] if call.args else None


def _given_to_seeding_ensemble(ctx: LintContext, a: CellAnalysis, call: ast.Call) -> bool:
    """`BaggingClassifier(DecisionTreeClassifier())`: this call is the estimator an ensemble copies
    and seeds."""
    parent = a.parent(call)
    outer = a.parent(parent) if isinstance(parent, ast.keyword) else parent
    if not isinstance(outer, ast.Call) or _estimator_argument(outer) is not call:
        return False
    qual = ctx.qualname(outer.func)
    return bool(qual and qual.startswith("sklearn.") and seeds_sub_estimators(qual))


def _seeded_by_ensembles(ctx: LintContext) -> frozenset[str]:
    """Names whose every read is as the estimator of a seeding ensemble (`tree = ...;
    BaggingClassifier(tree, ...)`): the estimator bound to them is never used unseeded."""
    given: set[str] = set()
    for cell, a, call, qual in ctx.calls():
        if qual and qual.startswith("sklearn.") and isinstance(_estimator_argument(call), ast.Name) \
                and seeds_sub_estimators(qual):
            given.add(_estimator_argument(call).id)  # type: ignore[union-attr]
    if not given:
        return frozenset()
    other_reads: set[str] = set()
    for cell, a in ctx.analysis.parsed():
        for node in a.nodes(ast.Name):
            if node.id in given and isinstance(node.ctx, ast.Load):
                parent = a.parent(node)
                outer = a.parent(parent) if isinstance(parent, ast.keyword) else parent
                if not (isinstance(outer, ast.Call) and _estimator_argument(outer) is node
                        and (q := ctx.qualname(outer.func)) and q.startswith("sklearn.") and seeds_sub_estimators(q)):
                    other_reads.add(node.id)
    return frozenset(given - other_reads)
