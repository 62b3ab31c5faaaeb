"""The two-process lint (`SplitLinter`): a real helper process runs the dataflow rules while this
process runs the rest. Its findings must be exactly `lint_notebook`'s, through edits, and a helper
that dies or hangs must cost nothing but time."""

from __future__ import annotations

import os
import pickle
import signal
import time
from pathlib import Path

import pytest

from jupyter_mlops.analysis import CellCache
from jupyter_mlops.errors import NotebookReadError
from jupyter_mlops.linter import split
from jupyter_mlops.linter.config import LintConfig
from jupyter_mlops.linter.engine import discover, lint_notebook
from jupyter_mlops.linter.registry import all_rules
from jupyter_mlops.linter.rules.ml import leakage_flow
from jupyter_mlops.linter.split import HELPER_RULES, SplitLinter
from jupyter_mlops.notebook.loader import load_notebook
from jupyter_mlops.notebook.model import Cell, Notebook

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus"
ALL = LintConfig()

LEAKY = [
    "import pandas as pd\nimport requests\nfrom sklearn.model_selection import train_test_split\n"
    "from sklearn.preprocessing import StandardScaler",
    "df = pd.read_csv('https://example.com/data.csv')\nX = df[['a', 'b']]\ny = df['c']",
    "X_s = StandardScaler().fit_transform(X)",
    "X_train, X_test, y_train, y_test = train_test_split(X_s, y)",
    'API_KEY = "sk-proj-9fK2mQ7xR4tL9vB1nC6wZ3yH5jD0pS2aE7uIx8"',
    "try:\n    v = 1\nexcept:\n    pass",
]


def notebook(sources: list[str], path: str = "split.ipynb") -> Notebook:
    return Notebook(path=path, cells=[Cell(index=i, cell_type="code", source=s, id=f"c{i}")
                                      for i, s in enumerate(sources)])


def dicts(found):
    return [f.to_dict() for f in found]


@pytest.fixture(scope="module")
def linter():
    lint = SplitLinter()
    lint.start()
    assert lint.wait_ready(60), "the helper process did not start"
    yield lint
    lint.close()


def test_the_helper_runs_the_rules_it_is_given_and_this_process_the_others(linter):
    found = linter.lint(notebook(LEAKY), ALL, CellCache())
    rules = {f.rule for f in found}
    # Both shares are present: leakage and download from the helper, secret and except from here.
    assert {"preprocessing-leakage", "unverified-download", "hardcoded-secret", "bare-except"} <= rules
    assert dicts(found) == dicts(lint_notebook(notebook(LEAKY), ALL))
    assert linter.split_lints >= 1


def test_split_findings_equal_a_one_process_lint_on_real_notebooks(linter):
    paths = discover([ROOT / "examples", CORPUS])[::9]  # examples plus a spread of the corpus
    assert len(paths) > 50
    cache = CellCache()
    before = linter.split_lints
    for path in paths:
        try:
            nb = load_notebook(path)
        except NotebookReadError:
            continue  # unreadable corpus files are the loader's tests' business
        assert dicts(linter.lint(nb, ALL, cache)) == dicts(lint_notebook(nb, ALL)), path
    assert linter.split_lints - before > 50


def test_edits_stay_incremental_in_both_processes_and_equal_a_full_lint(linter):
    sources = list(LEAKY)
    cache = CellCache()
    edits = [(3, "X_train, X_test = train_test_split(X)"), (2, "X_s = X"), (5, "import pickle"),
             (3, LEAKY[3]), (2, LEAKY[2]), (1, "df = pd.read_csv('local.csv')")]
    for where, text in edits:
        sources[where] = text
        assert dicts(linter.lint(notebook(sources), ALL, cache)) == dicts(lint_notebook(notebook(sources), ALL))


def test_findings_converted_on_the_way_keep_lint_notebooks_order(linter):
    nb = notebook(LEAKY + ["import pickle\npickle.dump(X_s, open('m.pkl', 'wb'))", "password = 'hunter2-Sup3r'"])
    before = linter.split_lints
    labels = linter.lint(nb, ALL, CellCache(), convert=lambda f: (f.cell, f.line, f.code))
    assert linter.split_lints == before + 1
    assert labels == [(f.cell, f.line, f.code) for f in lint_notebook(nb, ALL)]
    assert len(labels) > 5


