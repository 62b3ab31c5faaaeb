"""With a cache, an edit re-runs cell-local rules on the edited cell only — and the findings are
exactly those of a full lint of the edited notebook."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jupyter_mlops.analysis import CellCache
from jupyter_mlops.linter.config import LintConfig
from jupyter_mlops.linter.engine import lint_notebook
from jupyter_mlops.linter.rule import all_rules
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
    "",
]

ALL = LintConfig()


def notebook(sources: list[str]) -> Notebook:
    return Notebook(path="nb.ipynb", cells=[Cell(index=i, cell_type="code", source=s, id=f"id{i}")
                                            for i, s in enumerate(sources)])


def as_dicts(found):
    return [f.to_dict() for f in found]


def test_some_rules_are_cell_local():
    assert {r.name for r in all_rules() if r.cell_local} >= {"hardcoded-secret", "eval-exec", "bare-except"}


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(SNIPPETS), min_size=1, max_size=6),
       st.lists(st.tuples(st.sampled_from(["edit", "insert", "delete"]), st.integers(0, 10),
                          st.sampled_from(SNIPPETS)), min_size=1, max_size=8))
def test_incremental_lint_equals_a_full_lint(start, edits):
    cache = CellCache()
    sources = list(start)
    assert as_dicts(lint_notebook(notebook(sources), ALL, cache)) == \
        as_dicts(lint_notebook(notebook(sources), ALL, CellCache()))
    for op, where, text in edits:
        i = where % (len(sources) + (op == "insert"))
        if op == "edit" and sources:
            sources[i % len(sources)] = text
        elif op == "insert":
            sources.insert(i, text)
        elif op == "delete" and len(sources) > 1:
            del sources[i % len(sources)]
        incremental = lint_notebook(notebook(sources), ALL, cache)
        full = lint_notebook(notebook(sources), ALL, CellCache())
        assert as_dicts(incremental) == as_dicts(full)
