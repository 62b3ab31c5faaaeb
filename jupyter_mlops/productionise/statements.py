"""What each top-level statement of a cell is, for extraction: kept code, an import, a function
or class to move, a constant to lift, or a line to drop (display, plot, magic, commented-out
code) with the reason. Facts depend only on the cell text and the notebook's imports, so they
are cached per cell and a one-cell edit recomputes one cell.
"""

from __future__ import annotations

import ast
import re
import shlex
from collections import OrderedDict
from dataclasses import dataclass, field
from threading import Lock
from typing import Any

from ..analysis import CellAnalysis
from ..analysis.scopes import analyse_scopes

PLOT_MODULES = ("matplotlib", "seaborn", "plotly", "altair", "bokeh")
PLOT_METHODS = frozenset({
    "plot", "hist", "scatter", "bar", "barh", "boxplot", "imshow", "pie", "heatmap", "kde",
    "set_title", "set_xlabel", "set_ylabel", "set_xlim", "set_ylim", "legend", "grid",
    "axhline", "axvline", "tight_layout", "suptitle", "set", "annotate", "text", "fill_between",
    "errorbar", "contour", "contourf", "colorbar", "set_xticks", "set_yticks", "twinx",
    "set_xticklabels", "set_yticklabels", "invert_yaxis", "margins",
})
DISPLAY_FUNCTIONS = frozenset({"print", "display", "pprint.pprint", "IPython.display.display",
                               "pprint", "IPython.display.Markdown", "IPython.display.HTML"})
DISPLAY_METHODS = frozenset({
    "head", "tail", "describe", "info", "sample", "value_counts", "nunique", "unique",
    "corr", "cov", "summary", "show", "to_string", "memory_usage", "isna", "isnull", "notna",
    "count", "mean", "median", "std", "var", "min", "max", "sum", "quantile", "round",
    "get_params", "groupby", "agg", "aggregate", "pivot_table", "crosstab", "idxmax", "idxmin",
    "to_markdown", "style", "nlargest", "nsmallest", "items", "keys", "values", "copy",
})
# Calls that write a file; value = index of the path argument (None: first string argument).
WRITER_METHODS = {"to_csv": 0, "to_parquet": 0, "to_json": 0, "to_pickle": 0, "to_excel": 0,
                  "to_feather": 0, "to_html": 0, "savefig": 0, "to_hdf": 0, "write_image": 0,
                  "save_model": 0}
WRITER_FUNCTIONS = {"joblib.dump": 1, "numpy.save": 0, "numpy.savetxt": 0, "numpy.savez": 0,
                    "numpy.savez_compressed": 0, "torch.save": 1, "matplotlib.pyplot.savefig": 0,
                    "os.makedirs": 0, "os.mkdir": 0}
READER_FUNCTIONS = {"pandas.read_csv", "pandas.read_parquet", "pandas.read_json", "pandas.read_excel",
                    "pandas.read_pickle", "pandas.read_feather", "pandas.read_table",
                    "numpy.load", "numpy.loadtxt", "numpy.genfromtxt", "joblib.load", "torch.load"}
SEED_KEYWORDS = frozenset({"random_state", "seed", "random_seed"})
SEED_CALLS = ("random.seed", "numpy.random.seed", "numpy.random.default_rng",
              "numpy.random.RandomState", "torch.manual_seed", "tensorflow.random.set_seed")
PLAIN_BUILTINS = frozenset({"float", "int", "round", "str", "len", "sum", "min", "max", "abs",
                            "bool", "dict", "list", "sorted", "tuple", "set", "any", "all"})
NUMERIC_REDUCERS = frozenset({"mean", "sum", "std", "var", "min", "max", "median", "item",
                              "score", "sqrt", "count", "nunique", "quantile", "prod", "dot",
                              "log", "exp", "abs", "round", "trace", "norm"})
