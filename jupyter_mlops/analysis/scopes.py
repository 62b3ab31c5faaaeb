"""Per-cell definitions and uses with Python's scoping rules (a pyflakes-style visitor).

For each cell we learn which module-level names it binds, which it reads before binding them
(those reads depend on earlier cells), which reads happen later inside function bodies
(they depend on the notebook state when the function is called), and which names it mutates
in place or deletes. Every node visited is also bucketed by type so rules can scan, say, all
calls of a cell without walking the tree again.

Speed matters here: a language server analyses every new cell of a notebook when it opens.
The walk handles the commonest node types inline and the rest through a per-type plan (the
fields that can hold child nodes, read once per type from the node class's signature), instead
of scanning every attribute of every node; it builds result objects only for reads it reports.
"""

from __future__ import annotations

import ast
import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

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


# Slots: a language server keeps thousands of cell analyses, each with dozens of these.
@dataclass(frozen=True, slots=True)
class Binding:
    name: str
    line: int
    col: int
    kind: str  # "assign" | "import" | "def" | "class" | "for" | "with" | "except" | "global" | ...


@dataclass(frozen=True, slots=True)
class Use:
    name: str
    line: int
    col: int
    end_col: int
    # "" for a module-level read; the enclosing function's name for a read deferred until call.
    function: str = ""


@dataclass(frozen=True, slots=True)
class Mutation:
    name: str
    line: int
    col: int
    how: str  # "augassign" | "self-assign" | "subscript" | "attribute" | "method:<name>" | "inplace"


# Frozen dataclasses set each field through object.__setattr__ in __init__; a cell makes dozens
# of these, so the analysis fills the slots directly (same objects, a third of the cost). A new
# field needs its line below (test_analysis_equivalence compares with objects built normally).
_new = object.__new__
_SET_USE = tuple(Use.__dict__[f].__set__ for f in ("name", "line", "col", "end_col", "function"))


def _four_fields(cls: type, names: tuple[str, str, str, str]):
    """A constructor for a frozen dataclass of four fields that fills its slots directly."""
    s0, s1, s2, s3 = (cls.__dict__[f].__set__ for f in names)

    def make(a, b, c, d):
        obj = _new(cls)
        s0(obj, a)
        s1(obj, b)
        s2(obj, c)
        s3(obj, d)
        return obj

    return make


def _use(name: str, line: int, col: int, end_col: int, function: str,
         _set=_SET_USE) -> Use:
    use = _new(Use)
    _set[0](use, name)
    _set[1](use, line)
    _set[2](use, col)
    _set[3](use, end_col)
    _set[4](use, function)
    return use


_binding: Callable[[str, int, int, str], Binding] = _four_fields(Binding, ("name", "line", "col", "kind"))
_mutation: Callable[[str, int, int, str], Mutation] = _four_fields(Mutation, ("name", "line", "col", "how"))


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


# -- which fields of a node hold child nodes ----------------------------------------------------
# Each concrete node class documents its ASDL signature, e.g. "Call(expr func, expr* args,
# keyword* keywords)". Fields of these types never hold a child worth visiting: plain values, or
# the singleton marker nodes (Load/Store, +, ==, and ...) that are a third of all nodes.
_LEAF_TYPES = frozenset({"identifier", "string", "int", "constant", "object",
                         "expr_context", "operator", "unaryop", "cmpop", "boolop"})
_SIGNATURE = re.compile(r"(\w+)\((.*)\)")
_MARKERS = (ast.expr_context, ast.operator, ast.unaryop, ast.cmpop, ast.boolop)
_DYNAMIC = None  # plan of a node type whose signature we cannot read: inspect values instead


