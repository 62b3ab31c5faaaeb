"""Shared test helpers: one CLI runner, one notebook writer, notebooks in memory, lint checks.

Import them as `from nbtest import ...` (a unique module name: several test folders have a
conftest.py of their own, so `from conftest import` would be ambiguous). tests/README.md lists
what is here and where each kind of test lives."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Union

from jupyter_mlops.linter.config import LintConfig
from jupyter_mlops.linter.engine import lint_notebook
from jupyter_mlops.linter.findings import Finding
from jupyter_mlops.linter.lessons import example_notebook
from jupyter_mlops.notebook.model import Cell, Notebook, Output

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO.parent / "shared" / "corpus"
CLI = (sys.executable, "-m", "jupyter_mlops.cli")

# -- the command line ------------------------------------------------------------------------


def run_cli(*args: str | os.PathLike[str], cwd: str | os.PathLike[str] | None = None,
            env: Mapping[str, str] | None = None, timeout: float = 300,
            input: str | None = None) -> subprocess.CompletedProcess[str]:
    """`jupyter-mlops ARGS...` as a real process (this interpreter, so this checkout), with
    `NO_COLOR=1` unless `env` says otherwise. The timeout only stops a hung command."""
    full_env = {**os.environ, "NO_COLOR": "1", **(env or {})}
    return subprocess.run([*CLI, *map(str, args)], cwd=cwd, env=full_env, input=input,
                          capture_output=True, text=True, timeout=timeout)


def console_script(name: str) -> Path:
    """A console script installed beside this interpreter (`jupyter-mlops`, `jupyter`, ...)."""
    return Path(sys.executable).parent / name


# -- the project as a user's pip builds it ----------------------------------------------------

# What `pip install .` needs: the sources, with the front end prebuilt (as in a release).
PACKAGE_FILES = ["pyproject.toml", "README.md", "install.json", ".pre-commit-hooks.yaml",
                 "jupyter_mlops", "lsp_server/jupyter_mlops_lsp", "templates", "jupyter-config"]


def copy_package_sources(dest: Path) -> Path:
    """A copy of the files that build the distribution (skips the test when the JupyterLab front
    end was never built here: `pip install -e .` builds it)."""
    import shutil

    import pytest

    if not (REPO / "jupyter_mlops" / "labextension" / "package.json").is_file():
        pytest.skip("the front end is not built (pip install -e . builds it)")
    for name in PACKAGE_FILES:
        src, dst = REPO / name, dest / name
        if src.is_dir():
            shutil.copytree(src, dst, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dst)
    return dest


# -- notebooks on disk -----------------------------------------------------------------------

# A cell for `notebook_json`: a code cell's source; (kind, source) or (kind, source, tags);
# or a cell dict, used as it is (for deliberately odd notebooks).
CellSpec = Union[str, tuple, Mapping[str, Any]]

PYTHON_METADATA = {"kernelspec": {"name": "python3", "language": "python", "display_name": "Python 3"},
                   "language_info": {"name": "python"}}


def kernel_metadata(language: str = "python") -> dict[str, Any]:
    if language.lower() == "python":
        return json.loads(json.dumps(PYTHON_METADATA))
    return {"kernelspec": {"name": language.lower(), "language": language, "display_name": language},
            "language_info": {"name": language.lower()}}


def notebook_json(cells: Iterable[CellSpec], counts: list[int | None] | None = None,
                  cell_type: str = "code", language: str = "python", **top: Any) -> dict[str, Any]:
    """An nbformat 4.5 notebook as a dict: cell ids `c0`, `c1`, ...; sources stored as lists of
    lines, as Jupyter writes them; `counts` gives code cells' execution counts by position;
    `top` adds or replaces top-level keys (`metadata=...`, `nbformat_minor=...`)."""
    out = []
    for i, spec in enumerate(cells):
        if isinstance(spec, Mapping):
            out.append(dict(spec))
            continue
        kind, source, tags = (cell_type, spec, []) if isinstance(spec, str) else (
            spec[0], spec[1], list(spec[2]) if len(spec) > 2 else [])
        cell: dict[str, Any] = {"cell_type": kind, "id": f"c{i}",
                                "metadata": {"tags": tags} if tags else {},
                                "source": source.splitlines(keepends=True)}
        if kind == "code":
            cell["execution_count"] = counts[i] if counts else None
            cell["outputs"] = []
        out.append(cell)
    return raw_notebook(out, language=language, **top)


def raw_notebook(cells: Any, language: str = "python", **top: Any) -> dict[str, Any]:
    """A notebook dict whose `cells` value is used as given: any JSON, for broken notebooks."""
    return {"cells": cells, "metadata": kernel_metadata(language), "nbformat": 4, "nbformat_minor": 5,
            **top}


def dump_json(path: Path, obj: Any) -> Path:
    """Write any JSON value to `path` (indent 1, as Jupyter does); returns the path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def write_ipynb(path: Path, cells: Iterable[CellSpec], counts: list[int | None] | None = None,
                cell_type: str = "code", language: str = "python", **top: Any) -> Path:
    """Write `notebook_json(...)` to `path` the way Jupyter does (indent 1, one JSON string per
    source line), creating its folder; returns the path."""
    return dump_json(path, notebook_json(cells, counts=counts, cell_type=cell_type,
                                         language=language, **top))


