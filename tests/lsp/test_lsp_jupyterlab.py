"""JupyterLab: registration through jupyter-lsp, and jupyterlab-lsp's one-document view of a notebook."""

from __future__ import annotations

import json
import subprocess
import sys
from importlib.metadata import entry_points
from pathlib import Path

import pytest
import pytest_lsp
from hypothesis import given, settings
from hypothesis import strategies as st
from jupyter_mlops_lsp.virtual_document import (
    is_virtual_notebook,
    split_virtual_document,
)
from lsp_client import SERVER, by_code, capabilities, install_client_handlers, settle
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

# -- what jupyterlab-lsp really sends ---------------------------------------------------------------
# Recorded from jupyterlab-lsp in a real JupyterLab by tests/browser/test_browser_lsp.py, which
# fails when the live front end sends anything else (then re-record, and check this file).
RECORDED = json.loads((Path(__file__).parent / "data" / "jupyterlab_lsp_document.json").read_text(encoding="utf-8"))
RECORDED_CODE = [src for kind, src in RECORDED["cells"] if kind == "code"]


def test_the_recorded_document_reads_back_as_the_notebooks_cells():
    text = RECORDED["text"]
    got = split_virtual_document(text)
    assert [c.source for c in got] == RECORDED_CODE
    lines = text.split("\n")
    # Untouched lines map to the same text in the document; rewritten ones are marked.
    for cell in got:
        for i, src_line in enumerate(cell.source.split("\n"), start=1):
            if i not in cell.rewritten:
                doc = lines[cell.doc_lines[i - 1]]
                assert doc[cell.shift.get(i, 0):].startswith(src_line), (cell.source, i)
    assert [sorted(c.rewritten) for c in got] == [[1, 3], [3], [], [1], []]  # magics, !ls, %%time
    # The %%time cell's body sits on its own document lines, after the opening comment.
    magic = got[3]
    assert lines[magic.doc_lines[0]].startswith("# START_CELL_MAGIC")
    assert lines[magic.doc_lines[1]] == "price = sales['price'].mean()"


def test_a_bash_cell_magic_is_restored_so_its_body_is_not_read_as_python():
    got = split_virtual_document('x = 1\n\n\n# START_CELL_MAGIC("bash", " -e")\necho $HOME | wc -l\n# END_CELL_MAGIC\n')
    assert [c.source for c in got] == ["x = 1", "%%bash -e\necho $HOME | wc -l"]
    assert got[1].doc_lines == [3, 4]


def test_the_older_run_cell_magic_form_is_read_too():
    text = 'x = 1\n\n\nget_ipython().run_cell_magic("time", "", """fit(df)\nscore = 1\n""")\n'
    got = split_virtual_document(text)
    assert [c.source for c in got] == ["x = 1", "%%time\nfit(df)\nscore = 1\n"]


def join_like_jupyterlab_lsp(cells: list[str]) -> str:
    """Plain Python cells (nothing to rewrite) joined as the recording shows: each cell's lines
    and a newline, two blank lines between cells."""
    return "\n\n".join(c + "\n" for c in cells)


def test_the_join_matches_the_recording_for_plain_cells():
    plain = [c for c in RECORDED_CODE if "%" not in c and "!" not in c]
    assert plain and all(join_like_jupyterlab_lsp([c]) in RECORDED["text"] for c in plain)
    between = RECORDED_CODE[2]  # a plain cell between two others: two blank lines each side
    assert "\n\n\n" + between + "\n\n\n" in RECORDED["text"]


line_text = st.text(alphabet=st.characters(codec="utf-8", exclude_characters="\n\r%!?\\\"'"),
                    max_size=12).filter(lambda s: s.strip() == s and not s.startswith("#"))


@st.composite
def cell_sources(draw):
    lines = draw(st.lists(line_text, min_size=1, max_size=5))
    # A cell's own text: no leading/trailing blank lines, never two blank lines in a row.
    lines = [l for i, l in enumerate(lines) if l or (i and lines[i - 1])]
    while lines and not lines[0]:
        lines.pop(0)
    while lines and not lines[-1]:
        lines.pop()
    return "\n".join(lines) or "x = 1"


