"""Speed of productionise planning on a 200-cell notebook.

    .venv/bin/python benchmarks/productionise_plan.py [--cells 200] [--repeat 5]

Prints: cold plan (fresh caches; targets <= 2 s), re-plan after a one-cell edit with the
per-cell caches warm (target <= 100 ms), and cold code generation (libcst rewriting of every
statement, for reference). Figures are the median of --repeat runs.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from jupyter_mlops.analysis import CellCache
from jupyter_mlops.notebook.model import Cell, Notebook
from jupyter_mlops.productionise.planning import build_blueprint
from jupyter_mlops.productionise.runner import generate_code
from jupyter_mlops.productionise.statements import FactsCache

HEAD = """import numpy as np
import pandas as pd
from sklearn.linear_model import Ridge
from sklearn.metrics import mean_squared_error"""

BLOCK = [
    ("markdown", "## Section {i}"),
    ("code", "SCALE_{i} = {i}.5\nrng_{i} = np.random.default_rng({i})\n"
             "df_{i} = pd.DataFrame({{'a': rng_{i}.normal(size=50), 'b': rng_{i}.normal(size=50)}})\ndf_{i}.head()"),
    ("code", "def feature_{i}(d):\n    # uses the global SCALE_{i}\n    d = d.copy()\n"
             "    d['c'] = d['a'] * SCALE_{i}\n    return d\n\ndf_{i} = feature_{i}(df_{i})"),
    ("code", "%%time\ntotal_{i} = 0.0\nfor v in df_{i}['c']:\n    total_{i} += v\n"
             "# total_{i} = df_{i}['c'].sum()\nmean_{i} = total_{i} / len(df_{i})"),
    ("code", "model_{i} = Ridge(alpha=1.0, random_state=0)\nmodel_{i}.fit(df_{i}[['a', 'c']], df_{i}['b'])\n"
             "pred_{i} = model_{i}.predict(df_{i}[['a', 'c']])"),
    ("code", "if mean_{i} > 0:\n    sign_{i} = 'positive'\nelse:\n    sign_{i} = 'negative'\n"
             "rmse_{i} = float(np.sqrt(mean_squared_error(df_{i}['b'], pred_{i})))"),
    ("code", "metrics_{i} = {{'rmse': rmse_{i}, 'mean': mean_{i}}}\nmetrics_{i}['sign'] = sign_{i}\nprint(metrics_{i})"),
    ("code", "clip_{i} = lambda x: min(max(x, -SCALE_{i}), SCALE_{i})\nclipped_{i} = [clip_{i}(p) for p in pred_{i}]"),
    ("code", "df_{i}.dropna(inplace=True)\ndel df_{i}['c']\ndf_{i}.describe()"),
    ("code", "df_{i}.to_csv('out_{i}.csv', index=False)"),
]


def notebook(n_cells: int) -> Notebook:
    sources = [("code", HEAD)]
    i = 0
    while len(sources) < n_cells:
        sources += [(k, s.format(i=i)) for k, s in BLOCK]
        i += 1
    sources = sources[:n_cells]
    cells = [Cell(index=j, cell_type=k, source=s, id=f"c{j}") for j, (k, s) in enumerate(sources)]
    return Notebook(path="bench.ipynb", cells=cells)


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cells", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    nb = notebook(args.cells)
    cold, replan, gen = [], [], []
    for r in range(args.repeat):
        cells, facts = CellCache(), FactsCache()
        cold.append(timed(lambda: build_blueprint(nb, "/tmp/bench-out", None, cells, facts)))
        # edit one code cell in the middle, then re-plan with the caches warm
        k = next(c.index for c in nb.cells[len(nb.cells) // 2:] if c.cell_type == "code")
        edited = Notebook(path=nb.path, cells=[
            Cell(index=c.index, cell_type=c.cell_type, id=c.id,
                 source=c.source + (f"\nextra_{r} = 1" if c.index == k else "")) for c in nb.cells])
        replan.append(timed(lambda: build_blueprint(edited, "/tmp/bench-out", None, cells, facts)))
        bp = build_blueprint(nb, "/tmp/bench-out", None, CellCache(), FactsCache())
        gen.append(timed(lambda: generate_code(bp)))
    bp = build_blueprint(nb, "/tmp/bench-out", None, CellCache(), FactsCache())
    code = sum(1 for c in nb.cells if c.cell_type == "code")
    print(f"notebook: {len(nb.cells)} cells ({code} code), {len(bp.plan.stages)} stages, "
          f"{len(bp.plan.functions)} functions, {len(bp.plan.parameters)} parameters, "
          f"problems: {len(bp.plan.problems)}")
    print(f"plan, cold (fresh caches):          {statistics.median(cold) * 1000:8.1f} ms  (target <= 2000 ms)")
    print(f"re-plan after a one-cell edit:      {statistics.median(replan) * 1000:8.1f} ms  (target <= 100 ms)")
    print(f"generate code (libcst), cold:       {statistics.median(gen) * 1000:8.1f} ms")


if __name__ == "__main__":
    main()
