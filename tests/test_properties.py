"""Property-based tests: mutated notebooks never crash the loader or the analysis.

Start from valid notebook JSON (generated, and a few real notebooks of the corpus), mutate it
(delete keys, change types, insert junk, truncate the text, random unicode and IPython syntax in
sources), and check what a user relies on: the loader returns a Notebook or raises
NotebookReadError with a one-line message; linting never raises, and every finding points
inside its cell's text.
"""

from __future__ import annotations

import copy
import json
import re
from typing import Any

from hypothesis import HealthCheck, given, settings, strategies as st

from nbtest import CORPUS, RULE_FAILURES, check_positions
from jupyter_mlops.errors import NotebookReadError
from jupyter_mlops.linter.config import LintConfig
from jupyter_mlops.linter.engine import lint_notebook
from jupyter_mlops.linter.findings import Finding
from jupyter_mlops.notebook import Notebook, notebook_from_json, parse_ipynb, parse_percent_script
from jupyter_mlops.notebook.ipython import to_python

SETTINGS = settings(max_examples=150, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
CONFIG = LintConfig()  # every rule

PYTHON_LINES = [
    "import numpy as np", "import pandas as pd", "from sklearn.model_selection import train_test_split",
    "df = pd.read_csv('/home/me/data.csv')", "x = 1", "x += 1", "y = x * 2", "print(y)",
    "def f(a):", "    return a + x", "class C:", "    z = 1", "for i in range(3):", "    pass",
    "try:", "    1 / 0", "except:", "    pass", "with open('f') as fh:", "    data = fh.read()",
    "lambda q: q + w", "[k for k in range(3) if k]", "del x", "global g", "if (n := 10) > 5:",
    "match y:", "    case 1:", "        pass", "import pickle; pickle.load(open('m.pkl', 'rb'))",
    "np.random.rand(3)", "eval('1 + 1')", "os.chdir('/tmp')", "password = 'hunter2hunter2'",
    "url = 'https://user:pw@example.com/x'", "model.fit(X_test, y_test)",
    "from os import *", "assert True, 'msg'", "async def g():", "    await h()", "    yield 1",
    "s = f'{x!r:>{width}}'", "b = b'\\x00\\xff'", "t = '''multi", "line'''", "x = (1,", "  2)",
    "value = obj.attr[0].method(1, key='v')", "print 'python 2'", "exec 'x = 1'", "\tindented",
]
IPYTHON_LINES = [
    "%matplotlib inline", "%pip install pandas", "!pip install numpy==1.26", "!ls -la",
    "files = !ls", "x?", "??x", "np.array?", "%time y = x + 1", "%timeit sum(range(10))",
    "%cd /tmp", "%run other.ipynb", "%load_ext autoreload", "%autoreload 2", "/print 1 2",
    "%env A=1", "%store x", "!echo $x \\", "  continued", "%%time", "%%bash", "%%capture out",
    "%%writefile f.py", "%%html", "%config InlineBackend.figure_format = 'retina'", "%who",
]

line = st.one_of(
    st.sampled_from(PYTHON_LINES),
    st.sampled_from(IPYTHON_LINES),
    st.text(max_size=30),
    st.text(alphabet="()[]{}:=+-*/%!?#'\"\\ \t,.;@abcxyz019_\r", max_size=25),
)
source = st.lists(line, max_size=12).map("\n".join)


@st.composite
def cells(draw) -> dict[str, Any]:
    kind = draw(st.sampled_from(["code", "code", "code", "markdown", "raw"]))
    text = draw(source)
    as_list = draw(st.booleans())
    cell: dict[str, Any] = {"cell_type": kind, "metadata": {},
                            "source": text.splitlines(keepends=True) if as_list else text}
    if draw(st.booleans()):
        cell["id"] = draw(st.text(alphabet="abcdef0123456789-", min_size=1, max_size=12))
    if draw(st.booleans()):
        cell["metadata"]["tags"] = draw(st.lists(st.sampled_from(["noqa", "noqa:NB104", "x", "noqa:all"]),
                                                 max_size=2))
    if kind == "code":
        cell["execution_count"] = draw(st.one_of(st.none(), st.integers(0, 50)))
        cell["outputs"] = draw(st.lists(st.sampled_from([
            {"output_type": "stream", "name": "stdout", "text": ["hi\n"]},
            {"output_type": "error", "ename": "ValueError", "evalue": "bad", "traceback": []},
            {"output_type": "execute_result", "data": {"text/plain": ["1"]}, "metadata": {},
             "execution_count": 1},
        ]), max_size=2))
    return cell


@st.composite
def generated_notebooks(draw) -> dict[str, Any]:
    language = draw(st.sampled_from(["python", "python", "python", "R", "julia"]))
    return {"cells": draw(st.lists(cells(), max_size=8)),
            "metadata": {"kernelspec": {"name": "k", "language": language, "display_name": "K"},
                         "language_info": {"name": language}},
            "nbformat": 4, "nbformat_minor": draw(st.integers(0, 5))}


def _corpus_seeds() -> list[dict[str, Any]]:
    if not CORPUS.is_dir():
        return []
    seeds = []
    for path in sorted(CORPUS.rglob("*.ipynb"), key=lambda p: (p.stat().st_size, str(p)))[:6]:
        try:
            seeds.append(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError):
            pass
    return seeds


SEEDS = _corpus_seeds()
base_notebooks = (st.one_of(generated_notebooks(), st.sampled_from(SEEDS)) if SEEDS
                  else generated_notebooks())

junk = st.one_of(st.none(), st.booleans(), st.integers(-5, 10**12), st.floats(allow_nan=True),
                 st.text(max_size=10), st.lists(st.integers(), max_size=3),
                 st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
                 st.lists(st.text(max_size=5), max_size=3))


def _paths(obj: Any, prefix: tuple = ()) -> list[tuple]:
    out = [prefix]
    if isinstance(obj, dict):
        for k, v in obj.items():
            out.extend(_paths(v, prefix + (k,)))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            out.extend(_paths(v, prefix + (i,)))
    return out


def _get(obj: Any, path: tuple) -> Any:
    for key in path:
        obj = obj[key]
    return obj


@st.composite
def mutated(draw) -> dict[str, Any] | Any:
    nb = copy.deepcopy(draw(base_notebooks))
    for _ in range(draw(st.integers(1, 4))):
        paths = _paths(nb)
        path = draw(st.sampled_from(paths))
        op = draw(st.sampled_from(["delete", "replace", "insert", "source", "source"]))
        if op == "source":  # swap in random (IPython-ish, unicode) text for a cell's source
            cell_paths = [p for p in paths if len(p) == 2 and p[0] == "cells"]
            if cell_paths and isinstance(_get(nb, draw(st.sampled_from(cell_paths))), dict):
                target = _get(nb, draw(st.sampled_from(cell_paths)))
                if isinstance(target, dict):
                    target["source"] = draw(source)
            continue
        if not path:
            if op == "replace":
                nb = draw(junk)
            continue
        parent, key = _get(nb, path[:-1]), path[-1]
        if op == "delete":
            del parent[key]
        elif op == "replace":
            parent[key] = draw(junk)
        elif isinstance(parent, dict):
            parent[draw(st.text(max_size=8))] = draw(junk)
        else:
            parent.insert(key, draw(junk))
        if not isinstance(nb, (dict, list)):
            break
    return nb


def lint(nb: Notebook) -> list[Finding]:
    RULE_FAILURES.messages.clear()
    found = lint_notebook(nb, CONFIG)
    assert not RULE_FAILURES.messages, RULE_FAILURES.messages
    return found


def load_or_error(load, *args) -> Notebook | None:
    try:
        return load(*args)
    except NotebookReadError as exc:
        assert exc.problem and "\n" not in str(exc) and len(str(exc)) < 500, str(exc)
        return None


@SETTINGS
@given(mutated())
def test_mutated_notebook_objects_load_or_fail_cleanly_and_lint(raw):
    nb = load_or_error(notebook_from_json, raw, "m.ipynb")
    if nb is not None:
        check_positions(nb, lint(nb))


@SETTINGS
@given(mutated(), st.data())
def test_mutated_notebook_text_loads_or_fails_cleanly(raw, data):
    text = json.dumps(raw, ensure_ascii=data.draw(st.booleans()), indent=data.draw(st.sampled_from([None, 1])))
    cut = data.draw(st.integers(0, len(text)))
    edit = data.draw(st.sampled_from(["whole", "truncate", "insert", "bom"]))
    if edit == "truncate":
        text = text[:cut]
    elif edit == "insert":
        text = text[:cut] + data.draw(st.text(max_size=5)) + text[cut:]
    elif edit == "bom":
        text = "\ufeff" + text
    nb = load_or_error(parse_ipynb, text, "t.ipynb")
    if nb is not None:
        check_positions(nb, lint(nb))


@SETTINGS
@given(source)
def test_ipython_transform_keeps_the_line_count(text):
    result = to_python(text)
    assert len(result.code.split("\n")) == len(text.split("\n"))
    for magic in result.magics:
        assert 1 <= magic.line <= (magic.end_line or magic.line) <= len(text.split("\n"))


@SETTINGS
@given(st.lists(st.one_of(line, st.sampled_from(["# %%", "# %% [markdown]", "#%%", "# %% tags=[\"x\"]",
                                                 "# %% [raw]", "", "  # %%"])), max_size=25),
       st.sampled_from(["\n", "\r\n"]))
def test_percent_cells_join_back_to_the_file(lines, newline):
    lines = [l.replace("\r", "").replace("\n", "") for l in lines]
    text = newline.join(lines)
    nb = parse_percent_script(text, "s.py")
    file_lines = text.replace("\r\n", "\n").split("\n")
    from jupyter_mlops.notebook.loader import _PERCENT_MARKER
    covered: set[int] = set()
    for cell in nb.cells:
        assert cell.file_line is not None and cell.file_line >= 1
        start = cell.file_line - 1
        body = cell.source.split("\n")
        if cell.source == "":  # an empty cell, or one line that became empty (`#` in markdown)
            first = file_lines[start] if start < len(file_lines) else ""
            body = [""] if first.strip() and not _PERCENT_MARKER.match(first) else []
        shown = file_lines[start:start + len(body)]
        if cell.cell_type == "code":
            assert shown == body
        else:  # markdown/raw cells are comments in the script: `# ` is stripped
            assert [re.sub(r"^# ?", "", l) for l in shown] == body
        covered.update(range(start, start + len(body)))
    # Every line that is not a marker and not blank belongs to exactly one cell.
    for i, text_line in enumerate(file_lines):
        if text_line.strip() and not _PERCENT_MARKER.match(text_line):
            assert i in covered, (i, text_line)
    check_positions(nb, lint(nb))


@SETTINGS
@given(st.lists(source, min_size=1, max_size=6), st.lists(st.one_of(st.none(), st.integers(0, 9)),
                                                          min_size=6, max_size=6))
def test_lint_positions_are_inside_cells(sources, counts):
    nb = Notebook.from_sources(sources)
    for cell, count in zip(nb.cells, counts):
        cell.execution_count = count
    check_positions(nb, lint(nb))
