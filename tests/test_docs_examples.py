"""Every example a reader may copy from README.md and docs/**/*.md runs, against the real CLI
and API, on real example notebooks in a scratch copy: a changed command line, option, output or
API breaks the build. The convention is in tests/docs_examples.py (and CONTRACTS.md); a new
page under docs/ is picked up by itself."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest
import yaml

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from docs_examples import (
    CHECKED,
    PYTHON,
    RUNNABLE,
    SHELL,
    SKIP,
    Block,
    PythonSession,
    Tally,
    doc_pages,
    make_scratch,
    missing_output,
    parse_blocks,
    run_shell,
    shell_commands,
)
from nbtest import REPO
from jupyter_mlops.linter.config import config_from_table

pytestmark = pytest.mark.slow  # runs productionise and its generated tests, among others

PAGES = doc_pages()
BLOCKS = [b for page in PAGES for b in parse_blocks(page) if b.lang in RUNNABLE | CHECKED]
TALLY = Tally(pages=len(PAGES))


class Pages:
    """Per page: a scratch project, the working directory its shell blocks left, and one
    Python interpreter for its Python blocks."""

    def __init__(self, factory: pytest.TempPathFactory) -> None:
        self.factory = factory
        self.state: dict[str, dict] = {}

    def get(self, page: str) -> dict:
        if page not in self.state:
            root, env = make_scratch(self.factory.mktemp(re.sub(r"\W", "_", page)))
            self.state[page] = {"root": root, "cwd": root, "env": env, "python": None}
        return self.state[page]

    def python(self, page: str) -> PythonSession:
        state = self.get(page)
        if state["python"] is None:
            state["python"] = PythonSession(state["root"], state["env"])
        return state["python"]

    def close(self) -> None:
        for state in self.state.values():
            if state["python"] is not None:
                state["python"].close()


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    runner = Pages(tmp_path_factory)
    yield runner
    runner.close()


def _check_commands(block: Block, commands) -> None:
    for command in commands:
        where = f"{block.id}: `{command.text.strip()}`"
        assert command.status is not None, f"{where} did not finish:\n{command.output[-3000:]}"
        assert command.status in command.expected_status, (
            f"{where} exited {command.status} (expected {sorted(command.expected_status)}):\n"
            f"{command.output[-3000:]}")
        assert "Traceback (most recent call last)" not in command.output, f"{where}:\n{command.output[-3000:]}"
        assert "file not found" not in command.output, f"{where} names a file the scratch copy lacks"


def _check_output(block: Block, actual: str) -> None:
    if block.output is None:
        return
    missing = missing_output(block.output, actual)
    assert not missing, (f"{block.id}: the shown output differs; lines not found: {missing}\n"
                         f"--- actual output ---\n{actual[-4000:]}")


def _run_shell_block(block: Block, pages: Pages, text: str) -> None:
    state = pages.get(block.page)
    commands, pip_lines = shell_commands(text)
    TALLY.pip_lines += len(pip_lines)
    assert commands or pip_lines, f"{block.id}: a shell block with no command"
    if not commands:
        pytest.skip(f"{block.id}: only `pip install` lines")
    results, state["cwd"] = run_shell(commands, Path(state["cwd"]), state["env"])
    _check_commands(block, results)
    _check_output(block, "".join(c.output for c in results))


def _check_toml(block: Block) -> None:
    data = tomllib.loads(block.text)
    table = data.get("tool", {}).get("jupyter-mlops")
    if table is not None:
        config_from_table(table, f"{block.id} [tool.jupyter-mlops]")  # raises ConfigError


def _check_yaml(block: Block, pages: Pages) -> None:
    data = yaml.safe_load(block.text)
    hooks = [h for entry in (data if isinstance(data, list) else data.get("repos", []))
             if isinstance(entry, dict) for h in entry.get("hooks", [])] if isinstance(data, (list, dict)) else []
    if hooks:
        ours = {h["id"] for h in yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())}
        assert {h["id"] for h in hooks} <= ours, f"{block.id}: unknown hook ids"
    if isinstance(data, dict) and "jobs" in data:  # a GitHub Actions workflow: run its steps
        steps = [s["run"] for job in data["jobs"].values() for s in job.get("steps", []) if "run" in s]
        assert steps, f"{block.id}: a workflow without run steps"
        _run_shell_block(block, pages, "\n".join(steps))


def _check_jsonc(block: Block) -> None:
    text = re.sub(r"(?m)^((?:[^\"\n]|\"(?:[^\"\\\n]|\\.)*\")*?)\s*//.*$", r"\1", block.text)
    settings = json.loads(text)
    declared = json.loads((REPO / "lsp_server" / "vscode" / "package.json").read_text())
    known = set(declared["contributes"]["configuration"]["properties"])
    ours = {k for k in settings if k.startswith("jupyterMlops.")}
    assert ours <= known, f"{block.id}: settings the VS Code extension does not declare: {ours - known}"


# A page's blocks run in order on one worker under pytest-xdist (`--dist loadgroup`).
@pytest.mark.parametrize("block", [pytest.param(b, id=b.id, marks=pytest.mark.xdist_group(b.page))
                                   for b in BLOCKS])
def test_docs_example(block: Block, pages: Pages):
    if block.skip:
        TALLY.skipped.append(f"{block.id} ({block.skip})")
        pytest.skip(f"docs-test: skip ({block.skip})")
    if block.lang in SHELL:
        TALLY.run += 1
        _run_shell_block(block, pages, block.text)
    elif block.lang in PYTHON:
        TALLY.run += 1
        output, error = pages.python(block.page).run(block.text, f"<{block.id}>")
        assert error is None, f"{block.id} raised:\n{error}\n--- output ---\n{output[-3000:]}"
        _check_output(block, output)
    else:
        TALLY.checked += 1
        {"toml": _check_toml, "jsonc": _check_jsonc}.get(block.lang, lambda b: _check_yaml(b, pages))(block)


def test_the_docs_have_examples_and_well_formed_markers():
    assert len(PAGES) >= 7 and sum(b.lang in RUNNABLE and not b.skip for b in BLOCKS) >= 5
    for page in PAGES:
        lines = page.read_text(encoding="utf-8").split("\n")
        for i, line in enumerate(lines):
            if "docs-test" not in line:
                continue
            where = f"{page.relative_to(REPO)}:{i + 1}"
            assert SKIP.search(line), f"{where}: write `<!-- docs-test: skip (the reason) -->`"
            following = next((l for l in lines[i + 1:] if l.strip()), "")
            assert following.lstrip().startswith(("```", "~~~")), f"{where}: the marker must precede a block"


def test_the_reader_parses_the_convention(tmp_path: Path):
    page = REPO / "docs" / "_docs_test_probe.md"
    page.write_text(
        "Intro\n\n```bash\necho one\npip install x\nls \\\n  -a\n```\n\n```text\none\n```\n\n"
        "<!-- docs-test: skip (needs a cloud) -->\n```sh\naws s3 ls\n```\n\nWords.\n\n```text\nalone\n```\n"
        "```console\n$ echo two\ntwo\n```\n", encoding="utf-8")
    try:
        blocks = parse_blocks(page)
    finally:
        page.unlink()
    bash, sh, alone, console = blocks
    assert (bash.lang, bash.output, bash.skip) == ("bash", "one", None)
    assert shell_commands(bash.text) == (["echo one", "ls \\\n  -a"], ["pip install x"])
    assert (sh.skip, sh.output) == ("needs a cloud", None)
    assert alone.lang == "text"  # not after a runnable block: shown text, not an output check
    assert shell_commands(console.text) == (["echo two"], [])
    assert missing_output("Found 3 findings ... (1 error)", "Found 3 findings in 2 files (1 error)") == []
    assert missing_output("b\na", "a\nb") == ["a"]  # in order
    assert missing_output("took 12 ms, /tmp/x/project/nb.ipynb abc1234def", "took 980 ms, nb.ipynb 9f8e7d6c5") == []