def code_cell(source: Any, count: int | None = None, **extra: Any) -> dict[str, Any]:
    """A raw code cell dict whose `source` may be anything (a string, a list, a wrong type)."""
    return {"cell_type": "code", "execution_count": count, "metadata": {}, "outputs": [],
            "source": source, **extra}


def pathological_sources() -> dict[str, str]:
    """Sources that stress a parser or a tree walk (deep nesting, huge expressions, long chains)."""
    return {
        "parens": "x = " + "(" * 1000 + "1" + ")" * 1000,
        "plus": "x = " + "+".join(["1"] * 100_000),
        "lists": "x = " + "[" * 1000 + "]" * 1000,
        "attrs": "x = a" + ".b" * 50_000,
        "nots": "x = " + "not " * 10_000 + "True",
        "lambdas": "f = " + "lambda: " * 5_000 + "1",
        "strings": "s = " + " ".join(['"a"'] * 100_000),
        "dict": "d = {" + ", ".join(f"'k{i}': {i}" for i in range(50_000)) + "}",
        "elifs": "if a:\n pass\n" + "".join(f"elif a == {i}:\n pass\n" for i in range(10_000)),
        "indent": "".join("    " * i + "if True:\n" for i in range(99)) + "    " * 99 + "pass",
    }


def write_enormous_notebooks(folder: Path) -> dict[str, str]:
    """About 50 MB of notebooks a linter must survive (huge outputs, 5,000 cells, a 20,000-line
    cell, pathological_sources()), for tests/test_bad_input.py and benchmarks/pathological_inputs.py.
    Returns each file's name and the undefined name its last cell reads (which must be found)."""
    blob = "iVBORw0KGgo" * 2_500_000  # ~27 MB of base64-ish image data
    stream = ["x" * 999 + "\n"] * 20_000  # ~20 MB of printed text
    dump_json(folder / "huge_outputs.ipynb", raw_notebook([
        code_cell("print(undefined_huge)", 1, outputs=[
            {"output_type": "stream", "name": "stdout", "text": stream},
            {"output_type": "display_data", "metadata": {}, "data": {"image/png": blob}}]),
        code_cell("y = 2", 2)]))
    dump_json(folder / "five_thousand_cells.ipynb", raw_notebook(
        [code_cell(f"v{i} = {i}\nprint(v{i} + 1)", i + 1) for i in range(4999)]
        + [code_cell("print(undefined_last)", 5000)]))
    dump_json(folder / "long_cell.ipynb", raw_notebook([code_cell(
        "\n".join(f"w{i} = {i} * 2" for i in range(20_000)) + "\nprint(undefined_long)")]))
    dump_json(folder / "pathological.ipynb", raw_notebook(
        [code_cell(src) for src in pathological_sources().values()] + [code_cell("print(undefined_patho)")]))
    return {"huge_outputs.ipynb": "undefined_huge", "five_thousand_cells.ipynb": "undefined_last",
            "long_cell.ipynb": "undefined_long", "pathological.ipynb": "undefined_patho"}


# -- notebooks in memory ---------------------------------------------------------------------


def make_notebook(*sources: str, counts: list[int | None] | None = None,
                  path: str = "nb.ipynb", outputs: dict[int, list[Output]] | None = None) -> Notebook:
    cells = [Cell(index=i, cell_type="code", source=s, id=f"c{i}",
                  execution_count=(counts[i] if counts else None),
                  outputs=(outputs or {}).get(i, []))
             for i, s in enumerate(sources)]
    return Notebook(path=path, cells=cells)


def findings(nb_or_code: Notebook | str, rule: str | None = None, **options: Any):
    """Lint a notebook (or percent-format code) and return findings, optionally of one rule."""
    nb = example_notebook(nb_or_code) if isinstance(nb_or_code, str) else nb_or_code
    config = LintConfig(select=(rule,) if rule else ("ALL",),
                        options={rule: options} if (rule and options) else {})
    return lint_notebook(nb, config)


# -- checks shared by the property, corpus and rule tests ------------------------------------


class RuleFailures(logging.Handler):
    """The engine logs a rule that raised (and carries on without a traceback); tests fail on it."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


RULE_FAILURES = RuleFailures()
logging.getLogger("jupyter_mlops.linter.engine").addHandler(RULE_FAILURES)


def check_positions(nb: Notebook, found: list[Finding]) -> None:
    """Every finding points inside its cell: line within the cell, columns within the line."""
    for f in found:
        assert f.message and "\n" not in f.rule
        if f.cell is None:
            assert f.line is None or f.line >= 1
            continue
        assert 0 <= f.cell < len(nb.cells), f
        cell = nb.cells[f.cell]
        assert f.cell_id == cell.id
        if f.line is None:
            continue
        lines = cell.source.split("\n")
        assert 1 <= f.line <= len(lines), (f, len(lines))
        assert f.column is not None and 0 <= f.column <= len(lines[f.line - 1]), (f, lines[f.line - 1])
        if f.end_line is not None:
            assert f.line <= f.end_line <= len(lines), (f, len(lines))
            if f.end_column is not None:
                assert 0 <= f.end_column <= len(lines[f.end_line - 1]), (f, lines[f.end_line - 1])
                if f.end_line == f.line:
                    assert f.end_column >= f.column, f
