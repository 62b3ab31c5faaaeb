"""The language server over stdio, driven by a real LSP client with notebook support (VS Code's way).

One server serves the whole module; each test uses its own notebook URIs.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import pytest_lsp
from lsp_client import (
    NB_URI,
    SERVER,
    NotebookDoc,
    apply_text_edits,
    by_code,
    capabilities,
    install_client_handlers,
    settle,
)
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

from jupyter_mlops.linter.config import LintConfig
from jupyter_mlops.linter.engine import lint_notebook
from jupyter_mlops.linter.findings import Applicability
from jupyter_mlops.linter.lessons import example_notebook
from jupyter_mlops.linter.registry import all_rules

pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_lsp.fixture(scope="module", config=ClientServerConfig(server_command=SERVER))
async def client(lsp_client: LanguageClient):
    install_client_handlers(lsp_client)
    result = await lsp_client.initialize_session(types.InitializeParams(
        capabilities=capabilities(),
        initialization_options={"clientCommands": ["jupyterMlops.addCellTag"]}))
    lsp_client.init_result = result  # type: ignore[attr-defined]
    yield
    await lsp_client.shutdown_session()


def nb_uri(name: str) -> str:
    return NB_URI.replace("analysis", name)


async def test_initialize_advertises_notebook_sync_and_features(client: LanguageClient):
    caps = client.init_result.capabilities  # type: ignore[attr-defined]
    selector = caps.notebook_document_sync.notebook_selector
    assert any(getattr(f.notebook, "notebook_type", f.notebook) == "jupyter-notebook" for f in selector)
    assert caps.hover_provider and caps.code_action_provider and caps.diagnostic_provider
    assert "jupyter-mlops.fixAll" in caps.execute_command_provider.commands
    assert "jupyter-mlops.explain" in caps.execute_command_provider.commands
    assert client.init_result.server_info.name == "jupyter-mlops"  # type: ignore[attr-defined]


async def test_open_publishes_findings_per_cell_and_empty_lists_for_clean_cells(client: LanguageClient):
    nb = NotebookDoc(client, nb_uri("open"), ["total = price * 3", "# Title", "price = 10"],
                     ["code", "markdown", "code"])
    nb.open()
    await settle(client)
    [d] = by_code(nb.diagnostics(0), "NB103")
    assert (d.range.start.line, d.range.start.character, d.range.end.character) == (0, 8, 13)
    assert d.severity == types.DiagnosticSeverity.Error
    assert d.source == "jupyter-mlops"
    assert d.data["rule"] == "use-before-define" and d.data["cell"] == 0
    assert "use-before-define" in d.code_description.href
    assert "cell 3" in d.message
    # The clean code cell is published too, with an empty list; markdown gets nothing.
    assert nb.uris[2] in client.diagnostics and nb.diagnostics(2) == []
    assert nb.uris[1] not in client.diagnostics
    nb.close()
    await settle(client)


async def test_cross_cell_findings_follow_edits_of_other_cells(client: LanguageClient):
    nb = NotebookDoc(client, nb_uri("cross"), ["prices = [1.0, 2.0]", "prices += [3.0]", "total = sum(prices)",
                                               "rate = 0.2"])
    nb.open()
    await settle(client)
    assert nb.codes(1) == ["NB105"]
    # Rename the definition in cell 0: cell 1 changes although only cell 0 was edited.
    nb.set_text(0, "costs = [1.0, 2.0]")
    await settle(client)
    assert nb.codes(1) == ["NB104"]
    # Cell 3 starts to read a name defined in cell 2: cell 3's marks follow; then cell 2 moves
    # the definition away and cell 3 changes again.
    nb.set_text(3, "rate = total * 0.2")
    await settle(client)
    assert nb.codes(3) == []
    nb.set_text(2, "grand = sum(costs)")
    await settle(client)
    assert nb.codes(3) == ["NB104"]
    # Put things back: stale marks are cleared with empty lists.
    nb.set_text(0, "prices = [1.0, 2.0]")
    nb.set_text(2, "total = sum(prices)")
    await settle(client)
    assert nb.codes(1) == ["NB105"] and nb.codes(2) == [] and nb.codes(3) == []
    nb.close()
    await settle(client)


async def test_inserting_and_deleting_cells_updates_and_clears(client: LanguageClient):
    nb = NotebookDoc(client, nb_uri("structure"), ["y = x + 1", "print(y)"], salt="s")
    nb.open()
    await settle(client)
    assert "NB104" in nb.codes(0)
    nb.insert_cell(0, "x = 41")
    await settle(client)
    assert nb.codes(1) == [] and nb.codes(0) == []
    deleted = nb.uris[1]
    nb.set_text(1, "y = x + 1\nz = undefined_thing")
    await settle(client)
    assert nb.codes(1) == ["NB104"]
    nb.delete_cell(1)  # the cell with the finding goes away: its marks must too
    await settle(client)
    assert list(client.diagnostics.get(deleted)) == []
    nb.close()
    await settle(client)


async def test_close_clears_diagnostics(client: LanguageClient):
    nb = NotebookDoc(client, nb_uri("close"), ["print(missing)"])
    nb.open()
    await settle(client)
    assert nb.codes(0) == ["NB104"]
    nb.close()
    await settle(client)
    assert nb.diagnostics(0) == []


async def test_unparsable_cell_gives_a_diagnostic_and_the_rest_still_works(client: LanguageClient):
    nb = NotebookDoc(client, nb_uri("syntax"), ['print "accuracy:", 0.9', "total = price"])
    nb.open()
    await settle(client)
    assert "NB001" in nb.codes(0)
    assert "NB104" in nb.codes(1)
    nb.close()
    await settle(client)


async def test_hover_shows_the_rule_lesson(client: LanguageClient):
    nb = NotebookDoc(client, nb_uri("hover"), ["total = price * 3", "price = 10"])
    nb.open()
    await settle(client)
    hover = await client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=nb.uris[0]), position=types.Position(line=0, character=10)))
    assert hover is not None and hover.contents.kind == types.MarkupKind.Markdown
    text = hover.contents.value
    assert "NB103" in text and "## Why is this bad?" in text and "## Use instead" in text
    nothing = await client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=nb.uris[1]), position=types.Position(line=0, character=1)))
    assert nothing is None
    nb.close()
    await settle(client)


async def _actions(client: LanguageClient, uri: str, diag: types.Diagnostic,
                   only: list[str] | None = None) -> list[types.CodeAction]:
    return await client.text_document_code_action_async(types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri=uri), range=diag.range,
        context=types.CodeActionContext(diagnostics=[diag], only=only)))


async def test_code_actions_suppress_on_the_line_in_the_cell_and_explain(client: LanguageClient):
    nb = NotebookDoc(client, nb_uri("actions"), ["total = price * 3", "price = 10", "x = missing"])
    nb.open()
    await settle(client)
    [d] = by_code(nb.diagnostics(0), "NB103")
    actions = await _actions(client, nb.uris[0], d)
    titles = [a.title for a in actions]
    line = next(a for a in actions if "this line" in a.title)
    cell = next(a for a in actions if "this cell" in a.title)
    explain = next(a for a in actions if a.title.startswith("Explain"))
    assert cell.command.command == "jupyterMlops.addCellTag"
    assert list(cell.command.arguments) == [nb.uri, 0, "noqa:NB103", nb.uris[0]]  # the cell named by its URI too
    assert explain.command.command == "jupyter-mlops.explain" and list(explain.command.arguments) == ["NB103"]
    assert all(a.kind == types.CodeActionKind.QuickFix for a in actions), titles
    # The line suppression is a real edit: applied, the finding is gone.
    nb.apply(line.edit)
    await settle(client)
    assert nb.texts[0] == "total = price * 3  # noqa: NB103"
    assert nb.codes(0) == []
    # A second code on the same line extends the comment instead of adding another.
    nb.set_text(0, "total = price * undefined_rate  # noqa: NB103")
    await settle(client)
    [d] = by_code(nb.diagnostics(0), "NB104")
    line = next(a for a in await _actions(client, nb.uris[0], d) if "this line" in a.title)
    nb.apply(line.edit)
    await settle(client)
    assert nb.texts[0].endswith("# noqa: NB103, NB104") and nb.codes(0) == []
    # The cell tag the client adds (as VS Code's extension does) reaches the server as metadata.
    assert nb.codes(2) == ["NB104"]
    nb.set_tags(2, ["noqa:NB104"])
    await settle(client)
    assert nb.codes(2) == []
    nb.close()
    await settle(client)


def _fixable_example():
    """A notebook (from a rule's own lesson) with a finding that has a safe fix, whichever rules exist."""
    for rule in all_rules():
        if rule.fix != Applicability.SAFE:
            continue
        nb = example_notebook(rule.lesson().example)
        if any(c.outputs or c.execution_count for c in nb.cells) or nb.language != "python":
            continue
        found = [f for f in lint_notebook(nb, LintConfig(select=(rule.name,)))
                 if f.fix and f.fix.edits and f.fix.applicability == Applicability.SAFE]
        if found:
            return rule, [c.source for c in nb.cells], [c.cell_type for c in nb.cells]
    pytest.skip("no rule with a safe fix is registered")


async def test_fix_code_action_applies_and_the_finding_goes(client: LanguageClient):
    rule, sources, kinds = _fixable_example()
    nb = NotebookDoc(client, nb_uri("fix"), sources, ["code" if k == "code" else "markdown" for k in kinds])
    nb.open()
    await settle(client)
    count = lambda: sum(len(by_code(nb.diagnostics(i), rule.code)) for i in range(len(sources)))
    before = count()
    cell = next(i for i in range(len(sources)) if by_code(nb.diagnostics(i), rule.code))
    diag = by_code(nb.diagnostics(cell), rule.code)[0]
    assert diag.data["fix"]["edits"], "the diagnostic carries its fix in data"
    actions = await _actions(client, nb.uris[cell], diag)
    [fix] = [a for a in actions if a.is_preferred]
    assert fix.title.startswith(f"Fix {rule.code}") and fix.edit is not None
    nb.apply(fix.edit)
    await settle(client)
    assert count() < before
    nb.close()
    await settle(client)


async def test_fix_all_command_edits_the_notebook(client: LanguageClient):
    rule, sources, kinds = _fixable_example()
    nb = NotebookDoc(client, nb_uri("fixall"), sources, ["code" if k == "code" else "markdown" for k in kinds])
    nb.open()
    await settle(client)
    before = sum(len(by_code(nb.diagnostics(i), rule.code)) for i in range(len(sources)))
    client.applied_edits.clear()  # type: ignore[attr-defined]
    result = await client.workspace_execute_command_async(types.ExecuteCommandParams(
        command="jupyter-mlops.fixAll", arguments=[nb.uri]))
    assert result["applied"] >= 1 and result["edited"] is True
    [edit] = client.applied_edits  # type: ignore[attr-defined]
    nb.apply(edit)
    await settle(client)
    after = sum(len(by_code(nb.diagnostics(i), rule.code)) for i in range(len(sources)))
    assert after < before
    # The source action offers the same through `source.fixAll` (fix on save).
    nb.close()
    await settle(client)


async def test_explain_command_opens_the_rule_page(client: LanguageClient):
    result = await client.workspace_execute_command_async(types.ExecuteCommandParams(
        command="jupyter-mlops.explain", arguments=["use-before-define"]))
    assert result["code"] == "NB103" and "## Why is this bad?" in result["markdown"]
    assert client.shown_documents[-1].uri == result["url"]
    with pytest.raises(Exception, match="unknown rule"):
        await client.workspace_execute_command_async(types.ExecuteCommandParams(
            command="jupyter-mlops.explain", arguments=["no-such-rule"]))


async def test_workspace_configuration_change_is_applied(client: LanguageClient):
    nb = NotebookDoc(client, nb_uri("config"), ["total = price * 3", "price = 10", "print(nope)"])
    nb.open()
    await settle(client)
    assert nb.codes(0) == ["NB103"]
    try:
        client.set_configuration({"jupyterMlops": {"ignore": ["use-before-define"]}})
        client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=None))
        await settle(client)
        await settle(client)
        assert nb.codes(0) == [] and nb.codes(2) == ["NB104"]
        client.set_configuration({"jupyterMlops": {"select": ["NB103"]}})
        client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=None))
        await settle(client)
        await settle(client)
        assert nb.codes(0) == ["NB103"] and nb.codes(2) == []
        client.set_configuration({"jupyterMlops": {"enable": False}})
        client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=None))
        await settle(client)
        await settle(client)
        assert nb.codes(0) == []
        # A bad selector is reported once, in words, and the rest of the settings still apply.
        client.set_configuration({"jupyterMlops": {"select": ["no-such-rule"]}})
        client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=None))
        await settle(client)
        await settle(client)
        assert any("no-such-rule" in m.message for m in client.messages)
        assert nb.codes(0) == ["NB103"]
    finally:
        client.set_configuration({"jupyterMlops": {}})
        client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=None))
        await settle(client)
        await settle(client)
    nb.close()
    await settle(client)


