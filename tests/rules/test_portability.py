"""hardcoded-absolute-path (NB301) and working-directory-change (NB302)."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import PurePosixPath

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nbtest import findings, make_notebook, write_ipynb
from jupyter_mlops.linter.config import LintConfig, config_from_table
from jupyter_mlops.linter.fixes import fix_notebook

RULE = "hardcoded-absolute-path"


def paths(code: str):
    return findings("# %%\n" + code, RULE)


# -- what is a machine-specific path ------------------------------------------------------------

@pytest.mark.parametrize("literal", [
    "/home/ana/data/train.csv",
    "/Users/bo/Downloads/sales.xlsx",
    "/root/models/model.pkl",
    "/mnt/c/Users/ana/data.csv",
    "/media/usb/photos",
    "/Volumes/External/data.parquet",
    "/content/drive/MyDrive/data.csv",
    "/kaggle/input/titanic/train.csv",
    "/dbfs/FileStore/tables/x.csv",
    "C:\\\\Users\\\\ana\\\\data.csv",
    "D:/datasets/images",
    "\\\\\\\\fileserver\\\\share\\\\data.csv",
    "/Users/ana/My Drive/churn data/train set.csv",
    "file:///home/ana/data/train.csv",
])
def test_machine_specific_paths_are_reported(literal):
    found = paths(f'import pandas as pd\ndf = pd.read_csv("{literal}")')
    assert len(found) == 1, literal
    assert (found[0].line, found[0].column) == (2, 17)


@pytest.mark.parametrize("code", [
    "url = 'https://example.com/home/ana/data.csv'",
    "# data lives in /home/ana/data/train.csv\nx = 1",
    "msg = 'Copy the files from /home/ana/data before running'",
    "msg = '/home/ana/data is where the raw files are'",
    "print('/Users/ana/data and /Users/bo/data must match')",
    "print('/Users/ana/data was not found:')",
    "'''Reads /home/ana/data/train.csv.'''\nx = 1",
    "def load():\n    '''Load /home/ana/data/train.csv'''\n    return 1",
    "path = 'data/train.csv'",
    "path = '../input/train.csv'",
    "path = '/tmp/scratch.csv'",
    "path = '/home'",
    "path = '~/data/train.csv'",
    "import os\nbase = os.environ.get('DATA_DIR', '/home/ana/data')",
    "import os\nbase = os.getenv('DATA_DIR', '/home/ana/data')",
    "ratio = 'a/b'",
    "path = '/home/ana/data/train.csv'  # noqa: NB301",
])
def test_non_paths_are_clean(code):
    assert paths(code) == [], code


def test_fstring_path_is_reported():
    (f,) = paths("name = 'train'\npath = f'/home/ana/data/{name}.csv'")
    assert "/home/ana/data/" in f.message and f.line == 2


# -- the DATA_DIR fix ---------------------------------------------------------------------------

def fix(*sources: str, unsafe: bool = True, **table):
    nb = make_notebook(*sources)
    config = config_from_table({"select": [RULE], **table})
    return fix_notebook(nb, config, unsafe=unsafe)


def test_fix_is_unsafe_only():
    result = fix("import pandas as pd\ndf = pd.read_csv('/home/ana/data/train.csv')", unsafe=False)
    assert result.changes == {}
    (f,) = result.remaining
    assert f.fix is not None and f.fix.applicability.value == "unsafe"


def test_fix_two_cells_defines_data_dir_once():
    result = fix("import pandas as pd  # tables\n\nSEED = 1",
                 "train = pd.read_csv('/home/ana/churn/data/train.csv')  # keep me",
                 "test = pd.read_csv(\"/home/ana/churn/data/raw/test.csv\", sep=';')")
    assert result.changes == {
        0: "import pandas as pd  # tables\nimport os\nfrom pathlib import Path\n"
           "DATA_DIR = Path(os.environ.get(\"DATA_DIR\", \"/home/ana/churn/data\"))\n\nSEED = 1",
        1: "train = pd.read_csv(DATA_DIR / 'train.csv')  # keep me",
        2: "test = pd.read_csv(DATA_DIR / \"raw/test.csv\", sep=';')",
    }
    fixed = "\n".join(c.source for c in result.fixed.cells)
    assert fixed.count("DATA_DIR = ") == 1
    assert [f for f in result.remaining if f.rule == RULE] == []


def test_fix_reuses_existing_imports_and_aliases():
    result = fix("import os as o\nfrom pathlib import Path as P\nimport pandas as pd",
                 "df = pd.read_csv('/Users/bo/data/a.csv')")
    assert result.changes[0] == ("import os as o\nfrom pathlib import Path as P\nimport pandas as pd\n"
                                 "DATA_DIR = P(o.environ.get(\"DATA_DIR\", \"/Users/bo/data\"))")
    assert result.changes[1] == "df = pd.read_csv(DATA_DIR / 'a.csv')"


def test_fix_keeps_strings_where_strings_are_needed():
    result = fix("import pandas as pd\nBASE = '/home/ana/data/'\nname = 'x'",
                 "a = pd.read_csv(BASE + 'a.csv')\n"
                 "b = pd.read_csv('/home/ana/data/' + name + '.csv')\n"
                 "c = '/home/ana/data/c.csv'.replace('c', 'd')\n"
                 "d = pd.read_csv(f'/home/ana/data/{name}.csv')")
    assert result.changes[0].endswith("BASE = os.path.join(DATA_DIR, '')\nname = 'x'")
    assert result.changes[1] == ("a = pd.read_csv(BASE + 'a.csv')\n"
                                 "b = pd.read_csv(os.path.join(DATA_DIR, '') + name + '.csv')\n"
                                 "c = os.path.join(DATA_DIR, 'c.csv').replace('c', 'd')\n"
                                 "d = pd.read_csv(DATA_DIR / f'{name}.csv')")


def test_sys_path_entries_stay_strings():
    result = fix("import sys\nsys.path.append('/home/ana/project/src')\nsys.path.insert(0, '/home/ana/project/lib')")
    assert result.changes[0].endswith("sys.path.append(os.path.join(DATA_DIR, 'src'))\n"
                                      "sys.path.insert(0, os.path.join(DATA_DIR, 'lib'))")


def test_glob_patterns_stay_strings():
    result = fix("import glob\nPATTERN = '/home/ana/data/images/*.jpg'\nfiles = glob.glob(PATTERN)\n"
                 "more = glob.glob('/home/ana/data/extra/*.jpg')")
    assert "PATTERN = os.path.join(DATA_DIR, 'images/*.jpg')" in result.changes[0]
    assert "more = glob.glob(os.path.join(DATA_DIR, 'extra/*.jpg'))" in result.changes[0]


def test_fix_uses_configured_data_dir_as_default():
    result = fix("import pandas as pd\ndf = pd.read_csv('/home/ana/x/train.csv')",
                 **{"data-dir": "/srv/shared/churn"})
    assert 'DATA_DIR = Path(os.environ.get("DATA_DIR", "/srv/shared/churn"))' in result.changes[0]
    assert result.changes[0].endswith("df = pd.read_csv(DATA_DIR / 'train.csv')")


def test_paths_outside_the_data_dir_are_reported_without_fix():
    result = fix("import pandas as pd",
                 "a = pd.read_csv('/home/ana/data/a.csv')\nb = pd.read_csv('/home/ana/data/b.csv')",
                 "c = pd.read_csv('/mnt/backup/old/c.csv')")
    assert result.changes[1] == "a = pd.read_csv(DATA_DIR / 'a.csv')\nb = pd.read_csv(DATA_DIR / 'b.csv')"
    assert 2 not in result.changes
    (left,) = [f for f in result.remaining if f.rule == RULE]
    assert left.cell == 2 and left.fix is None


def test_existing_data_dir_of_another_kind_blocks_the_fix():
    result = fix("import pandas as pd\nDATA_DIR = 'data'\ndf = pd.read_csv('/home/ana/data/a.csv')")
    assert result.changes == {}


def test_path_above_the_imports_gets_definition_above_it():
    result = fix("df_path = '/home/ana/data/a.csv'", "import pandas as pd\ndf = pd.read_csv(df_path)")
    assert result.changes[0].startswith("import os\nfrom pathlib import Path\nDATA_DIR = ")
    assert result.changes[0].endswith("df_path = DATA_DIR / 'a.csv'")
    assert 1 not in result.changes


def test_definition_never_goes_above_a_cell_magic():
    result = fix("%%bash\nls /home/ana/data", "%%time\nrows = open('/home/ana/data/a.csv').read()")
    assert 0 not in result.changes
    assert result.changes[1] == ("%%time\nimport os\nfrom pathlib import Path\n"
                                 "DATA_DIR = Path(os.environ.get(\"DATA_DIR\", \"/home/ana/data\"))\n"
                                 "rows = open(DATA_DIR / 'a.csv').read()")


def test_windows_paths():
    result = fix("f = open(r'C:\\Users\\ana\\data\\x.csv')\ng = open('C:/Users/ana/data/y.csv')")
    assert result.changes[0] == ("import os\nfrom pathlib import Path\n"
                                 "DATA_DIR = Path(os.environ.get(\"DATA_DIR\", \"C:\\\\Users\\\\ana\\\\data\"))\n"
                                 "f = open(DATA_DIR / 'x.csv')\ng = open(DATA_DIR / 'y.csv')")


def test_fixed_code_still_runs(tmp_path):
    """The rewritten cells are valid Python that reads the same file when DATA_DIR is set."""
    data = tmp_path / "data"
    data.mkdir()
    (data / "a.txt").write_text("hello")
    result = fix("import os", "text = open('/home/ana/data/a.txt').read()\n"
                 "other = open('/home/ana/data/' + 'a.txt').read()")
    code = "\n".join(c.source for c in result.fixed.cells)
    env = {"DATA_DIR": str(data)}
    out = subprocess.run([sys.executable, "-c", code + "\nprint(text, other)"], capture_output=True,
                         text=True, env=env, timeout=60)
    assert out.stdout.strip() == "hello hello", out.stderr


def test_cli_unsafe_fix_keeps_layout(tmp_path):
    path = write_ipynb(tmp_path / "explore.ipynb",
                       ["import pandas as pd\n", "df = pd.read_csv('/home/ana/data/train.csv')\n",
                        "df.head()  # look\n"])
    before = path.read_text(encoding="utf-8")
    safe = subprocess.run([sys.executable, "-m", "jupyter_mlops.cli", "lint", str(path), "--fix",
                           "--select", "NB301"], capture_output=True, text=True, timeout=120)
    assert safe.returncode == 1 and path.read_text(encoding="utf-8") == before
    proc = subprocess.run([sys.executable, "-m", "jupyter_mlops.cli", "lint", str(path),
                           "--unsafe-fixes", "--fix", "--select", "NB301"], capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    after = json.loads(path.read_text(encoding="utf-8"))
    expected = json.loads(before)
    expected["cells"][0]["source"] = [
        "import pandas as pd\n", "import os\n", "from pathlib import Path\n",
        "DATA_DIR = Path(os.environ.get(\"DATA_DIR\", \"/home/ana/data\"))\n"]
    expected["cells"][1]["source"] = ["df = pd.read_csv(DATA_DIR / 'train.csv')\n"]
    assert after == expected


# -- working-directory-change -------------------------------------------------------------------

def chdir(code: str):
    return findings("# %%\n" + code, "working-directory-change")


@pytest.mark.parametrize("code", [
    "import os\nos.chdir('data')",
    "import os as o\no.chdir('..')",
    "from os import chdir\nchdir('/tmp')",
    "from os import chdir as cd\ncd('data')",
    "%cd data",
    "%cd",
    "%pushd data",
    "!cd data",
])
def test_directory_changes_are_reported(code):
    assert len(chdir(code)) == 1, code


@pytest.mark.parametrize("code", [
    "!cd data && make",
    "!cd data; ls",
    "%%bash\ncd data\nls",
    "os = None\nos.chdir('x')",
    "import os\nos.getcwd()",
    "from pathlib import Path\nDATA = Path('data')",
])
def test_harmless_directory_use_is_clean(code):
    assert chdir(code) == [], code


def test_bang_cd_message_explains_it_does_nothing():
    (f,) = chdir("!cd data")
    assert "changes nothing" in f.message


def test_rules_selectable_by_category():
    cfg = LintConfig(select=("portability",))
    assert {r.name for r in cfg.enabled_rules()} >= {RULE, "working-directory-change"}


# -- property: the fix keeps every path's value ---------------------------------------------------

_part = st.text(alphabet="abcxyz019_-.", min_size=1, max_size=8).filter(lambda p: p not in (".", ".."))


@settings(max_examples=40, deadline=None)
@given(base=st.lists(_part, min_size=1, max_size=2),
       literals=st.lists(st.tuples(st.lists(_part, min_size=1, max_size=3), st.booleans(),
                                   st.sampled_from(["path", "concat", "method"])),
                         min_size=1, max_size=4))
def test_fixed_paths_evaluate_to_the_original_paths(base, literals):
    """With DATA_DIR set to the directory the fix chose, every rewritten expression names the
    same file as the literal it replaced (as a Path, or exactly as a str where a str is used)."""
    root = "/home/ana/" + "/".join(base)
    lines, expected = [], {}
    for i, (parts, trailing, use) in enumerate(literals):
        value = root + "/" + "/".join(parts) + ("/" if trailing else "")
        if use == "path":
            lines.append(f"v{i} = open_path({value!r})")
        elif use == "concat":
            lines.append(f"v{i} = {value!r} + 'suffix'")
            value += "suffix"
        else:
            lines.append(f"v{i} = {value!r}.upper()")
            value = value.upper()
        expected[f"v{i}"] = (value, use)
    result = fix("import os\nopen_path = str", "\n".join(lines))
    code = "\n".join(c.source for c in result.fixed.cells)
    definition = next(line for line in code.split("\n") if line.startswith("DATA_DIR = "))
    default = ast.literal_eval(definition.split(", ", 1)[1].rsplit("))", 1)[0])
    namespace: dict = {}
    os.environ.pop("DATA_DIR", None)
    exec(compile(code, "<fixed>", "exec"), namespace)
    assert str(namespace["DATA_DIR"]) == default
    for name, (value, use) in expected.items():
        got = namespace[name]
        if use == "path":
            assert PurePosixPath(got) == PurePosixPath(value)
        else:
            assert got == value, (name, code)


def test_chdir_spelled_with_full_width_letters_is_found():
    """Python reads `os.ｃｈｄｉｒ` as `os.chdir`: the quick text test must not skip the cell."""
    nb = make_notebook("import os", "os.\uff43\uff48\uff44\uff49\uff52('data')")
    assert [f.rule for f in findings(nb, "working-directory-change")] == ["working-directory-change"]


@pytest.mark.parametrize("path, where", [("/kaggle/input/train.csv", "Kaggle"), ("/content/drive/x.csv", "Google Colab"),
                                         ("/home/ana/x.csv", "the author's machine")])
def test_the_message_names_where_the_path_exists(path, where):
    (f,) = findings(f"# %%\nimport pandas as pd\ndf = pd.read_csv('{path}')", "hardcoded-absolute-path")
    assert f.message.endswith(f"exists only on {where}" + (" (its own file system)" if where != "the author's machine" else ""))
