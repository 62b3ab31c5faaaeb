"""Shared test helpers: build notebooks in memory and on disk, lint them.

Import them as `from nbtest import ...` (a unique module name: several test folders have a
conftest.py of their own, so `from conftest import` would be ambiguous)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from jupyter_mlops.linter.config import LintConfig
from jupyter_mlops.linter.engine import lint_notebook
from jupyter_mlops.linter.lessons import example_notebook
from jupyter_mlops.notebook.model import Cell, Notebook, Output

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO.parent / "shared" / "corpus"


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


def write_ipynb(path: Path, sources: list[str], counts: list[int | None] | None = None,
                cell_type: str = "code", **extra: Any) -> Path:
    cells = []
    for i, s in enumerate(sources):
        cell: dict[str, Any] = {"cell_type": cell_type, "id": f"c{i}", "metadata": {},
                                "source": s.splitlines(keepends=True)}
        if cell_type == "code":
            cell["execution_count"] = counts[i] if counts else None
            cell["outputs"] = []
        cells.append(cell)
    nb = {"cells": cells, "metadata": {"kernelspec": {"name": "python3", "language": "python",
                                                       "display_name": "Python 3"},
                                        "language_info": {"name": "python"}},
          "nbformat": 4, "nbformat_minor": 5, **extra}
    path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return path
