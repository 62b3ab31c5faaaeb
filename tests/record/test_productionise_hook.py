"""productionise records a `productionise.run` entry in the notebook's project ledger."""

from __future__ import annotations

import json

import pytest

from jupyter_mlops import api
from jupyter_mlops.audit import Ledger, kinds
from jupyter_mlops.audit.verify import verify

pytestmark = pytest.mark.slow


def _cell(i, kind, src, tags=()):
    c = {"cell_type": kind, "id": f"c{i}", "metadata": {"tags": list(tags)} if tags else {}, "source": src}
    if kind == "code":
        c.update(execution_count=None, outputs=[])
    return c


def test_productionise_run_is_recorded(project):
    nb_dir = project.root / "notebooks"
    nb_dir.mkdir()
    cells = [("markdown", "# Tiny"), ("code", "factor = 3", ["parameters"]),
             ("code", "values = [1.5, 2.5]\nscaled = [v * factor for v in values]"),
             ("code", "total = sum(scaled)")]
    nb = nb_dir / "tiny.ipynb"
    nb.write_text(json.dumps({"cells": [_cell(i, *c) for i, c in enumerate(cells)],
                              "metadata": {"kernelspec": {"name": "python3", "language": "python",
                                                          "display_name": "Python 3"}},
                              "nbformat": 4, "nbformat_minor": 5}))
    result = api.productionise(nb, out_dir=project.root / "tiny_pkg", check=False)
    assert result.version, result.summary()
    runs = Ledger(project).entries(kinds.PRODUCTIONISE_RUN)
    assert len(runs) == 1
    p = runs[0].payload
    assert p["notebook"] == "notebooks/tiny.ipynb" and p["package"] == result.package
    assert p["version"] == result.version and p["notebook_sha256"] == result.plan.notebook_hash
    assert len(p["code_sha256"]) == 64 and p["package_dir"] == "tiny_pkg"
    assert runs[0].subject == kinds.package_subject(result.package)
    assert verify(Ledger(project), full=True).ok
