"""Read the fenced examples out of README.md and docs/**/*.md, and run them as a reader would.

The convention (CONTRACTS.md, "Docs examples are tests"; tests/README.md):
- ```bash / ```sh / ```shell / ```console blocks run as shell commands, ```python blocks as
  Python, in a scratch copy of the repository's examples (one per page, blocks in page order;
  a page's Python blocks share one interpreter, like a tutorial read top to bottom);
- a ```text block right after a block is the output it shows; compared loosely (ANSI colours,
  paths, times, hashes and versions normalised; `...` matches anything; every shown line must
  appear, in order);
- `<!-- docs-test: skip (reason) -->` on the line before a block skips it; `pip install` lines
  are skipped inside blocks that run; both are counted in the session summary;
- every command exits 0, except `jupyter-mlops lint`, which may exit 1 (findings); a command
  that should exit otherwise ends with the comment `# exit N`;
- ```toml blocks with `[tool.jupyter-mlops]` go through the real configuration loader, ```yaml
  blocks are parsed (pre-commit hook ids must exist; a GitHub workflow's `run:` steps are run),
  ```jsonc blocks of `jupyterMlops.*` settings must be settings the VS Code extension declares.

This module holds the parsing and the running; tests/test_docs_examples.py the tests.
"""

from __future__ import annotations

import json
import os
import re
import select
import shutil
import subprocess
import sys
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

from nbtest import REPO

SHELL = {"bash", "sh", "shell", "console", "zsh"}
PYTHON = {"python", "py", "python3"}
CHECKED = {"toml", "yaml", "yml", "jsonc"}  # not run, but checked against the real parts
RUNNABLE = SHELL | PYTHON
TIMEOUT = 600  # seconds for one block: only stops a hung example (productionise runs tests)

FENCE = re.compile(r"^(?P<indent>\s*)(?P<fence>`{3,}|~{3,})\s*(?P<info>[^`\s]*)[^`]*$")
SKIP = re.compile(r"<!--\s*docs-test:\s*skip\s*\((?P<reason>.+)\)\s*-->")
PIP_INSTALL = re.compile(r"^\s*(?:\S*/)?(?:python3?\s+-m\s+)?pip3?\s+install\b")
EXIT_COMMENT = re.compile(r"#\s*exit\s+(?P<code>\d+)\b")
LINT_COMMAND = re.compile(r"^\s*(?:\S*/)?jupyter(?:-|\s+)mlops\s+lint\b")


@dataclass
class Block:
    page: str  # relative to the repository root
    line: int  # 1-based line of the opening fence
    lang: str
    text: str
    skip: str | None = None  # the reason, when marked `docs-test: skip`
    output: str | None = None  # the ```text block shown right after it

    @property
    def id(self) -> str:
        return f"{self.page}:{self.line}:{self.lang or 'plain'}"


def doc_pages() -> list[Path]:
    """README.md and every page under docs/ (new pages are picked up by themselves), except the
    generated rule pages: their examples are notebook snippets that show a hazard, and
    tests/test_rule_lessons.py lints each one (the pages are regenerated from the same text)."""
    pages = [REPO / "README.md", *sorted((REPO / "docs").rglob("*.md"))]
    rules = REPO / "docs" / "rules"
    return [p for p in pages if p.parent != rules or p.name == "README.md"]


def parse_blocks(path: Path) -> list[Block]:
    lines = path.read_text(encoding="utf-8").split("\n")
    page = path.relative_to(REPO).as_posix()
    blocks: list[Block] = []
    i = 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        fence, indent, lang = m.group("fence"), len(m.group("indent")), m.group("info").lower()
        start = i
        body = []
        i += 1
        while i < len(lines) and not (lines[i].strip().startswith(fence[0] * len(fence))
                                      and lines[i].strip().strip(fence[0]) == ""):
            body.append(lines[i][indent:] if not indent or lines[i][:indent].isspace() else lines[i].lstrip())
            i += 1
        i += 1  # the closing fence
        previous = next((lines[j] for j in range(start - 1, -1, -1) if lines[j].strip()), "")
        skip = SKIP.search(previous)
        block = Block(page, start + 1, lang, "\n".join(body), skip.group("reason") if skip else None)
        if lang == "text" and blocks and blocks[-1].lang in RUNNABLE and blocks[-1].output is None \
                and _only_blank_between(lines, blocks[-1], start):
            blocks[-1].output = block.text
            continue
        blocks.append(block)
    return blocks