_CODE_HINT = re.compile(r"[=()\[\].]|^(import|from|for|if|while|def|class|return|print|with|del)\b")


@dataclass
class Stmt:
    """One top-level statement (or a `;`-joined group) of a cell."""

    line: int  # first line of the statement (1-based, in the cell)
    end_line: int
    kind: str  # "code" | "import" | "def" | "class" | "drop"
    reason: str = ""  # why it is dropped, or how it is transformed
    comments: tuple[int, ...] = ()  # prose comment lines that travel with it
    binds: tuple[str, ...] = ()
    uses: tuple[str, ...] = ()  # module-level reads before a binding in the statement
    deferred: tuple[str, ...] = ()  # reads inside function/lambda bodies (at call time)
    mutates: tuple[str, ...] = ()
    deletes: tuple[str, ...] = ()
    augassigns: tuple[str, ...] = ()
    name: str | None = None  # def/class name
    writes_global: bool = False  # a function body with a `global` statement
    def_time_reads: tuple[str, ...] = ()  # decorator/default/base reads of a def/class
    literal: tuple[str, Any] | None = None  # NAME = <literal>
    path_literal: tuple[str, str] | None = None  # NAME = Path("<literal>")
    writes: tuple[str, ...] = ()  # file paths written (string literals)
    write_names: tuple[str, ...] = ()  # names used as written paths
    reads: tuple[str, ...] = ()  # file paths read (string literals)
    read_names: tuple[str, ...] = ()
    seeds: tuple[tuple[str, int], ...] = ()  # (kind, value): ("random_state", 42), ("seed", 0)
    hints: dict[str, str] = field(default_factory=dict)  # name -> type hint text
    plain: dict[str, str] = field(default_factory=dict)  # name -> "yes" | "maybe" | "no"
    plot: bool = False
    conditional: bool = False  # binds inside if/for/while/try: names may stay unbound
    saves_figure: bool = False
    display: bool = False
    import_lines: tuple[str, ...] = ()  # normalised import statements for module headers
    imported: dict[str, str] = field(default_factory=dict)  # alias -> qualified name

    @property
    def lines(self) -> range:
        return range(self.line, self.end_line + 1)


@dataclass
class CellFacts:
    stmts: list[Stmt] = field(default_factory=list)
    dropped: list[tuple[int, str]] = field(default_factory=list)  # (line, reason)
    requirements: list[str] = field(default_factory=list)  # from !pip / %pip install
    foreign: str | None = None  # name of a non-Python cell magic
    syntax_error: tuple[int, str] | None = None
    code: str = ""  # the cell as Python, same line numbers


def dotted(node: ast.AST) -> str | None:
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Call):  # chained calls: pd.read_csv(...).dropna -> root pd.read_csv
        inner = dotted(node.func)
        return ".".join([inner, *reversed(parts)]) if inner else None
    if not isinstance(node, ast.Name):
        return None
    return ".".join([node.id, *reversed(parts)])


def resolve(text: str | None, imports: dict[str, str]) -> str | None:
    if not text:
        return None
    root, _, rest = text.partition(".")
    base = imports.get(root)
    if base is None:
        return text
    return f"{base}.{rest}" if rest else base


def is_seed_call(qualname: str | None) -> bool:
    return bool(qualname) and any(qualname == s or qualname.endswith("." + s.split(".")[-1])
                                  and qualname.split(".")[0] == s.split(".")[0] for s in SEED_CALLS)


def is_commented_code(text: str) -> bool:
    body = text.lstrip()[1:].strip() if text.lstrip().startswith("#") else ""
    if not body:
        return False
    if body[:1] in "!%" and len(body) > 1 and body[1].isalpha():
        return True
    if not _CODE_HINT.search(body):
        return False
    try:
        tree = ast.parse(body)
    except (SyntaxError, ValueError):
        # the head of a block: `for n in grid:`, `if best:`, `def f(x):`, `else:`
        if not body.endswith(":"):
            return False
        try:
            tree = ast.parse(body + "\n    pass")
        except (SyntaxError, ValueError):
            return body.rstrip(":").strip() in ("else", "try", "finally")
        return True
    if not tree.body:
        return False
    if len(tree.body) == 1:
        only = tree.body[0]
        if isinstance(only, ast.Expr) and isinstance(only.value, (ast.Name, ast.Constant)):
            return False
        if isinstance(only, ast.AnnAssign) and only.value is None:
            return False
    return True


