"""Cell analysis keeps its contract however it is computed.

The analysis walks each cell once and is tuned for speed, so these tests pin what rules rely on
with independent oracles: CPython's own symbol table for which reads inside functions are
global, a plain `ast.walk` for which nodes the index holds, and real threads for thread safety.
"""

from __future__ import annotations

import ast
import dataclasses
import json
import pickle
import symtable
import sys
import threading
import warnings
from concurrent.futures import ThreadPoolExecutor

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from nbtest import CORPUS
from jupyter_mlops.analysis import analyse_cell_source
from jupyter_mlops.analysis.scopes import Binding, Mutation, Use, analyse_scopes

# -- a small grammar of cells dense in scoping constructs -----------------------------------------
NAMES = st.sampled_from(["a", "b", "df", "f", "g", "n", "x"])


@st.composite
def expressions(draw, depth: int = 0) -> str:
    name = draw(NAMES)
    if depth > 2:
        return draw(st.sampled_from([name, "1", "'s'"]))
    sub = expressions(depth + 1)
    forms = [
        lambda: name,
        lambda: f"({draw(sub)} + {draw(sub)})",
        lambda: f"{name}.{draw(st.sampled_from(['fit', 'dropna', 'head', 'append']))}({draw(sub)})",
        lambda: f"{name}[{draw(sub)}]",
        lambda: f"[{draw(sub)} for {draw(NAMES)} in {name} if {draw(sub)}]",
        lambda: f"{{{draw(NAMES)}: {draw(sub)} for {draw(NAMES)}, {draw(NAMES)} in {name}}}",
        lambda: f"({draw(NAMES)} := {draw(sub)})",
        lambda: f"[({draw(NAMES)} := {draw(sub)}) for {draw(NAMES)} in {name}]",
        lambda: f"(lambda {draw(NAMES)}, k={draw(sub)}: {draw(sub)})",
        lambda: f"f'{{{name}!r}}'",
        lambda: f"{draw(sub)}({draw(sub)}, key={draw(sub)}, *{draw(sub)})",
    ]
    return draw(st.sampled_from(forms))()


@st.composite
def statements(draw, indent: str = "", depth: int = 0, in_function: bool = False) -> str:
    e = expressions()
    name = draw(NAMES)

    def block(function: bool = in_function) -> str:
        inner = indent + "    "
        lines = draw(st.lists(statements(inner, depth + 1, function), min_size=1, max_size=3))
        return "\n".join(lines)

    def body() -> str:  # a function body; `global` must come before the name is used
        declare = draw(st.sampled_from(["", f"{indent}    global {draw(NAMES)}\n"]))
        return declare + block(True)

    forms = [
        lambda: f"{name} = {draw(e)}",
        lambda: f"{name}, {draw(NAMES)} = {draw(e)}",
        lambda: f"{name}[{draw(e)}] = {name}[{draw(e)}]",
        lambda: f"{name} += {draw(e)}",
        lambda: f"del {name}",
        lambda: draw(e),
        lambda: f"import {draw(st.sampled_from(['os', 'numpy as np', 'os.path']))}",
        lambda: f"from {draw(st.sampled_from(['m', 'pkg.sub']))} import {name}",
    ]
    if depth < 2:
        forms += [
            lambda: f"def {name}({draw(NAMES)}, k={draw(e)}):\n{body()}",
            lambda: f"@{draw(NAMES)}\n{indent}def {name}():\n{body()}",
            lambda: f"class {name}({draw(NAMES)}):\n{block(False)}",
            lambda: f"for {name} in {draw(e)}:\n{block()}",
            lambda: f"if {draw(e)}:\n{block()}\n{indent}else:\n{block()}",
            lambda: f"with {draw(e)} as {name}:\n{block()}",
            lambda: f"try:\n{block()}\n{indent}except {draw(NAMES)} as {name}:\n{block()}",
            lambda: (f"match {draw(e)}:\n{indent}    case [{name}, *{draw(NAMES)}]:\n"
                     f"{indent}        pass\n{indent}    case {{'k': {draw(NAMES)}}}:\n"
                     f"{indent}        pass"),
        ]
    if in_function:
        forms.append(lambda: f"return {draw(e)}")
    return indent + draw(st.sampled_from(forms))()


cells = st.lists(statements(), min_size=1, max_size=6).map("\n".join)


