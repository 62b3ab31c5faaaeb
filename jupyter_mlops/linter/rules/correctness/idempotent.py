"""Is `x = f(x)` the same on a second run? True for operations that are idempotent by nature:
applying them to their own result changes nothing (`df = df.dropna()`, `a = np.abs(a)`,
`df = df[df.price > 0]`, `x = x.reshape(-1, 1)`, `ds = ds.filter(...)`). Anything not known to be
idempotent is treated as a change (`x = x + 1`, `df = df.set_index("d")`, `y = y["price"]`)."""

from __future__ import annotations

import ast
from typing import Callable

# Methods whose result, given again, comes back unchanged (pandas, NumPy, tf.data, lists).
_METHODS = frozenset({
    "dropna", "drop_duplicates", "fillna", "ffill", "bfill", "sort_index", "sort_values", "asfreq",
    "reindex", "reindex_like", "astype", "copy", "query", "filter", "where", "mask", "clip", "abs",
    "round", "infer_objects", "convert_dtypes", "interpolate", "squeeze", "tz_localize", "tz_convert",
    "lower", "upper", "strip", "lstrip", "rstrip", "title", "casefold", "normalize", "to_datetime", "capitalize",
    "to_numeric", "assign", "rename", "rename_axis", "set_axis", "cache", "prefetch",
    "drop_nulls", "fill_null", "fill_nan", "select", "cast", "fit",
    # PyTorch: moving to a device or dtype, or switching mode, again changes nothing.
    "to", "cuda", "cpu", "eval", "float", "double", "half", "bfloat16", "detach", "contiguous",
})
# Calls f(x, ...) that are idempotent in x.
_FUNCTIONS = frozenset({
    "numpy.abs", "numpy.absolute", "numpy.asarray", "numpy.array", "numpy.asanyarray", "numpy.ascontiguousarray",
    "numpy.sort", "numpy.unique", "numpy.maximum", "numpy.minimum", "numpy.clip", "numpy.nan_to_num",
    "numpy.round", "numpy.around", "numpy.floor", "numpy.ceil", "numpy.trunc", "numpy.rint", "numpy.squeeze",
    "numpy.float32", "numpy.float64", "numpy.int32", "numpy.int64", "numpy.sign", "numpy.real",
    "pandas.to_datetime", "pandas.to_numeric", "pandas.to_timedelta", "pandas.DataFrame", "pandas.Series",
    "pandas.Index", "pandas.MultiIndex.from_tuples", "pandas.Categorical",
    "tensorflow.convert_to_tensor", "tensorflow.image.convert_image_dtype", "tensorflow.abs", "tensorflow.squeeze",
    "tensorflow.cast", "torch.as_tensor", "torch.abs", "torch.squeeze",
    "list", "tuple", "set", "frozenset", "sorted", "dict", "str", "int", "float", "bool", "abs", "round",
})
_FILTERS = ("filter",)
_ACCESSORS = frozenset({"loc", "iloc", "str", "dt", "cat"})  # builtins.filter(pred, x) / tf.data `.filter` keep a subset
_RESHAPES = frozenset({"reshape", "numpy.reshape", "tensorflow.reshape", "torch.reshape", "view"})


Functions = Callable[[str], "tuple[str, ast.expr] | None"]


def idempotent(value: ast.expr, name: str, qualname: Callable[[ast.AST], str | None],
               functions: Functions = lambda name: None, depth: int = 0) -> bool:
    """Does `name = value` leave `name` unchanged when run a second time? `functions` gives the
    (parameter, returned expression) of the notebook's one-expression functions and lambdas, for
    `s.apply(f)`."""
    node = value
    for _ in range(50):
        if isinstance(node, ast.Name):
            return node.id == name and node is not value
        if isinstance(node, ast.Subscript):
            labels = isinstance(node.value, ast.Attribute) and node.value.attr == "loc"
            if not _keeps_a_subset(node, name, labels):
                return False
            node = node.value
        elif isinstance(node, ast.Attribute) and node.attr in _ACCESSORS and node is not value:
            node = node.value  # `x.loc[...]`, `x.str.lower()`
        elif isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Attribute) and _reads(func.value, name):
                if not _method_keeps(func.attr, node, name) and \
                        not _applies_idempotent(func.attr, node, qualname, functions, depth):
                    return False
                node = func.value
                continue
            qual = qualname(func) or (func.id if isinstance(func, ast.Name) else None)
            first = node.args[0] if node.args else None
            others = [*node.args[1:], *(k.value for k in node.keywords)]
            if qual in _FILTERS and len(node.args) == 2:
                node = node.args[1]  # `filter(pred, x)`
            elif qual in _RESHAPES and first is not None and not _grows(others, [], name):
                node = first
            elif qual in _FUNCTIONS and first is not None and not any(_reads(x, name) for x in others):
                node = first
            else:
                return False
        else:
            return False
    return False