async def test_pyproject_configuration_is_read_and_reloaded(client: LanguageClient, tmp_path: Path):
    project = tmp_path / "project"
    (project / "notebooks").mkdir(parents=True)
    pyproject = project / "pyproject.toml"
    pyproject.write_text('[tool.jupyter-mlops]\nignore = ["NB105"]\n')
    uri = (project / "notebooks" / "train.ipynb").as_uri()
    nb = NotebookDoc(client, uri, ["prices = [1.0]", "prices += [2.0]", "print(missing)"])
    nb.open()
    await settle(client)
    assert nb.codes(1) == [] and nb.codes(2) == ["NB104"]
    # Edit pyproject.toml; the editor's file watcher reports it.
    assert any(r.method == types.WORKSPACE_DID_CHANGE_WATCHED_FILES for r in client.registrations)  # type: ignore[attr-defined]
    pyproject.write_text('[tool.jupyter-mlops]\nselect = ["non-idempotent-cell"]\n')
    client.workspace_did_change_watched_files(types.DidChangeWatchedFilesParams(changes=[
        types.FileEvent(uri=pyproject.as_uri(), type=types.FileChangeType.Changed)]))
    await settle(client)
    assert nb.codes(1) == ["NB105"] and nb.codes(2) == []
    # A broken pyproject.toml is reported, and linting goes on with the defaults.
    pyproject.write_text("[tool.jupyter-mlops]\nselect = 3\n")
    nb.client.notebook_document_did_save(types.DidSaveNotebookDocumentParams(
        notebook_document=types.NotebookDocumentIdentifier(uri=uri)))
    await settle(client)
    assert any("pyproject.toml" in m.message for m in client.messages)
    assert nb.codes(2) == ["NB104"]
    nb.close()
    await settle(client)


