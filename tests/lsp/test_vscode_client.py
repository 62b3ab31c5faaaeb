"""The VS Code client extension type-checks, bundles and packages into an installable .vsix."""

from __future__ import annotations

import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

CLIENT = Path(__file__).resolve().parents[2] / "lsp_server" / "vscode"

pytestmark = pytest.mark.slow


def _run(args: list[str], cwd: Path, timeout: int) -> None:
    done = subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"{' '.join(args)} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"


def test_extension_typechecks_bundles_and_packages(tmp_path: Path):
    npm = shutil.which("npm")
    if npm is None:
        pytest.skip("npm is not installed: the VS Code client cannot be built here")
    work = tmp_path / "vscode"
    shutil.copytree(CLIENT, work, ignore=shutil.ignore_patterns("node_modules", "dist", "*.vsix"))
    assert (work / "package-lock.json").is_file(), "package-lock.json must be committed for npm ci"
    _run([npm, "ci", "--no-audit", "--no-fund"], work, 600)
    _run([npm, "run", "typecheck"], work, 300)
    _run([npm, "run", "bundle"], work, 300)
    _run([npm, "run", "package"], work, 600)
    vsix = work / "jupyter-mlops.vsix"
    assert vsix.is_file()
    with zipfile.ZipFile(vsix) as z:
        names = set(z.namelist())
        assert {"extension/package.json", "extension/dist/extension.js", "extension.vsixmanifest"} <= names
        bundle = z.read("extension/dist/extension.js").decode("utf-8")
        manifest = z.read("extension/package.json").decode("utf-8")
    # The bundle carries the language client and our server command, not just a stub.
    assert "jupyter_mlops_lsp" in bundle and "jupyterMlops.addCellTag" in bundle
    assert '"main": "./dist/extension.js"' in manifest
    assert not any(n.startswith("extension/node_modules/") for n in names), "dependencies are bundled"
