"""The language server: LSP features wired to the session, one small function each."""

from __future__ import annotations

import asyncio
import functools
import inspect
import json
import logging
import os
import threading
from collections.abc import Callable
from functools import cached_property
from typing import Any
from urllib.parse import unquote, urlparse

from lsprotocol import types
from pygls.exceptions import JsonRpcException, JsonRpcInternalError, JsonRpcInvalidParams
from pygls.lsp.server import LanguageServer
from pygls.protocol import LanguageServerProtocol
from pygls.uris import to_fs_path
from pygls.workspace import PositionCodec, TextDocument, Workspace

from jupyter_mlops._version import __version__

from . import documents
from .collector import IdleCollector
from .session import ADD_CELL_TAG, FIX_ALL_KIND, Session, explain_result
from .settings import SECTION

log = logging.getLogger(__name__)

FIX_ALL = "jupyter-mlops.fixAll"
EXPLAIN = "jupyter-mlops.explain"
NOTEBOOK_TYPES = ("jupyter-notebook", "interactive")


class MlopsProtocol(LanguageServerProtocol):
    """pygls' protocol, answering malformed params, writing each message's replies at once and
    collecting garbage when the editor is quiet."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.collector = IdleCollector()
        self._batch: list[bytes] | None = None
        self._batch_thread: int | None = None
        self._wire: dict[int, tuple[types.Diagnostic, str]] = {}  # id -> (diagnostic, its JSON)

    def handle_message(self, message: Any) -> Any:
        # Opening a notebook publishes one notification per cell: written together, that is one
        # system call instead of hundreds, and the client reads them in one go.
        if self._batch is not None:
            return super().handle_message(message)
        self._batch, self._batch_thread = [], threading.get_ident()
        collecting = self.collector.pause()
        try:
            return super().handle_message(message)
        finally:
            pending, self._batch, self._batch_thread = self._batch, None, None
            try:
                if pending:
                    self._write(b"".join(pending))
            finally:
                self.collector.resume(collecting)

    def _batching(self) -> bool:
        """Is this thread handling a message whose replies are written together? Over a
        websocket (no headers) each message must stay its own frame, so never there."""
        return self._batch is not None and self._batch_thread == threading.get_ident() \
            and self._include_headers

    def _write(self, data: bytes) -> None:
        if self.writer is None:
            return
        res = self.writer.write(data)
        if inspect.isawaitable(res):
            asyncio.ensure_future(res)

    def _send_data(self, data: Any) -> None:
        if not self._batching():
            super()._send_data(data)
            return
        if not data:
            return
        try:
            body = json.dumps(data, default=self._serialize_message)
        except Exception as error:
            log.exception("Error serialising a message")
            self._server._report_server_error(error, JsonRpcInternalError)
            return
        self._append(body)

    def _append(self, body: str) -> None:
        assert self._batch is not None
        # json.dumps escapes non-ASCII, so the body's length in characters is its length in bytes.
        self._batch.append((f"Content-Length: {len(body)}\r\n"
                            f"Content-Type: {self.CONTENT_TYPE}; charset={self.CHARSET}\r\n\r\n{body}"
                            ).encode(self.CHARSET))

    def publish_diagnostics(self, uri: str, diagnostics: list[types.Diagnostic]) -> None:
        """`textDocument/publishDiagnostics`, with each diagnostic serialised once: a notebook's
        unchanged findings keep their Diagnostic objects between edits (see Session.lint)."""
        if not self._batching():
            self.notify(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS,
                        types.PublishDiagnosticsParams(uri=uri, diagnostics=diagnostics))
            return
        wire = self._wire
        parts = []
        for d in diagnostics:
            hit = wire.get(id(d))
            if hit is None or hit[0] is not d:
                if len(wire) > 50_000:
                    wire.clear()
                hit = wire[id(d)] = (d, json.dumps(diagnostic_wire(d) or self._converter.unstructure(d)))
            parts.append(hit[1])
        self._append(f'{{"jsonrpc": "2.0", "method": "{types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS}", '
                     f'"params": {{"uri": {json.dumps(uri)}, "diagnostics": [{", ".join(parts)}]}}}}')

    def structure_message(self, data: Any) -> Any:
        try:
            return super().structure_message(data)
        except JsonRpcException as exc:
            # pygls only logs a request whose params do not deserialise; the client would wait
            # forever. Answer it with the JSON-RPC error (-32602 Invalid Params).
            if isinstance(data, dict) and "id" in data and "method" in data:
                error = exc.to_response_error()
                error.message = f"{error.message}: malformed params for {data['method']}"
                self._send_response(data["id"], error=error)
            raise


class MlopsLanguageServer(LanguageServer):
    session: Session

    def report_server_error(self, error: Exception, source: Any) -> None:
        # A bad message from the client must not pop up errors in the user's face; log it.
        log.error("%s: %s", getattr(source, "__name__", source), error)
        try:
            self.window_log_message(types.LogMessageParams(type=types.MessageType.Error,
                                                           message=f"jupyter-mlops: {error}"))
        except Exception:  # the connection itself may be what failed
            pass


class LazyTextDocument(TextDocument):
    """pygls' text document, working out its file path only when something asks for it.

    Opening a notebook creates one per cell, and pygls parses each cell's URI twice to find a
    path that a `vscode-notebook-cell:` URI does not have: on a 300-cell notebook that costs
    more than linting a tenth of it. Same attributes as `TextDocument.__init__` sets
    (tests/lsp/test_lsp_wire.py compares them)."""

    def __init__(self, uri: str, source: str | None = None, version: int | None = None,
                 language_id: str | None = None, local: bool = True,
                 sync_kind: types.TextDocumentSyncKind = types.TextDocumentSyncKind.Incremental,
                 position_codec: PositionCodec | None = None) -> None:
        self.uri = uri
        self.version = version
        self.language_id = language_id
        self._local = local
        self._source = source
        self._is_sync_kind_full = sync_kind == types.TextDocumentSyncKind.Full
        self._is_sync_kind_incremental = sync_kind == types.TextDocumentSyncKind.Incremental
        self._is_sync_kind_none = sync_kind == types.TextDocumentSyncKind.None_
        self._position_codec = position_codec if position_codec else PositionCodec()

    @cached_property
    def path(self) -> str:  # type: ignore[override]
        found = to_fs_path(self.uri)
        return found if found is not None else urlparse(self.uri).path

    @cached_property
    def filename(self) -> str:  # type: ignore[override]
        return os.path.basename(self.path)


class MlopsWorkspace(Workspace):
    def _create_text_document(self, doc_uri: str, source: str | None = None, version: int | None = None,
                              language_id: str | None = None) -> TextDocument:
        return LazyTextDocument(doc_uri, source=source, version=version, language_id=language_id,
                                sync_kind=self._sync_kind, position_codec=self._position_codec)

    def put_notebook_document(self, params: types.DidOpenNotebookDocumentParams) -> None:
        # pygls deep-copies the notebook "so it cannot be modified by accident"; the params were
        # just decoded for this message and nothing else holds them, so the copy (tens of ms on
        # a large notebook) protects nothing.
        notebook = params.notebook_document
        self._notebook_documents[unquote(notebook.uri)] = notebook
        for cell_document in params.cell_text_documents:
            self.put_text_document(cell_document, notebook_uri=notebook.uri)


def diagnostic_wire(d: types.Diagnostic) -> dict[str, Any] | None:
    """What lsprotocol's converter makes of a diagnostic the session builds (same keys, same
    order; tests/lsp/test_lsp_wire.py compares them), without its generic machinery: opening
    a notebook serialises every finding. None for fields the session never sets."""
    if d.tags or d.related_information or type(d.code) not in (str, type(None)):
        return None
    start, end = d.range.start, d.range.end
    out: dict[str, Any] = {"range": {"start": {"line": start.line, "character": start.character},
                                     "end": {"line": end.line, "character": end.character}},
                           "message": d.message}
    if d.severity is not None:
        out["severity"] = d.severity.value
    if d.code is not None:
        out["code"] = d.code
    if d.code_description is not None:
        out["codeDescription"] = {"href": d.code_description.href}
    if d.source is not None:
        out["source"] = d.source
    if d.data is not None:
        out["data"] = d.data
    return out


def guarded(fn: Callable) -> Callable:
    """Notifications: an unexpected error is logged, never allowed to stop the server."""

    @functools.wraps(fn)
    def wrapper(ls: MlopsLanguageServer, params: Any) -> None:
        try:
            fn(ls, params)
        except Exception as exc:
            log.exception("jupyter-mlops: %s failed", fn.__name__)
            ls.window_log_message(types.LogMessageParams(
                type=types.MessageType.Error, message=f"jupyter-mlops: {fn.__name__} failed: {exc!r}"))

    return wrapper


def _text_of(ls: MlopsLanguageServer) -> Callable[[str], tuple[str, str | None, int | None]]:
    docs = ls.workspace.text_documents

    def text_of(uri: str) -> tuple[str, str | None, int | None]:
        doc = docs.get(uri) if "%" not in uri else (docs.get(unquote(uri)) or docs.get(uri))
        if doc is None:
            return "", None, None
        return doc.source, doc.language_id, doc.version

    return text_of


def _refresh_notebook(ls: MlopsLanguageServer, uri: str, touched: set[str] | None) -> None:
    nb = ls.workspace.get_notebook_document(notebook_uri=uri)
    if nb is None:
        return
    view = documents.from_notebook_document(nb, _text_of(ls), ls.session.views.get(uri))
    ls.session.put(view, touched)


def _refresh_text(ls: MlopsLanguageServer, uri: str) -> None:
    doc = ls.workspace.text_documents.get(unquote(uri)) or ls.workspace.text_documents.get(uri)
    if doc is None:
        return
    view = documents.from_text_document(uri, doc.source, doc.language_id, doc.version)
    ls.session.put(view, {uri})


def _refresh_pulls(ls: MlopsLanguageServer) -> None:
    """Pulling clients learn that documents they did not edit have new diagnostics."""
    caps = ls.client_capabilities.workspace
    if not ls.session.push and caps and caps.diagnostics and caps.diagnostics.refresh_support:
        ls.workspace_diagnostic_refresh(None)


def create_server() -> MlopsLanguageServer:
    cell_filters = [types.NotebookCellLanguage(language="python")]
    server = MlopsLanguageServer(
        "jupyter-mlops", __version__, protocol_cls=MlopsProtocol,
        text_document_sync_kind=types.TextDocumentSyncKind.Incremental,
        notebook_document_sync=types.NotebookDocumentSyncOptions(
            notebook_selector=[
                types.NotebookDocumentFilterWithCells(
                    notebook=types.NotebookDocumentFilterNotebookType(notebook_type=t), cells=cell_filters)
                for t in NOTEBOOK_TYPES
            ],
            save=True,
        ),
    )

    def send(uri: str, diags: list[types.Diagnostic]) -> None:
        server.protocol.publish_diagnostics(uri, diags)

    def notify(message: str, kind: types.MessageType) -> None:
        server.window_show_message(types.ShowMessageParams(type=kind, message=message))

    server.session = Session(send, notify)
    server.session.on_relint = lambda: _refresh_pulls(server)

    # -- lifecycle -------------------------------------------------------------------------
    @server.feature(types.INITIALIZE)
    def initialize(ls: MlopsLanguageServer, params: types.InitializeParams) -> None:
        session = ls.session
        if type(ls.workspace) is Workspace:
            ls.workspace.__class__ = MlopsWorkspace  # pygls builds it before this handler runs
        session.encoding = ls.workspace.position_encoding
        caps = params.capabilities.text_document
        session.push = not (caps is not None and caps.diagnostic is not None)
        options = params.initialization_options
        if isinstance(options, dict):
            commands = options.get("clientCommands")
            if isinstance(commands, list):
                session.client_commands = {c for c in commands if isinstance(c, str)}
            settings = options.get("settings", options.get(SECTION))
            if settings is not None:
                session.set_settings(settings)

    @server.feature(types.INITIALIZED)
    async def initialized(ls: MlopsLanguageServer, params: types.InitializedParams) -> None:
        caps = ls.client_capabilities.workspace
        if caps and caps.did_change_watched_files and caps.did_change_watched_files.dynamic_registration:
            try:
                await ls.client_register_capability_async(types.RegistrationParams(registrations=[
                    types.Registration(
                        id="jupyter-mlops-pyproject", method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
                        register_options=types.DidChangeWatchedFilesRegistrationOptions(watchers=[
                            types.FileSystemWatcher(glob_pattern="**/pyproject.toml")]),
                    )]))
            except Exception as exc:  # a client that refuses is still a client we can serve
                log.warning("could not register the pyproject.toml watcher: %s", exc)
        await _pull_settings(ls)

    async def _pull_settings(ls: MlopsLanguageServer) -> None:
        caps = ls.client_capabilities.workspace
        if not (caps and caps.configuration):
            return
        try:
            values = await ls.workspace_configuration_async(
                types.ConfigurationParams(items=[types.ConfigurationItem(section=SECTION)]))
        except Exception as exc:
            log.warning("workspace/configuration failed: %s", exc)
            return
        if values and ls.session.set_settings(values[0]):
            ls.session.relint_all()

    @server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
    async def did_change_configuration(ls: MlopsLanguageServer, params: types.DidChangeConfigurationParams) -> None:
        caps = ls.client_capabilities.workspace
        if caps and caps.configuration:
            await _pull_settings(ls)
        elif ls.session.set_settings(params.settings):
            ls.session.relint_all()

    @server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    @guarded
    def did_change_watched_files(ls: MlopsLanguageServer, params: types.DidChangeWatchedFilesParams) -> None:
        ls.session.resolver.invalidate()
        ls.session.relint_all()

    # -- notebooks -------------------------------------------------------------------------
    @server.feature(types.NOTEBOOK_DOCUMENT_DID_OPEN)
    @guarded
    def notebook_did_open(ls: MlopsLanguageServer, params: types.DidOpenNotebookDocumentParams) -> None:
        _refresh_notebook(ls, params.notebook_document.uri, None)

    @server.feature(types.NOTEBOOK_DOCUMENT_DID_CHANGE)
    @guarded
    def notebook_did_change(ls: MlopsLanguageServer, params: types.DidChangeNotebookDocumentParams) -> None:
        touched: set[str] = set()
        cells = params.change.cells
        if cells is not None:
            touched |= {t.document.uri for t in cells.text_content or []}
            touched |= {d.document for d in cells.data or []}
            if cells.structure is not None:
                touched |= {d.uri for d in cells.structure.did_open or []}
        _refresh_notebook(ls, params.notebook_document.uri, touched)

    @server.feature(types.NOTEBOOK_DOCUMENT_DID_SAVE)
    @guarded
    def notebook_did_save(ls: MlopsLanguageServer, params: types.DidSaveNotebookDocumentParams) -> None:
        # Saving often follows a pyproject.toml edit the client did not report: look again.
        ls.session.resolver.invalidate()
        _refresh_notebook(ls, params.notebook_document.uri, set())
        ls.session.relint_all()

    @server.feature(types.NOTEBOOK_DOCUMENT_DID_CLOSE)
    @guarded
    def notebook_did_close(ls: MlopsLanguageServer, params: types.DidCloseNotebookDocumentParams) -> None:
        ls.session.drop(params.notebook_document.uri)

    # -- text documents --------------------------------------------------------------------
    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    @guarded
    def did_open(ls: MlopsLanguageServer, params: types.DidOpenTextDocumentParams) -> None:
        _refresh_text(ls, params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    @guarded
    def did_change(ls: MlopsLanguageServer, params: types.DidChangeTextDocumentParams) -> None:
        _refresh_text(ls, params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    @guarded
    def did_save(ls: MlopsLanguageServer, params: types.DidSaveTextDocumentParams) -> None:
        uri = params.text_document.uri
        if uri.endswith("pyproject.toml"):
            ls.session.resolver.invalidate()
            ls.session.relint_all()
        elif uri in ls.session.views:
            _refresh_text(ls, uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    @guarded
    def did_close(ls: MlopsLanguageServer, params: types.DidCloseTextDocumentParams) -> None:
        ls.session.drop(params.text_document.uri)

    # -- features --------------------------------------------------------------------------
    @server.feature(types.TEXT_DOCUMENT_DIAGNOSTIC,
                    types.DiagnosticOptions(identifier="jupyter-mlops", inter_file_dependencies=False,
                                            workspace_diagnostics=False))
    def pull_diagnostics(ls: MlopsLanguageServer, params: types.DocumentDiagnosticParams):
        return ls.session.pull(params.text_document.uri, params.previous_result_id)

    @server.feature(types.TEXT_DOCUMENT_HOVER)
    def hover(ls: MlopsLanguageServer, params: types.HoverParams) -> types.Hover | None:
        return ls.session.hover(params.text_document.uri, params.position)

    @server.feature(types.TEXT_DOCUMENT_CODE_ACTION, types.CodeActionOptions(
        code_action_kinds=[types.CodeActionKind.QuickFix, FIX_ALL_KIND]))
    def code_action(ls: MlopsLanguageServer, params: types.CodeActionParams) -> list[types.CodeAction]:
        return ls.session.code_actions(params.text_document.uri, params.range, params.context.only)

    # -- commands --------------------------------------------------------------------------
    @server.command(FIX_ALL)
    async def fix_all(ls: MlopsLanguageServer, *args: Any) -> dict[str, Any]:
        """Arguments: a notebook, cell or document URI; optionally `true` to apply unsafe fixes too."""
        uri = args[0] if args else None
        if isinstance(uri, dict):
            uri = uri.get("uri")
        unsafe = bool(args[1]) if len(args) > 1 else False
        if not isinstance(uri, str):
            raise JsonRpcInvalidParams(f"{FIX_ALL} expects a document URI as its first argument")
        view = ls.session.view_of(uri)
        if view is None:
            raise JsonRpcInvalidParams(f"{FIX_ALL}: {uri} is not an open notebook")
        edit, applied, remaining = ls.session.fix_all_edit(view, unsafe)
        result: dict[str, Any] = {"applied": applied, "remaining": remaining, "edited": False}
        if edit is not None and edit.document_changes:
            reply = await ls.workspace_apply_edit_async(
                types.ApplyWorkspaceEditParams(edit=edit, label="jupyter-mlops: fix all"))
            result["edited"] = bool(reply and reply.applied)
        return result

    @server.command(EXPLAIN)
    async def explain(ls: MlopsLanguageServer, *args: Any) -> dict[str, Any]:
        """Argument: a rule code or name. Opens the rule's page when the client can show one."""
        if not args or not isinstance(args[0], str):
            raise JsonRpcInvalidParams(f"{EXPLAIN} expects a rule code or name")
        try:
            info = explain_result(args[0])
        except ValueError as exc:
            raise JsonRpcInvalidParams(str(exc)) from None
        window = ls.client_capabilities.window
        if window and window.show_document and window.show_document.support:
            try:
                await ls.window_show_document_async(types.ShowDocumentParams(uri=info["url"], external=True))
            except Exception as exc:
                log.warning("window/showDocument failed: %s", exc)
        else:
            ls.window_show_message(types.ShowMessageParams(
                type=types.MessageType.Info, message=f"{info['code']} {info['name']}: {info['summary']} ({info['url']})"))
        return info

    return server


__all__ = ["ADD_CELL_TAG", "EXPLAIN", "FIX_ALL", "MlopsLanguageServer", "create_server"]