def _child_fields(kind: type) -> tuple[tuple[str, bool], ...] | None:
    """(field, holds a list) for the fields of `kind` that may hold child nodes, in field order."""
    fields = getattr(kind, "_fields", ())
    if not fields:
        return ()
    doc = (kind.__doc__ or "").strip()
    match = _SIGNATURE.fullmatch(doc)
    if match is None or match.group(1) != kind.__name__:
        return _DYNAMIC
    plan = []
    names = []
    for part in match.group(2).split(","):
        words = part.split()
        if len(words) != 2:
            return _DYNAMIC
        typ, name = words
        names.append(name)
        base = typ.rstrip("?*")
        if base not in _LEAF_TYPES:
            plan.append((name, typ.endswith("*")))
    if tuple(names) != tuple(fields):
        return _DYNAMIC
    return tuple(plan)


def _dynamic_children(node: ast.AST) -> list[ast.AST]:
    """ast.iter_child_nodes without the marker nodes, for node types with no readable signature."""
    out = []
    for name in node._fields:
        value = getattr(node, name, None)
        if isinstance(value, ast.AST):
            if not isinstance(value, _MARKERS):
                out.append(value)
        elif isinstance(value, list):
            out.extend(item for item in value
                       if isinstance(item, ast.AST) and not isinstance(item, _MARKERS))
    return out


_PLANS: dict[type, tuple[tuple[str, bool], ...] | None] = {}


def _plan(kind: type) -> tuple[tuple[str, bool], ...] | None:
    try:
        return _PLANS[kind]
    except KeyError:
        plan = _PLANS[kind] = _child_fields(kind)
        return plan


def _children(node: ast.AST) -> list[ast.AST]:
    """The child nodes of `node` (no markers), in field order."""
    plan = _PLANS.get(type(node), 0)
    if plan == 0:
        plan = _plan(type(node))
    if plan is None:
        return _dynamic_children(node)
    out: list[ast.AST] = []
    for name, many in plan:
        value = getattr(node, name, None)
        if value is None:
            continue
        if many:
            out.extend(child for child in value if child is not None)
        else:
            out.append(value)
    return out


def _walk(node: ast.AST):
    """ast.walk without the marker nodes; order does not matter to the callers."""
    stack = [node]
    pop = stack.pop
    extend = stack.extend
    while stack:
        n = pop()
        yield n
        extend(_children(n))


def _target_names(node: ast.AST) -> list[ast.Name]:
    if isinstance(node, ast.Name):
        return [node]
    if isinstance(node, (ast.Tuple, ast.List)):
        return [n for elt in node.elts for n in _target_names(elt)]
    if isinstance(node, ast.Starred):
        return _target_names(node.value)
    return []


def _plain_target(node: ast.AST) -> bool:
    """A target made of names only (no subscript or attribute, which read names)."""
    kind = type(node)
    if kind is ast.Name:
        return True
    if kind is ast.Tuple or kind is ast.List:
        return all(_plain_target(elt) for elt in node.elts)
    if kind is ast.Starred:
        return _plain_target(node.value)
    return False


# Module globals for the node types tested on every node (a global lookup beats `ast.X`).
_Name = ast.Name
_keyword = ast.keyword
_Expr = ast.Expr
_Subscript = ast.Subscript
_Call = ast.Call
_Constant = ast.Constant
_Attribute = ast.Attribute
_Load = ast.Load
_Lambda = ast.Lambda
_NamedExpr = ast.NamedExpr


# What binds a name inside a function body, by node type (see _local_bindings).
_BINDERS = {ast.FunctionDef: "def", ast.AsyncFunctionDef: "def", ast.ClassDef: "class",
            ast.Lambda: "lambda", ast.Global: "global", ast.Nonlocal: "nonlocal",
            ast.Import: "import", ast.ImportFrom: "import", ast.ExceptHandler: "name",
            **{kind: "comprehension" for kind in _COMPS}}
if hasattr(ast, "MatchAs"):
    _BINDERS.update({ast.MatchAs: "name", ast.MatchStar: "name", ast.MatchMapping: "rest"})


