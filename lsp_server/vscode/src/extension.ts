// VS Code client for the jupyter-mlops language server.
//
// Starts `python -m jupyter_mlops_lsp` from the Python environment selected in the Python
// extension (or the `jupyterMlops.serverPath` / `jupyterMlops.interpreter` settings), for Python
// files and for Jupyter notebooks through LSP notebook document sync.

import * as vscode from 'vscode';
import {
  LanguageClient,
  LanguageClientOptions,
  ServerOptions,
  TransportKind
} from 'vscode-languageclient/node';
import { PythonExtension } from '@vscode/python-extension';

const SECTION = 'jupyterMlops';
const ADD_CELL_TAG = 'jupyterMlops.addCellTag';

let client: LanguageClient | undefined;
let output: vscode.OutputChannel | undefined;

interface ServerCommand {
  command: string;
  args: string[];
}

/** The interpreter the Python extension has selected for this workspace, if any. */
async function selectedInterpreter(): Promise<string | undefined> {
  try {
    const api = await PythonExtension.api();
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
    const active = api.environments.getActiveEnvironmentPath(folder);
    const resolved = await api.environments.resolveEnvironment(active);
    return resolved?.executable.uri?.fsPath;
  } catch {
    return undefined; // the Python extension is not installed or not ready
  }
}

async function serverCommand(): Promise<ServerCommand> {
  const config = vscode.workspace.getConfiguration(SECTION);
  const serverPath = config.get<string>('serverPath', '').trim();
  if (serverPath) {
    return { command: serverPath, args: [] };
  }
  const interpreter =
    config.get<string>('interpreter', '').trim() ||
    (await selectedInterpreter()) ||
    (process.platform === 'win32' ? 'python' : 'python3');
  return { command: interpreter, args: ['-m', 'jupyter_mlops_lsp'] };
}

function settings(): Record<string, unknown> {
  const config = vscode.workspace.getConfiguration(SECTION);
  return {
    enable: config.get<boolean>('enable', true),
    select: config.get<string[]>('select', []),
    ignore: config.get<string[]>('ignore', []),
    ruleOptions: config.get<Record<string, unknown>>('ruleOptions', {})
  };
}

/** Add a tag such as `noqa:NB103` to a notebook cell (LSP cannot edit cell metadata). The
 * server's index counts only the cells it was sent (Python cells), so the cell's document URI,
 * when given, is what names the cell. */
async function addCellTag(
  notebookUri: string,
  index: number,
  tag: string,
  cellUri?: string
): Promise<void> {
  const notebook = vscode.workspace.notebookDocuments.find(
    nb => nb.uri.toString() === notebookUri
  );
  const cellIndex = cellUri
    ? (notebook?.getCells().findIndex(c => c.document.uri.toString() === cellUri) ?? -1)
    : index;
  if (!notebook || cellIndex < 0 || cellIndex >= notebook.cellCount) {
    void vscode.window.showWarningMessage(`jupyter-mlops: cell ${cellIndex + 1} not found`);
    return;
  }
  const cell = notebook.cellAt(cellIndex);
  const metadata: Record<string, any> = JSON.parse(JSON.stringify(cell.metadata ?? {}));
  // The ipynb serializer keeps the notebook's own cell metadata under `metadata`
  // (older versions under `custom.metadata`).
  const holder: Record<string, any> = metadata.custom
    ? (metadata.custom.metadata = metadata.custom.metadata ?? {})
    : (metadata.metadata = metadata.metadata ?? {});
  const tags: string[] = Array.isArray(holder.tags) ? holder.tags : [];
  if (!tags.includes(tag)) {
    holder.tags = [...tags, tag];
  }
  const edit = new vscode.WorkspaceEdit();
  edit.set(notebook.uri, [vscode.NotebookEdit.updateCellMetadata(cellIndex, metadata)]);
  await vscode.workspace.applyEdit(edit);
}

async function start(context: vscode.ExtensionContext): Promise<void> {
  if (!vscode.workspace.getConfiguration(SECTION).get<boolean>('enable', true)) {
    return;
  }
  const { command, args } = await serverCommand();
  output?.appendLine(`Starting: ${command} ${args.join(' ')}`);
  const serverOptions: ServerOptions = {
    run: { command, args, transport: TransportKind.stdio },
    debug: { command, args: [...args, '--log-level', 'DEBUG'], transport: TransportKind.stdio }
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [
      { scheme: 'file', language: 'python' },
      { scheme: 'untitled', language: 'python' },
      { notebook: 'jupyter-notebook', language: 'python' },
      { notebook: 'interactive', language: 'python' }
    ],
    outputChannel: output,
    initializationOptions: { settings: settings(), clientCommands: [ADD_CELL_TAG] },
    synchronize: {
      configurationSection: SECTION,
      fileEvents: vscode.workspace.createFileSystemWatcher('**/pyproject.toml')
    }
  };
  client = new LanguageClient('jupyterMlops', 'jupyter-mlops', serverOptions, clientOptions);
  try {
    await client.start();
  } catch (err) {
    void vscode.window.showErrorMessage(
      `jupyter-mlops: could not start "${command} ${args.join(' ')}": ${String(err)}. ` +
        'Install jupyter-mlops in the selected Python environment (pip install jupyter-mlops) ' +
        'or set jupyterMlops.serverPath.'
    );
  }
}

async function restart(context: vscode.ExtensionContext): Promise<void> {
  if (client) {
    await client.stop();
    client = undefined;
  }
  await start(context);
}

async function fixAll(): Promise<void> {
  const notebook = vscode.window.activeNotebookEditor?.notebook;
  const uri = notebook?.uri.toString() ?? vscode.window.activeTextEditor?.document.uri.toString();
  if (!client || !uri) {
    return;
  }
  await client.sendRequest('workspace/executeCommand', {
    command: 'jupyter-mlops.fixAll',
    arguments: [uri]
  });
}

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  output = vscode.window.createOutputChannel('jupyter-mlops');
  context.subscriptions.push(
    output,
    vscode.commands.registerCommand(ADD_CELL_TAG, addCellTag),
    vscode.commands.registerCommand('jupyterMlops.fixAll', fixAll),
    vscode.commands.registerCommand('jupyterMlops.restart', () => restart(context)),
    vscode.workspace.onDidChangeConfiguration(async event => {
      if (
        event.affectsConfiguration(`${SECTION}.serverPath`) ||
        event.affectsConfiguration(`${SECTION}.interpreter`) ||
        event.affectsConfiguration(`${SECTION}.enable`)
      ) {
        await restart(context);
      }
    })
  );
  try {
    const api = await PythonExtension.api();
    context.subscriptions.push(
      api.environments.onDidChangeActiveEnvironmentPath(() => restart(context))
    );
  } catch {
    // no Python extension: the settings or python3 on PATH are used
  }
  await start(context);
}

export async function deactivate(): Promise<void> {
  if (client) {
    await client.stop();
    client = undefined;
  }
}
