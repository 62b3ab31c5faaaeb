"""Rule NB404 unsafe-deserialization: loading a format that can run code while it loads."""

from __future__ import annotations

import ast
from typing import Iterable, Iterator

from ....analysis import CellAnalysis
from ....notebook.model import Cell
from ...context import LintContext
from ...edits import ensure_from_import, node_text, replace_node
from ...findings import Applicability, Finding, Fix, Severity
from ...rule import Rule
from .call_args import call_arg, call_keyword, has_star_kwargs, is_const, on_magic_line


_PICKLE_LOADS = frozenset({
    "pickle.load", "pickle.loads", "pickle.Unpickler", "cPickle.load", "cPickle.loads",
    "_pickle.load", "_pickle.loads", "dill.load", "dill.loads", "cloudpickle.load",
    "cloudpickle.loads", "joblib.load", "sklearn.externals.joblib.load", "pandas.read_pickle",
    "shelve.open", "jsonpickle.decode", "marshal.load", "marshal.loads", "pickle5.load",
    "pickle5.loads",
})
_YAML_SAFE_LOADERS = frozenset({"SafeLoader", "CSafeLoader", "BaseLoader", "CBaseLoader"})
_YAML_UNSAFE_FUNCS = {"unsafe_load": "safe_load", "unsafe_load_all": "safe_load_all",
                      "full_load": "safe_load", "full_load_all": "safe_load_all"}


class UnsafeDeserialization(Rule):
    """A file is loaded with a format that can run code while it loads.

    ## What it does
    Reports `pickle.load(s)` (and `cPickle`, `dill`, `cloudpickle`), `joblib.load`,
    `pd.read_pickle`, `shelve.open`, `torch.load` without `weights_only=True`,
    `numpy.load(allow_pickle=True)`, `yaml.load` without a safe loader, `yaml.unsafe_load` and
    `yaml.full_load`. `yaml.load(..., Loader=yaml.SafeLoader)` and `yaml.safe_load` are fine.

    ## Why is this bad?
    Unpickling is running a program: a pickle file can call any function, so loading a
    model, a cache or a dataset from a shared drive, a download or a colleague runs whatever
    its author put in it, with your credentials. `yaml.load` with the default or full loader
    can likewise build arbitrary Python objects. Notebooks load such files routinely, and a
    notebook that becomes a pipeline or a service turns that into a remote code execution hole.

    ## Example
    ```python
    import pickle
    import yaml
    with open("config.yaml") as f:
        config = yaml.load(f, Loader=yaml.Loader)
    with open("model.pkl", "rb") as f:
        model = pickle.load(f)
    ```

    ## Use instead
    ```python
    import yaml
    from skops.io import load
    with open("config.yaml") as f:
        config = yaml.safe_load(f)
    model = load("model.skops")
    ```

    ## References
    - [Python docs: pickle, warning on untrusted data](https://docs.python.org/3/library/pickle.html)
    - [PyYAML: yaml.load(input) deprecation](https://github.com/yaml/pyyaml/wiki/PyYAML-yaml.load(input)-Deprecation)
    - [PyTorch: torch.load and weights_only](https://pytorch.org/docs/stable/generated/torch.load.html)
    - [skops: secure persistence of scikit-learn models](https://skops.readthedocs.io/en/stable/persistence.html)
    - [OWASP: Deserialization Cheat Sheet](https://cheatsheetseries.owasp.org/cheatsheets/Deserialization_Cheat_Sheet.html)
    """

    cell_local = True
    code = "NB404"
    name = "unsafe-deserialization"
    category = "security"
    severity = Severity.WARNING
    summary = "loading a file with pickle, joblib, torch.load or yaml.load can run code hidden in it (unsafe deserialization)"
    hint = "load only files you produced; prefer safe formats (skops, ONNX, safetensors, JSON, yaml.safe_load)"
    fix = Applicability.SAFE

    def check(self, ctx: LintContext) -> Iterable[Finding]:
        for cell, a, call, qual in ctx.calls():
            if not qual:
                continue
            short = ".".join(qual.split(".")[-2:])
            if qual in _PICKLE_LOADS:
                yield ctx.at_node(cell, a, call, f"`{short}` can run arbitrary code from the file it loads")
            elif qual == "torch.load":
                wo = call_keyword(call, "weights_only")
                if wo is None and not has_star_kwargs(call):
                    yield ctx.at_node(cell, a, call, "`torch.load` without `weights_only=True` unpickles "
                                      "arbitrary objects (the default before PyTorch 2.6)")
                elif is_const(wo, False):
                    yield ctx.at_node(cell, a, call, "`torch.load(weights_only=False)` unpickles "
                                      "arbitrary objects from the file")
            elif qual == "numpy.load":
                ap = call_keyword(call, "allow_pickle")
                if ap is not None and not is_const(ap, False):
                    yield ctx.at_node(cell, a, call, "`numpy.load(allow_pickle=True)` can run code "
                                      "from the file it loads")
            elif qual.startswith("yaml."):
                yield from self._yaml(ctx, cell, a, call, qual)

    def _yaml(self, ctx: LintContext, cell: Cell, a: CellAnalysis, call: ast.Call, qual: str) -> Iterator[Finding]:
        func = qual[len("yaml."):]
        if func in _YAML_UNSAFE_FUNCS:
            safe = _YAML_UNSAFE_FUNCS[func]
            yield ctx.at_node(cell, a, call, f"`yaml.{func}` can build arbitrary Python objects; "
                              f"use `yaml.{safe}`", fix=_yaml_fix(ctx, cell, a, call, safe))
            return
        if func not in ("load", "load_all"):
            return
        loader = call_arg(call, 1, "Loader")
        if loader is not None:
            lq = ctx.qualname(loader) or ""
            lname = lq.rsplit(".", 1)[-1] if lq.startswith("yaml.") else ""
            if lname in _YAML_SAFE_LOADERS:
                return
            if not lname:  # a loader we cannot resolve: maybe a safe subclass
                return
        safe = "safe_load" if func == "load" else "safe_load_all"
        how = "without a loader" if loader is None else f"with `{lname}`"
        yield ctx.at_node(cell, a, call, f"`yaml.{func}` {how} can build arbitrary Python objects; "
                          f"use `yaml.{safe}`", fix=_yaml_fix(ctx, cell, a, call, safe))


def _yaml_fix(ctx: LintContext, cell: Cell, a: CellAnalysis, call: ast.Call, safe: str) -> Fix | None:
    """`yaml.load(x, Loader=...)` -> `yaml.safe_load(x)`, keeping the notebook's yaml alias."""
    stream = call_arg(call, 0, "stream")
    others = [k for k in call.keywords if k.arg not in ("stream", "Loader")]
    if stream is None or others or len(call.args) > 2 or on_magic_line(a, call) \
            or any(isinstance(x, ast.Starred) for x in call.args):
        return None
    edits = []
    if isinstance(call.func, ast.Attribute):
        func = f"{node_text(a, call.func.value)}.{safe}"
    else:
        func, edits = ensure_from_import(ctx, "yaml", safe)
    arg = node_text(a, stream)
    edit = replace_node(cell, a, call, f"{func}({arg})")
    return Fix(f"use `{safe}`", (edit, *edits), Applicability.SAFE)
