"""The Python API as the README and the user guide show it: `jupyter_mlops.lint(...)` with
`select`, iterating the report, `report.to_dict()` (the CLI's JSON), `explain`, `lint_source`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import jupyter_mlops
from nbtest import REPO, notebook_json, run_cli, write_ipynb


@pytest.fixture
def project(tmp_path: Path) -> Path:
    write_ipynb(tmp_path / "notebooks" / "train.ipynb", [
        "import os\nimport pandas as pd",
        "df = pd.read_csv('/home/ana/data/train.csv')",
        "total = price * 3",
        "price = 10\nAPI_KEY = 'sk-proj-9fK2mQ7xR4tL9vB1nC6wZ3yH5jD0pS2aE7uI'"])
    (tmp_path / "notebooks" / "broken.ipynb").write_text("{")
    return tmp_path


def test_lint_iterates_over_findings_and_select_narrows_them(project: Path):
    report = jupyter_mlops.lint(project / "notebooks")
    every = list(report)
    assert every and all(isinstance(f, jupyter_mlops.Finding) for f in every)
    assert {f.code for f in every} >= {"NB103", "NB301", "NB401"}
    only = jupyter_mlops.lint(project / "notebooks", select=["NB1", "security"])
    assert {f.code for f in only} == {"NB103", "NB401"}
    found = {f.code: f for f in only}
    assert (found["NB103"].cell, found["NB103"].line, found["NB103"].column) == (2, 1, 8)
    # The unreadable file is an entry with its error, never an exception.
    errors = {Path(r.path).name: r.error for r in report.files if r.error}
    assert set(errors) == {"broken.ipynb"} and "not valid JSON" in errors["broken.ipynb"]


def test_to_dict_is_the_cli_json(project: Path):
    import os
    cwd = os.getcwd()
    os.chdir(project)  # relative paths, as in the README
    try:
        report = jupyter_mlops.lint("notebooks", select=["NB1", "security"])
    finally:
        os.chdir(cwd)
    cli = run_cli("lint", "notebooks", "--select", "NB1,security", "--format", "json", cwd=project)
    assert report.to_dict() == json.loads(cli.stdout)


def test_explain_gives_the_lesson_the_rule_reference_shows():
    info = jupyter_mlops.explain("hardcoded-secret")
    assert info.code == "NB401" and jupyter_mlops.explain("NB401").name == "hardcoded-secret"
    for section in ("## What it does", "## Why is this bad?", "## Example", "## Use instead"):
        assert section in info.markdown
    page = (REPO / "docs" / "rules" / "hardcoded-secret.md").read_text(encoding="utf-8")
    assert "## Why is this bad?" in page and info.markdown.split("## Why is this bad?")[1].split("##")[0].strip()[:80] in page
    from jupyter_mlops.errors import UnknownRuleError
    with pytest.raises(UnknownRuleError, match="no-such-rule"):
        jupyter_mlops.explain("no-such-rule")


def test_lint_source_lints_unsaved_content_and_reports_bad_content():
    text = json.dumps(notebook_json(["total = price * 3", "price = 10"]))
    result = jupyter_mlops.lint_source(text, "draft.ipynb")
    assert result.error is None and [f.code for f in result.findings] == ["NB103"]
    script = jupyter_mlops.lint_source("# %%\nimport os\nos.chdir('/tmp')\n", "draft.py")
    assert [f.code for f in script.findings] == ["NB302"] and script.findings[0].line == 2
    broken = jupyter_mlops.lint_source('{"cells": [', "draft.ipynb")
    assert broken.findings == [] and "not valid JSON" in broken.error
