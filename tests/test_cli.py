"""The `jupyter-mlops` command end to end: real processes, real files."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

from nbtest import run_cli as run, write_ipynb



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
