"""scikit-learn callables' parameters, read from the installed package's source without importing it."""

from __future__ import annotations

import ast
import importlib.util
import re
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path


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

# Ensembles that give each sub-estimator a random_state of their own (from theirs), whatever
# the estimator passed in was given: used when the installed source cannot be read.
SEEDING_ENSEMBLES_FALLBACK = frozenset({"BaggingClassifier", "BaggingRegressor", "AdaBoostClassifier",
                                        "AdaBoostRegressor"})
UNKNOWN = object()  # a default that is not a literal


@dataclass(frozen=True)
class Signature:
    positional: tuple[str, ...]  # parameters that may be passed by position, in order
    names: frozenset[str]
    var_kw: bool
    random_state_default: str  # "none", "value" (a fixed default) or "" (no such parameter)
    defaults: tuple[tuple[str, object], ...] = ()  # literal defaults (UNKNOWN for other expressions)
    module: str = ""  # where the def or class statement is

    def default(self, name: str) -> object:
        return dict(self.defaults).get(name, UNKNOWN)


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


def _params(text: str, open_paren: int, skip_self: bool, module: str) -> Signature | None:
    close = _closing_paren(text, open_paren)
    if close < 0:
        return None
    try:
        tree = ast.parse(f"def f({text[open_paren + 1:close]}): pass")
    except (SyntaxError, ValueError):
        return None
    func = tree.body[0]
    assert isinstance(func, ast.FunctionDef)
    return _signature_of(func.args, skip_self, module)


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
        return _params(text, m.end() - 1, skip_self=False, module=module)
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
            return _params(text, init.end() - 1, skip_self=True, module=module)
        for base in bases:
            if base.isidentifier():
                sig = _find_definition(module, base, depth + 1)
                if sig is not None:
                    return replace(sig, module=module)
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


def _literal(node: ast.expr | None) -> object:
    try:
        return ast.literal_eval(node) if node is not None else UNKNOWN
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return UNKNOWN


def _signature_of(args: ast.arguments, skip_self: bool, module: str = "") -> Signature:
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
    literal = [(a.arg, _literal(d)) for a, d in zip(all_pos[len(all_pos) - len(args.defaults):], args.defaults)]
    literal += [(a.arg, _literal(d)) for a, d in zip(args.kwonlyargs, args.kw_defaults) if d is not None]
    return Signature(tuple(positional), frozenset(names), args.kwarg is not None, default, tuple(literal), module)


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


@lru_cache(maxsize=256)
def seeds_sub_estimators(qualname: str) -> bool:
    """Does this scikit-learn ensemble set a random_state on every copy of the estimator it is
    given (`BaggingClassifier(DecisionTreeClassifier())`)? Read from the installed source: the
    module defining the class builds its estimators with `_make_estimator(..., random_state=...)`;
    the built-in list when that source cannot be read."""
    sig = sklearn_signature(qualname)
    found = _module_source(sig.module) if sig is not None and sig.module else None
    if found is None:
        return qualname.rsplit(".", 1)[-1] in SEEDING_ENSEMBLES_FALLBACK
    text = found[0]
    return any("random_state=" in text[m.end():m.end() + 200].split(")")[0]
               for m in re.finditer(r"_make_estimator\(", text)) and ("estimator" in sig.names
                                                                     or "base_estimator" in sig.names)