def requirement_from_pip(args: str) -> list[str]:
    """`pip install -q pandas==2.1 scikit-learn` -> ["pandas==2.1", "scikit-learn"]."""
    try:
        words = shlex.split(args, comments=True)
    except ValueError:
        words = args.split()
    if words[:1] in (["pip"], ["pip3"]) or (len(words) > 2 and words[1:3] == ["-m", "pip"]):
        words = words[words.index("install") + 1:] if "install" in words else []
    elif words[:1] == ["install"]:
        words = words[1:]
    else:
        return []
    reqs, skip = [], False
    for w in words:
        if skip:
            skip = False
            continue
        if w in ("-r", "-c", "-e", "--index-url", "-i", "--extra-index-url", "--target", "-t"):
            skip = True
            continue
        if w.startswith("-") or "/" in w or w.endswith((".whl", ".tar.gz")):
            continue
        reqs.append(w)
    return reqs


class _Literal:
    @staticmethod
    def value(node: ast.AST) -> tuple[bool, Any]:
        if isinstance(node, ast.Constant) and isinstance(node.value, (int, float, str, bool)) \
                and not isinstance(node.value, bytes):
            return True, node.value
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) \
                and isinstance(node.operand, ast.Constant) \
                and isinstance(node.operand.value, (int, float)) \
                and not isinstance(node.operand.value, bool):
            return True, -node.operand.value
        return False, None


def literal_value(node: ast.AST) -> tuple[bool, Any]:
    return _Literal.value(node)


def _type_of(node: ast.AST, imports: dict[str, str], known: dict[str, str]) -> tuple[str | None, str]:
    """(type hint text, plainness) of an expression: plainness is yes / maybe / no."""
    ok, value = literal_value(node)
    if ok:
        return type(value).__name__, "yes"
    if isinstance(node, (ast.JoinedStr,)):
        return "str", "yes"
    if isinstance(node, (ast.Compare, ast.BoolOp)) or (
            isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not)):
        return None, "maybe"
    if isinstance(node, (ast.Dict, ast.DictComp)):
        return "dict", "maybe"
    if isinstance(node, (ast.List, ast.ListComp)):
        return "list", "maybe"
    if isinstance(node, (ast.Tuple,)):
        return None, "maybe"
    if isinstance(node, ast.Name):
        return known.get(node.id), "maybe"
    if isinstance(node, (ast.BinOp, ast.Subscript, ast.Attribute, ast.IfExp, ast.UnaryOp)):
        return None, "maybe"
    if isinstance(node, ast.Call):
        text = dotted(node.func)
        qual = resolve(text, imports) or ""
        last = qual.rsplit(".", 1)[-1]
        if qual in PLAIN_BUILTINS:
            return (qual if qual in ("float", "int", "str", "bool", "dict", "list") else None), "maybe"
        if qual.startswith("sklearn.metrics."):
            return ("float" if "report" not in last and "matrix" not in last and "curve" not in last
                    else None), "maybe"
        if qual.startswith("pandas.read_") or qual in ("pandas.DataFrame", "pandas.concat", "pandas.merge"):
            return f"{_alias(imports, 'pandas')}.DataFrame", "no"
        if qual in ("pandas.Series",):
            return f"{_alias(imports, 'pandas')}.Series", "no"
        if qual.startswith("numpy.") and last in ("array", "zeros", "ones", "arange", "linspace",
                                                   "empty", "asarray", "vstack", "hstack",
                                                   "concatenate", "stack"):
            return f"{_alias(imports, 'numpy')}.ndarray", "no"
        if last in NUMERIC_REDUCERS:
            return None, "maybe"
        if isinstance(node.func, ast.Name) and node.func.id[:1].isupper():
            return node.func.id, "no"
        if isinstance(node.func, ast.Attribute) and node.func.attr[:1].isupper() \
                and text and text.split(".")[0] in imports:
            return text, "no"
        if qual.split(".")[0] in ("pandas", "numpy", "sklearn", "scipy", "torch", "matplotlib",
                                  "seaborn", "tensorflow", "polars"):
            return None, "no"
        return None, "maybe"
    if isinstance(node, ast.Lambda):
        return None, "no"
    return None, "no"


