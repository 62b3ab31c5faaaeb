/**
 * Keeps one notebook's findings current: lints the unsaved content after edits (debounced),
 * after saves and after cells run, and marks the cells that have findings.
 */
import { Cell } from '@jupyterlab/cells';
import { NotebookPanel } from '@jupyterlab/notebook';
import { IDisposable } from '@lumino/disposable';
import { ISignal, Signal } from '@lumino/signaling';

import { ApiError, post } from './api';
import { IFinding, ILintResult } from './types';

export interface ILinterSettings {
  debounceMs: number;
  select: string[];
  ignore: string[];
  cellBadges: boolean;
  maxBodySize: number;
}

export type LintStatus = 'idle' | 'linting' | 'error';

const SEVERITY_ORDER = { error: 0, warning: 1, info: 2 };

export class NotebookLinter implements IDisposable {
  constructor(
    readonly panel: NotebookPanel,
    private _settings: ILinterSettings
  ) {
    const model = panel.context.model;
    model.contentChanged.connect(this._onContentChanged, this);
    panel.context.saveState.connect(this._onSaveState, this);
    panel.context.ready.then(() => {
      if (!this._disposed) {
        void this.lintNow();
      }
    });
  }

  /** Emits whenever the result or the status changes. */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  get result(): ILintResult | null {
    return this._result;
  }

  get status(): LintStatus {
    return this._status;
  }

  get error(): string | null {
    return this._error;
  }

  get note(): string | null {
    return this._note;
  }

  get isDisposed(): boolean {
    return this._disposed;
  }

  /** Findings sorted by cell, then position; notebook-level findings first. */
  get findings(): IFinding[] {
    return this._result?.findings ?? [];
  }

  /** True when the cells a finding touches still hold the text the lint saw. */
  isCurrent(finding: IFinding): boolean {
    const cells = new Set<number>();
    if (finding.cell !== null) {
      cells.add(finding.cell);
    }
    for (const edit of finding.fix?.edits ?? []) {
      cells.add(edit.cell);
    }
    const model = this.panel.context.model;
    for (const index of cells) {
      if (
        index >= model.cells.length ||
        this._linted[index] !== model.cells.get(index).sharedModel.getSource()
      ) {
        return false;
      }
    }
    return true;
  }

  updateSettings(settings: ILinterSettings): void {
    this._settings = settings;
    this.schedule(0);
  }

  /** Lint after the debounce delay (or `delay` ms). */
  schedule(delay?: number): void {
    if (this._disposed) {
      return;
    }
    window.clearTimeout(this._timer);
    this._timer = window.setTimeout(
      () => void this.lintNow(),
      delay ?? this._settings.debounceMs
    );
  }

  async lintNow(): Promise<void> {
    if (this._disposed) {
      return;
    }
    window.clearTimeout(this._timer);
    const context = this.panel.context;
    const seq = ++this._seq;
    // Requests in flight are not aborted: while the user keeps typing, each answer that is
    // newer than the one on screen is still shown, so findings never freeze.
    const abort = new AbortController();
    this._abort = abort;
    const cells = context.model.cells;
    const linted: string[] = [];
    for (let i = 0; i < cells.length; i++) {
      linted.push(cells.get(i).sharedModel.getSource());
    }
    const body: { [key: string]: unknown } = {
      path: context.localPath,
      select: this._settings.select,
      ignore: this._settings.ignore
    };
    const content = JSON.stringify(context.model.toJSON());
    this._note = null;
    if (content.length + 1024 > this._settings.maxBodySize) {
      // Too big to send on every edit: lint the saved file instead.
      this._note = 'Notebook too large to check unsaved edits; showing the saved file.';
    }
    this._setStatus('linting');
    try {
      // The notebook is already serialised (to measure it): splice it in, not twice.
      const payload = this._note
        ? JSON.stringify(body)
        : `{"content":${content},${JSON.stringify(body).slice(1)}`;
      const result = await postRaw<ILintResult>('lint', payload, abort.signal);
      if (seq <= this._shownSeq || this._disposed) {
        return; // a newer answer is already on screen
      }
      this._shownSeq = seq;
      result.findings.sort(compareFindings);
      this._result = result;
      this._linted = linted;
      this._error = null;
      this._setStatus(seq === this._seq ? 'idle' : 'linting');
      this._renderBadges();
    } catch (error) {
      if (seq !== this._seq || this._disposed || abort.signal.aborted) {
        if (seq === this._seq) {
          this._setStatus('idle');
        }
        return;
      }
      this._error =
        error instanceof ApiError ? error.message : `Check failed: ${error}`;
      this._setStatus('error');
    }
  }

