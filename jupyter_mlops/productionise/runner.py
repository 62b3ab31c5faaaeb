"""productionise: plan, generate, capture, write, check. The API functions call these."""

from __future__ import annotations

import json
import os
import sys
import threading
from collections.abc import Callable
from pathlib import Path, PurePosixPath

from jinja2 import Environment

from ..analysis import CellCache
from ..audit.hooks import record_productionise
from ..notebook import Notebook, load_notebook
from ..template_files import environment
from .capture import run_capture
from .checking import run_tests
from .codegen import (
    render_config,
    render_functions,
    render_pipeline,
    render_stage,
    third_party_requirements,
)
from .errors import Cancelled, ProductioniseError
from .model import ProductionisePlan, ProductioniseResult, TestOutcome
from .planning import Blueprint, build_blueprint, package_name
from .provenance import build_provenance
from .statements import FactsCache
from .versioning import (
    changelog_entry,
    code_hash,
    load_state,
    next_version,
    render_changelog,
)
from .writing import save_state, write_files

Progress = Callable[[str, float], None]
# Files whose text carries the version; they are rendered after the version is known.
_VERSIONED = ("pyproject.toml", "README.md", "CHANGELOG.md", "provenance.json")


def _env() -> Environment:
    return environment("productionise")


def default_out_dir(notebook_path: str, name: str | None) -> Path:
    return Path(notebook_path).resolve().parent / package_name(notebook_path, name)


def _load(notebook: str | os.PathLike[str] | Notebook) -> Notebook:
    return notebook if isinstance(notebook, Notebook) else load_notebook(notebook)


def plan(notebook, out_dir=None, name=None, cell_cache: CellCache | None = None,
         facts_cache: FactsCache | None = None) -> Blueprint:
    nb = _load(notebook)
    target = Path(out_dir) if out_dir is not None else default_out_dir(nb.path, name)
    return build_blueprint(nb, str(target), name, cell_cache, facts_cache)


def generate_code(bp: Blueprint) -> tuple[dict[str, str], dict[str, list]]:
    """Code modules and test files (everything that does not carry the version)."""
    pkg = bp.plan.package
    env = _env()
    files = [render_functions(bp), render_config(bp), render_pipeline(bp),
             *(render_stage(bp, sp) for sp in bp.stages)]
    texts = {f.path: f.text for f in files}
    segments = {f.path: f.segments for f in files}
    ctx = {"package": pkg, "notebook": Path(bp.notebook.path).name}
    texts[f"src/{pkg}/_runtime.py"] = env.get_template("_runtime.py.j2").render(**ctx)
    texts[f"src/{pkg}/__main__.py"] = env.get_template("__main__.py.j2").render(**ctx)
    texts[f"src/{pkg}/stages/__init__.py"] = env.get_template("stages_init.py.j2").render(
        stages=[sp.stage.name for sp in bp.stages], **ctx)
    param_src = {prm.name: prm for prm in bp.plan.parameters}
    specs = {}
    for sp in bp.stages:
        names = [p.name for p in sp.stage.params if p.source != "output_dir"]
        specs[sp.stage.name] = {
            "module": sp.stage.module, "params": names,
            "returns": [r.name for r in sp.stage.returns],
            "input_paths": [n for n in names if n in param_src and param_src[n].role == "input"],
            "artifact_paths": [n for n in names if n in param_src and param_src[n].role == "artifact"],
            "output_dir": next((p.name for p in sp.stage.params if p.source == "output_dir"), None),
        }
    texts["tests/conftest.py"] = env.get_template("conftest.py.j2").render(**ctx)
    texts["tests/test_golden.py"] = env.get_template("test_golden.py.j2").render(**ctx)
    texts["tests/test_stages.py"] = env.get_template("test_stages.py.j2").render(
        stages_json=_py_literal(specs), **ctx)
    return texts, segments


def _py_literal(value) -> str:
    """JSON text made into a Python literal (true/false/null)."""
    import re
    text = json.dumps(value, indent=4)
    return re.sub(r'("(?:[^"\\]|\\.)*")|\b(true|false|null)\b',
                  lambda m: m.group(1) or {"true": "True", "false": "False", "null": "None"}[m.group(2)], text)


def _report(progress: Progress | None, message: str, fraction: float,
            cancel: threading.Event | None) -> None:
    if cancel is not None and cancel.is_set():
        raise Cancelled()
    if progress is not None:
        progress(message, fraction)


