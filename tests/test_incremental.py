"""With a cache, an edit re-runs cell-local rules on the edited cell only (and on cells that
mention a name now defined differently) — and the findings are exactly those of a full lint of
the edited notebook."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nbtest import make_notebook
from jupyter_mlops.analysis import CellCache
from jupyter_mlops.linter.config import LintConfig
from jupyter_mlops.linter.engine import lint_notebook
from jupyter_mlops.linter.registry import all_rules
from jupyter_mlops.notebook.model import Cell, Notebook

SNIPPETS = [
    "import os\nimport yaml",
    "import numpy as np\nimport pandas as pd",
    'API_KEY = "sk-proj-9fK2mQ7xR4tL9vB1nC6wZ3yH5jD0pS2aE7uIx8"',
    'password = "hunter2-Sup3r-S3cret!"',
    'db = "postgresql://bob:Sekr3tPass@db:5432/sales"',
    "cfg = yaml.load(open('c.yaml'))",
    "x = eval(s)",
    "q = f\"SELECT * FROM t WHERE id = {i}\"\npd.read_sql(q, con)",
    "try:\n    v = 1\nexcept:\n    pass",
    "!pip install pandas",
    "%pip install numpy==2.0.0",
    "from math import *",
    "os.chdir('/tmp')",
    "%run other.ipynb",
    "exec(open('setup.py').read())",
    "print 'python 2'",
    "s = 'x'\ni = 1\ncon = None",
    "from sklearn.ensemble import RandomForestClassifier\nm = RandomForestClassifier()",
    "\n".join(f"v{i} = {i}" for i in range(55)),  # a long cell
    "",
    # Findings that depend on names defined in other cells: a shadowed builtin changes what a
    # call resolves to, a local `execfile` is not Python 2's, a deleted or half-typed name moves.
    "def eval(x):\n    return x",
    "def execfile(p):\n    pass",
    "execfile('setup.py')",
    "del s",
    "open = lambda p: p",
    "x = (",
]

ALL = LintConfig()


def as_dicts(found):
    return [f.to_dict() for f in found]


def test_some_rules_are_cell_local():
    assert {r.name for r in all_rules() if r.cell_local} >= {"hardcoded-secret", "eval-exec", "bare-except",
                                                             "long-cell"}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(SNIPPETS), min_size=1, max_size=7),
       st.lists(st.tuples(st.sampled_from(["edit", "insert", "delete"]), st.integers(0, 10),
                          st.sampled_from(SNIPPETS)), min_size=1, max_size=8))
def test_incremental_lint_equals_a_full_lint(start, edits):
    cache = CellCache()
    sources = list(start)
    assert as_dicts(lint_notebook(make_notebook(*sources), ALL, cache)) == \
        as_dicts(lint_notebook(make_notebook(*sources), ALL, CellCache()))
    for op, where, text in edits:
        i = where % (len(sources) + (op == "insert"))
        if op == "edit" and sources:
            sources[i % len(sources)] = text
        elif op == "insert":
            sources.insert(i, text)
        elif op == "delete" and len(sources) > 1:
            del sources[i % len(sources)]
        incremental = lint_notebook(make_notebook(*sources), ALL, cache)
        full = lint_notebook(make_notebook(*sources), ALL, CellCache())
        assert as_dicts(incremental) == as_dicts(full)


# Rules that are notebook-wide but reuse per-cell work between lints (the leakage dataflow,
# downloads through URL-bound names, random_state set later, path literals): snippets that make
# them fire, and edits that move cells (ids travel with their cells) and change imports.
FLOW_SNIPPETS = [
    ("import pandas as pd\nfrom sklearn.model_selection import train_test_split\n"
     "from sklearn.preprocessing import StandardScaler\nfrom sklearn.ensemble import RandomForestClassifier"),
    "from sklearn.model_selection import train_test_split as tts",
    "df = pd.read_csv('d.csv')\nX = df[['a', 'b']]\ny = df['c']",
    "X_s = StandardScaler().fit_transform(X)",
    "X_train, X_test, y_train, y_test = train_test_split(X_s, y)",
    "A, B = tts(X)",
    "sc = StandardScaler()\nsc.fit(X)\nZ = sc.transform(X)",
    "parts = train_test_split(Z, y)",
    "X_test = sc.fit_transform(X_test)",
    "X = X_test",
    "X2 = X + 1\nX = X2",
    "W = X_s",
    "X_s[:] = StandardScaler().fit_transform(X)",
    "parts = train_test_split(W)",
    "model = RandomForestClassifier()\nmodel.fit(X_train, y_train)",
    "model.fit(X_test, y_test)",
    "model.set_params(random_state=0)",
    "import joblib\njoblib.dump(model, 'm.pkl')",
    "import torch\ntorch.save(net, 'n.pt')",
    "class Net(torch.nn.Module):\n    pass\nnet = Net()",
    "URL = 'https://example.com/d.csv'",
    "raw = pd.read_csv(URL)",
    "URL = 'data/local.csv'",
    "p = '/home/ana/data/x.csv'\nq = f'/home/ana/data/{p}'",
    "import os\nd = os.environ.get('D', '/home/ana/d')",
    "x = (",
    "import numpy as np\nnp.random.seed(0)",
    "noise = np.random.rand(3)",
    "def draw():\n    return np.random.rand(2)",
    "rng = np.random.default_rng()",
    "",
]


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(FLOW_SNIPPETS[3:]), min_size=1, max_size=8),
       st.lists(st.tuples(st.sampled_from(["edit", "insert", "delete", "move", "append"]),
                          st.integers(0, 10), st.integers(0, 10), st.sampled_from(FLOW_SNIPPETS)),
                min_size=1, max_size=8))
def test_incremental_dataflow_equals_a_full_lint(start, edits):
    cache = CellCache()
    # Imports and data first, so that most examples fit, split and dump something.
    cells = [(f"c{i}", s) for i, s in enumerate([*FLOW_SNIPPETS[:3], *start])]
    fresh = len(cells)

    def nb():
        return Notebook(path="flow.ipynb", cells=[Cell(index=i, cell_type="code", source=s, id=cid)
                                                  for i, (cid, s) in enumerate(cells)])

    assert as_dicts(lint_notebook(nb(), ALL, cache)) == as_dicts(lint_notebook(nb(), ALL, CellCache()))
    for op, where, other, text in edits:
        i = where % len(cells)
        if op == "edit":
            cells[i] = (cells[i][0], text)
        elif op == "append":  # typing at the end of a cell
            cells[i] = (cells[i][0], cells[i][1] + "\n" + text)
        elif op == "insert":
            cells.insert(where % (len(cells) + 1), (f"c{fresh}", text))
            fresh += 1
        elif op == "delete" and len(cells) > 1:
            del cells[i]
        elif op == "move":
            cells.insert(other % len(cells), cells.pop(i))
        incremental = lint_notebook(nb(), ALL, cache)
        full = lint_notebook(nb(), ALL, CellCache())
        assert as_dicts(incremental) == as_dicts(full)


def test_an_edit_far_from_the_leak_keeps_its_report():
    """The dataflow replays unchanged cells: the leak found before an edit is still reported after
    it, and an edit that removes the split removes the report."""
    cache = CellCache()
    sources = [FLOW_SNIPPETS[0], FLOW_SNIPPETS[2], FLOW_SNIPPETS[3], "total = 1", FLOW_SNIPPETS[4]]

    def leaks():
        nb = make_notebook(*sources)
        found = [f for f in lint_notebook(nb, ALL, cache) if f.rule == "preprocessing-leakage"]
        assert as_dicts(found) == as_dicts([f for f in lint_notebook(nb, ALL, CellCache())
                                            if f.rule == "preprocessing-leakage"])
        return [(f.cell, f.line) for f in found]

    assert leaks() == [(2, 1)]
    sources[3] = "total = 2"
    assert leaks() == [(2, 1)]
    sources[4] = "X_train = X_s"
    assert leaks() == []
    sources[4] = FLOW_SNIPPETS[4]
    assert leaks() == [(2, 1)]


def _incremental_matches_full(steps):
    """Lint each notebook of `steps` in turn with one cache: each must equal a fresh lint."""
    cache = CellCache()
    for sources in steps:
        nb = Notebook(path="flow.ipynb", cells=[Cell(index=i, cell_type="code", source=s, id=cid)
                                                for i, (cid, s) in enumerate(sources)])
        assert as_dicts(lint_notebook(nb, ALL, cache)) == as_dicts(lint_notebook(nb, ALL, CellCache()))


def test_a_cell_reading_a_name_derived_from_an_edited_one_is_rerun():
    """`W = X_s` above the edit: splitting W later leaks what is now fitted into X_s."""
    head = [("a", FLOW_SNIPPETS[0]), ("b", FLOW_SNIPPETS[2]), ("c", "X_s = X"), ("d", "W = X_s")]
    tail = [("f", "parts = train_test_split(W)"), ("g", "model.fit(X, y)")]
    _incremental_matches_full([head + [("e", "pass")] + tail,
                               head + [("e", "X_s[:] = StandardScaler().fit_transform(X)")] + tail,
                               head + [("e", "pass")] + tail])


def test_a_leak_is_reported_once_across_edits():
    """Two splits of one fitted output report the leak at the first; removing the first split
    moves the report to the second."""
    split = "X_train, X_test, y_train, y_test = train_test_split(X_s, y)"
    again = "parts = train_test_split(X_s, y)"
    head = [("a", FLOW_SNIPPETS[0]), ("b", FLOW_SNIPPETS[2]), ("c", FLOW_SNIPPETS[3])]
    _incremental_matches_full([head + [("d", split), ("e", "n = 1"), ("f", again)],
                               head + [("d", "pass"), ("e", "n = 1"), ("f", again)],
                               head + [("d", split), ("e", "n = 1"), ("f", again)]])


def test_calls_resolve_again_when_imports_or_rebound_builtins_change():
    """Each cell's resolved calls are reused between lints only while names resolve the same way."""
    _incremental_matches_full([
        [("a", "import numpy as np"), ("b", "x = np.random.rand(3)\ny = eval(s)")],
        [("a", "import mylib as np"), ("b", "x = np.random.rand(3)\ny = eval(s)")],
        [("a", "import numpy as np"), ("b", "x = np.random.rand(3)\ny = eval(s)")],
        [("a", "import numpy as np\ndef eval(s):\n    return s"), ("b", "x = np.random.rand(3)\ny = eval(s)")],
        [("a", "import numpy as np"), ("b", "x = np.random.rand(3)\ny = eval(s)")],
    ])


