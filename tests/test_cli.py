"""The `jupyter-mlops` command end to end: real processes, real files."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

from nbtest import console_script, run_cli as run, write_ipynb



def test_json_report_follows_the_stable_schema(tmp_path):
    nb = write_ipynb(tmp_path / "a.ipynb", ["total = price * 3", "price = 10"])
    out = run("lint", str(nb), "--format", "json")
    assert out.returncode == 1
    data = json.loads(out.stdout)
    assert data["version"] == 1
    [entry] = data["files"]
    assert entry["path"] == str(nb) and entry["error"] is None
    [f] = [f for f in entry["findings"] if f["rule"] == "use-before-define"]
    assert set(f) == {"rule", "code", "severity", "message", "cell", "cell_id", "line", "column",
                      "end_line", "end_column", "fix"}
    assert (f["cell"], f["cell_id"], f["line"], f["column"], f["end_column"]) == (0, "c0", 1, 8, 13)


def test_text_report_shows_location_source_and_hint(tmp_path):
    nb = write_ipynb(tmp_path / "a.ipynb", ["import os", "total = price * 3", "price = 10"])
    out = run("lint", str(nb), "--select", "use-before-define")
    assert f"{nb}:cell 2:1:9: NB103" in out.stdout
    assert "total = price * 3" in out.stdout and "^^^^^" in out.stdout
    assert "= hint:" in out.stdout and "Found 1 finding" in out.stdout


def test_exit_status_clean_and_fail_level(tmp_path):
    clean = write_ipynb(tmp_path / "clean.ipynb", ["x = 1", "print(x)"])
    assert run("lint", str(clean)).returncode == 0
    warn = write_ipynb(tmp_path / "warn.ipynb", ["a = 1", "b = a"], counts=[2, 1])
    assert run("lint", str(warn), "--select", "out-of-order-execution").returncode == 1
    assert run("lint", str(warn), "--select", "out-of-order-execution", "--fail-level", "error").returncode == 0


def test_unreadable_files_are_reported_and_the_rest_is_linted(tmp_path):
    good = write_ipynb(tmp_path / "good.ipynb", ["y = undefined_thing"])
    (tmp_path / "broken.ipynb").write_text('{"cells": [')
    out = run("lint", str(tmp_path), str(tmp_path / "missing.ipynb"), "--format", "json")
    assert out.returncode == 1 and "Traceback" not in out.stderr
    entries = {Path(e["path"]).name: e for e in json.loads(out.stdout)["files"]}
    assert "not valid JSON" in entries["broken.ipynb"]["error"]
    assert entries["missing.ipynb"]["error"] == "file not found"
    assert entries["good.ipynb"]["findings"]


def test_directory_discovery_skips_hidden_and_checkpoints(tmp_path):
    write_ipynb(tmp_path / "a.ipynb", ["x = 1"])
    (tmp_path / ".ipynb_checkpoints").mkdir()
    write_ipynb(tmp_path / ".ipynb_checkpoints" / "a-checkpoint.ipynb", ["x = 1"])
    (tmp_path / ".hidden").mkdir()
    write_ipynb(tmp_path / ".hidden" / "b.ipynb", ["x = 1"])
    (tmp_path / "script.py").write_text("# %%\nx = 1\n")
    (tmp_path / "plain.py").write_text("x = 1\n")
    out = run("lint", str(tmp_path), "--format", "json")
    assert sorted(Path(e["path"]).name for e in json.loads(out.stdout)["files"]) == ["a.ipynb", "script.py"]


def test_usage_errors_exit_2(tmp_path):
    assert run("lint", "--format", "xml").returncode == 2
    bad = run("lint", str(tmp_path), "--select", "no-such-rule")
    assert bad.returncode == 2 and "unknown rule 'no-such-rule'" in bad.stderr
    (tmp_path / "pyproject.toml").write_text("[tool.jupyter-mlops]\nfail-level = 'fatal'\n")
    cfg = run("lint", str(tmp_path))
    assert cfg.returncode == 2 and "fail level" in cfg.stderr and "Traceback" not in cfg.stderr


def test_rule_command_prints_the_lesson():
    out = run("rule", "use-before-define")
    assert out.returncode == 0
    for section in ("## What it does", "## Why is this bad?", "## Example", "## Use instead"):
        assert section in out.stdout
    assert run("rule", "NB103").stdout == out.stdout
    unknown = run("rule", "nope")
    assert unknown.returncode == 2 and "unknown rule" in unknown.stderr
    listing = run("rule", "--list")
    assert "NB103  use-before-define" in listing.stdout


def test_linting_never_modifies_the_notebook(tmp_path):
    nb = write_ipynb(tmp_path / "a.ipynb", ["import numpy as np", "x = np.random.rand(3)"])
    before = hashlib.sha256(nb.read_bytes()).hexdigest()
    run("lint", str(nb))
    run("lint", str(nb), "--diff")
    assert hashlib.sha256(nb.read_bytes()).hexdigest() == before


def test_jupyter_subcommand_entry_point_is_installed():
    exe = Path(sys.executable).parent / "jupyter-mlops"
    assert exe.exists(), "console script jupyter-mlops missing (so `jupyter mlops` would not work)"
    out = subprocess.run([str(exe), "--version"], capture_output=True, text=True)
    assert out.stdout.startswith("jupyter-mlops ")


def test_text_report_never_echoes_a_secret(tmp_path):
    token = "ghp_8fK2mQ7xR4tL9vB1nC6wZ3yH5jD0pS2aE7uI"
    nb = write_ipynb(tmp_path / "s.ipynb", [f'GITHUB_TOKEN = "{token}"',
                                            'url = "postgresql://bob:Hunter2Secret@db:5432/x"'])
    out = run("lint", str(nb))
    assert "NB401" in out.stdout and "NB402" in out.stdout
    assert token not in out.stdout and token[4:] not in out.stdout
    assert "Hunter2Secret" not in out.stdout


def test_diff_prints_each_fixed_cell_as_a_unified_diff_and_writes_nothing(tmp_path):
    nb = write_ipynb(tmp_path / "train.ipynb", [
        "from sklearn.model_selection import train_test_split\nimport pandas as pd",
        "df = pd.read_csv('data.csv')\nX_train, X_test = train_test_split(df, test_size=0.2)",
        "print(X_train.shape)"])
    before = nb.read_bytes()
    out = run("lint", nb.name, "--diff", cwd=tmp_path)
    assert out.returncode == 1, out.stderr  # there is something to fix
    assert out.stdout.splitlines() == [
        "--- train.ipynb:cell 2",
        "+++ train.ipynb:cell 2",
        "@@ -1,2 +1,2 @@",
        " df = pd.read_csv('data.csv')",
        "-X_train, X_test = train_test_split(df, test_size=0.2)",
        "+X_train, X_test = train_test_split(df, test_size=0.2, random_state=42)",
    ]
    assert nb.read_bytes() == before
    # --fix applies exactly that; a second --diff has nothing left to show.
    assert run("lint", nb.name, "--fix", "--select", "missing-random-state", cwd=tmp_path).returncode == 0
    assert "random_state=42" in nb.read_text()
    again = run("lint", nb.name, "--diff", cwd=tmp_path)
    assert again.returncode == 0 and again.stdout.strip() == ""


def test_jupyter_mlops_runs_as_a_jupyter_subcommand(tmp_path):
    """`jupyter mlops ...`: the `jupyter` command finds `jupyter-mlops` on PATH and runs it."""
    import os
    jupyter = console_script("jupyter")
    env = {**os.environ, "PATH": f"{jupyter.parent}{os.pathsep}{os.environ.get('PATH', '')}", "NO_COLOR": "1"}
    nb = write_ipynb(tmp_path / "a.ipynb", ["total = price * 3", "price = 10"])
    version = subprocess.run([str(jupyter), "mlops", "--version"], capture_output=True, text=True, env=env, timeout=120)
    assert version.returncode == 0 and version.stdout.startswith("jupyter-mlops "), version.stderr
    lint = subprocess.run([str(jupyter), "mlops", "lint", nb.name, "--format", "json"], cwd=tmp_path,
                          capture_output=True, text=True, env=env, timeout=120)
    assert lint.returncode == 1, lint.stderr
    assert [f["code"] for f in json.loads(lint.stdout)["files"][0]["findings"]] == ["NB103"]
    assert json.loads(lint.stdout) == json.loads(run("lint", nb.name, "--format", "json", cwd=tmp_path).stdout)


def test_discovery_skips_node_modules_pycache_and_excluded_folders(tmp_path):
    write_ipynb(tmp_path / "notebooks" / "a.ipynb", ["x = 1"])
    for skipped in ("node_modules/pkg", "__pycache__", "notebooks/scratch", ".venv"):
        write_ipynb(tmp_path / skipped / "b.ipynb", ["x = 1"])
    (tmp_path / "__pycache__" / "mod.py").write_text("# %%\nx = 1\n")
    write_ipynb(tmp_path / "notebooks" / "a.nbconvert.ipynb", ["x = 1"])
    (tmp_path / "pyproject.toml").write_text(
        '[tool.jupyter-mlops]\nexclude = ["scratch", "*.nbconvert.ipynb"]\n')
    out = run("lint", ".", "--format", "json", cwd=tmp_path)
    assert [e["path"] for e in json.loads(out.stdout)["files"]] == ["notebooks/a.ipynb"]
    # Named explicitly, an excluded-by-folder file is still linted (nothing is silently dropped).
    out = run("lint", "node_modules/pkg/b.ipynb", "--format", "json", cwd=tmp_path)
    assert [e["path"] for e in json.loads(out.stdout)["files"]] == ["node_modules/pkg/b.ipynb"]


def test_extend_select_adds_to_the_configured_selection(tmp_path):
    write_ipynb(tmp_path / "a.ipynb", ["print(undefined_x)", "import os\nos.chdir('/tmp')"])
    (tmp_path / "pyproject.toml").write_text('[tool.jupyter-mlops]\nselect = ["undefined-name"]\n')

    def codes(*args):
        out = run("lint", "a.ipynb", "--format", "json", *args, cwd=tmp_path)
        return sorted(f["code"] for f in json.loads(out.stdout)["files"][0]["findings"])

    assert codes() == ["NB104"]
    assert codes("--extend-select", "working-directory-change") == ["NB104", "NB302"]
    (tmp_path / "pyproject.toml").write_text(
        '[tool.jupyter-mlops]\nselect = ["undefined-name"]\nextend-select = ["NB302"]\n')
    assert codes() == ["NB104", "NB302"]
    assert codes("--select", "NB3") == ["NB302"]  # --select replaces, extend-select still adds


def test_config_option_reads_that_file_instead_of_the_nearest(tmp_path):
    write_ipynb(tmp_path / "work" / "a.ipynb", ["print(undefined_x)", "import os\nos.chdir('/tmp')"])
    (tmp_path / "work" / "pyproject.toml").write_text('[tool.jupyter-mlops]\nselect = ["NB104"]\n')
    (tmp_path / "ci.toml").write_text('[tool.jupyter-mlops]\nselect = ["NB302"]\nfail-level = "error"\n')
    nearest = run("lint", "work/a.ipynb", "--format", "json", cwd=tmp_path)
    assert [f["code"] for f in json.loads(nearest.stdout)["files"][0]["findings"]] == ["NB104"]
    chosen = run("lint", "work/a.ipynb", "--format", "json", "--config", "ci.toml", cwd=tmp_path)
    assert [f["code"] for f in json.loads(chosen.stdout)["files"][0]["findings"]] == ["NB302"]
    assert chosen.returncode == 0  # NB302 is a warning, below ci.toml's fail level
    missing = run("lint", "work/a.ipynb", "--config", "nope.toml", cwd=tmp_path)
    assert missing.returncode == 2 and "nope.toml" in missing.stderr and "Traceback" not in missing.stderr


def test_color_always_never_and_auto(tmp_path):
    nb = write_ipynb(tmp_path / "a.ipynb", ["print(undefined_x)"])
    always = run("lint", nb.name, "--color", "always", cwd=tmp_path).stdout
    never = run("lint", nb.name, "--color", "never", cwd=tmp_path).stdout
    auto = run("lint", nb.name, cwd=tmp_path).stdout  # a pipe, not a terminal
    assert "\x1b[" in always and "\x1b[" not in never and "\x1b[" not in auto
    import re
    assert re.sub(r"\x1b\[[0-9;]*m", "", always) == never
    assert run("lint", nb.name, "--color", "sometimes", cwd=tmp_path).returncode == 2
