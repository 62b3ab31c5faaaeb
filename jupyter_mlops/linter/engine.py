"""Run the selected rules over notebooks and collect findings."""

from __future__ import annotations

import gc
import logging
import os
import re
from contextlib import contextmanager
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Collection, Iterable

from ..analysis import CellCache, NotebookAnalysis
from ..errors import NotebookReadError
from ..notebook.loader import has_percent_cells, load_notebook, read_bytes, decode_text
from ..notebook.model import Notebook
from .config import LintConfig
from .context import LintContext
from .edits import import_insertion_point
from .findings import FileResult, Finding, LintReport
from .rule import Rule
from .suppress import is_suppressed

log = logging.getLogger(__name__)


def lint_notebook(notebook: Notebook, config: LintConfig | None = None,
                  cache: CellCache | None = None, rules: Collection[str] | None = None) -> list[Finding]:
    """All findings for one notebook model, sorted by position, noqa applied.

    With a `cache` (the language server and the JupyterLab server keep one), rules that look
    at one cell at a time (`Rule.cell_local`) re-run only on cells whose text changed, as long
    as the notebook's imports, definitions and the configuration are unchanged. `rules` (names)
    runs only those of the enabled rules: a share of the lint (see `split.SplitLinter`).
    """
    config = config or LintConfig()
    analysis = NotebookAnalysis.build(notebook, cache)
    ctx = LintContext(notebook, analysis, config, cache=cache)
    findings: list[Finding] = []
    run = [r for r in config.enabled_rules() if rules is None or r.name in rules]
    if not notebook.is_python:
        run = [r for r in run if getattr(r, "language_independent", False)]
    incremental = [r for r in run if r.cell_local] if cache is not None else []
    for rule in run:
        if rule in incremental:
            continue
        ctx.rule = rule
        findings.extend(_run_rule(rule, ctx))
    if incremental:
        findings.extend(_run_cell_local(incremental, ctx, cache))
    # Shared passes point back at the context (the dataflow keeps `ctx`): without this the
    # lint's trees would wait for a full garbage collection, which the language server keeps
    # for quiet moments, instead of going when the cell cache lets go of them.
    ctx.memo.clear()
    findings = [f for f in findings if not is_suppressed(f, notebook)]
    findings.sort(key=Finding.sort_key)
    return findings


def _run_rule(rule: type[Rule], ctx: LintContext) -> list[Finding]:
    try:
        return list(rule().check(ctx))
    except RecursionError:
        log.warning("%s: rule %s gave up on a deeply nested expression", ctx.notebook.path, rule.name)
    except Exception as exc:  # a bug in one rule must not cost the whole report (no traceback)
        detail = (str(exc).splitlines() or [""])[0][:200]
        log.error("%s: rule %s failed (%s: %s); its findings are missing - please report this",
                  ctx.notebook.path, rule.name, type(exc).__name__, detail)
    return []


@dataclass
class _Facts:
    """What cell-local rules may read beyond their cell (see `Rule.cell_local`)."""

    imports: dict[str, str]
    opaque: bool
    definitions: dict[str, list[int]]
    maybe_defined: frozenset[str]
    # Where fixes add imports (a fix's edit there may land in the finding's own cell).
    import_point: tuple[int, int]

    def changed_names(self, new: "_Facts") -> set[str] | None:
        """Names whose definitions differ between two lints; None when everything may differ."""
        if new.imports != self.imports or new.opaque != self.opaque or new.import_point != self.import_point:
            return None
        old_defs, new_defs = self.definitions, new.definitions
        changed: set[str] = set()
        if old_defs is not new_defs and old_defs != new_defs:
            changed = {n for n in old_defs.keys() | new_defs.keys() if old_defs.get(n) != new_defs.get(n)}
        if self.maybe_defined != new.maybe_defined:
            changed |= self.maybe_defined ^ new.maybe_defined
        return changed


@dataclass
class _CellLocalState:
    facts: _Facts
    # (cell index, cell text) -> {rule name: its findings in that cell, _RAN: names of the rules
    # whose findings there are complete (a rule that ran and found nothing has no entry)}
    found: dict[tuple[int, str], dict[str, object]]


_RAN = "\0ran"  # not a rule name


_WORD = re.compile(r"(?!\d)\w+")


@lru_cache(maxsize=16384)
def _words(text: str) -> frozenset[str]:
    return frozenset(_WORD.findall(text))


def _mentions(a) -> frozenset[str]:
    """Every identifier-like word in a cell (and in its IPython-translated code): a superset of
    the names it uses, cheap to compute and cached by text."""
    words = _words(a.source)
    code = a.python.code
    return words if code == a.source else words | _words(code)


def _facts(ctx: LintContext) -> _Facts:
    a = ctx.analysis
    point_cell, point_line = import_insertion_point(ctx)
    return _Facts(imports=a.imports, opaque=a.opaque, definitions=a.definitions,
                  maybe_defined=a.maybe_defined, import_point=(point_cell.index, point_line))