def _alias(imports: dict[str, str], module: str) -> str:
    for alias, qual in imports.items():
        if qual == module:
            return alias
    return module


PATH_WRITE_METHODS = frozenset({"mkdir", "write_text", "write_bytes", "touch"})
PATH_TYPES = frozenset({"pathlib.Path", "pathlib.PurePath", "pathlib.PosixPath", "Path"})


def _root(node: ast.AST) -> ast.AST:
    """The object a chain like `(out / "m.json").parent` starts from."""
    while True:
        if isinstance(node, (ast.Attribute, ast.Subscript)):
            node = node.value
        elif isinstance(node, ast.BinOp):
            node = node.left
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            node = node.func.value
        else:
            return node


def _pairs(assign: ast.Assign) -> list[tuple[str, ast.AST | None]]:
    """(name, value) for `a = v` and `a, b = v1, v2`; value None when it cannot be split."""
    out: list[tuple[str, ast.AST | None]] = []
    for target in assign.targets:
        if isinstance(target, ast.Name):
            out.append((target.id, assign.value))
        elif isinstance(target, (ast.Tuple, ast.List)):
            values = assign.value.elts if isinstance(assign.value, (ast.Tuple, ast.List)) \
                and len(assign.value.elts) == len(target.elts) else [None] * len(target.elts)
            for t, v in zip(target.elts, values):
                if isinstance(t, ast.Name):
                    out.append((t.id, v if not isinstance(v, ast.Starred) else None))
    return out


def _calls(node: ast.AST):
    for sub in ast.walk(node):
        if isinstance(sub, ast.Call):
            yield sub


def _string_arg(call: ast.Call, index: int | None, keywords=("path", "path_or_buf", "fname",
                                                          "filepath_or_buffer", "file", "f",
                                                          "filename", "excel_writer")) -> ast.AST | None:
    for kw in call.keywords:
        if kw.arg in keywords:
            return kw.value
    if index is not None and len(call.args) > index:
        return call.args[index]
    return None


