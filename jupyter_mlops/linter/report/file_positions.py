"""Map in-cell positions to positions in the file on disk, for doors that show file lines.

Findings carry (cell, line, column) inside a cell. GitHub code scanning and workflow
annotations show them against the raw file: for a percent-format script that is the script's
own lines (`Cell.file_line`), for an .ipynb it is the line of the notebook's JSON text where
the cell's source line was written. nbformat writes each source line as its own JSON string
on its own line, so the mapping is exact there; for any other layout we map what we can find
and fall back to the line of the cell's `source` key, then to line 1. Nothing here raises for
malformed files.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from ...notebook.loader import decode_text, load_notebook, read_bytes
from ...errors import NotebookReadError

# Strings (with escapes), or any single structural character. Strings are matched in C, so
# outputs of tens of MB cost little; everything else between tokens is skipped.
_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[{}\[\]:,]', re.DOTALL)
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_SOURCE_KEY = re.compile(r'"(?:source|input)"\s*:\s*')
# How many `"source"` keys to try for one cell before leaving it unmapped (bounds the cost of
# cells whose text the loader changed, like nbformat 3 headings).
_MAX_CANDIDATES = 50
_ESCAPE = re.compile(r"\\u[0-9a-fA-F]{4}|\\.|[^\\]", re.DOTALL)


@dataclass
class _Piece:
    """One JSON string of a cell's source: where it starts in the file, and its raw text."""

    line: int  # 1-based file line of the opening quote
    column: int  # 0-based column of the first character after the opening quote
    raw: str  # the string's JSON text without quotes
    text: str  # decoded
    _offsets: list[int] | None = None

    def raw_offset(self, index: int) -> int:
        """Offset in the escaped text of the decoded text's character `index`."""
        if "\\" not in self.raw:  # no escapes: the texts line up
            return min(index, len(self.raw))
        if self._offsets is None:  # computed once per piece, however many findings it has
            self._offsets = [m.start() for m in _ESCAPE.finditer(self.raw)]
        return self._offsets[index] if 0 <= index < len(self._offsets) else len(self.raw)


@dataclass
class CellLines:
    """Where one cell's source lines sit in the file."""

    key_line: int  # file line of the `"source"` key (fallback)
    pieces: list[_Piece] = field(default_factory=list)
    # cell line (1-based) -> (piece index, character offset of that line inside the piece)
    starts: dict[int, tuple[int, int]] = field(default_factory=dict)

    def finish(self) -> None:
        cell_line, at_line_start = 1, True
        for k, piece in enumerate(self.pieces):
            text = piece.text.replace("\r\n", "\n").replace("\r", "\n")
            offset = 0
            if at_line_start:
                self.starts.setdefault(cell_line, (k, 0))
            i = text.find("\n")
            while i >= 0:  # str.find, not a loop over characters: sources can be long
                cell_line += 1
                offset = i + 1
                if offset < len(text):
                    self.starts.setdefault(cell_line, (k, offset))
                i = text.find("\n", offset)
            at_line_start = offset == len(text)
            if at_line_start and cell_line not in self.starts and k + 1 == len(self.pieces):
                self.starts[cell_line] = (k, len(text))

    def position(self, line: int, column: int | None) -> tuple[int, int | None]:
        """File (line, 1-based column or None) of a cell line/column."""
        hit = self.starts.get(line)
        if hit is None:
            return self.key_line, None
        k, offset = hit
        piece = self.pieces[k]  # a JSON string never spans file lines
        if column is None:
            return piece.line, None
        return piece.line, piece.column + piece.raw_offset(offset + column) + 1


