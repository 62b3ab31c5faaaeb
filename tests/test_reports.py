"""Report formats (text, json, sarif, github) and the CLI's exit status, end to end."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from nbtest import REPO, copy_package_sources, run_cli as cli, write_ipynb
from jupyter_mlops import api
from jupyter_mlops.linter.report import FORMATS
from jupyter_mlops.linter.report.file_positions import IpynbLineMap
from jupyter_mlops.linter.report.github_format import escape_data, escape_property
from jupyter_mlops.linter.report.sarif_format import sarif_log

SCHEMA = json.loads((REPO / "jupyter_mlops/linter/report/schemas/sarif-schema-2.1.0.json")
                    .read_text(encoding="utf-8"))

# Findings for sure: y is never defined, the cell ran out of order, x += 1 is not idempotent.
HAZARDS = ["import os\nx = 1", "print(y)\nx += 1", "z = 'héllo, wörld'  # ünïcode\nprint(zz)"]


def validate(log: dict) -> None:
    jsonschema.validate(log, SCHEMA)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A folder with a hazardous notebook, a percent script, an R notebook and a broken file."""
    write_ipynb(tmp_path / "hazards.ipynb", HAZARDS, counts=[2, 1, 3])
    (tmp_path / "script.py").write_text(
        "import os\n\n# %%\nx = 1\n\n# %% [markdown]\n# text\n\n# %%\nprint(y)\nx += 1\n",
        encoding="utf-8")
    write_ipynb(tmp_path / "r.ipynb", ["x <- c(1, 2)"],
                metadata={"kernelspec": {"name": "ir", "language": "R", "display_name": "R"},
                          "language_info": {"name": "R"}})
    (tmp_path / "broken.ipynb").write_text('{"cells": [', encoding="utf-8")
    return tmp_path


def test_every_format_is_offered_by_the_cli():
    assert {"text", "json", "sarif", "github"} <= set(FORMATS)
    out = cli("lint", "--help").stdout
    for name in ("text", "json", "sarif", "github"):
        assert name in out


# -- SARIF ----------------------------------------------------------------------------------

