"""Correctness rules (NB001-NB108): syntax-error, unsupported-kernel, out-of-order-execution,
unexecuted-cell, use-before-define, undefined-name, non-idempotent-cell, error-output,
notebook-runs-notebook, hidden-state; cross-cell dataflow in notebook order (Restart & Run All)
and in saved execution order."""

from __future__ import annotations

import pytest

from jupyter_mlops.notebook.model import Cell, Notebook, Output
from nbtest import findings, make_notebook


def rules(nb, rule):
    return [(f.cell, f.line, f.message) for f in findings(nb, rule)]


def test_use_before_define_points_at_the_defining_cell():
    nb = make_notebook("total = price * 3", "price = 10")
    [(cell, line, msg)] = rules(nb, "use-before-define")
    assert (cell, line) == (0, 1) and "cell 2" in msg and "`price`" in msg


def test_names_from_deleted_cells_are_undefined():
    nb = make_notebook("import pandas as pd", "clean = raw_frame.dropna()")
    [(cell, _, msg)] = rules(nb, "undefined-name")
    assert cell == 1 and "raw_frame" in msg


def test_builtins_and_ipython_names_are_defined():
    nb = make_notebook("print(len([1]))\ndisplay(Out)\nx = _\ny = _i3\nget_ipython()")
    assert rules(nb, "undefined-name") == []


def test_function_reading_a_later_global_is_fine_if_called_after():
    nb = make_notebook("def area():\n    return side ** 2", "side = 3", "a = area()")
    assert rules(nb, "use-before-define") == [] and rules(nb, "undefined-name") == []


def test_global_never_defined_inside_function_is_undefined():
    nb = make_notebook("def area():\n    return sidee ** 2", "side = 3")
    [(cell, line, msg)] = rules(nb, "undefined-name")
    assert (cell, line) == (0, 2) and "inside `area`" in msg


def test_del_makes_a_name_undefined_for_later_cells():
    nb = make_notebook("tmp = 1", "del tmp", "print(tmp)")
    [(cell, _, _)] = rules(nb, "use-before-define")
    assert cell == 2


def test_star_import_silences_undefined_names_but_not_order():
    nb = make_notebook("from math import *", "print(sqrt(2))")
    assert rules(nb, "undefined-name") == []


def test_run_magic_silences_undefined_names():
    nb = make_notebook("%run helpers.py", "x = helper()")
    assert rules(nb, "undefined-name") == []


def test_names_that_broken_cells_may_define_are_not_reported():
    nb = make_notebook('print "done"; model = build()', "model.fit()")
    assert rules(nb, "undefined-name") == []
    assert [f.rule for f in findings(nb)] == ["syntax-error"]


def test_a_cell_that_does_not_parse_is_still_checked_statement_by_statement():
    nb = make_notebook('import pickle\nprint "loading"\nwith open("m.pkl", "rb") as f:\n    model = pickle.load(f)',
                       "model.predict(rows)", "rows = [1]")
    found = {(f.rule, f.cell, f.line) for f in findings(nb)}
    # The Python 2 print is reported; the pickle.load beside it too, and `model` is known.
    assert ("syntax-error", 0, 2) in found and ("unsafe-deserialization", 0, 4) in found
    assert ("use-before-define", 1, 1) in found  # `rows`, defined further down
    assert [f for f in rules(nb, "use-before-define") if "model" in f[2]] == []


def test_names_a_broken_cell_may_define_are_unknown_not_used_before_definition():
    nb = make_notebook('df = load("x")\nprint "loaded", len(df)', 'print "x"\nlabels = df.columns',
                       "summary = labels.head()", "labels = None")
    # Cell 2's second line is recovered: `labels` is defined there, above its use.
    assert rules(nb, "use-before-define") == []
    nb = make_notebook('print "setup"; threshold = 0.5', "flagged = score > threshold",
                       "threshold = 0.7", "score = 1")
    # Cell 1 may define `threshold` in the line that does not parse: unknown, not "used before".
    assert [m for _, _, m in rules(nb, "use-before-define")] == \
        ["`score` is used here but first defined in cell 4, further down"]


def test_augmented_assignment_needs_an_existing_name():
    nb = make_notebook("counter += 1")
    assert [m for _, _, m in rules(nb, "undefined-name")] == ["`counter` is not defined in any cell of this notebook"]


def test_out_of_order_execution_reports_the_cell_that_ran_early():
    nb = make_notebook("a = 1", "b = a", "c = b", counts=[1, 3, 2])
    [(cell, _, msg)] = rules(nb, "out-of-order-execution")
    assert cell == 2 and "[2]" in msg and "[3]" in msg