def test_a_configuration_without_the_helpers_rules_lints_here_alone(linter):
    config = LintConfig(ignore=tuple(HELPER_RULES))
    before = linter.split_lints
    found = linter.lint(notebook(LEAKY), config, CellCache())
    assert linter.split_lints == before
    assert dicts(found) == dicts(lint_notebook(notebook(LEAKY), config))
    assert not {f.rule for f in found} & HELPER_RULES


def test_before_the_helper_starts_everything_runs_here():
    lint = SplitLinter()  # never started
    assert dicts(lint.lint(notebook(LEAKY), ALL, CellCache())) == dicts(lint_notebook(notebook(LEAKY), ALL))
    assert lint.split_lints == 0 and not lint.running


def test_a_killed_helper_loses_no_findings_and_is_replaced():
    lint = SplitLinter()
    lint.start()
    try:
        assert lint.wait_ready(60)
        first = lint.pid
        os.kill(first, signal.SIGKILL)
        os.waitid(os.P_PID, first, os.WEXITED | os.WNOWAIT)  # dead (left for the linter to reap)
        assert dicts(lint.lint(notebook(LEAKY), ALL, CellCache())) == dicts(lint_notebook(notebook(LEAKY), ALL))
        assert lint.failures == 1
        assert lint.wait_ready(60) and lint.pid != first
        assert dicts(lint.lint(notebook(LEAKY), ALL, CellCache())) == dicts(lint_notebook(notebook(LEAKY), ALL))
        assert lint.split_lints == 1
    finally:
        lint.close()


def test_a_hung_helper_is_given_up_on_and_its_rules_run_here():
    lint = SplitLinter(reply_timeout=0.5)
    lint.start()
    try:
        assert lint.wait_ready(60)
        stuck = lint.pid
        os.kill(stuck, signal.SIGSTOP)  # it cannot answer, as if a rule looped forever
        found = lint.lint(notebook(LEAKY), ALL, CellCache())
        assert dicts(found) == dicts(lint_notebook(notebook(LEAKY), ALL))
        assert lint.failures == 1 and lint.pid != stuck
        with pytest.raises(ProcessLookupError):  # the stuck one was killed, not left behind
            for _ in range(50):
                os.kill(stuck, 0)
                time.sleep(0.05)
    finally:
        lint.close()


def test_close_ends_the_helper():
    lint = SplitLinter()
    lint.start()
    assert lint.wait_ready(60)
    pid = lint.pid
    lint.close()
    assert not lint.running
    with pytest.raises(ProcessLookupError):
        for _ in range(50):
            os.kill(pid, 0)
            time.sleep(0.05)


def test_every_rule_that_reads_the_dataflow_is_in_the_helpers_share(monkeypatch):
    """The dataflow is the costliest shared pass: built in both processes, the split would gain
    nothing. This process's share must never build it."""
    built = []
    original = leakage_flow.DataFlow.run
    monkeypatch.setattr(leakage_flow.DataFlow, "run", lambda self: built.append(1) or original(self))
    here = {r.name for r in all_rules()} - HELPER_RULES
    nb = notebook(LEAKY + ["import joblib\nmodel = 1\njoblib.dump(model, 'm.pkl')", "model.fit(X_test, y_test)"])
    lint_notebook(nb, ALL, CellCache(), rules=here)
    assert built == []
    lint_notebook(nb, ALL, CellCache(), rules=HELPER_RULES)
    assert built == [1]


def test_a_share_of_the_rules_gives_exactly_their_findings():
    nb = notebook(LEAKY)
    full = lint_notebook(nb, ALL)
    mine = lint_notebook(nb, ALL, CellCache(), rules={"hardcoded-secret", "bare-except"})
    assert dicts(mine) == dicts([f for f in full if f.rule in {"hardcoded-secret", "bare-except"}])


def test_helper_rules_are_real_rule_names():
    assert HELPER_RULES <= {r.name for r in all_rules()}


def test_a_hung_helper_holds_a_lint_up_for_a_multiple_of_this_sides_time_not_a_minute(monkeypatch):
    monkeypatch.setattr(split, "MIN_WAIT", 1.0)
    lint = SplitLinter()  # the default 60 s cap
    lint.start()
    try:
        assert lint.wait_ready(60)
        os.kill(lint.pid, signal.SIGSTOP)
        started = time.monotonic()
        found = lint.lint(notebook(LEAKY), ALL, CellCache())
        assert time.monotonic() - started < 10
        assert dicts(found) == dicts(lint_notebook(notebook(LEAKY), ALL))
        assert lint.failures == 1
    finally:
        lint.close()