async def test_percent_script_positions_and_cell_suppression(client: LanguageClient, tmp_path: Path):
    text = "import os\n\n# %%\ntotal = price * 3\n\n# %% [markdown]\n# notes\n\n# %%\nprice = 10\n"
    uri = (tmp_path / "script.py").as_uri()
    client.text_document_did_open(types.DidOpenTextDocumentParams(
        text_document=types.TextDocumentItem(uri=uri, language_id="python", version=1, text=text)))
    await settle(client)
    [d] = by_code(client.diagnostics[uri], "NB103")
    assert (d.range.start.line, d.range.start.character) == (3, 8)
    actions = await _actions(client, uri, d)
    cell = next(a for a in actions if "this cell" in a.title)
    new_text = apply_text_edits(text, cell.edit.document_changes[0].edits)
    assert '# %% tags=["noqa:NB103"]\ntotal = price * 3' in new_text
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
        content_changes=[types.TextDocumentContentChangeWholeDocument(text=new_text)]))
    await settle(client)
    assert by_code(client.diagnostics[uri], "NB103") == []
    # A plain module without cell markers is not a notebook: nothing to report.
    plain = (tmp_path / "module.py").as_uri()
    client.text_document_did_open(types.DidOpenTextDocumentParams(
        text_document=types.TextDocumentItem(uri=plain, language_id="python", version=1, text="print(x)\n")))
    await settle(client)
    assert list(client.diagnostics.get(plain, [])) == []
    for u in (uri, plain):
        client.text_document_did_close(types.DidCloseTextDocumentParams(
            text_document=types.TextDocumentIdentifier(uri=u)))
    await settle(client)


