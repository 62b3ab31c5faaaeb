"""A real LSP client (pytest-lsp) for the jupyter-mlops language server, and notebook helpers."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Sequence
from typing import Any, Union

from lsprotocol import types
from pytest_lsp import LanguageClient

SERVER = [sys.executable, "-m", "jupyter_mlops_lsp"]
NB_URI = "file:///tmp/jupyter-mlops-lsp-tests/analysis.ipynb"


def capabilities(pull: bool = False, show_document: bool = True) -> types.ClientCapabilities:
    """What VS Code declares, reduced to what the server looks at: notebook sync included."""
    return types.ClientCapabilities(
        general=types.GeneralClientCapabilities(position_encodings=[types.PositionEncodingKind.Utf16]),
        notebook_document=types.NotebookDocumentClientCapabilities(
            synchronization=types.NotebookDocumentSyncClientCapabilities(execution_summary_support=True)),
        text_document=types.TextDocumentClientCapabilities(
            synchronization=types.TextDocumentSyncClientCapabilities(did_save=True),
            publish_diagnostics=types.PublishDiagnosticsClientCapabilities(code_description_support=True,
                                                                          data_support=True),
            hover=types.HoverClientCapabilities(content_format=[types.MarkupKind.Markdown]),
            code_action=types.CodeActionClientCapabilities(is_preferred_support=True, data_support=True),
            diagnostic=types.DiagnosticClientCapabilities() if pull else None,
        ),
        workspace=types.WorkspaceClientCapabilities(
            configuration=True, apply_edit=True,
            did_change_configuration=types.DidChangeConfigurationClientCapabilities(),
            did_change_watched_files=types.DidChangeWatchedFilesClientCapabilities(dynamic_registration=True),
            diagnostics=types.DiagnosticWorkspaceClientCapabilities(refresh_support=True) if pull else None,
        ),
        window=types.WindowClientCapabilities(
            show_document=types.ShowDocumentClientCapabilities(support=show_document)),
    )


def install_client_handlers(client: LanguageClient) -> None:
    """Requests a real editor answers: applyEdit (recorded and accepted), registerCapability."""
    client.applied_edits = []  # type: ignore[attr-defined]
    client.registrations = []  # type: ignore[attr-defined]
    converter = client.protocol._converter

    # lsprotocol 2025.0 reads any code action that carries a `command` as a bare Command;
    # a Command's `command` is a string, a CodeAction's is an object (VS Code tells them apart so).
    def code_action_or_command(obj: Any, _: type) -> Any:
        if isinstance(obj.get("command"), str):
            return converter.structure(obj, types.Command)
        return converter.structure(obj, types.CodeAction)

    converter.register_structure_hook(Union[types.Command, types.CodeAction], code_action_or_command)

    @client.feature(types.WORKSPACE_APPLY_EDIT)
    def apply_edit(params: types.ApplyWorkspaceEditParams):
        client.applied_edits.append(params.edit)  # type: ignore[attr-defined]
        return types.ApplyWorkspaceEditResult(applied=True)

    @client.feature(types.CLIENT_REGISTER_CAPABILITY)
    def register(params: types.RegistrationParams):
        client.registrations.extend(params.registrations)  # type: ignore[attr-defined]


async def settle(client: LanguageClient) -> None:
    """Round-trip a request: every notification the server sent before it has arrived."""
    await client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri="file:///__settle__.py"),
        position=types.Position(line=0, character=0)))


def cell_uri(nb_uri: str, i: int, salt: str = "") -> str:
    return f"vscode-notebook-cell:{nb_uri.removeprefix('file://')}#{salt}C{i}"


class NotebookDoc:
    """A notebook as the client holds it: cell URIs, kinds and texts, with versions."""

    def __init__(self, client: LanguageClient, uri: str, sources: Sequence[str],
                 kinds: Sequence[str] | None = None, salt: str = "") -> None:
        self.client, self.uri, self.version, self.salt = client, uri, 1, salt
        self.counter = len(sources)
        self.uris = [cell_uri(uri, i, salt) for i in range(len(sources))]
        self.kinds = list(kinds or ["code"] * len(sources))
        self.texts = list(sources)
        self.versions = [1] * len(sources)

    def _cell(self, i: int) -> types.NotebookCell:
        kind = types.NotebookCellKind.Code if self.kinds[i] == "code" else types.NotebookCellKind.Markup
        return types.NotebookCell(kind=kind, document=self.uris[i])

    def _item(self, i: int) -> types.TextDocumentItem:
        lang = "python" if self.kinds[i] == "code" else "markdown"
        return types.TextDocumentItem(uri=self.uris[i], language_id=lang, version=self.versions[i],
                                      text=self.texts[i])

    def open(self) -> None:
        self.client.notebook_document_did_open(types.DidOpenNotebookDocumentParams(
            notebook_document=types.NotebookDocument(
                uri=self.uri, notebook_type="jupyter-notebook", version=self.version,
                cells=[self._cell(i) for i in range(len(self.uris))]),
            cell_text_documents=[self._item(i) for i in range(len(self.uris))]))

    def set_text(self, i: int, text: str) -> None:
        """Replace a cell's whole text (one incremental change, as editors send)."""
        old = self.texts[i].split("\n")
        self.texts[i] = text
        self.versions[i] += 1
        self.version += 1
        change = types.TextDocumentContentChangePartial(
            range=types.Range(start=types.Position(line=0, character=0),
                              end=types.Position(line=len(old) - 1, character=len(old[-1]))),
            text=text)
        self.client.notebook_document_did_change(types.DidChangeNotebookDocumentParams(
            notebook_document=types.VersionedNotebookDocumentIdentifier(uri=self.uri, version=self.version),
            change=types.NotebookDocumentChangeEvent(cells=types.NotebookDocumentCellChanges(
                text_content=[types.NotebookDocumentCellContentChanges(
                    document=types.VersionedTextDocumentIdentifier(uri=self.uris[i], version=self.versions[i]),
                    changes=[change])]))))

    def apply(self, edit: types.WorkspaceEdit) -> None:
        """Apply a workspace edit the server produced, the way an editor would, then sync it."""
        for doc_edit in edit.document_changes or []:
            i = self.uris.index(doc_edit.text_document.uri)
            self.set_text(i, apply_text_edits(self.texts[i], doc_edit.edits))

    def insert_cell(self, at: int, text: str, kind: str = "code") -> None:
        uri = cell_uri(self.uri, self.counter, self.salt)
        self.counter += 1
        self.uris.insert(at, uri)
        self.kinds.insert(at, kind)
        self.texts.insert(at, text)
        self.versions.insert(at, 1)
        self.version += 1
        self.client.notebook_document_did_change(types.DidChangeNotebookDocumentParams(
            notebook_document=types.VersionedNotebookDocumentIdentifier(uri=self.uri, version=self.version),
            change=types.NotebookDocumentChangeEvent(cells=types.NotebookDocumentCellChanges(
                structure=types.NotebookDocumentCellChangeStructure(
                    array=types.NotebookCellArrayChange(start=at, delete_count=0, cells=[self._cell(at)]),
                    did_open=[self._item(at)])))))

    def delete_cell(self, at: int) -> None:
        uri = self.uris.pop(at)
        self.kinds.pop(at)
        self.texts.pop(at)
        self.versions.pop(at)
        self.version += 1
        self.client.notebook_document_did_change(types.DidChangeNotebookDocumentParams(
            notebook_document=types.VersionedNotebookDocumentIdentifier(uri=self.uri, version=self.version),
            change=types.NotebookDocumentChangeEvent(cells=types.NotebookDocumentCellChanges(
                structure=types.NotebookDocumentCellChangeStructure(
                    array=types.NotebookCellArrayChange(start=at, delete_count=1),
                    did_close=[types.TextDocumentIdentifier(uri=uri)])))))

    def set_tags(self, i: int, tags: list[str]) -> None:
        self.version += 1
        cell = self._cell(i)
        cell.metadata = {"tags": tags}
        self.client.notebook_document_did_change(types.DidChangeNotebookDocumentParams(
            notebook_document=types.VersionedNotebookDocumentIdentifier(uri=self.uri, version=self.version),
            change=types.NotebookDocumentChangeEvent(cells=types.NotebookDocumentCellChanges(data=[cell]))))

    def close(self) -> None:
        self.client.notebook_document_did_close(types.DidCloseNotebookDocumentParams(
            notebook_document=types.NotebookDocumentIdentifier(uri=self.uri),
            cell_text_documents=[types.TextDocumentIdentifier(uri=u) for u in self.uris]))

    def diagnostics(self, i: int) -> list[types.Diagnostic]:
        return list(self.client.diagnostics.get(self.uris[i], []))

    def codes(self, i: int) -> list[str]:
        return sorted(str(d.code) for d in self.diagnostics(i))


