"""Bad input never takes the server down: garbage edits, malformed params, unknown methods."""

from __future__ import annotations

import random

import pytest
import pytest_lsp
from lsp_client import (
    NB_URI,
    SERVER,
    NotebookDoc,
    capabilities,
    cell_uri,
    install_client_handlers,
    raw_notify,
    raw_request,
    settle,
)
from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pytest_lsp import ClientServerConfig, LanguageClient

pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_lsp.fixture(scope="module", config=ClientServerConfig(server_command=SERVER))
async def client(lsp_client: LanguageClient):
    install_client_handlers(lsp_client)
    await lsp_client.initialize_session(types.InitializeParams(capabilities=capabilities()))
    yield
    await lsp_client.shutdown_session()


async def _still_serving(client: LanguageClient, name: str) -> None:
    nb = NotebookDoc(client, NB_URI.replace("analysis", name), ["print(nowhere)", "x = 1"])
    nb.open()
    await settle(client)
    assert nb.codes(0) == ["NB104"] and nb.codes(1) == []
    nb.close()
    await settle(client)
    assert client.error is None


async def test_malformed_params_get_an_invalid_params_error(client: LanguageClient):
    with pytest.raises(JsonRpcException) as err:
        await raw_request(client, types.TEXT_DOCUMENT_HOVER, {"bogus": 1})
    assert err.value.code == -32602
    with pytest.raises(JsonRpcException) as err:
        await raw_request(client, types.WORKSPACE_EXECUTE_COMMAND,
                          {"command": "jupyter-mlops.fixAll", "arguments": [42]})
    assert err.value.code == -32602
    await _still_serving(client, "after-malformed")


async def test_unknown_methods_get_method_not_found(client: LanguageClient):
    with pytest.raises(JsonRpcException) as err:
        await raw_request(client, "jupyterMlops/noSuchMethod", {})
    assert err.value.code == -32601
    raw_notify(client, "jupyterMlops/noSuchNotification", {"x": 1})
    await _still_serving(client, "after-unknown")


def _garbage_text(rng: random.Random) -> str:
    pieces = ["x = 1", "def f(:", "\x00", "é", "😀", "%%bash\nls", "!pip install x", "'''", "\n\n\n",
              "(" * 200, "import numpy as np", "\t", "\r\n", "lambda: (yield)", "y = x +", "%time z = 1"]
    return "".join(rng.choice(pieces) for _ in range(rng.randint(0, 6)))


def _garbage_range(rng: random.Random) -> dict:
    def pos():
        return {"line": rng.choice([0, 1, 3, 10_000]), "character": rng.choice([0, 2, 7, 99_999])}
    start, end = pos(), pos()
    return {"start": start, "end": end}


async def test_garbage_edits_fuzz(client: LanguageClient):
    rng = random.Random(20261126)
    uri = NB_URI.replace("analysis", "fuzz")
    nb = NotebookDoc(client, uri, ["a = 1", "b = a + 1", "print(b)"], salt="f")
    nb.open()
    await settle(client)
    known = list(nb.uris)
    version = 10
    for step in range(250):
        version += 1
        kind = rng.random()
        cell = rng.choice(known + [cell_uri(uri, 999, "ghost")])
        if kind < 0.55:
            change = {"range": _garbage_range(rng), "text": _garbage_text(rng)} if rng.random() < 0.7 \
                else {"text": _garbage_text(rng)}
            params = {"notebookDocument": {"uri": uri, "version": version},
                      "change": {"cells": {"textContent": [{"document": {"uri": cell, "version": version},
                                                            "changes": [change]}]}}}
        elif kind < 0.75:
            new = cell_uri(uri, 100 + step, "n")
            params = {"notebookDocument": {"uri": uri, "version": version},
                      "change": {"cells": {"structure": {
                          "array": {"start": rng.choice([0, 1, 50]), "deleteCount": rng.choice([0, 1, 7]),
                                    "cells": [{"kind": rng.choice([1, 2]), "document": new}]},
                          "didOpen": [{"uri": new, "languageId": rng.choice(["python", "markdown", "sql"]),
                                       "version": 1, "text": _garbage_text(rng)}],
                          "didClose": [{"uri": rng.choice(known)}] if rng.random() < 0.3 else []}}}}
            known.append(new)
        elif kind < 0.85:
            params = {"notebookDocument": {"uri": rng.choice([uri, "file:///nowhere.ipynb"]), "version": version},
                      "change": {"cells": {"data": [{"kind": 2, "document": cell,
                                                     "metadata": rng.choice([{"tags": ["noqa"]}, {"tags": 3}, None]),
                                                     "executionSummary": {"executionOrder": rng.choice([1, -5, 0])}}]}}}
        else:
            # Wrong shapes altogether.
            params = rng.choice([{"notebookDocument": 3}, {}, {"change": None}, [], "text"])
        raw_notify(client, types.NOTEBOOK_DOCUMENT_DID_CHANGE, params)
        if step % 50 == 0:
            await settle(client)
    await settle(client)
    errors = [m for m in client.messages if m.type == types.MessageType.Error]
    assert not errors, "garbage input must not pop up errors"
    # The server still answers requests about the (mangled) notebook, and serves new ones.
    for u in known[:5]:
        await client.text_document_hover_async(types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=u), position=types.Position(line=0, character=0)))
        await client.text_document_code_action_async(types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=u),
            range=types.Range(start=types.Position(line=0, character=0), end=types.Position(line=99, character=0)),
            context=types.CodeActionContext(diagnostics=[])))
    await _still_serving(client, "after-fuzz")


async def test_garbage_text_documents(client: LanguageClient, tmp_path):
    rng = random.Random(5)
    for i, (name, lang) in enumerate([("a.ipynb", "json"), ("b.ipynb", "python"), ("c.py", "python"),
                                      ("d.ipynb", None)]):
        uri = (tmp_path / name).as_uri()
        for v in range(12):
            text = rng.choice(['{"cells": [', "{}", '{"nbformat": 9, "cells": []}', '{"cells": [1, 2]}',
                               "# %%\n" + _garbage_text(rng), _garbage_text(rng), "[]", ""])
            if v == 0:
                client.text_document_did_open(types.DidOpenTextDocumentParams(text_document=types.TextDocumentItem(
                    uri=uri, language_id=lang or "", version=1, text=text)))
            else:
                client.text_document_did_change(types.DidChangeTextDocumentParams(
                    text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=v + 1),
                    content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)]))
        await settle(client)
    await _still_serving(client, "after-text-garbage")