def _local_bindings(body: list[ast.AST], args: ast.arguments | None) -> tuple[set[str], set[str], set[str]]:
    """Names a function binds locally, and its global/nonlocal declarations (Python decides
    locality for the whole body before it runs)."""
    names: set[str] = set()
    globs: set[str] = set()
    nonlocs: set[str] = set()
    add = names.add
    if args is not None:
        for a in (*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg):
            if a is not None:
                add(a.arg)
    stack: list[ast.AST] = list(body)
    pop = stack.pop
    push = stack.append
    extend = stack.extend
    while stack:
        node = pop()
        kind = type(node)
        if kind is _Name:
            if node.ctx.__class__ is not _Load:
                add(node.id)
            continue
        special = _BINDERS.get(kind)
        if special is None:  # most nodes: just look inside
            plan = _PLANS.get(kind, 0)
            if plan == 0:
                plan = _plan(kind)
            if plan is None:
                extend(_dynamic_children(node))
                continue
            for name, many in plan:
                value = getattr(node, name, None)
                if value is not None:
                    if many:
                        extend(value)
                    else:
                        push(value)
            continue
        if special == "def":
            add(node.name)
            extend(node.decorator_list)
            extend(d for d in (*node.args.defaults, *node.args.kw_defaults) if d)
            continue
        if special == "class":
            add(node.name)
            extend(node.decorator_list)
            extend(node.bases)
            extend(node.keywords)
            continue
        if special == "lambda":
            extend(node.args.defaults)
            extend(d for d in node.args.kw_defaults if d)
            continue
        if special == "comprehension":
            _walrus_targets(node, add)
            continue
        if special == "global":
            globs.update(node.names)
            continue
        if special == "nonlocal":
            nonlocs.update(node.names)
            continue
        if special == "import":
            for alias in node.names:
                if alias.name != "*":
                    add(alias.asname or alias.name.split(".")[0])
            continue
        if special == "rest":
            if node.rest:
                add(node.rest)
        elif node.name:  # except-as, match-as, match-star
            add(node.name)
        extend(_children(node))
    return names - globs - nonlocs, globs, nonlocs


def _walrus_targets(comprehension: ast.AST, add) -> None:
    """Only walrus targets escape a comprehension (to the enclosing function), nested
    comprehensions included; inside a lambda they bind in the lambda, but its defaults are
    evaluated in the comprehension."""
    stack = [comprehension]
    while stack:
        node = stack.pop()
        kind = type(node)
        if kind is _NamedExpr and type(node.target) is _Name:
            add(node.target.id)
        if kind is _Lambda:
            stack.extend(node.args.defaults)
            stack.extend(d for d in node.args.kw_defaults if d)
        else:
            stack.extend(_children(node))


