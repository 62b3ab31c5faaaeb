"""Helpers for the productionise tests: notebooks on disk, a fresh virtual environment.
(A plain module, not a package: imported as `productionise_helpers`.)"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

HERE = Path(__file__).resolve().parent
NOTEBOOKS = HERE / "notebooks"
MESSY = ["sales_forecast.ipynb", "churn_classifier.ipynb"]


def write_notebook(path: Path, cells: list[tuple[str, str] | tuple[str, str, list[str]]],
                   language: str = "python") -> Path:
    out = []
    for i, cell in enumerate(cells):
        kind, src = cell[0], cell[1]
        tags = cell[2] if len(cell) > 2 else []
        c = {"cell_type": kind, "id": f"c{i}", "metadata": {"tags": tags} if tags else {},
             "source": src.splitlines(keepends=True)}
        if kind == "code":
            c["execution_count"] = None
            c["outputs"] = []
        out.append(c)
    nb = {"cells": out, "metadata": {"kernelspec": {"name": "python3" if language == "python" else language,
                                                     "language": language, "display_name": language},
                                      "language_info": {"name": language}},
          "nbformat": 4, "nbformat_minor": 5}
    path.write_text(json.dumps(nb, indent=1) + "\n", encoding="utf-8")
    return path


TINY = [
    ("markdown", "# Tiny pipeline"),
    ("code", "factor = 3", ["parameters"]),
    ("markdown", "## Prepare"),
    ("code", "values = [1.5, 2.5, 4.0]\nscaled = [v * factor for v in values]\nscaled"),
    ("markdown", "## Summarise"),
    ("code", "total = sum(scaled)\nmean = total / len(scaled)\nsummary = {\"total\": total, \"mean\": mean}"),
    ("markdown", "## Save"),
    ("code", "import json\nwith open(\"summary.json\", \"w\") as fh:\n    json.dump(summary, fh)"),
]


def tree_bytes(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted(root.rglob("*")) if p.is_file() and "__pycache__" not in p.parts}


def make_venv(where: Path) -> Path:
    """A fresh virtual environment whose own site-packages starts empty, and which can see the
    packages already installed in the environment running the tests through a `.pth` file.

    Installing the generated package there with `pip install --no-deps --no-build-isolation`
    proves it installs (metadata, layout, entry points) from its own files without downloading
    anything: its dependencies (pandas, scikit-learn, ...) are the already-installed ones, as
    the `.pth` file makes them importable, and nothing from the test checkout is on its path.
    """
    venv.EnvBuilder(with_pip=False, symlinks=True, clear=True).create(where)
    python = where / "bin" / "python"
    own = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                         capture_output=True, text=True, check=True).stdout.strip()
    parent = sysconfig.get_paths()["purelib"]
    Path(own, "_jupyter_mlops_parent_env.pth").write_text(parent + "\n", encoding="utf-8")
    return python


def pip_install(python: Path, package_dir: Path) -> None:
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    subprocess.run([str(python), "-m", "pip", "install", "--no-deps", "--no-build-isolation",
                    "--no-index", "--quiet", "--disable-pip-version-check", str(package_dir)],
                   check=True, env=env, capture_output=True, text=True, timeout=600)


def code_lines(nb_path: Path) -> dict[int, list[int]]:
    """cell index -> non-blank line numbers of every code cell."""
    from jupyter_mlops.notebook import load_notebook
    nb = load_notebook(nb_path)
    return {c.index: [i for i, line in enumerate(c.source.split("\n"), 1) if line.strip()]
            for c in nb.cells if c.cell_type == "code"}


PYTHON = sys.executable
