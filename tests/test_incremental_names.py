"""Typing in one cell re-checks that cell, not the notebook: cell-local rules re-run on a cell
when its text changed or when a name it mentions is now defined differently — and the findings
always equal those of a full lint."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jupyter_mlops.analysis import CellCache
from jupyter_mlops.linter.config import LintConfig
from jupyter_mlops.linter.engine import lint_notebook
from jupyter_mlops.linter.rule import all_rules
from jupyter_mlops.notebook.model import Cell, Notebook

ALL = LintConfig()

# Cells whose findings depend on names defined elsewhere: shadowed builtins change what a call
# resolves to, a local `execfile` is not the Python 2 builtin, DATA_DIR changes path fixes.
SNIPPETS = [
    "import os\nimport pickle",
    "from pathlib import Path\nimport os\nDATA_DIR = Path(os.environ.get('DATA_DIR', 'data'))",
    "DATA_DIR = 'elsewhere'",
    "df = open('/home/ana/data/sales.csv')",
    "def eval(x):\n    return x",
    "y = eval(s)",
    "s = '1'",
    "def execfile(p):\n    pass",
    "execfile('setup.py')",
    "del s",
    "os.chdir('/tmp')",
    "open = lambda p: p",
    "m = pickle.load(open('m.pkl', 'rb'))",
    "x = (",
    "try:\n    z = 1\nexcept:\n    pass",
    "",
]


def notebook(sources: list[str]) -> Notebook:
    return Notebook(path="nb.ipynb", cells=[Cell(index=i, cell_type="code", source=s, id=f"id{i}")
                                            for i, s in enumerate(sources)])


def as_dicts(found):
    return [f.to_dict() for f in found]


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(SNIPPETS), min_size=1, max_size=7),
       st.lists(st.tuples(st.sampled_from(["edit", "insert", "delete"]), st.integers(0, 10),
                          st.sampled_from(SNIPPETS)), min_size=1, max_size=8))
def test_incremental_lint_equals_a_full_lint_when_definitions_move(start, edits):
    cache = CellCache()
    sources = list(start)
    lint_notebook(notebook(sources), ALL, cache)
    for op, where, text in edits:
        i = where % (len(sources) + (op == "insert"))
        if op == "edit" and sources:
            sources[i % len(sources)] = text
        elif op == "insert":
            sources.insert(i, text)
        elif op == "delete" and len(sources) > 1:
            del sources[i % len(sources)]
        assert as_dicts(lint_notebook(notebook(sources), ALL, cache)) == \
            as_dicts(lint_notebook(notebook(sources), ALL, CellCache()))


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
    lint_notebook(notebook(cells), ALL, cache)
    seen = _cells_checked(monkeypatch)
    for typed in ("n", "ne", "new", "new_"):  # each keystroke defines a different name
        cells[20] = f"{typed} = eval(text)"
        found = lint_notebook(notebook(cells), ALL, cache)
        assert sum(f.rule == "eval-exec" for f in found) == 40
    assert seen == [{20}] * 4


def test_redefining_a_name_rechecks_the_cells_that_mention_it(monkeypatch):
    cells = ["s = 'x'", "y = eval(s)", "z = eval('1')", "w = 2"]
    cache = CellCache()
    assert sum(f.rule == "eval-exec" for f in lint_notebook(notebook(cells), ALL, cache)) == 2
    seen = _cells_checked(monkeypatch)
    cells[3] = "def eval(x):\n    return x"  # the builtin is shadowed: no more eval-exec anywhere
    found = lint_notebook(notebook(cells), ALL, cache)
    assert [f for f in found if f.rule == "eval-exec"] == []
    assert seen == [{1, 2, 3}]  # the cells that say `eval`; cell 0 is not looked at again