def test_sarif_validates_and_describes_every_rule(project: Path):
    proc = cli("lint", ".", "--format", "sarif", cwd=project)
    assert proc.returncode == 1, proc.stderr
    assert proc.stderr == ""
    log = json.loads(proc.stdout)
    validate(log)
    run = log["runs"][0]
    driver = run["tool"]["driver"]
    assert driver["name"] == "jupyter-mlops" and driver["version"] and driver["informationUri"]
    ids = [r["id"] for r in driver["rules"]]
    assert ids == [r.code for r in api.list_rules()]
    for desc, info in zip(driver["rules"], api.list_rules()):
        assert desc["name"] == info.name
        assert desc["shortDescription"]["text"] == info.summary
        assert desc["helpUri"] == info.url
        assert "## Why is this bad?" in desc["help"]["markdown"]
        assert desc["fullDescription"]["text"]
        assert desc["defaultConfiguration"]["level"] == {"error": "error", "warning": "warning",
                                                         "info": "note"}[info.severity]
    for result in run["results"]:
        assert driver["rules"][result["ruleIndex"]]["id"] == result["ruleId"]
        loc = result["locations"][0]["physicalLocation"]
        assert loc["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
        assert not loc["artifactLocation"]["uri"].startswith(("/", ".."))
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == project.resolve().as_uri() + "/"


def test_sarif_ipynb_regions_point_at_the_json_line_of_the_cell_line(project: Path):
    log = json.loads(cli("lint", "hazards.ipynb", "--format", "sarif", cwd=project).stdout)
    validate(log)
    raw_lines = (project / "hazards.ipynb").read_text(encoding="utf-8").split("\n")
    results = log["runs"][0]["results"]
    assert results
    seen = set()
    for r in results:
        props = r["properties"]
        region = r["locations"][0]["physicalLocation"]["region"]
        if props.get("cell") is None:
            continue
        cell_line = HAZARDS[props["cell"]].split("\n")[props["cellLine"] - 1]
        file_line = raw_lines[region["startLine"] - 1]
        # nbformat writes each source line as one JSON string on its own line.
        assert json.dumps(cell_line + ("\n" if props["cellLine"] < len(HAZARDS[props["cell"]].split("\n")) else ""),
                          ensure_ascii=False) in file_line
        # The column points at the same character the finding's in-cell column does.
        start = region["startColumn"] - 1
        assert file_line[start:].startswith(cell_line[props["cellColumn"]:][:1] or "")
        seen.add(r["properties"]["rule"])
    assert {"undefined-name", "non-idempotent-cell"} <= seen
    by_name = {r["properties"]["rule"] + str(r["properties"]["cell"]): r for r in results}
    zz = by_name["undefined-name2"]
    region = zz["locations"][0]["physicalLocation"]["region"]
    line = raw_lines[region["startLine"] - 1]
    assert line[region["startColumn"] - 1:region["endColumn"] - 1] == "zz"
    assert zz["properties"]["cellId"] == "c2"


def test_sarif_percent_script_uses_file_lines(project: Path):
    log = json.loads(cli("lint", "script.py", "--format", "sarif", cwd=project).stdout)
    validate(log)
    lines = (project / "script.py").read_text(encoding="utf-8").split("\n")
    results = {r["properties"]["rule"]: r for r in log["runs"][0]["results"]}
    region = results["undefined-name"]["locations"][0]["physicalLocation"]["region"]
    assert lines[region["startLine"] - 1] == "print(y)"
    assert region["startColumn"] == 7
    region = results["non-idempotent-cell"]["locations"][0]["physicalLocation"]["region"]
    assert lines[region["startLine"] - 1] == "x += 1"


def test_sarif_reports_unreadable_files_as_notifications(project: Path):
    log = json.loads(cli("lint", "broken.ipynb", "missing.ipynb", "r.ipynb", "--format", "sarif",
                         cwd=project).stdout)
    validate(log)
    notes = log["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    uris = [n["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for n in notes]
    assert uris == ["broken.ipynb", "missing.ipynb"]
    assert all(n["level"] == "error" for n in notes)
    assert "not valid JSON" in notes[0]["message"]["text"]
    # The R notebook is linted: its one finding is an info note with no cell (file level).
    (result,) = log["runs"][0]["results"]
    assert result["level"] == "note" and result["ruleId"] == "NB002"
    assert result["locations"][0]["physicalLocation"]["region"]["startLine"] == 1


def test_sarif_paths_outside_the_root_are_absolute_uris(tmp_path: Path, project: Path):
    other = tmp_path / "elsewhere"
    other.mkdir()
    report = api.lint_paths([project / "hazards.ipynb"])
    log = sarif_log(report, root=other)
    validate(log)
    uri = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == (project / "hazards.ipynb").resolve().as_uri()


def test_sarif_fingerprints_survive_edits_elsewhere(tmp_path: Path):
    a = write_ipynb(tmp_path / "a.ipynb", ["print(undefined_thing)"])
    before = sarif_log(api.lint_paths([a]), root=tmp_path)["runs"][0]["results"]
    write_ipynb(a, ["import os", "# a new cell above", "print(undefined_thing)"])
    after = sarif_log(api.lint_paths([a]), root=tmp_path)["runs"][0]["results"]
    fp = lambda rs, rule: [r["partialFingerprints"] for r in rs  # noqa: E731
                           if r["properties"]["rule"] == rule]
    write_ipynb(a, ["print(undefined_thing)", "import os"])
    again = sarif_log(api.lint_paths([a]), root=tmp_path)["runs"][0]["results"]
    assert fp(before, "undefined-name") == fp(again, "undefined-name")
    assert fp(before, "undefined-name") != fp(after, "undefined-name")


def test_ipynb_line_map_handles_other_layouts():
    # One string per source (not a list), minified JSON, escapes: still mapped, never raises.
    text = json.dumps({"cells": [{"cell_type": "code", "source": "a = 1\nb = \"q\"\nc", "metadata": {},
                                  "outputs": [], "execution_count": None}],
                       "metadata": {}, "nbformat": 4, "nbformat_minor": 5})
    m = IpynbLineMap(text)
    line, col = m.position(0, 3, 0)
    assert line == 1 and text[col - 1] == "c"
    line, col = m.position(0, 2, 4)
    assert text[col - 1:col + 1] == '\\"'
    assert IpynbLineMap("{\"cells\": [[[[").position(0, 1, 0) == (1, None)
    assert IpynbLineMap("[" * 100000).position(0, 1) == (1, None)
    assert IpynbLineMap("").position(3, 4, 5) == (1, None)


def test_ipynb_line_map_checks_each_source_against_the_loaded_cell():
    # An output that holds a "source" key before the real one, and a cell whose text the
    # loader changed (nbformat 3 heading): the decoy is skipped, the other cells still map.
    cells = [{"cell_type": "markdown", "metadata": {}, "source": ["Title"]},
             {"cell_type": "code", "execution_count": 1, "metadata": {},
              "outputs": [{"output_type": "display_data", "metadata": {},
                           "data": {"application/json": {"source": ["y = 2\n", "x = 1"]}}}],
              "source": ["y = 2\n", "print(z)"]}]
    text = json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}, indent=1)
    lines = text.split("\n")
    m = IpynbLineMap(text, sources=["# Title", "y = 2\nprint(z)"], wanted={0, 1})
    line, col = m.position(1, 2, 6)
    assert lines[line - 1].strip() == '"print(z)"' and lines[line - 1][col - 1] == "z"
    assert m.position(0, 1, 0) == (1, None)  # changed by the loader: unmapped, not wrong