class IpynbLineMap:
    """Cell index -> CellLines for one .ipynb text (nbformat 4 `cells`, nbformat 3 `worksheets`)."""

    def __init__(self, text: str, sources: list[str] | None = None,
                 wanted: set[int] | None = None) -> None:
        """`sources`: the cells' sources as the loader read them (fast path: find each cell's
        source value in order and check it decodes to that text); without them, scan every
        JSON token. `wanted`: the cells to map (default: all)."""
        self.cells: dict[int, CellLines] = {}
        try:
            if sources is not None:
                self._guided(text, sources, wanted)
            else:
                self._scan(text)
        except (ValueError, IndexError, RecursionError):
            pass  # keep whatever was mapped; the rest falls back to line 1

    def _guided(self, text: str, sources: list[str], wanted: set[int] | None) -> None:
        decoder = json.JSONDecoder()
        cursor = 0
        state = [0, 1, -1]  # offset reached, its line, offset of the last newline before it

        def locate(offset: int) -> tuple[int, int]:
            """(line, 0-based column) of an offset; offsets only move forward: linear overall."""
            pos, line, newline = state
            if offset > pos:
                last = text.rfind("\n", pos, offset)
                if last >= 0:
                    line += text.count("\n", pos, offset)
                    newline = last
                state[:] = [offset, line, newline]
            return line, offset - newline - 1

        for index, expected in enumerate(sources):
            pos, found = cursor, None
            for _ in range(_MAX_CANDIDATES):
                m = _SOURCE_KEY.search(text, pos)
                if m is None:
                    break
                try:
                    value, end = decoder.raw_decode(text, m.end())
                except ValueError:
                    pos = m.end()
                    continue
                if _as_source(value) == expected:
                    found = (m, value, end)
                    break
                pos = m.end()
            if found is None:
                continue  # unmapped (falls back to line 1); keep the cursor for the next cell
            m, value, end = found
            cursor = end
            if wanted is not None and index not in wanted:
                continue
            cell = CellLines(key_line=locate(m.start())[0])
            for t in _STRING.finditer(text, m.end(), end):
                at, col = locate(t.start())
                raw = t.group()[1:-1]
                cell.pieces.append(_Piece(at, col + 1, raw,
                                          json.loads(t.group()) if "\\" in raw else raw))
            cell.finish()
            self.cells[index] = cell

    def position(self, cell: int | None, line: int | None,
                 column: int | None = None) -> tuple[int, int | None]:
        if cell is None or line is None or cell not in self.cells:
            return 1, None
        return self.cells[cell].position(line, column)

    def _scan(self, text: str) -> None:
        # An explicit stack instead of recursion: deeply nested JSON must not crash a report.
        line_starts = _LineIndex(text)
        stack: list[list[Any]] = []  # [kind, key-or-index, expecting_key]
        path: list[Any] = []
        pending_key: str | None = None
        cell_counter = -1
        current: CellLines | None = None
        for m in _TOKEN.finditer(text):
            tok = m.group()
            if tok == "{" or tok == "[":
                if stack:
                    path.append(pending_key if stack[-1][0] == "{" else stack[-1][1])
                stack.append([tok, 0])
                pending_key = None
                if tok == "{" and _is_cell_path(path):
                    cell_counter += 1
                    current = None
                continue
            if tok == "}" or tok == "]":
                if not stack:
                    return
                stack.pop()
                if stack:
                    closed = path.pop()
                    if current is not None and closed in ("source", "input") and len(path) in (2, 4):
                        current.finish()
                        current = None
                continue
            if not stack:
                return
            top = stack[-1]
            if tok == ",":
                if top[0] == "[":
                    top[1] += 1
                else:
                    pending_key = None
                continue
            if tok == ":":
                continue
            # a string token
            if top[0] == "{" and pending_key is None:
                pending_key = json.loads(tok)
                if pending_key in ("source", "input") and _is_cell_path(path):
                    current = CellLines(key_line=line_starts.line_of(m.start()))
                    self.cells[cell_counter] = current
                continue
            # a string value: inside a cell's source?
            if current is not None and self._in_source(path, top, pending_key):
                line = line_starts.line_of(m.start())
                col = m.start() - line_starts.start_of(line) + 1
                current.pieces.append(_Piece(line, col, tok[1:-1], json.loads(tok)))
                if top[0] == "{":  # the source was one string, not a list
                    current.finish()
                    current = None

    @staticmethod
    def _in_source(path: list[Any], top: list[Any], key: str | None) -> bool:
        if top[0] == "{":
            return key in ("source", "input") and _is_cell_path(path)
        return len(path) >= 1 and path[-1] in ("source", "input") and _is_cell_path(path[:-1])


