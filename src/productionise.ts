/**
 * The Productionise dialog: plan -> create the package -> test run progress -> result -> open files.
 */
import { Dialog, showDialog } from '@jupyterlab/apputils';
import { PathExt } from '@jupyterlab/coreutils';
import { NotebookPanel } from '@jupyterlab/notebook';
import { Widget } from '@lumino/widgets';

import { ApiError, post, requestAPI } from './api';
import { checkIcon, errorIcon, packageIcon } from './icons';
import { IJob } from './types';
import { el } from './dom';

export interface IProductioniseHost {
  /** Open a file (root-relative path) in the main area. */
  open(path: string): void;
  /** Show a folder in the file browser. */
  reveal(path: string): void;
  /** Scroll the notebook to a cell (0-based index) and select it. */
  goToCell(panel: NotebookPanel, cell: number, line: number | null): void;
}

type Dict = { [key: string]: any };

function section(title: string, count?: number): HTMLElement {
  const box = el('section', 'jp-mlops-plan-section');
  const head = el('h3', 'jp-mlops-plan-heading', title);
  if (count !== undefined) {
    head.appendChild(el('span', 'jp-mlops-plan-count', String(count)));
  }
  box.appendChild(head);
  return box;
}

function joinPath(dir: string, file: string): string {
  if (!dir || file.startsWith('/') || file === dir || file.startsWith(`${dir}/`)) {
    return file;
  }
  return PathExt.join(dir, file);
}

export class ProductioniseBody extends Widget {
  constructor(
    private _panel: NotebookPanel,
    private _host: IProductioniseHost
  ) {
    super();
    this.addClass('jp-mlops-productionise-dialog');
    this._content = el('div', 'jp-mlops-plan');
    this._content.setAttribute('aria-live', 'polite');
    this.node.appendChild(this._content);
    this._message('Planning the package…', true);
    void this._plan();
  }

  /** The job being run, if any (the dialog cancels it when closed early). */
  get job(): IJob | null {
    return this._job;
  }

  get path(): string {
    return this._panel.context.localPath;
  }

  async cancel(): Promise<void> {
    if (this._job && this._job.state === 'running') {
      try {
        await requestAPI(`jobs/${this._job.id}`, { method: 'DELETE' });
      } catch {
        // The job may just have finished.
      }
    }
  }

  dispose(): void {
    this._disposedPolling = true;
    super.dispose();
  }

  private _message(text: string, busy = false, error = false): void {
    this._content.replaceChildren();
    const box = el('div', `jp-mlops-plan-message${error ? ' jp-mlops-error' : ''}`);
    if (busy) {
      box.appendChild(el('span', 'jp-mlops-spinner'));
    }
    box.appendChild(el('span', '', text));
    if (error) {
      box.setAttribute('role', 'alert');
    }
    this._content.appendChild(box);
  }

  private async _plan(): Promise<void> {
    try {
      this._planData = await post<Dict>('productionise/plan', { path: this.path });
    } catch (error) {
      this._message(error instanceof ApiError ? error.message : String(error), false, true);
      return;
    }
    this._renderPlan();
  }

