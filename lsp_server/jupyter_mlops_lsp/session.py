"""What the server knows: open documents, their findings, what the client was last sent.

One `CellCache` serves every lint, so an edit re-analyses only the edited cell; the engine's
cross-cell pass and the rules run on the cached analyses. Diagnostics are sent only for the
documents that were edited or whose diagnostics changed.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from typing import Any

from lsprotocol import types

from jupyter_mlops.analysis import CellCache
from jupyter_mlops.errors import FixError, UnknownRuleError
from jupyter_mlops.linter.config import LintConfig
from jupyter_mlops.linter.findings import Applicability, Edit, Finding
from jupyter_mlops.linter.fixes import apply_edits, fix_notebook
from jupyter_mlops.linter.split import SplitLinter
from jupyter_mlops.notebook.writer import render_ipynb

from . import convert
from .convert import Located
from .documents import DocumentView, Encoder, encoder
from .settings import ConfigResolver, EditorSettings

log = logging.getLogger(__name__)

ADD_CELL_TAG = "jupyterMlops.addCellTag"  # a command the client implements (VS Code extension)
FIX_ALL_KIND = f"{types.CodeActionKind.SourceFixAll.value}.jupyter-mlops"
_NOQA = re.compile(r"#\s*noqa(?::\s*(?P<codes>[\w-]+(?:[ \t]*,[ \t]*[\w-]+)*))?", re.IGNORECASE)
_TAGS = re.compile(r"(\s)tags=(\[[^\]]*\])")


def _before(a: types.Position, b: types.Position) -> bool:
    return (a.line, a.character) < (b.line, b.character)


def _contains(r: types.Range, p: types.Position) -> bool:
    return not _before(p, r.start) and not _before(r.end, p)


def _overlaps(a: types.Range, b: types.Range) -> bool:
    return not _before(a.end, b.start) and not _before(b.end, a.start)


class Session:
    def __init__(self, send: Callable[[str, list[types.Diagnostic]], None],
                 notify: Callable[[str, types.MessageType], None]) -> None:
        self._send = send  # publish diagnostics for one document
        self._notify = notify  # tell the user something (once per distinct problem)
        self.cache = CellCache()
        self.linter = SplitLinter()  # lints here alone until `start()`ed
        self.resolver = ConfigResolver()
        self.editor = EditorSettings()
        self.encoding: str | None = None
        # False when the client pulls diagnostics. Notebook cells are pushed to every client:
        # VS Code's language client (9.x) never pulls diagnostics for cells.
        self.push = True
        self.on_relint: Callable[[], None] = lambda: None  # tells pulling clients to pull again
        self.client_commands: set[str] = set()
        self.views: dict[str, DocumentView] = {}
        self.owner: dict[str, str] = {}  # editor document URI -> view key
        self.located: dict[str, list[Located]] = {}  # view key -> findings with their ranges
        self.sent: dict[str, list[types.Diagnostic]] = {}  # document URI -> last diagnostics
        self.result_ids: dict[str, int] = {}
        self._told: set[str] = set()
        self._diagnostics: dict[tuple, types.Diagnostic] = {}

    # -- configuration -----------------------------------------------------------------------
    @property
    def enc(self) -> Encoder:
        return encoder(self.encoding)

    def config_for(self, view: DocumentView) -> LintConfig:
        config, problem = self.resolver.resolve(view.path, self.editor)
        if problem and problem not in self._told:
            self._told.add(problem)
            self._notify(f"jupyter-mlops: {problem}", types.MessageType.Warning)
        return config

    def set_settings(self, value: Any) -> bool:
        """Apply editor settings; True when they changed."""
        new = EditorSettings.parse(value)
        changed = new != self.editor or new.problems != self.editor.problems
        self.editor = new
        return changed

    # -- documents ---------------------------------------------------------------------------
    def put(self, view: DocumentView, touched: set[str] | None = None) -> set[str]:
        """Store a (re)built view, lint it, and return the URIs whose diagnostics changed."""
        old = self.views.get(view.key)
        self.views[view.key] = view
        for uri in view.all_uris():
            self.owner[uri] = view.key
        gone: set[str] = set()
        if old is not None:
            gone = set(old.all_uris()) - set(view.all_uris())
            for uri in gone:
                self.owner.pop(uri, None)
        if not (view.unchanged and view.key in self.located):
            self.lint(view.key)  # an edit that changed nothing (e.g. a save) keeps its findings
        return self.publish(view.key, force=(touched if touched is not None else set(view.uris())),
                            cleared=gone)

    def drop(self, key: str) -> None:
        view = self.views.pop(key, None)
        self.located.pop(key, None)
        if view is None:
            return
        push = self.push or view.kind == "notebook"
        for uri in view.all_uris():
            self.owner.pop(uri, None)
            self.result_ids.pop(uri, None)
            if self.sent.pop(uri, None) is not None and push:
                self._send(uri, [])  # closed: clear its marks

    def view_of(self, uri: str) -> DocumentView | None:
        key = self.owner.get(uri, uri)
        return self.views.get(key)

    # -- linting -----------------------------------------------------------------------------
    def lint(self, key: str) -> None:
        view = self.views[key]
        located: list[Located] = []
        if view.error is not None:
            d = convert.error_diagnostic(view, view.error)
            located.append(Located(Finding("unreadable", "unreadable", _error_severity(), d.message),
                                   view.key, d.range, d))
        elif view.notebook is not None and self.editor.enable:
            config = self.config_for(view)
            enc = self.enc
            memo = self._diagnostics
            if len(memo) > 50_000:
                memo.clear()

            def locate(f: Finding) -> Located:
                uri, rng = convert.locate(view, f, enc)
                # Unchanged findings keep their Diagnostic: equal objects, no re-serialised fix data.
                same = (uri, rng.start.line, rng.start.character, rng.end.line, rng.end.character,
                        f.rule, f.severity, f.message, f.hint, f.cell, f.fix)
                diag = memo.get(same)
                if diag is None:
                    diag = memo[same] = convert.diagnostic(f, rng)
                return Located(f, uri, rng, diag)

            # The server's own findings are located while the helper process finishes its share.
            located = self.linter.lint(view.notebook, config, self.cache, convert=locate)
        self.located[key] = located

    def relint_all(self) -> None:
        for key in list(self.views):
            self.lint(key)
            self.publish(key, force=set())
        if not self.push:
            self.on_relint()

    def diagnostics(self, key: str) -> dict[str, list[types.Diagnostic]]:
        view = self.views[key]
        out: dict[str, list[types.Diagnostic]] = {uri: [] for uri in view.uris()}
        for item in self.located.get(key, []):
            out.setdefault(item.uri, []).append(item.diagnostic)
        return out

    def publish(self, key: str, force: set[str], cleared: set[str] = frozenset()) -> set[str]:
        changed: set[str] = set()
        push = self.push or self.views[key].kind == "notebook"
        for uri, diags in self.diagnostics(key).items():
            if diags != self.sent.get(uri, []) or uri not in self.sent:
                changed.add(uri)
                self.result_ids[uri] = self.result_ids.get(uri, 0) + 1
            if uri in changed or uri in force:
                self.sent[uri] = diags
                if push:
                    self._send(uri, diags)
        view = self.views[key]
        if view.kind == "notebook":
            # A cell that stopped being Python code (now markdown, or another language) loses its marks.
            for uri in set(view.all_uris()) - set(view.uris()):
                if self.sent.get(uri):
                    self.sent[uri] = []
                    self.result_ids[uri] = self.result_ids.get(uri, 0) + 1
                    if push:
                        self._send(uri, [])
        for uri in cleared:
            self.result_ids.pop(uri, None)
            if self.sent.pop(uri, None) is not None and push:
                self._send(uri, [])
        return changed

    def pull(self, uri: str, previous: str | None) -> types.DocumentDiagnosticReport:
        view = self.view_of(uri)
        if view is None:
            return types.RelatedFullDocumentDiagnosticReport(items=[], result_id=None)
        diags = self.diagnostics(view.key).get(uri, [])
        self.sent[uri] = diags
        result_id = f"{self.result_ids.setdefault(uri, 1)}"
        if previous is not None and previous == result_id:
            return types.RelatedUnchangedDocumentDiagnosticReport(result_id=result_id)
        return types.RelatedFullDocumentDiagnosticReport(items=diags, result_id=result_id)

    # -- hover and code actions --------------------------------------------------------------
    def at(self, uri: str, rng: types.Range | types.Position) -> list[Located]:
        view = self.view_of(uri)
        if view is None:
            return []
        hit = (lambda r: _contains(r, rng)) if isinstance(rng, types.Position) else (lambda r: _overlaps(r, rng))
        return [item for item in self.located.get(view.key, [])
                if item.uri == uri and item.finding.rule != "unreadable" and hit(item.range)]

    def hover(self, uri: str, pos: types.Position) -> types.Hover | None:
        found = self.at(uri, pos)
        if not found:
            return None
        return types.Hover(contents=types.MarkupContent(kind=types.MarkupKind.Markdown,
                                                        value=convert.hover_markdown(found)),
                           range=found[0].range)

    def code_actions(self, uri: str, rng: types.Range, only: list[str] | None) -> list[types.CodeAction]:
        view = self.view_of(uri)
        if view is None or view.notebook is None:
            return []
        kinds = [str(k.value if hasattr(k, "value") else k) for k in (only or [])]
        quick = not kinds or any(types.CodeActionKind.QuickFix.value.startswith(k) or
                                 k.startswith(types.CodeActionKind.QuickFix.value) for k in kinds)
        fix_all = any(FIX_ALL_KIND.startswith(k) for k in kinds if k)
        actions: list[types.CodeAction] = []
        if quick:
            for item in self.at(uri, rng):
                actions.extend(self._actions_for(view, item))
        if fix_all:
            edit, applied, _ = self.fix_all_edit(view, unsafe=False)
            if edit is not None and applied:
                actions.append(types.CodeAction(title="jupyter-mlops: fix all safe findings",
                                                kind=FIX_ALL_KIND, edit=edit))
        return actions

    def _actions_for(self, view: DocumentView, item: Located) -> list[types.CodeAction]:
        f = item.finding
        out: list[types.CodeAction] = []
        if f.fix is not None and f.fix.edits:
            edit = self.fix_edit(view, list(f.fix.edits))
            if edit is not None:
                safe = f.fix.applicability == Applicability.SAFE
                out.append(types.CodeAction(
                    title=f"Fix {f.code}: {f.fix.message}" + ("" if safe else " (unsafe)"),
                    kind=types.CodeActionKind.QuickFix, diagnostics=[item.diagnostic],
                    is_preferred=safe, edit=edit))
        line_edit = self.noqa_line_edit(view, f)
        if line_edit is not None:
            out.append(types.CodeAction(title=f"Suppress {f.code} on this line (# noqa)",
                                        kind=types.CodeActionKind.QuickFix,
                                        diagnostics=[item.diagnostic], edit=line_edit))
        cell_action = self.noqa_cell_action(view, f, item.diagnostic)
        if cell_action is not None:
            out.append(cell_action)
        out.append(types.CodeAction(
            title=f"Explain {f.code} ({f.rule})", kind=types.CodeActionKind.QuickFix,
            diagnostics=[item.diagnostic],
            command=types.Command(title=f"Explain {f.code}", command="jupyter-mlops.explain",
                                  arguments=[f.code])))
        return out

    # -- edits -------------------------------------------------------------------------------
    def fix_edit(self, view: DocumentView, edits: list[Edit]) -> types.WorkspaceEdit | None:
        enc = self.enc
        assert view.notebook is not None
        if view.kind == "ipynb":
            by_cell: dict[int, list[Edit]] = {}
            for e in edits:
                by_cell.setdefault(e.cell, []).append(e)
            try:
                changes = {i: apply_edits(view.notebook.cells[i].source, es) for i, es in by_cell.items()}
                new_text = render_ipynb(view.original or "", changes, view.notebook.nbformat)
            except (FixError, IndexError, ValueError, KeyError, TypeError):
                return None
            return convert.workspace_edit(view, {view.key: [convert.replace_document(view, enc, view.key, new_text)]})
        mapped: dict[str, list[types.TextEdit]] = {}
        for e in edits:
            te = convert.text_edit(view, enc, e)
            if te is None:
                return None
            mapped.setdefault(te[0], []).append(te[1])
        return convert.workspace_edit(view, mapped)

    def noqa_line_edit(self, view: DocumentView, f: Finding) -> types.WorkspaceEdit | None:
        assert view.notebook is not None
        if f.cell is None or f.line is None or not 0 <= f.cell < len(view.notebook.cells):
            return None
        cell = view.notebook.cells[f.cell]
        lines = cell.source.split("\n")
        if not 0 < f.line <= len(lines) or not cell.is_code:
            return None
        if f.line in self.cache.get(cell.source).python.changed_lines:
            return None  # a magic or shell line: a comment would become part of the command
        text = lines[f.line - 1]
        m = _NOQA.search(text)
        if m and m.group("codes"):
            col, content = m.end("codes"), f", {f.code}"
        elif m:
            return None
        else:
            col, content = len(text), f"  # noqa: {f.code}"
        return self.fix_edit(view, [Edit(f.cell, f.line, col, f.line, col, content)])

    def noqa_cell_action(self, view: DocumentView, f: Finding, diag: types.Diagnostic) -> types.CodeAction | None:
        if f.cell is None:
            return None
        tag = f"noqa:{f.code}"
        title = f"Suppress {f.code} in this cell (cell tag {tag})"
        if view.kind == "notebook":
            if ADD_CELL_TAG not in self.client_commands:
                return None
            # The index counts the cells the client synced (VS Code sends only Python cells, so
            # it is not the notebook's own index once markdown comes first): the cell's document
            # URI names the cell exactly, and the client finds it by that.
            slot = view.slot(f.cell)
            arguments = [view.key, f.cell, tag] + ([slot.uri] if slot is not None else [])
            return types.CodeAction(title=title, kind=types.CodeActionKind.QuickFix, diagnostics=[diag],
                                    command=types.Command(title=title, command=ADD_CELL_TAG,
                                                          arguments=arguments))
        if view.kind != "percent":
            return None
        slot = view.slot(f.cell)
        if slot is None or slot.header_line is None:
            return None
        header = view.doc_text(slot.uri, slot.header_line)
        m = _TAGS.search(header)
        if m:
            try:
                tags = json.loads(m.group(2))
            except json.JSONDecodeError:
                return None
            if not isinstance(tags, list):
                return None
            new = header[:m.start(2)] + json.dumps([*tags, tag]) + header[m.end(2):]
        else:
            new = header.rstrip() + f" tags={json.dumps([tag])}"
        rng = convert.lsp_range(view, self.enc, slot.uri, slot.header_line, 0, slot.header_line, len(header))
        edit = convert.workspace_edit(view, {slot.uri: [types.TextEdit(range=rng, new_text=new)]})
        return types.CodeAction(title=title, kind=types.CodeActionKind.QuickFix, diagnostics=[diag], edit=edit)

    def fix_all_edit(self, view: DocumentView, unsafe: bool) -> tuple[types.WorkspaceEdit | None, int, int]:
        if view.notebook is None:
            return None, 0, 0
        result = fix_notebook(view.notebook, self.config_for(view), unsafe, self.cache)
        if not result.changes:
            return None, len(result.applied), len(result.remaining)
        enc = self.enc
        if view.kind == "ipynb":
            try:
                new_text = render_ipynb(view.original or "", result.changes, view.notebook.nbformat)
            except (ValueError, KeyError, IndexError, TypeError):
                return None, 0, len(result.remaining)
            edits = {view.key: [convert.replace_document(view, enc, view.key, new_text)]}
        else:
            edits: dict[str, list[types.TextEdit]] = {}
            for index in sorted(result.changes):
                slot = view.slot(index)
                if slot is None or slot.whole:
                    continue  # rewritten IPython lines: the cell's text cannot be replaced as sent
                edits.setdefault(slot.uri, []).append(convert.replace_cell(view, enc, slot, result.changes[index]))
        return convert.workspace_edit(view, edits), len(result.applied), len(result.remaining)


def _error_severity():
    from jupyter_mlops.linter.findings import Severity
    return Severity.ERROR


def explain_result(code: str) -> dict[str, Any]:
    from jupyter_mlops.api import explain
    try:
        info = explain(code)
    except UnknownRuleError as exc:
        raise ValueError(str(exc)) from None
    return {"code": info.code, "name": info.name, "url": info.url, "markdown": info.markdown,
            "summary": info.summary}


__all__ = ["ADD_CELL_TAG", "FIX_ALL_KIND", "Session", "explain_result"]