def test_reused_results_survive_a_cell_analysis_being_evicted():
    """Results kept between lints hold the syntax trees they were computed on: when the cache has
    dropped a cell's analysis and parses its text again, the reused results must still agree."""
    cache = CellCache()
    sources = [FLOW_SNIPPETS[0], "import numpy as np", "def draw():\n    return np.random.rand(2)",
               FLOW_SNIPPETS[2], FLOW_SNIPPETS[3], FLOW_SNIPPETS[4], "np.random.seed(0)",
               "model = RandomForestClassifier()\nmodel.fit(X_test, y_test)"]
    lint_notebook(make_notebook(*sources), ALL, cache)
    cache._items.clear()  # as if evicted: the next lint analyses every cell again
    sources[3] = FLOW_SNIPPETS[2] + "\nz = 1"
    found = as_dicts(lint_notebook(make_notebook(*sources), ALL, cache))
    assert found == as_dicts(lint_notebook(make_notebook(*sources), ALL, CellCache()))
    assert {f["rule"] for f in found} >= {"preprocessing-leakage", "fit-on-test-data"}


def test_typing_in_the_imports_keeps_one_saved_state_per_rule_and_notebook():
    """Every keystroke in an import line changes how names resolve; the per-cell results kept
    between lints replace the previous ones instead of piling up in the cache."""
    cache = CellCache()
    body = [FLOW_SNIPPETS[2], FLOW_SNIPPETS[3], FLOW_SNIPPETS[4], "URL = 'https://example.com/d.csv'"]
    line = "import numpy as numerical_python"
    for end in range(len("import n"), len(line) + 1):
        lint_notebook(make_notebook(FLOW_SNIPPETS[0] + "\n" + line[:end], *body), ALL, cache)
    kept = [k for k in cache._states if k[0] in ("by-cell", "summaries", "ml.data_flow")]
    assert len(kept) <= 4


