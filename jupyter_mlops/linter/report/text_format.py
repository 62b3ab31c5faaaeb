"""Human-readable output in the style of ruff: location, code, message, source line, hint."""

from __future__ import annotations

from collections import Counter

from ...notebook.loader import load_notebook
from ...errors import NotebookReadError
from ..registry import get_rule
from ..findings import FileResult, Finding, LintReport

_COLORS = {"error": "\033[31m", "warning": "\033[33m", "info": "\033[36m"}
_BOLD, _DIM, _RESET = "\033[1m", "\033[2m", "\033[0m"


def location(path: str, f: Finding, file_line: int | None = None) -> str:
    if f.cell is None:
        return path
    if file_line is not None and f.line is not None:  # percent-format script: file lines
        return f"{path}:{file_line + f.line - 1}:{(f.column or 0) + 1}"
    where = f"{path}:cell {f.cell + 1}"
    if f.line is not None:
        where += f":{f.line}:{(f.column or 0) + 1}"
    return where


def format_text(report: LintReport, color: bool = False, show_source: bool = True,
                **_: object) -> str:
    def c(text: str, code: str) -> str:
        return f"{code}{text}{_RESET}" if color else text

    out: list[str] = []
    for result in report.files:
        if result.error:
            out.append(f"{c(result.path, _BOLD)}: {c('error', _COLORS['error'])}: {result.error}")
            continue
        # Percent-format scripts are located by file line, with or without source display.
        table = _sources(result) if result.findings else {}
        sources = table if show_source else None
        for f in result.findings:
            file_line = table.get(("file_line", f.cell))
            loc = location(result.path, f, file_line)
            fixable = " [*]" if f.fix and f.fix.applicability.value == "safe" else ""
            out.append(f"{c(loc, _BOLD)}: {c(f.code, _COLORS[f.severity.value])}{fixable} "
                       f"{f.message} {c('[' + f.rule + ']', _DIM)}")
            if sources and f.cell is not None and f.line is not None:
                text = sources.get((f.cell, f.line))
                col = f.column or 0
                width = ((f.end_column or 0) - col) if f.end_line == f.line else len(text or "") - col
                if text and _sensitive(f.rule):
                    text = _mask(text, col, col + max(1, width))  # never echo a secret into CI logs
                text, col, width = _window(text or "", col, max(1, width))
                if text.strip():
                    gutter = str(f.line if file_line is None else file_line + f.line - 1)
                    out.append(f"  {c(gutter, _DIM)} | {text}")
                    out.append(f"  {' ' * len(gutter)} | {' ' * col}{c('^' * width, _COLORS[f.severity.value])}")
            if f.hint:
                out.append(f"  {c('= hint:', _DIM)} {f.hint}")
    out.append(summary(report))
    return "\n".join(out)


_MAX_SHOWN = 120


def _window(text: str, col: int, width: int) -> tuple[str, int, int]:
    """At most _MAX_SHOWN characters of a source line around the column: a minified or
    generated line of megabytes must not be printed once per finding."""
    if len(text) <= _MAX_SHOWN:
        return text, col, width
    start = max(0, min(col - 40, len(text) - _MAX_SHOWN))
    end = start + _MAX_SHOWN
    shown = ("…" if start else "") + text[start:end] + ("…" if end < len(text) else "")
    return shown, col - start + (1 if start else 0), max(1, min(width, end - col))


def summary(report: LintReport) -> str:
    counts = Counter(f.severity.value for f in report.findings)
    errors = sum(1 for r in report.files if r.error)
    fixable = sum(1 for f in report.findings if f.fix and f.fix.applicability.value == "safe")
    n = len(report.findings)
    parts = [f"Found {n} finding{'s' if n != 1 else ''} in {len(report.files)} file"
             f"{'s' if len(report.files) != 1 else ''}"]
    if n:
        parts.append("(" + ", ".join(f"{counts[s]} {s}" for s in ("error", "warning", "info") if counts[s]) + ")")
    line = " ".join(parts) + "."
    if errors:
        line += f" {errors} file{'s' if errors != 1 else ''} could not be read."
    if fixable:
        line += f"\n[*] {fixable} fixable with `jupyter-mlops lint --fix`."
    return line


def _sources(result: FileResult) -> dict:
    nb = result.notebook
    if nb is None:
        try:
            nb = load_notebook(result.path)
        except NotebookReadError:
            return {}
    table: dict = {}
    for cell in nb.cells:
        if nb.format == "percent":
            table[("file_line", cell.index)] = cell.file_line
        for i, line in enumerate(cell.source.split("\n"), 1):
            table[(cell.index, i)] = line
    return table


def _sensitive(rule_name: str) -> bool:
    rule = get_rule(rule_name)
    return bool(rule is not None and getattr(rule, "sensitive", False))


def _mask(text: str, start: int, end: int) -> str:
    """Keep the quotes and first characters of a flagged literal, star out the rest."""
    span = text[start:end]
    keep = 0
    while keep < len(span) and span[keep] in "\"'bBrRuUfF":
        keep += 1
    keep = min(len(span), keep + 4)
    closing = span[-1] if span and span[-1] in "\"'" else ""
    body_end = len(span) - len(closing)
    masked = span[:keep] + "*" * max(0, body_end - keep) + closing
    return text[:start] + masked + text[end:]
