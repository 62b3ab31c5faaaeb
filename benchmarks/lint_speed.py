"""Lint speed: jupyter-mlops against ruff on the same notebooks, in the same run.

Measures, on ../shared/corpus (532 real notebooks) or any folder given:

- cold, fresh process: `jupyter-mlops lint DIR --format json` as a new process (imports included),
  the median of --repeat runs, with its peak RSS and CPU time;
- in-process cold and warm: one process lints every notebook twice, first with an empty cell
  cache, then again with the cache filled (what an editor, the language server or a second pass
  sees); per-notebook milliseconds (median, p95);
- ruff: `ruff check --no-cache --isolated --select ALL` on the same .ipynb files, as a process,
  the median of --repeat runs (ruff lints on every core; our CLI uses one);
- a synthetic 300-cell notebook of a data scientist (load, clean, features, train, plot, with
  magics and hazards): cold and warm milliseconds.

Run:   .venv/bin/python benchmarks/lint_speed.py [--corpus DIR] [--repeat 3] [--no-ruff] [--json]
Issue targets (2 cores, full rule set): cold >= 150 notebooks/s; peak RSS <= 200 MB.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = REPO.parent / "shared" / "corpus"
TARGET_COLD_NB_S = 150
TARGET_RSS_MB = 200


@dataclass
class ProcessRun:
    wall_s: float
    cpu_s: float
    peak_rss_mb: float
    returncode: int


def run_process(cmd: list[str], cwd: Path | None = None) -> ProcessRun:
    """Run a command; wall time, CPU time (user+sys) and peak RSS of that one process."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(cmd[:4])} ... failed ({proc.returncode}): {err[-2000:]}")
    # ru_maxrss is KiB on Linux
    return ProcessRun(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, proc.returncode)


