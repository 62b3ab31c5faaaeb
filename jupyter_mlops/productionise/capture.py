"""Execute the notebook with papermill in a temporary directory and capture, for the generated
tests, the notebook's final plain values and each stage's inputs and outputs.

The notebook file is never written: a copy with capture cells added is executed in a fresh
kernel running this interpreter, so saved (possibly stale) outputs are never trusted.
"""

from __future__ import annotations

import json
import os
import pickle
import shutil
import sys
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import Problem
from .planning import Blueprint
from .process import run_process

KERNEL_NAME = "jupyter-mlops-productionise"
MAX_VALUE_BYTES = 20 * 1024 * 1024

_SETUP = r'''
def __jm_setup():
    import pickle, sys
    store = {}
    def capture(stage, when, names, synthetic, secrets=()):
        ns = sys.modules["__main__"].__dict__
        slot = store.setdefault(stage, {"inputs": {}, "outputs": {}, "skipped": {}, "unbound": []})
        for name in names:
            if name in secrets:
                slot["skipped"][name] = "a secret: never stored"
                continue
            if name in ns:
                value = ns[name]
            elif name in synthetic:
                value = synthetic[name]
            else:
                if when == "outputs":
                    slot["unbound"].append(name)
                continue
            try:
                data = pickle.dumps(value, protocol=4)
            except Exception as exc:
                slot["skipped"][name] = f"{type(exc).__name__}: {exc}"[:200]
                continue
            if len(data) > MAX:
                slot["skipped"][name] = f"too large to keep ({len(data)} bytes)"
                continue
            slot[when][name] = data
    def finish(path, results_path, names):
        import json, math
        ns = sys.modules["__main__"].__dict__
        def plain(v):
            if v is None or isinstance(v, (bool, int, float, str)):
                return True, v
            if type(v).__module__ == "numpy" and hasattr(v, "item") and getattr(v, "ndim", 1) == 0:
                return plain(v.item())
            if isinstance(v, (list, tuple)):
                items = [plain(x) for x in v]
                return (True, [x for _, x in items]) if all(ok for ok, _ in items) else (False, None)
            if isinstance(v, dict):
                out = {}
                for k, x in v.items():
                    ok, pk = plain(k)
                    ok2, px = plain(x)
                    if not (ok and ok2) or not isinstance(pk, (str, int, float, bool)):
                        return False, None
                    out[pk if isinstance(pk, str) else str(pk)] = px
                return True, out
            return False, None
        results = {}
        for n in names:
            if n in ns:
                ok, v = plain(ns[n])
                if ok:
                    results[n] = v
        with open(results_path, "w", encoding="utf-8") as fh:
            json.dump(results, fh, indent=1, sort_keys=True, allow_nan=True)
            fh.write("\n")
        final = {}
        for stage, slot in store.items():
            final[stage] = {"inputs": {k: pickle.loads(v) for k, v in slot["inputs"].items()},
                            "outputs": {k: pickle.loads(v) for k, v in slot["outputs"].items()},
                            "skipped": dict(slot["skipped"]), "unbound": list(slot["unbound"])}
        with open(path, "wb") as fh:
            pickle.dump(final, fh, protocol=4)
    return capture, finish
MAX = %d
__jm_capture, __jm_finish = __jm_setup()
del __jm_setup
'''


@dataclass
class Capture:
    ok: bool
    results: dict[str, Any] = field(default_factory=dict)
    stages_pickle: bytes = b""
    problems: list[Problem] = field(default_factory=list)
    output_tail: str = ""


def _kernelspec(root: Path) -> None:
    spec = root / "kernels" / KERNEL_NAME
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "jupyter-mlops productionise", "language": "python",
    }), encoding="utf-8")