async def test_ipynb_json_text_document(client: LanguageClient, tmp_path: Path):
    cells = [{"cell_type": "markdown", "id": "m", "metadata": {}, "source": ["# Title\n", "text"]},
             {"cell_type": "code", "id": "a", "metadata": {}, "execution_count": None, "outputs": [],
              "source": ["x = 1\n", "total = price * 3"]},
             {"cell_type": "code", "id": "b", "metadata": {}, "execution_count": None, "outputs": [],
              "source": ["price = 10"]}]
    text = json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5},
                      indent=1, sort_keys=True) + "\n"
    uri = (tmp_path / "saved.ipynb").as_uri()
    client.text_document_did_open(types.DidOpenTextDocumentParams(
        text_document=types.TextDocumentItem(uri=uri, language_id="json", version=1, text=text)))
    await settle(client)
    [d] = by_code(client.diagnostics[uri], "NB103")
    line = text.split("\n")[d.range.start.line]
    assert '"total = price * 3"' in line
    assert line[d.range.start.character:d.range.end.character] == "price"
    # Invalid JSON: one clear diagnostic, no crash.
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
        content_changes=[types.TextDocumentContentChangeWholeDocument(text=text[:40])]))
    await settle(client)
    [bad] = client.diagnostics[uri]
    assert bad.message.startswith("not a readable notebook: not valid JSON")
    client.text_document_did_close(types.DidCloseTextDocumentParams(
        text_document=types.TextDocumentIdentifier(uri=uri)))
    await settle(client)


