"""What the server puts on the wire: a message's notifications go out in one write, and every
one of them is a complete, well-formed JSON-RPC message (driven through pygls' own protocol)."""

from __future__ import annotations

import json
import re

import pytest

pytest.importorskip("jupyter_mlops_lsp")

from jupyter_mlops_lsp.server import create_server  # noqa: E402


class Recorder:
    def __init__(self) -> None:
        self.writes: list[bytes] = []

    def write(self, data: bytes) -> None:
        self.writes.append(data)

    def close(self) -> None:
        pass


def _send(protocol, message: dict) -> None:
    protocol.handle_message(json.loads(json.dumps({"jsonrpc": "2.0", **message}),
                                       object_hook=protocol.structure_message))


def _messages(data: bytes) -> list[dict]:
    out, rest = [], data
    while rest:
        head, _, rest = rest.partition(b"\r\n\r\n")
        length = int(re.search(rb"Content-Length: (\d+)", head).group(1))
        out.append(json.loads(rest[:length]))
        rest = rest[length:]
    return out


def _open(protocol, uri: str, sources: list[str]) -> None:
    cells = [f"{uri}#C{i}" for i in range(len(sources))]
    _send(protocol, {"method": "notebookDocument/didOpen", "params": {
        "notebookDocument": {"uri": uri, "notebookType": "jupyter-notebook", "version": 1,
                             "cells": [{"kind": 2, "document": c} for c in cells]},
        "cellTextDocuments": [{"uri": c, "languageId": "python", "version": 1, "text": s}
                              for c, s in zip(cells, sources)]}})


@pytest.fixture
def protocol(tmp_path):
    server = create_server()
    protocol = server.protocol
    recorder = Recorder()
    protocol.set_writer(recorder, include_headers=True)
    _send(protocol, {"id": 1, "method": "initialize", "params": {
        "capabilities": {"notebookDocument": {"synchronization": {}}}, "rootUri": tmp_path.as_uri()}})
    recorder.writes.clear()
    return protocol, recorder


def test_opening_a_notebook_writes_every_cells_diagnostics_at_once(protocol, tmp_path):
    protocol, recorder = protocol
    uri = (tmp_path / "nb.ipynb").as_uri()
    sources = ["s = input()", 'password = "hunter2-Sup3r-S3cret!"', "x = eval(s)", "print('ok')"]
    _open(protocol, uri, sources)
    assert len(recorder.writes) == 1  # one system call, not one per cell
    sent = _messages(recorder.writes[0])
    assert [m["method"] for m in sent] == ["textDocument/publishDiagnostics"] * 4
    by_cell = {m["params"]["uri"]: m["params"]["diagnostics"] for m in sent}
    assert [d["code"] for d in by_cell[f"{uri}#C1"]] == ["NB401"]
    assert [d["code"] for d in by_cell[f"{uri}#C2"]] == ["NB405"]
    assert by_cell[f"{uri}#C0"] == [] and by_cell[f"{uri}#C3"] == []
    diag = by_cell[f"{uri}#C2"][0]
    assert diag["source"] == "jupyter-mlops" and diag["data"]["rule"] == "eval-exec"
    assert diag["range"]["start"] == {"line": 0, "character": 4}


def test_an_unchanged_finding_is_sent_the_same_after_an_edit_elsewhere(protocol, tmp_path):
    protocol, recorder = protocol
    uri = (tmp_path / "nb.ipynb").as_uri()
    _open(protocol, uri, ["s = t = input()\nx = eval(s)", "y = 1"])
    first = {m["params"]["uri"]: m["params"]["diagnostics"] for m in _messages(recorder.writes[0])}
    recorder.writes.clear()
    _send(protocol, {"method": "notebookDocument/didChange", "params": {
        "notebookDocument": {"uri": uri, "version": 2},
        "change": {"cells": {"textContent": [{
            "document": {"uri": f"{uri}#C1", "version": 2},
            "changes": [{"range": {"start": {"line": 0, "character": 4},
                                   "end": {"line": 0, "character": 5}}, "text": "eval(t)"}]}]}}}})
    after = {m["params"]["uri"]: m["params"]["diagnostics"]
             for w in recorder.writes for m in _messages(w)}
    assert [d["code"] for d in after[f"{uri}#C1"]] == ["NB405"]
    # Cell 0 did not change: it is either not re-sent or re-sent identically.
    assert after.get(f"{uri}#C0", first[f"{uri}#C0"]) == first[f"{uri}#C0"]


