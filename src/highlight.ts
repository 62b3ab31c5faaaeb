/**
 * Highlight one line of a cell editor (CodeMirror 6) after the user clicks a finding.
 */
import { StateEffect, StateField } from '@codemirror/state';
import { Decoration, DecorationSet, EditorView } from '@codemirror/view';

const setHighlight = StateEffect.define<number | null>();

const lineMark = Decoration.line({ class: 'jp-mlops-highlighted-line' });

const highlightField = StateField.define<DecorationSet>({
  create: () => Decoration.none,
  update(value, tr) {
    value = value.map(tr.changes);
    for (const effect of tr.effects) {
      if (effect.is(setHighlight)) {
        if (effect.value === null) {
          value = Decoration.none;
        } else {
          const line = tr.state.doc.line(
            Math.max(1, Math.min(effect.value, tr.state.doc.lines))
          );
          value = Decoration.set([lineMark.range(line.from)]);
        }
      }
    }
    return value;
  },
  provide: field => EditorView.decorations.from(field)
});

const installed = new WeakSet<EditorView>();

/** Mark `line` (1-based) in `view`; `null` clears the mark. */
export function highlightLine(view: EditorView, line: number | null): void {
  if (!installed.has(view)) {
    installed.add(view);
    // A field added by a transaction only sees effects from the next one.
    view.dispatch({ effects: StateEffect.appendConfig.of(highlightField) });
  }
  view.dispatch({ effects: setHighlight.of(line) });
}