async def test_fix_all_source_action(client: LanguageClient, tmp_path: Path):
    rule, sources, kinds = _fixable_example()
    # A percent-format script: the source action edits the file's text directly.
    parts = [("# %%\n" if k == "code" else "# %% [markdown]\n") +
             (s if k == "code" else "\n".join("# " + line for line in s.split("\n")))
             for s, k in zip(sources, kinds)]
    text = "\n\n".join(parts) + "\n"
    uri = (tmp_path / "fixall_script.py").as_uri()
    client.text_document_did_open(types.DidOpenTextDocumentParams(
        text_document=types.TextDocumentItem(uri=uri, language_id="python", version=1, text=text)))
    await settle(client)
    before = by_code(list(client.diagnostics[uri]), rule.code)
    assert before
    actions = await _actions(client, uri, before[0], only=[types.CodeActionKind.SourceFixAll])
    [action] = actions
    assert action.kind == "source.fixAll.jupyter-mlops"
    fixed = apply_text_edits(text, action.edit.document_changes[0].edits)
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
        content_changes=[types.TextDocumentContentChangeWholeDocument(text=fixed)]))
    await settle(client)
    assert len(by_code(list(client.diagnostics[uri]), rule.code)) < len(before)
    # Quick fixes only: no source action.
    quick = await _actions(client, uri, before[0], only=[types.CodeActionKind.QuickFix])
    assert all(a.kind == types.CodeActionKind.QuickFix for a in quick)
    client.text_document_did_close(types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri)))
    await settle(client)


async def test_ranges_count_utf16_units_and_markdown_conversion_clears(client: LanguageClient):
    nb = NotebookDoc(client, nb_uri("unicode"), ["label = '😀'; total = price", "x = 1"])
    nb.open()
    await settle(client)
    [d] = nb.diagnostics(0)
    text = nb.texts[0]
    assert d.range.start.character == text.index("price") + 1  # '😀' is two UTF-16 units
    assert d.range.end.character - d.range.start.character == len("price")
    # The cell becomes markdown: its marks go.
    nb.kinds[0] = "markdown"
    nb.version += 1
    cell = types.NotebookCell(kind=types.NotebookCellKind.Markup, document=nb.uris[0])
    client.notebook_document_did_change(types.DidChangeNotebookDocumentParams(
        notebook_document=types.VersionedNotebookDocumentIdentifier(uri=nb.uri, version=nb.version),
        change=types.NotebookDocumentChangeEvent(cells=types.NotebookDocumentCellChanges(data=[cell]))))
    await settle(client)
    assert nb.diagnostics(0) == []
    nb.close()
    await settle(client)
