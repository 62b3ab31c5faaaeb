"""Analysis of one cell: parse (IPython-aware), scopes, node index. Cached by content."""

from __future__ import annotations

import ast
import re
import warnings
from collections import OrderedDict
from dataclasses import dataclass, field, replace
from threading import Lock, RLock

from ..notebook.ipython import PythonSource, to_python
from .scopes import CellScope, analyse_scopes


@dataclass(frozen=True)
class SyntaxProblem:
    line: int
    col: int
    message: str


@dataclass
class CellAnalysis:
    source: str
    python: PythonSource
    tree: ast.Module | None
    scope: CellScope
    # The first error of a cell that does not parse as a whole. Its other statements are still
    # analysed (`tree` holds them); `unparsed` is the text of those that could not be read.
    syntax_error: SyntaxProblem | None = None
    unparsed: str = ""
    _parents: dict[int, ast.AST] | None = field(default=None, repr=False)
    _lines: list[str] | None = field(default=None, repr=False)
    _code_lines: list[str] | None = field(default=None, repr=False)

    @property
    def ok(self) -> bool:
        """The cell parses as a whole."""
        return self.tree is not None and self.syntax_error is None

    @property
    def analysed(self) -> bool:
        """There is a tree to analyse: the whole cell, or the statements recovered from it."""
        return self.tree is not None

    def nodes(self, *types: type) -> list:
        if len(types) == 1:
            return self.scope.nodes.get(types[0], [])
        return [n for t in types for n in self.scope.nodes.get(t, [])]

    def parent(self, node: ast.AST) -> ast.AST | None:
        if self._parents is None:
            parents: dict[int, ast.AST] = {}
            if self.tree is not None:
                for p in ast.walk(self.tree):
                    for c in ast.iter_child_nodes(p):
                        parents[id(c)] = p
            self._parents = parents
        return self._parents.get(id(node))

    def line_text(self, line: int) -> str:
        if self._lines is None:
            self._lines = self.source.split("\n")
        lines = self._lines
        return lines[line - 1] if 0 < line <= len(lines) else ""

    def char_col(self, line: int, byte_col: int) -> int:
        """ast columns count UTF-8 bytes; editors count characters."""
        if line in self.python.changed_lines:
            return 0
        if self._code_lines is None:
            self._code_lines = self.python.code.split("\n")
        text = self._code_lines[line - 1] if 0 < line <= len(self._code_lines) else ""
        if text.isascii():
            col = byte_col
        else:
            col = len(text.encode("utf-8")[:byte_col].decode("utf-8", "replace"))
        return col + self.python.col_shift.get(line, 0)

    def span(self, node: ast.AST) -> tuple[int, int, int, int]:
        """(line, col, end_line, end_col) of a node in the original cell, character columns."""
        line = getattr(node, "lineno", 1)
        end_line = getattr(node, "end_lineno", None) or line
        if line in self.python.changed_lines:
            return line, 0, line, len(self.line_text(line))
        col = self.char_col(line, getattr(node, "col_offset", 0))
        end_col = self.char_col(end_line, getattr(node, "end_col_offset", None) or 0)
        return line, col, end_line, end_col


_EMPTY = PythonSource(code="")

# Lines that continue the statement above them rather than start one.
_CONTINUES = re.compile(r"^(?:[)\]}]|(?:else|elif|except|finally)\b)")
_MAX_TRIES = 400  # parses spent recovering one cell: a pathological cell stays unanalysed


def _recover(code: str, parse) -> tuple[str, ast.Module, str] | None:
    """Statement-by-statement recovery of a cell that does not parse as a whole (a Python 2
    `print`, a pasted shell line, a typo): every top-level statement that parses on its own
    (or with the lines that continue it) is kept, the others become blank lines so that every
    position stays where it is. Returns (code, tree, unparsed text), or None when nothing parses."""
    lines = code.split("\n")
    starts = [i for i, line in enumerate(lines)
              if line[:1] not in ("", " ", "\t", "#") and not _CONTINUES.match(line)
              and not (i and lines[i - 1].rstrip().endswith("\\"))]
    if not starts or starts[0] != 0:
        starts.insert(0, 0)
    bounds = starts[1:] + [len(lines)]
    chunks = list(zip(starts, bounds))
    keep = [False] * len(lines)
    tries, i = 0, 0
    while i < len(chunks):
        start = chunks[i][0]
        for j in range(i, min(len(chunks), i + 30)):
            tries += 1
            if tries > _MAX_TRIES:
                return None
            try:
                parse("\n".join(lines[start:chunks[j][1]]))
            except (SyntaxError, ValueError):
                continue
            for k in range(start, chunks[j][1]):
                keep[k] = True
            i = j + 1
            break
        else:
            i += 1
    if not any(keep[k] and lines[k].strip() for k in range(len(lines))):
        return None
    kept = "\n".join(line if keep[k] else "" for k, line in enumerate(lines))
    unparsed = "\n".join(line for k, line in enumerate(lines) if not keep[k])
    try:
        return kept, parse(kept), unparsed
    except (SyntaxError, ValueError):
        return None