def _function_globals(src: str) -> tuple[set[str], set[str]] | None:
    """CPython's answer: names read inside function or lambda bodies (and the comprehensions and
    classes nested in them) that resolve to module globals or builtins. A class body may also
    read a name it assigns later (the read falls through to the globals), which the symbol table
    files under the class alone: those names come second, as ones that may be global reads."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compile(src, "<cell>", "exec")
        table = symtable.symtable(src, "<cell>", "exec")
    except SyntaxError:  # e.g. `global x` after a use of x: not a real program
        return None
    tree = ast.parse(src)
    declared = {n for node in ast.walk(tree) if isinstance(node, ast.Global) for n in node.names}
    if any(isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name)
           and node.target.id in declared for node in ast.walk(tree)):
        return None  # the table counts `g += 1` as a store only, but it reads g too
    must: set[str] = set()
    may: set[str] = set()

    def visit(t: symtable.SymbolTable, in_function: bool) -> None:
        in_function = in_function or t.get_type() == "function" and not t.get_name().startswith(
            ("listcomp", "dictcomp", "setcomp", "genexpr"))
        if in_function:
            for symbol in t.get_symbols():
                if symbol.is_referenced() and symbol.is_global():
                    must.add(symbol.get_name())
                elif t.get_type() == "class" and symbol.is_local():  # `n += 1` reads n too
                    may.add(symbol.get_name())
        for child in t.get_children():
            visit(child, in_function)

    visit(table, False)
    return must, must | may


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck), database=None)
@given(cells)
@example("class A:\n    k = 1\n    def m(self):\n        return k")  # class names are hidden
@example("def f():\n    print(n)\n    del n")  # `del` makes a name local
@example("def f():\n    global cfg\n    return cfg")
@example("def f():\n    return [lambda: (y := 1) for _ in x], y")  # the lambda's own y
@example("def f(a):\n    get = lambda: b\n    class C(b := a):\n        pass\n    return get")
def test_reads_deferred_to_call_time_are_what_python_resolves_globally(src):
    expected = _function_globals(src)
    if expected is None:
        return
    must, may = expected
    analysis = analyse_cell_source(src)
    assert analysis.ok
    deferred = {u.name for u in analysis.scope.deferred}
    assert must <= deferred <= may, src


def test_a_function_s_global_declaration_defers_its_reads_to_call_time():
    src = "def setup():\n    global cfg\n    return cfg['lr']\n"
    scope = analyse_cell_source(src).scope
    assert [u.name for u in scope.deferred] == ["cfg"] and scope.deferred[0].function == "setup"
    assert not scope.uses  # not read when the cell runs, so not a use before definition


# -- the node index ---------------------------------------------------------------------------
_NOT_INDEXED = (ast.Module, ast.alias, ast.arguments, ast.arg, ast.comprehension, ast.TypeIgnore,
                ast.expr_context, ast.operator, ast.unaryop, ast.cmpop, ast.boolop)


def _indexable(tree: ast.AST) -> list[ast.AST]:
    """Every node a rule may look for: all but the bookkeeping nodes above, and but the insides
    of comprehension targets (`for k, v in ...`: the target is indexed, its parts belong to the
    comprehension) and of 3.12 type parameters."""
    hidden: set[int] = set()
    for node in ast.walk(tree):
        inner = []
        if isinstance(node, ast.comprehension):
            inner = list(ast.iter_child_nodes(node.target))
        inner += getattr(node, "type_params", None) or []
        for top in inner:
            hidden.update(id(n) for n in ast.walk(top))
    return [n for n in ast.walk(tree) if not isinstance(n, _NOT_INDEXED) and id(n) not in hidden]


def _check_index(tree: ast.Module) -> None:
    scope = analyse_scopes(tree)
    indexed = [(kind, n) for kind, found in scope.nodes.items() for n in found]
    assert all(type(n) is kind for kind, n in indexed)
    ids = [id(n) for _, n in indexed]
    assert len(ids) == len(set(ids)), "a node is indexed twice"
    assert set(ids) == {id(n) for n in _indexable(tree)}


@settings(max_examples=100, deadline=None, suppress_health_check=list(HealthCheck), database=None)
@given(cells)
def test_index_holds_every_node_once(src):
    try:
        tree = ast.parse(src)
    except SyntaxError:
        return
    _check_index(tree)


@pytest.mark.skipif(not CORPUS.is_dir(), reason="shared corpus not present")
def test_index_holds_every_node_once_on_real_notebooks():
    checked = 0
    for path in sorted(CORPUS.rglob("*.ipynb"))[::4]:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
        for cell in data.get("cells", []):
            if cell.get("cell_type") != "code":
                continue
            source = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
            try:
                tree = ast.parse(source)
            except (SyntaxError, ValueError):
                continue
            _check_index(tree)
            checked += 1
    assert checked > 500


@pytest.mark.parametrize("src, kind, order", [
    # statements in source order; a call before the calls in its arguments
    ("a(b(1))\nc()", ast.Call, ["a", "b", "c"]),
    # an assignment's value is evaluated, and indexed, before its targets
    ("x = f(y)", ast.Name, ["f", "y", "x"]),
    ("for i in items:\n    use(i)", ast.Name, ["items", "i", "use", "i"]),
    ("[e for v in src if c]", ast.Name, ["src", "v", "c", "e"]),
    ("with open(p) as fh:\n    fh.read()", ast.Name, ["open", "p", "fh", "fh"]),
])
def test_index_lists_nodes_in_evaluation_order(src, kind, order):
    found = analyse_cell_source(src).nodes(kind)
    label = (lambda n: n.id) if kind is ast.Name else (lambda n: n.func.id)
    assert [label(n) for n in found] == order


def test_index_holds_the_tree_s_own_nodes():
    a = analyse_cell_source("total = price * qty\nprint(total)")
    tree_nodes = {id(n) for n in ast.walk(a.tree)}
    assert all(id(n) in tree_nodes for found in a.scope.nodes.values() for n in found)
    call = a.nodes(ast.Call)[0]
    assert isinstance(a.parent(call), ast.Expr)


# -- result objects -----------------------------------------------------------------------------
def test_results_are_plain_frozen_values():
    scope = analyse_cell_source("df = df.dropna()\nx = y\ndel x").scope
    use = next(u for u in scope.uses if u.name == "y")
    assert use == Use("y", 2, 4, 5) and hash(use) == hash(Use("y", 2, 4, 5, ""))
    assert Binding("df", 1, 0, "assign") in scope.bindings
    assert Mutation("df", 1, 0, "self-assign") in scope.mutations
    assert scope.deletions == [Binding("x", 3, 4, "del")]
    with pytest.raises(dataclasses.FrozenInstanceError):
        use.name = "z"  # type: ignore[misc]
    assert pickle.loads(pickle.dumps(scope.bindings)) == scope.bindings
    assert dataclasses.replace(use, line=9) == Use("y", 9, 4, 5)
    assert repr(use) == "Use(name='y', line=2, col=4, end_col=5, function='')"


# -- parsing ------------------------------------------------------------------------------------
def test_invalid_escape_sequences_are_not_errors_even_when_warnings_are():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        a = analyse_cell_source('pattern = "\\d+"\nn = 1if pattern else 2')
    assert a.ok and {b.name for b in a.scope.bindings} == {"pattern", "n"}


def test_analysing_in_threads_gives_the_same_results_and_leaves_warning_filters_alone():
    sources = [f'x{i} = re.match("\\d{i}", s)\nprint(x{i}, {i}if x{i} else 0)' for i in range(300)]
    sources += [f"%time y{i} = f({i})" for i in range(50)]
    before = list(warnings.filters)
    sequential = [analyse_cell_source(s) for s in sources]
    with ThreadPoolExecutor(max_workers=8) as pool:
        threaded = list(pool.map(analyse_cell_source, sources))
    assert list(warnings.filters) == before
    for one, other in zip(sequential, threaded):
        assert one.ok and other.ok
        assert one.scope.bindings == other.scope.bindings
        assert one.scope.uses == other.scope.uses
        assert one.python == other.python


def test_node_types_first_met_in_a_worker_thread():
    # The per-type plans are learnt lazily; learning them from many threads at once is safe.
    kinds = ["a @ b", "not a", "a if b else c", "{*a}", "a[b:c]", "await a", "(yield a)"]
    barrier = threading.Barrier(len(kinds))

    def analyse(src: str):
        barrier.wait()
        return analyse_scopes(ast.parse(f"async def f():\n    {src}"))

    with ThreadPoolExecutor(max_workers=len(kinds)) as pool:
        results = list(pool.map(analyse, kinds))
    assert all({u.name for u in r.deferred} <= {"a", "b", "c"} for r in results)
    assert all(r.deferred for r in results)


@pytest.mark.skipif(sys.version_info < (3, 12), reason="type parameters are new in 3.12")
def test_type_parameter_syntax_is_analysed():
    a = analyse_cell_source("type Pair[T] = tuple[T, T]\ndef first[T](p: Pair[T]) -> T:\n    return p[0]")
    assert a.ok and {"Pair", "first"} <= a.scope.defined