class _Classifier:
    def __init__(self, analysis: CellAnalysis, imports: dict[str, str]) -> None:
        self.a = analysis
        self.imports = imports
        self.lines = analysis.python.code.split("\n")
        self.plot_names: set[str] = set()

    def is_plot_call(self, call: ast.Call) -> bool:
        text = dotted(call.func) or ""
        qual = resolve(text, self.imports) or ""
        root = text.split(".")[0]
        if qual.startswith(PLOT_MODULES) and not qual.endswith("savefig"):
            return True
        if root in self.plot_names:
            return not text.endswith("savefig")
        return isinstance(call.func, ast.Attribute) and call.func.attr in PLOT_METHODS

    def plotting(self, stmt: ast.stmt) -> bool:
        if isinstance(stmt, (ast.Expr, ast.Assign)) and isinstance(stmt.value, ast.Call):
            call = stmt.value
            # outermost call of a chain decides: df.plot(...).set_title(...) is a plot
            if self.is_plot_call(call) or any(self.is_plot_call(c) for c in _calls(call.func)):
                if isinstance(stmt, ast.Assign):
                    for t in stmt.targets:
                        for n in ast.walk(t):
                            if isinstance(n, ast.Name):
                                self.plot_names.add(n.id)
                return True
            return False
        if isinstance(stmt, (ast.For, ast.With)) and not getattr(stmt, "orelse", None):
            return bool(stmt.body) and all(self.plotting(s) for s in stmt.body)
        return False

    def display(self, stmt: ast.stmt) -> str:
        if not isinstance(stmt, ast.Expr):
            return ""
        value = stmt.value
        if isinstance(value, ast.Constant) and isinstance(value.value, str):
            return "bare string (documentation only)"
        if isinstance(value, (ast.Await, ast.Yield, ast.YieldFrom, ast.NamedExpr)):
            return ""
        if not isinstance(value, ast.Call):
            if any(isinstance(n, (ast.Call, ast.NamedExpr)) for n in ast.walk(value)):
                return ""
            return "display-only expression"
        qual = resolve(dotted(value.func), self.imports) or ""
        if qual in ("os.chdir",):
            return "changes the working directory (notebook-only: paths are parameters)"
        if qual in DISPLAY_FUNCTIONS:
            return f"display-only call ({qual.rsplit('.', 1)[-1]})"
        if isinstance(value.func, ast.Attribute) and value.func.attr in DISPLAY_METHODS \
                and not any(k.arg == "inplace" for k in value.keywords):
            return f"display-only call (.{value.func.attr}())"
        return ""

    def io(self, stmt: ast.stmt) -> tuple[list[str], list[str], list[str], list[str]]:
        writes, write_names, reads, read_names = [], [], [], []

        def record(node: ast.AST | None, lits: list[str], names: list[str]) -> None:
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value:
                lits.append(node.value)
            elif isinstance(node, ast.Name):
                names.append(node.id)

        for call in _calls(stmt):
            text = dotted(call.func) or ""
            qual = resolve(text, self.imports) or ""
            if isinstance(call.func, ast.Attribute) and call.func.attr in WRITER_METHODS \
                    and not qual.startswith("pandas.read"):
                record(_string_arg(call, WRITER_METHODS[call.func.attr]), writes, write_names)
            elif qual in WRITER_FUNCTIONS:
                record(_string_arg(call, WRITER_FUNCTIONS[qual]), writes, write_names)
            elif qual in READER_FUNCTIONS:
                record(_string_arg(call, 0), reads, read_names)
            elif isinstance(call.func, ast.Attribute) and call.func.attr in PATH_WRITE_METHODS:
                root = _root(call.func.value)
                if isinstance(root, ast.Call) and (resolve(dotted(root.func), self.imports) or "") in PATH_TYPES \
                        and root.args:
                    record(root.args[0], writes, write_names)
                elif isinstance(root, ast.Name):
                    write_names.append(root.id)
            elif qual in ("open", "io.open"):
                mode = call.args[1] if len(call.args) > 1 else next(
                    (k.value for k in call.keywords if k.arg == "mode"), None)
                mode_text = mode.value if isinstance(mode, ast.Constant) and isinstance(mode.value, str) else "r"
                if any(c in mode_text for c in "wax"):
                    record(_string_arg(call, 0), writes, write_names)
                else:
                    record(_string_arg(call, 0), reads, read_names)
        return writes, write_names, reads, read_names

    def seeds(self, stmt: ast.stmt) -> list[tuple[str, int]]:
        found = []
        for call in _calls(stmt):
            for kw in call.keywords:
                if kw.arg in SEED_KEYWORDS:
                    ok, v = literal_value(kw.value)
                    if ok and isinstance(v, int) and not isinstance(v, bool):
                        found.append((kw.arg, v))
            qual = resolve(dotted(call.func), self.imports)
            if call.args and is_seed_call(qual):
                ok, v = literal_value(call.args[0])
                if ok and isinstance(v, int) and not isinstance(v, bool):
                    found.append(("seed", v))
        return found


