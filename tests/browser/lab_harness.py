"""Start a real JupyterLab (token auth, 127.0.0.1) and a real Chromium for browser tests."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

CHROMIUM = os.environ.get("JUPYTER_MLOPS_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-dev-shm-usage"]
NOTEBOOKS = Path(__file__).parent / "notebooks"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Lab:
    root: Path
    url: str
    token: str
    process: subprocess.Popen
    log: Path

    def tree(self, path: str) -> str:
        return f"{self.url}lab/tree/{path}?reset&token={self.token}"

    def warm_up(self) -> None:
        """One lint through the REST API, so timings measure a warm engine (imports done)."""
        notebook = {"cells": [{"cell_type": "code", "id": "w", "metadata": {}, "outputs": [],
                               "execution_count": None, "source": "import os\nprint(os.sep)"}],
                    "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
        body = json.dumps({"path": "warm-up.ipynb", "content": notebook}).encode()
        request = urllib.request.Request(
            f"{self.url}jupyter-mlops/api/v1/lint", data=body, method="POST",
            headers={"Authorization": f"token {self.token}", "Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=60) as r:
            assert r.status == 200

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)


JUPYTERLAB_LSP = "@jupyter-lsp/jupyterlab-lsp"


def start_lab(base: Path, jupyterlab_lsp: bool = False) -> Lab:
    """A JupyterLab on a copy of tests/browser/notebooks. jupyterlab-lsp (installed with the dev
    extras) is disabled unless asked for: the sidebar's tests need only our own front end."""
    root = base / "root"
    shutil.copytree(NOTEBOOKS, root)
    settings = base / "settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True)
    # No news or update pop-ups over the page.
    (settings / "notification.jupyterlab-settings").write_text(
        json.dumps({"fetchNews": "false", "checkForUpdates": False}))
    config = base / "config" / "labconfig"
    config.mkdir(parents=True)
    (config / "page_config.json").write_text(json.dumps(
        {"disabledExtensions": {} if jupyterlab_lsp else {JUPYTERLAB_LSP: True}}))
    port, token = free_port(), secrets.token_hex(16)
    log = base / "lab.log"
    cmd = [sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root",
           "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}",
           f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}",
           f"--LabApp.user_settings_dir={base / 'settings'}",
           f"--LabApp.workspaces_dir={base / 'workspaces'}",
           "--LabApp.expose_app_in_browser=True", "--ServerApp.port_retries=0"]
    env = {**os.environ, "JUPYTER_PLATFORM_DIRS": "1", "PYTHONUNBUFFERED": "1",
           "JUPYTER_CONFIG_DIR": str(base / "config")}
    process = subprocess.Popen(cmd, stdout=log.open("w"), stderr=subprocess.STDOUT, env=env,
                               cwd=root)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"jupyter lab exited:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{url}api/status?token={token}", timeout=2) as r:
                if r.status == 200:
                    lab = Lab(root, url, token, process, log)
                    lab.warm_up()
                    return lab
        except OSError:
            time.sleep(0.3)
    process.kill()
    raise RuntimeError(f"jupyter lab did not start in 60 s:\n{log.read_text()[-3000:]}")


def big_notebook(n: int) -> dict:
    """n code cells of plain arithmetic, with a hard-coded home-directory path every 50th."""
    cells = []
    for i in range(n):
        source = (f"value_{i} = {i} * 2\nresult_{i} = value_{i} + 1\nprint(result_{i})"
                  if i % 50 else f"model_{i} = load('/home/bob/models/m{i}.bin')")
        cells.append({"cell_type": "code", "id": f"c{i}", "metadata": {}, "source": source,
                      "execution_count": None, "outputs": []})
    return {"cells": cells, "metadata": {"kernelspec": {"name": "python3", "language": "python",
                                                        "display_name": "Python 3"}},
            "nbformat": 4, "nbformat_minor": 5}
