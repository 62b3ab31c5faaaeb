"""Apply fixes: pick non-overlapping edits, apply them, re-lint, repeat until stable."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field, replace

from ..analysis import CellCache
from ..errors import FixError, NotebookReadError
from ..notebook.loader import decode_text, load_notebook, read_bytes
from ..notebook.model import Notebook
from ..notebook.writer import write_changes
from .config import LintConfig
from .engine import discover, lint_notebook
from .findings import Applicability, Edit, FileResult, Finding, LintReport

MAX_ROUNDS = 10


def _offset(lines: list[str], line: int, col: int) -> int:
    line = max(1, min(line, len(lines)))
    return sum(len(l) + 1 for l in lines[: line - 1]) + min(col, len(lines[line - 1]))


def apply_edits(source: str, edits: list[Edit]) -> str:
    """Apply edits to one cell's text. Edits must not overlap (identical ones are merged)."""
    lines = source.split("\n")
    spans = sorted({(_offset(lines, e.line, e.column), _offset(lines, e.end_line, e.end_column), e.content)
                    for e in edits}, key=lambda s: (s[0], s[1]))
    for (s1, e1, _), (s2, _, _) in zip(spans, spans[1:]):
        if s2 < e1:
            raise FixError("overlapping edits")
    out = source
    for start, end, content in reversed(spans):
        out = out[:start] + content + out[end:]
    return out


def _overlaps(a: list[Edit], b: list[Edit]) -> bool:
    for x in a:
        for y in b:
            if x.cell != y.cell or x == y:
                continue
            if (x.line, x.column) < (y.end_line, y.end_column) and (y.line, y.column) < (x.end_line, x.end_column):
                return True
            if (x.line, x.column) == (y.line, y.column) and x.content != y.content and \
                    (x.line, x.column) == (x.end_line, x.end_column) == (y.end_line, y.end_column):
                return True  # two different insertions at one point: order would be arbitrary
    return False


@dataclass
class NotebookFixResult:
    notebook: Notebook
    changes: dict[int, str] = field(default_factory=dict)  # cell index -> new source
    applied: list[Finding] = field(default_factory=list)
    remaining: list[Finding] = field(default_factory=list)
    fixed: Notebook | None = None  # the notebook with the changes applied

    def diff(self) -> str:
        out: list[str] = []
        for index in sorted(self.changes):
            old = self.notebook.cells[index].source.split("\n")
            new = self.changes[index].split("\n")
            label = f"{self.notebook.path}:cell {index + 1}"
            out.extend(difflib.unified_diff(old, new, label, label, lineterm=""))
        return "\n".join(out)


def fix_notebook(notebook: Notebook, config: LintConfig | None = None, unsafe: bool = False,
                 cache: CellCache | None = None) -> NotebookFixResult:
    """Compute fixed cell sources for a notebook model. Writes nothing."""
    config = config or LintConfig()
    allowed = {Applicability.SAFE, Applicability.UNSAFE} if unsafe else {Applicability.SAFE}
    current = notebook
    result = NotebookFixResult(notebook)
    for _ in range(MAX_ROUNDS):
        findings = lint_notebook(current, config, cache)
        chosen: list[Finding] = []
        taken: list[Edit] = []
        for f in findings:
            if f.fix is None or f.fix.applicability not in allowed or not f.fix.edits:
                continue
            edits = list(f.fix.edits)
            if _overlaps(edits, taken):
                continue
            chosen.append(f)
            taken.extend(edits)
        if not chosen:
            result.remaining = findings
            break
        by_cell: dict[int, list[Edit]] = {}
        for e in taken:
            by_cell.setdefault(e.cell, []).append(e)
        cells = list(current.cells)
        for index, edits in by_cell.items():
            new_source = apply_edits(cells[index].source, edits)
            cells[index] = replace(cells[index], source=new_source)
            result.changes[index] = new_source
        result.applied.extend(chosen)
        current = replace(current, cells=cells)
    else:
        result.remaining = lint_notebook(current, config, cache)
    result.fixed = current
    # Drop cells that ended up unchanged (a fix undone by another).
    result.changes = {i: s for i, s in result.changes.items() if s != notebook.cells[i].source}
    return result


@dataclass
class FixOutcome:
    report: LintReport
    results: list[NotebookFixResult] = field(default_factory=list)
    written: list[str] = field(default_factory=list)

    @property
    def diff(self) -> str:
        return "\n".join(d for d in (r.diff() for r in self.results) if d)

    def summary(self) -> str:
        n = sum(len(r.applied) for r in self.results)
        files = len(self.written)
        return f"Fixed {n} finding{'s' if n != 1 else ''} in {files} file{'s' if files != 1 else ''}."


def fix_paths(paths, config: LintConfig | None = None, unsafe: bool = False, write: bool = True,
              cache: CellCache | None = None) -> FixOutcome:
    config = config or LintConfig()
    outcome = FixOutcome(report=LintReport())
    for path in discover(paths, config.exclude):
        try:
            original = decode_text(read_bytes(path), path)
            notebook = load_notebook(path)
        except NotebookReadError as exc:
            outcome.report.files.append(FileResult(path=path, error=exc.problem))
            continue
        result = fix_notebook(notebook, config, unsafe, cache)
        outcome.results.append(result)
        error = None
        if write and result.changes:
            try:
                write_changes(notebook, result.changes, original)
                outcome.written.append(path)
            except (FixError, OSError) as exc:
                error = f"fixes not written: {exc}"
        done = write and not error
        findings = result.remaining if done else lint_notebook(notebook, config, cache)
        outcome.report.files.append(FileResult(path=path, findings=findings, error=error,
                                               notebook=result.fixed if done else notebook))
    return outcome
