"""Rules: ml. Seeds, random_state, leakage between train and test data, model export."""

from __future__ import annotations

import ast
import importlib.util
import re
from bisect import bisect_left
from dataclasses import dataclass, field
from functools import lru_cache
from operator import attrgetter
from pathlib import Path
from typing import Iterable, Iterator, NamedTuple

from ...analysis import CellAnalysis
from ...notebook.model import Cell
from ..context import LintContext
from ..edits import add_keyword, after_import_of, insert_lines
from ..findings import Applicability, Finding, Fix, Severity
from ..rule import Rule, register
from ._incremental import by_cell, calls_in, memo, names_key, previous, summaries

# -- random seeds ---------------------------------------------------------------------------

_NUMPY_NOT_DRAWS = frozenset({
    "seed", "default_rng", "RandomState", "Generator", "SeedSequence", "BitGenerator", "PCG64",
    "PCG64DXSM", "MT19937", "Philox", "SFC64", "get_state", "set_state", "bit_generator", "mtrand",
    "get_bit_generator", "set_bit_generator",
})
_RANDOM_DRAWS = frozenset({
    "random", "randint", "randrange", "choice", "choices", "shuffle", "sample", "uniform", "gauss",
    "normalvariate", "triangular", "betavariate", "expovariate", "gammavariate", "lognormvariate",
    "vonmisesvariate", "paretovariate", "weibullvariate", "getrandbits", "randbytes",
    "binomialvariate",
})
_TORCH_DRAWS = frozenset({
    "torch.rand", "torch.randn", "torch.randint", "torch.randperm", "torch.rand_like",
    "torch.randn_like", "torch.randint_like", "torch.normal", "torch.bernoulli", "torch.multinomial",
    "torch.poisson", "torch.utils.data.random_split",
})
_TORCH_INIT_NOT_DRAWS = frozenset({"calculate_gain", "constant_", "zeros_", "ones_", "eye_", "dirac_",
                                   "constant", "zeros", "ones", "eye", "dirac"})
_ALL = ("numpy", "random", "torch", "tensorflow")
_SEEDS: dict[str, tuple[str, ...]] = {
    "numpy.random.seed": ("numpy",),
    "random.seed": ("random",),
    "torch.manual_seed": ("torch",),
    "torch.random.manual_seed": ("torch",),
    "tensorflow.random.set_seed": ("tensorflow",),
    "tensorflow.set_random_seed": ("tensorflow",),
    "tensorflow.compat.v1.set_random_seed": ("tensorflow",),
    "tensorflow.compat.v1.random.set_random_seed": ("tensorflow",),
    "keras.utils.set_random_seed": ("numpy", "random", "tensorflow"),
    "tensorflow.keras.utils.set_random_seed": ("numpy", "random", "tensorflow"),
    "tf_keras.utils.set_random_seed": ("numpy", "random", "tensorflow"),
    "pytorch_lightning.seed_everything": ("numpy", "random", "torch"),
    "pytorch_lightning.utilities.seed.seed_everything": ("numpy", "random", "torch"),
    "lightning.seed_everything": ("numpy", "random", "torch"),
    "lightning.pytorch.seed_everything": ("numpy", "random", "torch"),
    "lightning.fabric.seed_everything": ("numpy", "random", "torch"),
    "transformers.set_seed": _ALL,
    "transformers.trainer_utils.set_seed": _ALL,
    "accelerate.utils.set_seed": ("numpy", "random", "torch"),
    "fastai.torch_core.set_seed": ("numpy", "random", "torch"),
}
# The first part of every qualified name the rule looks at: seeds, draws, generators.
_RANDOM_ROOTS = frozenset({q.partition(".")[0] for q in _SEEDS} | {"numpy", "random", "torch", "tensorflow"})
_NOTHING = ((), (), ())  # a cell without seeds, draws or generators
_LIB_LABEL = {"numpy": "NumPy", "random": "Python's `random`", "torch": "PyTorch", "tensorflow": "TensorFlow"}


def _rng_use(qual: str, call: ast.Call) -> str | None:
    """The library whose global random generator this call draws from, if any."""
    if any(kw.arg in ("seed", "random_state", "generator", "rng") for kw in call.keywords):
        return None
    if qual.startswith("numpy.random."):
        rest = qual[len("numpy.random."):]
        return "numpy" if "." not in rest and rest not in _NUMPY_NOT_DRAWS else None
    if qual.startswith("random."):
        return "random" if qual[len("random."):] in _RANDOM_DRAWS else None
    if qual in _TORCH_DRAWS:
        return "torch"
    if qual in ("torch.utils.data.DataLoader", "torch.utils.data.dataloader.DataLoader"):
        shuffle = next((k.value for k in call.keywords if k.arg == "shuffle"), None)
        if isinstance(shuffle, ast.Constant) and shuffle.value is True:
            return "torch"  # shuffles with torch's global generator unless given `generator=`
        return None
    if qual.startswith("torch.nn.init."):
        return "torch" if qual.rsplit(".", 1)[-1] not in _TORCH_INIT_NOT_DRAWS else None
    if qual.startswith("tensorflow.random."):
        name = qual[len("tensorflow.random."):]
        if name.startswith(("stateless_", "set_seed", "experimental", "Generator", "get_global",
                            "create_rng_state", "fold_in", "split")):
            return None
        return "tensorflow"
    return None


def _unseeded_generator(qual: str, call: ast.Call) -> str | None:
    """`np.random.default_rng()` and friends with no seed: a fresh, unrepeatable generator."""
    if qual in ("numpy.random.default_rng", "numpy.random.RandomState", "random.Random"):
        if any(k.arg is None for k in call.keywords) or any(isinstance(a, ast.Starred) for a in call.args):
            return None
        seed = call.args[0] if call.args else next((k.value for k in call.keywords if k.arg == "seed"), None)
        if seed is None or (isinstance(seed, ast.Constant) and seed.value is None):
            return qual.rsplit(".", 1)[-1]
    if qual == "tensorflow.random.Generator.from_non_deterministic_state":
        return "Generator.from_non_deterministic_state"
    return None


