"""Per-cell definitions and uses with Python's scoping rules (a pyflakes-style visitor).

For each cell we learn which module-level names it binds, which it reads before binding them
(those reads depend on earlier cells), which reads happen later inside function bodies
(they depend on the notebook state when the function is called), and which names it mutates
in place or deletes. Every node visited is also bucketed by type so rules can scan, say, all
calls of a cell without walking the tree again.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from dataclasses import dataclass, field

_FUNCS = (ast.FunctionDef, ast.AsyncFunctionDef)
_COMPS = (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)
# Method names that change their receiver in place (pandas, numpy, sklearn, lists, dicts, sets).
MUTATING_METHODS = frozenset({
    "fit", "partial_fit", "fit_transform", "fit_predict", "append", "extend", "insert", "pop",
    "remove", "clear", "update", "add", "discard", "sort", "reverse", "setdefault", "popitem",
    "drop", "dropna", "fillna", "rename", "reset_index", "set_index", "replace", "sort_values",
    "sort_index", "drop_duplicates", "interpolate", "clip", "where", "mask", "astype",
    "resize", "shuffle", "compile", "train", "load_state_dict", "to", "eval", "requires_grad_",
    "zero_grad", "step", "backward", "set_params", "insert_column", "assign", "apply_",
})


@dataclass(frozen=True)
class Binding:
    name: str
    line: int
    col: int
    kind: str  # "assign" | "import" | "def" | "class" | "for" | "with" | "except" | "global" | ...


@dataclass(frozen=True)
class Use:
    name: str
    line: int
    col: int
    end_col: int
    # "" for a module-level read; the enclosing function's name for a read deferred until call.
    function: str = ""


@dataclass(frozen=True)
class Mutation:
    name: str
    line: int
    col: int
    how: str  # "augassign" | "self-assign" | "subscript" | "attribute" | "method:<name>" | "inplace"


@dataclass
class CellScope:
    """What a cell binds and reads at module level."""

    bindings: list[Binding] = field(default_factory=list)
    uses: list[Use] = field(default_factory=list)  # reads of names not bound earlier in the cell
    deferred: list[Use] = field(default_factory=list)  # global reads inside function bodies
    deletions: list[Binding] = field(default_factory=list)
    mutations: list[Mutation] = field(default_factory=list)
    star_imports: list[str] = field(default_factory=list)
    imports: dict[str, str] = field(default_factory=dict)  # local alias -> qualified name
    functions: dict[str, ast.AST] = field(default_factory=dict)  # module-level def/class
    nodes: dict[type, list[ast.AST]] = field(default_factory=lambda: defaultdict(list))

    @property
    def defined(self) -> set[str]:
        return {b.name for b in self.bindings}


class _Scope:
    __slots__ = ("kind", "names", "globals", "nonlocals", "parent", "function")

    def __init__(self, kind: str, parent: "_Scope | None", function: str = "") -> None:
        self.kind = kind
        self.names: set[str] = set()
        self.globals: set[str] = set()
        self.nonlocals: set[str] = set()
        self.parent = parent
        self.function = function


def _target_names(node: ast.AST) -> list[ast.Name]:
    if isinstance(node, ast.Name):
        return [node]
    if isinstance(node, (ast.Tuple, ast.List)):
        return [n for elt in node.elts for n in _target_names(elt)]
    if isinstance(node, ast.Starred):
        return _target_names(node.value)
    return []


def _local_bindings(body: list[ast.stmt], args: ast.arguments | None) -> tuple[set[str], set[str], set[str]]:
    """Names a function binds locally, and its global/nonlocal declarations (Python decides
    locality for the whole body before it runs)."""
    names: set[str] = set()
    globs: set[str] = set()
    nonlocs: set[str] = set()
    if args is not None:
        for a in (*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg):
            if a is not None:
                names.add(a.arg)
    stack: list[ast.AST] = list(body)
    while stack:
        node = stack.pop()
        if isinstance(node, (*_FUNCS, ast.ClassDef)):
            names.add(node.name)
            stack.extend(node.decorator_list)
            if not isinstance(node, ast.ClassDef):
                stack.extend(d for d in (*node.args.defaults, *node.args.kw_defaults) if d)
            continue
        if isinstance(node, ast.Lambda):
            stack.extend(node.args.defaults)
            continue
        if isinstance(node, _COMPS):
            # Only walrus targets escape a comprehension.
            for sub in _walk(node):
                if isinstance(sub, ast.NamedExpr) and isinstance(sub.target, ast.Name):
                    names.add(sub.target.id)
            continue
        if isinstance(node, ast.Global):
            globs.update(node.names)
        elif isinstance(node, ast.Nonlocal):
            nonlocs.update(node.names)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            names.add(node.id)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                if alias.name != "*":
                    names.add(alias.asname or alias.name.split(".")[0])
        elif isinstance(node, ast.ExceptHandler) and node.name:
            names.add(node.name)
        elif isinstance(node, (ast.MatchAs, ast.MatchStar)) and node.name:
            names.add(node.name)
        elif isinstance(node, ast.MatchMapping) and node.rest:
            names.add(node.rest)
        stack.extend(_children(node))
    return names - globs - nonlocs, globs, nonlocs


class ScopeVisitor:
    """Walks one cell's module once, filling a CellScope."""

    def __init__(self) -> None:
        self.result = CellScope()
        self.module = _Scope("module", None)
        self.scope = self.module
        self.bound: set[str] = set()  # module names bound so far, in statement order

    # -- entry ----------------------------------------------------------------------------
    def run(self, tree: ast.Module) -> CellScope:
        for stmt in tree.body:
            self.visit(stmt)
        return self.result

    def visit(self, node: ast.AST) -> None:
        kind = type(node)
        self.result.nodes[kind].append(node)
        try:
            method = _DISPATCH[kind]
        except KeyError:  # looked up once per node type, not once per node
            method = _DISPATCH[kind] = getattr(ScopeVisitor, "visit_" + kind.__name__, None)
        if method is not None:
            method(self, node)
        else:
            for child in _children(node):
                self.visit(child)

    def visit_all(self, nodes) -> None:
        for n in nodes:
            if n is not None:
                self.visit(n)

    # -- bindings -------------------------------------------------------------------------
    def bind(self, name: str, node: ast.AST, kind: str) -> None:
        scope = self.scope
        while scope.kind == "comprehension" and kind == "walrus":
            scope = scope.parent  # type: ignore[assignment]
        if scope.kind == "module" or (name in scope.globals):
            self.bound.add(name)
            self.result.bindings.append(Binding(name, getattr(node, "lineno", 0),
                                                getattr(node, "col_offset", 0),
                                                kind if scope.kind == "module" else "global"))
        else:
            scope.names.add(name)

    def read(self, node: ast.Name) -> None:
        name = node.id
        scope = self.scope
        first = True
        function = ""
        while scope.kind != "module":
            if name in scope.globals:
                break
            # Class bodies are invisible to the functions nested in them.
            if (first or scope.kind != "class") and name in scope.names:
                return
            if scope.kind in ("function", "lambda") and not function:
                function = scope.function
            first = False
            scope = scope.parent  # type: ignore[assignment]
        use = Use(name, node.lineno, node.col_offset, node.end_col_offset or node.col_offset,
                  function)
        if function:
            self.result.deferred.append(use)
        elif name not in self.bound:
            self.result.uses.append(use)

    def visit_Name(self, node: ast.Name) -> None:
        if isinstance(node.ctx, ast.Load):
            self.read(node)
        elif isinstance(node.ctx, ast.Store):
            self.bind(node.id, node, "assign")
        else:  # Del
            if self.scope.kind == "module":
                if node.id not in self.bound:
                    self.read(node)
                self.bound.discard(node.id)
                self.result.deletions.append(Binding(node.id, node.lineno, node.col_offset, "del"))

    # -- statements -----------------------------------------------------------------------
    def visit_Assign(self, node: ast.Assign) -> None:
        self.visit(node.value)
        for target in node.targets:
            self._mutation_from_target(target, node)
            self.visit(target)
            if self.scope is not self.module:
                continue
            if isinstance(target, ast.Name) and _reads_name(node.value, target.id):
                self._mutate(target.id, node, "self-assign")
            elif isinstance(target, (ast.Subscript, ast.Attribute)) and _reads_expr(node.value, target):
                base = _base_name(target)
                if base is not None:
                    self._mutate(base, node, "self-assign")

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        self.visit_all([node.value, node.annotation])
        self._mutation_from_target(node.target, node)
        self.visit(node.target)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        self.visit(node.value)
        target = node.target
        if isinstance(target, ast.Name):
            self.read(ast.copy_location(ast.Name(id=target.id, ctx=ast.Load()), target))
            self.bind(target.id, target, "augassign")
            self.result.nodes[ast.Name].append(target)
            if self.scope is self.module:
                self._mutate(target.id, node, "augassign")
        else:
            self._mutation_from_target(target, node, how="augassign")
            self.visit(target)

    def _mutation_from_target(self, target: ast.AST, stmt: ast.AST, how: str | None = None) -> None:
        if self.scope is not self.module:
            return
        if isinstance(target, (ast.Subscript, ast.Attribute)):
            base = _base_name(target)
            if base is not None:
                kind = how or ("subscript" if isinstance(target, ast.Subscript) else "attribute")
                self._mutate(base, stmt, kind)
        elif isinstance(target, (ast.Tuple, ast.List)):
            for elt in target.elts:
                self._mutation_from_target(elt, stmt, how)

    def _mutate(self, name: str, node: ast.AST, how: str) -> None:
        self.result.mutations.append(Mutation(name, node.lineno, node.col_offset, how))

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        if self.scope is self.module and isinstance(func, ast.Attribute):
            base = _base_name(func.value)
            if base is not None:
                inplace = any(k.arg == "inplace" and isinstance(k.value, ast.Constant)
                              and k.value.value is True for k in node.keywords)
                if inplace:
                    self._mutate(base, node, "inplace")
                elif func.attr in MUTATING_METHODS and isinstance(func.value, ast.Name):
                    self._mutate(base, node, "method:" + func.attr)
        for child in _children(node):
            self.visit(child)

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            if alias.asname:
                local, qual = alias.asname, alias.name
            else:
                local = alias.name.split(".")[0]
                qual = local
            self.result.imports.setdefault(local, qual)
            self.bind(local, node, "import")

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        module = "." * (node.level or 0) + (node.module or "")
        for alias in node.names:
            if alias.name == "*":
                if self.scope is self.module:
                    self.result.star_imports.append(module)
                continue
            local = alias.asname or alias.name
            self.result.imports.setdefault(local, f"{module}.{alias.name}" if module else alias.name)
            self.bind(local, node, "import")

    def visit_Global(self, node: ast.Global) -> None:
        self.scope.globals.update(node.names)

    def visit_Nonlocal(self, node: ast.Nonlocal) -> None:
        self.scope.nonlocals.update(node.names)

    def visit_For(self, node: ast.For | ast.AsyncFor) -> None:
        self.visit(node.iter)
        self.visit(node.target)
        self.visit_all(node.body)
        self.visit_all(node.orelse)

    visit_AsyncFor = visit_For

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> None:
        if node.type is not None:
            self.visit(node.type)
        if node.name:
            self.bind(node.name, node, "except")
        self.visit_all(node.body)

    def visit_MatchAs(self, node: ast.MatchAs) -> None:
        if node.pattern is not None:
            self.visit(node.pattern)
        if node.name:
            self.bind(node.name, node, "match")

    def visit_MatchStar(self, node: ast.MatchStar) -> None:
        if node.name:
            self.bind(node.name, node, "match")

    def visit_MatchMapping(self, node: ast.MatchMapping) -> None:
        self.visit_all(node.keys)
        self.visit_all(node.patterns)
        if node.rest:
            self.bind(node.rest, node, "match")

    def visit_NamedExpr(self, node: ast.NamedExpr) -> None:
        self.visit(node.value)
        self.result.nodes[ast.Name].append(node.target)
        self.bind(node.target.id, node.target, "walrus")

    # -- scopes ---------------------------------------------------------------------------
    def _function(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda, name: str) -> None:
        args = node.args
        self.visit_all([*args.defaults, *args.kw_defaults])
        if not isinstance(node, ast.Lambda):
            self.visit_all(node.decorator_list)
        body = node.body if isinstance(node.body, list) else [ast.Expr(node.body)]
        scope = _Scope("lambda" if isinstance(node, ast.Lambda) else "function", self.scope,
                       function=name if self.scope.kind == "module" else self.scope.function or name)
        scope.names, scope.globals, scope.nonlocals = _local_bindings(body, args)
        outer = self.scope
        self.scope = scope
        # Annotations are read when the function is defined, but with postponed evaluation they
        # never are; count them as deferred so they cannot cause use-before-define reports.
        for a in (*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg):
            if a is not None and a.annotation is not None:
                self.visit(a.annotation)
        if not isinstance(node, ast.Lambda) and node.returns is not None:
            self.visit(node.returns)
        self.visit_all(node.body if isinstance(node.body, list) else [node.body])
        self.scope = outer

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        self._function(node, node.name)
        self.bind(node.name, node, "def")
        if self.scope is self.module:
            self.result.functions[node.name] = node

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Lambda(self, node: ast.Lambda) -> None:
        self._function(node, "<lambda>")

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        self.visit_all([*node.decorator_list, *node.bases, *node.keywords])
        scope = _Scope("class", self.scope, function=self.scope.function)
        outer = self.scope
        self.scope = scope
        self.visit_all(node.body)
        self.scope = outer
        self.bind(node.name, node, "class")
        if self.scope is self.module:
            self.result.functions[node.name] = node

    def _comprehension(self, node, elements: list[ast.AST]) -> None:
        generators = node.generators
        # The first iterable is evaluated in the enclosing scope.
        self.visit(generators[0].iter)
        scope = _Scope("comprehension", self.scope, function=self.scope.function)
        for gen in generators:
            for name in _target_names(gen.target):
                scope.names.add(name.id)
        outer = self.scope
        self.scope = scope
        for i, gen in enumerate(generators):
            if i:
                self.visit(gen.iter)
            self.result.nodes[type(gen.target)].append(gen.target)
            self.visit_all(gen.ifs)
        self.visit_all(elements)
        self.scope = outer

    def visit_ListComp(self, node):
        self._comprehension(node, [node.elt])

    visit_SetComp = visit_GeneratorExp = visit_ListComp

    def visit_DictComp(self, node):
        self._comprehension(node, [node.key, node.value])


