"""The messy notebooks, productionised for real: papermill runs them, the generated tests run
in a fresh process, the packages install into a fresh virtual environment, and run()
reproduces the notebook's values to 1e-9."""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from productionise_helpers import (
    MESSY,
    NOTEBOOKS,
    code_lines,
    make_venv,
    pip_install,
    tree_bytes,
)

from jupyter_mlops import api

pytestmark = pytest.mark.slow

EXPECTED = {  # values each notebook must report, and that run() must reproduce
    "sales_forecast.ipynb": {"rmse", "r2", "metrics", "mae", "verdict", "summary", "n_features", "calls"},
    "churn_classifier.ipynb": {"accuracy", "f1", "report", "best_n", "best_score", "scores", "top_feature"},
}


@pytest.fixture(scope="module")
def extracted(tmp_path_factory):
    """Each messy notebook copied (with its CSV) to a scratch folder and productionised there,
    with the generated tests run in a fresh process."""
    out = {}
    for name in MESSY:
        work = tmp_path_factory.mktemp(Path(name).stem)
        for f in NOTEBOOKS.iterdir():
            if f.is_file():
                shutil.copy2(f, work / f.name)
        before = (work / name).read_bytes(), os.stat(work / name).st_mtime_ns
        result = api.productionise(work / name, out_dir=work / "pkg")
        after = (work / name).read_bytes(), os.stat(work / name).st_mtime_ns
        out[name] = (work, result, before, after)
    return out


@pytest.fixture(scope="module")
def venv_python(tmp_path_factory, extracted):
    """One fresh virtual environment with every generated package installed into it."""
    python = make_venv(tmp_path_factory.mktemp("venv") / "env")
    for work, result, _, _ in extracted.values():
        pip_install(python, Path(result.package_dir))
    return python


@pytest.mark.parametrize("name", MESSY)
def test_productionise_succeeds_only_after_the_generated_tests_pass(extracted, name):
    _, result, _, _ = extracted[name]
    assert result.success, result.summary()
    assert result.tests.ran and result.tests.failed == 0 and result.tests.errors == 0
    # golden test (4) + one replay per stage, none of them skipped for the main stages
    assert result.tests.passed >= 4 + len(result.plan.stages) - 1
    assert not result.conflicts


@pytest.mark.parametrize("name", MESSY)
def test_the_notebook_is_never_written(extracted, name):
    _, _, before, after = extracted[name]
    assert before == after


@pytest.mark.parametrize("name", MESSY)
def test_captured_values_are_the_notebook_metrics(extracted, name):
    _, result, _, _ = extracted[name]
    assert EXPECTED[name] <= set(result.results)
    golden = json.loads((Path(result.package_dir) / "tests" / "golden" / "results.json").read_text())
    assert golden == result.results


@pytest.mark.parametrize("name", MESSY)
def test_installed_package_reproduces_the_notebook_to_1e_9(extracted, venv_python, name, tmp_path):
    work, result, _, _ = extracted[name]
    pkg = result.package
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["MPLBACKEND"] = "Agg"
    where = subprocess.run([str(venv_python), "-c", f"import {pkg}; print({pkg}.__file__)"],
                           cwd=tmp_path, env=env, capture_output=True, text=True, check=True).stdout
    assert str(venv_python.parent.parent) in where  # the installed copy, not the source tree
    args = [str(venv_python), "-m", pkg, "--output-dir", str(tmp_path / "out")]
    for prm in result.plan.parameters:
        if prm.role == "input":
            args.append(f"--set={prm.field}={work / prm.value}")
    done = subprocess.run(args, cwd=tmp_path, env=env, capture_output=True, text=True, check=True)
    results = json.loads(done.stdout)
    for key in EXPECTED[name]:
        assert _close(results[key], result.results[key]), key
    for artifact in {a.path for a in result.plan.artifacts}:
        assert (tmp_path / "out" / artifact).exists()
    assert not [p for p in tmp_path.iterdir() if p.name != "out"]  # nothing written elsewhere


@pytest.mark.parametrize("name", MESSY)
def test_generated_tests_pass_against_the_installed_package(extracted, venv_python, name):
    _, result, _, _ = extracted[name]
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["MPLBACKEND"] = "Agg"
    done = subprocess.run([str(venv_python), "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           "--confcutdir", result.package_dir, "tests"],
                          cwd=result.package_dir, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout[-3000:]


@pytest.mark.parametrize("name", MESSY)
def test_provenance_accounts_for_every_code_line(extracted, name):
    work, result, _, _ = extracted[name]
    from jupyter_mlops.productionise.provenance import covered_lines
    prov = json.loads((Path(result.package_dir) / "provenance.json").read_text())
    covered = covered_lines(prov)
    lost = [(c, ln) for c, lines in code_lines(work / name).items() for ln in lines
            if ln not in covered.get(c, {})]
    assert lost == []
    assert prov["notebook_hash"] == result.plan.notebook_hash and prov["version"] == result.version


@pytest.mark.parametrize("name", MESSY)
def test_pip_install_lines_become_pinned_dependencies(extracted, name):
    _, result, _, _ = extracted[name]
    pyproject = (Path(result.package_dir) / "pyproject.toml").read_text()
    if name == "sales_forecast.ipynb":
        assert '"scikit-learn==1.9.1"' in pyproject
    else:
        from importlib.metadata import version
        assert f'"pandas=={version("pandas")}"' in pyproject  # `%pip install pandas`, pinned


def test_reextraction_of_an_unchanged_notebook_is_byte_identical(extracted):
    work, result, _, _ = extracted["sales_forecast.ipynb"]
    before = tree_bytes(Path(result.package_dir))
    again = api.productionise(work / "sales_forecast.ipynb", out_dir=result.package_dir, check=False)
    assert again.version == result.version and again.files_written == []
    assert tree_bytes(Path(result.package_dir)) == before


def _close(a, b) -> bool:
    if isinstance(b, float):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)
    if isinstance(b, dict):
        return set(a) == set(b) and all(_close(a[k], b[k]) for k in b)
    if isinstance(b, list):
        return len(a) == len(b) and all(_close(x, y) for x, y in zip(a, b))
    return a == b