@pytest.mark.parametrize("uri", [
    "file:///home/ana/project/churn%20model.py",
    "vscode-notebook-cell:/home/ana/project/churn.ipynb#W1sZmlsZQ%3D%3D",
    "untitled:Untitled-1",
])
def test_lazy_text_document_matches_pygls(uri: str) -> None:
    """The server's cheaper per-cell document must look exactly like pygls' own to pygls and to
    every feature: same attributes, same path and file name, same edits."""
    from lsprotocol import types
    from pygls.workspace import TextDocument

    from jupyter_mlops_lsp.server import LazyTextDocument

    ours = LazyTextDocument(uri, source="a = 1\nb = 2\n", version=3, language_id="python")
    theirs = TextDocument(uri, source="a = 1\nb = 2\n", version=3, language_id="python")
    assert (ours.path, ours.filename) == (theirs.path, theirs.filename)
    assert set(vars(theirs)) <= set(vars(ours))  # pygls' attributes, plus the ones computed lazily
    assert {k: v for k, v in vars(ours).items() if k != "_position_codec"} == \
        {k: v for k, v in vars(theirs).items() if k != "_position_codec"}
    change = types.TextDocumentContentChangePartial(
        range=types.Range(start=types.Position(line=1, character=4), end=types.Position(line=1, character=5)),
        text="3")
    ours.apply_change(change)
    theirs.apply_change(change)
    assert ours.source == theirs.source == "a = 1\nb = 3\n"


def test_diagnostics_go_out_as_lsprotocol_writes_them() -> None:
    """The server's own serialisation of diagnostics equals lsprotocol's, key order included, for
    every kind of diagnostic it builds: findings with and without fixes, rules without a page,
    an unreadable document."""
    from lsprotocol import types
    from lsprotocol.converters import get_converter

    from jupyter_mlops.linter.engine import lint_notebook
    from jupyter_mlops.notebook import Cell, Notebook
    from jupyter_mlops_lsp import convert
    from jupyter_mlops_lsp.documents import from_text_document
    from jupyter_mlops_lsp.server import diagnostic_wire

    converter = get_converter()
    nb = Notebook(path="wire.ipynb", cells=[
        Cell(index=0, cell_type="code", source="import pickle\nfrom sklearn.model_selection import train_test_split"),
        Cell(index=1, cell_type="code", source="X_tr, X_te = train_test_split(X)\nprint(undefined_name)\n"
                                               "eval(\"1\")\ntoken = 'sk-live-1234567890abcdef1234'"),
        Cell(index=2, cell_type="code", source="def f(:\n  pass"),
    ])
    rng = types.Range(start=types.Position(line=1, character=2), end=types.Position(line=3, character=4))
    diagnostics = [convert.diagnostic(f, rng) for f in lint_notebook(nb)]
    assert len({d.code for d in diagnostics}) >= 4 and any(d.data["fix"] for d in diagnostics)
    diagnostics.append(convert.error_diagnostic(from_text_document("file:///x.ipynb", "{", "json", 1), "bad JSON"))
    diagnostics.append(types.Diagnostic(range=rng, message="plain"))
    for d in diagnostics:
        expected = converter.unstructure(d)
        assert diagnostic_wire(d) == expected
        assert json.dumps(diagnostic_wire(d)) == json.dumps(expected)  # key order too
    tagged = types.Diagnostic(range=rng, message="t", tags=[types.DiagnosticTag.Unnecessary])
    assert diagnostic_wire(tagged) is None  # left to lsprotocol
