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


async def test_pull_reports_per_cell_with_result_ids_and_refresh(client: LanguageClient):
    nb = NotebookDoc(client, NB_URI.replace("analysis", "pull"), ["total = price * 3", "price = 10"])
    nb.open()
    await settle(client)
    assert client.diagnostics == {}, "a pulling client is not pushed to"
    first = await _pull(client, nb.uris[0])
    assert first.kind == "full" and [d.code for d in first.items] == ["NB103"]
    assert first.items[0].data["rule"] == "use-before-define"
    clean = await _pull(client, nb.uris[1])
    assert clean.kind == "full" and list(clean.items) == []
    # Nothing changed: the server says so instead of resending.
    again = await _pull(client, nb.uris[0], first.result_id)
    assert again.kind == "unchanged" and again.result_id == first.result_id
    # An edit of cell 1 changes cell 0's findings: the client is told to pull again.
    refreshes = client.diagnostic_refresh_count
    nb.set_text(1, "cost = 10")
    await settle(client)
    assert client.diagnostic_refresh_count > refreshes
    after = await _pull(client, nb.uris[0], first.result_id)
    assert after.kind == "full" and [d.code for d in after.items] == ["NB104"]
    # Unknown documents get an empty report, not an error.
    unknown = await _pull(client, "file:///nowhere/else.ipynb")
    assert list(unknown.items) == []
    nb.close()
    await settle(client)