def test_a_notebook_crosses_the_pipe_whole():
    nb = Notebook(path="x/y.ipynb", language="python3", kernel_name="py", nbformat_minor=4,
                  metadata={"kernelspec": {"name": "py"}}, format="ipynb",
                  cells=[Cell(index=0, cell_type="code", source="x = 1", id="a", execution_count=3,
                              metadata={"tags": ["noqa:NB103"]}, file_line=7),
                         Cell(index=1, cell_type="markdown", source="# t", id=None)])
    back = split._unpack(pickle.loads(pickle.dumps(split._pack(nb))))
    assert [vars(c) for c in back.cells] == [vars(c) for c in nb.cells]  # cells compare by identity
    assert {**vars(back), "cells": None} == {**vars(nb), "cells": None}


def test_a_helper_that_cannot_start_is_retried_three_times_then_left_off(monkeypatch, caplog):
    monkeypatch.setattr(split.sys, "executable", "/bin/false")  # exits at once, says nothing
    lint = SplitLinter()
    lint.start()
    try:
        for attempt in range(1, 5):  # the first helper and three replacements
            os.waitid(os.P_PID, lint.pid, os.WEXITED | os.WNOWAIT)  # this one has ended
            assert dicts(lint.lint(notebook(LEAKY), ALL, CellCache())) == dicts(lint_notebook(notebook(LEAKY), ALL))
            assert lint.failures == attempt
        assert not lint.running and lint.pid is None and lint.split_lints == 0
        assert dicts(lint.lint(notebook(LEAKY), ALL, CellCache())) == dicts(lint_notebook(notebook(LEAKY), ALL))
        assert lint.failures == 4  # left off: no fifth start
        assert "lint helper ended during start-up" in caplog.text
    finally:
        lint.close()


def test_a_notebook_linted_before_the_helper_was_ready_is_not_waited_on_while_it_catches_up():
    """Opened while the helper starts, a notebook's next lint here is incremental; the helper's
    share would be a cold lint. So that lint runs here, the helper catches up meanwhile, and the
    lints after it are shared."""
    lint = SplitLinter()
    lint.start()
    try:
        cache = CellCache()
        sources = list(LEAKY)
        assert dicts(lint.lint(notebook(sources), ALL, cache)) == dicts(lint_notebook(notebook(sources), ALL))
        assert lint.wait_ready(60) and lint.split_lints == 0
        sources[5] = "import os"
        assert dicts(lint.lint(notebook(sources), ALL, cache)) == dicts(lint_notebook(notebook(sources), ALL))
        assert lint.split_lints == 0  # the catch-up lint
        deadline = time.monotonic() + 30
        while lint.split_lints == 0:
            assert time.monotonic() < deadline, "the helper never shared a lint after catching up"
            sources[5] = f"import os  # {time.monotonic()}"
            assert dicts(lint.lint(notebook(sources), ALL, cache)) == dicts(lint_notebook(notebook(sources), ALL))
            time.sleep(0.05)
        # Another notebook, new to both sides, is shared at once.
        other = [s.replace("df", "frame") for s in LEAKY]
        before = lint.split_lints
        assert dicts(lint.lint(notebook(other, "other.ipynb"), ALL, cache)) == \
            dicts(lint_notebook(notebook(other, "other.ipynb"), ALL))
        assert lint.split_lints == before + 1
    finally:
        lint.close()


def test_ctrl_c_in_the_terminal_leaves_the_helper_to_the_server(linter):
    """Ctrl-C reaches the whole process group; the helper ends only when the server says so."""
    before, pid = linter.split_lints, linter.pid
    os.kill(pid, signal.SIGINT)
    # A lint shared after the signal: the helper answered, so it had the signal and lived on
    # (one that died of it would fail the lint over to this process, and split_lints would stay).
    assert dicts(linter.lint(notebook(LEAKY, "ctrl-c.ipynb"), ALL, CellCache())) == \
        dicts(lint_notebook(notebook(LEAKY, "ctrl-c.ipynb"), ALL))
    assert linter.split_lints == before + 1
    assert linter.running and linter.pid == pid and linter.failures == 0
