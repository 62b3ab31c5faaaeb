"""Fixtures shared by every test folder; plain helpers live in nbtest.py (see tests/README.md)."""

from __future__ import annotations

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