def test_a_value_derived_from_many_names_is_followed_across_an_edit():
    """A value built from more names than the dataflow keeps in a lineage remembers only the
    fitted ones; when an edit removes the fit, the cells using that value must run again."""
    wide = "big = " + " + ".join(f"a{i}" for i in range(70)) + " + base"
    head = [("a", FLOW_SNIPPETS[0]), ("b", FLOW_SNIPPETS[2])]
    tail = [("d", wide), ("e", "parts = train_test_split(big)"), ("f", "model.fit(X, y)")]
    _incremental_matches_full([head + [("c", "base = StandardScaler().fit_transform(X)")] + tail,
                               head + [("c", "base = X")] + tail,
                               head + [("c", "base = StandardScaler().fit_transform(X)")] + tail])


def test_a_fix_that_adds_an_import_follows_the_import_block():
    """The secret's fix adds `import os` where imports go: at the top of the first cell until
    another cell imports something, then after that import (found by hypothesis)."""
    _incremental_matches_full([
        [("a", 'API_KEY = "sk-proj-9fK2mQ7xR4tL9vB1nC6wZ3yH5jD0pS2aE7uIx8"'), ("b", "%run other.ipynb")],
        [("a", 'API_KEY = "sk-proj-9fK2mQ7xR4tL9vB1nC6wZ3yH5jD0pS2aE7uIx8"'), ("b", "from math import *")],
    ])


