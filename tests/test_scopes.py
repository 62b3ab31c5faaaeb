"""Per-cell definitions and uses follow Python's scoping rules."""

from __future__ import annotations

import pytest

from jupyter_mlops.analysis import analyse_cell_source
from jupyter_mlops.analysis.names import is_provided


def uses(src: str) -> set[str]:
    return {u.name for u in analyse_cell_source(src).scope.uses if not is_provided(u.name)}


def deferred(src: str) -> set[str]:
    return {u.name for u in analyse_cell_source(src).scope.deferred if not is_provided(u.name)}


def defined(src: str) -> set[str]:
    return analyse_cell_source(src).scope.defined


@pytest.mark.parametrize("src, reads, binds", [
    ("x = y + 1", {"y"}, {"x"}),
    ("x = 1\ny = x", set(), {"x", "y"}),
    ("y = x\nx = 1", {"x"}, {"x", "y"}),  # read before the assignment in the same cell
    ("x += 1", {"x"}, {"x"}),
    ("for i in items:\n    total = i", {"items"}, {"i", "total"}),
    ("with open(p) as fh:\n    data = fh.read()", {"p"}, {"fh", "data"}),
    ("try:\n    v = 1\nexcept ValueError as err:\n    print(err)", set(), {"v", "err"}),
    ("import numpy as np\nimport os.path", set(), {"np", "os"}),
    ("from a.b import c as d, e", set(), {"d", "e"}),
    ("[k for k in range(3)]", set(), set()),  # comprehension variables stay inside
    ("[k for k in ks if k > lim]", {"ks", "lim"}, set()),
    ("[(n := n0 + 1) for _ in range(2)]", {"n0"}, {"n"}),  # walrus escapes to the module
    ("if (m := f()) > 1:\n    pass", {"f"}, {"m"}),
    ("del old", {"old"}, set()),
    ("x = 1\ndel x", set(), {"x"}),
    ("lambda q: q + w", set(), set()),
    ("match cmd:\n    case [a, *rest]:\n        pass\n    case {'k': v, **others}:\n        pass\n    case Point(x=px) as pt:\n        pass",
     {"cmd", "Point"}, {"a", "rest", "v", "others", "px", "pt"}),
    ("class A(Base):\n    k = 1\n    j = k + 1", {"Base"}, {"A"}),
    ("@decorate\ndef f(a=default):\n    return a", {"decorate", "default"}, {"f"}),
    ("x: Annotated = 3", {"Annotated"}, {"x"}),
])
def test_module_level_reads_and_bindings(src, reads, binds):
    assert uses(src) == reads
    assert defined(src) == binds


def test_function_bodies_read_globals_when_called_not_when_defined():
    src = "def f(a):\n    b = a + offset\n    return helper(b)\n"
    assert uses(src) == set()
    assert deferred(src) == {"offset", "helper"}
    assert {u.function for u in analyse_cell_source(src).scope.deferred} == {"f"}


def test_locals_assigned_anywhere_in_a_function_are_local():
    src = "def f():\n    print(v)\n    v = 1\n"
    assert deferred(src) == set()
    assert {u.name for u in analyse_cell_source(src).scope.deferred} == {"print"}


def test_global_statement_binds_a_module_name():
    a = analyse_cell_source("def setup():\n    global cfg\n    cfg = 1\n")
    assert "cfg" in a.scope.defined
    assert {b.kind for b in a.scope.bindings if b.name == "cfg"} == {"global"}


def test_nonlocal_resolves_to_the_enclosing_function():
    src = "def outer():\n    n = 0\n    def inner():\n        nonlocal n\n        n += 1\n    return inner\n"
    assert deferred(src) == set()


def test_methods_do_not_see_class_level_names():
    src = "class A:\n    k = 1\n    def m(self):\n        return k\n"
    assert deferred(src) == {"k"}


def test_comprehension_first_iterable_is_evaluated_outside():
    src = "def f():\n    return [x for x in data]\n"
    assert deferred(src) == {"data"}


def test_ipython_syntax_is_understood_and_keeps_lines():
    src = "%matplotlib inline\nimport pandas as pd\n!pip install scikit-learn\nfiles = !ls *.csv\ndf = pd.read_csv(files[0])\ndf?"
    a = analyse_cell_source(src)
    assert a.ok
    assert {"pd", "files", "df"} <= a.scope.defined
    assert [m.name for m in a.python.magics] == ["matplotlib", "system", "system", "help"]
    assert [m.line for m in a.python.magics] == [1, 3, 4, 6]
    assert len(a.python.code.split("\n")) == len(src.split("\n"))


def test_time_magic_body_is_analysed_as_python():
    a = analyse_cell_source("%time model = train(data)")
    assert a.scope.defined == {"model"}
    assert uses("%time model = train(data)") == {"train", "data"}
    call = a.scope.nodes[__import__("ast").Call][0]
    assert a.span(call)[1] == "%time model = train(data)".index("train")


def test_python_cell_magic_body_is_analysed():
    a = analyse_cell_source("%%time\nresult = compute(x)\n")
    assert a.ok and a.scope.defined == {"result"}
    assert {u.name for u in a.scope.uses} == {"compute", "x"}


def test_foreign_cell_magics_are_not_analysed_as_python():
    a = analyse_cell_source("%%bash\nfor f in *.csv; do echo $f; done\n")
    assert a.ok and a.python.foreign and not a.scope.uses


def test_backslash_continued_shell_lines_keep_line_numbers():
    a = analyse_cell_source("!pip install \\\n    numpy\nx = 1\ny = z")
    assert a.ok
    assert [u.line for u in a.scope.uses if not is_provided(u.name)] == [4]


