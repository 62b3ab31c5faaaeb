"""Rule NB503 preprocessing-leakage: a preprocessing step fitted before the train/test split."""

from __future__ import annotations

from typing import Iterable

from ...context import LintContext
from ...findings import Finding, Severity
from ...rule import Rule
from .leakage_flow import data_flow


class PreprocessingLeakage(Rule):
    """A scaler, encoder, imputer or selector is fitted before the data is split into train and test.

    ## What it does
    Follows values through the notebook in order. Reports a preprocessing step
    (`sklearn.preprocessing`, `impute`, `feature_selection`, `feature_extraction`,
    `decomposition`, `compose`, `category_encoders` ...) fitted with `fit`/`fit_transform` on
    data that has not been split yet, when its output, or anything derived from it, is later
    split with `train_test_split` or cross-validated (`cross_val_score`, `KFold().split`,
    `GridSearchCV().fit` ...). Fitting on the training part after the split, or inside a
    `Pipeline`, is fine.

    ## Why is this bad?
    The scaler's means, the imputer's medians, the encoder's categories and the selector's
    chosen features were computed with the test rows included. Information from the test set
    leaks into training, so the test score is optimistic: the model looks better than it will
    be on new data, and comparisons based on that score can pick the wrong model.

    ## Example
    ```python
    from sklearn.datasets import load_breast_cancer
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler
    X, y = load_breast_cancer(return_X_y=True)
    X_scaled = StandardScaler().fit_transform(X)
    X_train, X_test, y_train, y_test = train_test_split(X_scaled, y, random_state=0)
    ```

    ## Use instead
    ```python
    from sklearn.datasets import load_breast_cancer
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import train_test_split
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    X, y = load_breast_cancer(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
    model = make_pipeline(StandardScaler(), LogisticRegression())
    model.fit(X_train, y_train)
    ```

    ## References
    - [scikit-learn: Common pitfalls, data leakage](https://scikit-learn.org/stable/common_pitfalls.html#data-leakage)
    - [Kapoor & Narayanan, Leakage and the reproducibility crisis in machine-learning-based science (Patterns, 2023)](https://doi.org/10.1016/j.patter.2023.100804)
    """

    code = "NB503"
    name = "preprocessing-leakage"
    category = "ml"
    severity = Severity.ERROR
    summary = "a preprocessing step is fitted on data that is split into train/test afterwards"
    hint = "split first and fit preprocessing on the training part only, or put it in a Pipeline"

    def check(self, ctx: LintContext) -> Iterable[Finding]:
        for leak in data_flow(ctx).leaks:
            fit = leak.fit
            where = "in this cell" if leak.split_cell.index == fit.cell.index else f"in cell {leak.split_cell.index + 1}"
            yield ctx.at_node(fit.cell, fit.analysis, fit.call,
                              f"`{fit.transformer}` is fitted on `{fit.data}` before it is split "
                              f"(`{leak.split_name}` {where}): test rows leak into the preprocessing")