# Warning filters are process-wide state that catch_warnings swaps in and out; the language
# server and the JupyterLab door analyse cells in worker threads, so only one thread at a time
# may do that here. (A pre-check for text that cannot warn costs more than the swap: ~2 us.)
_FILTERS_LOCK = RLock()  # re-entrant: a nested analysis in the same thread must not block


def _parse(code: str) -> ast.Module:
    with _FILTERS_LOCK, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # invalid escape sequences etc. are not our findings
        return ast.parse(code)


def analyse_cell_source(source: str) -> CellAnalysis:
    """Parse and analyse one cell. Never raises for any input text."""
    return _analyse(source, _parse)


def _analyse(source: str, parse) -> CellAnalysis:
    # Lines are split on "\n" everywhere in the engine (and by notebook front ends); Python would
    # also break lines at a lone "\r". A space keeps every offset and the line count aligned.
    text = source.replace("\r", " ") if "\r" in source else source
    python = PythonSource(code=text)
    try:
        try:
            tree = parse(text)
        except SyntaxError:
            with _FILTERS_LOCK, warnings.catch_warnings():
                warnings.simplefilter("ignore")  # IPython warns on odd control characters
                python = to_python(text)
            tree = parse(python.code) if not python.foreign else ast.Module(body=[], type_ignores=[])
        scope = analyse_scopes(tree)
        return CellAnalysis(source, python, tree, scope)
    except SyntaxError as exc:
        msg = exc.msg or "invalid syntax"
        # Python reports some errors (unclosed brackets, strings) one line past the end.
        lines = source.split("\n")
        line = min(max(exc.lineno or 1, 1), len(lines))
        col = min(max((exc.offset or 1) - 1, 0), len(lines[line - 1]))
        problem = SyntaxProblem(line, col, msg)
        recovered = _recover(python.code, parse)
        if recovered is not None:
            code, tree, unparsed = recovered
            try:
                return CellAnalysis(source, replace(python, code=code), tree, analyse_scopes(tree), problem, unparsed)
            except (RecursionError, MemoryError):
                pass
        return CellAnalysis(source, python, None, CellScope(), problem, python.code)
    except (RecursionError, MemoryError):
        return CellAnalysis(source, python, None, CellScope(),
                            SyntaxProblem(1, 0, "too deeply nested to analyse"))
    except ValueError as exc:  # e.g. source with NUL bytes
        return CellAnalysis(source, python, None, CellScope(), SyntaxProblem(1, 0, str(exc)))


class CellCache:
    """Analysis results keyed by cell text, so an edit re-analyses only the edited cell."""

    def __init__(self, maxsize: int = 4096) -> None:
        self._items: OrderedDict[str, CellAnalysis] = OrderedDict()
        self._maxsize = maxsize
        self._lock = Lock()
        self.hits = 0
        self.misses = 0
        # State kept between lints of the same notebook (cell-local findings, the dataflow's
        # per-cell effects), keyed by whatever a pass needs to be sure it still holds.
        self._states: OrderedDict[object, object] = OrderedDict()

    def get(self, source: str) -> CellAnalysis:
        return self.get_many([source])[0]

    def get_many(self, sources: list[str]) -> list[CellAnalysis]:
        """`get` for each source; the texts not seen before are parsed in one go (a notebook
        opened in an editor is hundreds of them), under one swap of the warning filters."""
        with self._lock:
            items = self._items
            found = [items.get(s) for s in sources]
            missing = [s for s, a in zip(sources, found) if a is None]
            if not missing:
                self.hits += len(sources)
            for s, a in zip(sources, found):
                if a is not None:
                    items.move_to_end(s)
        if not missing:
            return found  # type: ignore[return-value]
        with _FILTERS_LOCK, warnings.catch_warnings():
            warnings.simplefilter("ignore")  # as in `_parse`
            made = {s: _analyse(s, ast.parse) for s in dict.fromkeys(missing)}
        with self._lock:
            self.misses += len(made)
            self.hits += len(sources) - len(made)  # repeated texts count as `get` counts them
            items.update(made)
            while len(items) > self._maxsize:
                items.popitem(last=False)
        return [a if a is not None else made[s] for s, a in zip(sources, found)]

    def state(self, key: object) -> object | None:
        """A notebook-wide pass's saved state (see `store_state`), or None."""
        return self._states.get(key)

    def store_state(self, key: object, value: object) -> None:
        with self._lock:
            self._states[key] = value
            self._states.move_to_end(key)
            while len(self._states) > self._maxsize:
                self._states.popitem(last=False)


DEFAULT_CACHE = CellCache()
