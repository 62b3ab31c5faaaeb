"""The server's helper process (a second core runs the dataflow rules): started by default, not
with `--one-process`, gone when the server exits, and invisible in what the editor is sent."""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path

import pytest
from lsp_client import (
    NB_URI,
    SERVER,
    NotebookDoc,
    capabilities,
    install_client_handlers,
    settle,
)
from lsprotocol import types
from pytest_lsp import make_test_lsp_client

pytestmark = pytest.mark.asyncio

SOURCES = [
    "import requests\nimport pandas as pd\nfrom sklearn.preprocessing import MinMaxScaler\n"
    "from sklearn.model_selection import train_test_split",
    "sales = pd.read_csv('https://example.org/sales.csv')\nfeatures = sales[['units', 'price']]",
    "scaled = MinMaxScaler().fit_transform(features)",
    "train, test = train_test_split(scaled)",
    'TOKEN = "ghp_4fK2mQ7xR4tL9vB1nC6wZ3yH5jD0pS2aE7uI"',
]


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            # The command name is in parentheses and may hold spaces: the parent pid follows it.
            if int(stat.rpartition(")")[2].split()[1]) == pid:
                found.append(int(entry.name))
    return found


SHARED = "shared with the lint helper"  # the server's debug log line for each shared lint


async def _session(extra: list[str], capfd) -> tuple[dict[int, list[str]], int, list[int], int]:
    """Open the notebook, edit it twice; the cells' codes, the server's pid, its children, and
    how many lints the server shared with its helper during the edits (from its debug log,
    which pytest-lsp forwards to this process's stderr)."""
    client = make_test_lsp_client()
    install_client_handlers(client)
    await client.start_io(*SERVER, *extra, "--log-level", "DEBUG")
    server = client._server
    assert server is not None
    await client.initialize_session(types.InitializeParams(capabilities=capabilities()))
    helpers = children(server.pid)
    nb = NotebookDoc(client, NB_URI.replace("analysis", "helper" + "".join(extra)), SOURCES)
    nb.open()
    await settle(client)
    log = capfd.readouterr().err
    if extra == []:
        # Wait for the helper's first shared lint (it imports the engine first, about a second;
        # the notebook's first lint after that is a catch-up lint here): edit until one is.
        deadline = time.monotonic() + 60
        edits = 0
        while SHARED not in log:
            assert time.monotonic() < deadline, f"no lint was shared with the helper:\n{log[-3000:]}"
            edits += 1
            nb.set_text(3, f"train, test = train_test_split(scaled)  # edit {edits}")
            await settle(client)
            log += capfd.readouterr().err
        helpers = children(server.pid)
    nb.set_text(3, SOURCES[3])
    await settle(client)
    nb.set_text(2, "scaled = features")
    await settle(client)
    nb.set_text(2, SOURCES[2])
    await settle(client)
    codes = {i: nb.codes(i) for i in range(len(SOURCES))}
    shared = capfd.readouterr().err.count(SHARED)
    await client.shutdown_session()
    return codes, server.pid, helpers, shared


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads the process table from /proc")
@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="the helper starts only with a second core")
async def test_the_helper_is_one_child_shares_the_lint_and_ends_with_the_server(capfd):
    split, _, helpers, shared = await _session([], capfd)
    alone, _, none, shared_alone = await _session(["--one-process"], capfd)
    assert len(helpers) == 1 and none == []
    assert shared == 3 and shared_alone == 0  # each edit's lint was shared, or none was
    # Leakage and the download come from the helper, the secret from the server: all arrive,
    # after edits too, exactly as when the server lints alone.
    assert "NB503" in split[2] and "NB403" in split[1] and "NB401" in split[4]
    assert split == alone
    deadline = time.monotonic() + 10
    while os.path.exists(f"/proc/{helpers[0]}") and time.monotonic() < deadline:
        try:
            if (Path(f"/proc/{helpers[0]}") / "stat").read_text().rpartition(")")[2].split()[0] == "Z":
                break  # a zombie is already gone; only its parent's bookkeeping remains
        except OSError:
            break
        await asyncio.sleep(0.05)
    assert time.monotonic() < deadline, "the helper outlived the server"
