"""Lint configuration for an open document: its pyproject.toml, then the editor's settings.

Editor settings (`workspace/configuration` section `jupyterMlops`, or `initializationOptions`)
take precedence: `select` replaces the project's selection, `ignore` adds to it, and
`ruleOptions` (rule name -> options) override the project's per-rule options.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from jupyter_mlops.errors import ConfigError
from jupyter_mlops.linter.config import (
    LintConfig,
    config_from_table,
    find_pyproject,
    load_config,
)

SECTION = "jupyterMlops"


@dataclass(frozen=True)
class EditorSettings:
    enable: bool = True
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    rule_options: tuple[tuple[str, tuple[tuple[str, Any], ...]], ...] = ()
    problems: tuple[str, ...] = field(default=(), compare=False)

    @classmethod
    def parse(cls, value: Any) -> EditorSettings:
        """Read the `jupyterMlops` settings object; wrong shapes are reported, not raised."""
        if value is None:
            return cls()
        if not isinstance(value, dict):
            return cls(problems=(f"settings '{SECTION}' must be an object",))
        if isinstance(value.get(SECTION), dict):  # the whole settings tree was sent
            value = value[SECTION]
        dotted = {k[len(SECTION) + 1:]: v for k, v in value.items() if k.startswith(SECTION + ".")}
        if dotted:  # jupyterlab-lsp style: {"jupyterMlops.select": [...]}
            value = {**value, **dotted}
        problems: list[str] = []

        def strings(key: str) -> tuple[str, ...]:
            v = value.get(key)
            if v is None:
                return ()
            if isinstance(v, str):
                v = [s.strip() for s in v.split(",") if s.strip()]
            if not isinstance(v, list) or not all(isinstance(s, str) for s in v):
                problems.append(f"{SECTION}.{key} must be a list of rule names or codes")
                return ()
            return tuple(v)

        enable = value.get("enable", True)
        if not isinstance(enable, bool):
            problems.append(f"{SECTION}.enable must be true or false")
            enable = True
        options = value.get("ruleOptions", {}) or {}
        if not isinstance(options, dict) or not all(isinstance(v, dict) for v in options.values()):
            problems.append(f"{SECTION}.ruleOptions must map rule names to option objects")
            options = {}
        frozen = tuple(sorted((k, tuple(sorted(v.items()))) for k, v in options.items()))
        return cls(enable=enable, select=strings("select"), ignore=strings("ignore"),
                   rule_options=frozen, problems=tuple(problems))


class ConfigResolver:
    """Finds and caches the configuration for documents; cheap enough to call per keystroke."""

    def __init__(self) -> None:
        self._nearest: dict[str, Path | None] = {}
        self._built: dict[tuple, tuple[LintConfig, str | None]] = {}

    def invalidate(self) -> None:
        self._nearest.clear()
        self._built.clear()

    def _pyproject(self, path: str | None) -> Path | None:
        if not path:
            return None
        directory = os.path.dirname(os.path.abspath(path))
        if directory not in self._nearest:
            existing = directory  # an unsaved notebook's folder may not exist (yet)
            while not os.path.isdir(existing) and os.path.dirname(existing) != existing:
                existing = os.path.dirname(existing)
            try:
                self._nearest[directory] = find_pyproject(existing)
            except OSError:
                self._nearest[directory] = None
        return self._nearest[directory]

    def resolve(self, path: str | None, editor: EditorSettings) -> tuple[LintConfig, str | None]:
        """The configuration, and a one-line problem when some of it had to be ignored."""
        pyproject = self._pyproject(path)
        try:
            stamp = pyproject.stat().st_mtime_ns if pyproject else None
        except OSError:
            stamp = None
        key = (str(pyproject) if pyproject else None, stamp, editor)
        found = self._built.get(key)
        if found is None:
            found = self._build(pyproject, editor)
            if len(self._built) > 64:
                self._built.clear()
            self._built[key] = found
        return found

    def _build(self, pyproject: Path | None, editor: EditorSettings) -> tuple[LintConfig, str | None]:
        problems = list(editor.problems)
        try:
            config = load_config(pyproject)
        except ConfigError as exc:
            problems.append(str(exc))
            config = LintConfig()
        try:
            config = config.with_overrides(select=list(editor.select), ignore=list(editor.ignore))
        except ConfigError as exc:
            problems.append(f"editor settings: {exc}")
        if editor.rule_options:
            table = {name: dict(opts) for name, opts in editor.rule_options}
            try:
                extra = config_from_table(table, "editor settings").options
                merged = dict(config.options)
                for name, opts in extra.items():
                    merged[name] = {**merged.get(name, {}), **opts}
                config = replace(config, options=merged)
            except ConfigError as exc:
                problems.append(str(exc))
        return config, ("; ".join(problems) or None)
