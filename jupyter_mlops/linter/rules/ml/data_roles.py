"""What the leakage dataflow knows about names and calls: fits, splits, test data, estimators."""

from __future__ import annotations

import ast
import re
from typing import Iterator


FIT_METHODS = frozenset({"fit", "fit_transform", "partial_fit", "fit_predict", "fit_resample"})
_TRANSFORMER_PREFIXES = ("sklearn.preprocessing.", "sklearn.impute.", "sklearn.feature_selection.",
                         "sklearn.feature_extraction.", "sklearn.decomposition.", "sklearn.compose.",
                         "sklearn.random_projection.", "sklearn.kernel_approximation.",
                         "category_encoders.", "feature_engine.")
# Fitted on labels only: their state is the set of classes, which leaks no test rows.
_LABEL_ENCODERS = frozenset({"LabelEncoder", "LabelBinarizer", "MultiLabelBinarizer"})
SPLIT_FUNCS = frozenset({"sklearn.model_selection.train_test_split",
                          "sklearn.cross_validation.train_test_split"})
CV_FUNCS = frozenset({"cross_val_score", "cross_validate", "cross_val_predict", "learning_curve",
                       "validation_curve", "permutation_test_score"})
SEARCHES = frozenset({"GridSearchCV", "RandomizedSearchCV", "HalvingGridSearchCV", "HalvingRandomSearchCV"})
_TEST_WORDS = frozenset({"test", "testing", "holdout", "xtest", "ytest", "testx", "testy", "testset",
                         "testdata", "testdf", "dftest", "tst"})


# Methods `DataFlow._call` acts on; with the last parts of the split and cross-validation
# functions, every call by attribute it may act on.
FLOW_METHODS = FIT_METHODS | {"split", "transform"}
CALL_ATTRS = FLOW_METHODS | {q.rsplit(".", 1)[-1] for q in SPLIT_FUNCS} | CV_FUNCS


def is_transformer(qual: str | None) -> bool:
    if not qual or not qual.startswith(_TRANSFORMER_PREFIXES):
        return False
    last = qual.rsplit(".", 1)[-1]
    return last not in _LABEL_ENCODERS and (last[:1].isupper() or last == "make_column_transformer")


def root_name(node: ast.AST | None) -> str | None:
    """`df[cols].values` -> df, `X.to_numpy()` -> X, `np.asarray(X)` -> X."""
    for _ in range(100):
        if isinstance(node, ast.Name):
            return node.id
        if isinstance(node, (ast.Attribute, ast.Subscript, ast.Starred)):
            node = node.value
        elif isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Attribute) and not (isinstance(func.value, ast.Name) and node.args
                                                        and func.value.id[:1].islower() and len(func.value.id) <= 3):
                node = func.value  # a method: follow the object
            elif node.args:
                node = node.args[0]  # a function such as np.asarray(X): follow its data
            else:
                return None
        else:
            return None
    return None


# Fitted on held-out data by design: permutation importance, calibration of a prefit model.
EVALUATORS = ("eli5.", "sklearn.calibration.", "yellowbrick.", "sklearn.inspection.")


def is_subset(data: ast.AST | None, root: str) -> bool:
    """`df.loc[train_idx]`, `X[:n_train]`, `X_train`: a part of the data, not all of it."""
    if "train" in root.lower():
        return True
    for node in ast.walk(data) if data is not None else ():
        if isinstance(node, ast.Subscript):
            parts = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
            if any(isinstance(p, ast.Slice) and (p.lower or p.upper) and not isinstance(p.step, ast.AST)
                   and isinstance(parts[0], ast.Slice) for p in parts[:1]):
                return True
            if any("train" in n.id.lower() or "fold" in n.id.lower() for p in parts
                   for n in ast.walk(p) if isinstance(n, ast.Name)):
                return True
    return False


def says_test(name: str) -> bool:
    """`X_test`, `test_df`, `Xtest`, `holdout` ... (but not `X_train_test`, `latest`)."""
    tokens = [t for t in re.split(r"[_\d]+", name.lower()) if t]
    return any(t in _TEST_WORDS for t in tokens) and "train" not in tokens


def flat_statements(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """Statements that run at module level, in order (function and class bodies run later)."""
    out: list[ast.stmt] = []
    _flatten(body, out)
    return iter(out)


# Statements with no statements inside them: most of a notebook.
_SIMPLE = frozenset({ast.Expr, ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Return, ast.Delete, ast.Pass,
                     ast.Break, ast.Continue, ast.Import, ast.ImportFrom, ast.Global, ast.Nonlocal,
                     ast.Raise, ast.Assert})
_DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


def _flatten(body: list[ast.stmt], out: list[ast.stmt]) -> None:
    for stmt in body:
        if type(stmt) in _SIMPLE:
            out.append(stmt)
            continue
        if isinstance(stmt, _DEFINITIONS):
            continue
        out.append(stmt)
        for field_name in ("body", "orelse", "finalbody"):
            inner = getattr(stmt, field_name, None)
            if isinstance(inner, list):
                _flatten(inner, out)
        for handler in getattr(stmt, "handlers", ()) or ():
            _flatten(handler.body, out)
        for case in getattr(stmt, "cases", ()) or ():
            _flatten(case.body, out)


def estimator_like(qual: str) -> bool:
    last = qual.rsplit(".", 1)[-1]
    if last in ("create_model", "from_pretrained", "load_model", "Sequential", "Model"):
        return True
    return qual.startswith(("sklearn.", "xgboost.", "lightgbm.", "catboost.", "torch.nn.", "torchvision.models.",
                            "keras.", "tensorflow.keras.", "transformers.", "statsmodels.", "timm.")) \
        and last[:1].isupper() and not qual.startswith(("sklearn.model_selection.K", "sklearn.model_selection.Shuffle"))