def _run_cell_local(rules: list[type[Rule]], ctx: LintContext, cache: CellCache) -> list[Finding]:
    """Findings of the previous lint for cells that did not change; the rules run on a view of
    the other cells only.

    A cell is unchanged when its index and text are, and no name it mentions is defined
    differently now (typing a new variable in one cell re-checks that cell, not the notebook)."""
    analysis = ctx.analysis
    code = analysis.code()
    if not code:  # nothing to check, and an empty notebook has no cell for imports to go to
        return []
    names = [rule.name for rule in rules]
    facts = _facts(ctx)
    key = ("cell-local", ctx.notebook.path, repr(ctx.config), tuple(names))
    previous = cache.state(key)
    old: dict[tuple[int, str], dict[str, object]] = {}
    changed: set[str] | None = None
    if isinstance(previous, _CellLocalState):
        changed = previous.facts.changed_names(facts)
        if changed is not None:
            old = previous.found
    found_now: dict[tuple[int, str], dict[str, object]] = {}
    out: list[Finding] = []
    stale: dict[type[Rule], list[int]] = {}
    all_names = frozenset(names)
    fresh: list[int] = []  # cells no rule has findings for yet
    for cell, a in code:
        # The index is part of the key: a fix may depend on where the cell is (the first code
        # cell receives new imports), not only on what it says.
        slot = (cell.index, cell.source)
        stored = old.get(slot)
        if stored is not None and changed and not changed.isdisjoint(_mentions(a)):
            stored = None
        if stored is None:
            fresh.append(cell.index)
            found_now[slot] = {_RAN: all_names}
            continue
        ran = stored[_RAN]
        entry = found_now[slot] = dict(stored)
        for rule, name in zip(rules, names):
            found = entry.get(name)
            if found is None:
                if name not in ran:
                    stale.setdefault(rule, []).append(cell.index)
            else:
                out.extend(found if _in_place(found, cell) else [_restamp(f, cell) for f in found])
    if fresh:
        for rule in rules:
            stale[rule] = sorted(stale[rule] + fresh) if rule in stale else fresh
    views: dict[tuple[int, ...], LintContext] = {}
    cells = ctx.notebook.cells
    for rule, indices in stale.items():
        view_key = tuple(indices)
        sub = views.get(view_key)
        if sub is None:
            sub = ctx if len(indices) == len(code) else \
                LintContext(ctx.notebook, analysis.restricted(indices), ctx.config, cache=ctx.cache)
            views[view_key] = sub
        sub.rule = rule
        produced = _run_rule(rule, sub)
        out.extend(produced)
        name = rule.name
        by_cell: dict[int, list[Finding]] = {}
        for f in produced:
            if f.cell is not None:
                by_cell.setdefault(f.cell, []).append(f)
        for index in indices:
            entry = found_now[(index, cells[index].source)]
            found = by_cell.get(index)
            if found is None:
                if entry[_RAN] is not all_names:  # a cell some rules were cached for
                    entry[_RAN] = entry[_RAN] | {name}
                continue
            # A fix that edits another cell (an import added above) depends on that cell too.
            if all(f.fix is None or all(e.cell == index for e in f.fix.edits) for f in found):
                entry[name] = found
            else:
                entry[_RAN] = entry[_RAN] - {name}
    for sub in views.values():
        sub.memo.clear()  # as in `lint_notebook`
    cache.store_state(key, _CellLocalState(facts, found_now))
    return out


def _in_place(found: list[Finding], cell) -> bool:
    return all(f.cell == cell.index and f.cell_id == cell.id for f in found)


def _restamp(f: Finding, cell) -> Finding:
    """A cached finding, placed on the cell where that text now is."""
    fix = f.fix
    if fix is not None:
        fix = replace(fix, edits=tuple(replace(e, cell=cell.index) for e in fix.edits))
    return replace(f, cell=cell.index, cell_id=cell.id, fix=fix)


def lint_file(path: str | os.PathLike[str], config: LintConfig | None = None,
              cache: CellCache | None = None) -> FileResult:
    name = str(path)
    try:
        notebook = load_notebook(path)
    except NotebookReadError as exc:
        return FileResult(path=name, error=exc.problem)
    return FileResult(path=name, findings=lint_notebook(notebook, config, cache), notebook=notebook)