# -- GitHub annotations ---------------------------------------------------------------------

def test_github_escaping_follows_the_runner_rules():
    assert escape_data("100% done\r\nnext") == "100%25 done%0D%0Anext"
    assert escape_property("a,b:c%\n") == "a%2Cb%3Ac%25%0A"


def test_github_annotations(project: Path):
    proc = cli("lint", "hazards.ipynb", "script.py", "r.ipynb", "broken.ipynb",
               "--format", "github", cwd=project)
    assert proc.returncode == 1 and proc.stderr == ""
    lines = proc.stdout.strip().split("\n")
    assert all(line.startswith(("::error ", "::warning ", "::notice ")) for line in lines)
    raw = (project / "hazards.ipynb").read_text(encoding="utf-8").split("\n")
    undefined = [l for l in lines if "title=NB104 undefined-name" in l and "hazards" in l]
    assert len(undefined) == 2
    props = dict(p.split("=", 1) for p in undefined[0].split("::")[1].split(" ", 1)[1].split(","))
    assert props["file"] == "hazards.ipynb"
    assert "print(y)" in raw[int(props["line"]) - 1]
    assert undefined[0].split("::", 2)[2].startswith("cell 2, line 1: ")
    script = [l for l in lines if "file=script.py" in l and "NB104" in l][0]
    assert "line=10," in script and "col=7," in script
    assert any(l.startswith("::notice file=r.ipynb,title=NB002 unsupported-kernel::") for l in lines)
    assert any(l.startswith("::error file=broken.ipynb,title=jupyter-mlops%3A unreadable file::")
               for l in lines)
    for l in lines:  # messages carry no raw newlines or unescaped property delimiters
        head, _, _msg = l[2:].partition("::")
        for prop in head.split(" ", 1)[1].split(","):
            assert prop.count("=") >= 1 and ":" not in prop


def test_github_escapes_commas_and_colons_in_file_names(tmp_path: Path):
    write_ipynb(tmp_path / "a,b:c.ipynb", ["print(nope)"])
    line = cli("lint", "a,b:c.ipynb", "--format", "github", cwd=tmp_path).stdout.split("\n")[0]
    assert line.startswith("::error file=a%2Cb%3Ac.ipynb,line=")


# -- text and json --------------------------------------------------------------------------

def test_text_format_notebook_and_percent_positions(project: Path):
    proc = cli("lint", "hazards.ipynb", "script.py", "broken.ipynb", cwd=project)
    out = proc.stdout
    assert "hazards.ipynb:cell 2:1:7: NB104" in out
    assert "script.py:10:7: NB104" in out
    assert "  10 | print(y)" in out
    assert "broken.ipynb: error: not valid JSON" in out
    assert "could not be read" in out.splitlines()[-1]
    no_source = cli("lint", "script.py", "--no-source", cwd=project).stdout
    assert "script.py:10:7: NB104" in no_source and "| print(y)" not in no_source


def test_json_format_shape(project: Path):
    data = json.loads(cli("lint", ".", "--format", "json", cwd=project).stdout)
    assert data["version"] == 1
    paths = {f["path"]: f for f in data["files"]}
    assert paths["broken.ipynb"]["error"] and paths["broken.ipynb"]["findings"] == []
    keys = {"rule", "code", "severity", "message", "cell", "cell_id", "line", "column",
            "end_line", "end_column", "fix"}
    for f in data["files"]:
        for finding in f["findings"]:
            assert set(finding) == keys


def test_output_file_option(project: Path, tmp_path: Path):
    target = tmp_path / "report.sarif"
    proc = cli("lint", "hazards.ipynb", "--format", "sarif", "-o", str(target), cwd=project)
    assert proc.stdout == "" and proc.returncode == 1
    validate(json.loads(target.read_text(encoding="utf-8")))


# -- exit status ------------------------------------------------------------------------------

