"""Dependency rules: unpinned-install (NB201), wildcard-import (NB202)."""

from __future__ import annotations

import json
import subprocess
import sys
from importlib.metadata import version

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jupyter_mlops.linter.config import LintConfig
from jupyter_mlops.linter.fixes import fix_notebook
from jupyter_mlops.linter.rules._shell import tokenize
from nbtest import findings, make_notebook, write_ipynb

PANDAS = version("pandas")
NUMPY = version("numpy")
SKLEARN = version("scikit-learn")


def unpinned(code: str):
    return findings("# %%\n" + code, "unpinned-install")


# -- unpinned-install: what is reported ---------------------------------------------------------

@pytest.mark.parametrize("line", [
    "!pip install pandas",
    "%pip install pandas",
    "!pip3 install pandas",
    "!python -m pip install pandas",
    "!python3 -m pip install --quiet pandas",
    "!{sys.executable} -m pip install pandas",
    "!uv pip install pandas",
    "!sudo pip install pandas",
    "!pip -q install pandas",
    "!conda install -y pandas",
    "%conda install -c conda-forge pandas",
    "!mamba install pandas>=2",
    "!pip install 'pandas>=2.0'",
    "!pip install pandas~=2.2",
    "!pip install pandas==2.*",
    "!pip install -U pandas",
    "!pip install pandas --upgrade",
    "!pip install git+https://github.com/pandas-dev/pandas.git",
    "!pip install https://example.org/pandas-2.2.0.tar.gz",
    "!pip install pandas && python train.py",
    "files = !pip install pandas",
])
def test_unpinned_install_is_reported(line):
    found = unpinned(line)
    assert len(found) == 1, line
    assert "pandas" in found[0].message


@pytest.mark.parametrize("line", [
    "!pip install pandas==2.2.0",
    "!pip install pandas===2.2.0",
    "%pip install 'pandas[excel]==2.2.0; python_version >= \"3.9\"'",
    "!pip install -r requirements.txt",
    "!pip install --requirement=requirements.txt",
    "!pip install -c constraints.txt pandas scikit-learn",
    "!pip install -e .",
    "!pip install ./dist/mypkg-1.0-py3-none-any.whl",
    "!pip install https://example.org/p-1.0.tar.gz#sha256=" + "a" * 64,
    "!pip install git+https://github.com/pandas-dev/pandas.git@v2.2.0",
    "!pip install git+https://github.com/o/r.git@" + "0123456789abcdef" * 2 + "01234567",
    "!pip install -U pandas==2.2.0",
    "!conda install -y numpy=1.26.4 scipy==1.13.0",
    "!conda install --file environment.txt",
    "!pip uninstall -y pandas",
    "!pip list",
    "!pip freeze > requirements.txt",
    "!pip show pandas",
    "!pip download pandas",
    "!pip install {package}",
    "!pip install $package",
    "!echo pip install pandas",
    "!apt-get install -y graphviz",
    "# !pip install pandas",
    "%pip install --upgrade pandas==2.2.0 # comment mentioning numpy",
])
def test_pinned_or_not_an_install_is_clean(line):
    assert unpinned(line) == [], line


def test_only_the_unpinned_requirement_is_named():
    (f,) = unpinned("!pip install pandas==2.2.0 numpy")
    assert "`numpy`" in f.message and "pandas" not in f.message
    assert (f.line, f.column, f.end_column) == (1, 27, 32)  # the `numpy` word


def test_continuation_lines_and_bash_cells():
    (f,) = unpinned("%pip install -q \\\n    scikit-learn>=1.3 \\\n    pandas==2.2.0")
    assert "scikit-learn>=1.3" in f.message and (f.line, f.column) == (2, 4)
    (g,) = unpinned("%%bash\nset -e\npip install xgboost\necho done")
    assert "xgboost" in g.message and g.line == 3
    (h,) = unpinned("%%script bash\npython -m pip install lightgbm")
    assert "lightgbm" in h.message
    assert unpinned("%%html\n<p>pip install pandas</p>") == []
    assert unpinned("%%bash\npip install -r requirements.txt") == []


