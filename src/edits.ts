/**
 * Apply the engine's cell-relative edits to a notebook's shared model.
 *
 * Edits go through the cell's shared model (Yjs), so they join the notebook's undo history:
 * Ctrl+Z in the cell undoes a fix, and nothing is written to disk until the user saves.
 */
import { ICellModel } from '@jupyterlab/cells';
import { INotebookModel } from '@jupyterlab/notebook';

import { IEdit, IFinding } from './types';

/** UTF-16 offset of a (1-based line, 0-based code-point column) position in `source`. */
export function offsetOf(source: string, line: number, column: number): number {
  const lines = source.split('\n');
  const index = Math.max(1, Math.min(line, lines.length));
  let offset = 0;
  for (let i = 0; i < index - 1; i++) {
    offset += lines[i].length + 1;
  }
  const text = lines[index - 1];
  // Python counts code points; JavaScript strings count UTF-16 units.
  const head = Array.from(text).slice(0, Math.max(0, column)).join('');
  return offset + Math.min(head.length, text.length);
}

function cellAt(model: INotebookModel, index: number): ICellModel | null {
  return index >= 0 && index < model.cells.length ? model.cells.get(index) : null;
}

/** Apply one finding's fix. Returns false when the notebook changed shape since the lint. */
export function applyFix(model: INotebookModel, finding: IFinding): boolean {
  if (!finding.fix || finding.fix.edits.length === 0) {
    return false;
  }
  const byCell = new Map<number, IEdit[]>();
  for (const edit of finding.fix.edits) {
    byCell.set(edit.cell, [...(byCell.get(edit.cell) ?? []), edit]);
  }
  for (const index of byCell.keys()) {
    if (!cellAt(model, index)) {
      return false;
    }
  }
  // One transaction per cell, made by the cell: that is what the cell's undo history
  // (Ctrl+Z in its editor) records. A notebook-level transaction would not be undoable there.
  for (const [index, edits] of byCell) {
    const cell = cellAt(model, index)!;
    cell.sharedModel.transact(() => {
      const source = cell.sharedModel.getSource();
      // Apply from the end so earlier offsets stay valid.
      const spans = edits
        .map(e => ({
          start: offsetOf(source, e.line, e.column),
          end: offsetOf(source, e.end_line, e.end_column),
          content: e.content
        }))
        .sort((a, b) => b.start - a.start || b.end - a.end);
      for (const span of spans) {
        cell.sharedModel.updateSource(span.start, span.end, span.content);
      }
    });
  }
  return true;
}

/** Replace whole cell sources (fix-all); each cell's change is undoable in that cell. */
export function applySources(
  model: INotebookModel,
  changes: { cell: number; cell_id: string | null; source: string }[]
): number {
  let applied = 0;
  for (const change of changes) {
    const cell = cellAt(model, change.cell);
    if (!cell || (change.cell_id && cell.id !== change.cell_id)) {
      continue;
    }
    const source = cell.sharedModel.getSource();
    if (source === change.source) {
      continue;
    }
    // Replace only the differing middle so the cursor and undo steps stay small.
    let start = 0;
    while (
      start < source.length &&
      start < change.source.length &&
      source[start] === change.source[start]
    ) {
      start++;
    }
    let endOld = source.length;
    let endNew = change.source.length;
    while (
      endOld > start &&
      endNew > start &&
      source[endOld - 1] === change.source[endNew - 1]
    ) {
      endOld--;
      endNew--;
    }
    cell.sharedModel.updateSource(
      start,
      endOld,
      change.source.slice(start, endNew)
    );
    applied++;
  }
  return applied;
}

const NOQA = /#\s*noqa(?::\s*([\w-]+(?:[\s,]+[\w-]+)*))?/i;

/**
 * Suppress a finding: a `# noqa: CODE` comment on its line, or a `noqa:CODE` cell tag when
 * a comment cannot go there (no line, a continued line, an open triple-quoted string).
 * Returns a description of what was done, or null when the finding has no cell.
 */
export function addNoqa(model: INotebookModel, finding: IFinding): string | null {
  if (finding.cell === null) {
    return null;
  }
  const cell = cellAt(model, finding.cell);
  if (!cell) {
    return null;
  }
  const source = cell.sharedModel.getSource();
  const lines = source.split('\n');
  const line = finding.line;
  if (line !== null && line >= 1 && line <= lines.length) {
    const text = lines[line - 1];
    // A comment cannot go after a line continuation, nor where a triple-quoted string is
    // still open at the end of the line (it would become part of the string).
    const openString = (text.match(/"""|'''/g) ?? []).length % 2 === 1;
    if (!text.trimEnd().endsWith('\\') && !openString) {
      const match = NOQA.exec(text);
      let updated: string;
      if (match && match[1] === undefined) {
        return 'already suppressed';
      } else if (match) {
        const at = match.index + match[0].length;
        updated = `${text.slice(0, at)}, ${finding.code}${text.slice(at)}`;
      } else {
        updated = `${text.trimEnd()}  # noqa: ${finding.code}`;
      }
      const start = offsetOf(source, line, 0);
      cell.sharedModel.updateSource(start, start + text.length, updated);
      return `added "# noqa: ${finding.code}" to line ${line}`;
    }
  }
  const tags = (cell.getMetadata('tags') as string[] | undefined) ?? [];
  const tag = `noqa:${finding.code}`;
  if (!tags.includes(tag)) {
    cell.setMetadata('tags', [...tags, tag]);
  }
  return `added the cell tag "${tag}"`;
}