def _only_blank_between(lines: list[str], previous: Block, start: int) -> bool:
    # The previous block's closing fence is the last non-blank line before this one's opening.
    j = start - 1
    while j >= 0 and not lines[j].strip():
        j -= 1
    return j >= 0 and FENCE.match(lines[j]) is not None and j > previous.line - 1


# -- shell ------------------------------------------------------------------------------------


@dataclass
class Command:
    text: str
    status: int | None = None
    output: str = ""

    @property
    def expected_status(self) -> set[int]:
        m = EXIT_COMMENT.search(self.text)
        if m:
            return {int(m.group("code"))}
        if LINT_COMMAND.match(self.text):
            return {0, 1}  # 1: findings at or above the fail level, as documented
        return {0}


def shell_commands(text: str) -> tuple[list[str], list[str]]:
    """The commands of a shell block (continuation lines joined; `$ ` prompts understood, the
    lines after a prompt being shown output), and the `pip install` lines left out."""
    lines = text.split("\n")
    if any(line.startswith("$ ") for line in lines):
        lines = [line[2:] for line in lines if line.startswith("$ ")]
    commands, skipped = [], []
    current = ""
    for line in lines:
        current = f"{current}\n{line}" if current else line
        if current.rstrip().endswith("\\"):
            continue
        command, current = current, ""
        if not command.strip() or command.strip().startswith("#"):
            continue
        (skipped if PIP_INSTALL.match(command) else commands).append(command)
    return commands, skipped


def run_shell(commands: list[str], cwd: Path, env: dict[str, str]) -> tuple[list[Command], str]:
    """Run the commands in one bash process (so `cd` and variables carry on, as in a terminal),
    recording each one's output and exit status. Returns them and the working directory after."""
    script = ["set -o pipefail"]
    for i, command in enumerate(commands):
        script += [f"printf '\\n@@docs-test-start {i}\\n'", command,
                   f"printf '\\n@@docs-test-status {i} %s\\n' \"$?\""]
    script.append("printf '\\n@@docs-test-cwd %s\\n' \"$PWD\"")
    done = subprocess.run(["bash", "-c", "\n".join(script)], cwd=cwd, env=env, text=True,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=TIMEOUT,
                          stdin=subprocess.DEVNULL)
    results = [Command(c) for c in commands]
    current: Command | None = None
    final_cwd = str(cwd)
    for line in done.stdout.split("\n"):
        if line.startswith("@@docs-test-start "):
            current = results[int(line.split()[1])]
        elif line.startswith("@@docs-test-status "):
            _, index, status = line.split()
            results[int(index)].status = int(status)
            current = None
        elif line.startswith("@@docs-test-cwd "):
            final_cwd = line.split(" ", 1)[1]
        elif current is not None:
            current.output += line + "\n"
    return results, final_cwd


# -- python ------------------------------------------------------------------------------------

# Executes each block it is sent in one namespace, and answers on its own copy of stdout (what
# the examples print, and what their subprocesses write to fd 1, goes to the captured stream).
_DRIVER = textwrap.dedent(r'''
    import contextlib, io, json, os, sys, traceback
    reply = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)
    namespace = {"__name__": "__main__"}
    for request in sys.stdin:
        request = json.loads(request)
        captured = io.StringIO()
        error = None
        with contextlib.redirect_stdout(captured), contextlib.redirect_stderr(captured):
            try:
                exec(compile(request["code"], request["name"], "exec"), namespace)
            except BaseException:
                error = traceback.format_exc()
        reply.write(json.dumps({"output": captured.getvalue(), "error": error}) + "\n")
        reply.flush()
''')