def test_exit_clean(tmp_path: Path):
    write_ipynb(tmp_path / "clean.ipynb", ["x = 1", "print(x)"], counts=[1, 2])
    proc = cli("lint", "clean.ipynb", "--format", "json", cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout
    assert json.loads(proc.stdout)["files"][0]["findings"] == []


def test_exit_findings_at_or_above_fail_level(project: Path):
    assert cli("lint", "hazards.ipynb", cwd=project).returncode == 1
    assert cli("lint", "hazards.ipynb", "--fail-level", "error", cwd=project).returncode == 1


def test_exit_findings_below_fail_level(project: Path, tmp_path: Path):
    # An R notebook gives one info finding: below the default fail level (warning).
    proc = cli("lint", "r.ipynb", cwd=project)
    assert proc.returncode == 0 and "NB002" in proc.stdout
    assert cli("lint", "r.ipynb", "--fail-level", "info", cwd=project).returncode == 1
    write_ipynb(tmp_path / "w.ipynb", ["x = 1", "x += 1"])  # only a warning
    assert cli("lint", "w.ipynb", "--fail-level", "error", cwd=tmp_path).returncode == 0
    assert cli("lint", "w.ipynb", cwd=tmp_path).returncode == 1


def test_exit_unreadable_file(project: Path, tmp_path: Path):
    write_ipynb(tmp_path / "clean.ipynb", ["x = 1"])
    proc = cli("lint", "clean.ipynb", str(project / "broken.ipynb"), cwd=tmp_path)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr


def test_exit_bad_flag(project: Path):
    proc = cli("lint", "--no-such-flag", cwd=project)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    proc = cli("lint", "--format", "xml", cwd=project)
    assert proc.returncode == 2 and "invalid choice" in proc.stderr
    proc = cli("lint", "--select", "no-such-rule", "hazards.ipynb", cwd=project)
    assert proc.returncode == 2 and "unknown rule 'no-such-rule'" in proc.stderr
    assert proc.stdout == ""


def test_exit_bad_config(project: Path):
    (project / "pyproject.toml").write_text('[tool.jupyter-mlops]\nselect = ["not-a-rule"]\n',
                                            encoding="utf-8")
    proc = cli("lint", "hazards.ipynb", cwd=project)
    assert proc.returncode == 2 and "not-a-rule" in proc.stderr and "Traceback" not in proc.stderr
    (project / "pyproject.toml").write_text('[tool.jupyter-mlops\nselect = [', encoding="utf-8")
    proc = cli("lint", "hazards.ipynb", cwd=project)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


# -- pre-commit -------------------------------------------------------------------------------

def _hooks() -> list[dict]:
    import yaml
    return yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))


def test_pre_commit_manifest_is_valid():
    from identify.identify import ALL_TAGS  # pre-commit's own file-type tags
    from pre_commit.clientlib import load_manifest  # and its manifest schema

    hooks = {h["id"]: h for h in load_manifest(str(REPO / ".pre-commit-hooks.yaml"))}
    main = hooks["jupyter-mlops"]
    assert main["entry"] == "jupyter-mlops lint" and main["language"] == "python"
    assert main["types_or"] == ["jupyter"]
    assert hooks["jupyter-mlops-percent"]["types_or"] == ["python"]
    assert {t for h in hooks.values() for t in h["types_or"]} <= ALL_TAGS




def _git(*args: str, cwd: Path) -> None:
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid",
                    "-c", "commit.gpgsign=false", *args], cwd=cwd, check=True, capture_output=True)


