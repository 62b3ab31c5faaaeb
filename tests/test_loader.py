"""Reading notebooks: nbformat 4 and 3, percent scripts, and clear errors for bad files."""

from __future__ import annotations

import json

import pytest

from jupyter_mlops.errors import NotebookReadError
from jupyter_mlops.notebook import load_notebook, parse_ipynb, parse_percent_script


def test_nbformat4_cells_counts_ids_and_kernel(tmp_path):
    raw = {"nbformat": 4, "nbformat_minor": 5,
           "metadata": {"kernelspec": {"name": "python3", "language": "python"}},
           "cells": [{"cell_type": "markdown", "id": "m1", "metadata": {}, "source": ["# Title"]},
                     {"cell_type": "code", "id": "c1", "metadata": {"tags": ["parameters"]},
                      "execution_count": 3, "outputs": [{"output_type": "error", "ename": "E",
                                                          "evalue": "v", "traceback": []}],
                      "source": ["x = 1\r\n", "y = 2"]}]}
    p = tmp_path / "a.ipynb"
    p.write_text(json.dumps(raw))
    nb = load_notebook(p)
    assert [c.cell_type for c in nb.cells] == ["markdown", "code"]
    code = nb.cells[1]
    assert (code.index, code.id, code.execution_count, code.tags) == (1, "c1", 3, ["parameters"])
    assert code.source == "x = 1\ny = 2"
    assert code.outputs[0].output_type == "error" and nb.is_python


def test_nbformat3_is_upgraded():
    raw = {"nbformat": 3, "nbformat_minor": 0, "metadata": {"name": "old"},
           "worksheets": [{"cells": [
               {"cell_type": "heading", "level": 2, "source": "Intro", "metadata": {}},
               {"cell_type": "code", "language": "python", "input": ["a = 1\n", "b = a"],
                "prompt_number": 4, "outputs": [{"output_type": "pyerr", "ename": "X", "evalue": ""}],
                "metadata": {}}]}]}
    nb = parse_ipynb(json.dumps(raw), "old.ipynb")
    assert nb.nbformat == 3
    assert nb.cells[0].cell_type == "markdown" and nb.cells[0].source == "## Intro"
    assert nb.cells[1].source == "a = 1\nb = a" and nb.cells[1].execution_count == 4
    assert nb.cells[1].outputs[0].output_type == "error"


@pytest.mark.parametrize("meta, language", [
    ({"kernelspec": {"name": "ir", "language": "R"}}, "r"),
    ({"language_info": {"name": "julia"}}, "julia"),
    ({"kernelspec": {"name": "ir"}}, "r"),
    ({}, "python"),
])
def test_kernel_language(meta, language):
    nb = parse_ipynb(json.dumps({"nbformat": 4, "nbformat_minor": 4, "metadata": meta, "cells": []}))
    assert nb.language == language


@pytest.mark.parametrize("text, problem", [
    ("", "file is empty"),
    ("{\"cells\": [", "not valid JSON"),
    ("[1, 2]", "top level is a JSON array"),
    ('{"nbformat": 4, "cells": {}}', "'cells' must be a list"),
    ('{"nbformat": 4, "cells": [1]}', "cell 1 is a JSON number"),
    ('{"nbformat": 4, "cells": [{"source": "x"}]}', "cell 1 has no 'cell_type'"),
    ('{"nbformat": 4, "cells": [{"cell_type": "code", "source": null}]}', "'source' is null"),
    ('{"nbformat": 7, "cells": []}', "nbformat 7 is newer"),
    ('{"hello": 1}', "not a notebook"),
])
def test_malformed_notebooks_raise_one_line_errors(text, problem):
    with pytest.raises(NotebookReadError) as info:
        parse_ipynb(text, "bad.ipynb")
    assert problem in str(info.value) and "\n" not in str(info.value)
    assert str(info.value).startswith("bad.ipynb: ")


def test_string_sources_and_bom_are_accepted(tmp_path):
    p = tmp_path / "s.ipynb"
    p.write_bytes(b"\xef\xbb\xbf" + json.dumps({"nbformat": 4, "nbformat_minor": 2, "metadata": {},
                                                "cells": [{"cell_type": "code", "source": "x = 1",
                                                           "metadata": {}, "outputs": [],
                                                           "execution_count": None}]}).encode())
    assert load_notebook(p).cells[0].source == "x = 1"


@pytest.mark.parametrize("make, problem", [
    (lambda d: d / "missing.ipynb", "file not found"),
    (lambda d: (d / "dir.ipynb").mkdir() or d / "dir.ipynb", "is a directory"),
    (lambda d: (d / "link.ipynb").symlink_to(d / "nowhere") or d / "link.ipynb", "dangling symbolic link"),
    (lambda d: [(d / "bin.ipynb").write_bytes(b'{"a": "\xff"}'), d / "bin.ipynb"][1], "not valid UTF-8"),
])
def test_unreadable_files(tmp_path, make, problem):
    with pytest.raises(NotebookReadError) as info:
        load_notebook(make(tmp_path))
    assert problem in str(info.value)


def test_percent_script_cells_and_positions():
    text = "import os\n\n# %% [markdown]\n# # Title\n# text\n\n# %% tags=[\"parameters\"]\nalpha = 0.1\n\n# %%\nprint(alpha)\n"
    nb = parse_percent_script(text, "s.py")
    assert [c.cell_type for c in nb.cells] == ["code", "markdown", "code", "code"]
    assert nb.cells[1].source == "# Title\ntext"
    assert nb.cells[2].tags == ["parameters"] and nb.cells[2].source == "alpha = 0.1"
    assert nb.cells[3].file_line == 11
    assert text.split("\n")[nb.cells[3].file_line - 1] == "print(alpha)"