  /** Refresh the cell badges (after a cell widget was re-created, or a settings change). */
  _renderBadges(): void {
    const widgets = this.panel.content.widgets;
    const byCell = new Map<number, IFinding[]>();
    if (this._settings.cellBadges) {
      for (const f of this.findings) {
        if (f.cell !== null) {
          byCell.set(f.cell, [...(byCell.get(f.cell) ?? []), f]);
        }
      }
    }
    widgets.forEach((cell, index) =>
      renderBadge(cell, byCell.get(index) ?? [], () =>
        this._badgeClicked.emit(index)
      )
    );
  }

  /** Emits the cell index whose badge was clicked. */
  get badgeClicked(): ISignal<this, number> {
    return this._badgeClicked;
  }

  dispose(): void {
    if (this._disposed) {
      return;
    }
    this._disposed = true;
    window.clearTimeout(this._timer);
    this._abort?.abort();
    this.panel.content.widgets.forEach(cell => renderBadge(cell, [], () => {}));
    Signal.clearData(this);
  }

  private _onContentChanged(): void {
    this.schedule();
  }

  private _onSaveState(_: unknown, state: string): void {
    if (state === 'completed') {
      this.schedule(0);
    }
  }

  private _setStatus(status: LintStatus): void {
    this._status = status;
    this._changed.emit();
  }

  private _abort: AbortController | null = null;
  private _badgeClicked = new Signal<this, number>(this);
  private _changed = new Signal<this, void>(this);
  private _disposed = false;
  private _error: string | null = null;
  private _linted: string[] = [];
  private _note: string | null = null;
  private _result: ILintResult | null = null;
  private _seq = 0;
  private _shownSeq = 0;
  private _status: LintStatus = 'idle';
  private _timer = 0;
}

function postRaw<T>(endPoint: string, payload: string, signal: AbortSignal) {
  return post<T>(endPoint, undefined, signal, payload);
}

export function compareFindings(a: IFinding, b: IFinding): number {
  return (
    (a.cell ?? -1) - (b.cell ?? -1) ||
    (a.line ?? 0) - (b.line ?? 0) ||
    SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] ||
    (a.column ?? 0) - (b.column ?? 0) ||
    a.code.localeCompare(b.code)
  );
}

const BADGE = 'jp-mlops-badge';

function worst(findings: IFinding[]): 'error' | 'warning' | 'info' {
  if (findings.some(f => f.severity === 'error')) {
    return 'error';
  }
  return findings.some(f => f.severity === 'warning') ? 'warning' : 'info';
}

function renderBadge(cell: Cell, findings: IFinding[], onClick: () => void): void {
  let badge = cell.node.querySelector<HTMLButtonElement>(`:scope > .${BADGE}`);
  if (findings.length === 0) {
    badge?.remove();
    cell.removeClass('jp-mlops-has-findings');
    return;
  }
  if (!badge) {
    badge = document.createElement('button');
    badge.type = 'button';
    cell.node.appendChild(badge);
  }
  const level = worst(findings);
  badge.className = `${BADGE} jp-mlops-badge-${level}`;
  badge.textContent = String(findings.length);
  const lines = findings.map(
    f => `${f.line !== null ? `line ${f.line}: ` : ''}${f.message} (${f.code})`
  );
  badge.title = lines.join('\n');
  badge.setAttribute(
    'aria-label',
    `${findings.length} production ${findings.length === 1 ? 'hazard' : 'hazards'} in this cell: ${lines.join('; ')}`
  );
  badge.onclick = event => {
    event.stopPropagation();
    onClick();
  };
  cell.addClass('jp-mlops-has-findings');
}
