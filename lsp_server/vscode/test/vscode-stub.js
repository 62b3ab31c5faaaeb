// A stand-in for the `vscode` module, enough for the extension and the real
// vscode-languageclient to run in plain Node. VS Code itself cannot be installed on the test
// machines; everything else in tests/extension.test.js is real: the bundled extension, the
// language client, and the jupyter-mlops language server it starts.
//
// The stub is a notebook editor reduced to state and events: documents, notebooks, settings,
// commands, diagnostics and applied edits are plain data the test reads and drives.
'use strict';

const listeners = new Map(); // event name -> Set of callbacks

function event(name) {
  return (callback, thisArg) => {
    const set = listeners.get(name) ?? new Set();
    listeners.set(name, set);
    const bound = thisArg ? callback.bind(thisArg) : callback;
    set.add(bound);
    return new Disposable(() => set.delete(bound));
  };
}

function fire(name, value) {
  for (const callback of listeners.get(name) ?? []) {
    callback(value);
  }
}

class Disposable {
  constructor(fn) { this._fn = fn; }
  static from(...items) { return new Disposable(() => items.forEach(i => i && i.dispose && i.dispose())); }
  dispose() { if (this._fn) { this._fn(); this._fn = undefined; } }
}

class EventEmitter {
  constructor() { this._set = new Set(); this.event = (cb, thisArg) => { const b = thisArg ? cb.bind(thisArg) : cb; this._set.add(b); return new Disposable(() => this._set.delete(b)); }; }
  fire(value) { for (const cb of this._set) cb(value); }
  dispose() { this._set.clear(); }
}