  private _renderPlan(): void {
    const plan = this._planData!;
    const root = this._content;
    root.replaceChildren();
    const head = el('div', 'jp-mlops-plan-head');
    head.appendChild(packageIcon.element({ tag: 'span', className: 'jp-mlops-plan-icon' }));
    const title = el('div', 'jp-mlops-plan-title');
    title.appendChild(el('div', 'jp-mlops-plan-package', plan.package ?? 'package'));
    title.appendChild(el('div', 'jp-mlops-plan-dir', `→ ${plan.out_dir ?? ''}`));
    head.appendChild(title);
    root.appendChild(head);

    const problems: Dict[] = plan.problems ?? [];
    if (problems.length) {
      const box = section('Cannot productionise yet', problems.length);
      box.classList.add('jp-mlops-plan-problems');
      box.appendChild(this._problemList(problems));
      root.appendChild(box);
    }

    const stages: Dict[] = plan.stages ?? [];
    const stageBox = section('Stages', stages.length);
    const ol = el('ol', 'jp-mlops-plan-stages');
    for (const stage of stages) {
      const li = el('li');
      li.appendChild(el('code', 'jp-mlops-signature', stage.signature ?? stage.name));
      const cells: number[] = stage.cells ?? [];
      if (cells.length) {
        li.appendChild(
          el('span', 'jp-mlops-plan-cells', `cells ${cells.map(c => c + 1).join(', ')}`)
        );
      }
      ol.appendChild(li);
    }
    stageBox.appendChild(ol);
    root.appendChild(stageBox);

    const params: Dict[] = plan.parameters ?? [];
    if (params.length) {
      const box = section('Parameters', params.length);
      const table = el('table', 'jp-mlops-plan-params');
      for (const p of params) {
        const tr = el('tr');
        tr.appendChild(el('td', 'jp-mlops-param-name', p.field ?? p.name));
        tr.appendChild(el('td', 'jp-mlops-param-value', JSON.stringify(p.value)));
        tr.appendChild(el('td', 'jp-mlops-param-origin', p.origin ?? ''));
        table.appendChild(tr);
      }
      box.appendChild(table);
      root.appendChild(box);
    }

    const files: string[] = plan.files ?? [];
    if (files.length) {
      const box = section('Files', files.length);
      const ul = el('ul', 'jp-mlops-plan-files');
      for (const f of files) {
        ul.appendChild(el('li', '', f));
      }
      box.appendChild(ul);
      root.appendChild(box);
    }

    const dropped: Dict[] = plan.dropped ?? [];
    const box = section('Dropped lines', dropped.length);
    if (dropped.length) {
      const details = el('details', 'jp-mlops-plan-dropped');
      details.appendChild(el('summary', '', 'Display-only and notebook-only lines left out of the package'));
      const ul = el('ul');
      for (const d of dropped) {
        const li = el('li');
        li.appendChild(el('span', 'jp-mlops-plan-where', `cell ${d.cell + 1}, line ${d.line}`));
        li.appendChild(el('code', '', d.text));
        li.appendChild(el('span', 'jp-mlops-plan-reason', d.reason));
        ul.appendChild(li);
      }
      details.appendChild(ul);
      box.appendChild(details);
    } else {
      box.appendChild(el('p', 'jp-mlops-plan-muted', 'Every line goes into the package.'));
    }
    root.appendChild(box);

    const footer = el('div', 'jp-mlops-plan-footer');
    const check = el('label', 'jp-mlops-plan-check');
    const box2 = el('input');
    box2.type = 'checkbox';
    box2.checked = true;
    box2.className = 'jp-mlops-run-tests';
    check.append(box2, el('span', '', 'Run the generated tests'));
    footer.appendChild(check);
    if (this._panel.context.model.dirty) {
      footer.appendChild(
        el('span', 'jp-mlops-plan-muted', 'Unsaved changes are saved first.')
      );
    }
    const create = el('button', 'jp-mod-styled jp-mod-accept jp-mlops-create', 'Create package');
    create.type = 'button';
    create.disabled = problems.length > 0;
    create.addEventListener('click', () => void this._create(box2.checked));
    footer.appendChild(create);
    root.appendChild(footer);
    create.focus({ preventScroll: true });
  }

  private _problemList(problems: Dict[]): HTMLElement {
    const ul = el('ul', 'jp-mlops-plan-problem-list');
    for (const p of problems) {
      const li = el('li');
      if (p.cell !== null && p.cell !== undefined) {
        const link = el('button', 'jp-mlops-link', `Cell ${p.cell + 1}${p.line ? `, line ${p.line}` : ''}`);
        link.type = 'button';
        link.addEventListener('click', () => this._host.goToCell(this._panel, p.cell, p.line ?? null));
        li.appendChild(link);
      }
      li.appendChild(el('span', '', p.message));
      ul.appendChild(li);
    }
    return ul;
  }

  private async _create(check: boolean): Promise<void> {
    const context = this._panel.context;
    this._message('Starting…', true);
    try {
      if (context.model.dirty) {
        await context.save();
      }
      const reply = await post<{ job: IJob }>('productionise', { path: this.path, check });
      this._job = reply.job;
    } catch (error) {
      this._message(error instanceof ApiError ? error.message : String(error), false, true);
      return;
    }
    this._renderProgress();
    while (!this._disposedPolling && this._job.state === 'running') {
      await new Promise(resolve => window.setTimeout(resolve, 400));
      try {
        this._job = (await requestAPI<{ job: IJob }>(`jobs/${this._job.id}`)).job;
      } catch (error) {
        this._message(error instanceof ApiError ? error.message : String(error), false, true);
        return;
      }
      this._renderProgress();
    }
    if (!this._disposedPolling) {
      this._renderResult();
    }
  }