class ScopeVisitor:
    """Walks one cell's module once, filling a CellScope."""

    __slots__ = ("bound", "hidden", "local", "module", "nodes", "result", "scope")

    def __init__(self) -> None:
        self.result = CellScope()
        self.nodes = self.result.nodes
        self.module = _Scope("module", None)
        self.scope = self.module
        self.bound: set[str] = set()  # module names bound so far, in statement order
        # Comprehension targets that read names (`for a[i] in ...`) are not visited; counted
        # so that visit_Assign knows when its record of visited names is incomplete.
        self.hidden = 0
        # ids of the Name nodes read that a comprehension or lambda binds (`x` in `[x for x in a]`):
        # such a read is not of the module-level name, so `x = f([x for x in a])` is no self-update.
        self.local: set[int] = set()

    # -- entry ----------------------------------------------------------------------------
    def run(self, tree: ast.Module) -> CellScope:
        visit = self.visit
        for stmt in tree.body:
            visit(stmt)
        return self.result

    def visit(self, node: ast.AST) -> None:
        # Node types without special handling recurse here directly (one frame per level, so
        # deep expressions such as long `a + b + ...` chains stay within the recursion limit).
        # The commonest kinds (four in five nodes) are handled inline, before any lookup.
        kind = type(node)
        self.nodes[kind].append(node)
        if kind is _Name:
            if node.ctx.__class__ is _Load and self.scope is self.module:
                name = node.id
                if name not in self.bound:
                    self.result.uses.append(_use(name, node.lineno, node.col_offset,
                                                 node.end_col_offset or node.col_offset, ""))
            else:
                self.visit_Name(node)
            return
        if kind is _Constant:
            return
        if kind is _Attribute:
            self.visit(node.value)
            return
        if kind is _Call:
            if self.scope is self.module and type(node.func) is _Attribute:
                self._call_mutation(node)
            visit = self.visit
            visit(node.func)
            for arg in node.args:
                visit(arg)
            for keyword in node.keywords:
                visit(keyword)
            return
        if kind is _keyword or kind is _Expr:
            self.visit(node.value)
            return
        if kind is _Subscript:
            self.visit(node.value)
            self.visit(node.slice)
            return
        try:
            plan = _DISPATCH[kind]
        except KeyError:  # learnt once per node type, not once per node
            plan = _DISPATCH[kind] = _SPECIAL.get(kind) or _plan(kind)
        if plan.__class__ is tuple:
            visit = self.visit
            for name, many in plan:
                value = getattr(node, name, None)
                if value is None:
                    continue
                if many:
                    for child in value:
                        if child is not None:
                            visit(child)
                else:
                    visit(value)
        elif plan is None:
            for child in _dynamic_children(node):
                self.visit(child)
        else:
            plan(self, node)

    # -- bindings -------------------------------------------------------------------------
    def bind(self, name: str, node: ast.AST, kind: str) -> None:
        scope = self.scope
        if kind == "walrus":
            while scope.kind == "comprehension":
                scope = scope.parent  # type: ignore[assignment]
        if scope is self.module:
            self.bound.add(name)
            self.result.bindings.append(_binding(name, getattr(node, "lineno", 0),
                                                getattr(node, "col_offset", 0), kind))
        elif name in scope.globals:
            self.bound.add(name)
            self.result.bindings.append(_binding(name, getattr(node, "lineno", 0),
                                                getattr(node, "col_offset", 0), "global"))
        else:
            scope.names.add(name)

    def read(self, name: str, node: ast.AST) -> None:
        scope = self.scope
        if scope is self.module:
            if name not in self.bound:
                self.result.uses.append(_use(name, node.lineno, node.col_offset,
                                            node.end_col_offset or node.col_offset, ""))
            return
        first = True
        while scope.kind != "module":
            if name in scope.globals:
                break
            # Class bodies are invisible to the functions nested in them.
            if (first or scope.kind != "class") and name in scope.names:
                self.local.add(id(node))
                return
            first = False
            scope = scope.parent  # type: ignore[assignment]
        # A global read in a function body (a `global` name too) happens when it is called.
        function = self.scope.function
        if function:
            self.result.deferred.append(_use(name, node.lineno, node.col_offset,
                                            node.end_col_offset or node.col_offset, function))
        elif name not in self.bound:
            self.result.uses.append(_use(name, node.lineno, node.col_offset,
                                        node.end_col_offset or node.col_offset, ""))

    def visit_Name(self, node: ast.Name) -> None:
        # (Module-level reads, the commonest case, are handled in `visit` already.)
        if isinstance(node.ctx, ast.Load):
            self.read(node.id, node)
        elif isinstance(node.ctx, ast.Store):
            self.bind(node.id, node, "assign")
        else:  # Del
            if self.scope is self.module:
                name = node.id
                if name not in self.bound:
                    self.read(name, node)
                self.bound.discard(name)
                self.result.deletions.append(_binding(name, node.lineno, node.col_offset, "del"))

    # -- statements -----------------------------------------------------------------------
    def visit_Assign(self, node: ast.Assign) -> None:
        value = node.value
        targets = node.targets
        if self.scope is not self.module:
            self.visit(value)
            for target in targets:
                self.visit(target)
            return
        # Does the value read what a target writes (`df = df.dropna()`)? The names the value
        # adds to the index while it is visited say, unless a comprehension target hid some.
        nodes = self.nodes
        names = nodes.get(_Name)
        start = len(names) if names else 0
        hidden = self.hidden
        kinds = None
        if not (len(targets) == 1 and type(targets[0]) is _Name):
            kinds = (_count(nodes, _Subscript), _count(nodes, _Attribute))
        self.visit(value)
        complete = hidden == self.hidden
        names = nodes.get(_Name)
        end = len(names) if names else 0
        if kinds is not None:
            kinds = (kinds[0] != _count(nodes, _Subscript), kinds[1] != _count(nodes, _Attribute))
        reads: set[str] | None = None
        for target in targets:
            self._mutation_from_target(target, node)
            self.visit(target)
            kind = type(target)
            if kind is _Name:
                if reads is None:
                    local = self.local
                    if complete:
                        reads = {n.id for n in names[start:end] if isinstance(n.ctx, _Load)
                                 and id(n) not in local} if end > start else set()
                    else:
                        reads = {n.id for n in _walk(value)
                                 if type(n) is _Name and isinstance(n.ctx, _Load) and id(n) not in local}
                if target.id in reads:
                    self._mutate(target.id, node, "self-assign")
            elif kind is _Subscript or kind is _Attribute:
                if complete and not kinds[kind is _Attribute]:
                    continue  # the value has no expression of this kind at all
                if _reads_expr(value, target):
                    base = _base_name(target)
                    if base is not None:
                        self._mutate(base, node, "self-assign")

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        if node.value is not None:
            self.visit(node.value)
        self.visit(node.annotation)
        self._mutation_from_target(node.target, node)
        self.visit(node.target)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        self.visit(node.value)
        target = node.target
        if type(target) is _Name:
            self.read(target.id, target)
            self.bind(target.id, target, "augassign")
            self.nodes[_Name].append(target)
            if self.scope is self.module:
                self._mutate(target.id, node, "augassign")
        else:
            self._mutation_from_target(target, node, how="augassign")
            self.visit(target)

    def _mutation_from_target(self, target: ast.AST, stmt: ast.AST, how: str | None = None) -> None:
        if self.scope is not self.module:
            return
        kind = type(target)
        if kind is ast.Subscript or kind is ast.Attribute:
            base = _base_name(target)
            if base is not None:
                kind = how or ("subscript" if kind is ast.Subscript else "attribute")
                self._mutate(base, stmt, kind)
        elif kind is ast.Tuple or kind is ast.List:
            for elt in target.elts:
                self._mutation_from_target(elt, stmt, how)

    def _mutate(self, name: str, node: ast.AST, how: str) -> None:
        self.result.mutations.append(_mutation(name, node.lineno, node.col_offset, how))

    def _call_mutation(self, node: ast.Call) -> None:
        func = node.func
        receiver = func.value
        base = receiver.id if type(receiver) is _Name else _base_name(receiver)
        if base is None:
            return
        for k in node.keywords:
            if k.arg == "inplace" and type(k.value) is _Constant and k.value.value is True:
                self._mutate(base, node, "inplace")
                return
        if func.attr in MUTATING_METHODS and type(receiver) is _Name:
            self._mutate(base, node, "method:" + func.attr)

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
        visit = self.visit
        visit(node.iter)
        visit(node.target)
        for stmt in node.body:
            visit(stmt)
        for stmt in node.orelse:
            visit(stmt)

    visit_AsyncFor = visit_For

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> None:
        if node.type is not None:
            self.visit(node.type)
        if node.name:
            self.bind(node.name, node, "except")
        visit = self.visit
        for stmt in node.body:
            visit(stmt)

    def visit_MatchAs(self, node: ast.MatchAs) -> None:
        if node.pattern is not None:
            self.visit(node.pattern)
        if node.name:
            self.bind(node.name, node, "match")

    def visit_MatchStar(self, node: ast.MatchStar) -> None:
        if node.name:
            self.bind(node.name, node, "match")

    def visit_MatchMapping(self, node: ast.MatchMapping) -> None:
        visit = self.visit
        for key in node.keys:
            visit(key)
        for pattern in node.patterns:
            visit(pattern)
        if node.rest:
            self.bind(node.rest, node, "match")

    def visit_NamedExpr(self, node: ast.NamedExpr) -> None:
        self.visit(node.value)
        self.nodes[_Name].append(node.target)
        self.bind(node.target.id, node.target, "walrus")

    # -- scopes ---------------------------------------------------------------------------
    def _function(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda, name: str) -> None:
        visit = self.visit
        args = node.args
        for default in args.defaults:
            visit(default)
        for default in args.kw_defaults:
            if default is not None:
                visit(default)
        lambda_ = type(node) is _Lambda
        if not lambda_:
            for decorator in node.decorator_list:
                visit(decorator)
        outer = self.scope
        scope = _Scope("lambda" if lambda_ else "function", outer,
                       function=name if outer.kind == "module" else outer.function or name)
        scope.names, scope.globals, scope.nonlocals = _local_bindings(
            [node.body] if lambda_ else node.body, args)
        self.scope = scope
        # Annotations are read when the function is defined, but with postponed evaluation they
        # never are; count them as deferred so they cannot cause use-before-define reports.
        for a in (*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg):
            if a is not None and a.annotation is not None:
                visit(a.annotation)
        if lambda_:
            visit(node.body)
        else:
            if node.returns is not None:
                visit(node.returns)
            for stmt in node.body:
                visit(stmt)
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
        visit = self.visit
        for decorator in node.decorator_list:
            visit(decorator)
        for base in node.bases:
            visit(base)
        for keyword in node.keywords:
            visit(keyword)
        outer = self.scope
        self.scope = _Scope("class", outer, function=outer.function)
        for stmt in node.body:
            visit(stmt)
        self.scope = outer
        self.bind(node.name, node, "class")
        if outer is self.module:
            self.result.functions[node.name] = node

    def _comprehension(self, node, elements: tuple[ast.AST, ...]) -> None:
        visit = self.visit
        generators = node.generators
        # The first iterable is evaluated in the enclosing scope.
        visit(generators[0].iter)
        outer = self.scope
        scope = _Scope("comprehension", outer, function=outer.function)
        names = scope.names
        for gen in generators:
            target = gen.target
            if type(target) is _Name:
                names.add(target.id)
            else:
                for name in _target_names(target):
                    names.add(name.id)
                if not _plain_target(target):
                    self.hidden += 1
        self.scope = scope
        nodes = self.nodes
        for i, gen in enumerate(generators):
            if i:
                visit(gen.iter)
            nodes[type(gen.target)].append(gen.target)
            for cond in gen.ifs:
                visit(cond)
        for element in elements:
            visit(element)
        self.scope = outer

    def visit_ListComp(self, node):
        self._comprehension(node, (node.elt,))

    visit_SetComp = visit_GeneratorExp = visit_ListComp

    def visit_DictComp(self, node):
        self._comprehension(node, (node.key, node.value))


_SPECIAL = {getattr(ast, name[6:]): method for name, method in vars(ScopeVisitor).items()
            if name.startswith("visit_") and hasattr(ast, name[6:])}
_DISPATCH: dict[type, object] = {}


def _count(nodes: dict, kind: type) -> int:
    found = nodes.get(kind)
    return len(found) if found else 0


def _base_name(node: ast.AST) -> str | None:
    while isinstance(node, (ast.Attribute, ast.Subscript)):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def _reads_expr(node: ast.AST, target: ast.AST) -> bool:
    """Does `node` read the same subscript/attribute expression that `target` writes?"""
    kind = type(target)
    candidates = [n for n in _walk(node) if type(n) is kind]
    if not candidates:
        return False
    want = ast.dump(target).replace("Store()", "Load()")
    return any(ast.dump(n) == want for n in candidates)


def analyse_scopes(tree: ast.Module) -> CellScope:
    return ScopeVisitor().run(tree)
