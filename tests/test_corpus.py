"""The linter on 532 real notebooks (../shared/corpus): no crash, sane positions, known truths.

The truths below were checked by reading the notebooks' JSON independently of the linter (see
each test). No exact finding counts are asserted: rules are allowed to get better.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import jsonschema
import pytest

from nbtest import CORPUS, REPO, check_positions, run_cli
from jupyter_mlops.linter.findings import FileResult

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("corpus"),
              pytest.mark.skipif(not CORPUS.is_dir(), reason="shared corpus not present")]


@pytest.fixture
def linted(corpus_report) -> dict[str, FileResult]:
    """The session's one lint of the whole corpus (conftest.py), by path relative to it."""
    return {os.path.relpath(r.path, CORPUS): r for r in corpus_report.files}


def raw_cells(rel: str) -> list[dict[str, Any]]:
    data = json.loads((CORPUS / rel).read_text(encoding="utf-8-sig"))
    if "cells" in data:
        return data["cells"]
    return [c for sheet in data.get("worksheets", []) for c in sheet.get("cells", [])]


def counts(rel: str) -> list[Any]:
    return [c.get("execution_count", c.get("prompt_number")) for c in raw_cells(rel)
            if c.get("cell_type") == "code"]


def rules_in(result: FileResult) -> set[str]:
    return {f.rule for f in result.findings}


def test_every_notebook_is_read_and_linted(linted):
    on_disk = {os.path.relpath(p, CORPUS) for p in CORPUS.rglob("*.ipynb")
               if not any(part.startswith(".") for part in p.relative_to(CORPUS).parts)}
    assert set(linted) == on_disk and len(on_disk) >= 500
    # None of the corpus notebooks is truly broken; every one must be read.
    assert {rel: r.error for rel, r in linted.items() if r.error} == {}


def test_every_finding_points_inside_its_cell(linted):
    for rel, result in linted.items():
        check_positions(result.notebook, result.findings)


def test_saved_error_outputs_are_exactly_the_error_output_findings(linted):
    # Independent truth: cells whose saved outputs include an error (nbformat 3: pyerr).
    checked = 0
    for rel, result in linted.items():
        cells = raw_cells(rel)
        expected = {i for i, c in enumerate(cells) if c.get("cell_type") == "code"
                    and any(o.get("output_type") in ("error", "pyerr") for o in c.get("outputs", []))}
        found = {f.cell for f in result.findings if f.rule == "error-output"}
        assert found == expected, rel
        checked += bool(expected)
    assert checked >= 10  # jakevdp's chapter on errors and debugging, among others


def test_never_run_notebooks_have_no_execution_order_findings(linted):
    # fchollet's notebooks (second edition, top level) save every count as 0 and many Kaggle
    # notebooks were never executed: neither is evidence of out-of-order or skipped cells.
    never_run = [rel for rel in linted if all(not c for c in counts(rel))]
    assert len(never_run) > 100
    top_fchollet = [rel for rel in never_run if rel.startswith("fchollet+") and rel.count("/") == 1]
    assert len(top_fchollet) >= 10
    assert all(set(counts(rel)) <= {0} for rel in top_fchollet)
    for rel in never_run:
        assert not rules_in(linted[rel]) & {"out-of-order-execution", "unexecuted-cell"}, rel


def test_out_of_order_matches_the_saved_counts(linted):
    increasing = decreasing = 0
    for rel, result in linted.items():
        ran = [c for c in counts(rel) if c]
        flagged = "out-of-order-execution" in rules_in(result)
        if all(a < b for a, b in zip(ran, ran[1:])):
            assert not flagged, rel
            increasing += 1
        elif any(a > b for a, b in zip(ran, ran[1:])):
            assert flagged, rel
            decreasing += 1
    assert increasing > 100 and decreasing > 10


def test_unexecuted_cells_in_executed_notebooks(linted):
    for rel, result in linted.items():
        code = counts(rel)
        if not any(code):
            continue
        skipped = {i for i, c in enumerate(raw_cells(rel)) if c.get("cell_type") == "code"
                   and not c.get("execution_count", c.get("prompt_number"))
                   and "".join(c.get("source", c.get("input", ""))).strip()}
        found = {f.cell for f in result.findings if f.rule == "unexecuted-cell"}
        assert found <= skipped, rel


def test_the_nbformat_invalid_notebook_still_lints(linted):
    import nbformat
    rel = "jakevdp+PythonDataScienceHandbook/notebooks/01.01-Help-And-Documentation.ipynb"
    with pytest.raises(nbformat.ValidationError):  # an `id` on nbformat 4.0-4.4: invalid
        nbformat.validate(nbformat.read(CORPUS / rel, as_version=nbformat.NO_CONVERT))
    result = linted[rel]
    assert result.error is None and result.notebook is not None
    assert len(result.notebook.cells) == len(raw_cells(rel))


@pytest.mark.parametrize("rel, cell, text", [
    # Deliberate mistakes shown in the books: reported, and the rest of the notebook analysed.
    ("Kaggle+learntools/notebooks/python/raw/tut_6.ipynb", 7, "'Pluto's a planet!'"),
    ("jakevdp+PythonDataScienceHandbook/notebooks/03.05-Hierarchical-Indexing.ipynb", 73,
     "health_data.loc[(:, 1), (:, 'HR')]"),
])
def test_cells_that_do_not_parse_are_reported(linted, rel, cell, text):
    result = linted[rel]
    assert result.notebook.cells[cell].source.strip() == text
    (finding,) = [f for f in result.findings if f.rule == "syntax-error" and f.cell == cell]
    assert finding.severity.value == "error" and finding.line == 1
    # The other code cells were parsed and analysed.
    analysed = [c for c in result.notebook.code_cells if c.index != cell]
    assert analysed


def test_untitled_notebooks(linted):
    untitled_seen = 0
    for rel, result in linted.items():
        untitled = Path(rel).name.startswith("Untitled")
        assert ("untitled-notebook" in rules_in(result)) == untitled, rel
        untitled_seen += untitled
    assert untitled_seen >= 1  # the corpus holds Untitled notebooks: the rule must fire on them


def test_cli_reports_on_the_corpus(tmp_path: Path):
    folder = CORPUS / "guipsamora+pandas_exercises"
    schema = json.loads((REPO / "jupyter_mlops/linter/report/schemas/sarif-schema-2.1.0.json")
                        .read_text(encoding="utf-8"))
    proc = run_cli("lint", folder, "--format", "sarif", cwd=CORPUS)
    assert proc.stderr == "" and proc.returncode in (0, 1)
    log = json.loads(proc.stdout)
    jsonschema.validate(log, schema)
    checked = 0
    for result in log["runs"][0]["results"]:
        props = result["properties"]
        if props.get("cell") is None:
            continue
        loc = result["locations"][0]["physicalLocation"]
        path = CORPUS / unquote(loc["artifactLocation"]["uri"])
        raw_line = path.read_text(encoding="utf-8").split("\n")[loc["region"]["startLine"] - 1]
        cell_source = raw_cells(os.path.relpath(path, CORPUS))[props["cell"]]["source"]
        cell_line = "".join(cell_source).split("\n")[props["cellLine"] - 1]
        assert json.dumps(cell_line, ensure_ascii=False)[1:-1] in raw_line
        checked += 1
    assert checked > 50