def _in_function(a: CellAnalysis, node: ast.AST) -> bool:
    p = a.parent(node)
    while p is not None:
        if isinstance(p, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            return True
        p = a.parent(p)
    return False


def _pos(cell: Cell, node: ast.AST) -> tuple[int, int, int]:
    return cell.index, getattr(node, "lineno", 0), getattr(node, "col_offset", 0)


@register
class MissingRandomSeed(Rule):
    """Random numbers are drawn before any seed is set.

    ## What it does
    Reports the first draw from a global random generator (NumPy's `np.random.*`, Python's
    `random.*`, PyTorch's `torch.rand*`/`torch.nn.init.*`, TensorFlow's `tf.random.*`) that no
    seed set above it in the notebook controls, once per library. Seeds are
    `np.random.seed`, `random.seed`, `torch.manual_seed`, `tf.random.set_seed`, and the
    all-in-one `keras.utils.set_random_seed`, `transformers.set_seed`, `lightning.seed_everything`.
    Generators created without a seed (`np.random.default_rng()`, `random.Random()`) are
    reported wherever they are created: a global seed does not control them.

    ## Why is this bad?
    Every run draws different numbers: a different shuffle, a different initialisation, a
    different sample. Metrics then move from run to run, so nobody can tell whether a change
    to the code or just the luck of the draw improved the model, and a reported result cannot
    be reproduced by a reviewer or by the production pipeline.

    ## Example
    ```python
    import numpy as np
    noise = np.random.normal(0, 1, size=100)
    ```

    ## Use instead
    ```python
    import numpy as np
    rng = np.random.default_rng(42)
    noise = rng.normal(0, 1, size=100)
    ```

    ## References
    - [NumPy: random sampling, best practice is a seeded Generator](https://numpy.org/doc/stable/reference/random/index.html)
    - [PyTorch: Reproducibility](https://pytorch.org/docs/stable/notes/randomness.html)
    - [TensorFlow: tf.random.set_seed](https://www.tensorflow.org/api_docs/python/tf/random/set_seed)
    - [scikit-learn: Controlling randomness](https://scikit-learn.org/stable/common_pitfalls.html#controlling-randomness)
    """

    code = "NB501"
    name = "missing-random-seed"
    category = "reproducibility"
    severity = Severity.WARNING
    summary = "a global random generator is used before any seed is set"
    hint = "seed it once, right after the imports (or use a seeded np.random.default_rng(SEED))"
    fix = Applicability.SAFE

    def check(self, ctx: LintContext) -> Iterable[Finding]:
        seeds: dict[str, list[tuple[int, int, int]]] = {}
        uses = []
        cells = ctx.analysis.parsed()
        # Each cell's seeds, draws and unseeded generators, reused between lints while it is unchanged.
        for (cell, a), (generators, cell_seeds, cell_uses) in zip(
                cells, summaries(ctx, self.name, cells, lambda calls: self._summaries(ctx, calls), _NOTHING)):
            yield from generators
            for pos, libs in cell_seeds:
                for lib in libs:
                    seeds.setdefault(lib, []).append(pos)
            # The call nodes are those of the analysis that summarised the cell: keep them together.
            uses.extend((pos, lib, cell, used_in, call, qual) for pos, lib, used_in, call, qual in cell_uses)
        reported: set[str] = set()
        for pos, lib, cell, a, call, qual in sorted(uses, key=lambda u: u[0]):
            if lib in reported:
                continue
            lib_seeds = seeds.get(lib, [])
            if lib_seeds and _in_function(a, call):
                continue  # runs when the function is called, most likely after the seed
            if any(s < pos for s in lib_seeds):
                continue
            reported.add(lib)
            later = " (it is seeded only further down)" if lib_seeds else ""
            shown = qual.replace("numpy.", "np.", 1).replace("tensorflow.", "tf.", 1)
            yield ctx.at_node(cell, a, call,
                              f"`{shown}` draws from {_LIB_LABEL[lib]}'s global generator, which is "
                              f"not seeded before this point{later}", fix=self._fix(ctx, lib))

    @staticmethod
    def _summaries(ctx: LintContext, calls: Iterable[tuple[Cell, CellAnalysis, ast.Call, str | None]]) -> dict:
        """{cell index: (findings for unseeded generators, [(position, libraries seeded)],
        [(position, library, analysis, call, qualified name)] of draws)} for cells with any."""
        found: dict[int, tuple[list, list, list]] = {}
        for cell, a, call, qual in calls:
            if not qual or qual.partition(".")[0] not in _RANDOM_ROOTS:
                continue
            if qual in _SEEDS:
                seed = call.args[0] if call.args else next((k.value for k in call.keywords), None)
                if seed is None or (isinstance(seed, ast.Constant) and seed.value is None):
                    continue  # `random.seed()` seeds from the clock: as good as no seed
                found.setdefault(cell.index, ([], [], []))[1].append((_pos(cell, call), _SEEDS[qual]))
                continue
            gen = _unseeded_generator(qual, call)
            if gen is not None:
                fix = None
                if not call.args and not call.keywords and call.lineno not in a.python.changed_lines:
                    fix = Fix(f"seed it with {ctx.config.seed}",
                              (add_keyword(cell, a, call, str(ctx.config.seed)),), Applicability.SAFE)
                found.setdefault(cell.index, ([], [], []))[0].append(
                    ctx.at_node(cell, a, call, f"`{gen}()` without a seed gives different numbers on "
                                "every run", fix=fix))
                continue
            lib = _rng_use(qual, call)
            if lib is not None:
                found.setdefault(cell.index, ([], [], []))[2].append((_pos(cell, call), lib, a, call, qual))
        return found

    @staticmethod
    def _fix(ctx: LintContext, lib: str) -> Fix | None:
        seed = ctx.config.seed
        imports = ctx.analysis.imports
        local = next((l for l, q in imports.items() if q == lib), None)
        text = {"numpy": "{}.random.seed({})", "random": "{}.seed({})", "torch": "{}.manual_seed({})",
                "tensorflow": "{}.random.set_seed({})"}[lib]
        if local is not None:
            line = text.format(local, seed)
        elif lib == "numpy" and (npr := next((l for l, q in imports.items() if q == "numpy.random"), None)):
            line = f"{npr}.seed({seed})"
        else:
            line = f"import {lib}\n" + text.format(lib, seed)
        cell, at = after_import_of(ctx, lib)
        analysis = ctx.analysis.cells.get(cell.index)
        if analysis is not None and at in analysis.python.changed_lines:
            return None
        return Fix(f"seed {_LIB_LABEL[lib]} with {seed} after the imports", (insert_lines(cell, at, line),),
                   Applicability.SAFE)


# -- random_state ---------------------------------------------------------------------------

# Used when scikit-learn is not installed where the linter runs, or a name cannot be resolved.
RANDOM_STATE_FALLBACK = frozenset({
    "train_test_split", "KFold", "StratifiedKFold", "GroupKFold", "StratifiedGroupKFold",
    "ShuffleSplit", "StratifiedShuffleSplit", "GroupShuffleSplit", "RepeatedKFold",
    "RepeatedStratifiedKFold", "RandomizedSearchCV", "HalvingRandomSearchCV", "HalvingGridSearchCV",
    "RandomForestClassifier", "RandomForestRegressor", "ExtraTreesClassifier", "ExtraTreesRegressor",
    "GradientBoostingClassifier", "GradientBoostingRegressor", "HistGradientBoostingClassifier",
    "HistGradientBoostingRegressor", "DecisionTreeClassifier", "DecisionTreeRegressor",
    "ExtraTreeClassifier", "ExtraTreeRegressor", "LogisticRegression", "LogisticRegressionCV",
    "SGDClassifier", "SGDRegressor", "SGDOneClassSVM", "PassiveAggressiveClassifier",
    "PassiveAggressiveRegressor", "MLPClassifier", "MLPRegressor", "KMeans", "MiniBatchKMeans",
    "BisectingKMeans", "PCA", "TruncatedSVD", "NMF", "FastICA", "TSNE", "GaussianMixture",
    "BayesianGaussianMixture", "IsolationForest", "BaggingClassifier", "BaggingRegressor",
    "AdaBoostClassifier", "AdaBoostRegressor", "SVC", "NuSVC", "LinearSVC", "LinearSVR", "Ridge",
    "RidgeClassifier", "Lasso", "ElasticNet", "SpectralClustering", "make_classification",
    "make_regression", "make_blobs", "make_moons", "make_circles", "shuffle", "resample",
    "permutation_importance", "DummyClassifier", "IterativeImputer", "QuantileTransformer",
    "RandomTreesEmbedding", "mutual_info_classif", "mutual_info_regression",
    "LatentDirichletAllocation", "SpectralEmbedding", "Nystroem", "RBFSampler",
    "GaussianRandomProjection", "SparseRandomProjection", "learning_curve", "MiniBatchNMF",
    "DictionaryLearning", "MiniBatchDictionaryLearning", "SparsePCA", "MiniBatchSparsePCA",
    "RANSACRegressor", "TheilSenRegressor", "MDS", "KernelPCA", "LocallyLinearEmbedding",
    "KBinsDiscretizer",
})
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


@dataclass(frozen=True)
class Signature:
    positional: tuple[str, ...]  # parameters that may be passed by position, in order
    names: frozenset[str]
    var_kw: bool
    random_state_default: str  # "none", "value" (a fixed default) or "" (no such parameter)


@lru_cache(maxsize=1)
def _sklearn_dir() -> Path | None:
    try:
        spec = importlib.util.find_spec("sklearn")  # locates the package without importing it
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


@lru_cache(maxsize=32)
def _module_source(module: str) -> tuple[str, str] | None:
    """(source text, package) of a scikit-learn module, or None."""
    root = _sklearn_dir()
    if root is None or not (module == "sklearn" or module.startswith("sklearn.")):
        return None
    base = root.joinpath(*module.split(".")[1:])
    for path, is_pkg in ((base / "__init__.py", True), (base.with_suffix(".py"), False)):
        if path.is_file():
            try:
                return path.read_text(encoding="utf-8"), module if is_pkg else module.rpartition(".")[0]
            except (OSError, UnicodeDecodeError):
                return None
    return None


def _closing_paren(text: str, start: int) -> int:
    """Index of the parenthesis closing the one at `start` (strings skipped), or -1."""
    depth, quote, i = 0, "", start
    while i < len(text):
        ch = text[i]
        if quote:
            if ch == "\\":
                i += 1
            elif ch == quote:
                quote = ""
        elif ch in "'\"":
            quote = ch
        elif ch == "#":
            i = text.find("\n", i)
            if i < 0:
                return -1
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return -1


def _params(text: str, open_paren: int, skip_self: bool) -> Signature | None:
    close = _closing_paren(text, open_paren)
    if close < 0:
        return None
    try:
        tree = ast.parse(f"def f({text[open_paren + 1:close]}): pass")
    except (SyntaxError, ValueError):
        return None
    func = tree.body[0]
    assert isinstance(func, ast.FunctionDef)
    return _signature_of(func.args, skip_self)


_IMPORT_RE = re.compile(r"^[ \t]*from[ \t]+(\.*[\w.]*)[ \t]+import[ \t]+(\([^)]*\)|[^\n]*)", re.MULTILINE)


def _find_in_source(module: str, name: str, depth: int) -> Signature | None:
    """Find `name` in a module's text: its def, its class's __init__ (or a base's), or the
    import it comes from. Text search plus parsing only the signature: parsing whole
    scikit-learn modules would cost ~15 ms each on every cold run."""
    found = _module_source(module)
    if found is None:
        return None
    text, package = found
    esc = re.escape(name)
    m = re.search(rf"^def[ \t]+{esc}[ \t]*\(", text, re.MULTILINE) if f"def {name}" in text else None
    if m:
        return _params(text, m.end() - 1, skip_self=False)
    m = re.search(rf"^class[ \t]+{esc}\b[ \t]*(\()?", text, re.MULTILINE) if f"class {name}" in text else None
    if m:
        bases: list[str] = []
        body_start = m.end()
        if m.group(1):
            close = _closing_paren(text, m.end() - 1)
            if close < 0:
                return None
            bases = [b.strip() for b in re.sub(r"#[^\n]*", "", text[m.end():close]).split(",")]
            body_start = close
        nxt = re.search(r"^\S", text[body_start:], re.MULTILINE)  # the class body ends at column 0
        body_end = body_start + nxt.start() if nxt else len(text)
        # the first line after the header is at column 0 only for an empty body; skip the header line
        header_end = text.find("\n", body_start)
        if nxt and header_end >= 0 and body_start + nxt.start() <= header_end:
            nxt = re.search(r"^\S", text[header_end + 1:], re.MULTILINE)
            body_end = header_end + 1 + nxt.start() if nxt else len(text)
        init = re.compile(r"^[ \t]+def[ \t]+__init__[ \t]*\(", re.MULTILINE).search(text, body_start, body_end)
        if init:
            return _params(text, init.end() - 1, skip_self=True)
        for base in bases:
            if base.isidentifier():
                sig = _find_definition(module, base, depth + 1)
                if sig is not None:
                    return sig
        return None
    for im in _IMPORT_RE.finditer(text):
        names = re.sub(r"#[^\n]*", "", im.group(2)).strip("() \t\n\\")
        for item in names.split(","):
            parts = item.split()
            if not parts:
                continue
            original, local = parts[0], parts[-1] if len(parts) == 3 and parts[1] == "as" else parts[0]
            if local != name:
                continue
            target = im.group(1)
            level = len(target) - len(target.lstrip("."))
            if level:
                base_mod = package
                for _ in range(level - 1):
                    base_mod = base_mod.rpartition(".")[0]
                rest = target.lstrip(".")
                target = f"{base_mod}.{rest}" if rest else base_mod
            return _find_definition(target, original, depth + 1)
    return None


def _signature_of(args: ast.arguments, skip_self: bool) -> Signature:
    positional = [a.arg for a in (*args.posonlyargs, *args.args)]
    if skip_self and positional:
        positional = positional[1:]
    names = set(positional) | {a.arg for a in args.kwonlyargs}
    default = ""
    all_pos = [*args.posonlyargs, *args.args]
    for a, d in zip(all_pos[len(all_pos) - len(args.defaults):], args.defaults):
        if a.arg == "random_state":
            default = "none" if isinstance(d, ast.Constant) and d.value is None else "value"
    for a, d in zip(args.kwonlyargs, args.kw_defaults):
        if a.arg == "random_state":
            default = "none" if d is None or (isinstance(d, ast.Constant) and d.value is None) else "value"
    if "random_state" in names and not default:
        default = "none"  # a required parameter
    return Signature(tuple(positional), frozenset(names), args.kwarg is not None, default)


def _find_definition(module: str, name: str, depth: int = 0) -> Signature | None:
    return _find_in_source(module, name, depth) if depth <= 8 else None


@lru_cache(maxsize=1024)
def sklearn_signature(qualname: str) -> Signature | None:
    """Parameters of a scikit-learn class or function, read statically from the installed
    package's source. Importing scikit-learn would cost about a second and ~100 MB per lint
    run; parsing the one or two files that define a name costs milliseconds, once."""
    module, _, name = qualname.rpartition(".")
    return _find_definition(module, name) if module.startswith("sklearn") else None


def takes_random_state(qualname: str) -> Signature | None:
    """A signature when `qualname` is a scikit-learn callable whose `random_state` defaults to
    None (calls without it are random); None otherwise."""
    if not qualname.startswith("sklearn."):
        return None
    sig = sklearn_signature(qualname)
    if sig is not None:
        return sig if sig.random_state_default == "none" else None
    if qualname.rsplit(".", 1)[-1] in RANDOM_STATE_FALLBACK:
        return Signature((), frozenset({"random_state"}), False, "none")
    return None


@register
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


# -- dataflow for leakage -------------------------------------------------------------------

_FIT = frozenset({"fit", "fit_transform", "partial_fit", "fit_predict", "fit_resample"})
_TRANSFORMER_PREFIXES = ("sklearn.preprocessing.", "sklearn.impute.", "sklearn.feature_selection.",
                         "sklearn.feature_extraction.", "sklearn.decomposition.", "sklearn.compose.",
                         "sklearn.random_projection.", "sklearn.kernel_approximation.",
                         "category_encoders.", "feature_engine.")
# Fitted on labels only: their state is the set of classes, which leaks no test rows.
_LABEL_ENCODERS = frozenset({"LabelEncoder", "LabelBinarizer", "MultiLabelBinarizer"})
_SPLIT_FUNCS = frozenset({"sklearn.model_selection.train_test_split",
                          "sklearn.cross_validation.train_test_split"})
_CV_FUNCS = frozenset({"cross_val_score", "cross_validate", "cross_val_predict", "learning_curve",
                       "validation_curve", "permutation_test_score"})
_SEARCHES = frozenset({"GridSearchCV", "RandomizedSearchCV", "HalvingGridSearchCV", "HalvingRandomSearchCV"})
_TEST_WORDS = frozenset({"test", "testing", "holdout", "xtest", "ytest", "testx", "testy", "testset",
                         "testdata", "testdf", "dftest", "tst"})


# Methods `DataFlow._call` acts on; with the last parts of the split and cross-validation
# functions, every call by attribute it may act on.
_METHODS = _FIT | {"split", "transform"}
_CALL_ATTRS = _METHODS | {q.rsplit(".", 1)[-1] for q in _SPLIT_FUNCS} | _CV_FUNCS


def _is_transformer(qual: str | None) -> bool:
    if not qual or not qual.startswith(_TRANSFORMER_PREFIXES):
        return False
    last = qual.rsplit(".", 1)[-1]
    return last not in _LABEL_ENCODERS and (last[:1].isupper() or last == "make_column_transformer")


def _root_name(node: ast.AST | None) -> str | None:
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
_EVALUATORS = ("eli5.", "sklearn.calibration.", "yellowbrick.", "sklearn.inspection.")


def _is_subset(data: ast.AST | None, root: str) -> bool:
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


def _flat_statements(body: list[ast.stmt]) -> Iterator[ast.stmt]:
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


_START = attrgetter("lineno", "col_offset")
_END = attrgetter("end_lineno", "end_col_offset")
_COMPOUND = (ast.For, ast.AsyncFor, ast.While, ast.If, ast.With, ast.AsyncWith, ast.Try, ast.Match)


class _CellNodes:
    """A cell's calls and name reads sorted by position, so each statement finds its own with a
    binary search instead of walking its subtree again."""

    def __init__(self, a: CellAnalysis) -> None:
        # Only calls the dataflow acts on (see `DataFlow._call`): a function given by name, or a
        # method named like a fit, transform, split or cross-validation.
        self.calls = sorted([c for c in a.nodes(ast.Call) if type(c.func) is ast.Name
                             or (type(c.func) is ast.Attribute and c.func.attr in _CALL_ATTRS)], key=_START)
        self.call_keys = [(n.lineno << 32) + n.col_offset for n in self.calls]
        self._analysis = a
        self._names: list[ast.Name] | None = None  # sorted when a statement first needs them
        self._name_keys: list[int] = []

    @staticmethod
    def own_range(stmt: ast.stmt) -> tuple[int, int]:
        """Where a statement's own expressions are: all of it, or a compound statement's header.
        Positions are (line << 32) + column: ints order like (line, column) pairs."""
        start = (stmt.lineno << 32) + stmt.col_offset
        if isinstance(stmt, _COMPOUND):
            first = stmt.cases[0].pattern if isinstance(stmt, ast.Match) and stmt.cases else \
                (stmt.body[0] if getattr(stmt, "body", None) else None)
            if first is None:
                return start, start
            return start, (first.lineno << 32) + first.col_offset
        return start, ((stmt.end_lineno or stmt.lineno) << 32) + (stmt.end_col_offset or 0) + 1

    def reads_in(self, node: ast.AST) -> set[str]:
        lo = (node.lineno << 32) + node.col_offset
        hi = ((node.end_lineno or node.lineno) << 32) + (node.end_col_offset or 0)
        names = self._names
        if names is None:
            names = self._names = sorted([n for n in self._analysis.nodes(ast.Name) if type(n.ctx) is ast.Load],
                                         key=_START)
            self._name_keys = [(n.lineno << 32) + n.col_offset for n in names]
        keys = self._name_keys
        return {n.id for n in names[bisect_left(keys, lo):bisect_left(keys, hi)]}


class _CellPlan:
    """What the dataflow needs from one cell, worked out once per cell text (kept on its analysis):
    the statements that run at module level, each with its calls in run order and the names its
    assigned value reads, and every name the cell mentions."""

    def __init__(self, a: CellAnalysis) -> None:
        # Each statement finds its calls by binary search over the sorted calls, in the loop itself:
        # opening a notebook runs this for every statement.
        self.steps: list[tuple[ast.stmt, list[ast.Call], set[str] | None]] = []
        steps = self.steps
        if a.tree is not None:
            nodes = _CellNodes(a)
            calls, call_keys = nodes.calls, nodes.call_keys
            own_range, reads_in = nodes.own_range, nodes.reads_in
            for stmt in _flat_statements(a.tree.body):
                kind = type(stmt)
                value = stmt.value if kind in _ASSIGNS else stmt.iter if kind in _LOOPS else None
                found = calls
                if calls:
                    lo, hi = own_range(stmt)
                    i = bisect_left(call_keys, lo)
                    found = calls[i:bisect_left(call_keys, hi, i)]
                    if len(found) > 1:  # inner calls run first: `scaler.fit(X).transform(Y)`
                        found.sort(key=_END)
                if found or value is not None:  # other statements change nothing the pass tracks
                    steps.append((stmt, found, reads_in(value) if value is not None else None))
        self._calls = a.nodes(ast.Call)
        self.classes: list[ast.ClassDef] = a.nodes(ast.ClassDef)
        self._triggers: bool | None = None
        # The node list, not the analysis: the plan is kept on the analysis, and a reference
        # back would make a cycle that keeps evicted cells' trees alive until a full collection.
        self._name_nodes: list[ast.Name] = a.nodes(ast.Name)
        self._names: frozenset[str] | None = None

    @property
    def names(self) -> frozenset[str]:
        """Everything the pass may read or write for this cell is keyed by one of these names."""
        if self._names is None:
            self._names = frozenset({n.id for n in self._name_nodes})
        return self._names

    @property
    def triggers(self) -> bool:
        """Does the cell fit or save anything? Without that, the notebook has nothing to report."""
        if self._triggers is None:
            self._triggers = any(isinstance(c.func, ast.Attribute) and (c.func.attr in _FIT or c.func.attr in _DUMPS)
                                 for c in self._calls)
        return self._triggers


_DUMPS = ("dump", "dumps", "save")
_ASSIGNS = (ast.Assign, ast.AnnAssign, ast.AugAssign)
_LOOPS = (ast.For, ast.AsyncFor)
_DEL = object()  # a write that removes the name


class _CellRecord(NamedTuple):
    """One cell's effect on the dataflow: replayed on the next lint when nothing it reads changed."""

    writes: tuple  # (name, its value in each state or _DEL, in models) after the cell
    keys: set[str]  # the names written
    leaks: list
    test_fits: list
    consulted: list  # fits whose leak reports this cell looked up (a leak is reported once)


_NO_EFFECT = _CellRecord((), frozenset(), [], [], [])  # shared: never changed


def _differing(writes: tuple, before: tuple) -> set[str]:
    """Names whose state after the cell differs between two records of it. Fits compare by
    identity: a leak is reported once per fit object."""
    old = {w[0]: w for w in before}
    differ = {w[0] for w in before}.difference(w[0] for w in writes)
    for w in writes:
        o = old.get(w[0])
        if o is None or not (w[1] == o[1] and w[2] == o[2] and w[3] == o[3] and w[4] is o[4]
                             and w[5] is o[5] and w[6] == o[6]):
            differ.add(w[0])
    return differ


@dataclass
class FitEvent:
    cell: Cell
    analysis: CellAnalysis
    call: ast.Call
    transformer: str  # class name
    data: str  # root name of the data it was fitted on


@dataclass
class Leak:
    fit: FitEvent
    split_cell: Cell
    split_name: str


@dataclass
class TestFit:
    cell: Cell
    analysis: CellAnalysis
    call: ast.Call
    method: str
    data: str
    why: str


_MAX_LINEAGE = 64
_MODULE_CHAIN = frozenset({"to", "cuda", "cpu", "eval", "train", "float", "double", "half", "bfloat16",
                           "requires_grad_", "share_memory"})
_MODEL_BASES = ("torch.nn.", "pytorch_lightning.", "lightning.", "keras.", "tensorflow.keras.",
                "sklearn.base.", "flax.linen.", "haiku.")


@dataclass
class DataFlow:
    """A forward pass over the notebook in order: where each value comes from.

    Deliberately simple (names, not objects): `B = f(A, ...)` makes B derive from A;
    the outputs of `train_test_split` start fresh lineages, tagged train or test by position.
    """

    ctx: LintContext
    objects: dict[str, str] = field(default_factory=dict)  # name -> qualname of its constructor
    lineage: dict[str, set[str]] = field(default_factory=dict)  # name -> names it derives from
    split_role: dict[str, tuple[str, int]] = field(default_factory=dict)  # name -> (train|test, cell)
    fitted: dict[str, FitEvent] = field(default_factory=dict)  # transformer -> its fit on unsplit data
    tainted: dict[str, FitEvent] = field(default_factory=dict)  # name -> fit whose output it holds
    leaks: list[Leak] = field(default_factory=list)
    test_fits: list[TestFit] = field(default_factory=list)
    models: set[str] = field(default_factory=set)  # names holding estimators
    model_classes: set[str] = field(default_factory=set)  # notebook classes deriving from nn.Module ...
    _written: set = field(default_factory=set, repr=False)  # names the current cell writes
    _consulted: list = field(default_factory=list, repr=False)

    def run(self) -> DataFlow:
        plans = [(cell, a, memo(a, "_ml_cell_plan", _CellPlan)) for cell, a in self.ctx.analysis.parsed()]
        # Nothing is fitted and nothing is dumped: no leakage to find (most notebooks; fast).
        if not any(plan.triggers for _, _, plan in plans):
            return self
        qualname = self.ctx.qualname
        for _, _, plan in plans:
            for cls in plan.classes:
                if any(estimator_like(qualname(b) or "") or
                       (qualname(b) or "").startswith(_MODEL_BASES) for b in cls.bases):
                    self.model_classes.add(cls.name)
        self._dicts = (self.objects, self.lineage, self.split_role, self.fitted, self.tainted)
        self._imports = self.ctx.analysis.imports
        self._incremental(plans)
        return self

    def _incremental(self, plans: list[tuple[Cell, CellAnalysis, _CellPlan]]) -> None:
        """Run the cells in order, replaying the previous lint's record of a cell instead when the
        cell (index, id, text) is unchanged and reads no name whose value may now differ.

        `changed` holds the names whose state may differ from the previous lint's at this point:
        those written by cells that were edited, added, removed or re-run. A replayed cell
        writes only names it mentions, none of them in `changed`, so the set only grows."""
        cache = self.ctx.cache
        slot = ("ml.data_flow", self.ctx.notebook.path)
        valid = (names_key(self.ctx), frozenset(self.model_classes))
        saved = previous(cache, slot, valid) if cache is not None else None
        old_order, old_records = saved if isinstance(saved, tuple) else ((), {})
        old_pos = {k: i for i, k in enumerate(old_order)}
        order: list[tuple] = []
        records: dict[tuple, _CellRecord] = {}
        changed: set[str] = set()
        diverged: set[int] = set()  # ids of fits whose leak reports may differ
        pos = 0
        for cell, a, plan in plans:
            k = (cell.index, cell.id, cell.source)
            rec = old_records.get(k)
            q = old_pos.get(k, -1) if rec is not None else -1
            if q >= pos:
                for dropped in old_order[pos:q]:  # cells removed (or no longer parsed) since
                    gone = old_records[dropped]
                    changed |= gone.keys
                    diverged.update(id(leak.fit) for leak in gone.leaks)
                pos = q + 1
                if self._unaffected(rec, plan, changed, diverged):
                    self._replay(rec)
                else:
                    new = self._run_cell(cell, a, plan)
                    differ = _differing(new.writes, rec.writes)
                    changed |= differ
                    # Names this run left as the previous one did agree again from here on.
                    changed -= (new.keys & rec.keys) - differ
                    if [(id(l.fit), l.split_cell.index, l.split_name) for l in new.leaks] != \
                            [(id(l.fit), l.split_cell.index, l.split_name) for l in rec.leaks]:
                        diverged.update(id(leak.fit) for leak in (*new.leaks, *rec.leaks))
                    rec = new
            else:
                rec = self._run_cell(cell, a, plan)
                changed |= rec.keys
                if rec.leaks:
                    diverged.update(id(leak.fit) for leak in rec.leaks)
            order.append(k)
            records[k] = rec
        if cache is not None:
            cache.store_state(slot, (valid, (tuple(order), records)))

    def _unaffected(self, rec: _CellRecord, plan: _CellPlan, changed: set[str], diverged: set[int]) -> bool:
        if diverged and any(id(fit) in diverged for fit in rec.consulted):
            return False
        if not changed:
            return True
        names = plan.names
        if not changed.isdisjoint(names):
            return False
        # It also reads what its names derive from (the taint and split role of their sources).
        lineage = self.lineage
        for name in names:
            sources = lineage.get(name)
            if sources is not None and not changed.isdisjoint(sources):
                return False
        return True

    def _replay(self, rec: _CellRecord) -> None:
        for name, *values, model in rec.writes:
            for state, value in zip(self._dicts, values):
                if value is _DEL:
                    state.pop(name, None)
                else:
                    state[name] = value
            if model:
                self.models.add(name)
        self.leaks.extend(rec.leaks)
        self.test_fits.extend(rec.test_fits)

    def _run_cell(self, cell: Cell, a: CellAnalysis, plan: _CellPlan) -> _CellRecord:
        if not plan.steps:
            return _NO_EFFECT
        written = self._written = set()
        consulted = self._consulted = []
        leaks, test_fits = len(self.leaks), len(self.test_fits)
        for stmt, calls, reads in plan.steps:
            self._statement(cell, a, stmt, calls, reads)
        # A cell writes only to the names it mentions: its effect is their state afterwards.
        objects, lineage, split_role, fitted, tainted = self._dicts
        models = self.models
        writes = tuple((name, objects.get(name, _DEL), lineage.get(name, _DEL), split_role.get(name, _DEL),
                        fitted.get(name, _DEL), tainted.get(name, _DEL), name in models) for name in written)
        return _CellRecord(writes, written, self.leaks[leaks:], self.test_fits[test_fits:], consulted)

    def _bounded(self, names: set[str]) -> set[str]:
        """Keep lineages small on long chains of derived names (a 5,000-cell notebook would
        otherwise cost quadratic time): beyond a size only the names that matter stay, those
        holding a fitted transformer's output or a part of a split."""
        if len(names) <= _MAX_LINEAGE:
            return names
        return {n for n in names if n in self.tainted or n in self.split_role}

    def _ancestry(self, name: str) -> set[str]:
        return self.lineage.get(name, {name})

    def _test_reason(self, name: str) -> str | None:
        role = self.split_role.get(name)
        if role is not None:
            return f"which is the test part of the split in cell {role[1] + 1}" if role[0] == "test" else None
        return "which by its name is test data" if says_test(name) else None

    def _receiver_qual(self, node: ast.AST) -> str | None:
        if isinstance(node, ast.Name):
            return self.objects.get(node.id)
        if isinstance(node, ast.Call):
            return self.ctx.qualname(node.func)
        return None

    def _statement(self, cell: Cell, a: CellAnalysis, stmt: ast.stmt, calls: list[ast.Call],
                   reads: set[str] | None) -> None:
        taint: FitEvent | None = None
        imports = self._imports
        for call in calls:
            # A function called by a name that is not imported is a builtin or the notebook's own:
            # never a split or a cross-validation (`_call` would resolve it to nothing to do).
            if type(call.func) is ast.Name and call.func.id not in imports:
                continue
            taint = self._call(cell, a, call) or taint
        if reads is None:
            return
        if isinstance(stmt, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
            for t in targets:
                self._assign(cell, t, stmt.value, reads, taint, augmented=isinstance(stmt, ast.AugAssign))
        else:
            self._assign(cell, stmt.target, stmt.iter, reads, taint)

    def _assign(self, cell: Cell, target: ast.AST, value: ast.AST, reads: set[str], taint: FitEvent | None,
                augmented: bool = False) -> None:
        if isinstance(target, (ast.Tuple, ast.List)) and isinstance(value, ast.Call) \
                and self.ctx.qualname(value.func) in _SPLIT_FUNCS:
            n = len(target.elts)
            # A 50/50 split is often two-fold cross-validation: both halves get fitted on.
            halves = any(k.arg in ("test_size", "train_size") and isinstance(k.value, ast.Constant)
                         and k.value.value == 0.5 for k in value.keywords)
            for i, elt in enumerate(target.elts):
                if isinstance(elt, ast.Name):
                    # train_test_split(a, b) returns a_train, a_test, b_train, b_test.
                    role = "test" if (n % 2 == 0 and i % 2 == 1 and not halves) else "train"
                    self._written.add(elt.id)
                    self.split_role[elt.id] = (role, cell.index)
                    self.lineage[elt.id] = {elt.id}
                    self.tainted.pop(elt.id, None)
            return
        derived: set[str] = set()
        lineage = self.lineage
        for r in reads:
            sources = lineage.get(r)
            if sources is None:
                derived.add(r)
            else:
                derived |= sources
        tainted = self.tainted
        if taint is None and tainted and not tainted.keys().isdisjoint(derived):
            taint = next((tainted[r] for r in sorted(derived) if r in tainted), None)
        if isinstance(target, (ast.Tuple, ast.List)):
            for elt in target.elts:
                self._assign(cell, elt, value, reads, taint)
            return
        if isinstance(target, ast.Starred):
            target = target.value
        if isinstance(target, ast.Name):
            self._bind(cell, target.id, value, reads, derived, taint, augmented)
        elif isinstance(target, (ast.Subscript, ast.Attribute)):
            root = _root_name(target)
            if root is not None:
                self._written.add(root)
                self.lineage[root] = self._bounded(self._ancestry(root) | derived)
                if taint is not None:
                    self.tainted[root] = taint

    def _bind(self, cell: Cell, name: str, value: ast.AST, reads: set[str], derived: set[str],
              taint: FitEvent | None, augmented: bool) -> None:
        self._written.add(name)
        if augmented:
            derived = derived | self._ancestry(name)
        else:
            self.split_role.pop(name, None)
        derived.add(name)  # a set of this binding's own (see `_assign`)
        self.lineage[name] = self._bounded(derived)
        if taint is not None:
            self.tainted[name] = taint
        elif not augmented:
            self.tainted.pop(name, None)
        # Test-ness flows through copies and transforms of test data.
        roles = self.split_role
        if not augmented and roles and not roles.keys().isdisjoint(reads):
            test = sorted(r for r in reads if roles.get(r, ("", 0))[0] == "test")
            train = [r for r in reads if roles.get(r, ("", 0))[0] == "train"]
            if test and not train:
                roles[name] = roles[test[0]]
        self.objects.pop(name, None)
        # `model = Net().to(device)`: look through device moves and mode switches.
        while isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) \
                and value.func.attr in _MODULE_CHAIN and isinstance(value.func.value, ast.Call):
            value = value.func.value
        if isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id in self.model_classes:
            self.models.add(name)
        if isinstance(value, ast.Call):
            qual = self.ctx.qualname(value.func)
            if qual:
                self.objects[name] = qual
                if estimator_like(qual):
                    self.models.add(name)
            elif isinstance(value.func, ast.Attribute) and value.func.attr in _FIT:
                base = _root_name(value.func.value)
                if base in self.objects:  # `model = RandomForestClassifier().fit(X, y)`
                    self.objects[name] = self.objects[base]
                if base in self.models or (isinstance(value.func.value, ast.Call)
                                           and estimator_like(self.ctx.qualname(value.func.value.func) or "")):
                    self.models.add(name)
                if isinstance(value.func.value, ast.Call):
                    qual = self.ctx.qualname(value.func.value.func)
                    if qual:
                        self.objects[name] = qual

    def _call(self, cell: Cell, a: CellAnalysis, call: ast.Call) -> FitEvent | None:
        """Record fits, check splits; return the fit whose output this call produces."""
        func = call.func
        qual = self.ctx.qualname(func)
        if qual in _SPLIT_FUNCS:
            for arg in call.args:
                self._check_split(cell, arg, "train_test_split")
            return None
        if qual and qual.startswith("sklearn.model_selection.") and qual.rsplit(".", 1)[-1] in _CV_FUNCS:
            data = call.args[1] if len(call.args) > 1 else next((k.value for k in call.keywords if k.arg == "X"), None)
            if data is not None:
                self._check_split(cell, data, qual.rsplit(".", 1)[-1])
            return None
        if not isinstance(func, ast.Attribute) or qual is not None:
            return None
        method = func.attr
        if method not in _METHODS:
            return None
        recv_qual = self._receiver_qual(func.value)
        recv_qual = recv_qual or ""
        recv_name = recv_qual.rsplit(".", 1)[-1]
        data = call.args[0] if call.args else next((k.value for k in call.keywords if k.arg in ("X", "x")), None)
        root = _root_name(data) if data is not None else None
        if data is not None and recv_qual and recv_qual.startswith("sklearn.model_selection."):
            if method == "split" or (method in _FIT and recv_name in _SEARCHES):
                self._check_split(cell, data, f"{recv_name}.{method}")
                return None
        if method in _FIT and root is not None and not recv_qual.startswith(_EVALUATORS):
            why = self._test_reason(root)
            if why:
                self.test_fits.append(TestFit(cell, a, call, method, root, why))
        if method in _FIT and _is_transformer(recv_qual) and root is not None:
            if any(n in self.split_role for n in self._ancestry(root)) or _is_subset(data, root):
                return None  # fitted on one part of the data: the right way
            event = FitEvent(cell, a, call, recv_name, root)
            if isinstance(func.value, ast.Name):
                self._written.add(func.value.id)
                self.fitted[func.value.id] = event
            return event if method in ("fit_transform", "fit_resample") else None
        if method == "transform" and isinstance(func.value, ast.Name) and func.value.id in self.fitted:
            return self.fitted[func.value.id]
        return None

    def _check_split(self, cell: Cell, data: ast.AST, split_name: str) -> None:
        root = _root_name(data)
        if root is None:
            return
        for name in sorted(self._ancestry(root)):
            event = self.tainted.get(name)
            if event is None:
                continue
            self._consulted.append(event)
            if not any(leak.fit is event for leak in self.leaks):
                self.leaks.append(Leak(event, cell, split_name))


def data_flow(ctx: LintContext) -> DataFlow:
    """The notebook's dataflow, built once per lint run and shared by the rules that read it."""
    flow = ctx.memo.get("ml.data_flow")
    if flow is None:
        flow = ctx.memo["ml.data_flow"] = DataFlow(ctx).run()
    return flow


def estimator_like(qual: str) -> bool:
    last = qual.rsplit(".", 1)[-1]
    if last in ("create_model", "from_pretrained", "load_model", "Sequential", "Model"):
        return True
    return qual.startswith(("sklearn.", "xgboost.", "lightgbm.", "catboost.", "torch.nn.", "torchvision.models.",
                            "keras.", "tensorflow.keras.", "transformers.", "statsmodels.", "timm.")) \
        and last[:1].isupper() and not qual.startswith(("sklearn.model_selection.K", "sklearn.model_selection.Shuffle"))


@register
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


@register
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


# -- model export ---------------------------------------------------------------------------

_PICKLE_DUMPS = frozenset({
    "pickle.dump", "pickle.dumps", "cPickle.dump", "cPickle.dumps", "_pickle.dump", "_pickle.dumps",
    "dill.dump", "dill.dumps", "cloudpickle.dump", "cloudpickle.dumps", "joblib.dump",
    "sklearn.externals.joblib.dump", "pickle5.dump",
})
_MODEL_WORDS = frozenset({"model", "models", "net", "network", "clf", "classifier", "regressor", "estimator",
                          "pipeline", "pipe", "encoder", "decoder", "generator", "discriminator", "module",
                          "learner", "booster", "gbm", "xgb", "lgbm", "rf", "svm", "knn", "tree",
                          "forest", "vae", "gan", "cnn", "rnn", "lstm", "mlp", "resnet", "bert", "transformer"})


@register
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
                subject = f"model `{what}` is saved with `{short}`" if what else f"`{short}` writes a pickle"
                yield ctx.at_node(cell, a, call, f"{subject}: loading the file runs arbitrary code and "
                                  "needs the exact library versions")
            elif qual == "torch.save":
                obj = call.args[0] if call.args else next((k.value for k in call.keywords if k.arg == "obj"), None)
                if obj is None or _is_state(obj):
                    continue
                what = _model_name(obj, data_flow(ctx))
                if what:
                    yield ctx.at_node(cell, a, call, f"`torch.save` pickles the whole model `{what}`; "
                                      "save its `state_dict()` instead")


def _is_state(obj: ast.AST) -> bool:
    if isinstance(obj, ast.Call) and isinstance(obj.func, ast.Attribute) and obj.func.attr == "state_dict":
        return True
    return isinstance(obj, ast.Dict)  # a checkpoint: a dict of state dicts and numbers


def _model_name(obj: ast.AST | None, flow: DataFlow) -> str | None:
    if not isinstance(obj, (ast.Name, ast.Attribute)):
        return None
    root = _root_name(obj)
    if root is None:
        return None
    shown = root if isinstance(obj, ast.Name) else ast.unparse(obj)
    if root in flow.models or estimator_like(flow.objects.get(root, "")):
        return shown
    tokens = set(re.split(r"[_\d]+", (obj.attr if isinstance(obj, ast.Attribute) else root).lower()))
    return shown if tokens & _MODEL_WORDS else None