def test_unexecuted_cell_only_when_others_ran():
    assert rules(make_notebook("a = 1", "b = 2", counts=[None, None]), "unexecuted-cell") == []
    assert rules(make_notebook("a = 1", "b = 2", counts=[0, 0]), "unexecuted-cell") == []
    nb = make_notebook("a = 1", "b = 2", "# notes only\n", "", "c = 3", "d = 4", counts=[1, None, None, None, 2, None])
    [(cell, _, _)] = rules(nb, "unexecuted-cell")
    # Empty and comment-only cells are not reported, nor a new cell typed below the last run.
    assert cell == 1


def test_hidden_state_follows_execution_order():
    nb = make_notebook("threshold = 0.7", "flagged = [s for s in [1] if s > threshold]", counts=[5, 2])
    [(cell, _, msg)] = rules(nb, "hidden-state")
    assert cell == 1 and "ran later, as [5]" in msg
    clean = make_notebook("threshold = 0.7", "flagged = [s for s in [1] if s > threshold]", counts=[1, 2])
    assert rules(clean, "hidden-state") == []


def test_non_idempotent_cells():
    nb = make_notebook("import pandas as pd\ndf = pd.DataFrame({'c': [1]})\nn = 0",
                       "df['c'] = df['c'] * 2", "n += 1", "df = df.set_index('c')",
                       "m = 0\nm += 1", "df2 = df.copy()", "df = df.dropna()")
    found = rules(nb, "non-idempotent-cell")
    # `df = df.dropna()` gives the same frame however often it runs: not reported.
    assert [c for c, _, _ in found] == [1, 2, 3]


# -- non-idempotent-cell: what changes on a re-run, and what does not ----------------------------

@pytest.mark.parametrize("code, changes", [
    ("df = df.dropna()", False), ("df = df.reset_index(drop=True)", False), ("df = df.reset_index()", True),
    ("df = df[df.price > 0]", False), ("df = df[:1000]", False), ("df = df[1:]", True), ("df = df[:-1]", True),
    ("df = df[['a', 'b']]", False), ("df = df['a']", True), ("df = df.loc[:, 'a':'c']", False),
    ("a = np.abs(a)", False), ("a = np.asarray(a)", False), ("x = x.reshape(-1, 1)", False),
    ("k = tf.reshape(k, [*k.shape, 1, 1])", True), ("ds = ds.filter(lambda v: v > 0)", False),
    ("ds = ds.map(lambda v: v / 255.)", True), ("x = x + 1", True), ("df = df.set_index('d')", True),
    ("df = df.join(other)", True), ("y = np.expand_dims(y, 0)", True), ("x = x.values", True),
    ("df['c'] = df['c'].astype(int)", False), ("df['c'] = df['c'] * 2", True), ("s = s.str.strip()", False),
    ("df.index = pd.to_datetime(df.index)", False), ("df = df.sort_values('a').dropna()", False),
    ("w = w[ids]", True), ("model = model.to(device)", False), ("y = torch.from_numpy(y).float()", True), ("t = t.replace('¡', '').replace('¿', '')", False), ("t = t.replace('a', 'aa')", True), ("df = df.apply(lambda df: df + 1)", True),
    ("s = s.apply(lambda v: v.lower())", False), ("s = s.apply(cap)", False), ("s = s.apply(price)", True),
    # The right-hand `x` is the comprehension's own variable, not the earlier cell's.
    ("x = sorted([x for x in items])", False),
])
def test_only_what_changes_on_a_re_run_is_non_idempotent(code, changes):
    name = code.split(" = ")[0].split("[")[0].split(".")[0]
    nb = make_notebook("import numpy as np\nimport pandas as pd\nimport tensorflow as tf\n"
                       f"{name} = load()\nitems = [1]\ncap = lambda v: v.capitalize()\n"
                       "def price(v):\n    return float(v[1:])", code)
    assert bool(rules(nb, "non-idempotent-cell")) == changes


def test_a_name_bound_afresh_in_a_line_that_does_not_parse_is_not_an_update():
    nb = make_notebook("x = 1", "print 'start'; x = 0\nx = x + 1")
    assert rules(nb, "non-idempotent-cell") == []


# -- syntax-error ------------------------------------------------------------------------------

def test_syntax_error_points_at_the_first_error_and_ipython_syntax_is_not_one():
    nb = make_notebook("%matplotlib inline\n!pip list\nx = 1", 'x = 1\nprint "x"\ny = (')
    [(cell, line, msg)] = rules(nb, "syntax-error")
    assert (cell, line) == (1, 2) and "print" in msg


# -- unsupported-kernel ------------------------------------------------------------------------