def productionise(notebook, out_dir=None, name=None, check: bool = True,
                  progress: Progress | None = None, cancel: threading.Event | None = None,
                  cell_cache: CellCache | None = None) -> ProductioniseResult:
    _report(progress, "reading the notebook", 0.0, cancel)
    nb = _load(notebook)
    bp = plan(nb, out_dir, name, cell_cache)
    p = bp.plan
    target = Path(p.out_dir)
    nb_real = Path(os.path.realpath(nb.path))
    if target.exists() and not target.is_dir():
        raise ProductioniseError(f"{target}: output path exists and is not a directory")
    if Path(os.path.realpath(target)) == nb_real.parent and out_dir is not None:
        pass  # allowed: files that would collide are reported as conflicts, never overwritten
    if not p.ok:
        return ProductioniseResult(False, _explain(p), str(target), p.package, "", plan=p,
                                   problems=list(p.problems), checked=check)
    _report(progress, "generating code", 0.15, cancel)
    texts, segments = generate_code(bp)
    state = load_state(target)
    code_files = {k: v for k, v in texts.items() if k not in _VERSIONED}
    digest = code_hash(code_files)
    version, is_new = next_version(state, digest)
    changed_cells = None
    if state.cell_hashes:
        old = state.cell_hashes
        new = [c.content_hash for c in nb.cells]
        changed_cells = [i for i, h in enumerate(new) if i >= len(old) or old[i] != h]
    if is_new:
        changed_files = sorted(k for k, v in code_files.items() if state.base.get(k) != v) \
            if state.base else []
        state.changelog.insert(0, changelog_entry(version, Path(nb.path).name, p.notebook_hash,
                                                  changed_cells, changed_files))
        state.versions[version] = digest
    state.current = version
    state.notebook_hash = p.notebook_hash
    state.cell_hashes = [c.content_hash for c in nb.cells]

    _report(progress, "running the notebook with papermill to capture its results", 0.25, cancel)
    cap = run_capture(bp, cancel=cancel)
    if not cap.ok:
        return ProductioniseResult(False, _explain(p, cap.problems), str(target), p.package, version,
                                   plan=p, problems=cap.problems, checked=check,
                                   tests=TestOutcome(ran=False, output_tail=cap.output_tail))
    _report(progress, "writing the package", 0.6, cancel)
    env = _env()
    emitted = {line for text in texts.values() for line in text.split("\n")}
    deps = third_party_requirements(bp, {a for a, line in bp.import_lines.items() if line in emitted})
    ctx = {"package": p.package, "notebook": Path(nb.path).name, "version": version,
           "notebook_hash": p.notebook_hash}
    texts["pyproject.toml"] = env.get_template("pyproject.toml.j2").render(
        dist_name=p.package.replace("_", "-"), dependencies=deps,
        python_floor=f"{sys.version_info.major}.{sys.version_info.minor}", **ctx)
    texts[f"src/{p.package}/__init__.py"] = env.get_template("__init__.py.j2").render(**ctx)
    texts["README.md"] = env.get_template("README.md.j2").render(
        stages=p.stages, parameters=p.parameters, artifacts=sorted({a.path for a in p.artifacts}), **ctx)
    texts["CHANGELOG.md"] = render_changelog(p.package, state.changelog)
    texts["provenance.json"] = build_provenance(p, nb, segments, version)
    texts["tests/golden/results.json"] = json.dumps(cap.results, indent=1, sort_keys=True,
                                                    allow_nan=True) + "\n"
    blobs = {"tests/golden/stages.pkl": cap.stages_pickle}
    nb_dir = nb_real.parent
    for rel in p.input_files:
        rp = PurePosixPath(rel)
        src = nb_dir / rel
        if not rp.is_absolute() and ".." not in rp.parts and src.is_file() \
                and src.stat().st_size <= 10 * 1024 * 1024:
            blobs[f"tests/data/{rp.as_posix()}"] = src.read_bytes()
    protected = {nb_real} | {Path(os.path.realpath(nb_dir / r)) for r in p.input_files}
    target.mkdir(parents=True, exist_ok=True)
    report = write_files(target, texts, blobs, state, protected)
    state.base = dict(texts)
    save_state(target, state, texts, protected)
    record_productionise(nb.path, p.notebook_hash, p.package, version, digest, target, check)

    result = ProductioniseResult(
        success=True, message="", package_dir=str(target), package=p.package, version=version,
        files_written=report.written, files_unchanged=report.unchanged, merged=report.merged,
        conflicts=report.conflicts, checked=check, plan=p, results=cap.results)
    if not check:
        _report(progress, "done (tests not run)", 1.0, cancel)
        result.message = (f"generated {p.package} {version} in {target}; tests NOT run (--no-check), "
                          "so it is not known to work")
        return result
    _report(progress, "running the generated tests in a fresh process", 0.7, cancel)
    outcome = run_tests(target, cancel=cancel)
    result.tests = outcome
    result.success = outcome.ok and not report.conflicts
    if result.success:
        result.message = (f"productionised {Path(nb.path).name} into {p.package} {version} "
                          f"({target}); {outcome.passed} generated tests passed")
    elif not outcome.ok:
        result.message = (f"generated {p.package} {version} in {target}, but its tests did not pass "
                          f"({outcome.failed} failed, {outcome.errors} errors)")
    else:
        result.message = (f"generated {p.package} {version} in {target}; tests passed, but "
                          f"{len(report.conflicts)} file(s) have conflicts with your edits")
    _report(progress, "done", 1.0, None)
    return result


def _explain(p: ProductionisePlan, extra=None) -> str:
    problems = list(extra or p.problems)
    head = f"{p.notebook}: cannot productionise"
    return head + ":\n" + "\n".join(f"  {pr}" for pr in problems)
