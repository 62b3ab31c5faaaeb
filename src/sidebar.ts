/**
 * The "Production readiness" sidebar: summary, score and findings grouped by cell.
 */
import { LabIcon, refreshIcon } from '@jupyterlab/ui-components';
import { Widget } from '@lumino/widgets';

import {
  checkIcon,
  packageIcon,
  readinessIcon,
  severityIcon
} from './icons';
import { Lessons } from './lessons';
import { NotebookLinter } from './linter';
import { IFinding, ILintResult, Severity } from './types';
import { el } from './dom';

export interface ISidebarActions {
  select(finding: IFinding): void;
  fix(finding: IFinding): void;
  ignore(finding: IFinding): void;
  explain(finding: IFinding): void;
  fixAll(): void;
  productionise(): void;
}

const SEVERITY_LABEL: Record<Severity, [string, string]> = {
  error: ['error', 'errors'],
  warning: ['warning', 'warnings'],
  info: ['info', 'info']
};

function icon(labIcon: LabIcon, className = 'jp-mlops-icon'): HTMLElement {
  return labIcon.element({ className, tag: 'span' });
}

/** Set `text` on `node`, showing `backtick` spans as inline code (no HTML is interpreted). */
function withCode(node: HTMLElement, text: string): HTMLElement {
  text.split(/(`[^`]+`)/).forEach(part => {
    if (part.length > 2 && part.startsWith('`') && part.endsWith('`')) {
      node.appendChild(el('code', 'jp-mlops-inline-code', part.slice(1, -1)));
    } else if (part) {
      node.appendChild(document.createTextNode(part));
    }
  });
  return node;
}

function statusText(linter: NotebookLinter): string {
  if (linter.status === 'linting') {
    return 'checking…';
  }
  return linter.result
    ? `checked in ${Math.round(linter.result.duration_ms)} ms`
    : '';
}

function findingKey(f: IFinding): string {
  return `${f.code}:${f.cell_id ?? f.cell}:${f.line}:${f.column}`;
}

function button(
  label: string,
  onClick: () => void,
  options: { className?: string; title?: string; icon?: LabIcon } = {}
): HTMLButtonElement {
  const node = el('button', `jp-mlops-button ${options.className ?? ''}`.trim());
  node.type = 'button';
  if (options.icon) {
    node.appendChild(icon(options.icon, 'jp-mlops-button-icon'));
  }
  node.appendChild(el('span', 'jp-mlops-button-label', label));
  if (options.title) {
    node.title = options.title;
  }
  node.addEventListener('click', event => {
    event.stopPropagation();
    onClick();
  });
  return node;
}

export class ReadinessPanel extends Widget {
  constructor(
    private _actions: ISidebarActions,
    private _lessons: Lessons
  ) {
    super();
    this.id = 'jupyter-mlops-sidebar';
    this.title.icon = readinessIcon;
    this.title.caption = 'Production readiness';
    this.addClass('jp-mlops-sidebar');
    this.node.setAttribute('role', 'region');
    this.node.setAttribute('aria-label', 'Production readiness');
    this._render();
  }

  get linter(): NotebookLinter | null {
    return this._linter;
  }

  set linter(linter: NotebookLinter | null) {
    if (this._linter === linter) {
      return;
    }
    this._linter?.changed.disconnect(this._onChanged, this);
    this._linter = linter;
    this._selected = null;
    linter?.changed.connect(this._onChanged, this);
    this._render();
  }

  set teachingMode(value: boolean) {
    if (value !== this._teaching) {
      this._teaching = value;
      this._render();
    }
  }

  /** Scroll the list to a cell's group and focus its first finding. */
  revealCell(cell: number): void {
    const group = this.node.querySelector<HTMLElement>(
      `.jp-mlops-group[data-cell="${cell}"]`
    );
    group?.scrollIntoView({ block: 'nearest' });
    group?.querySelector<HTMLElement>('.jp-mlops-finding')?.focus();
  }

  markSelected(finding: IFinding): void {
    this._selected = findingKey(finding);
    this.node
      .querySelectorAll('.jp-mlops-finding.jp-mod-selected')
      .forEach(n => n.classList.remove('jp-mod-selected'));
    this.node
      .querySelector(`.jp-mlops-finding[data-key="${CSS.escape(this._selected)}"]`)
      ?.classList.add('jp-mod-selected');
  }

  /** A status change alone (checking…) updates the status line, not the whole list, so
   * a click on a finding's button is never lost to a re-render. */
  private _onChanged(): void {
    const linter = this._linter;
    const status = this.node.querySelector('.jp-mlops-status-text');
    if (
      linter &&
      status &&
      linter.result === this._shownResult &&
      linter.error === this._shownError
    ) {
      status.textContent = statusText(linter);
      return;
    }
    this._render();
  }

  private _render(): void {
    this._shownResult = this._linter?.result ?? null;
    this._shownError = this._linter?.error ?? null;
    const oldList = this.node.querySelector('.jp-mlops-content');
    const scrollTop = oldList?.scrollTop ?? 0;
    const focused = (document.activeElement as HTMLElement | null)?.closest?.(
      '.jp-mlops-finding'
    ) as HTMLElement | null;
    const focusKey =
      focused && this.node.contains(focused) ? focused.dataset.key : undefined;

    this.node.replaceChildren(this._header());
    const content = el('div', 'jp-mlops-content');
    this.node.appendChild(content);
    const linter = this._linter;
    if (!linter) {
      content.appendChild(
        this._empty(
          'Open a notebook to see how ready it is for production.',
          readinessIcon
        )
      );
      return;
    }
    content.appendChild(this._status(linter));
    const result = linter.result;
    if (!result) {
      if (linter.status === 'error') {
        content.appendChild(this._errorBox(linter.error ?? 'Check failed'));
      } else {
        content.appendChild(el('div', 'jp-mlops-loading', 'Checking the notebook…'));
      }
      return;
    }
    if (linter.status === 'error') {
      content.appendChild(this._errorBox(linter.error ?? 'Check failed'));
    }
    content.appendChild(this._summary(result));
    if (result.findings.length === 0) {
      content.appendChild(
        this._empty('No production hazards found. Ready to productionise.', checkIcon)
      );
    } else {
      content.appendChild(this._findings(result));
    }
    content.scrollTop = scrollTop;
    if (focusKey) {
      content
        .querySelector<HTMLElement>(`.jp-mlops-finding[data-key="${CSS.escape(focusKey)}"]`)
        ?.focus();
    }
  }

  private _header(): HTMLElement {
    const header = el('div', 'jp-mlops-header');
    const titleRow = el('div', 'jp-mlops-title-row');
    titleRow.appendChild(el('h2', 'jp-mlops-title', 'Production readiness'));
    header.appendChild(titleRow);
    const tools = el('div', 'jp-mlops-toolbar');
    const enabled = this._linter !== null;
    const recheck = button('', () => void this._linter?.lintNow(), {
      className: 'jp-mlops-icon-button jp-mlops-recheck',
      title: 'Check again',
      icon: refreshIcon
    });
    recheck.setAttribute('aria-label', 'Check again');
    const fixable = this._linter?.result?.summary.fixable ?? 0;
    const fixAll = button('Fix all safe', () => this._actions.fixAll(), {
      className: 'jp-mlops-fix-all',
      title: fixable
        ? `Apply the ${fixable} safe ${fixable === 1 ? 'fix' : 'fixes'} (undo with Ctrl+Z)`
        : 'No safe fixes available'
    });
    const prod = button('Productionise', () => this._actions.productionise(), {
      className: 'jp-mlops-productionise jp-mod-accent',
      title: 'Turn this notebook into a tested Python package',
      icon: packageIcon
    });
    recheck.disabled = !enabled;
    fixAll.disabled = !enabled || fixable === 0;
    prod.disabled = !enabled;
    titleRow.appendChild(recheck);
    tools.append(prod, fixAll);
    header.appendChild(tools);
    return header;
  }

  private _status(linter: NotebookLinter): HTMLElement {
    const status = el('div', 'jp-mlops-status');
    const name = linter.panel.context.localPath.split('/').pop() ?? '';
    status.appendChild(el('span', 'jp-mlops-notebook-name', name));
    status.title = linter.panel.context.localPath;
    const state = el('span', 'jp-mlops-status-text', statusText(linter));
    state.setAttribute('aria-live', 'polite');
    status.appendChild(state);
    if (linter.note) {
      status.appendChild(el('div', 'jp-mlops-note', linter.note));
    }
    return status;
  }

  private _summary(result: ILintResult): HTMLElement {
    const s = result.summary;
    const box = el('section', 'jp-mlops-summary');
    box.setAttribute('aria-label', 'Summary');
    const level = s.score >= 90 ? 'good' : s.score >= 50 ? 'fair' : 'poor';
    const score = el('div', `jp-mlops-score jp-mlops-score-${level}`);
    const C = 2 * Math.PI * 22;
    score.innerHTML = `<svg viewBox="0 0 52 52" width="52" height="52" aria-hidden="true">
        <circle cx="26" cy="26" r="22" class="jp-mlops-score-track"/>
        <circle cx="26" cy="26" r="22" class="jp-mlops-score-arc"
          stroke-dasharray="${((C * s.score) / 100).toFixed(1)} ${C.toFixed(1)}"
          transform="rotate(-90 26 26)"/>
      </svg>`;
    const number = el('span', 'jp-mlops-score-number', String(s.score));
    score.appendChild(number);
    score.setAttribute('role', 'img');
    score.setAttribute('aria-label', `Readiness score ${s.score} out of 100`);
    const side = el('div', 'jp-mlops-score-side');
    side.appendChild(el('div', 'jp-mlops-grade', s.grade));
    const counts = el('div', 'jp-mlops-counts');
    for (const sev of ['error', 'warning', 'info'] as Severity[]) {
      const n = s.by_severity[sev] ?? 0;
      const chip = el('span', `jp-mlops-count jp-mlops-sev-${sev}${n ? '' : ' jp-mod-zero'}`);
      chip.appendChild(icon(severityIcon[sev], 'jp-mlops-sev-icon'));
      chip.appendChild(el('span', '', `${n} ${SEVERITY_LABEL[sev][n === 1 ? 0 : 1]}`));
      counts.appendChild(chip);
    }
    side.appendChild(counts);
    const top = el('div', 'jp-mlops-summary-top');
    top.append(score, side);
    box.appendChild(top);
    const cats = Object.entries(s.by_category);
    if (cats.length) {
      const list = el('div', 'jp-mlops-categories');
      for (const [cat, n] of cats) {
        const chip = el('span', 'jp-mlops-category');
        chip.append(el('span', 'jp-mlops-category-name', cat), el('span', 'jp-mlops-category-count', String(n)));
        list.appendChild(chip);
      }
      box.appendChild(list);
    }
    return box;
  }

  private _findings(result: ILintResult): HTMLElement {
    const list = el('div', 'jp-mlops-findings');
    list.setAttribute('aria-label', 'Findings by cell');
    const groups = new Map<number, IFinding[]>();
    for (const f of result.findings) {
      const key = f.cell ?? -1;
      groups.set(key, [...(groups.get(key) ?? []), f]);
    }
    const model = this._linter!.panel.context.model;
    for (const [cell, findings] of groups) {
      const group = el('section', 'jp-mlops-group');
      group.dataset.cell = String(cell);
      const head = el('div', 'jp-mlops-group-header');
      head.appendChild(el('span', 'jp-mlops-group-title', cell < 0 ? 'Whole notebook' : `Cell ${cell + 1}`));
      if (cell >= 0 && cell < model.cells.length) {
        const first = model.cells
          .get(cell)
          .sharedModel.getSource()
          .split('\n')
          .find(l => l.trim().length > 0);
        if (first) {
          head.appendChild(el('code', 'jp-mlops-group-snippet', first.trim()));
        }
      }
      head.appendChild(el('span', 'jp-mlops-group-count', String(findings.length)));
      group.appendChild(head);
      const ul = el('ul', 'jp-mlops-group-list');
      for (const f of findings) {
        ul.appendChild(this._finding(f));
      }
      group.appendChild(ul);
      list.appendChild(group);
    }
    return list;
  }

  private _finding(f: IFinding): HTMLElement {
    const key = findingKey(f);
    const item = el('li', `jp-mlops-finding jp-mlops-sev-${f.severity}`);
    if (key === this._selected) {
      item.classList.add('jp-mod-selected');
    }
    item.dataset.key = key;
    item.dataset.code = f.code;
    item.tabIndex = 0;
    item.setAttribute('role', 'button');
    item.setAttribute(
      'aria-label',
      `${f.severity}: ${f.message}${f.line !== null ? `, line ${f.line}` : ''}. Press Enter to go to the cell.`
    );
    const row = el('div', 'jp-mlops-finding-row');
    row.appendChild(icon(severityIcon[f.severity], 'jp-mlops-sev-icon'));
    const text = el('div', 'jp-mlops-finding-text');
    text.appendChild(withCode(el('div', 'jp-mlops-message'), f.message));
    const meta = el('div', 'jp-mlops-meta');
    meta.appendChild(el('span', 'jp-mlops-code', f.code));
    meta.appendChild(el('span', 'jp-mlops-rule', f.rule));
    if (f.line !== null) {
      meta.appendChild(el('span', 'jp-mlops-line', `line ${f.line}`));
    }
    text.appendChild(meta);
    if (f.hint) {
      text.appendChild(withCode(el('div', 'jp-mlops-hint'), f.hint));
    }
    row.appendChild(text);
    item.appendChild(row);

    const actions = el('div', 'jp-mlops-actions');
    if (f.fix && f.fix.edits.length) {
      const unsafe = f.fix.applicability === 'unsafe';
      actions.appendChild(
        button(unsafe ? 'Fix (review)' : 'Fix', () => this._actions.fix(f), {
          className: 'jp-mlops-fix',
          title: `${f.fix.message}${unsafe ? ' (may change behaviour: review it)' : ''}. Undo with Ctrl+Z.`
        })
      );
    }
    actions.appendChild(
      button('Explain', () => this._actions.explain(f), {
        className: 'jp-mlops-explain',
        title: 'Why this matters and what to do instead'
      })
    );
    actions.appendChild(
      button('Ignore', () => this._actions.ignore(f), {
        className: 'jp-mlops-ignore',
        title:
          f.cell === null
            ? `Ignore ${f.code} in this notebook's checks (settings)`
            : `Add "# noqa: ${f.code}" to this line`
      })
    );
    item.appendChild(actions);

    if (this._teaching) {
      const lesson = el('div', 'jp-mlops-teach');
      lesson.appendChild(el('div', 'jp-mlops-teach-title', 'Why it matters'));
      const body = el('div', 'jp-mlops-teach-body jp-RenderedHTMLCommon');
      lesson.appendChild(body);
      item.appendChild(lesson);
      this._lessons
        .whyHtml(f.rule)
        .then(html => (body.innerHTML = html))
        .catch(() => lesson.remove());
    }

    item.addEventListener('click', () => this._select(f));
    item.addEventListener('keydown', event => {
      if (event.target !== item) {
        return;
      }
      if (event.key === 'Enter' || event.key === ' ') {
        event.preventDefault();
        this._select(f);
      } else if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
        event.preventDefault();
        const all = Array.from(
          this.node.querySelectorAll<HTMLElement>('.jp-mlops-finding')
        );
        const next = all[all.indexOf(item) + (event.key === 'ArrowDown' ? 1 : -1)];
        next?.focus();
      }
    });
    return item;
  }

  private _select(f: IFinding): void {
    this.markSelected(f);
    this._actions.select(f);
  }

  private _empty(message: string, labIcon: LabIcon): HTMLElement {
    const box = el('div', 'jp-mlops-empty');
    box.appendChild(icon(labIcon, 'jp-mlops-empty-icon'));
    box.appendChild(el('p', '', message));
    return box;
  }

  private _errorBox(message: string): HTMLElement {
    const box = el('div', 'jp-mlops-error');
    box.setAttribute('role', 'alert');
    box.textContent = message;
    return box;
  }

  private _linter: NotebookLinter | null = null;
  private _shownError: string | null = null;
  private _shownResult: ILintResult | null = null;
  private _selected: string | null = null;
  private _teaching = false;
}
