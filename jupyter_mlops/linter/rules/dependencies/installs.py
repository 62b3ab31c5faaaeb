"""`pip`/`conda` install commands in a notebook and the requirements they name."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import metadata
from typing import Iterable

from packaging.requirements import InvalidRequirement, Requirement

from ...context import LintContext
from .._shell import ShellCommand, Word, shell_commands


# pip options that take a value as the next word (unless written `--opt=value`).
_PIP_VALUE_OPTIONS = frozenset({
    "-r", "--requirement", "-c", "--constraint", "-e", "--editable", "-i", "--index-url",
    "--extra-index-url", "-f", "--find-links", "-t", "--target", "--prefix", "--root", "--src",
    "--upgrade-strategy", "--platform", "--python-version", "--implementation", "--abi",
    "--no-binary", "--only-binary", "--progress-bar", "--trusted-host", "--proxy", "--retries",
    "--timeout", "--exists-action", "--cache-dir", "--log", "--log-file", "--global-option",
    "--install-option", "--config-settings", "-C", "--report", "--python", "--root-user-action",
    "--keyring-provider", "--cert", "--client-cert", "--use-feature", "--use-deprecated",
    "--hash", "--group", "--index", "--default-index", "--extra-index",
})
_CONDA_VALUE_OPTIONS = frozenset({
    "-c", "--channel", "-n", "--name", "-p", "--prefix", "--file", "--solver", "--repodata-fn",
    "--subdir", "--platform",
})
_PIP = re.compile(r"^pip(\d+(\.\d+)?)?$")
_PYTHON = re.compile(r"^(python(\d+(\.\d+)?)?|\{sys\.executable\}|\$\{?PYTHON\}?)$")
_CONDA = frozenset({"conda", "mamba", "micromamba"})
_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://|^(git|hg|svn|bzr)\+")
_HASH = re.compile(r"[#&](sha256|sha384|sha512|md5|sha1)=[0-9a-fA-F]+")
_VCS_REF = re.compile(r"@(?P<ref>[0-9a-fA-F]{7,40}|v?\d+(\.\d+)+[\w.+-]*)(#|$)")
_ARCHIVE = re.compile(r"\.(whl|tar\.gz|tgz|zip|tar\.bz2|egg)$", re.IGNORECASE)
_CONDA_SPEC = re.compile(r"^(?:[\w.-]+::)?(?P<name>[A-Za-z0-9_][\w.-]*)"
                         r"(?:\[[^\]]*\])?\s*(?P<op>==|=|>=|<=|>|<|!=|~=)?\s*(?P<version>.*)$")


@dataclass
class InstallRequirement:
    """One requirement word of an install command, and what we make of it."""

    word: Word
    status: str  # "pinned" | "unpinned" | "url" (a URL with no hash or fixed revision)
    name: str | None = None
    pinned_text: str | None = None  # the requirement pinned to the version installed here


@dataclass
class InstallCommand:
    command: ShellCommand
    tool: str  # "pip" | "conda"
    requirements: list[InstallRequirement] = field(default_factory=list)
    upgrade: bool = False
    constrained: bool = False  # `-c constraints.txt`: the constraints file pins every name

    @property
    def unpinned(self) -> list[InstallRequirement]:
        return [] if self.constrained else [r for r in self.requirements if r.status != "pinned"]


def _skip_prefix(words: list[Word]) -> list[Word]:
    """Drop `sudo`, `env` and `VAR=value` assignments that precede the command itself."""
    i = 0
    while i < len(words) and (words[i].text in ("sudo", "env", "time", "nohup")
                              or re.match(r"^[A-Za-z_]\w*=", words[i].text)):
        i += 1
    return words[i:]


def _install_args(words: list[Word]) -> tuple[str, list[Word]] | None:
    """The tool and the words after `install`, when the command installs packages."""
    words = _skip_prefix(words)
    if not words:
        return None
    head = words[0].text.rsplit("/", 1)[-1]
    rest: list[Word]
    if _PIP.match(head):
        tool, rest = "pip", words[1:]
    elif head == "uv" and len(words) > 1 and words[1].text == "pip":
        tool, rest = "pip", words[2:]
    elif head in _CONDA:
        tool, rest = "conda", words[1:]
    elif _PYTHON.match(head) or head.endswith("python") or head.endswith("python3"):
        # `python -m pip install ...`, `{sys.executable} -m pip install ...`
        for i in range(1, len(words) - 1):
            if words[i].text == "-m" and _PIP.match(words[i + 1].text):
                tool, rest = "pip", words[i + 2:]
                break
            if words[i].text.startswith("-m") and _PIP.match(words[i].text[2:]):
                tool, rest = "pip", words[i + 1:]
                break
        else:
            return None
    else:
        return None
    # Global options may come before the subcommand (`pip -q install x`).
    i = 0
    while i < len(rest) and rest[i].text.startswith("-"):
        i += 1
    if i >= len(rest) or rest[i].text != "install":
        return None
    return tool, rest[i + 1:]


@lru_cache(maxsize=1024)
def installed_version(name: str) -> str | None:
    """The version of distribution `name` in the environment running the linter."""
    try:
        return metadata.version(name)
    except (metadata.PackageNotFoundError, ValueError, OSError):
        return None


def _url_pinned(url: str) -> bool:
    return bool(_HASH.search(url) or (re.match(r"^(git|hg|svn|bzr)\+", url) and _VCS_REF.search(url)))


def _pip_requirement(word: Word) -> InstallRequirement | None:
    text = word.text.strip()
    if not text or text.startswith(("<", ">")) or re.match(r"^\d*>", text):
        return None  # a redirection, not a package
    if _URL.match(text):
        return InstallRequirement(word, "pinned" if _url_pinned(text) else "url")
    if text.startswith((".", "/", "~")) or "\\" in text or _ARCHIVE.search(text):
        return InstallRequirement(word, "pinned")  # a local path: part of the project, not the index
    try:
        req = Requirement(text)
    except InvalidRequirement:
        return None
    if req.url:
        return InstallRequirement(word, "pinned" if _url_pinned(req.url) else "url", req.name)
    for spec in req.specifier:
        if spec.operator == "===" or (spec.operator == "==" and "*" not in spec.version):
            return InstallRequirement(word, "pinned", req.name)
    pinned = None
    version = installed_version(req.name)
    # Pinning `numpy<2` to an installed numpy 2.1 would change what the notebook asked for.
    try:
        if version is not None and req.specifier and \
                not req.specifier.contains(version, prereleases=True):
            version = None
    except ValueError:  # an installed version packaging cannot read: do not guess
        version = None
    if version is not None:
        extras = f"[{','.join(sorted(req.extras))}]" if req.extras else ""
        marker = f"; {req.marker}" if req.marker else ""
        pinned = f"{req.name}{extras}=={version}{marker}"
    return InstallRequirement(word, "unpinned", req.name, pinned)


def _conda_requirement(word: Word) -> InstallRequirement | None:
    text = word.text.strip()
    if not text or text.startswith(("<", ">")) or re.match(r"^\d*>", text):
        return None
    if _URL.match(text) or text.startswith((".", "/", "~")):
        return InstallRequirement(word, "pinned")
    m = _CONDA_SPEC.match(text)
    if m is None:
        return None
    name, op, version = m.group("name"), m.group("op"), m.group("version").strip()
    if op in ("=", "==") and version and not re.search(r"[*<>|,!~]", version):
        return InstallRequirement(word, "pinned", name)
    found = installed_version(name)
    return InstallRequirement(word, "unpinned", name, f"{name}=={found}" if found else None)


def install_commands(ctx: LintContext) -> Iterable[InstallCommand]:
    for command in shell_commands(ctx):
        parsed = _install_args(list(command.words))
        if parsed is None:
            continue
        tool, args = parsed
        value_options = _PIP_VALUE_OPTIONS if tool == "pip" else _CONDA_VALUE_OPTIONS
        install = InstallCommand(command, tool)
        i = 0
        while i < len(args):
            word = args[i]
            text = word.text
            if text in (">", ">>", "<", "2>", "1>", "&>", "2>>"):
                i += 2  # a redirection and its target
                continue
            if text.startswith("-") and len(text) > 1:
                opt = text.split("=", 1)[0]
                if opt in ("-U", "--upgrade") or (re.match(r"^-[a-zA-Z]+$", opt) and "U" in opt
                                                  and tool == "pip"):
                    install.upgrade = True
                if tool == "pip" and (opt in ("-c", "--constraint") or re.match(r"^-c\S", text)):
                    install.constrained = True
                i += 2 if (opt in value_options and "=" not in text) else 1
                continue
            if word.dynamic:
                i += 1  # `{pkg}` / `$pkg`: filled in at run time, cannot be judged
                continue
            req = _pip_requirement(word) if tool == "pip" else _conda_requirement(word)
            if req is not None:
                install.requirements.append(req)
            i += 1
        yield install


def quoted(word: Word, text: str) -> str | None:
    """New raw text for `word` holding `text`, in the same quoting style; None if unclear."""
    raw = word.raw
    if not raw:
        return None
    if raw == word.text:
        if re.search(r"[\s;<>|&'\"$`]", text):
            return '"' + text + '"'
        return text
    if len(raw) >= 2 and raw[0] in "'\"" and raw[-1] == raw[0] and raw[1:-1] == word.text:
        for quote in (raw[0], "'" if raw[0] == '"' else '"'):
            if quote not in text and "\\" not in text:
                return quote + text + quote
    return None