_DISPATCH: dict[type, object] = {}
# Singleton marker nodes (Load/Store, +, ==, and ...): nothing to learn from visiting them, and
# they are a third of all nodes. Their parents (Name, BinOp, Compare ...) are still indexed.
_MARKERS = (ast.expr_context, ast.operator, ast.unaryop, ast.cmpop, ast.boolop)


def _children(node: ast.AST):
    """ast.iter_child_nodes without the marker nodes (the analysis' hottest loop)."""
    for name in node._fields:
        value = getattr(node, name, None)
        if isinstance(value, ast.AST):
            if not isinstance(value, _MARKERS):
                yield value
        elif isinstance(value, list):
            for item in value:
                if isinstance(item, ast.AST) and not isinstance(item, _MARKERS):
                    yield item


def _base_name(node: ast.AST) -> str | None:
    while isinstance(node, (ast.Attribute, ast.Subscript)):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def _walk(node: ast.AST):
    """ast.walk without the marker nodes; order does not matter to the callers."""
    stack = [node]
    while stack:
        n = stack.pop()
        yield n
        stack.extend(_children(n))


def _reads_name(node: ast.AST, name: str) -> bool:
    return any(type(n) is ast.Name and n.id == name and isinstance(n.ctx, ast.Load)
               for n in _walk(node))


def _reads_expr(node: ast.AST, target: ast.AST) -> bool:
    """Does `node` read the same subscript/attribute expression that `target` writes?"""
    want = ast.dump(target).replace("Store()", "Load()")
    kind = type(target)
    return any(type(n) is kind and ast.dump(n) == want for n in _walk(node))


def analyse_scopes(tree: ast.Module) -> CellScope:
    return ScopeVisitor().run(tree)
