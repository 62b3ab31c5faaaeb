"""Read back the one Python document jupyterlab-lsp makes of a whole notebook.

jupyterlab-lsp (5.x, through JupyterLab's `@jupyterlab/lsp`) does not use LSP notebook sync.
It joins the cells into one virtual document: each cell's lines, then a newline, with two blank
lines between cells (`blankLinesBetweenCells = 2`); markdown and raw cells leave one empty
line. IPython syntax is rewritten first (`%pip install x` becomes
`get_ipython().run_line_magic("pip", " install x")`; jupyterlab-lsp 5.3 wraps a `%%time` cell's
body in `# START_CELL_MAGIC("time", "")` ... `# END_CELL_MAGIC` comments, older versions made it
one `get_ipython().run_cell_magic(...)` call with a triple-quoted body). What 5.3 really sends is
recorded in tests/lsp/data/jupyterlab_lsp_document.json by a browser test.

Here we undo both: cells are the runs of lines between two or more blank lines, and the
rewritten lines get their IPython spelling back so the engine sees what the user typed. Each
cell remembers where its lines sit in the virtual document, so positions map back exactly; on
rewritten lines a position covers the whole line, because its columns differ.

A cell with two blank lines of its own (PEP 8 spacing between functions) is read as two cells:
positions stay exact, only cross-cell wording ("defined in cell N") counts those parts apart.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_PREFIX = r"^(\s*|\s*\S+\s*=\s*)"
_LINE_MAGIC = re.compile(_PREFIX + r'get_ipython\(\)\.run_line_magic\("(.*?)", "(.*)"\)\s*$')
_SHELL = re.compile(_PREFIX + r'get_ipython\(\)\.getoutput\("(.*)"\)\s*$')
_PINFO_BEFORE = re.compile(r"^(\s*)get_ipython\(\)\.run_line_magic\('(pinfo2?)', '(.*?)'\)\s*$")
_PINFO_AFTER = re.compile(r"^(\s*)get_ipython\(\)\.run_line_magic\('(pinfo2?)',  '(.*?)'\)\s*$")
_CELL_MAGIC = re.compile(r'^get_ipython\(\)\.run_cell_magic\("(.*?)", "(.*?)", """')
_CELL_MAGIC_START = re.compile(r'^# START_CELL_MAGIC\("(.*?)", "(.*)"\)\s*$')
_CELL_MAGIC_END = "# END_CELL_MAGIC"


@dataclass
class VirtualCell:
    """One cell read back from the virtual document."""

    source: str  # IPython syntax restored
    # 0-based line of the virtual document for each line of `source`.
    doc_lines: list[int]
    # Lines of `source` (1-based) whose text differs from the document line they map to.
    rewritten: set[int] = field(default_factory=set)
    # Column shift from `source` to the document line, for lines that only moved sideways.
    shift: dict[int, int] = field(default_factory=dict)


def _unescape(text: str) -> str:
    return re.sub(r'\\([\\"])', r"\1", text)


def restore_line(line: str) -> str | None:
    """The IPython spelling of one rewritten line, or None when the line was not rewritten."""
    if "get_ipython()" not in line:
        return None
    m = _LINE_MAGIC.match(line)
    if m:
        return f"{m.group(1)}%{m.group(2)}{_unescape(m.group(3))}"
    m = _SHELL.match(line)
    if m:
        return f"{m.group(1)}!{m.group(2)}"
    m = _PINFO_BEFORE.match(line)
    if m:
        return f"{m.group(1)}{'?' if m.group(2) == 'pinfo' else '??'}{m.group(3)}"
    m = _PINFO_AFTER.match(line)
    if m:
        return f"{m.group(1)}{m.group(3)}{'?' if m.group(2) == 'pinfo' else '??'}"
    return None


def _cell(lines: list[str], first: int) -> VirtualCell:
    doc_lines = list(range(first, first + len(lines)))
    m = _CELL_MAGIC_START.match(lines[0])
    if m and len(lines) > 1 and lines[-1].strip() == _CELL_MAGIC_END:
        # `%%name args` on the first line, the body unchanged, the closing comment dropped.
        source = [f"%%{m.group(1)}{_unescape(m.group(2))}", *lines[1:-1]]
        cell = VirtualCell("\n".join(source), doc_lines[:-1])
        cell.rewritten.add(1)
        return cell
    m = _CELL_MAGIC.match(lines[0])
    if m and lines[-1].rstrip().endswith('""")'):
        # One call spanning the cell: `%%name args` + body; the magic line has no line of its own.
        body = list(lines)
        body[0] = lines[0][m.end():]
        body[-1] = body[-1].rstrip()[: -len('""")')]
        escaped = {i + 2 for i, b in enumerate(body) if '\\"\\"\\"' in b}
        body = [b.replace('\\"\\"\\"', '"""') for b in body]
        source = [f"%%{m.group(1)}{_unescape(m.group(2))}", *body]
        cell = VirtualCell("\n".join(source), [first, *doc_lines])
        cell.rewritten.update({1, *escaped})
        cell.shift[2] = m.end()
        return cell
    restored = []
    cell = VirtualCell("", doc_lines)
    for i, line in enumerate(lines, start=1):
        back = restore_line(line)
        if back is not None:
            cell.rewritten.add(i)
            restored.append(back)
        else:
            restored.append(line)
    cell.source = "\n".join(restored)
    return cell


def split_virtual_document(text: str) -> list[VirtualCell]:
    """Cells of a jupyterlab-lsp virtual document, in order, blank separators dropped."""
    lines = text.replace("\r\n", "\n").split("\n")
    cells: list[VirtualCell] = []
    start: int | None = None
    blank_run = 0
    for i, line in enumerate(lines):
        if line.strip():
            if start is None:
                start = i
            blank_run = 0
            continue
        blank_run += 1
        if blank_run == 2 and start is not None:
            end = i - 1  # the first of the two blank lines
            cells.append(_cell(lines[start:end], start))
            start = None
    if start is not None:
        end = len(lines)
        while end > start and not lines[end - 1].strip():
            end -= 1
        cells.append(_cell(lines[start:end], start))
    return cells


def is_virtual_notebook(uri: str, language_id: str | None, text: str) -> bool:
    """Is this text document jupyterlab-lsp's Python view of a notebook (not notebook JSON)?"""
    path = uri.split("?", 1)[0].split("#", 1)[0]
    if not (path.endswith(".ipynb") or "/.virtual_documents/" in path):
        return False
    language = (language_id or "").lower()
    if language in ("python", "ipython", "python3"):
        return True
    if language in ("json", "jupyter", "ipynb"):
        return False
    return not text.lstrip().startswith("{")
