"""jupyter-mlops-lsp inside the real jupyterlab-lsp front end (installed with the dev extras), in
a real JupyterLab driven through Chromium: a finding underlined in the notebook cell where it is,
its message on hover, and the one document jupyterlab-lsp really sends recorded for the unit
tests (tests/lsp/test_lsp_jupyterlab.py), so those cannot drift from upstream.

Set JUPYTER_MLOPS_RECORD=1 to rewrite the recording after a jupyterlab-lsp upgrade.
"""

from __future__ import annotations

import json
import os
from importlib.metadata import version
from pathlib import Path

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("browser-lsp")]

playwright_api = pytest.importorskip("playwright.sync_api")
pytest.importorskip("jupyterlab_lsp", reason="jupyterlab-lsp is in the dev extras")

from lab_harness import CHROMIUM, CHROMIUM_ARGS, start_lab  # noqa: E402

from nbtest import REPO, write_ipynb  # noqa: E402

RECORDING = REPO / "tests" / "lsp" / "data" / "jupyterlab_lsp_document.json"

# A data scientist's notebook: magics, shell escapes, a cell magic, markdown between, a name
# read before the cell that defines it, and a project pyproject.toml that ignores one rule.
CELLS = [
    ("markdown", "# Prices\nLoad the sales and fit a first model."),
    ("code", "%pip install pandas\nimport pandas as pd\n%matplotlib inline"),
    ("code", "sales = pd.read_csv('../data/sales.csv')\n\nfiles = !ls ../data\nprint(files)"),
    ("code", "total = price * 3\nprint(undefined_here)"),
    ("code", "%%time\nprice = sales['price'].mean()\nprice"),
    ("markdown", "## Model"),
    ("code", "from sklearn.linear_model import LinearRegression\nmodel = LinearRegression()"),
]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} not installed (apt-get install -y chromium)")
    lab = start_lab(tmp_path_factory.mktemp("lab-lsp"), jupyterlab_lsp=True)
    (lab.root / "project" / "data").mkdir(parents=True)
    (lab.root / "project" / "data" / "sales.csv").write_text("price\n3\n4\n")
    (lab.root / "project" / "pyproject.toml").write_text('[tool.jupyter-mlops]\nignore = ["NB104"]\n')
    write_ipynb(lab.root / "project" / "notebooks" / "prices.ipynb", CELLS)
    yield lab
    lab.stop()


def _messages(frames: list[tuple[str, str]], method: str) -> list[dict]:
    out = []
    for direction, payload in frames:
        try:
            message = json.loads(payload)
        except (TypeError, ValueError):
            continue
        if isinstance(message, dict) and message.get("method") == method:
            out.append(message)
    return out


def test_a_finding_of_jupyter_mlops_lsp_is_shown_in_the_notebook(lab):
    frames: list[tuple[str, str]] = []
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.set_default_timeout(60_000)

            def watch(ws):
                if "/lsp/ws/jupyter-mlops" in ws.url:
                    ws.on("framesent", lambda payload: frames.append(("sent", payload)))
                    ws.on("framereceived", lambda payload: frames.append(("received", payload)))

            page.on("websocket", watch)
            page.goto(lab.tree("project/notebooks/prices.ipynb"))
            cells = page.locator(".jp-Notebook .jp-Cell")
            cells.nth(len(CELLS) - 1).wait_for()
            # NB103 (use before define) underlined on `price` in the fourth cell.
            mark = cells.nth(3).locator(".cm-lintRange")
            mark.first.wait_for()
            assert mark.first.inner_text() == "price"
            assert "cm-lintRange-error" in mark.first.get_attribute("class")  # NB103 is an error
            mark.first.hover()
            tooltip = page.locator(".cm-tooltip-lint")
            tooltip.wait_for()
            text = tooltip.inner_text()
            # jupyterlab-lsp shows the message and the source (the code is checked below).
            assert "`price` is used here but first defined in cell" in text and "jupyter-mlops" in text, text
            # The project's pyproject.toml applies (NB104 ignored): nothing on `undefined_here`.
            assert cells.nth(3).locator(".cm-lintRange").count() == 1
        finally:
            browser.close()

    opened = _messages([(d, p) for d, p in frames if d == "sent"], "textDocument/didOpen")
    assert opened, "jupyterlab-lsp never opened the notebook with jupyter-mlops-lsp"
    document = opened[0]["params"]["textDocument"]
    published = _messages([(d, p) for d, p in frames if d == "received"], "textDocument/publishDiagnostics")
    codes = {d["code"] for m in published for d in m["params"]["diagnostics"]}
    # NB201: the unpinned `%pip install`, found through the magic jupyterlab-lsp rewrote (the
    # front end does not underline findings on its rewritten lines).
    assert {"NB103", "NB201"} <= codes and "NB104" not in codes
    recorded = {"jupyterlab-lsp": version("jupyterlab-lsp"), "cells": [list(c) for c in CELLS],
                "language_id": document["languageId"], "text": document["text"]}
    if os.environ.get("JUPYTER_MLOPS_RECORD"):
        RECORDING.parent.mkdir(exist_ok=True)
        RECORDING.write_text(json.dumps(recorded, indent=1) + "\n", encoding="utf-8")
    saved = json.loads(RECORDING.read_text(encoding="utf-8"))
    assert recorded["text"] == saved["text"], (
        f"jupyterlab-lsp {recorded['jupyterlab-lsp']} sends another document than the recording "
        f"(made with {saved['jupyterlab-lsp']}): check the server still reads it, then re-record "
        "with JUPYTER_MLOPS_RECORD=1")