def _applies_idempotent(method: str, call: ast.Call, qualname, functions: Functions, depth: int) -> bool:
    """`s.apply(lambda x: x.strip())`, `s.map(capitalizer)`: an idempotent function applied to
    every element."""
    if method not in ("apply", "map", "applymap") or len(call.args) != 1 or call.keywords or depth > 3:
        return False
    f = call.args[0]
    if isinstance(f, ast.Lambda) and len(f.args.args) == 1 and not f.args.vararg and not f.args.kwarg:
        param, body = f.args.args[0].arg, f.body
    elif isinstance(f, ast.Name) and (found := functions(f.id)) is not None:
        param, body = found
    else:
        return False
    return idempotent(body, param, qualname, functions, depth + 1)


def _reads(node: ast.AST, name: str) -> bool:
    return any(isinstance(n, ast.Name) and n.id == name for n in ast.walk(node))


def _method_keeps(method: str, call: ast.Call, name: str) -> bool:
    if method == "reset_index":
        # Only with drop=True: otherwise the old index becomes a column, again on every run.
        return any(k.arg == "drop" and isinstance(k.value, ast.Constant) and k.value.value is True
                   for k in call.keywords)
    if method in ("reshape", "view"):
        return not _grows(call.args, call.keywords, name)
    if method == "replace" and len(call.args) == 2 and not call.keywords:
        # Removing a character: none is left to remove on a re-run (a longer pattern could form anew).
        old, new = call.args
        return isinstance(old, ast.Constant) and isinstance(old.value, str) and len(old.value) == 1 \
            and isinstance(new, ast.Constant) and new.value == ""
    return method in _METHODS


def _grows(args: list[ast.expr], keywords: list[ast.keyword], name: str) -> bool:
    """A new shape built from the old one (`[*k.shape, 1]`, `x.shape + (1,)`) keeps growing."""
    for node in (*args, *(k.value for k in keywords)):
        for sub in ast.walk(node):
            if isinstance(sub, (ast.Starred, ast.BinOp)) and _reads(sub, name):
                return True
    return False


def _keeps_a_subset(node: ast.Subscript, name: str, labels: bool = False) -> bool:
    """`x[mask]`, `x[:n]`, `x[["a", "b"]]`, `x.loc[:, "a":"b"]`: selecting again selects the same.
    Not `x["a"]` (a column, then a lookup in it), `x[1:]` or `x[::2]` (shrink on every run)."""
    index = node.slice
    parts = index.elts if isinstance(index, ast.Tuple) else [index]
    return all(_subset_part(p, name, labels) for p in parts)


def _subset_part(part: ast.expr, name: str, labels: bool = False) -> bool:
    if isinstance(part, ast.Slice) and labels:
        # `.loc[:, "a":"c"]`, `.loc["2020":]`: a range of labels selects the same labels again.
        bounds = [b for b in (part.lower, part.upper) if b is not None]
        return part.step is None and all(isinstance(b, ast.Constant) and isinstance(b.value, str) for b in bounds)
    if isinstance(part, ast.Slice):
        if part.lower is not None or part.step is not None:
            return False
        upper = part.upper
        if upper is None:
            return True
        if isinstance(upper, ast.UnaryOp) or _reads(upper, name):
            return False  # `x[:-1]`, `x[:len(x) // 2]`
        if isinstance(upper, ast.Constant):
            return isinstance(upper.value, (int, str)) and not (isinstance(upper.value, int) and upper.value < 0)
        return True
    if isinstance(part, (ast.List, ast.Set)) and all(isinstance(e, ast.Constant) for e in part.elts):
        return True  # a list of columns
    if isinstance(part, (ast.Compare, ast.BoolOp)) or (isinstance(part, ast.UnaryOp) and isinstance(part.op, ast.Invert)):
        return True  # a boolean mask
    if isinstance(part, ast.BinOp) and isinstance(part.op, (ast.BitAnd, ast.BitOr)):
        return True  # `(a > 0) & (b < 1)`
    if isinstance(part, ast.Call) and isinstance(part.func, ast.Attribute) \
            and part.func.attr in ("isin", "notna", "notnull", "isna", "isnull", "between", "contains",
                                   "startswith", "endswith", "duplicated"):
        return True
    return False