def _is_magic_stmt(stmt: ast.stmt) -> bool:
    for call in _calls(stmt):
        if isinstance(call.func, ast.Attribute) and isinstance(call.func.value, ast.Call) \
                and isinstance(call.func.value.func, ast.Name) and call.func.value.func.id == "get_ipython":
            return True
    return False


def _group(body: list[ast.stmt]) -> list[list[ast.stmt]]:
    """Statements that share a line (`a = 1; b = 2`) are handled together."""
    groups: list[list[ast.stmt]] = []
    for stmt in body:
        if groups and stmt.lineno <= groups[-1][-1].end_lineno:  # type: ignore[operator]
            groups[-1].append(stmt)
        else:
            groups.append([stmt])
    return groups


def cell_facts(analysis: CellAnalysis, imports: dict[str, str]) -> CellFacts:
    facts = CellFacts(code=analysis.python.code)
    py = analysis.python
    if not analysis.ok:
        err = analysis.syntax_error
        facts.syntax_error = (err.line, err.message) if err else (1, "invalid syntax")
        return facts
    lines = py.code.split("\n")
    src_lines = analysis.source.split("\n")
    if py.foreign:
        facts.foreign = py.cell_magic.name if py.cell_magic else "?"
        for i, text in enumerate(src_lines, 1):
            if text.strip():
                facts.dropped.append((i, f"non-Python cell (%%{facts.foreign})"))
        return facts
    magic_lines: dict[int, str] = {}
    for m in py.magics:
        if m.kind == "cell_magic":
            magic_lines[m.line] = f"cell magic %%{m.name} (notebook-only)"
            continue
        if m.kind == "line_magic" and m.name in ("time", "timeit", "prun") and m.line not in py.changed_lines:
            continue  # `%time stmt`: the statement itself is kept
        pip_args = None
        if m.kind == "system":
            pip_args = m.args
        elif m.kind == "line_magic" and m.name in ("pip", "conda"):
            pip_args = f"{m.name} {m.args}"
        reqs = requirement_from_pip(pip_args) if pip_args and pip_args.split()[:1] in (["pip"], ["pip3"], ["python"]) else []
        if reqs:
            facts.requirements.extend(reqs)
            reason = "pip install (becomes dependencies: " + ", ".join(reqs) + ")"
        elif m.kind == "system":
            reason = "shell command (not part of the package)"
        else:
            reason = f"IPython magic %{m.name} (notebook-only)"
        for ln in range(m.line, max(m.end_line, m.line) + 1):
            magic_lines[ln] = reason
    tree = analysis.tree
    assert tree is not None
    cls = _Classifier(analysis, imports)
    known_hints: dict[str, str] = {}
    covered: set[int] = set()
    groups = _group(tree.body)
    stmts: list[Stmt] = []
    for group in groups:
        line = group[0].lineno
        end = max(s.end_lineno or s.lineno for s in group)
        # decorators start before the def line
        for s in group:
            if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and s.decorator_list:
                line = min(line, min(d.lineno for d in s.decorator_list) - 0)
                line = min(line, s.decorator_list[0].lineno)
        covered.update(range(line, end + 1))
        stmt = _describe(group, line, end, cls, imports, known_hints)
        if any(ln in magic_lines for ln in range(line, end + 1)) and _is_magic_stmt(group[0]):
            stmt.kind = "drop"
            stmt.reason = magic_lines[line] if line in magic_lines else next(
                magic_lines[ln] for ln in range(line, end + 1) if ln in magic_lines)
        stmts.append(stmt)
    # Comment lines and cell-magic lines outside statements.
    for i, text in enumerate(src_lines, 1):
        if i in covered or not text.strip():
            continue
        if i in magic_lines:
            facts.dropped.append((i, magic_lines[i]))
            continue
        code_text = lines[i - 1] if i - 1 < len(lines) else ""
        if code_text.strip().startswith("#") or not code_text.strip():
            if is_commented_code(code_text or text):
                facts.dropped.append((i, "commented-out code"))
                continue
            # prose comment: travels with the next statement (or the previous one at cell end)
            target = next((s for s in stmts if s.line > i), stmts[-1] if stmts else None)
            if target is None:
                facts.dropped.append((i, "comment in a cell without code"))
            else:
                target.comments = tuple(sorted((*target.comments, i)))
            continue
        facts.dropped.append((i, "line outside any statement"))
    facts.stmts = stmts
    return facts


