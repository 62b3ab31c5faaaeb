"""The wheel a user's pip installs carries every part: the prebuilt JupyterLab extension, the
server extension's config, the templates, the language server (so no node, no build step)."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from nbtest import REPO, copy_package_sources

pytestmark = pytest.mark.slow  # builds the wheel (~10 s)


def test_the_wheel_ships_the_front_end_the_templates_and_the_language_server(tmp_path: Path):
    sources = copy_package_sources(tmp_path / "src")
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                           "--no-index", "-q", "-w", str(tmp_path / "dist"), str(sources)],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    [wheel] = (tmp_path / "dist").glob("jupyter_mlops-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    data = next(n.split("/")[0] for n in names if ".data/" in n)
    lab = f"{data}/data/share/jupyter/labextensions/jupyter-mlops"
    assert f"{lab}/package.json" in names and f"{lab}/install.json" in names
    assert any(n.startswith(f"{lab}/static/") and n.endswith(".js") for n in names)
    assert f"{data}/data/etc/jupyter/jupyter_server_config.d/jupyter_mlops.json" in names
    templates = {p.relative_to(REPO).as_posix() for p in (REPO / "templates").rglob("*")
                 if p.is_file() and "__pycache__" not in p.parts}
    assert templates and {f"jupyter_mlops/{t}" for t in templates} <= names
    assert {"jupyter_mlops_lsp/__main__.py", "jupyter_mlops/api.py",
            "jupyter_mlops/linter/report/schemas/sarif-schema-2.1.0.json"} <= names
    entry_points = zipfile.ZipFile(wheel).read(next(n for n in names if n.endswith("entry_points.txt"))).decode()
    assert "jupyter-mlops = jupyter_mlops.cli:main" in entry_points
    assert "jupyter_lsp_spec_v1" in entry_points
