"""Which URL a download reads: a literal, or a name bound to one by the binding that reaches the
call (the last one above it at module level, or the function's own), shortened and masked."""

from __future__ import annotations

import ast
import re

from ....analysis import CellAnalysis
from ....notebook.model import Cell
from ...context import LintContext
from ...secrets import find_url_credentials, mask_url
from .._incremental import memo

URL_START = re.compile(r"^\s*(?:https?|ftp)://", re.IGNORECASE)
_NESTED = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)
_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)
# Calls that build a URL from their first argument: `urljoin(BASE, "x.csv")`, `posixpath.join(...)`.
_JOINS = frozenset({"urllib.parse.urljoin", "os.path.join", "posixpath.join"})


def short_url(url: str) -> str:
    url = url.strip()
    for m in find_url_credentials(url):
        url = url.replace(m.group(0), mask_url(m))
    url = re.sub(r"([?&](?:token|key|sig|signature|access_token|api_key)=)[^&\s]+", r"\1****", url,
                 flags=re.IGNORECASE)
    return url if len(url) <= 80 else url[:77] + "..."


def url_literal(node: ast.AST | None) -> str | None:
    """The URL a literal expression starts with: `"https://..."`, `"https://.../%s" % x`,
    `f"https://...{x}"`, `"https://...{}".format(x)`, `"https://..." + name`."""
    while isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Mod)):
        node = node.left
    if isinstance(node, ast.Constant) and isinstance(node.value, str) and URL_START.match(node.value):
        return node.value
    if isinstance(node, ast.JoinedStr) and node.values:
        first = node.values[0]
        if isinstance(first, ast.Constant) and isinstance(first.value, str) and URL_START.match(first.value):
            return first.value + "..."
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format":
        return url_literal(node.func.value)
    return None


def _module_statements(body: list[ast.stmt]):
    stack: list[ast.AST] = list(body)
    while stack:
        node = stack.pop()
        if isinstance(node, _NESTED):
            continue
        yield node
        stack.extend(n for n in ast.iter_child_nodes(node) if isinstance(n, ast.stmt))


def _module_urls(a: CellAnalysis) -> tuple[tuple[str, int, str], ...]:
    """(name, line, URL) for this cell's module-level `NAME = "https://..."` assignments."""
    found = []
    for node in _module_statements(a.tree.body):
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            url = url_literal(node.value)
            if url:
                found.append((node.targets[0].id, node.lineno, url))
    return tuple(found)


class Urls:
    """The notebook's module-level names bound to URL literals, with every binding of those names
    (a later `url = "data/local.csv"` ends what the URL reached)."""

    def __init__(self, ctx: LintContext) -> None:
        found: dict[str, list[tuple[int, int, str | None]]] = {}
        parsed = ctx.analysis.parsed()
        for cell, a in parsed:
            code = a.python.code  # a URL literal has "://" in it, or an escape hides it
            if "://" in code or "\\" in code:
                for name, line, url in memo(a, "_module_urls", _module_urls):  # type: ignore[union-attr]
                    found.setdefault(name, []).append((cell.index, line, url))
        if found:
            for cell, a in parsed:
                for b in a.scope.bindings:
                    if b.name in found and b.kind != "augassign" \
                            and not any(c == cell.index and ln == b.line for c, ln, _ in found[b.name]):
                        found[b.name].append((cell.index, b.line, None))
        self.bindings = {name: tuple(sorted(v, key=lambda x: (x[0], x[1]))) for name, v in found.items()}

    def key(self) -> tuple:
        return tuple(sorted(self.bindings.items()))

    def of(self, node: ast.AST | None, cell: Cell, a: CellAnalysis) -> str | None:
        """The URL an argument expression reads, if it reads one."""
        url = url_literal(node)
        if url is not None or node is None:
            return url
        if isinstance(node, ast.Call) and node.args and (node.func.attr if isinstance(node.func, ast.Attribute)
                                                         else getattr(node.func, "id", "")) in ("urljoin", "join"):
            return self.of(node.args[0], cell, a)
        base = node
        while isinstance(base, ast.BinOp):
            base = base.left
        if isinstance(base, ast.JoinedStr) and base.values and isinstance(base.values[0], ast.FormattedValue):
            base = base.values[0].value
        if isinstance(base, ast.Name):
            return self.named(base.id, cell, a, base)
        return None

    def named(self, name: str, cell: Cell, a: CellAnalysis, at: ast.AST | int) -> str | None:
        """The URL `name` holds at `at` (a node, or a line of the cell)."""
        line = at if isinstance(at, int) else getattr(at, "lineno", 0)
        func = _enclosing_function(a, at) if not isinstance(at, int) and a.nodes(*_FUNCTIONS) else None
        if func is not None:
            args = func.args
            if name in {p.arg for p in (*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg)
                        if p is not None}:
                return None  # whatever the caller passes
            local = [n for n in ast.walk(func) if isinstance(n, ast.Assign) and len(n.targets) == 1
                     and isinstance(n.targets[0], ast.Name) and n.targets[0].id == name]
            if local:
                before = [n for n in local if n.lineno <= line] or local
                return url_literal(before[-1].value)
        bindings = self.bindings.get(name)
        if not bindings:
            return None
        reaching = [url for c, ln, url in bindings if (c, ln) < (cell.index, line) or (c, ln) == (cell.index, line)]
        return reaching[-1] if reaching else None


def _enclosing_function(a: CellAnalysis, node: ast.AST) -> ast.AST | None:
    parent = a.parent(node)
    while parent is not None:
        if isinstance(parent, _FUNCTIONS):
            return parent
        parent = a.parent(parent)
    return None
