"""Large runs are shared among worker processes; the report is the same as a sequential run."""

from __future__ import annotations

from nbtest import write_ipynb
from jupyter_mlops.linter.engine import lint_paths


def test_parallel_run_gives_the_sequential_report_in_order(tmp_path):
    for i in range(30):
        write_ipynb(tmp_path / f"nb{i:02d}.ipynb", [f"x{i} = y{i} + 1", "import numpy as np\nz = np.random.rand(3)"])
    (tmp_path / "broken.ipynb").write_text("{")
    sequential = lint_paths([tmp_path], jobs=1).to_dict()
    parallel = lint_paths([tmp_path], jobs=2).to_dict()
    assert parallel == sequential
    assert [f["path"] for f in parallel["files"]] == sorted(f["path"] for f in parallel["files"])
    assert sum(len(f["findings"]) for f in parallel["files"]) >= 30