class Uri {
  constructor(scheme, authority, path, query, fragment) {
    Object.assign(this, { scheme, authority: authority || '', path, query: query || '', fragment: fragment || '' });
  }
  static parse(value) {
    const m = /^([a-zA-Z][\w+.-]*):(?:\/\/([^/?#]*))?([^?#]*)(?:\?([^#]*))?(?:#(.*))?$/.exec(value);
    if (!m) throw new Error(`not a URI: ${value}`);
    return new Uri(m[1], m[2], decodeURIComponent(m[3]), m[4], m[5] ? decodeURIComponent(m[5]) : '');
  }
  static file(path) { return new Uri('file', '', path, '', ''); }
  get fsPath() { return this.path; }
  with(change) { return new Uri(change.scheme ?? this.scheme, change.authority ?? this.authority, change.path ?? this.path, change.query ?? this.query, change.fragment ?? this.fragment); }
  toString() {
    const auth = this.scheme === 'file' || this.authority ? `//${this.authority}` : '';
    const path = encodeURI(this.path).replace(/#/g, '%23').replace(/\?/g, '%3F');
    return `${this.scheme}:${auth}${path}${this.query ? '?' + this.query : ''}${this.fragment ? '#' + encodeURIComponent(this.fragment) : ''}`;
  }
  toJSON() { return { scheme: this.scheme, path: this.path, fragment: this.fragment, $mid: 1 }; }
}

class Position {
  constructor(line, character) { this.line = line; this.character = character; }
  isBefore(o) { return this.line < o.line || (this.line === o.line && this.character < o.character); }
  isEqual(o) { return this.line === o.line && this.character === o.character; }
}

class Range {
  constructor(a, b, c, d) {
    if (typeof a === 'number') { this.start = new Position(a, b); this.end = new Position(c, d); }
    else { this.start = a; this.end = b; }
  }
  get isEmpty() { return this.start.isEqual(this.end); }
  contains(p) { const q = p.start ?? p; return !q.isBefore(this.start) && !this.end.isBefore(q); }
}

class Selection extends Range {}
class Location { constructor(uri, range) { this.uri = uri; this.range = range; } }
class Diagnostic { constructor(range, message, severity) { this.range = range; this.message = message; this.severity = severity ?? 0; } }
class DiagnosticRelatedInformation { constructor(location, message) { this.location = location; this.message = message; } }
class MarkdownString { constructor(value = '') { this.value = value; } appendMarkdown(v) { this.value += v; return this; } appendText(v) { this.value += v; return this; } appendCodeblock(v) { this.value += v; return this; } }
class Hover { constructor(contents, range) { this.contents = Array.isArray(contents) ? contents : [contents]; this.range = range; } }
class TextEdit { constructor(range, newText) { this.range = range; this.newText = newText; } static replace(r, t) { return new TextEdit(r, t); } static insert(p, t) { return new TextEdit(new Range(p, p), t); } static delete(r) { return new TextEdit(r, ''); } }
class CodeActionKind {
  constructor(value) { this.value = value; }
  append(part) { return new CodeActionKind(`${this.value}.${part}`); }
  contains(other) { return other.value === this.value || other.value.startsWith(this.value + '.'); }
  intersects(other) { return this.contains(other) || other.contains(this); }
}
for (const [name, value] of Object.entries({ Empty: '', QuickFix: 'quickfix', Refactor: 'refactor', Source: 'source', SourceFixAll: 'source.fixAll', SourceOrganizeImports: 'source.organizeImports' })) {
  CodeActionKind[name] = new CodeActionKind(value);
}
class CodeAction { constructor(title, kind) { this.title = title; this.kind = kind; } }
class NotebookEdit {
  constructor(range, cells) { this.range = range; this.newCells = cells; }
  static updateCellMetadata(index, newCellMetadata) { const e = new NotebookEdit(undefined, []); e.index = index; e.newCellMetadata = newCellMetadata; return e; }
}
class WorkspaceEdit {
  constructor() { this._entries = []; }
  set(uri, edits) { this._entries.push([uri, edits]); }
  replace(uri, range, newText) { this._entries.push([uri, [new TextEdit(range, newText)]]); }
  insert(uri, position, newText) { this.replace(uri, new Range(position, position), newText); }
  delete(uri, range) { this.replace(uri, range, ''); }
  createFile() {} deleteFile() {} renameFile() {}
  has(uri) { return this._entries.some(([u]) => u.toString() === uri.toString()); }
  entries() { return this._entries; }
  get size() { return this._entries.length; }
}
class CancellationTokenSource { constructor() { this.token = { isCancellationRequested: false, onCancellationRequested: event('cancel') }; } cancel() { this.token.isCancellationRequested = true; } dispose() {} }
class CompletionItem { constructor(label, kind) { this.label = label; this.kind = kind; } }
class CompletionList { constructor(items = [], isIncomplete = false) { this.items = items; this.isIncomplete = isIncomplete; } }
class SemanticTokensLegend { constructor(t, m) { this.tokenTypes = t; this.tokenModifiers = m; } }

// -- documents and notebooks --------------------------------------------------------------

class TextDocument {
  constructor(uri, languageId, text, notebook) {
    this.uri = uri; this.languageId = languageId; this.version = 1; this._text = text;
    this.notebook = notebook; this.isClosed = false; this.isDirty = false; this.isUntitled = false;
    this.eol = 1; this.fileName = uri.path;
  }
  getText() { return this._text; }
  get lineCount() { return this._text.split('\n').length; }
  lineAt(line) { const text = this._text.split('\n')[typeof line === 'number' ? line : line.line]; return { text, range: new Range(0, 0, 0, text.length) }; }
  offsetAt(p) { const lines = this._text.split('\n'); return lines.slice(0, p.line).reduce((n, l) => n + l.length + 1, 0) + p.character; }
  positionAt(offset) { const before = this._text.slice(0, offset).split('\n'); return new Position(before.length - 1, before[before.length - 1].length); }
  setText(text) { this._text = text; this.version += 1; }
}

const NotebookCellKind = { Markup: 1, Code: 2 };

function notebook(path, cells) {
  const nb = { uri: Uri.file(path), notebookType: 'jupyter-notebook', version: 1, isDirty: false, isUntitled: false, isClosed: false, metadata: {}, cells: [] };
  cells.forEach(([kind, text, metadata], index) => {
    const cellUri = new Uri('vscode-notebook-cell', '', path, '', `W${index}sZmlsZQ==`);
    const doc = new TextDocument(cellUri, kind === 'code' ? 'python' : 'markdown', text, nb);
    nb.cells.push({ index, notebook: nb, kind: kind === 'code' ? NotebookCellKind.Code : NotebookCellKind.Markup, document: doc, metadata: metadata ?? {}, outputs: [], executionSummary: undefined });
  });
  nb.cellCount = nb.cells.length;
  nb.cellAt = i => nb.cells[i];
  nb.getCells = () => nb.cells;
  return nb;
}

// -- the namespaces ---------------------------------------------------------------------------

const state = {
  settings: {}, // 'jupyterMlops.interpreter' -> value
  commands: new Map(),
  diagnostics: new Map(), // uri string -> Diagnostic[]
  applied: [], // WorkspaceEdits the extension or the client applied
  messages: [], // [level, text]
  providers: {}, // kind -> [selector, provider]
  notebooks: [],
  textDocuments: []
};

function configuration(section) {
  const prefix = section ? `${section}.` : '';
  return {
    get: (key, fallback) => (prefix + key in state.settings ? state.settings[prefix + key] : fallback),
    has: key => prefix + key in state.settings,
    inspect: () => undefined,
    update: async (key, value) => { state.settings[prefix + key] = value; }
  };
}

function matches(selector, document) {
  const list = Array.isArray(selector) ? selector : [selector];
  return list.some(s => {
    if (typeof s === 'string') return s === document.languageId || s === '*';
    if (s.language && s.language !== document.languageId) return false;
    if (s.scheme && s.scheme !== document.uri.scheme) return false;
    if (s.notebookType && (!document.notebook || document.notebook.notebookType !== s.notebookType)) return false;
    return true;
  }) ? 10 : 0;
}

function registrar(kind) {
  return (selector, provider) => {
    (state.providers[kind] = state.providers[kind] ?? []).push([selector, provider]);
    return new Disposable(() => {});
  };
}

const languages = new Proxy({
  createDiagnosticCollection: name => ({
    name,
    set: (uri, diags) => {
      if (Array.isArray(uri)) { for (const [u, d] of uri) state.diagnostics.set(u.toString(), d ?? []); return; }
      state.diagnostics.set(uri.toString(), diags ?? []);
    },
    delete: uri => state.diagnostics.delete(uri.toString()),
    clear: () => state.diagnostics.clear(),
    get: uri => state.diagnostics.get(uri.toString()),
    forEach: cb => state.diagnostics.forEach((d, u) => cb(Uri.parse(u), d)),
    has: uri => state.diagnostics.has(uri.toString()),
    dispose: () => {}
  }),
  match: matches,
  getDiagnostics: uri => (uri ? state.diagnostics.get(uri.toString()) ?? [] : [...state.diagnostics]),
  onDidChangeDiagnostics: event('diagnostics')
}, {
  get: (target, name) => (name in target ? target[name] : registrar(String(name)))
});

const workspace = new Proxy({
  get workspaceFolders() { return state.folders; },
  get textDocuments() { return state.textDocuments; },
  get notebookDocuments() { return state.notebooks; },
  getConfiguration: configuration,
  getWorkspaceFolder: () => (state.folders ?? [])[0],
  createFileSystemWatcher: () => ({ onDidCreate: event('fs'), onDidChange: event('fs'), onDidDelete: event('fs'), dispose() {} }),
  applyEdit: async edit => {
    state.applied.push(edit);
    for (const [uri, edits] of edit.entries()) {
      const nb = state.notebooks.find(n => n.uri.toString() === uri.toString());
      for (const e of edits) {
        if (nb && e.newCellMetadata) {
          const cell = nb.cells[e.index];
          cell.metadata = e.newCellMetadata;
          nb.version += 1;
          fire('onDidChangeNotebookDocument', { notebook: nb, metadata: undefined, contentChanges: [],
            cellChanges: [{ cell, document: undefined, metadata: cell.metadata, outputs: undefined, executionSummary: undefined }] });
        }
      }
    }
    return true;
  },
  fs: { stat: async () => ({}) },
  isTrusted: true,
  name: 'test'
}, {
  get: (target, name) => {
    if (name in target) return target[name];
    if (String(name).startsWith('on')) return event(String(name));
    return undefined;
  }
});

const window = new Proxy({
  createOutputChannel: name => ({ name, lines: [], append(v) { this.lines.push(v); }, appendLine(v) { this.lines.push(v); }, replace() {}, clear() {}, show() {}, hide() {}, dispose() {} }),
  showErrorMessage: async text => { state.messages.push(['error', text]); },
  showWarningMessage: async text => { state.messages.push(['warning', text]); },
  showInformationMessage: async text => { state.messages.push(['info', text]); },
  showTextDocument: async () => undefined,
  activeTextEditor: undefined,
  activeNotebookEditor: undefined,
  visibleTextEditors: [],
  visibleNotebookEditors: [],
  tabGroups: { all: [], onDidChangeTabs: event('tabs'), onDidChangeTabGroups: event('tabs') },
  createStatusBarItem: () => ({ show() {}, hide() {}, dispose() {} }),
  withProgress: async (_options, task) => task({ report() {} }, new CancellationTokenSource().token)
}, {
  get: (target, name) => {
    if (name in target) return target[name];
    if (String(name).startsWith('on')) return event(String(name));
    return undefined;
  }
});

const commands = {
  registerCommand: (id, fn, thisArg) => { state.commands.set(id, thisArg ? fn.bind(thisArg) : fn); return new Disposable(() => state.commands.delete(id)); },
  executeCommand: async (id, ...args) => {
    const fn = state.commands.get(id);
    if (!fn) throw new Error(`command '${id}' not found`);
    return fn(...args);
  },
  getCommands: async () => [...state.commands.keys()]
};

const stub = {
  version: '1.82.0',
  env: { appName: 'Visual Studio Code (stub)', language: 'en', machineId: 'test', sessionId: 'test', uriScheme: 'vscode', openExternal: async () => true },
  extensions: { getExtension: () => undefined, all: [], onDidChange: event('extensions') },
  languages, workspace, window, commands,
  Uri, Position, Range, Selection, Location, Diagnostic, DiagnosticRelatedInformation, MarkdownString,
  Hover, TextEdit, CodeAction, CodeActionKind, WorkspaceEdit, NotebookEdit, Disposable, EventEmitter,
  CancellationTokenSource, CompletionItem, CompletionList, SemanticTokensLegend, NotebookCellKind,
  DiagnosticSeverity: { Error: 0, Warning: 1, Information: 2, Hint: 3 },
  DiagnosticTag: { Unnecessary: 1, Deprecated: 2 },
  CodeActionTriggerKind: { Invoke: 1, Automatic: 2 },
  EndOfLine: { LF: 1, CRLF: 2 },
  ExtensionMode: { Production: 1, Development: 2, Test: 3 },
  TextDocumentSaveReason: { Manual: 1, AfterDelay: 2, FocusOut: 3 },
  UIKind: { Desktop: 1, Web: 2 },
  ViewColumn: { Active: -1, Beside: -2, One: 1 },
  ProgressLocation: { SourceControl: 1, Window: 10, Notification: 15 },
  ConfigurationTarget: { Global: 1, Workspace: 2, WorkspaceFolder: 3 },
  FileType: { Unknown: 0, File: 1, Directory: 2, SymbolicLink: 64 },
  RelativePattern: class { constructor(base, pattern) { this.base = base; this.pattern = pattern; } },
  // test controls, not part of VS Code's API:
  __test: { state, fire, notebook, TextDocument }
};

module.exports = new Proxy(stub, {
  get: (target, name) => {
    if (name in target) return target[name];
    if (typeof name === 'symbol' || name === 'then') return undefined;
    // Any other class or enum: a plain holder, so the client's feature table loads.
    return class { constructor(...args) { this.args = args; } };
  }
});