def discover(paths: Iterable[str | os.PathLike[str]], exclude: Iterable[str] = ()) -> list[str]:
    """Expand directories into notebooks (.ipynb and percent-format .py), in a stable order.

    Explicit file arguments are kept whatever they are, so a missing or unreadable one is
    reported rather than silently dropped.
    """
    excluded = [e.rstrip("/") for e in exclude]
    found: list[str] = []
    for raw in paths:
        p = Path(raw)
        if not p.is_dir():
            found.append(str(raw))
            continue
        for root, dirs, files in os.walk(p, onerror=lambda e: found.append(str(e.filename))):
            dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d != ".ipynb_checkpoints"
                             and d not in ("node_modules", "__pycache__")
                             and not _is_excluded(Path(root, d), excluded))
            for f in sorted(files):
                fp = Path(root, f)
                if _is_excluded(fp, excluded) or f.startswith("."):
                    continue
                if f.endswith(".ipynb") or (f.endswith(".py") and _percent_file(fp)):
                    found.append(str(fp))
    return found


def _is_excluded(path: Path, patterns: list[str]) -> bool:
    return any(path.match(p) or p in path.parts for p in patterns)


def _percent_file(path: Path) -> bool:
    try:
        with open(path, "rb") as fh:
            head = fh.read(1 << 20)
        return has_percent_cells(decode_text(head, str(path)))
    except (OSError, NotebookReadError):
        return False


# Below this many files a worker pool costs more than it saves.
PARALLEL_MIN_FILES = 24


def lint_paths(paths: Iterable[str | os.PathLike[str]], config: LintConfig | None = None,
               cache: CellCache | None = None, jobs: int | None = None) -> LintReport:
    """Lint every notebook under `paths`, in order. `jobs` worker processes (default: one per
    CPU) share large runs; results are the same as a sequential run, in the same order."""
    config = config or LintConfig()
    files = discover(paths, config.exclude)
    jobs = _jobs(jobs, len(files))
    report = LintReport()
    if jobs > 1:
        results = _lint_parallel(files, config, jobs)
        if results is not None:
            report.files.extend(results)
            return report
    with _gc_paused():
        for path in files:
            report.files.append(lint_file(path, config, cache))
    return report


def _jobs(jobs: int | None, n_files: int) -> int:
    if jobs is not None:
        return max(1, jobs)
    if n_files < PARALLEL_MIN_FILES or "fork" not in _start_methods():
        return 1
    return max(1, min(len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
                      else (os.cpu_count() or 1), n_files // (PARALLEL_MIN_FILES // 2)))


def _start_methods() -> list[str]:
    import multiprocessing
    return multiprocessing.get_all_start_methods()


def _lint_chunk(args: tuple[list[str], LintConfig]) -> list[FileResult]:
    paths, config = args
    with _gc_paused():
        return [lint_file(p, config) for p in paths]


def _lint_parallel(files: list[str], config: LintConfig, jobs: int) -> list[FileResult] | None:
    """Lint in forked workers (they inherit the imported engine, so start-up is cheap).
    Returns None if a pool cannot be used here, and the caller lints sequentially."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    # Interleaved chunks balance big and small notebooks across workers.
    size = max(1, min(32, len(files) // (jobs * 4)))
    chunks = [files[i:i + size] for i in range(0, len(files), size)]
    try:
        ctx = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(max_workers=jobs, mp_context=ctx) as pool:
            parts = list(pool.map(_lint_chunk, [(chunk, config) for chunk in chunks]))
    except (OSError, RuntimeError, ImportError) as exc:  # no /dev/shm, no fork, broken pool
        log.info("parallel lint unavailable (%s); linting sequentially", exc)
        return None
    return [r for part in parts for r in part]


@contextmanager
def _gc_paused():
    """Pause the cyclic garbage collector during a batch: analysis allocates millions of
    acyclic AST objects, and the collector re-scanning them cost ~30% of a corpus run.
    Reference counting still frees everything; cycles wait until the batch ends."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


# What a typical notebook holds, so that every rule and the IPython translation run once.
_WARM_UP = [
    "%matplotlib inline\nimport numpy as np\nimport pandas as pd",
    "!pip install scikit-learn",
    "from sklearn.model_selection import train_test_split\nfrom sklearn.preprocessing import StandardScaler",
    "df = pd.read_csv('https://example.com/data.csv')\nX = StandardScaler().fit_transform(df)",
    "X_train, X_test = train_test_split(X)\nnoise = np.random.rand(3)",
    "import pickle\nwith open('/home/ana/model.pkl', 'wb') as fh:\n    pickle.dump(X_train, fh)",
    "password = 'hunter2-Sup3r-S3cret!'\ntry:\n    eval(password)\nexcept:\n    pass",
]


def warm_up() -> None:
    """Import what the engine loads lazily (IPython's input transformer) and run every rule once,
    on a small notebook of its own: a fresh process's first lint costs about 200 ms more than
    the next, which an editor would otherwise pay on its first notebook or keystroke."""
    lint_notebook(Notebook.from_sources(_WARM_UP, path="<warm-up>.ipynb"), LintConfig(), CellCache())


__all__ = ["discover", "lint_file", "lint_notebook", "lint_paths", "read_bytes", "warm_up"]