@pytest.mark.slow  # builds and installs this project into pre-commit's own virtualenv (~20 s)
def test_pre_commit_try_repo_runs_the_hook_on_staged_notebooks(tmp_path: Path):
    """The real `pre-commit try-repo`: it clones the hook repository, creates its virtualenv,
    `pip install`s the project into it and runs the hook on the staged files. Offline: the
    project's dependencies come from this environment (PYTHONPATH), nothing from an index."""
    import sysconfig

    hook_repo = copy_package_sources(tmp_path / "hook-repo")
    _git("init", "-q", cwd=hook_repo)
    _git("add", "-A", "-f", cwd=hook_repo)
    _git("commit", "-q", "-m", "hooks", cwd=hook_repo)

    project = tmp_path / "project"
    write_ipynb(project / "notebooks" / "train.ipynb",
                ["import pandas as pd", "df = pd.read_csv('/home/ana/data/train.csv')\nprint(undefined_model)"])
    write_ipynb(project / "notebooks" / "clean.ipynb", ["x = 1", "print(x)"], counts=[1, 2])
    (project / "README.md").write_text("not a notebook\n")
    _git("init", "-q", cwd=project)
    _git("add", "-A", cwd=project)

    env = {**os.environ, "NO_COLOR": "1", "PRE_COMMIT_HOME": str(tmp_path / "cache"),
           "PIP_NO_INDEX": "1", "PIP_NO_BUILD_ISOLATION": "0",  # sic: "0" turns isolation off "PIP_DISABLE_PIP_VERSION_CHECK": "1",
           "PYTHONPATH": sysconfig.get_paths()["purelib"], "PRE_COMMIT_COLOR": "never"}
    pre_commit = [sys.executable, "-m", "pre_commit"]
    failing = subprocess.run([*pre_commit, "try-repo", str(hook_repo), "jupyter-mlops", "--verbose"],
                             cwd=project, env=env, capture_output=True, text=True, timeout=600)
    out = failing.stdout + failing.stderr
    assert failing.returncode == 1, out[-4000:]
    assert "notebooks/train.ipynb:cell 2:2:7: NB104" in out, out[-4000:]
    assert "notebooks/train.ipynb:cell 2:1:" in out and "NB301" in out
    assert "clean.ipynb" not in out.split("hook id: jupyter-mlops", 1)[-1]  # clean: no finding
    # The hook only reads: the staged notebooks are as they were.
    assert "undefined_model" in (project / "notebooks" / "train.ipynb").read_text()

    _git("rm", "-q", "--cached", "notebooks/train.ipynb", cwd=project)
    passing = subprocess.run([*pre_commit, "try-repo", str(hook_repo), "jupyter-mlops"],
                             cwd=project, env=env, capture_output=True, text=True, timeout=600)
    assert passing.returncode == 0, (passing.stdout + passing.stderr)[-4000:]
    assert "Passed" in passing.stdout


def test_reports_of_results_built_without_their_notebook(project: Path):
    # API users may build FileResults themselves (no `notebook`): positions are still file positions.
    report = api.lint_paths([project / "script.py", project / "hazards.ipynb"])
    bare = api.LintReport(files=[api.FileResult(r.path, r.findings, r.error) for r in report.files])
    assert sarif_log(bare, root=project) == sarif_log(report, root=project)
    assert api.render_report(bare, "github") == api.render_report(report, "github")


def test_sarif_rule_properties_for_github_code_scanning(project: Path):
    log = json.loads(cli("lint", "hazards.ipynb", "--format", "sarif", cwd=project).stdout)
    run = log["runs"][0]
    assert run["columnKind"] == "unicodeCodePoints"
    by_id = {r["id"]: r for r in run["tool"]["driver"]["rules"]}
    for info in api.list_rules():
        props = by_id[info.code]["properties"]
        assert props["tags"] == [info.category], info.code
        if info.category == "security":
            # GitHub ranks alerts by this CVSS-like score: errors high, warnings medium.
            assert props["security-severity"] == {"error": "8.0", "warning": "5.5", "info": "2.0"}[info.severity]
            assert 0 < float(props["security-severity"]) <= 10
        else:
            assert "security-severity" not in props, info.code
    assert any(r.category == "security" for r in api.list_rules())
    # Columns count code points: the finding after "héllo, wörld" and "ünïcode" points at `zz`.
    zz = [r for r in run["results"] if r["properties"]["rule"] == "undefined-name" and r["properties"]["cell"] == 2]
    region = zz[0]["locations"][0]["physicalLocation"]["region"]
    line = (project / "hazards.ipynb").read_text(encoding="utf-8").split("\n")[region["startLine"] - 1]
    assert line[region["startColumn"] - 1:region["endColumn"] - 1] == "zz"


SECRETS = {
    "ghp_8fK2mQ7xR4tL9vB1nC6wZ3yH5jD0pS2aE7uI": 'GITHUB_TOKEN = "ghp_8fK2mQ7xR4tL9vB1nC6wZ3yH5jD0pS2aE7uI"',
    "AKIAQ3EGUSHX7KWPVJ5M": 'aws_key = "AKIAQ3EGUSHX7KWPVJ5M"',
    "Hunter2Secret": 'url = "postgresql://bob:Hunter2Secret@db:5432/x"',
    "sk-proj-9fK2mQ7xR4tL9vB1nC6wZ3yH5jD0": 'openai.api_key = "sk-proj-9fK2mQ7xR4tL9vB1nC6wZ3yH5jD0"',
}


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "github"])
def test_no_report_format_echoes_a_secret(tmp_path: Path, fmt: str):
    write_ipynb(tmp_path / "s.ipynb", ["import openai", *SECRETS.values()])
    proc = cli("lint", "s.ipynb", "--format", fmt, cwd=tmp_path)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 1 and out.count("NB40") >= len(SECRETS), out
    for secret in SECRETS:
        assert secret not in out and secret[4:-4] not in out, (fmt, secret)
