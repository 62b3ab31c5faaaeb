/**
 * jupyter-mlops for JupyterLab: the production-readiness sidebar, cell badges, fixes and
 * the Productionise dialog. All analysis happens in the server extension (one engine).
 */
import {
  ILabShell,
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import {
  Dialog,
  ICommandPalette,
  Notification,
  showDialog,
  ToolbarButton
} from '@jupyterlab/apputils';
import { MarkdownCell } from '@jupyterlab/cells';
import { CodeMirrorEditor } from '@jupyterlab/codemirror';
import {
  INotebookTracker,
  NotebookActions,
  NotebookPanel
} from '@jupyterlab/notebook';
import { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { Widget } from '@lumino/widgets';

import { ApiError, post, requestAPI } from './api';
import { addNoqa, applyFix, applySources } from './edits';
import { highlightLine } from './highlight';
import { packageIcon, readinessIcon } from './icons';
import { Lessons } from './lessons';
import { ILinterSettings, NotebookLinter } from './linter';
import { IProductioniseHost, showProductionise } from './productionise';
import { ReadinessPanel } from './sidebar';
import { IFinding, IFixResult, IVersion } from './types';

const PLUGIN_ID = 'jupyter-mlops:plugin';

namespace CommandIDs {
  export const show = 'jupyter-mlops:show';
  export const check = 'jupyter-mlops:check';
  export const fixAll = 'jupyter-mlops:fix-all';
  export const productionise = 'jupyter-mlops:productionise';
  export const teaching = 'jupyter-mlops:toggle-teaching-mode';
}

const plugin: JupyterFrontEndPlugin<void> = {
  id: PLUGIN_ID,
  description:
    'Production readiness of notebooks: findings by cell, fixes, lessons and productionise.',
  autoStart: true,
  requires: [INotebookTracker, IRenderMimeRegistry],
  optional: [ICommandPalette, ISettingRegistry, ILayoutRestorer, ILabShell],
  activate: (
    app: JupyterFrontEnd,
    tracker: INotebookTracker,
    rendermime: IRenderMimeRegistry,
    palette: ICommandPalette | null,
    settingRegistry: ISettingRegistry | null,
    restorer: ILayoutRestorer | null,
    labShell: ILabShell | null
  ) => {
    const { commands, shell } = app;
    const lessons = new Lessons(rendermime);
    const linters = new Map<NotebookPanel, NotebookLinter>();
    let settings: ISettingRegistry.ISettings | null = null;
    let teaching = false;
    let openWithNotebook = true;
    let shownOnce = false;
    const linterSettings: ILinterSettings = {
      debounceMs: 500,
      select: [],
      ignore: [],
      cellBadges: true,
      maxBodySize: 64 * 1024 * 1024
    };

    const current = (): NotebookPanel | null => tracker.currentWidget;
    const linterOf = (panel: NotebookPanel | null) =>
      panel ? (linters.get(panel) ?? null) : null;

    const goTo = async (
      panel: NotebookPanel,
      index: number,
      line: number | null,
      column: number | null = null
    ): Promise<void> => {
      shell.activateById(panel.id);
      const notebook = panel.content;
      if (index < 0 || index >= notebook.widgets.length) {
        return;
      }
      notebook.deselectAll();
      notebook.activeCellIndex = index;
      await notebook.scrollToItem(index, 'smart');
      const cell = notebook.widgets[index];
      await cell.ready;
      if (cell instanceof MarkdownCell && cell.rendered) {
        cell.rendered = false;
      }
      const editor = cell.editor;
      if (line !== null && editor instanceof CodeMirrorEditor) {
        const pos = { line: line - 1, column: column ?? 0 };
        editor.setCursorPosition(pos);
        highlightLine(editor.editor, line);
        editor.revealPosition(pos);
      }
      notebook.mode = 'command';
      notebook.activate();
    };

    const actions = {
      select: (f: IFinding) => {
        const linter = sidebar.linter;
        if (linter && f.cell !== null) {
          void goTo(linter.panel, f.cell, f.line, f.column);
        }
      },
      fix: (f: IFinding) => {
        const linter = sidebar.linter;
        if (!linter || !f.fix) {
          return;
        }
        if (!linter.isCurrent(f)) {
          Notification.info('The cell changed since the last check; checking again.', {
            autoClose: 3000
          });
          void linter.lintNow();
          return;
        }
        if (applyFix(linter.panel.context.model, f)) {
          void linter.lintNow();
        }
      },
      ignore: (f: IFinding) => {
        const linter = sidebar.linter;
        if (!linter) {
          return;
        }
        if (f.cell === null) {
          if (settings) {
            const ignore = [...linterSettings.ignore, f.code];
            void settings.set('ignore', ignore);
            Notification.info(`${f.code} (${f.rule}) is now ignored (Settings → Production readiness).`, {
              autoClose: 4000
            });
          }
          return;
        }
        if (!linter.isCurrent(f)) {
          void linter.lintNow();
          return;
        }
        addNoqa(linter.panel.context.model, f);
        void linter.lintNow();
      },
      explain: (f: IFinding) => void explain(f),
      fixAll: () => void commands.execute(CommandIDs.fixAll),
      productionise: () => void commands.execute(CommandIDs.productionise)
    };

    const explain = async (f: IFinding) => {
      let body: Widget;
      try {
        body = await lessons.lessonWidget(f.rule);
      } catch (error) {
        Notification.error(error instanceof ApiError ? error.message : String(error));
        return;
      }
      await showDialog({
        title: `${f.rule} (${f.code})`,
        body,
        buttons: [Dialog.okButton({ label: 'Close' })],
        hasClose: true
      });
    };

    const sidebar = new ReadinessPanel(actions, lessons);
    shell.add(sidebar, 'left', { rank: 650 });
    restorer?.add(sidebar, sidebar.id);

    const productioniseHost: IProductioniseHost = {
      open: path => void commands.execute('docmanager:open', { path }),
      reveal: path => {
        if (commands.hasCommand('filebrowser:go-to-path')) {
          void commands.execute('filebrowser:go-to-path', { path, dontShowBrowser: true });
        }
      },
      goToCell: (panel, cell, line) => void goTo(panel, cell, line)
    };

    const attach = (panel: NotebookPanel) => {
      const linter = new NotebookLinter(panel, { ...linterSettings });
      linters.set(panel, linter);
      linter.badgeClicked.connect((_, cell) => {
        shell.activateById(sidebar.id);
        sidebar.revealCell(cell);
      });
      panel.disposed.connect(() => {
        linters.delete(panel);
        linter.dispose();
        if (sidebar.linter === linter) {
          sidebar.linter = linterOf(current());
        }
      });
      // Toolbar: Productionise next to the cell type selector.
      const button = new ToolbarButton({
        icon: packageIcon,
        label: 'Productionise',
        tooltip: 'Turn this notebook into a tested Python package',
        className: 'jp-mlops-toolbar-productionise',
        onClick: () => void productionise(panel)
      });
      if (!panel.toolbar.insertAfter('cellType', 'jupyter-mlops-productionise', button)) {
        panel.toolbar.addItem('jupyter-mlops-productionise', button);
      }
    };

    tracker.widgetAdded.connect((_, panel) => {
      attach(panel);
      // The tracker may announce the new current notebook before it announces the widget.
      if (current() === panel) {
        sidebar.linter = linterOf(panel);
      }
      if (openWithNotebook && !shownOnce) {
        shownOnce = true;
        shell.activateById(sidebar.id);
      }
    });
    tracker.forEach(panel => attach(panel));
    tracker.currentChanged.connect(() => {
      sidebar.linter = linterOf(current());
      commands.notifyCommandChanged();
    });
    sidebar.linter = linterOf(current());

    // Execution counts feed the run-order rules: check again once cells have run.
    NotebookActions.executed.connect((_, { notebook }) => {
      for (const [panel, linter] of linters) {
        if (panel.content === notebook) {
          linter.schedule();
        }
      }
    });

    const productionise = async (panel: NotebookPanel | null) => {
      if (!panel) {
        return;
      }
      if (!serverVersion.productionise) {
        Notification.warning('Productionise is not available in this version of jupyter-mlops.');
        return;
      }
      await showProductionise(panel, productioniseHost);
    };

    commands.addCommand(CommandIDs.show, {
      label: 'Show Production Readiness',
      icon: readinessIcon,
      execute: () => shell.activateById(sidebar.id)
    });
    commands.addCommand(CommandIDs.check, {
      label: 'Check Production Readiness',
      isEnabled: () => current() !== null,
      execute: async () => {
        shell.activateById(sidebar.id);
        await linterOf(current())?.lintNow();
      }
    });
    commands.addCommand(CommandIDs.fixAll, {
      label: 'Fix All Safe Production Hazards',
      isEnabled: () => current() !== null,
      execute: async () => {
        const panel = current();
        const linter = linterOf(panel);
        if (!panel || !linter) {
          return;
        }
        let result: IFixResult;
        try {
          result = await post<IFixResult>('fixes', {
            path: panel.context.localPath,
            content: panel.context.model.toJSON(),
            select: linterSettings.select,
            ignore: linterSettings.ignore
          });
        } catch (error) {
          Notification.error(error instanceof ApiError ? error.message : String(error));
          return;
        }
        const changed = applySources(panel.context.model, result.changes);
        const n = result.applied.length;
        Notification.success(
          changed
            ? `Applied ${n} safe ${n === 1 ? 'fix' : 'fixes'} in ${changed} ${changed === 1 ? 'cell' : 'cells'}. Undo with Ctrl+Z.`
            : 'No safe fixes to apply.',
          { autoClose: 4000 }
        );
        await linter.lintNow();
      }
    });
    commands.addCommand(CommandIDs.productionise, {
      label: 'Productionise Notebook…',
      caption: 'Turn the current notebook into a tested Python package',
      icon: args => (args.toolbar ? packageIcon : undefined),
      isEnabled: () => current() !== null,
      execute: () => productionise(current())
    });
    commands.addCommand(CommandIDs.teaching, {
      label: 'Teaching Mode: Show Lessons Inline',
      isToggled: () => teaching,
      execute: () => {
        if (settings) {
          void settings.set('teachingMode', !teaching);
        } else {
          teaching = !teaching;
          sidebar.teachingMode = teaching;
        }
      }
    });
    if (palette) {
      const category = 'Production Readiness';
      for (const command of Object.values(CommandIDs)) {
        palette.addItem({ command, category });
      }
    }

    let serverVersion: IVersion = {
      name: 'jupyter-mlops',
      version: '',
      api_version: 1,
      productionise: true
    };
    requestAPI<IVersion & { settings: { max_body_size: number } }>('version')
      .then(v => {
        serverVersion = v;
        linterSettings.maxBodySize = v.settings.max_body_size;
        linters.forEach(l => l.updateSettings({ ...linterSettings }));
      })
      .catch(error => console.warn('jupyter-mlops: server extension not reachable', error));

    const applySettings = (s: ISettingRegistry.ISettings) => {
      const c = s.composite as { [key: string]: any };
      linterSettings.debounceMs = c.debounceMs ?? 500;
      linterSettings.select = c.select ?? [];
      linterSettings.ignore = c.ignore ?? [];
      linterSettings.cellBadges = c.cellBadges ?? true;
      teaching = c.teachingMode ?? false;
      openWithNotebook = c.openWithNotebook ?? true;
      sidebar.teachingMode = teaching;
      linters.forEach(l => l.updateSettings({ ...linterSettings }));
      commands.notifyCommandChanged(CommandIDs.teaching);
    };
    if (settingRegistry) {
      settingRegistry
        .load(PLUGIN_ID)
        .then(s => {
          settings = s;
          applySettings(s);
          s.changed.connect(applySettings);
        })
        .catch(error => console.warn('jupyter-mlops: cannot load settings', error));
    }
    void labShell;
  }
};

// One plugin per concern; each new panel (experiments, course, ...) adds its plugin here.
const plugins: JupyterFrontEndPlugin<any>[] = [plugin];

export default plugins;
