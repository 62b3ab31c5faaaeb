"""Rule NB504 fit-on-test-data: fit or fit_transform called on test data."""

from __future__ import annotations

from typing import Iterable

from ...context import LintContext
from ...findings import Finding, Severity
from ...rule import Rule
from .leakage_flow import data_flow


class FitOnTestData(Rule):
    """A model or preprocessing step is fitted on test data.

    ## What it does
    Reports `fit`, `fit_transform`, `partial_fit`, `fit_predict` and `fit_resample` called on
    test data: a value that came from the test part of `train_test_split` (by position,
    whatever its name), a value derived from it, or a name that says it is test or hold-out
    data (`X_test`, `test_df`, `holdout`). `transform`, `predict` and `score` on test data are
    fine.

    ## Why is this bad?
    The test set exists to estimate how the model does on data it has never seen. Fitting on
    it, even just a scaler with `fit_transform(X_test)`, lets the test rows shape the model:
    the reported score is optimistic, and a scaler re-fitted on test data applies a different
    transformation than the one the model was trained with, so predictions are off as well.

    ## Example
    ```python
    from sklearn.datasets import load_wine
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler
    X, y = load_wine(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
    scaler = StandardScaler()
    X_train = scaler.fit_transform(X_train)
    X_test = scaler.fit_transform(X_test)
    ```

    ## Use instead
    ```python
    from sklearn.datasets import load_wine
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler
    X, y = load_wine(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
    scaler = StandardScaler()
    X_train = scaler.fit_transform(X_train)
    X_test = scaler.transform(X_test)
    ```

    ## References
    - [scikit-learn: Common pitfalls, data leakage](https://scikit-learn.org/stable/common_pitfalls.html#data-leakage)
    - [Google ML crash course: dividing the original dataset](https://developers.google.com/machine-learning/crash-course/overfitting/dividing-datasets)
    """

    code = "NB504"
    name = "fit-on-test-data"
    category = "ml"
    severity = Severity.ERROR
    summary = "fit or fit_transform is called on test data"
    hint = "fit on the training data only; use transform/predict/score on the test data"

    def check(self, ctx: LintContext) -> Iterable[Finding]:
        for t in data_flow(ctx).test_fits:
            yield ctx.at_node(t.cell, t.analysis, t.call, f"`{t.method}` is called on `{t.data}`, {t.why}")