def _cells_checked(monkeypatch) -> list[set[int]]:
    """Which cells each run of a cell-local rule looked at."""
    rule = next(r for r in all_rules() if r.name == "eval-exec")
    assert rule.cell_local
    seen: list[set[int]] = []
    original = rule.check

    def check(self, ctx):
        seen.append({cell.index for cell, _ in ctx.analysis.code()})
        return original(self, ctx)

    monkeypatch.setattr(rule, "check", check)
    return seen


def test_typing_a_new_variable_rechecks_only_that_cell(monkeypatch):
    cells = [f"v{i} = eval(text_{i})\nprint(v{i})" for i in range(40)]
    cache = CellCache()
    lint_notebook(make_notebook(*cells), ALL, cache)
    seen = _cells_checked(monkeypatch)
    for typed in ("n", "ne", "new", "new_"):  # each keystroke defines a different name
        cells[20] = f"{typed} = eval(text)"
        found = lint_notebook(make_notebook(*cells), ALL, cache)
        assert sum(f.rule == "eval-exec" for f in found) == 40
    assert seen == [{20}] * 4


def test_redefining_a_name_rechecks_the_cells_that_mention_it(monkeypatch):
    cells = ["s = 'x'", "y = eval(s)", "z = eval('1')", "w = 2"]
    cache = CellCache()
    assert sum(f.rule == "eval-exec" for f in lint_notebook(make_notebook(*cells), ALL, cache)) == 2
    seen = _cells_checked(monkeypatch)
    cells[3] = "def eval(x):\n    return x"  # the builtin is shadowed: no more eval-exec anywhere
    found = lint_notebook(make_notebook(*cells), ALL, cache)
    assert [f for f in found if f.rule == "eval-exec"] == []
    assert seen == [{1, 2, 3}]  # the cells that say `eval`; cell 0 is not looked at again


def test_a_lint_leaves_no_cyclic_garbage() -> None:
    """The language server collects garbage only when the editor is quiet; a lint must not leave
    reference cycles behind, or every notebook opened meanwhile keeps its syntax trees in memory
    after the cell cache has let go of them."""
    import gc

    cells = [("import pandas as pd\nfrom sklearn.model_selection import train_test_split\n"
              "from sklearn.preprocessing import StandardScaler"),
             "df = pd.read_csv('https://example.com/d.csv')\nX = StandardScaler().fit_transform(df)",
             "X_train, X_test = train_test_split(X)\nimport pickle\npickle.dump(X, open('m.pkl', 'wb'))",
             'API_KEY = "sk-proj-9fK2mQ7xR4tL9vB1nC6wZ3yH5jD0pS2aE7uIx8"\nprint(undefined)']
    cache = CellCache(maxsize=8)

    def lint(tag: str) -> None:
        nb = Notebook(path="nb.ipynb", cells=[Cell(index=i, cell_type="code", source=f"{s}\n# {tag}")
                                              for i, s in enumerate(cells)])
        assert lint_notebook(nb, LintConfig(), cache)  # the hazards above are found

    lint("warm-up")
    gc.collect()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        for tag in ("a", "b", "c"):
            lint(tag)
        gc.collect()
        left = [type(o).__name__ for o in gc.garbage]
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
    assert left == []


def test_notebooks_without_code_lint_with_a_cache() -> None:
    """An empty notebook, or one with only markdown, opened in an editor (which lints with a
    cache) has no findings and no error."""
    cache = CellCache()
    assert lint_notebook(Notebook(path="empty.ipynb", cells=[]), LintConfig(), cache) == []
    prose = Notebook(path="prose.ipynb", cells=[Cell(index=0, cell_type="markdown", source="# Notes")])
    assert lint_notebook(prose, LintConfig(), cache) == []