def test_install_inside_an_indented_block():
    (f,) = unpinned("import sys\nif 'google.colab' in sys.modules:\n    !pip install shap")
    assert f.line == 3 and "shap" in f.message


def test_installs_through_subprocess_and_os_system():
    (f,) = unpinned("import subprocess, sys\n"
                    "subprocess.check_call([sys.executable, '-m', 'pip', 'install', 'pandas', 'numpy==1.0'])")
    assert "`pandas`" in f.message and "numpy" not in f.message
    assert [e.content for e in f.fix.edits] == [f"'pandas=={PANDAS}'"]
    (g,) = unpinned("import os\nos.system('pip install -q pandas')")
    assert "`pandas`" in g.message and g.fix is None  # words inside one string: no exact span
    assert unpinned("import subprocess\nsubprocess.run(['pip', 'install', '-r', 'req.txt'])") == []
    assert unpinned("import subprocess\nsubprocess.run(['pip', 'install', pkg_name])") == []


def test_upgrade_is_called_out():
    (f,) = unpinned("!pip install -qU pandas")
    assert "--upgrade" in f.message and "newest" in f.message


def test_noqa_suppresses():
    assert unpinned("!pip install pandas  # noqa: NB201") == []


# -- unpinned-install: the fix --------------------------------------------------------------

def fix(*sources: str, unsafe: bool = False, rule: str = "unpinned-install"):
    nb = make_notebook(*sources)
    return fix_notebook(nb, LintConfig(select=(rule,)), unsafe=unsafe)


def test_fix_pins_to_the_installed_version_and_keeps_the_line():
    result = fix("import os\n%pip install -q pandas numpy==1.0  # for the report\nx = 1")
    assert result.changes == {0: f"import os\n%pip install -q pandas=={PANDAS} numpy==1.0  # for the report\nx = 1"}
    assert [f for f in result.remaining if f.rule == "unpinned-install"] == []


def test_fix_keeps_extras_markers_and_quotes():
    result = fix("!pip install \"scikit-learn[alldeps]>=1.0\" 'pandas; python_version >= \"3.8\"'")
    assert result.changes[0] == (
        f"!pip install \"scikit-learn[alldeps]=={SKLEARN}\" "
        f"'pandas=={PANDAS}; python_version >= \"3.8\"'")


def test_fix_across_continuation_lines_and_bash_cells():
    result = fix("%pip install \\\n  pandas>=2 \\\n  numpy", "%%bash\npip install numpy  # pinned by the fix")
    assert result.changes[0] == f"%pip install \\\n  pandas=={PANDAS} \\\n  numpy=={NUMPY}"
    assert result.changes[1] == f"%%bash\npip install numpy=={NUMPY}  # pinned by the fix"


def test_fix_leaves_packages_that_are_not_installed_here():
    (f,) = unpinned("!pip install pandas surely-not-installed-pkg-xyz")
    assert f.fix is not None and f.fix.applicability.value == "safe"
    assert f"pandas=={PANDAS}" in f.fix.message and "surely-not-installed-pkg-xyz" in f.fix.message
    assert [e.content for e in f.fix.edits] == [f"pandas=={PANDAS}"]
    (g,) = unpinned("!pip install surely-not-installed-pkg-xyz")
    assert g.fix is None
    (h,) = unpinned("!pip install git+https://github.com/o/r.git")
    assert h.fix is None and "sha256" in h.message


def test_fix_never_pins_a_version_the_requirement_excludes():
    major = int(PANDAS.split(".")[0])
    (f,) = unpinned(f"!pip install 'pandas<{major}' 'pandas-stubs' numpy>={NUMPY}")
    contents = [e.content for e in f.fix.edits]
    assert f"numpy=={NUMPY}" in contents and not any(c.startswith("'pandas==") for c in contents)
    assert f"pandas<{major}" in f.fix.message  # named as left alone


def test_fix_is_offered_without_unsafe_flag_and_relint_is_clean():
    result = fix("!pip install -U pandas", unsafe=False)
    assert result.changes == {0: f"!pip install -U pandas=={PANDAS}"}
    assert result.remaining == []