def instrumented(bp: Blueprint, capture_file: str, results_file: str) -> tuple[dict, dict[int, int]]:
    """The notebook as nbformat-4 JSON with capture cells; and new index -> original index."""
    nb = bp.notebook
    # lifted parameters: a stage may read one before the notebook cell that defines it ran
    synthetic = {var: prm.value for var, prm in bp.param_fields.items() if prm.role != "secret"}
    secrets = sorted(bp.secret_names)
    firsts = {sp.stage.cells[0]: sp for sp in bp.stages}
    lasts = {sp.stage.cells[-1]: sp for sp in bp.stages}
    cells, mapping = [], {}

    def code(src: str) -> dict:
        return {"cell_type": "code", "execution_count": None, "id": f"jm-{len(cells)}",
                "metadata": {"tags": ["jupyter-mlops-capture"]}, "outputs": [], "source": src}

    cells.append(code(_SETUP % MAX_VALUE_BYTES))
    for cell in nb.cells:
        if cell.index in firsts:
            sp = firsts[cell.index]
            names = [p.name for p in sp.stage.params if p.source != "output_dir"]
            cells.append(code(f"__jm_capture({sp.stage.name!r}, 'inputs', {names!r}, {synthetic!r}, {secrets!r})"))
        mapping[len(cells)] = cell.index
        if cell.cell_type == "code":
            cells.append({"cell_type": "code", "execution_count": None, "id": f"nb-{cell.index}",
                          "metadata": {"tags": list(cell.tags)}, "outputs": [], "source": cell.source})
        else:
            cells.append({"cell_type": "markdown", "id": f"nb-{cell.index}", "metadata": {},
                          "source": cell.source})
        if cell.index in lasts:
            sp = lasts[cell.index]
            names = [r.name for r in sp.stage.returns]
            cells.append(code(f"__jm_capture({sp.stage.name!r}, 'outputs', {names!r}, {{}}, {secrets!r})"))
    artificial = {var for var, prm in bp.param_fields.items() if not prm.is_result}
    names = [n for n in bp.result_names if n not in artificial]
    cells.append(code(f"__jm_finish({capture_file!r}, {results_file!r}, {names!r})"))
    data = {"cells": cells, "metadata": {"kernelspec": {"name": KERNEL_NAME, "language": "python",
                                                        "display_name": "python"},
                                         "language_info": {"name": "python"}},
            "nbformat": 4, "nbformat_minor": 5}
    return data, mapping


def _stmts(bp: Blueprint):
    for row in bp.placed.values():
        for p in row:
            yield p, p.stmt


def copy_inputs(bp: Blueprint, source_dir: Path, target: Path) -> list[str]:
    copied = []
    for rel in bp.plan.input_files:
        p = Path(rel)
        if p.is_absolute() or ".." in p.parts:
            continue
        src = source_dir / p
        if src.is_file():
            dst = target / p
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dst)
            copied.append(rel)
    return copied


def run_capture(bp: Blueprint, timeout: float = 600.0,
                cancel: threading.Event | None = None) -> Capture:
    nb_dir = Path(bp.notebook.path).resolve().parent
    with tempfile.TemporaryDirectory(prefix="jm-productionise-") as tmp:
        root = Path(tmp)
        work = root / "work"
        work.mkdir()
        _kernelspec(root / "jupyter")
        copy_inputs(bp, nb_dir, work)
        capture_file, results_file = str(root / "stages.pkl"), str(root / "results.json")
        data, mapping = instrumented(bp, capture_file, results_file)
        src, out = root / "input.ipynb", root / "output.ipynb"
        src.write_text(json.dumps(data), encoding="utf-8")
        env = dict(os.environ)
        env["JUPYTER_PATH"] = str(root / "jupyter") + os.pathsep + env.get("JUPYTER_PATH", "")
        env.setdefault("MPLBACKEND", "Agg")
        env["PYTHONHASHSEED"] = env.get("PYTHONHASHSEED", "0")
        argv = [sys.executable, "-m", "papermill", str(src), str(out), "-k", KERNEL_NAME,
                "--cwd", str(work), "--no-progress-bar", "--log-level", "WARNING",
                "--execution-timeout", str(int(timeout))]
        done = run_process(argv, str(work), env, timeout + 60, cancel)
        if done.returncode != 0 or not Path(results_file).exists():
            return Capture(False, problems=[_failure(bp, out, mapping, done)],
                           output_tail=done.output[-4000:])
        results = json.loads(Path(results_file).read_text(encoding="utf-8"))
        return Capture(True, results, Path(capture_file).read_bytes(), output_tail=done.output[-4000:])


def _failure(bp: Blueprint, out: Path, mapping: dict[int, int], done) -> Problem:
    if done.timed_out:
        return Problem("running the notebook top to bottom in a fresh kernel timed out")
    try:
        data = json.loads(out.read_text(encoding="utf-8"))
        for cell in data.get("cells", []):
            for o in cell.get("outputs", []):
                if o.get("output_type") == "error":
                    # papermill may insert cells (an error banner): map back by our cell ids
                    cid = str(cell.get("id", ""))
                    index = int(cid[3:]) if cid.startswith("nb-") and cid[3:].isdigit() else None
                    c = bp.notebook.cells[index] if index is not None else None
                    return Problem(f"the notebook fails when run top to bottom in a fresh kernel: "
                                   f"{o.get('ename')}: {o.get('evalue')}"[:400],
                                   index, c.id if c else None, None, "execution-error")
    except (OSError, ValueError):
        pass
    tail = done.output.strip().splitlines()[-1:] or ["no output"]
    return Problem(f"running the notebook failed: {tail[0][:300]}", rule="execution-error")


def load_stages(data: bytes, package_functions: Any = None) -> dict:
    return pickle.loads(data)
