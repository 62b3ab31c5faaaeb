/**
 * Rule lessons: fetched once per rule, rendered with JupyterLab's own markdown renderer.
 */
import { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import { Widget } from '@lumino/widgets';

import { requestAPI } from './api';
import { IRuleInfo } from './types';

export class Lessons {
  constructor(private _rendermime: IRenderMimeRegistry) {}

  rule(name: string): Promise<IRuleInfo> {
    let info = this._rules.get(name);
    if (!info) {
      info = requestAPI<IRuleInfo>(`rules/${encodeURIComponent(name)}`);
      info.catch(() => this._rules.delete(name));
      this._rules.set(name, info);
    }
    return info;
  }

  /** The whole lesson as a widget (for the Explain dialog). */
  async lessonWidget(name: string): Promise<Widget> {
    const info = await this.rule(name);
    const widget = new Widget();
    widget.addClass('jp-mlops-lesson');
    const body = stripTitle(info.markdown);
    await this._render(body, widget.node);
    const link = document.createElement('a');
    link.href = info.url;
    link.target = '_blank';
    link.rel = 'noopener noreferrer';
    link.className = 'jp-mlops-lesson-link';
    link.textContent = 'Rule reference';
    widget.node.appendChild(link);
    return widget;
  }

  /** The "Why is this bad?" part as HTML (for teaching mode), cached per rule. */
  async whyHtml(name: string): Promise<string> {
    let html = this._why.get(name);
    if (!html) {
      html = this.rule(name).then(async info => {
        const host = document.createElement('div');
        await this._render(section(info.markdown, 'Why is this bad?'), host);
        return host.innerHTML;
      });
      html.catch(() => this._why.delete(name));
      this._why.set(name, html);
    }
    return html;
  }

  private async _render(markdown: string, host: HTMLElement): Promise<void> {
    const model = this._rendermime.createModel({
      data: { 'text/markdown': markdown }
    });
    const renderer = this._rendermime.createRenderer('text/markdown');
    await renderer.renderModel(model);
    host.appendChild(renderer.node);
  }

  private _rules = new Map<string, Promise<IRuleInfo>>();
  private _why = new Map<string, Promise<string>>();
}

function stripTitle(markdown: string): string {
  return markdown.replace(/^# [^\n]*\n+/, '');
}

/** One `## Heading` section of a lesson, without its heading. */
export function section(markdown: string, heading: string): string {
  const lines = markdown.split('\n');
  const start = lines.findIndex(l => l.trim() === `## ${heading}`);
  if (start < 0) {
    return '';
  }
  const rest = lines.slice(start + 1);
  const end = rest.findIndex(l => l.startsWith('## '));
  return (end < 0 ? rest : rest.slice(0, end)).join('\n').trim();
}
