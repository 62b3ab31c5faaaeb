"""Fixtures shared by every test folder; plain helpers live in nbtest.py (see tests/README.md)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

from nbtest import CORPUS, RULE_FAILURES


@pytest.fixture
def corpus() -> Path:
    if not CORPUS.is_dir():
        pytest.skip("shared corpus not present (../shared/corpus)")
    return CORPUS


@pytest.fixture(scope="session")
def corpus_report():
    """The whole corpus linted once per session with every rule (about 10 s of CPU): the corpus
    tests of every folder read this one report instead of linting 532 notebooks each. Tests
    that use it are marked slow (`pytest -m "not slow"` leaves them out)."""
    if not CORPUS.is_dir():
        pytest.skip("shared corpus not present (../shared/corpus)")
    from jupyter_mlops import api
    RULE_FAILURES.messages.clear()
    report = api.lint_paths([CORPUS], config=api.LintConfig())
    assert not RULE_FAILURES.messages, RULE_FAILURES.messages[:10]  # no rule raised on any notebook
    return report


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """One line on what the docs examples test ran and skipped (tests/test_docs_examples.py)."""
    import sys
    module = sys.modules.get("test_docs_examples")
    tally = getattr(module, "TALLY", None)
    if tally is None or not (tally.run or tally.checked or tally.skipped):
        return
    terminalreporter.write_line(
        f"docs examples: {tally.run} blocks run, {tally.checked} checked (toml/yaml/jsonc), "
        f"{len(tally.skipped)} skipped as marked, {tally.pip_lines} `pip install` lines skipped, "
        f"from {tally.pages} pages")
    for skipped in tally.skipped:
        terminalreporter.write_line(f"  skipped: {skipped}")


@pytest.fixture(autouse=True, scope="session")
def _signing_keys_outside_home():
    """Commands that record to the audit ledger (productionise, ...) sign with a key made on first
    use; the suite's keys go to a temp folder, never into the real ~/.config."""
    with tempfile.TemporaryDirectory(prefix="jupyter-mlops-test-keys-") as folder:
        old = os.environ.get("JUPYTER_MLOPS_KEY_DIR")
        os.environ["JUPYTER_MLOPS_KEY_DIR"] = folder
        yield
        if old is None:
            os.environ.pop("JUPYTER_MLOPS_KEY_DIR", None)
        else:
            os.environ["JUPYTER_MLOPS_KEY_DIR"] = old
