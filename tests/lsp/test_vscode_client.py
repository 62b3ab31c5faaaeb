"""The VS Code client extension type-checks, bundles and packages into an installable .vsix, and
its own handlers run in Node against the real language server (lsp_server/vscode/test/).

VS Code itself cannot be installed here: the Node test replaces only the `vscode` module with a
stand-in (test/vscode-stub.js); the bundled extension, vscode-languageclient and the server are
the real ones."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

CLIENT = Path(__file__).resolve().parents[2] / "lsp_server" / "vscode"

pytestmark = pytest.mark.slow


def _run(args: list[str], cwd: Path, timeout: int) -> None:
    done = subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"{' '.join(args)} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """A copy of the extension with its dependencies installed (`npm ci`) and bundled."""
    npm = shutil.which("npm")
    if npm is None:
        pytest.skip("npm is not installed: the VS Code client cannot be built here")
    work = tmp_path_factory.mktemp("vscode") / "vscode"
    shutil.copytree(CLIENT, work, ignore=shutil.ignore_patterns("node_modules", "dist", "*.vsix"))
    assert (work / "package-lock.json").is_file(), "package-lock.json must be committed for npm ci"
    _run([npm, "ci", "--no-audit", "--no-fund"], work, 600)
    _run([npm, "run", "typecheck"], work, 300)
    _run([npm, "run", "bundle"], work, 300)
    return work


def test_the_extensions_handlers_work_against_the_real_server(built: Path, tmp_path: Path):
    """Activation starts `python -m jupyter_mlops_lsp` with the configured interpreter; notebook
    cells get their diagnostics; the suppress-in-this-cell action's command tags the right cell
    (markdown before it included) and the finding goes; fix-all applies the server's edit."""
    done = subprocess.run(["node", "--test", "test/extension.test.js"], cwd=built, capture_output=True,
                          text=True, timeout=300,
                          env={**os.environ, "PYTHON": sys.executable, "WORKDIR": str(tmp_path)})
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert "# pass 1" in done.stdout and "# fail 0" in done.stdout


def test_extension_typechecks_bundles_and_packages(built: Path):
    npm = shutil.which("npm")
    work = built
    _run([npm, "run", "package"], work, 600)
    vsix = work / "jupyter-mlops.vsix"
    assert vsix.is_file()
    with zipfile.ZipFile(vsix) as z:
        names = set(z.namelist())
        assert {"extension/package.json", "extension/dist/extension.js", "extension.vsixmanifest"} <= names
        assert not any(n.startswith("extension/test/") for n in names), "the Node test is not shipped"
        bundle = z.read("extension/dist/extension.js").decode("utf-8")
        manifest = z.read("extension/package.json").decode("utf-8")
    # The bundle carries the language client and our server command, not just a stub.
    assert "jupyter_mlops_lsp" in bundle and "jupyterMlops.addCellTag" in bundle
    assert '"main": "./dist/extension.js"' in manifest
    assert not any(n.startswith("extension/node_modules/") for n in names), "dependencies are bundled"
