"""Open documents as the engine's notebook model, and positions back to the editor's documents.

Four kinds of editor documents hold a notebook:
- an LSP notebook document (VS Code): one text document per cell;
- a percent-format `.py` script (`# %%` cells) sent as one text document;
- jupyterlab-lsp's virtual document: the notebook's cells joined into one Python text;
- a `.ipynb` file sent as its JSON text.

Each becomes a `DocumentView`: the `Notebook` the engine lints plus, for every cell, a `Slot`
saying which editor document and which lines hold that cell. Converting a finding's position
(cell, 1-based line, 0-based character column) to an LSP range happens only here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from lsprotocol import types
from pygls.uris import to_fs_path

from jupyter_mlops.errors import NotebookReadError
from jupyter_mlops.notebook import Cell, Notebook, parse_ipynb, parse_percent_script
from jupyter_mlops.notebook.loader import PYTHON_LANGUAGES, has_percent_cells

from .ipynb_text import locate_cells
from .virtual_document import is_virtual_notebook, split_virtual_document

ViewKind = Literal["notebook", "percent", "virtual", "ipynb", "plain"]


@dataclass
class Slot:
    """Where one cell's lines live in an editor document."""

    uri: str
    doc_lines: list[int]  # 0-based document line of each cell line
    shift: dict[int, int] = field(default_factory=dict)  # cell line -> column offset in the document
    whole: set[int] = field(default_factory=set)  # cell lines whose columns do not map: whole line
    header_line: int | None = None  # percent scripts: the cell's `# %%` marker line

    def line(self, line: int) -> int:
        if not self.doc_lines:
            return 0
        return self.doc_lines[min(max(line, 1), len(self.doc_lines)) - 1]

    def exact(self, line: int) -> bool:
        return line not in self.whole and 1 <= line <= len(self.doc_lines)


@dataclass
class DocumentView:
    key: str  # the notebook URI, or the text document's URI
    kind: ViewKind
    path: str | None  # file system path (for pyproject.toml lookup), when the URI has one
    notebook: Notebook | None
    slots: list[Slot] = field(default_factory=list)  # one per cell, by cell index
    texts: dict[str, list[str]] = field(default_factory=dict)  # document URI -> its lines
    versions: dict[str, int | None] = field(default_factory=dict)
    error: str | None = None  # the document is not a readable notebook
    original: str | None = None  # .ipynb JSON text, for fixes that rewrite it
    unchanged: bool = False  # every cell is the same as in the previous view (a no-op change)

    # -- documents ---------------------------------------------------------------------------
    def uris(self) -> list[str]:
        """Documents that get diagnostics: code cells of a notebook, or the one text document."""
        if self.kind != "notebook":
            return [self.key]
        assert self.notebook is not None
        return [s.uri for c, s in zip(self.notebook.cells, self.slots) if c.cell_type == "code"]

    def all_uris(self) -> list[str]:
        return list(self.texts)

    def slot(self, cell: int | None) -> Slot | None:
        if cell is None or not 0 <= cell < len(self.slots):
            return None
        return self.slots[cell]

    def first_slot(self) -> Slot:
        if self.notebook is not None:
            for c, s in zip(self.notebook.cells, self.slots):
                if c.cell_type == "code":
                    return s
        if self.slots:
            return self.slots[0]
        return Slot(self.key, [0])

    def cell_index(self, uri: str) -> int | None:
        for i, s in enumerate(self.slots):
            if s.uri == uri and self.kind == "notebook":
                return i
        return None

    # -- positions ---------------------------------------------------------------------------
    def doc_text(self, uri: str, line: int) -> str:
        lines = self.texts.get(uri) or [""]
        return lines[line] if 0 <= line < len(lines) else ""

    def to_doc(self, slot: Slot, line: int, col: int) -> tuple[int, int | None]:
        """Cell (1-based line, character column) -> (0-based document line, character column).

        The column is None when it does not map (rewritten or escaped lines)."""
        doc_line = slot.line(line)
        if not slot.exact(line):
            return doc_line, None
        return doc_line, col + slot.shift.get(line, 0)

    def char_range(self, slot: Slot, line: int, col: int, end_line: int, end_col: int
                   ) -> tuple[int, int, int, int]:
        """A cell span as a document span in characters; unmapped ends cover the whole line."""
        sl, sc = self.to_doc(slot, line, col)
        el, ec = self.to_doc(slot, end_line, end_col)
        if sc is None:
            sc = 0
        if ec is None:
            ec = len(self.doc_text(slot.uri, el))
        ec = min(ec, len(self.doc_text(slot.uri, el)))
        sc = min(sc, len(self.doc_text(slot.uri, sl)))
        el, ec = max((el, ec), (sl, sc))
        return sl, sc, el, ec

    def cell_end(self, slot: Slot) -> tuple[int, int]:
        last = slot.doc_lines[-1] if slot.doc_lines else 0
        return last, len(self.doc_text(slot.uri, last))


Encoder = Callable[[str, int], int]


def encoder(encoding: str | None) -> Encoder:
    """Character column -> the client's position units (UTF-16 unless negotiated otherwise)."""
    if encoding == types.PositionEncodingKind.Utf32:
        return lambda text, col: col
    if encoding == types.PositionEncodingKind.Utf8:
        return lambda text, col: col if text.isascii() else len(text[:col].encode("utf-8"))
    return lambda text, col: col if text.isascii() else len(text[:col].encode("utf-16-le")) // 2


