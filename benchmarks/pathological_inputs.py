"""Bad and enormous input: how long and how much memory a lint of it takes, next to ruff.

The functional checks are in tests/test_bad_input.py (every file linted, nothing changed, the
right findings); the times are here, so that a loaded machine cannot fail a test. Measures:

- `jupyter-mlops lint DIR --format json` as a fresh process on ~50 MB of notebooks (47 MB of
  saved outputs, 5,000 cells, a 20,000-line cell, deeply nested and enormous expressions):
  wall, CPU and peak RSS; `ruff check --isolated --no-cache` on the same files as the anchor;
- in-process: 20,000 findings on one 300 KB line, linted and rendered as text and github
  (a quadratic noqa lookup or report would show here).

Run:   .venv/bin/python benchmarks/pathological_inputs.py [--repeat 3]
Bounds the tests used to assert (2 cores, loaded CI machine): the directory under 60 s and
1,500 MB; the one-line case under 30 s. Typical here: ~5 s, ~250 MB; ~2 s.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests"))

from lint_speed import run_process  # noqa: E402
from nbtest import write_enormous_notebooks  # noqa: E402

BOUND_DIR_S, BOUND_DIR_MB, BOUND_LINE_S = 60, 1500, 30


def one_huge_line() -> tuple[float, int]:
    from jupyter_mlops import api
    from jupyter_mlops.linter.config import LintConfig
    from jupyter_mlops.linter.engine import lint_notebook
    from jupyter_mlops.notebook.model import Notebook

    source = "x = " + " and ".join(["undefined_name"] * 20_000)
    start = time.perf_counter()
    found = lint_notebook(Notebook.from_sources([source]), LintConfig(select=("undefined-name",)))
    report = api.LintReport(files=[api.FileResult("m.ipynb", found, notebook=Notebook.from_sources([source]))])
    for fmt in ("text", "github"):
        api.render_report(report, fmt)
    return time.perf_counter() - start, len(found)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="jm-patho-") as tmp:
        folder = Path(tmp)
        write_enormous_notebooks(folder)
        size = sum(p.stat().st_size for p in folder.iterdir()) / 1e6
        ours = [run_process([sys.executable, "-m", "jupyter_mlops.cli", "lint", str(folder), "--format", "json"])
                for _ in range(args.repeat)]
        ruff = shutil.which("ruff") or str(Path(sys.executable).parent / "ruff")
        theirs, ruff_note = [], "ruff not installed"
        if Path(ruff).exists():
            # ruff overflows its stack on pathological.ipynb (seen with 0.17): it is left out
            # of ruff's run, and the crash reported.
            files = sorted(str(p) for p in folder.glob("*.ipynb") if p.name != "pathological.ipynb")
            theirs = [run_process([ruff, "check", "--isolated", "--no-cache", "--exit-zero", "--quiet", *files])
                      for _ in range(args.repeat)]
            try:
                run_process([ruff, "check", "--isolated", "--no-cache", "--exit-zero", "--quiet",
                             str(folder / "pathological.ipynb")])
                ruff_note = "ruff also read pathological.ipynb"
            except SystemExit as exc:
                ruff_note = f"ruff on pathological.ipynb: {str(exc).splitlines()[0][-60:]} {str(exc).splitlines()[-1][:60]}"
    line_s, n = one_huge_line()

    def row(name: str, runs) -> str:
        wall = statistics.median(r.wall_s for r in runs)
        cpu = statistics.median(r.cpu_s for r in runs)
        rss = max(r.peak_rss_mb for r in runs)
        return f"| {name} | {wall:.2f} | {cpu:.2f} | {rss:.0f} |"

    print(f"{size:.0f} MB of enormous and pathological notebooks, median of {args.repeat} runs\n")
    print("| | wall s | CPU s | peak RSS MB |\n|---|---|---|---|")
    print(row("jupyter-mlops lint, fresh process", ours))
    if theirs:
        print(row("ruff check (anchor; without pathological.ipynb)", theirs))
    print(f"| bound the tests used to assert | {BOUND_DIR_S} | | {BOUND_DIR_MB} |")
    print(f"\n{ruff_note}")
    print(f"{n} findings on one line, linted and rendered (text, github): {line_s:.2f} s "
          f"(bound {BOUND_LINE_S} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