def median_run(cmd: list[str], repeat: int, cwd: Path | None = None) -> ProcessRun:
    runs = [run_process(cmd, cwd) for _ in range(repeat)]
    runs.sort(key=lambda r: r.wall_s)
    mid = runs[len(runs) // 2]
    return ProcessRun(mid.wall_s, mid.cpu_s, max(r.peak_rss_mb for r in runs), mid.returncode)


def notebooks_in(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*.ipynb")
                  if not any(part.startswith(".") for part in p.relative_to(folder).parts))


# -- synthetic notebook ------------------------------------------------------------------------

def realistic_cells(n_cells: int) -> list[tuple[str, str]]:
    cells: list[tuple[str, str]] = [
        ("markdown", "# Churn model\nLoad, clean, build features, train, evaluate, save."),
        ("code", "%pip install pandas scikit-learn\n%matplotlib inline\nimport os\nimport pickle\n"
                 "import numpy as np\nimport pandas as pd\nimport matplotlib.pyplot as plt\n"
                 "from sklearn.model_selection import train_test_split\n"
                 "from sklearn.preprocessing import StandardScaler\n"
                 "from sklearn.ensemble import RandomForestClassifier\n"
                 "from sklearn.metrics import roc_auc_score"),
    ]
    i = 0
    while len(cells) < n_cells:
        cells += [
            ("markdown", f"## Segment {i}"),
            ("code", f"raw_{i} = pd.read_csv('/home/ana/data/segment_{i}.csv')\nraw_{i}.head()"),
            ("code", f"raw_{i} = raw_{i}.dropna()\nraw_{i}['tenure'] = raw_{i}['tenure'] / 12\n"
                     f"print(raw_{i}.shape)"),
            ("code", f"def features_{i}(frame):\n    out = frame.copy()\n"
                     "    out['ratio'] = out['spend'] / (out['visits'] + 1)\n"
                     "    out['noise'] = np.random.rand(len(out))\n    return out\n\n"
                     f"data_{i} = features_{i}(raw_{i})"),
            ("code", f"scaler_{i} = StandardScaler()\n"
                     f"X_{i} = scaler_{i}.fit_transform(data_{i}[['ratio', 'tenure', 'noise']])\n"
                     f"X_train_{i}, X_test_{i}, y_train_{i}, y_test_{i} = "
                     f"train_test_split(X_{i}, data_{i}['churn'], test_size=0.2)"),
            ("code", f"model_{i} = RandomForestClassifier(n_estimators=100)\n"
                     f"model_{i}.fit(X_train_{i}, y_train_{i})\n"
                     f"auc_{i} = roc_auc_score(y_test_{i}, model_{i}.predict_proba(X_test_{i})[:, 1])\n"
                     f"auc_{i}"),
            ("code", f"plt.hist(data_{i}['ratio'], bins=30)\nplt.title('segment {i}')\nplt.show()"),
            ("code", f"with open('model_{i}.pkl', 'wb') as fh:\n    pickle.dump(model_{i}, fh)\n"
                     f"!ls -la model_{i}.pkl"),
        ]
        i += 1
    return cells[:n_cells]


def write_synthetic(path: Path, n_cells: int = 300) -> Path:
    cells = []
    for n, (kind, src) in enumerate(realistic_cells(n_cells)):
        cell = {"cell_type": kind, "id": f"cell-{n}", "metadata": {},
                "source": src.splitlines(keepends=True)}
        if kind == "code":
            cell.update(execution_count=n + 1, outputs=[])
        cells.append(cell)
    nb = {"cells": cells, "metadata": {"kernelspec": {"name": "python3", "language": "python",
                                                      "display_name": "Python 3"}},
          "nbformat": 4, "nbformat_minor": 5}
    path.write_text(json.dumps(nb, indent=1), encoding="utf-8")
    return path


# -- in-process measurement (runs in a fresh worker process) -------------------------------------

def worker(paths: list[str], synthetic: str) -> dict:
    import gc

    t0 = time.perf_counter()
    from jupyter_mlops.analysis import CellCache
    from jupyter_mlops.linter.config import LintConfig
    from jupyter_mlops.linter.engine import lint_file
    config = LintConfig()
    config.enabled_rules()
    import_s = time.perf_counter() - t0

    def one_pass(cache, files):
        times, cells, findings = [], 0, 0
        gc.disable()  # as the CLI's batch does (engine.lint_paths)
        try:
            for p in files:
                start = time.perf_counter()
                result = lint_file(p, config, cache)
                times.append((time.perf_counter() - start) * 1000)
                if result.notebook is not None:
                    cells += len(result.notebook.code_cells)
                findings += len(result.findings)
        finally:
            gc.enable()
        return times, cells, findings

    cache = CellCache(maxsize=1_000_000)
    cold, cells, findings = one_pass(cache, paths)
    warm, _, _ = one_pass(cache, paths)
    syn_cache = CellCache()
    syn_cold, syn_cells, syn_findings = one_pass(syn_cache, [synthetic])
    syn_warm = min(one_pass(syn_cache, [synthetic])[0][0] for _ in range(5))
    return {"import_s": import_s, "cold_ms": cold, "warm_ms": warm, "cells": cells,
            "findings": findings, "syn_cold_ms": syn_cold[0], "syn_warm_ms": syn_warm,
            "syn_cells": syn_cells, "syn_findings": syn_findings}


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--repeat", type=int, default=3, help="process runs per measurement (median)")
    parser.add_argument("--no-ruff", action="store_true")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON too")
    parser.add_argument("--worker", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.worker:
        listing, synthetic = args.worker
        print(json.dumps(worker(Path(listing).read_text().split("\n"), synthetic)))
        return 0

    corpus = args.corpus.resolve()
    if not corpus.is_dir():
        print(f"corpus not found: {corpus}", file=sys.stderr)
        return 2
    files = notebooks_in(corpus)
    size_mb = sum(p.stat().st_size for p in files) / 1e6
    py = sys.executable
    with tempfile.TemporaryDirectory() as tmp:
        tmpdir = Path(tmp)
        synthetic = write_synthetic(tmpdir / "synthetic_300_cells.ipynb")
        listing = tmpdir / "files.txt"
        listing.write_text("\n".join(map(str, files)))

        ours = median_run([py, "-m", "jupyter_mlops.cli", "lint", str(corpus), "--format", "json",
                           "-o", os.devnull], args.repeat, cwd=tmpdir)
        startup = median_run([py, "-m", "jupyter_mlops.cli", "lint", str(synthetic), "--select",
                              "NB001", "-o", os.devnull], args.repeat, cwd=tmpdir)
        out = subprocess.run([py, str(Path(__file__).resolve()), "--worker", str(listing), str(synthetic)],
                             capture_output=True, text=True, check=True, cwd=REPO)
        inproc = json.loads(out.stdout.strip().splitlines()[-1])

        ruff = ruff_warm = None
        ruff_bin = shutil.which("ruff", path=str(Path(py).parent)) or shutil.which("ruff")
        if ruff_bin and not args.no_ruff:
            base = [ruff_bin, "check", "--isolated", "--select", "ALL", "--exit-zero", "--quiet"]
            ruff = median_run([*base, "--no-cache", *map(str, files)], args.repeat, cwd=tmpdir)
            cache_dir = tmpdir / "ruff-cache"
            run_process([*base, "--cache-dir", str(cache_dir), *map(str, files)], cwd=tmpdir)
            ruff_warm = median_run([*base, "--cache-dir", str(cache_dir), *map(str, files)],
                                   args.repeat, cwd=tmpdir)
            ruff_version = subprocess.run([ruff_bin, "--version"], capture_output=True, text=True).stdout.strip()

    n = len(files)
    cold_total = sum(inproc["cold_ms"]) / 1000
    warm_total = sum(inproc["warm_ms"]) / 1000
    rows = [
        ("jupyter-mlops, fresh process", ours.wall_s, n / ours.wall_s, inproc["cells"] / ours.wall_s,
         ours.cpu_s, ours.peak_rss_mb),
        ("  of which start-up (imports)", startup.wall_s, None, None, startup.cpu_s, startup.peak_rss_mb),
        ("jupyter-mlops, in-process cold", cold_total, n / cold_total, inproc["cells"] / cold_total, None, None),
        ("jupyter-mlops, in-process warm", warm_total, n / warm_total, inproc["cells"] / warm_total, None, None),
    ]
    if ruff is not None and ruff_warm is not None:
        rows += [(f"ruff --no-cache ({ruff_version})", ruff.wall_s, n / ruff.wall_s,
                  inproc["cells"] / ruff.wall_s, ruff.cpu_s, ruff.peak_rss_mb),
                 ("ruff, warm cache", ruff_warm.wall_s, n / ruff_warm.wall_s,
                  inproc["cells"] / ruff_warm.wall_s, ruff_warm.cpu_s, ruff_warm.peak_rss_mb)]

    print(f"Lint speed: {n} notebooks, {inproc['cells']} code cells, {size_mb:.1f} MB "
          f"({corpus}); {os.cpu_count()} CPUs; full rule set; median of {args.repeat} runs")
    print(f"{'':34} {'wall s':>8} {'nb/s':>8} {'cells/s':>9} {'CPU s':>7} {'nb/CPU-s':>9} {'peak MB':>8}")
    for name, wall, nbs, cps, cpu, rss in rows:
        f = lambda v, w, p: f"{v:>{w}.{p}f}" if v is not None else " " * (w - 1) + "-"  # noqa: E731
        per_cpu = n / cpu if cpu and nbs is not None else None
        print(f"{name:34} {f(wall, 8, 2)} {f(nbs, 8, 0)} {f(cps, 9, 0)} {f(cpu, 7, 2)} "
              f"{f(per_cpu, 9, 0)} {f(rss, 8, 0)}")
    print(f"per notebook, in-process: cold median {statistics.median(inproc['cold_ms']):.1f} ms, "
          f"p95 {pct(inproc['cold_ms'], 0.95):.1f} ms, max {max(inproc['cold_ms']):.0f} ms; "
          f"warm median {statistics.median(inproc['warm_ms']):.2f} ms, p95 {pct(inproc['warm_ms'], 0.95):.1f} ms")
    print(f"synthetic {inproc['syn_cells']}-code-cell notebook (300 cells): cold "
          f"{inproc['syn_cold_ms']:.0f} ms, warm {inproc['syn_warm_ms']:.0f} ms, "
          f"{inproc['syn_findings']} findings")
    if ruff is not None:
        print(f"ratio, fresh process: ruff is {ours.wall_s / ruff.wall_s:.1f}x faster by wall time, "
              f"{ours.cpu_s / max(ruff.cpu_s, 1e-9):.1f}x by CPU time")
    ok_speed = n / ours.wall_s >= TARGET_COLD_NB_S
    ok_rss = ours.peak_rss_mb <= TARGET_RSS_MB
    print(f"targets: cold >= {TARGET_COLD_NB_S} nb/s: {'met' if ok_speed else 'NOT met'} "
          f"({n / ours.wall_s:.0f}); peak RSS <= {TARGET_RSS_MB} MB: {'met' if ok_rss else 'NOT met'} "
          f"({ours.peak_rss_mb:.0f})")
    if args.json:
        print(json.dumps({"notebooks": n, "cells": inproc["cells"], "ours": asdict(ours),
                          "startup": asdict(startup), "in_process_cold_s": cold_total,
                          "in_process_warm_s": warm_total,
                          "ruff": asdict(ruff) if ruff else None,
                          "ruff_warm": asdict(ruff_warm) if ruff_warm else None,
                          "synthetic_cold_ms": inproc["syn_cold_ms"],
                          "synthetic_warm_ms": inproc["syn_warm_ms"]}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
