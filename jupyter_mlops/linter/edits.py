"""Building blocks for fixes: exact text edits computed from ast positions.

Edits replace text inside one cell, so the user's formatting and comments outside the edited
span stay byte-for-byte the same.
"""

from __future__ import annotations

import ast

from ..analysis import CellAnalysis
from ..notebook.model import Cell
from .context import LintContext
from .findings import Edit


def replace_node(cell: Cell, analysis: CellAnalysis, node: ast.AST, text: str) -> Edit:
    line, col, end_line, end_col = analysis.span(node)
    return Edit(cell.index, line, col, end_line, end_col, text)


def insert_at(cell: Cell, line: int, col: int, text: str) -> Edit:
    return Edit(cell.index, line, col, line, col, text)


def add_keyword(cell: Cell, analysis: CellAnalysis, call: ast.Call, keyword: str) -> Edit:
    """Insert `keyword` (e.g. 'random_state=42') as the last argument of `call`."""
    _, _, end_line, end_col = analysis.span(call)
    close_col = end_col - 1  # the closing parenthesis
    before = _text_before(analysis.source, end_line, close_col).rstrip()
    has_args = bool(call.args or call.keywords)
    if not has_args:
        text = keyword
    elif before.endswith(","):
        text = " " + keyword if not before.endswith(", ") else keyword
    else:
        text = ", " + keyword
    # Insert right after the last non-blank character before ")", keeping any trailing newline
    # layout of multi-line calls intact.
    line, col = _position_after(analysis.source, before)
    return Edit(cell.index, line, col, line, col, text)


def _text_before(source: str, line: int, col: int) -> str:
    lines = source.split("\n")
    return "\n".join(lines[: line - 1] + [lines[line - 1][:col]])


def _position_after(source: str, prefix: str) -> tuple[int, int]:
    lines = prefix.split("\n")
    return len(lines), len(lines[-1])


def import_insertion_point(ctx: LintContext) -> tuple[Cell, int]:
    """Where new imports and setup lines go: after the top import block of the first cell that
    imports anything, else at the top of the first code cell."""
    if "import_insertion_point" not in ctx.memo:
        ctx.memo["import_insertion_point"] = _import_insertion_point(ctx)
    return ctx.memo["import_insertion_point"]


def _import_insertion_point(ctx: LintContext) -> tuple[Cell, int]:
    for cell, a in ctx.analysis.whole.parsed():
        if a.tree is None:
            continue
        last = None
        for stmt in a.tree.body:
            if isinstance(stmt, (ast.Import, ast.ImportFrom)):
                last = stmt
            elif last is not None:
                break
            elif not (isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant)):
                if any(isinstance(s, (ast.Import, ast.ImportFrom)) for s in a.tree.body):
                    continue
                break
        if last is not None:
            return cell, (last.end_lineno or last.lineno) + 1
    code = ctx.notebook.code_cells
    return (code[0] if code else ctx.notebook.cells[0]), 1


def insert_lines(cell: Cell, line: int, text: str) -> Edit:
    """Insert whole lines before `line` (1-based; one past the end appends)."""
    n = len(cell.source.split("\n"))
    if line > n:
        return Edit(cell.index, n, len(cell.source.split("\n")[-1]), n,
                    len(cell.source.split("\n")[-1]), "\n" + text.rstrip("\n"))
    return Edit(cell.index, line, 0, line, 0, text if text.endswith("\n") else text + "\n")


def ensure_import(ctx: LintContext, module: str) -> tuple[str, list[Edit]]:
    """The local name under which `module` is imported, plus the edit that imports it if needed."""
    for local, qual in ctx.analysis.imports.items():
        if qual == module:
            return local, []
    cell, line = import_insertion_point(ctx)
    return module.split(".")[0], [insert_lines(cell, line, f"import {module}")]


def ensure_from_import(ctx: LintContext, module: str, name: str) -> tuple[str, list[Edit]]:
    for local, qual in ctx.analysis.imports.items():
        if qual == f"{module}.{name}":
            return local, []
    cell, line = import_insertion_point(ctx)
    return name, [insert_lines(cell, line, f"from {module} import {name}")]


def node_text(analysis: CellAnalysis, node: ast.AST) -> str:
    """The original text of a node in its cell (formatting and comments inside it kept)."""
    line, col, end_line, end_col = analysis.span(node)
    lines = analysis.source.split("\n")
    if line == end_line:
        return lines[line - 1][col:end_col]
    return "\n".join([lines[line - 1][col:], *lines[line:end_line - 1], lines[end_line - 1][:end_col]])


def after_import_of(ctx: LintContext, module: str, binds: str | None = None) -> tuple[Cell, int]:
    """Where setup lines for `module` go: after the top-level import block that first imports
    it (so the line never runs before its import), else `import_insertion_point`. With `binds`,
    the import must bind that local name (`from tensorflow import keras` for `keras`)."""
    prefix = module + "."
    for cell, a in ctx.analysis.whole.parsed():
        body = a.tree.body if a.tree is not None else []
        for i, stmt in enumerate(body):
            if not isinstance(stmt, (ast.Import, ast.ImportFrom)):
                continue
            names = ([alias.name for alias in stmt.names] if isinstance(stmt, ast.Import)
                     else [f"{stmt.module or ''}.{alias.name}" for alias in stmt.names])
            if not any(n == module or n.startswith(prefix) for n in names) or getattr(stmt, "level", 0):
                continue
            if binds is not None and binds not in {alias.asname or (alias.name.split(".")[0] if
                                                   isinstance(stmt, ast.Import) else alias.name)
                                                   for alias in stmt.names}:
                continue
            last = stmt
            for nxt in body[i + 1:]:
                if not isinstance(nxt, (ast.Import, ast.ImportFrom)):
                    break
                last = nxt
            if (last.end_lineno or last.lineno) in a.python.changed_lines:
                break
            return cell, (last.end_lineno or last.lineno) + 1
    return import_insertion_point(ctx)