def test_cli_fix_writes_only_the_fixed_cell(tmp_path):
    path = write_ipynb(tmp_path / "train.ipynb",
                       ["import pandas as pd\n", "!pip install pandas numpy==1.26.0\n", "x = 1  # ok\n"],
                       counts=[1, 2, 3])
    before = path.read_text(encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "jupyter_mlops.cli", "lint", str(path), "--fix",
                           "--select", "NB201"], capture_output=True, text=True, cwd=tmp_path,
                          timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    after = path.read_text(encoding="utf-8")
    expected = json.loads(before)
    expected["cells"][1]["source"] = [f"!pip install pandas=={PANDAS} numpy==1.26.0\n"]
    assert json.loads(after) == expected
    # Byte-identical layout: the only changed line is the one holding the install.
    changed = [(a, b) for a, b in zip(before.splitlines(), after.splitlines()) if a != b]
    assert len(before.splitlines()) == len(after.splitlines())
    assert changed == [('    "!pip install pandas numpy==1.26.0\\n"',
                        f'    "!pip install pandas=={PANDAS} numpy==1.26.0\\n"')]


def test_cli_fix_in_a_percent_script(tmp_path):
    path = tmp_path / "analysis.py"
    path.write_text("# %%\nimport pandas as pd\n\n# %%\n%pip install pandas  # demo\n\n# %%\nx = 1\n",
                    encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "jupyter_mlops.cli", "lint", str(path), "--fix",
                           "--select", "NB201"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert path.read_text(encoding="utf-8") == (
        f"# %%\nimport pandas as pd\n\n# %%\n%pip install pandas=={PANDAS}  # demo\n\n# %%\nx = 1\n")


# -- the shell tokenizer ------------------------------------------------------------------------

_word = st.text(alphabet="abcXYZ0189._-=<>[]~", min_size=1, max_size=12)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(_word, st.sampled_from(["plain", "single", "double"])), min_size=1, max_size=6))
def test_tokenizer_agrees_with_shlex_and_spans_point_at_the_raw_text(parts):
    import shlex
    raw_words = [w if how == "plain" else ("'%s'" % w if how == "single" else '"%s"' % w)
                 for w, how in parts]
    text = "pip install " + "  ".join(raw_words)
    (command,) = tokenize(text)
    assert [v for v, _, _ in command] == shlex.split(text)
    assert [text[s:e] for _, s, e in command][2:] == raw_words


@pytest.mark.filterwarnings("ignore:`make_tokens_by_line`:UserWarning")  # IPython, on \x0b etc.
@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=60),
       st.sampled_from(["!pip install ", "%pip install -U ", "!conda install ", "%%bash\npip install ",
                        "%run ", "%cd ", "!cd ", "x = '/home/ana/", "exec(open('"]))
def test_rules_never_crash_on_odd_commands(tail, head):
    nb = make_notebook("import os", head + tail)
    config = LintConfig(select=("NB107", "NB2", "NB3", "NB6"))
    fix_notebook(nb, config, unsafe=True)  # lints, fixes and re-lints without raising


def test_tokenizer_splits_commands_and_skips_comments():
    cmds = tokenize("cd x && pip install a; echo 'b;c' | tee log # pip install z")
    assert [[v for v, _, _ in c] for c in cmds] == [["cd", "x"], ["pip", "install", "a"],
                                                    ["echo", "b;c"], ["tee", "log"]]


# -- wildcard-import --------------------------------------------------------------------------

def test_wildcard_import_reported_with_module():
    found = findings("# %%\nfrom sklearn.metrics import *\nimport numpy as np", "wildcard-import")
    assert [(f.line, f.message) for f in found] == [
        (1, "`from sklearn.metrics import *` brings in names nobody can see")]
    (rel,) = findings("# %%\nfrom .helpers import *", "wildcard-import")
    assert "`from .helpers import *`" in rel.message


def test_pylab_magic_is_a_wildcard_import():
    (f,) = findings("# %%\n%pylab inline\nx = linspace(0, 1)", "wildcard-import")
    assert "%pylab" in f.message
    assert findings("# %%\n%matplotlib inline\nimport numpy as np", "wildcard-import") == []


def test_explicit_imports_are_clean():
    assert findings("# %%\nfrom math import pi, sqrt\nimport os.path as osp", "wildcard-import") == []
