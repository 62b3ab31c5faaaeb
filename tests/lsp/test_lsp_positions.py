"""Positions: cell lines inside `.ipynb` JSON text, and character columns in the client's units."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st
from jupyter_mlops_lsp.documents import encoder, from_text_document
from jupyter_mlops_lsp.ipynb_text import locate_cells
from lsprotocol import types

from jupyter_mlops.notebook import parse_ipynb

line = st.text(alphabet=st.characters(codec="utf-8", exclude_characters="\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"),
               max_size=15)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.lists(line, min_size=1, max_size=4), min_size=1, max_size=5),
       st.sampled_from([(1, False), (2, True), (4, False)]))
def test_every_cell_line_is_found_in_the_json_text(cells, layout):
    indent, ascii_only = layout
    raw = {"cells": [{"cell_type": "code", "execution_count": None, "id": f"c{i}", "metadata": {},
                      "outputs": [], "source": [l + "\n" for l in lines[:-1]] + ([lines[-1]] if lines[-1] else [])}
                     for i, lines in enumerate(cells)],
           "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    text = json.dumps(raw, indent=indent, ensure_ascii=ascii_only, sort_keys=True)
    nb = parse_ipynb(text, "x.ipynb")
    doc = text.split("\n")
    for cell, located in zip(nb.cells, locate_cells(text, nb)):
        for i, src in enumerate(cell.source.split("\n"), start=1):
            if not src:
                continue
            target = doc[located.doc_lines[i - 1]]
            assert json.dumps(src, ensure_ascii=ascii_only)[1:-1] in target
            if i not in located.whole:
                assert target[located.shift[i]:].startswith(src)


def test_columns_are_utf16_units_by_default():
    enc = encoder(types.PositionEncodingKind.Utf16)
    text = "label = '😀'; total = price"
    col = text.index("price")
    assert enc(text, col) == col + 1  # the emoji is two UTF-16 code units
    assert encoder(types.PositionEncodingKind.Utf32)(text, col) == col
    assert encoder(types.PositionEncodingKind.Utf8)(text, col) == col + 3


def test_percent_script_cells_keep_their_file_lines():
    text = "# %%\nimport os\n\n\n# %%\nx = 1\n# %% [markdown]\n# text\n"
    view = from_text_document("file:///tmp/s.py", text, "python", 1)
    assert view.kind == "percent"
    lines = text.split("\n")
    for cell, slot in zip(view.notebook.cells, view.slots):
        for i, src in enumerate(cell.source.split("\n"), start=1):
            if cell.cell_type == "code":
                assert lines[slot.line(i)] == src
