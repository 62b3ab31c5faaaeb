"""Does a scikit-learn call use its `random_state`, given the arguments it is called with?

Many estimators take `random_state` but use it only for some settings: a solver that shuffles,
a search that samples, an early-stopping split. The answer follows scikit-learn's own choice of
solver for the arguments given, with the defaults of the installed version (read from its source
by `sklearn_signatures`); `tests/rules/test_ml.py` checks the cases against the real library
by fitting twice with different seeds.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Callable

from .sklearn_signatures import UNKNOWN, Signature

OTHER = object()  # an argument that is not a literal


@dataclass(frozen=True)
class Verdict:
    random: bool
    # Why a call that may use randomness is not reported: it does so only for some inputs (their
    # size or shape), which the notebook's code does not tell. Most inputs do not.
    depends_on_data: str = ""


YES, NO = Verdict(True), Verdict(False)


def _depends(on: str) -> Verdict:
    return Verdict(False, on)


# The defaults that matter below, for when the installed scikit-learn cannot be read.
_COMMON_DEFAULTS = {"solver": "lbfgs", "svd_solver": "auto", "eigen_solver": "auto", "n_components": None,
                    "probability": False, "selection": "cyclic", "order": None, "sample_posterior": False,
                    "imputation_order": "ascending", "n_nearest_features": None, "n_restarts_optimizer": 0,
                    "sample_size": None, "dual": "auto", "max_features": 1.0, "early_stopping": False,
                    "shuffle": False}
_FALLBACK_DEFAULTS = {
    "train_test_split": {"shuffle": True}, "DummyClassifier": {"strategy": "prior"},
    "KBinsDiscretizer": {"strategy": "quantile", "subsample": 200_000},
    "QuantileTransformer": {"subsample": 10_000},
    "HistGradientBoostingClassifier": {"early_stopping": "auto"},
    "HistGradientBoostingRegressor": {"early_stopping": "auto"},
    **dict.fromkeys(("SGDClassifier", "SGDRegressor", "SGDOneClassSVM", "Perceptron", "PassiveAggressiveClassifier",
                     "PassiveAggressiveRegressor"), {"shuffle": True}),
    "Ridge": {"solver": "auto"}, "RidgeClassifier": {"solver": "auto"},
    "GaussianMixture": {"n_components": 1}, "BayesianGaussianMixture": {"n_components": 1},
}


class _Args:
    """A call's argument values by parameter name: literals, OTHER, or the installed default
    (None for a parameter the installed version does not have)."""

    def __init__(self, call: ast.Call, sig: Signature | None, name: str) -> None:
        self.call, self.sig, self.name = call, sig, name

    def given(self, name: str) -> bool:
        if any(k.arg == name for k in self.call.keywords):
            return True
        pos = self.sig.positional if self.sig is not None else ()
        return name in pos and pos.index(name) < len(self.call.args)

    def __getitem__(self, name: str) -> object:
        for k in self.call.keywords:
            if k.arg == name:
                return _value(k.value)
        pos = self.sig.positional if self.sig is not None else ()
        if name in pos and pos.index(name) < len(self.call.args):
            return _value(self.call.args[pos.index(name)])
        if self.sig is not None:
            value = self.sig.default(name) if name in self.sig.names else None
            # A parameter on its way out keeps its old default behaviour meanwhile (off).
            return None if value in ("deprecated", "warn") else value
        return _FALLBACK_DEFAULTS.get(self.name, {}).get(name, _COMMON_DEFAULTS.get(name, UNKNOWN))


def _value(node: ast.expr) -> object:
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) and isinstance(node.operand, ast.Constant):
        return -node.operand.value if isinstance(node.operand.value, (int, float)) else OTHER
    return OTHER


def _unknown(value: object) -> bool:
    return value is OTHER or value is UNKNOWN


def _flag(value: object) -> Verdict:
    """Random when a switch is on (or set from a variable)."""
    return YES if _unknown(value) or bool(value) else NO


def _one_of(value: object, random: tuple) -> Verdict:
    return YES if _unknown(value) or value in random else NO


def _shuffle(a: _Args) -> Verdict:
    return _flag(a["shuffle"])


def _pca(a: _Args) -> Verdict:
    solver = a["svd_solver"]
    # ARPACK starts from a random vector but converges to the same components (signs fixed).
    if solver in ("full", "covariance_eigh", "arpack"):
        return NO
    if solver != "auto":  # randomized, or not a literal
        return YES
    n = a["n_components"]
    # `auto` keeps the exact solver for all components, a fraction of the variance and "mle";
    # it picks the randomized one for a number of components on large inputs.
    if n is None or n == "mle" or (isinstance(n, float) and 0 < n < 1):
        return NO
    return _depends("randomized solver only for inputs over 500 rows and columns that are not tall and narrow")


def _kernel_pca(a: _Args) -> Verdict:
    # Dense and ARPACK (which `auto` picks) give the same eigenvectors whatever the seed.
    return _one_of(a["eigen_solver"], ("randomized",))


def _hist_gradient_boosting(a: _Args) -> Verdict:
    features = a["max_features"]
    if _unknown(features) or (features is not None and features < 1):
        return YES
    stop = a["early_stopping"]
    if stop == "auto":
        return _depends("early stopping on a random validation split only beyond 10,000 samples")
    return _flag(stop)


def _sgd(a: _Args) -> Verdict:
    return YES if _flag(a["shuffle"]).random or _flag(a["early_stopping"]).random else NO


def _linear_svm(a: _Args) -> Verdict:
    dual = a["dual"]
    if dual == "auto":
        return _depends("dual solver (random) only with more features than samples")
    return _flag(dual)


def _iterative_imputer(a: _Args) -> Verdict:
    if _flag(a["sample_posterior"]).random or a["imputation_order"] in ("random", OTHER):
        return YES
    return NO if a["n_nearest_features"] is None else YES


def _subsample(rows: str) -> Callable[[_Args], Verdict]:
    def check(a: _Args) -> Verdict:
        subsample = a["subsample"]
        if subsample is None:
            return NO
        if not a.given("subsample") and not _unknown(subsample):
            return _depends(f"random subsample only beyond {subsample:,} {rows}")
        return YES
    return check


def _kbins(a: _Args) -> Verdict:
    # Only the quantile strategy subsamples; explicit subsampling is reported, the default
    # (200,000 rows) only matters on very large data and is left alone.
    if a["strategy"] not in ("quantile", OTHER) or not a.given("subsample"):
        return NO
    return _flag(a["subsample"])


RULES: dict[str, Callable[[_Args], Verdict]] = {
    **dict.fromkeys(("KFold", "StratifiedKFold", "GroupKFold", "StratifiedGroupKFold", "learning_curve"),
                    _shuffle),
    "train_test_split": lambda a: NO if a["shuffle"] is False else YES,
    **dict.fromkeys(("SVC", "NuSVC"), lambda a: _flag(a["probability"])),
    **dict.fromkeys(("Ridge", "RidgeClassifier"), lambda a: _one_of(a["solver"], ("sag", "saga"))),
    # lbfgs, newton-cg and newton-cholesky are deterministic; sag, saga and liblinear shuffle.
    **dict.fromkeys(("LogisticRegression", "LogisticRegressionCV"),
                    lambda a: _one_of(a["solver"], ("sag", "saga", "liblinear"))),
    **dict.fromkeys(("Lasso", "ElasticNet", "MultiTaskLasso", "MultiTaskElasticNet", "LassoCV", "ElasticNetCV",
                     "MultiTaskLassoCV", "MultiTaskElasticNetCV"),
                    lambda a: _one_of(a["selection"], ("random",))),
    "PCA": _pca,
    "KernelPCA": _kernel_pca,
    # The dense solver is exact; ARPACK (what `auto` picks beyond 200 samples) flips signs by seed.
    "LocallyLinearEmbedding": lambda a: NO if a["eigen_solver"] == "dense" else YES,
    "TruncatedSVD": lambda a: NO if a["algorithm"] == "arpack" else YES,
    "DummyClassifier": lambda a: _one_of(a["strategy"], ("stratified", "uniform")),
    **dict.fromkeys(("ClassifierChain", "RegressorChain"), lambda a: _one_of(a["order"], ("random",))),
    "KBinsDiscretizer": _kbins,
    "QuantileTransformer": _subsample("rows"),
    "IterativeImputer": _iterative_imputer,
    **dict.fromkeys(("GaussianProcessRegressor", "GaussianProcessClassifier"),
                    lambda a: YES if _unknown(a["n_restarts_optimizer"]) or (a["n_restarts_optimizer"] or 0) > 0
                    else NO),
    **dict.fromkeys(("HistGradientBoostingClassifier", "HistGradientBoostingRegressor"), _hist_gradient_boosting),
    **dict.fromkeys(("SGDClassifier", "SGDRegressor", "SGDOneClassSVM", "Perceptron", "PassiveAggressiveClassifier",
                     "PassiveAggressiveRegressor"), _sgd),
    **dict.fromkeys(("LinearSVC", "LinearSVR"), _linear_svm),
    "silhouette_score": lambda a: NO if a["sample_size"] is None else YES,
    # One component: every initialisation ends at the data's own mean and covariance.
    **dict.fromkeys(("GaussianMixture", "BayesianGaussianMixture"), lambda a: NO if a["n_components"] == 1 else YES),
}


def randomness_used(name: str, call: ast.Call, sig: Signature | None = None) -> Verdict:
    """Whether scikit-learn's `name` uses its random_state when called like `call`."""
    check = RULES.get(name)
    return check(_Args(call, sig, name)) if check is not None else YES
