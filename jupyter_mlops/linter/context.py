"""What a rule sees while it checks one notebook."""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Any

from ..analysis import CellAnalysis, CellCache, NotebookAnalysis
from ..notebook.model import Cell, Notebook
from .config import LintConfig
from .findings import Finding, Fix
from .rule import Rule


@dataclass
class LintContext:
    notebook: Notebook
    analysis: NotebookAnalysis
    config: LintConfig
    rule: type[Rule] | None = None
    _calls: list | None = field(default=None, repr=False)
    # Per-notebook results that several rules or fixes share (insertion points, dataflow).
    memo: dict[str, Any] = field(default_factory=dict, repr=False)
    # The long-lived cache of the caller (language server, JupyterLab server), when there is one:
    # notebook-wide passes keep state there between lints so an edit does not redo them.
    cache: CellCache | None = field(default=None, repr=False)

    @property
    def options(self) -> dict[str, Any]:
        assert self.rule is not None
        return self.config.rule_options(self.rule)

    def qualname(self, node: ast.AST) -> str | None:
        return self.analysis.qualname(node)

    def calls(self) -> list[tuple[Cell, CellAnalysis, ast.Call, str | None]]:
        """Every call in every parsed code cell, with its resolved qualified name.

        Resolved once per notebook and shared by every rule of the run."""
        if self._calls is None:
            qualname = self.analysis.qualname
            token = self._names_token()
            calls: list[tuple[Cell, CellAnalysis, ast.Call, str | None]] = []
            for cell, a in self.analysis.parsed():
                # Kept on the (text-cached) cell analysis while the names resolve the same way,
                # so an edit resolves the edited cell's calls only.
                done = a.__dict__.get("_resolved_calls")
                if done is None or done[0] is not token:
                    done = a.__dict__["_resolved_calls"] = (
                        token, [(call, qualname(call.func)) for call in a.nodes(ast.Call)])
                calls += [(cell, a, call, qual) for call, qual in done[1]]
            self._calls = calls
        return self._calls

    def _names_token(self) -> object:
        """One object per way of resolving names (`NotebookAnalysis.resolution_key`), shared by
        lints through the cache."""
        key = ("names-token", self.analysis.resolution_key)
        token = self.cache.state(key) if self.cache is not None else None
        if token is None:
            token = object()
            if self.cache is not None:
                self.cache.store_state(key, token)
        return token

    def at_node(self, cell: Cell, analysis: CellAnalysis, node: ast.AST, message: str,
                fix: Fix | None = None, hint: str | None = None) -> Finding:
        line, col, end_line, end_col = analysis.span(node)
        return self.at(cell, message, line, col, end_line, end_col, fix=fix, hint=hint)

    def at(self, cell: Cell | None, message: str, line: int | None = None, column: int | None = None,
           end_line: int | None = None, end_column: int | None = None, fix: Fix | None = None,
           hint: str | None = None) -> Finding:
        rule = self.rule
        assert rule is not None
        if cell is not None and line is not None and column is None:
            column = 0
        if cell is not None and line is not None and end_line is None:
            end_line = line
            text = cell.source.split("\n")[line - 1] if 0 < line <= len(cell.source.split("\n")) else ""
            end_column = len(text)
        return Finding(
            rule=rule.name, code=rule.code, severity=rule.severity, message=message,
            cell=cell.index if cell is not None else None,
            cell_id=cell.id if cell is not None else None,
            line=line, column=column, end_line=end_line, end_column=end_column,
            fix=fix, hint=hint or rule.hint or None,
        )

    def at_line(self, cell: Cell, line: int, message: str, fix: Fix | None = None) -> Finding:
        return self.at(cell, message, line, fix=fix)
