"""Applying fixes: exact edits, atomic writes that keep the file's layout and other cells."""

from __future__ import annotations

import json

import pytest

from jupyter_mlops.errors import FixError
from jupyter_mlops.linter.findings import Edit
from jupyter_mlops.linter.fixes import apply_edits
from jupyter_mlops.notebook import load_notebook
from jupyter_mlops.notebook.writer import render_ipynb, render_percent, write_changes


def test_apply_edits_replaces_spans_and_merges_identical_insertions():
    src = "a = f(x)\nb = g(y)  # keep me"
    edits = [Edit(0, 1, 4, 1, 5, "ff"), Edit(0, 2, 4, 2, 5, "gg"), Edit(0, 1, 0, 1, 0, "import os\n"),
             Edit(0, 1, 0, 1, 0, "import os\n")]
    assert apply_edits(src, edits) == "import os\na = ff(x)\nb = gg(y)  # keep me"


def test_overlapping_edits_are_refused():
    with pytest.raises(FixError):
        apply_edits("abcdef", [Edit(0, 1, 0, 1, 3, "x"), Edit(0, 1, 2, 1, 4, "y")])


@pytest.mark.parametrize("indent, ascii_", [(1, False), (2, False), (4, True)])
def test_render_ipynb_changes_only_the_edited_cell(indent, ascii_):
    raw = {"cells": [{"cell_type": "code", "execution_count": 1, "metadata": {}, "outputs": [],
                      "source": ["a = 1\n", "b = 'é'"]},
                     {"cell_type": "code", "execution_count": 2, "metadata": {"z": 1, "a": 2}, "outputs": [],
                      "source": "c = 3"}],
           "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    original = json.dumps(raw, indent=indent, ensure_ascii=ascii_) + "\n"
    out = render_ipynb(original, {1: "c = 4\nd = 5"})
    new = json.loads(out)
    assert new["cells"][1]["source"] == "c = 4\nd = 5"  # a string source stays a string
    assert new["cells"][0] == raw["cells"][0]
    before, after = original.splitlines(), out.splitlines()
    changed = [l for l in after if l not in before]
    assert all("c = 4" in l for l in changed), changed
    assert out.endswith("\n")


def test_list_sources_stay_lists(tmp_path):
    original = json.dumps({"cells": [{"cell_type": "code", "source": ["x = 1\n", "y = 2"],
                                      "metadata": {}, "outputs": [], "execution_count": None}],
                           "metadata": {}, "nbformat": 4, "nbformat_minor": 5}, indent=1)
    out = json.loads(render_ipynb(original, {0: "x = 1\ny = 3\n"}))
    assert out["cells"][0]["source"] == ["x = 1\n", "y = 3\n"]


def test_render_percent_keeps_other_cells(tmp_path):
    text = "import os\n\n# %%\nx = 1\ny = 2\n\n# %%\nprint(x)\n"
    from jupyter_mlops.notebook import parse_percent_script
    nb = parse_percent_script(text, "s.py")
    out = render_percent(text, nb, {1: "x = 10\ny = 2\nz = 3"})
    assert out == "import os\n\n# %%\nx = 10\ny = 2\nz = 3\n\n# %%\nprint(x)\n"


def test_write_refuses_when_the_file_changed_underneath(tmp_path):
    p = tmp_path / "n.ipynb"
    p.write_text(json.dumps({"cells": [{"cell_type": "code", "source": "x=1", "metadata": {},
                                        "outputs": [], "execution_count": None}],
                             "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    original = p.read_text()
    nb = load_notebook(p)
    p.write_text(original.replace("x=1", "x=2"))
    with pytest.raises(FixError, match="changed on disk"):
        write_changes(nb, {0: "x = 3"}, original)
    assert "x=2" in p.read_text()


def test_write_keeps_file_mode(tmp_path):
    p = tmp_path / "n.ipynb"
    p.write_text(json.dumps({"cells": [{"cell_type": "code", "source": "x=1", "metadata": {},
                                        "outputs": [], "execution_count": None}],
                             "metadata": {}, "nbformat": 4, "nbformat_minor": 5}, indent=1) + "\n")
    p.chmod(0o640)
    original = p.read_text()
    write_changes(load_notebook(p), {0: "x = 3"}, original)
    assert oct(p.stat().st_mode & 0o777) == oct(0o640)
    assert json.loads(p.read_text())["cells"][0]["source"] == "x = 3"
    assert not [f for f in tmp_path.iterdir() if f.name.endswith(".tmp")]
