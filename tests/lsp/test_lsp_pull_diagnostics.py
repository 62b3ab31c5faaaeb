"""A client that pulls diagnostics (`textDocument/diagnostic`, as VS Code does when offered)."""

from __future__ import annotations

import pytest
import pytest_lsp
from lsp_client import (
    NB_URI,
    SERVER,
    NotebookDoc,
    capabilities,
    install_client_handlers,
    settle,
)
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_lsp.fixture(scope="module", config=ClientServerConfig(server_command=SERVER))
async def client(lsp_client: LanguageClient):
    install_client_handlers(lsp_client)
    await lsp_client.initialize_session(types.InitializeParams(capabilities=capabilities(pull=True)))
    yield
    await lsp_client.shutdown_session()


async def _pull(client: LanguageClient, uri: str, previous: str | None = None):
    return await client.text_document_diagnostic_async(types.DocumentDiagnosticParams(
        text_document=types.TextDocumentIdentifier(uri=uri), previous_result_id=previous))


async def test_text_documents_are_pulled_with_result_ids(client: LanguageClient, tmp_path):
    uri = (tmp_path / "script.py").as_uri()
    text = "# %%\ntotal = price * 3\n\n# %%\nprice = 10\n"
    client.text_document_did_open(types.DidOpenTextDocumentParams(
        text_document=types.TextDocumentItem(uri=uri, language_id="python", version=1, text=text)))
    await settle(client)
    assert uri not in client.diagnostics, "a pulling client is not pushed to"
    first = await _pull(client, uri)
    assert first.kind == "full" and [d.code for d in first.items] == ["NB103"]
    assert first.items[0].data["rule"] == "use-before-define"
    # Nothing changed: the server says so instead of resending.
    again = await _pull(client, uri, first.result_id)
    assert again.kind == "unchanged" and again.result_id == first.result_id
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
        content_changes=[types.TextDocumentContentChangeWholeDocument(text=text.replace("price = 10", "cost = 10"))]))
    await settle(client)
    after = await _pull(client, uri, first.result_id)
    assert after.kind == "full" and [d.code for d in after.items] == ["NB104"]
    # A settings change re-lints everything: the client is told to pull again.
    refreshes = client.diagnostic_refresh_count
    client.set_configuration({"jupyterMlops": {"ignore": ["NB104"]}})
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=None))
    await settle(client)
    await settle(client)
    assert client.diagnostic_refresh_count > refreshes
    assert list((await _pull(client, uri)).items) == []
    client.set_configuration({"jupyterMlops": {}})
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=None))
    await settle(client)
    # Unknown documents get an empty report, not an error.
    unknown = await _pull(client, "file:///nowhere/else.ipynb")
    assert list(unknown.items) == []


async def test_notebook_cells_are_pushed_even_to_pulling_clients(client: LanguageClient):
    """VS Code's language client does not pull diagnostics for notebook cells."""
    nb = NotebookDoc(client, NB_URI.replace("analysis", "pull"), ["total = price * 3", "price = 10"])
    nb.open()
    await settle(client)
    assert nb.codes(0) == ["NB103"] and nb.diagnostics(1) == []
    # A client that does pull cells gets the same answer.
    pulled = await _pull(client, nb.uris[0])
    assert [d.code for d in pulled.items] == ["NB103"]
    nb.set_text(1, "cost = 10")
    await settle(client)
    assert nb.codes(0) == ["NB104"]
    nb.close()
    await settle(client)