def _describe(group: list[ast.stmt], line: int, end: int, cls: _Classifier,
              imports: dict[str, str], known_hints: dict[str, str]) -> Stmt:
    scope = analyse_scopes(ast.Module(body=group, type_ignores=[]))
    binds = tuple(dict.fromkeys(b.name for b in scope.bindings))
    uses = tuple(dict.fromkeys(u.name for u in scope.uses))
    deferred = tuple(dict.fromkeys(u.name for u in scope.deferred))
    stmt = Stmt(line=line, end_line=end, kind="code", binds=binds, uses=uses, deferred=deferred,
                mutates=tuple(dict.fromkeys(m.name for m in scope.mutations)),
                deletes=tuple(dict.fromkeys(d.name for d in scope.deletions)),
                augassigns=tuple(dict.fromkeys(b.name for b in scope.bindings if b.kind == "augassign")))
    single = group[0] if len(group) == 1 else None
    stmt.conditional = any(isinstance(s, (ast.If, ast.For, ast.AsyncFor, ast.While, ast.Try,
                                          getattr(ast, "TryStar", ast.Try), getattr(ast, "Match", ast.If)))
                           for s in group)
    if all(isinstance(s, (ast.Import, ast.ImportFrom)) for s in group):
        stmt.kind = "import"
        stmt.reason = "import moved to the modules that use it"
        stmt.imported = dict(scope.imports)
        lines = []
        for s in group:
            for alias in s.names:
                if isinstance(s, ast.Import):
                    lines.append(f"import {alias.name}" + (f" as {alias.asname}" if alias.asname else ""))
                elif alias.name == "*":
                    lines.append(f"from {'.' * (s.level or 0)}{s.module or ''} import *")
                else:
                    lines.append(f"from {'.' * (s.level or 0)}{s.module or ''} import {alias.name}"
                                 + (f" as {alias.asname}" if alias.asname else ""))
        stmt.import_lines = tuple(lines)
        return stmt
    if single is not None and isinstance(single, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        stmt.kind = "class" if isinstance(single, ast.ClassDef) else "def"
        stmt.name = single.name
        stmt.writes_global = any(isinstance(n, ast.Global) for n in ast.walk(single))
        def_nodes: list[ast.AST] = list(single.decorator_list)
        if isinstance(single, ast.ClassDef):
            def_nodes += [*single.bases, *(k.value for k in single.keywords)]
            # class-body statements run at definition time
            def_nodes += [s for s in single.body if not isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef))]
        else:
            def_nodes += [*single.args.defaults, *(d for d in single.args.kw_defaults if d)]
        stmt.def_time_reads = tuple(dict.fromkeys(
            n.id for d in def_nodes for n in ast.walk(d) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)))
        stmt.hints[single.name] = ""
        stmt.plain[single.name] = "no"
        for n in binds:
            stmt.plain.setdefault(n, "maybe")  # `global` assignments inside the body
        return stmt
    reason = cls.display(group[0]) if single is not None else ""
    if reason:
        stmt.kind = "drop"
        stmt.reason = reason
        stmt.display = True
    elif single is not None and cls.plotting(single):
        stmt.plot = True
        stmt.reason = "plotting (display only)"
    w, wn, r, rn = [], [], [], []
    seeds = []
    for s in group:
        a, b, c, d = cls.io(s)
        w += a; wn += b; r += c; rn += d
        seeds += cls.seeds(s)
        for call in _calls(s):
            text = dotted(call.func) or ""
            if text.endswith("savefig"):
                stmt.saves_figure = True
        # hints and plainness of what it binds
        if isinstance(s, ast.Assign) and len(s.targets) == 1 and isinstance(s.targets[0], ast.Name):
            name = s.targets[0].id
            hint, plain = _type_of(s.value, imports, known_hints)
            stmt.hints[name] = hint or ""
            stmt.plain[name] = plain
            if hint:
                known_hints[name] = hint
            ok, value = literal_value(s.value)
            if ok and len(group) == 1:
                stmt.literal = (name, value)
        elif isinstance(s, ast.Assign):
            for name, value in _pairs(s):
                hint, plain = _type_of(value if value is not None else s.value, imports, known_hints)
                stmt.plain[name] = plain
                stmt.hints[name] = (hint or "") if value is not None else ""
        elif isinstance(s, ast.AnnAssign) and isinstance(s.target, ast.Name) and s.value is not None:
            hint, plain = _type_of(s.value, imports, known_hints)
            stmt.hints[s.target.id] = hint or ""
            stmt.plain[s.target.id] = plain
        if isinstance(s, (ast.If, ast.Try, ast.While, ast.With, ast.For, ast.AsyncFor)):
            for sub in ast.walk(s):
                if isinstance(sub, ast.Assign):
                    for name, value in _pairs(sub):
                        hint, plain = _type_of(value if value is not None else sub.value, imports, known_hints)
                        if stmt.plain.get(name) != "no":
                            stmt.plain[name] = plain if name not in stmt.plain or plain == "no" else stmt.plain[name]
        if isinstance(s, (ast.For, ast.AsyncFor)):
            it = s.iter
            plain = "maybe" if isinstance(it, (ast.List, ast.Tuple, ast.Name, ast.Call)) else "no"
            if isinstance(it, ast.Call) and (dotted(it.func) or "") not in ("range", "enumerate", "zip", "sorted", "reversed"):
                plain = "no"
            for n in ast.walk(s.target):
                if isinstance(n, ast.Name):
                    stmt.plain.setdefault(n.id, plain)
    for s in group:
        if isinstance(s, ast.Assign) and len(s.targets) == 1 and isinstance(s.targets[0], ast.Name) \
                and isinstance(s.value, ast.Call) and s.value.args \
                and (resolve(dotted(s.value.func), imports) or "") in PATH_TYPES:
            ok, value = literal_value(s.value.args[0])
            if ok and isinstance(value, str):
                stmt.path_literal = (s.targets[0].id, value)
    stmt.writes, stmt.write_names = tuple(dict.fromkeys(w)), tuple(dict.fromkeys(wn))
    stmt.reads, stmt.read_names = tuple(dict.fromkeys(r)), tuple(dict.fromkeys(rn))
    stmt.seeds = tuple(dict.fromkeys(seeds))
    for name in binds:
        stmt.plain.setdefault(name, "maybe" if name in stmt.augassigns else "no")
        stmt.hints.setdefault(name, "")
    return stmt


class FactsCache:
    """Cell facts keyed by (cell text, notebook imports): a one-cell edit recomputes one cell."""

    def __init__(self, maxsize: int = 4096) -> None:
        self._items: OrderedDict[tuple, CellFacts] = OrderedDict()
        self._maxsize = maxsize
        self._lock = Lock()

    def get(self, analysis: CellAnalysis, imports: dict[str, str], key_imports: tuple) -> CellFacts:
        key = (analysis.source, key_imports)
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
                return found
        facts = cell_facts(analysis, imports)
        with self._lock:
            self._items[key] = facts
            if len(self._items) > self._maxsize:
                self._items.popitem(last=False)
        return facts


DEFAULT_FACTS_CACHE = FactsCache()