@settings(max_examples=150, deadline=None)
@given(st.lists(cell_sources(), min_size=1, max_size=8))
def test_any_plain_notebook_round_trips_through_the_virtual_document(cells):
    text = join_like_jupyterlab_lsp(cells)
    got = split_virtual_document(text)
    assert [c.source for c in got] == cells
    lines = text.split("\n")
    for cell in got:
        assert [lines[i] for i in cell.doc_lines] == cell.source.split("\n")


def test_json_notebooks_and_virtual_documents_are_told_apart():
    assert is_virtual_notebook("file:///r/.virtual_documents/a.ipynb", "python", "x = 1\n")
    assert not is_virtual_notebook("file:///r/a.ipynb", "json", '{"cells": []}')
    assert not is_virtual_notebook("file:///r/a.py", "python", "x = 1")


# -- registration ----------------------------------------------------------------------------------

def test_jupyter_lsp_finds_and_validates_the_spec():
    """What jupyter-lsp's manager does with each `jupyter_lsp_spec_v1` entry point, for ours."""
    from jupyter_lsp.schema import LANGUAGE_SERVER_SPEC_MAP

    [ep] = [e for e in entry_points(group="jupyter_lsp_spec_v1") if e.name == "jupyter-mlops"]
    specs = ep.load()(None)
    assert not list(LANGUAGE_SERVER_SPEC_MAP.iter_errors(specs))
    spec = specs["jupyter-mlops"]
    assert spec["languages"] == ["python"] and spec["requires_documents_on_disk"] is False
    done = subprocess.run([*spec["argv"], "--version"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and "jupyter-mlops-lsp" in done.stdout


# -- end to end: a client that speaks like jupyterlab-lsp ----------------------------------------------

pytestmark_async = pytest.mark.asyncio(loop_scope="module")


def _jupyterlab_capabilities() -> types.ClientCapabilities:
    caps = capabilities()
    caps.notebook_document = None  # jupyterlab-lsp does not use LSP notebook sync
    return caps


@pytest_lsp.fixture(scope="module", config=ClientServerConfig(server_command=SERVER))
async def client(lsp_client: LanguageClient):
    install_client_handlers(lsp_client)
    result = await lsp_client.initialize_session(types.InitializeParams(capabilities=_jupyterlab_capabilities()))
    assert result.capabilities.notebook_document_sync is None
    yield
    await lsp_client.shutdown_session()


@pytestmark_async
async def test_findings_land_on_the_right_lines_of_the_virtual_document(client: LanguageClient, tmp_path: Path):
    root = tmp_path / "root"
    (root / "notebooks").mkdir(parents=True)
    (root / "pyproject.toml").write_text('[tool.jupyter-mlops]\nignore = ["NB104"]\n')
    text = RECORDED["text"]  # what jupyterlab-lsp sent for this notebook
    uri = (root / "notebooks" / "prices.ipynb").as_uri()
    client.text_document_did_open(types.DidOpenTextDocumentParams(text_document=types.TextDocumentItem(
        uri=uri, language_id=RECORDED["language_id"], version=1, text=text)))
    await settle(client)
    diags = list(client.diagnostics[uri])
    lines = text.split("\n")
    [d] = by_code(diags, "NB103")
    assert lines[d.range.start.line] == "total = price * 3"
    assert lines[d.range.start.line][d.range.start.character:d.range.end.character] == "price"
    # The real notebook's pyproject.toml applies (found from the notebook's path).
    assert by_code(diags, "NB104") == []
    # The restored `%pip install pandas` is understood: the unpinned install is on that line.
    pip = [x for x in diags if x.data and x.data["rule"] == "unpinned-install"]
    assert pip and all(lines[x.range.start.line].startswith("get_ipython().run_line_magic") for x in pip)
    # Hover works on the virtual document too.
    hover = await client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=uri), position=d.range.start))
    assert hover is not None and "NB103" in hover.contents.value
    # Editing the defining cell (a full-text change, as jupyterlab-lsp sends) clears the finding.
    edited = text.replace("price = sales['price'].mean()", "cost = sales['price'].mean()")
    assert edited != text
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
        content_changes=[types.TextDocumentContentChangeWholeDocument(text=edited)]))
    await settle(client)
    assert by_code(list(client.diagnostics[uri]), "NB103") == []
    client.text_document_did_close(types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri)))
    await settle(client)
    assert list(client.diagnostics[uri]) == []


def test_server_help_runs():
    done = subprocess.run([sys.executable, "-m", "jupyter_mlops_lsp", "--help"], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0 and "--tcp" in done.stdout