def test_syntax_errors_are_reported_not_raised():
    a = analyse_cell_source('print "hello"\n')
    assert not a.ok and a.syntax_error and a.syntax_error.line == 1


def test_pathological_nesting_does_not_crash():
    a = analyse_cell_source("x = " + "(" * 1000 + "1" + ")" * 1000)
    assert a.syntax_error is not None or a.ok
    b = analyse_cell_source("x = " + "+".join(["1"] * 50000))
    assert b.syntax_error is not None or b.ok


def test_unicode_columns_are_characters_not_bytes():
    a = analyse_cell_source("é = 'ü'; y = undefined_name")
    use = [u for u in a.scope.uses][0]
    import ast
    node = ast.Name(id=use.name, lineno=use.line, col_offset=use.col, end_lineno=use.line,
                    end_col_offset=use.end_col)
    line, col, _, end = a.span(node)
    assert a.source[col:end] == "undefined_name"


# -- edge cases of the single-pass walk ----------------------------------------------------------
def scope(src: str):
    return analyse_cell_source(src).scope


@pytest.mark.parametrize("src, reads, later", [
    # nested functions: a read in the inner one is deferred to the outer function's call
    ("def outer():\n    def inner():\n        return cfg\n    return inner", set(), {"cfg"}),
    # a comprehension in a function body: its first iterable is read in the function
    ("def f():\n    return {k: v for k, v in table.items() if k in keep}", set(), {"table", "keep"}),
    # a walrus in a comprehension in a function binds in the function
    ("def f():\n    [(last := x) for x in xs]\n    return last", set(), {"xs"}),
    # class body reads happen when the class statement runs
    ("class Model(Base):\n    size = default_size\n    def fit(self):\n        return size",
     {"Base", "default_size"}, {"size"}),
    # a lambda's defaults are read now, its body later
    ("f = lambda a, k=dflt, *, j=kw: a + g", {"dflt", "kw"}, {"g"}),
    # decorators and defaults now, annotations and bodies later
    ("@register(opts)\ndef f(a: Frame = base) -> Result:\n    return a", {"register", "opts", "base"},
     {"Frame", "Result"}),
    # `del` makes a name local to the whole function
    ("def f():\n    log(tmp)\n    del tmp", set(), {"log"}),
    # except-as and match captures are locals of the function
    ("def f():\n    try:\n        g()\n    except E as err:\n        return err\n"
     "    match cmd:\n        case [a, *rest]:\n            return a, rest", set(), {"g", "E", "cmd"}),
    # augmented assignment in a function: a local, read before it is bound (UnboundLocalError)
    ("def f():\n    count += 1", set(), set()),
])
def test_reads_now_and_reads_at_call_time(src, reads, later):
    assert uses(src) == reads
    assert deferred(src) == later


def test_a_global_declared_in_a_function_is_read_at_call_time():
    s = scope("def setup():\n    global cfg\n    cfg = load(path)\n    return cfg\n")
    assert {u.name for u in s.deferred} == {"load", "path", "cfg"}
    assert not s.uses
    assert [(b.name, b.kind) for b in s.bindings] == [("cfg", "global"), ("setup", "def")]


def test_deferred_reads_name_the_module_level_function_that_runs_them():
    s = scope("def outer():\n    def inner():\n        return cfg\n    f = lambda: other\n")
    assert {(u.name, u.function) for u in s.deferred} == {("cfg", "outer"), ("other", "outer")}
    assert {(u.name, u.function) for u in scope("h = lambda: cfg").deferred} == {("cfg", "<lambda>")}


def test_star_imports_and_relative_imports():
    s = scope("from pkg.sub import *\nfrom ..up import thing as t\nimport a.b.c")
    assert s.star_imports == ["pkg.sub"]
    assert s.imports == {"t": "..up.thing", "a": "a"}
    assert scope("def f():\n    from m import *").star_imports == []


@pytest.mark.parametrize("src, mutations", [
    ("df = df.copy()", [("df", "self-assign")]),
    ("df = other.copy()", []),
    ("df = df.dropna()", [("df", "method:dropna"), ("df", "self-assign")]),
    ("a = b = a + 1", [("a", "self-assign")]),
    ("df['a'] = df['a'].fillna(0)", [("df", "subscript"), ("df", "self-assign")]),
    ("df['a'] = df['b'].fillna(0)", [("df", "subscript")]),
    ("df.x = df.y", [("df", "attribute")]),
    ("x, d[k] = 1, 2", [("d", "subscript")]),
    ("total += 1", [("total", "augassign")]),
    ("d[k] += 1", [("d", "augassign")]),
    ("df.dropna(inplace=True)", [("df", "inplace")]),
    ("a.b.drop(columns=c, inplace=True)", [("a", "inplace")]),
    ("model.fit(X, y)", [("model", "method:fit")]),
    ("a.b.fit(X)", []),  # only a method of a plain name counts
    ("def f():\n    df.dropna(inplace=True)\n    df = df.copy()", []),  # not at module level
    # a comprehension target that reads names still counts as reading them
    ("d = [v for d[k] in rows]", [("d", "self-assign")]),
    ("d = [v for (a, b) in d]", [("d", "self-assign")]),
])
def test_module_level_mutations(src, mutations):
    assert [(m.name, m.how) for m in scope(src).mutations] == mutations


def test_deeply_nested_expressions_are_analysed_or_reported():
    for src in ("x = " + " + ".join(["a"] * 600), "x = a" + ".b()" * 300,
                "x = " + "f(" * 150 + ")" * 150, "x = " + "[" * 150 + "]" * 150):
        a = analyse_cell_source(src)
        assert a.ok or a.syntax_error.message == "too deeply nested to analyse"
        if a.ok and "[" not in src:
            assert a.scope.uses[0].name in {"a", "f"}