  private _renderProgress(): void {
    const job = this._job!;
    let box = this._content.querySelector<HTMLElement>('.jp-mlops-progress');
    if (!box) {
      this._content.replaceChildren();
      box = el('div', 'jp-mlops-progress');
      const label = el('div', 'jp-mlops-progress-label');
      const bar = el('progress', 'jp-mlops-progress-bar');
      bar.max = 1;
      const log = el('pre', 'jp-mlops-progress-log');
      const cancel = el('button', 'jp-mod-styled jp-mod-reject jp-mlops-cancel', 'Cancel');
      cancel.type = 'button';
      cancel.addEventListener('click', () => {
        cancel.disabled = true;
        void this.cancel();
      });
      box.append(label, bar, log, cancel);
      this._content.appendChild(box);
    }
    box.querySelector('.jp-mlops-progress-label')!.textContent = `${job.message} (${Math.round(job.fraction * 100)}%)`;
    const bar = box.querySelector('progress')!;
    bar.value = job.fraction;
    bar.setAttribute('aria-label', `Progress ${Math.round(job.fraction * 100)}%`);
    const log = box.querySelector('pre')!;
    log.textContent = job.log.slice(-8).join('\n');
  }

  private _renderResult(): void {
    const job = this._job!;
    const result: Dict = job.result ?? {};
    const root = this._content;
    root.replaceChildren();
    const ok = job.state === 'succeeded';
    const banner = el('div', `jp-mlops-result jp-mlops-result-${ok ? 'ok' : job.state}`);
    banner.setAttribute('role', ok ? 'status' : 'alert');
    banner.appendChild((ok ? checkIcon : errorIcon).element({ tag: 'span', className: 'jp-mlops-result-icon' }));
    const text = el('div', 'jp-mlops-result-text');
    const heading =
      job.state === 'cancelled'
        ? 'Cancelled'
        : ok
          ? `Package ${result.package ?? ''} ${result.version ?? ''} created`
          : 'Productionise did not succeed';
    text.appendChild(el('div', 'jp-mlops-result-title', heading));
    text.appendChild(el('div', 'jp-mlops-result-message', job.error ?? result.message ?? ''));
    banner.appendChild(text);
    root.appendChild(banner);

    const tests: Dict | undefined = result.tests;
    if (tests) {
      const line = el('div', `jp-mlops-tests ${tests.ok ? 'jp-mlops-tests-ok' : tests.ran ? 'jp-mlops-tests-failed' : ''}`);
      line.textContent = tests.ran
        ? `Tests: ${tests.passed} passed, ${tests.failed} failed${tests.errors ? `, ${tests.errors} errors` : ''}${tests.skipped ? `, ${tests.skipped} skipped` : ''}`
        : 'Tests were not run';
      root.appendChild(line);
      if (tests.ran && !tests.ok && tests.output_tail) {
        const details = el('details', 'jp-mlops-test-output');
        details.appendChild(el('summary', '', 'Test output'));
        details.appendChild(el('pre', '', tests.output_tail));
        root.appendChild(details);
      }
    }
    const problems: Dict[] = result.problems ?? [];
    if (problems.length) {
      root.appendChild(this._problemList(problems));
    }
    const conflicts: Dict[] = result.conflicts ?? [];
    if (conflicts.length) {
      const box = section('Conflicts with your edits', conflicts.length);
      const ul = el('ul');
      for (const c of conflicts) {
        ul.appendChild(el('li', '', `${c.path}: ${c.message}`));
      }
      box.appendChild(ul);
      root.appendChild(box);
    }

    const dir: string = result.package_dir ?? '';
    const written: string[] = [...(result.files_written ?? []), ...(result.merged ?? [])];
    const files: string[] = written.length ? written : (result.files_unchanged ?? []);
    if (files.length) {
      const box = section(written.length ? 'Files written' : 'Files (unchanged)', files.length);
      const ul = el('ul', 'jp-mlops-result-files');
      for (const f of files) {
        const li = el('li');
        const link = el('button', 'jp-mlops-link', f);
        link.type = 'button';
        link.addEventListener('click', () => this._host.open(joinPath(dir, f)));
        li.appendChild(link);
        ul.appendChild(li);
      }
      box.appendChild(ul);
      root.appendChild(box);
    }
    if (ok && dir && !dir.startsWith('/')) {
      this._host.reveal(dir);
      const main = files.find(f => f.endsWith('pipeline.py')) ?? files.find(f => f.endsWith('.py'));
      if (main) {
        this._host.open(joinPath(dir, main));
      }
    }
  }

  private _content: HTMLElement;
  private _disposedPolling = false;
  private _job: IJob | null = null;
  private _planData: Dict | null = null;
}

/** Show the dialog for `panel`; closing it while the package is being built cancels the run. */
export async function showProductionise(
  panel: NotebookPanel,
  host: IProductioniseHost
): Promise<void> {
  const body = new ProductioniseBody(panel, host);
  await showDialog({
    title: `Productionise ${PathExt.basename(panel.context.localPath)}`,
    body,
    buttons: [Dialog.cancelButton({ label: 'Close' })],
    hasClose: true
  });
  if (body.job?.state === 'running') {
    await body.cancel();
  }
  body.dispose();
}