def _as_source(value: Any) -> str | None:
    """The cell text the loader makes of a `source` value (see notebook.loader._source)."""
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        value = "".join(value)
    if not isinstance(value, str):
        return None
    return value.replace("\r\n", "\n").replace("\r", "\n")


def _is_cell_path(path: list[Any]) -> bool:
    """["cells", i] (nbformat 4) or ["worksheets", w, "cells", i] (nbformat 3)."""
    if len(path) == 2:
        return path[0] == "cells" and isinstance(path[1], int)
    if len(path) == 4:
        return (path[0] == "worksheets" and path[2] == "cells" and isinstance(path[1], int)
                and isinstance(path[3], int))
    return False


class _LineIndex:
    def __init__(self, text: str) -> None:
        self._starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def line_of(self, offset: int) -> int:
        import bisect
        return bisect.bisect_right(self._starts, offset)

    def start_of(self, line: int) -> int:
        return self._starts[line - 1]


class FilePositions:
    """File positions for the findings of one FileResult; reads the file at most once."""

    def __init__(self, result: Any) -> None:
        self._result = result
        self._map: IpynbLineMap | None = None
        nb = result.notebook
        if nb is None and result.findings:  # a FileResult built without its notebook (API use)
            try:
                nb = load_notebook(result.path)
            except NotebookReadError:
                nb = None
        self._nb = nb
        self._percent = nb is not None and getattr(nb, "format", "") == "percent"
        self._file_lines: dict[int, int | None] = (
            {c.index: c.file_line for c in nb.cells} if self._percent else {})
        self._lines: dict[int, list[str]] = {}
        self._is_ipynb = not self._percent and not str(result.path).endswith(".py")

    def _ipynb(self) -> IpynbLineMap:
        if self._map is None:
            try:
                text = decode_text(read_bytes(self._result.path), str(self._result.path))
            except NotebookReadError:
                text = ""
            nb = self._nb
            sources = [c.source for c in nb.cells] if nb is not None else None
            wanted = {f.cell for f in self._result.findings if f.cell is not None}
            self._map = IpynbLineMap(text, sources, wanted)
        return self._map

    def line_text(self, cell: int | None, line: int | None) -> str:
        """The text of a cell line, or "" (lines are split once per cell, not per finding)."""
        nb = self._nb
        if nb is None or cell is None or line is None or not 0 <= cell < len(nb.cells):
            return ""
        lines = self._lines.get(cell)
        if lines is None:
            lines = self._lines[cell] = nb.cells[cell].source.split("\n")
        return lines[line - 1] if 0 < line <= len(lines) else ""

    def region(self, f: Any) -> tuple[int, int | None, int | None, int | None]:
        """(start line, start column, end line, end column) in the file; 1-based; None = unknown."""
        if f.cell is None or f.line is None:
            return 1, None, None, None
        if self._percent:
            base = self._file_lines.get(f.cell) or 1
            col = (f.column or 0) + 1
            end_line = base + (f.end_line or f.line) - 1
            end_col = (f.end_column + 1) if f.end_column is not None else None
            return base + f.line - 1, col, end_line, end_col
        if not self._is_ipynb:
            return f.line, (f.column or 0) + 1, f.end_line, None
        line_map = self._ipynb()
        line, col = line_map.position(f.cell, f.line, f.column or 0)
        end_line, end_col = line_map.position(f.cell, f.end_line or f.line,
                                              f.end_column if f.end_column is not None else None)
        if end_line < line or (end_line == line and col is not None and end_col is not None
                               and end_col < col):
            end_line, end_col = line, None
        return line, col, end_line, end_col


__all__ = ["CellLines", "FilePositions", "IpynbLineMap"]