def uri_path(uri: str) -> str | None:
    try:
        path = to_fs_path(uri)
    except Exception:  # pygls raises assorted errors on odd URIs; no path means no pyproject
        return None
    if path and "/.virtual_documents/" in path.replace("\\", "/"):
        # jupyter-lsp's shadow copies live under <root>/.virtual_documents/<path>.
        path = path.replace("\\", "/").replace("/.virtual_documents/", "/", 1)
    return path


# -- builders ----------------------------------------------------------------------------------

def _split(text: str) -> list[str]:
    return text.split("\n")


def _tags(metadata: object) -> list[str]:
    """Cell tags wherever a client puts them (VS Code nests ipynb metadata)."""
    if not isinstance(metadata, dict):
        return []
    candidates = [metadata, metadata.get("metadata"), (metadata.get("custom") or {}).get("metadata")
                  if isinstance(metadata.get("custom"), dict) else None]
    for c in candidates:
        if isinstance(c, dict) and isinstance(c.get("tags"), list):
            return [t for t in c["tags"] if isinstance(t, str)]
    return []


def _language(metadata: object) -> str:
    if not isinstance(metadata, dict):
        return "python"
    for c in (metadata, metadata.get("metadata"),
              (metadata.get("custom") or {}).get("metadata") if isinstance(metadata.get("custom"), dict) else None):
        if not isinstance(c, dict):
            continue
        info = c.get("language_info")
        if isinstance(info, dict) and isinstance(info.get("name"), str) and info["name"].strip():
            return info["name"].strip().lower()
        spec = c.get("kernelspec")
        if isinstance(spec, dict) and isinstance(spec.get("language"), str) and spec["language"].strip():
            return spec["language"].strip().lower()
    return "python"


def from_notebook_document(nb: types.NotebookDocument, text_of: Callable[[str], tuple[str, str | None, int | None]],
                           previous: DocumentView | None = None) -> DocumentView:
    """`text_of(cell_uri)` gives (text, language id, version) of a cell's text document.

    Cells that did not change since `previous` keep their model objects: rebuilding a
    300-cell notebook on every keystroke would cost more than linting the edited cell."""
    cells: list[Cell] = []
    view = DocumentView(key=nb.uri, kind="notebook", path=uri_path(nb.uri), notebook=None)
    old: dict[str, tuple[Cell, Slot]] = {}
    if previous is not None and previous.notebook is not None and previous.kind == "notebook":
        old = {s.uri: (c, s) for c, s in zip(previous.notebook.cells, previous.slots)}
    for i, c in enumerate(nb.cells):
        text, language, version = text_of(c.document)
        kind = "code" if c.kind == types.NotebookCellKind.Code else "markdown"
        if kind == "code" and language and language.lower() not in PYTHON_LANGUAGES:
            kind = "raw"  # a SQL or shell cell: not Python, not analysed
        tags = _tags(c.metadata) if c.metadata else []
        order = c.execution_summary.execution_order if c.execution_summary else None
        order = order if isinstance(order, int) and order > 0 else None
        reuse = old.get(c.document)
        if reuse is not None and previous is not None:
            cell = reuse[0]
            if cell.index == i and cell.cell_type == kind and cell.source == text \
                    and cell.metadata.get("tags", []) == tags and cell.execution_count == order:
                cells.append(cell)
                view.slots.append(reuse[1])
                view.texts[c.document] = previous.texts[c.document]
                view.versions[c.document] = version
                continue
        cells.append(Cell(index=i, cell_type=kind, source=text, id=c.document,
                          execution_count=order,
                          metadata={"tags": tags} if tags else {}))
        lines = _split(text)
        view.slots.append(Slot(c.document, list(range(len(lines)))))
        view.texts[c.document] = lines
        view.versions[c.document] = version
    view.notebook = Notebook(path=view.path or nb.uri, cells=cells, language=_language(nb.metadata))
    if previous is not None and previous.notebook is not None and previous.kind == "notebook":
        before = previous.notebook
        view.unchanged = (len(before.cells) == len(cells) and before.language == view.notebook.language
                          and all(a is b for a, b in zip(before.cells, cells)))
    return view


def from_text_document(uri: str, text: str, language_id: str | None, version: int | None) -> DocumentView:
    path = uri_path(uri)
    name = path or uri
    lines = _split(text)
    base = dict(key=uri, path=path, texts={uri: lines}, versions={uri: version})
    if is_virtual_notebook(uri, language_id, text):
        vcells = split_virtual_document(text)
        cells = [Cell(index=i, cell_type="code", source=v.source, id=f"{uri}#{i}")
                 for i, v in enumerate(vcells)]
        slots = [Slot(uri, v.doc_lines, v.shift, set(v.rewritten)) for v in vcells]
        return DocumentView(kind="virtual", notebook=Notebook(path=name, cells=cells), slots=slots, **base)
    lowered = uri.split("?", 1)[0].lower()
    if lowered.endswith(".ipynb"):
        try:
            nb = parse_ipynb(text, name)
        except NotebookReadError as exc:
            return DocumentView(kind="ipynb", notebook=None, error=exc.problem, **base)
        located = locate_cells(text, nb)
        slots = [Slot(uri, loc.doc_lines, loc.shift, loc.whole) for loc in located]
        return DocumentView(kind="ipynb", notebook=nb, slots=slots, original=text, **base)
    if has_percent_cells(text):
        nb = parse_percent_script(text, name)
        slots = []
        for cell in nb.cells:
            first = (cell.file_line or 1) - 1
            n = len(_split(cell.source))
            header = first - 1 if first > 0 else None
            slots.append(Slot(uri, list(range(first, first + n)), header_line=header))
        return DocumentView(kind="percent", notebook=nb, slots=slots, **base)
    return DocumentView(kind="plain", notebook=None, **base)
