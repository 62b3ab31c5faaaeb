"""Rule NB505 pickle-model-export: a model saved with pickle, joblib or torch.save of the whole object."""

from __future__ import annotations

import ast
import re
from typing import Iterable

from ...context import LintContext
from ...findings import Finding, Severity
from ...rule import Rule
from .data_roles import estimator_like, root_name
from .leakage_flow import DataFlow, data_flow


_PICKLE_DUMPS = frozenset({
    "pickle.dump", "pickle.dumps", "cPickle.dump", "cPickle.dumps", "_pickle.dump", "_pickle.dumps",
    "dill.dump", "dill.dumps", "cloudpickle.dump", "cloudpickle.dumps", "joblib.dump",
    "sklearn.externals.joblib.dump", "pickle5.dump",
})
_MODEL_WORDS = frozenset({"model", "models", "net", "network", "clf", "classifier", "regressor", "estimator",
                          "pipeline", "pipe", "encoder", "decoder", "generator", "discriminator", "module",
                          "learner", "booster", "gbm", "xgb", "lgbm", "rf", "svm", "knn", "tree",
                          "forest", "vae", "gan", "cnn", "rnn", "lstm", "mlp", "resnet", "bert", "transformer"})


class PickleModelExport(Rule):
    """A model is saved with pickle, joblib or `torch.save` of the whole object.

    ## What it does
    Reports `pickle.dump(s)` (and `cPickle`, `dill`, `cloudpickle`), `joblib.dump`, and
    `torch.save` of a whole model object. `torch.save(model.state_dict(), ...)` and checkpoint
    dicts are fine, as are data frames written with `to_parquet` or `to_pickle`.

    ## Why is this bad?
    A pickled model is a program: whoever loads it runs whatever code the file contains, so it
    cannot be safely shared, downloaded or served from a model registry. It is also tied to the
    exact library versions and class definitions that wrote it: upgrade scikit-learn or move the
    class out of the notebook and it no longer loads. Portable formats keep only the model: ONNX
    (`skl2onnx`, `torch.onnx`), skops for scikit-learn, `state_dict` with safetensors for
    PyTorch, Keras `.keras` files, and native formats such as XGBoost's `save_model`.

    ## Example
    ```python
    import joblib
    from sklearn.datasets import load_iris
    from sklearn.ensemble import RandomForestClassifier
    X, y = load_iris(return_X_y=True)
    model = RandomForestClassifier(random_state=0).fit(X, y)
    joblib.dump(model, "model.joblib")
    ```

    ## Use instead
    ```python
    import skops.io as sio
    from sklearn.datasets import load_iris
    from sklearn.ensemble import RandomForestClassifier
    X, y = load_iris(return_X_y=True)
    model = RandomForestClassifier(random_state=0).fit(X, y)
    sio.dump(model, "model.skops")
    ```

    ## References
    - [scikit-learn: Model persistence (ONNX, skops, pickle)](https://scikit-learn.org/stable/model_persistence.html)
    - [Python docs: pickle, warning on untrusted data](https://docs.python.org/3/library/pickle.html)
    - [PyTorch: Saving and loading models (state_dict)](https://pytorch.org/tutorials/beginner/saving_loading_models.html)
    - [sklearn-onnx](https://onnx.ai/sklearn-onnx/)
    - [Hugging Face: safetensors](https://huggingface.co/docs/safetensors/index)
    """

    code = "NB505"
    name = "pickle-model-export"
    # Security, not ml: the harm is that loading the file runs code (see unsafe-deserialization).
    category = "security"
    severity = Severity.WARNING
    summary = "a model is saved with pickle, joblib or torch.save of the whole object"
    hint = "export to ONNX or skops (scikit-learn), state_dict/safetensors (PyTorch), .keras or a native format"

    def check(self, ctx: LintContext) -> Iterable[Finding]:
        for cell, a, call, qual in ctx.calls():
            if qual in _PICKLE_DUMPS:
                obj = call.args[0] if call.args else next((k.value for k in call.keywords
                                                           if k.arg in ("obj", "value")), None)
                short = ".".join(qual.split(".")[-2:])
                what = _model_name(obj, data_flow(ctx))
                subject = (f"`{what}` is saved with `{short}`" if _says_model(what) else
                           f"the model `{what}` is saved with `{short}`") if what else f"`{short}` writes a pickle"
                yield ctx.at_node(cell, a, call, f"{subject}: loading the file runs arbitrary code and "
                                  "needs the exact library versions")
            elif qual == "torch.save":
                obj = call.args[0] if call.args else next((k.value for k in call.keywords if k.arg == "obj"), None)
                if obj is None or _is_state(obj):
                    continue
                what = _model_name(obj, data_flow(ctx))
                if what:
                    yield ctx.at_node(cell, a, call, f"`torch.save` pickles the whole model object `{what}`; "
                                      "save its `state_dict()` instead")


def _is_state(obj: ast.AST) -> bool:
    if isinstance(obj, ast.Call) and isinstance(obj.func, ast.Attribute) and obj.func.attr == "state_dict":
        return True
    return isinstance(obj, ast.Dict)  # a checkpoint: a dict of state dicts and numbers


def _model_name(obj: ast.AST | None, flow: DataFlow) -> str | None:
    if not isinstance(obj, (ast.Name, ast.Attribute)):
        return None
    root = root_name(obj)
    if root is None:
        return None
    shown = root if isinstance(obj, ast.Name) else ast.unparse(obj)
    if root in flow.models or estimator_like(flow.objects.get(root, "")):
        return shown
    tokens = set(re.split(r"[_\d]+", (obj.attr if isinstance(obj, ast.Attribute) else root).lower()))
    return shown if tokens & _MODEL_WORDS else None


def _says_model(shown: str) -> bool:
    """`model`, `best_model`, `self.model`: the name already says it is a model."""
    return "model" in shown.lower()
