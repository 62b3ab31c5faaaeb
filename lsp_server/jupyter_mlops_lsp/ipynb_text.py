"""Where each cell line of a notebook sits in the notebook's JSON text.

Used when a client sends a `.ipynb` file as plain JSON text. nbformat writes a cell's source as
a list of one string per line, after the cell's other keys; we find each cell's `"source"` key in
order and then each line's JSON string after it. A line found this way maps exactly (column
included when the string needs no escapes up to that point); anything else falls back to the
line of the `"source"` key.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from jupyter_mlops.notebook import Notebook


@dataclass
class JsonCellLines:
    doc_lines: list[int]  # 0-based JSON text line of each cell line
    shift: dict[int, int] = field(default_factory=dict)  # 1-based cell line -> column of its text
    whole: set[int] = field(default_factory=set)  # cell lines with no exact column mapping


def _line_starts(text: str) -> list[int]:
    starts = [0]
    pos = text.find("\n")
    while pos != -1:
        starts.append(pos + 1)
        pos = text.find("\n", pos + 1)
    return starts


def _line_of(starts: list[int], offset: int) -> int:
    lo, hi = 0, len(starts) - 1
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if starts[mid] <= offset:
            lo = mid
        else:
            hi = mid - 1
    return lo


def locate_cells(text: str, notebook: Notebook) -> list[JsonCellLines]:
    starts = _line_starts(text)
    cursor = 0
    out: list[JsonCellLines] = []
    for cell in notebook.cells:
        key = text.find('"source"', cursor)
        if key == -1:
            key = text.find('"input"', cursor)
        if key == -1:
            key = cursor
        key_line = _line_of(starts, key)
        lines = cell.source.split("\n")
        located = JsonCellLines(doc_lines=[key_line] * len(lines), whole=set(range(1, len(lines) + 1)))
        pos = key
        # This cell's strings lie before the next cell's "source" key.
        bound = text.find('"source"', key + 1)
        bound = len(text) if bound == -1 else bound
        for i, line in enumerate(lines, start=1):
            piece = line + ("\n" if i < len(lines) else "")
            if not piece:
                # A final empty line has no string of its own: it sits where the previous ended.
                if i > 1:
                    located.doc_lines[i - 1] = located.doc_lines[i - 2]
                continue
            found, ascii_only = -1, False
            for ascii_only in (False, True):
                found = text.find(json.dumps(piece, ensure_ascii=ascii_only), pos, bound)
                if found != -1:
                    break
            if found == -1:
                continue
            line_no = _line_of(starts, found)
            located.doc_lines[i - 1] = line_no
            if json.dumps(line, ensure_ascii=ascii_only) == f'"{line}"':
                located.whole.discard(i)
                located.shift[i] = found - starts[line_no] + 1
            pos = found + 1
        cursor = max(pos, key + 1)
        out.append(located)
    return out
