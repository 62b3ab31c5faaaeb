"""Safety of productionise on a small, fast notebook: byte-identical re-extraction, one-cell
edits touch only that cell's files, hand edits are merged or reported as conflicts, success only
after the generated tests pass, nothing written outside the output directory, cancellation,
and the command line."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from productionise_helpers import tree_bytes, write_notebook

from jupyter_mlops import api
from jupyter_mlops.cli import main
from jupyter_mlops.productionise import Cancelled, ProductioniseError

pytestmark = pytest.mark.slow

BOOKKEEPING = {"provenance.json", "CHANGELOG.md", "pyproject.toml", "README.md",
               "src/tiny/__init__.py", "tests/golden/results.json", "tests/golden/stages.pkl",
               ".jupyter-mlops/state.json"}


def _files_for_cell(package_dir: Path, cell: int) -> set[str]:
    prov = json.loads((package_dir / "provenance.json").read_text())
    return {path for path, segs in prov["files"].items()
            if any(s["cell"] == cell or cell in s.get("cells", []) for s in segs)}


def _changed(before: dict[str, bytes], after: dict[str, bytes]) -> set[str]:
    return {k for k in set(before) | set(after) if before.get(k) != after.get(k)
            and not k.startswith(".jupyter-mlops/base/")}


def _edit_cell(nb: Path, index: int, source: str) -> None:
    data = json.loads(nb.read_text())
    data["cells"][index]["source"] = source.splitlines(keepends=True)
    nb.write_text(json.dumps(data, indent=1) + "\n")


def test_tiny_notebook_round_trip(tiny, tmp_path):
    out = tmp_path / "pkg"
    nb_bytes = tiny.read_bytes()
    first = api.productionise(tiny, out_dir=out)
    assert first.success, first.summary()
    assert first.version == "0.1.0" and first.results["summary"] == {"total": 24.0, "mean": 8.0}
    assert tiny.read_bytes() == nb_bytes
    snapshot = tree_bytes(out)

    # unchanged notebook: byte-identical, same version
    again = api.productionise(tiny, out_dir=out, check=False)
    assert again.version == "0.1.0" and tree_bytes(out) == snapshot
    assert "NOT run" in again.message  # --no-check says so

    # a one-cell edit changes only the files mapped to that cell (plus bookkeeping)
    _edit_cell(tiny, 5, 'total = sum(scaled) + 1\nmean = total / len(scaled)\nsummary = {"total": total, "mean": mean}')
    edited = api.productionise(tiny, out_dir=out)
    assert edited.success, edited.summary()
    assert edited.version == "0.1.1"
    changed = _changed(snapshot, tree_bytes(out))
    assert changed - BOOKKEEPING == {"src/tiny/stages/summarise.py"}
    assert changed - BOOKKEEPING <= _files_for_cell(out, 5)
    assert "## 0.1.1" in (out / "CHANGELOG.md").read_text()
    assert "Notebook cells changed: 5" in (out / "CHANGELOG.md").read_text()
    snapshot = tree_bytes(out)

    # a hand edit in a generated file is kept when the notebook changes elsewhere
    stage = out / "src/tiny/stages/summarise.py"
    text = stage.read_text()
    stage.write_text(text.replace('    """Cell 5 of the notebook."""',
                                  '    """Cell 5 of the notebook."""\n    # reviewed by ops'))
    prepare = out / "src/tiny/stages/prepare.py"
    prepare.write_text(prepare.read_text() + "\n\n# helper kept by hand\n")
    _edit_cell(tiny, 3, "values = [1.5, 2.5, 4.0, 2.0]\nscaled = [v * factor for v in values]\nscaled")
    merged = api.productionise(tiny, out_dir=out)
    assert merged.success, merged.summary()
    assert merged.version == "0.1.2"
    assert "src/tiny/stages/prepare.py" in merged.merged
    assert "2.0]" in prepare.read_text() and "# helper kept by hand" in prepare.read_text()
    assert "# reviewed by ops" in stage.read_text()
    assert merged.results["summary"]["total"] == 31.0

    # editing the same lines the notebook change regenerates is a conflict, never overwritten
    mine = prepare.read_text().replace("values = [1.5, 2.5, 4.0, 2.0]", "values = [9.0]")
    prepare.write_text(mine)
    _edit_cell(tiny, 3, "values = [1.0, 2.0]\nscaled = [v * factor for v in values]\nscaled")
    conflicted = api.productionise(tiny, out_dir=out, check=False)
    assert [c.path for c in conflicted.conflicts] == ["src/tiny/stages/prepare.py"]
    assert prepare.read_text() == mine
    generated = out / conflicted.conflicts[0].generated_copy
    assert "values = [1.0, 2.0]" in generated.read_text()

    # versions are never reused for different code
    state = json.loads((out / ".jupyter-mlops/state.json").read_text())
    assert len(set(state["versions"].values())) == len(state["versions"]) == 4


def test_success_is_reported_only_after_the_generated_tests_pass(tmp_path):
    # an unseeded random value: the golden test cannot reproduce it, so productionise fails
    nb = write_notebook(tmp_path / "noisy.ipynb", [
        ("code", "import random"), ("code", "value = random.random()\nscore = round(value, 3)")])
    result = api.productionise(nb, out_dir=tmp_path / "pkg")
    assert not result.success
    assert result.tests.ran and result.tests.failed >= 1
    assert "did not pass" in result.message


def test_notebook_that_fails_to_run_is_explained_with_the_cell(tmp_path):
    nb = write_notebook(tmp_path / "fails.ipynb", [("code", "x = 1"), ("code", "y = x / 0")])
    result = api.productionise(nb, out_dir=tmp_path / "pkg")
    assert not result.success and not (tmp_path / "pkg").exists()
    assert result.problems[0].cell == 1 and "ZeroDivisionError" in result.problems[0].message


def test_output_never_goes_outside_the_chosen_directory(tiny, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    out = tmp_path / "pkg"
    out.mkdir()
    (out / "src").symlink_to(outside, target_is_directory=True)
    with pytest.raises(ProductioniseError, match="outside"):
        api.productionise(tiny, out_dir=out, check=False)
    assert list(outside.iterdir()) == []


def test_foreign_files_in_the_way_are_conflicts_not_overwritten(tiny, tmp_path):
    out = tmp_path / "pkg"
    out.mkdir()
    (out / "README.md").write_text("my own readme\n")
    result = api.productionise(tiny, out_dir=out, check=False)
    assert [c.path for c in result.conflicts] == ["README.md"]
    assert (out / "README.md").read_text() == "my own readme\n"


def test_cancel_stops_the_run_and_its_subprocess(tiny, tmp_path):
    slow = write_notebook(tmp_path / "slow.ipynb", [("code", "import time\ntime.sleep(60)\nx = 1")])
    cancel = threading.Event()
    seen = []

    def progress(message, fraction):
        seen.append(message)
        if message.startswith("running the notebook"):
            threading.Timer(1.0, cancel.set).start()

    started = time.monotonic()
    with pytest.raises(Cancelled):
        api.productionise(slow, out_dir=tmp_path / "pkg", progress=progress, cancel=cancel)
    assert time.monotonic() - started < 30
    assert seen[0] == "reading the notebook"
    assert not (tmp_path / "pkg").exists()


def test_cli_plan_json_and_exit_codes(tiny, tmp_path, capsys):
    assert main(["productionise", str(tiny), "--plan", "--format", "json"]) == 0
    plan = json.loads(capsys.readouterr().out)
    assert [s["name"] for s in plan["stages"]] == ["prepare", "summarise", "save"]
    assert plan["stages"][1]["signature"].startswith("summarise(scaled: list)")
    assert not any(Path(tiny.parent, "tiny").exists() for _ in [0])  # --plan writes nothing

    broken = write_notebook(tmp_path / "broken.ipynb", [("code", "y = x + 1")])
    assert main(["productionise", str(broken), "--plan"]) == 1
    assert "cell 0" in capsys.readouterr().out

    assert main(["productionise", str(tmp_path / "missing.ipynb")]) == 1
    err = capsys.readouterr().err
    errors = [line for line in err.splitlines() if line.startswith("jupyter-mlops: error")]
    assert len(errors) == 1 and "file not found" in errors[0] and "Traceback" not in err


def test_cli_full_run_no_check(tiny, tmp_path):
    out = tmp_path / "pkg"
    done = subprocess.run([sys.executable, "-m", "jupyter_mlops.cli", "productionise", str(tiny),
                           "--out", str(out), "--no-check", "--format", "json"],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["success"] and data["checked"] is False and data["tests"]["ran"] is False
    assert (out / "src" / "tiny" / "pipeline.py").exists()
    bad = subprocess.run([sys.executable, "-m", "jupyter_mlops.cli", "productionise"],
                         capture_output=True, text=True)
    assert bad.returncode == 2


def test_capture_uses_a_kernel_running_this_interpreter(tiny, tmp_path, monkeypatch):
    """A broken `python3` kernelspec on the Jupyter path (as on a CI machine with a stale
    user kernel) must not matter: the notebook runs on a kernelspec for sys.executable."""
    bogus = tmp_path / "jupyter" / "kernels" / "python3"
    bogus.mkdir(parents=True)
    (bogus / "kernel.json").write_text(json.dumps({
        "argv": ["/nonexistent/python", "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "broken", "language": "python"}))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    result = api.productionise(tiny, out_dir=tmp_path / "pkg", check=False)
    assert result.success, result.summary()
    assert result.results["mean"] == 8.0


def test_secrets_never_reach_the_generated_package(tmp_path):
    nb = write_notebook(tmp_path / "sec.ipynb", [
        ("code", 'API_TOKEN = "sk-live-1234567890abcdef"\nheaders = {"auth": API_TOKEN}\nsize = 3')])
    out = tmp_path / "pkg"
    result = api.productionise(nb, out_dir=out)
    assert result.success, result.summary()
    assert not [p for p in out.rglob("*") if p.is_file() and b"sk-live" in p.read_bytes()]
    params = {p.name: p for p in result.plan.parameters}
    assert params["API_TOKEN"].role == "secret" and params["API_TOKEN"].value == ""
    assert 'os.environ.get("API_TOKEN", "")' in (out / "src/sec/pipeline.py").read_text()
    assert result.results == {"size": 3}