class PythonSession:
    """One interpreter for a page's Python blocks, in the page's scratch directory."""

    def __init__(self, cwd: Path, env: dict[str, str]) -> None:
        self.process = subprocess.Popen([sys.executable, "-u", "-c", _DRIVER], cwd=cwd, env=env,
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=subprocess.DEVNULL, text=True)

    def run(self, code: str, name: str) -> tuple[str, str | None]:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(json.dumps({"code": code, "name": name}) + "\n")
        self.process.stdin.flush()
        ready, _, _ = select.select([self.process.stdout], [], [], TIMEOUT)
        if not ready:
            self.close()
            raise TimeoutError(f"{name} did not finish in {TIMEOUT} s")
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError(f"{name}: the Python process ended (exit {self.process.wait()})")
        answer = json.loads(line)
        return answer["output"], answer["error"]

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()


# -- the scratch project -------------------------------------------------------------------------

# Names the docs use for "your notebook" exist in the scratch copy as copies of real examples.
PLACEHOLDERS = {
    "my_notebook.ipynb": "examples/churn_analysis.ipynb",
    "analysis.ipynb": "examples/churn_model.ipynb",
    "notebooks": "examples",
    "data": "examples/data",
}


def make_scratch(where: Path) -> tuple[Path, dict[str, str]]:
    """A scratch project (a copy of the repository's examples/ plus the placeholder names,
    with its own HOME and config directories) and the environment examples run with."""
    root = where / "project"
    root.mkdir(parents=True)
    shutil.copytree(REPO / "examples", root / "examples")
    for name, source in PLACEHOLDERS.items():
        src = REPO / source
        if src.is_dir():
            shutil.copytree(src, root / name)
        else:
            shutil.copy2(src, root / name)
    home = where / "home"
    home.mkdir()
    bin_dir = str(Path(sys.executable).parent)
    env = {
        **os.environ,
        "PATH": bin_dir + os.pathsep + os.environ.get("PATH", ""),
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_DATA_HOME": str(home / ".local" / "share"),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "JUPYTER_PLATFORM_DIRS": "1",
        "NO_COLOR": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
        "MPLBACKEND": "Agg",
    }
    env.pop("JUPYTER_MLOPS_PROJECT", None)
    return root, env


# -- loose output comparison ------------------------------------------------------------------

_NORMALISE = [
    (re.compile(r"\x1b\[[0-9;]*[A-Za-z]"), ""),  # colours
    (re.compile(r"(?:/[\w.+@-]+)+/(project|home)/"), ""),  # the scratch directory
    (re.compile(r"\b(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{7,64}\b"), "<hash>"),
    (re.compile(r"\bv?\d+\.\d+\.\d+(?:[.-]?\w+)?\b"), "<version>"),
    (re.compile(r"\b\d+(?:\.\d+)?\s?(?:ms|s|µs|seconds?|minutes?)\b"), "<time>"),
    (re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z?"), "<timestamp>"),
    (re.compile(r"\s+"), " "),
]


def normalise(line: str) -> str:
    for pattern, replacement in _NORMALISE:
        line = pattern.sub(replacement, line)
    return line.strip()


def _line_pattern(expected: str) -> re.Pattern[str]:
    parts = [re.escape(p) for p in normalise(expected).split("...")]
    return re.compile(".*".join(parts))


def missing_output(expected: str, actual: str) -> list[str]:
    """The shown lines that do not appear in the actual output, in order (empty when it fits)."""
    wanted = [line for line in expected.split("\n") if line.strip() and line.strip() != "..."]
    have = [normalise(line) for line in actual.split("\n")]
    missing, at = [], 0
    for line in wanted:
        pattern = _line_pattern(line)
        for j in range(at, len(have)):
            if pattern.search(have[j]):
                at = j + 1
                break
        else:
            missing.append(line)
    return missing


@dataclass
class Tally:
    """What the docs examples test did, for the summary line at the end of the session."""
    run: int = 0
    checked: int = 0
    skipped: list[str] = field(default_factory=list)
    pip_lines: int = 0
    pages: int = 0
