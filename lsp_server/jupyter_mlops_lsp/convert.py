"""Engine findings and edits as LSP diagnostics, text edits and hover text."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from lsprotocol import types

from jupyter_mlops.errors import UnknownRuleError
from jupyter_mlops.linter.findings import Edit, Finding, Severity
from jupyter_mlops.linter.registry import get_rule

from .documents import DocumentView, Encoder, Slot

SOURCE = "jupyter-mlops"
SEVERITY = {
    Severity.ERROR: types.DiagnosticSeverity.Error,
    Severity.WARNING: types.DiagnosticSeverity.Warning,
    Severity.INFO: types.DiagnosticSeverity.Information,
}


@dataclass
class Located:
    """A finding with the editor document and range it is shown on."""

    finding: Finding
    uri: str
    range: types.Range
    diagnostic: types.Diagnostic


@lru_cache(maxsize=512)
def rule_url(name: str) -> str | None:
    rule = get_rule(name)
    return rule.url() if rule else None


@lru_cache(maxsize=512)
def lesson_markdown(name: str) -> str | None:
    from jupyter_mlops.api import explain
    try:
        return explain(name).markdown
    except (UnknownRuleError, ValueError):
        return None


def lsp_range(view: DocumentView, enc: Encoder, uri: str, sl: int, sc: int, el: int, ec: int) -> types.Range:
    return types.Range(
        start=types.Position(line=sl, character=enc(view.doc_text(uri, sl), sc)),
        end=types.Position(line=el, character=enc(view.doc_text(uri, el), ec)),
    )


def locate(view: DocumentView, finding: Finding, enc: Encoder) -> tuple[str, types.Range]:
    slot = view.slot(finding.cell)
    if slot is None or finding.line is None:
        slot = view.first_slot() if slot is None else slot
        line = slot.doc_lines[0] if slot.doc_lines else 0
        return slot.uri, lsp_range(view, enc, slot.uri, line, 0, line, 0)
    col = finding.column or 0
    end_line = finding.end_line or finding.line
    end_col = finding.end_column if finding.end_column is not None else col
    sl, sc, el, ec = view.char_range(slot, finding.line, col, end_line, end_col)
    return slot.uri, lsp_range(view, enc, slot.uri, sl, sc, el, ec)


def diagnostic(finding: Finding, rng: types.Range) -> types.Diagnostic:
    url = rule_url(finding.rule)
    message = finding.message + (f"\n{finding.hint}" if finding.hint else "")
    data = {"rule": finding.rule, "cell": finding.cell,
            "fix": finding.fix.to_dict() if finding.fix else None}
    return types.Diagnostic(
        range=rng, message=message, severity=SEVERITY.get(finding.severity),
        code=finding.code, source=SOURCE,
        code_description=types.CodeDescription(href=url) if url else None, data=data,
    )


def error_diagnostic(view: DocumentView, problem: str) -> types.Diagnostic:
    """The document itself cannot be read as a notebook (e.g. invalid JSON)."""
    return types.Diagnostic(
        range=types.Range(start=types.Position(line=0, character=0),
                          end=types.Position(line=0, character=len(view.doc_text(view.key, 0)))),
        message=f"not a readable notebook: {problem}", severity=types.DiagnosticSeverity.Error,
        code="unreadable", source=SOURCE,
    )


def text_edit(view: DocumentView, enc: Encoder, edit: Edit) -> tuple[str, types.TextEdit] | None:
    """One engine edit as an editor edit, or None when its position does not map exactly."""
    slot = view.slot(edit.cell)
    if slot is None or not slot.exact(edit.line) or not slot.exact(edit.end_line):
        return None
    sl, sc = view.to_doc(slot, edit.line, edit.column)
    el, ec = view.to_doc(slot, edit.end_line, edit.end_column)
    assert sc is not None and ec is not None
    return slot.uri, types.TextEdit(range=lsp_range(view, enc, slot.uri, sl, sc, el, ec),
                                    new_text=edit.content)


def replace_cell(view: DocumentView, enc: Encoder, slot: Slot, new_source: str) -> types.TextEdit:
    first = slot.doc_lines[0] if slot.doc_lines else 0
    el, ec = view.cell_end(slot)
    return types.TextEdit(range=lsp_range(view, enc, slot.uri, first, 0, el, ec), new_text=new_source)


def replace_document(view: DocumentView, enc: Encoder, uri: str, new_text: str) -> types.TextEdit:
    lines = view.texts.get(uri) or [""]
    last = len(lines) - 1
    return types.TextEdit(range=lsp_range(view, enc, uri, 0, 0, last, len(lines[last])), new_text=new_text)


def workspace_edit(view: DocumentView, edits: dict[str, list[types.TextEdit]]) -> types.WorkspaceEdit:
    return types.WorkspaceEdit(document_changes=[
        types.TextDocumentEdit(
            text_document=types.OptionalVersionedTextDocumentIdentifier(uri=uri, version=view.versions.get(uri)),
            edits=list(items),
        )
        for uri, items in edits.items() if items
    ])


def hover_markdown(found: list[Located]) -> str:
    parts: list[str] = []
    seen: set[str] = set()
    for item in found:
        f = item.finding
        parts.append(f"**{f.code} {f.rule}**: {f.message}" + (f"\n\n_{f.hint}_" if f.hint else ""))
        if f.rule not in seen:
            seen.add(f.rule)
            lesson = lesson_markdown(f.rule)
            if lesson:
                parts.append(lesson)
    return "\n\n---\n\n".join(parts)