def test_a_notebook_in_another_language_is_reported_once_and_not_analysed():
    nb = Notebook(path="analysis.ipynb", cells=[Cell(0, "code", "x <- c(1, 2)\nprint(undefined_thing)")],
                  language="R", kernel_name="ir")
    found = findings(nb)
    assert [(f.rule, f.cell) for f in found] == [("unsupported-kernel", None)]
    assert "'R'" in found[0].message and "ir" in found[0].message


# -- error-output ------------------------------------------------------------------------------

def test_error_output_is_reported_once_per_cell_with_the_exception():
    boom = Output(output_type="error", size=200, ename="KeyError", evalue="'price'")
    other = Output(output_type="error", size=500, ename="ValueError", evalue="x" * 300)
    text = Output(output_type="stream", size=20)
    nb = make_notebook("total = {}['price']", "print('ok')", "check()", counts=[1, 2, 3],
                       outputs={0: [text, boom, boom], 1: [text], 2: [other]})
    found = rules(nb, "error-output")
    assert [(c, line) for c, line, _ in found] == [(0, 1), (2, 1)]
    assert found[0][2] == "saved output is an error: KeyError: 'price'"
    assert len(found[1][2]) < 160 and found[1][2].endswith("...")


def test_error_output_is_reported_whatever_the_kernel_language():
    nb = Notebook(path="a.ipynb", language="R", cells=[
        Cell(0, "code", "stop('no')", execution_count=1,
             outputs=[Output(output_type="error", size=100, ename="Error", evalue="no")])])
    assert {f.rule for f in findings(nb)} == {"unsupported-kernel", "error-output"}


# -- cells run through a cell magic the linter does not read -----------------------------------

def test_names_defined_in_an_unknown_cell_magic_are_unknown_not_missing():
    nb = make_notebook("%%backend tensorflow\ndef step(x):\n    return x", "y = step(1)",
                       "%%bash\necho $z", "print(z)")
    assert [(f.rule, f.cell) for f in findings(nb) if f.rule in ("undefined-name", "use-before-define")] == \
        [("undefined-name", 3)]


def test_names_a_listable_star_import_binds_are_not_used_before_definition():
    nb = make_notebook("from math import *\nprint(pi, log(32, 2))", "from learntools.x import *\nprint(model)",
                       "def log(x):\n    return x\nmodel = 1")
    assert rules(nb, "use-before-define") == [(1, 2, "`model` is used here but first defined in cell 3, further down")]


# -- notebook-runs-notebook ---------------------------------------------------------------------

def runs(code: str):
    return findings("# %%\n" + code, "notebook-runs-notebook")


@pytest.mark.parametrize("code, needle", [
    ("%run ./prepare.ipynb", "runs another notebook"),
    ("%run helpers.py", "runs a script"),
    ("%run -i helpers.py", "overwrites this notebook's variables"),
    ("%run -m mypkg.setup", "runs a module"),
    ("exec(open('setup.py').read())", "`exec`"),
    ("import io\nexec(io.open('setup.py').read())", "`exec`"),
    ("from pathlib import Path\nexec(Path('setup.py').read_text())", "`exec`"),
    ("exec(compile(open('setup.py').read(), 'setup.py', 'exec'))", "`exec`"),
    ("with open('setup.py') as fh:\n    exec(fh.read())", "`exec`"),
    ("import import_ipynb\nimport prepare", "imports notebooks"),
    ("from ipynb.fs.full.prepare import load", "imports notebooks"),
    ("get_ipython().run_line_magic('run', 'prepare.ipynb')", "run_line_magic"),
])
def test_running_other_files_is_reported(code, needle):
    found = runs(code)
    assert len(found) == 1 and needle in found[0].message, [f.message for f in found]


@pytest.mark.parametrize("code", [
    "import papermill as pm\npm.execute_notebook('a.ipynb', 'out.ipynb', parameters={'n': 1})",
    "import nbformat\nfrom nbclient import NotebookClient\nnb = nbformat.read('a.ipynb', as_version=4)\nNotebookClient(nb).execute()",
    "exec('x = 1')",
    "text = open('notes.txt').read()",
    "%load_ext autoreload",
    "import runpy\nresult = runpy.run_path('train.py')",
])
def test_explicit_execution_is_clean(code):
    assert runs(code) == []


def test_run_in_markdown_is_not_code():
    from jupyter_mlops.notebook.model import Cell, Notebook
    nb = Notebook(path="n.ipynb", cells=[Cell(0, "markdown", "Use `%run other.ipynb` to ...")])
    assert findings(nb, "notebook-runs-notebook") == []