def offset(text: str, pos: types.Position) -> int:
    lines = text.split("\n")
    line = min(pos.line, len(lines) - 1)
    # UTF-16 columns; tests use ASCII or convert explicitly.
    units = lines[line].encode("utf-16-le")
    col = len(units[: pos.character * 2].decode("utf-16-le", "ignore"))
    return sum(len(l) + 1 for l in lines[:line]) + min(col, len(lines[line]))


def apply_text_edits(text: str, edits: Sequence[types.TextEdit]) -> str:
    spans = sorted(((offset(text, e.range.start), offset(text, e.range.end), e.new_text) for e in edits),
                   reverse=True)
    for start, end, new in spans:
        text = text[:start] + new + text[end:]
    return text


async def open_text(client: LanguageClient, uri: str, text: str, language: str = "python") -> None:
    client.text_document_did_open(types.DidOpenTextDocumentParams(
        text_document=types.TextDocumentItem(uri=uri, language_id=language, version=1, text=text)))
    await settle(client)


def by_code(diags: Sequence[types.Diagnostic], code: str) -> list[types.Diagnostic]:
    return [d for d in diags if d.code == code]


def send_raw(client: LanguageClient, message: dict) -> None:
    """Write a JSON-RPC message as given, bypassing the client's typed serialisation."""
    import inspect
    import json

    body = json.dumps({"jsonrpc": "2.0", **message}).encode("utf-8")
    res = client.protocol.writer.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
    if inspect.isawaitable(res):
        asyncio.ensure_future(res)


async def raw_request(client: LanguageClient, method: str, params: Any) -> Any:
    import uuid

    msg_id = str(uuid.uuid4())
    future = asyncio.get_running_loop().create_future()
    client.protocol._request_futures[msg_id] = future
    send_raw(client, {"id": msg_id, "method": method, "params": params})
    return await asyncio.wait_for(future, 30)


def raw_notify(client: LanguageClient, method: str, params: Any) -> None:
    send_raw(client, {"method": method, "params": params})
