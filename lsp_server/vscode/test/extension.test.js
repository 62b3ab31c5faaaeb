// The VS Code extension's own handlers, run in Node against the real jupyter-mlops language
// server through the real vscode-languageclient: activation starts the server with the
// configured interpreter, diagnostics arrive for notebook cells, the "suppress in this cell"
// action's command (jupyterMlops.addCellTag) tags the cell and the finding goes, and the
// "fix all" command applies the server's edit. Only the `vscode` module is a stand-in
// (test/vscode-stub.js): VS Code itself cannot be installed on the test machines.
//
// Run: PYTHON=/path/to/python node --test test/extension.test.js   (after `npm run bundle`)
'use strict';

const assert = require('node:assert/strict');
const Module = require('node:module');
const path = require('node:path');
const { test } = require('node:test');

const STUB = path.join(__dirname, 'vscode-stub.js');
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  return request === 'vscode' ? STUB : resolve.call(this, request, ...rest);
};

const vscode = require('vscode');
const { state, notebook } = vscode.__test;
const BUNDLE = process.env.EXTENSION_BUNDLE || path.join(__dirname, '..', 'dist', 'extension.js');

async function until(what, predicate, timeoutMs = 60000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = predicate();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise(r => setTimeout(r, 20));
  }
}

function codes(uri) {
  return (state.diagnostics.get(uri.toString()) ?? []).map(d => (typeof d.code === 'object' ? d.code.value : d.code)).sort();
}

test('the extension lints a notebook, tags a cell and fixes all through the real server', async () => {
  const python = process.env.PYTHON;
  assert.ok(python, 'set PYTHON to an interpreter with jupyter-mlops installed');
  state.settings['jupyterMlops.interpreter'] = python;
  state.settings['jupyterMlops.ignore'] = ['long-cell'];
  const workdir = process.env.WORKDIR || '/tmp/jupyter-mlops-vscode-test';
  state.folders = [{ uri: vscode.Uri.file(workdir), name: 'work', index: 0 }];
  const nb = notebook(`${workdir}/notebooks/train.ipynb`, [
    ['markdown', '# Train'],
    ['code', 'import pandas as pd\nfrom sklearn.model_selection import train_test_split'],
    ['code', 'df = pd.read_csv("data.csv")\nprint(undefined_frame)'],
    ['code', 'train, test = train_test_split(df)']
  ]);
  state.notebooks.push(nb);

  const extension = require(BUNDLE);
  const context = { subscriptions: [], extensionPath: path.join(__dirname, '..'), extensionMode: 3,
    globalState: { get: () => undefined, update: async () => {} }, workspaceState: { get: () => undefined, update: async () => {} },
    asAbsolutePath: p => path.join(__dirname, '..', p) };
  await extension.activate(context);
  try {
    const output = state.messages.filter(([level]) => level === 'error');
    assert.deepEqual(output, [], 'the server did not start');
    for (const id of ['jupyterMlops.addCellTag', 'jupyterMlops.fixAll', 'jupyterMlops.restart']) {
      assert.ok(state.commands.has(id), `${id} is registered`);
    }
    // Findings arrive for the cells (the settings reached the server: long-cell is ignored).
    const cell = nb.cells[2];
    await until('NB104 on cell 3', () => codes(cell.document.uri).includes('NB104'));
    await until('NB502 on cell 4', () => codes(nb.cells[3].document.uri).includes('NB502'));

    // The quick-fix menu, as VS Code asks the client's code action provider for it.
    const [selector, provider] = (state.providers.registerCodeActionsProvider ?? []).find(
      ([sel]) => vscode.languages.match(sel, cell.document)) ?? [];
    assert.ok(provider, 'a code action provider for notebook cells');
    const diagnostic = state.diagnostics.get(cell.document.uri.toString()).find(d => (d.code.value ?? d.code) === 'NB104');
    const token = new vscode.CancellationTokenSource().token;
    const actions = await provider.provideCodeActions(cell.document, diagnostic.range,
      { diagnostics: [diagnostic], only: undefined, triggerKind: 1 }, token);
    const tagAction = actions.find(a => a.command && a.command.command === 'jupyterMlops.addCellTag');
    assert.ok(tagAction, `a suppress-in-this-cell action: ${actions.map(a => a.title)}`);
    // Index 1 among the Python cells the client synced; the cell's URI names it exactly.
    assert.deepEqual(tagAction.command.arguments.slice(1), [1, 'noqa:NB104', cell.document.uri.toString()]);

    // VS Code runs the action's command: the extension's own handler tags the cell.
    await vscode.commands.executeCommand(tagAction.command.command, ...tagAction.command.arguments);
    assert.deepEqual(cell.metadata.metadata.tags, ['noqa:NB104']);
    await until('NB104 gone after the tag', () => !codes(cell.document.uri).includes('NB104'));
    // A cell index that does not exist is a warning, not an exception.
    await vscode.commands.executeCommand('jupyterMlops.addCellTag', nb.uri.toString(), 9, 'noqa:NB104');
    assert.ok(state.messages.some(([level, text]) => level === 'warning' && text.includes('cell 10 not found')));

    // "Fix all safe findings in this notebook": the server's edit reaches workspace.applyEdit.
    vscode.window.activeNotebookEditor = { notebook: nb };
    const before = state.applied.length;
    await vscode.commands.executeCommand('jupyterMlops.fixAll');
    await until('the fix-all edit', () => state.applied.length > before);
    const edits = state.applied.slice(before).flatMap(e => e.entries());
    const forCell = edits.filter(([uri]) => uri.toString() === nb.cells[3].document.uri.toString());
    assert.ok(forCell.length, `an edit for cell 4: ${edits.map(([u]) => u.toString())}`);
    assert.ok(forCell.flatMap(([, es]) => es).some(e => e.newText.includes('random_state=')));
  } finally {
    await extension.deactivate();
  }
});
