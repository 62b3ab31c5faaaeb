"""Cross-cell dataflow: notebook order (Restart & Run All) and saved execution order."""

from __future__ import annotations

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
