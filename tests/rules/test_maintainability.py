"""long-cell (NB601), function-uses-global (NB602), bare-except (NB603), large-output (NB604),
untitled-notebook (NB605)."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest

from nbtest import findings, make_notebook, write_ipynb
from jupyter_mlops.errors import ConfigError
from jupyter_mlops.linter.config import LintConfig, config_from_table
from jupyter_mlops.linter.engine import lint_notebook
from jupyter_mlops.linter.fixes import fix_notebook
from jupyter_mlops.notebook.model import Cell, Notebook, Output


def only(rule: str, nb: Notebook, **table):
    config = config_from_table({"select": [rule], **table})
    return lint_notebook(nb, config)


# -- long-cell ----------------------------------------------------------------------------------

def test_long_cell_counts_code_lines_only():
    code = "\n".join(f"x{i} = {i}" for i in range(50))
    padded = "# header\n\n" + code.replace("\n", "\n\n# note\n")
    assert findings(make_notebook(padded), "long-cell") == []  # 50 lines of code: at the limit
    (f,) = findings(make_notebook(code + "\nx = 1"), "long-cell")
    assert f.message == "cell has 51 lines of code (limit 50)" and f.line == 1


def test_long_cell_option_through_config():
    nb = make_notebook("a = 1\nb = 2\nc = 3", "d = 4")
    (f,) = only("long-cell", nb, **{"long-cell": {"max-lines": 2}})
    assert f.cell == 0 and "limit 2" in f.message
    with pytest.raises(ConfigError):
        config_from_table({"long-cell": {"max-lines": "ten"}})


# -- function-uses-global -----------------------------------------------------------------------

def uses(*sources: str):
    return findings(make_notebook(*sources), "function-uses-global")


def test_function_reading_a_notebook_variable_is_reported_once():
    found = uses("df = load()\nthreshold = 0.5",
                 "def score(rows):\n    a = df.mean()\n    b = df.max()\n    return a > threshold")
    assert [(f.line, f.column, f.message) for f in found] == [
        (2, 8, "`score` reads the notebook variable `df` instead of taking it as a parameter"),
        (4, 15, "`score` reads the notebook variable `threshold` instead of taking it as a parameter"),
    ]


def test_methods_and_nested_functions_are_reported():
    found = uses("scale = 2.0",
                 "class Model:\n    def predict(self, x):\n        return x * scale",
                 "def outer():\n    def inner():\n        return scale\n    return inner")
    assert {(f.cell, f.message.split('`')[1]) for f in found} == {(1, "predict"), (2, "outer")}


@pytest.mark.parametrize("sources", [
    ("import numpy as np\nfrom math import pi", "def area(r):\n    return np.square(r) * pi"),
    ("MAX_ROWS = 1000\n_PRIVATE_LIMIT = 3", "def cap(n):\n    return min(n, MAX_ROWS, _PRIVATE_LIMIT)"),
    ("N = 100", "def sample():\n    return list(range(N))"),
    ("def helper(x):\n    return x\nclass Box:\n    pass", "def run(v):\n    return helper(Box())"),
    ("def run(df):\n    return df.mean()", "df = 1\nresult = run(df)"),
    ("total = 0", "squares = [total + i for i in range(3)]\nf = lambda v: v + total"),
    ("def f():\n    return len(__name__) + undefined_here",),
])
def test_constants_imports_functions_params_and_module_code_are_clean(sources):
    assert uses(*sources) == [], sources


def test_single_letter_data_names_are_not_constants():
    found = uses("X = load_matrix()\ny = load_labels()", "def fit():\n    return model(X, y)")
    assert sorted(f.message.split("`")[3] for f in found) == ["X", "y"]


# -- bare-except --------------------------------------------------------------------------------

def excepts(code: str):
    return findings("# %%\n" + code, "bare-except")


@pytest.mark.parametrize("code", [
    "try:\n    x = 1\nexcept:\n    x = 0",
    "try:\n    x = 1\nexcept Exception:\n    pass",
    "try:\n    x = 1\nexcept BaseException:\n    ...",
    "try:\n    x = 1\nexcept (ValueError, Exception):\n    pass",
    "for i in range(3):\n    try:\n        x = 1\n    except Exception as e:\n        continue",
    "def f():\n    try:\n        return 1\n    except:\n        return 0",
])
def test_bare_and_swallowing_excepts_are_reported(code):
    assert len(excepts(code)) == 1, code


@pytest.mark.parametrize("code", [
    "try:\n    x = 1\nexcept ValueError:\n    pass",
    "import logging\ntry:\n    x = 1\nexcept Exception:\n    logging.exception('failed')",
    "try:\n    x = 1\nexcept Exception as exc:\n    raise RuntimeError('load failed') from exc",
    "class Exception:\n    pass\ntry:\n    x = 1\nexcept Exception:\n    pass",
])
def test_specific_or_handled_excepts_are_clean(code):
    assert excepts(code) == [], code


def test_bare_except_unsafe_fix():
    nb = make_notebook("try:\n    x = int('a')\nexcept:  # fall back\n    x = 0")
    safe = fix_notebook(nb, LintConfig(select=("bare-except",)), unsafe=False)
    assert safe.changes == {}
    result = fix_notebook(nb, LintConfig(select=("bare-except",)), unsafe=True)
    assert result.changes == {0: "try:\n    x = int('a')\nexcept Exception:  # fall back\n    x = 0"}
    assert result.remaining == []
    (swallow,) = excepts("try:\n    x = 1\nexcept:\n    pass")
    assert swallow.fix is None  # `except Exception: pass` would still hide errors


# -- large-output -------------------------------------------------------------------------------

def with_outputs(*sizes: int, path: str = "nb.ipynb") -> Notebook:
    outputs = {i: [Output("display_data", s)] for i, s in enumerate(sizes)}
    return make_notebook(*["x = 1"] * len(sizes), outputs=outputs, path=path)


def test_large_output_default_threshold():
    nb = with_outputs(100 * 1024, 100 * 1024 + 1, 3 * 1024 * 1024)
    found = only("large-output", nb)
    assert [(f.cell, f.message) for f in found] == [
        (1, "saved outputs take 100 KB (limit 100 KB)"),
        (2, "saved outputs take 3.0 MB (limit 100 KB)"),
    ]


def test_large_output_option_max_kb():
    nb = with_outputs(4 * 1024, 6 * 1024)
    config = config_from_table({"select": ["large-output"], "large-output": {"max-kb": 5}})
    assert [f.cell for f in lint_notebook(nb, config)] == [1]


def test_large_output_sums_a_cells_outputs():
    nb = make_notebook("for i in range(9): print(i)",
                       outputs={0: [Output("stream", 60 * 1024), Output("stream", 60 * 1024)]})
    (f,) = only("large-output", nb)
    assert "120 KB" in f.message


def test_large_output_from_a_real_file_and_other_kernels(tmp_path):
    path = write_ipynb(tmp_path / "plot.ipynb", ["plot(x)\n"], counts=[1])
    raw = json.loads(path.read_text())
    raw["cells"][0]["outputs"] = [{"output_type": "display_data", "metadata": {},
                                   "data": {"image/png": "A" * 300_000}}]
    raw["metadata"]["kernelspec"] = {"name": "ir", "language": "R", "display_name": "R"}
    raw["metadata"]["language_info"] = {"name": "R"}
    path.write_text(json.dumps(raw))
    proc = subprocess.run([sys.executable, "-m", "jupyter_mlops.cli", "lint", str(path),
                           "--select", "NB604", "--format", "json"], capture_output=True, text=True,
                          timeout=120)
    (entry,) = json.loads(proc.stdout)["files"]
    assert [f["code"] for f in entry["findings"]] == ["NB604"]
    assert proc.returncode == 1


# -- untitled-notebook --------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["Untitled.ipynb", "Untitled3.ipynb", "untitled12.ipynb",
                                  "Untitled-Copy1.ipynb", "Untitled (2).ipynb",
                                  "work/Untitled1.ipynb"])
def test_untitled_names_are_reported(name):
    (f,) = only("untitled-notebook", make_notebook("x = 1", path=name))
    assert f.cell is None and f.line is None and name.rsplit("/", 1)[-1] in f.message


@pytest.mark.parametrize("name", ["01-clean-sales.ipynb", "untitled_analysis_of_sales.ipynb",
                                  "Untitled.py", "Untitled/train.ipynb"])
def test_named_notebooks_are_clean(name):
    assert only("untitled-notebook", make_notebook("x = 1", path=name)) == []


def test_untitled_applies_to_non_python_kernels():
    nb = Notebook(path="Untitled.ipynb", cells=[Cell(0, "code", "x <- 1")], language="R")
    assert [f.rule for f in only("untitled-notebook", nb)] == ["untitled-notebook"]


# -- the real corpus: no crash, and findings point at real code ------------------------------------

@pytest.mark.slow
@pytest.mark.xdist_group("corpus")  # the one corpus lint, on one worker
def test_corpus_findings_point_at_real_lines(corpus_report):
    # The session's one lint of the corpus with every rule (tests/conftest.py).
    report = corpus_report
    assert report.files and not [r for r in report.files if r.error]
    for result in report.files:
        for f in result.findings:
            if f.cell is None or not f.code.startswith(("NB107", "NB2", "NB3", "NB6")):
                continue
            cell = result.notebook.cells[f.cell]
            assert cell.is_code and 1 <= f.line <= len(cell.source.split("\n")), f
            if f.code == "NB301":
                assert not re.search(r"https?://", cell.source.split("\n")[f.line - 1][f.column:f.end_column])


@pytest.mark.parametrize("binding", [
    "import tensorflow as tf\nK = tf.keras.backend",
    "from tensorflow.keras import layers\nDense = layers.Dense",
    "import functools\ndef scale(x, k):\n    return x * k\ndouble = functools.partial(scale, k=2)",
    "from functools import partial\nimport math\nlog2 = partial(math.log, base=2)",
    "import jax\ndef loss(w):\n    return w\ngrad_fn = jax.value_and_grad(loss)",
    "square = lambda v: v * v",
    "class Config:\n    size = 3\nSize = Config.size\nC = Config",
    "import numpy as np\nclip = np.vectorize(min)\nalias = clip",
])
def test_functions_modules_and_classes_by_another_name_are_not_reported(binding):
    name = binding.rsplit("\n", 1)[-1].split(" = ")[0]
    code = f"# %%\n{binding}\n# %%\ndef use(v):\n    return {name}(v)\n"
    assert findings(code, "function-uses-global") == []


def test_a_name_bound_to_data_anywhere_is_still_reported():
    code = ("# %%\nimport numpy as np\nscale = np.sqrt\n# %%\nscale = np.arange(3)\n"
            "# %%\ndef use(v):\n    return scale * v\n")
    (f,) = findings(code, "function-uses-global")
    assert "`scale`" in f.message
