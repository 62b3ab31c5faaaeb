"""Lint configuration: `[tool.jupyter-mlops]` in the nearest pyproject.toml, plus overrides."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from ..errors import ConfigError, UnknownRuleError
from .findings import Severity
from .registry import all_rules
from .rule import CATEGORIES, Rule

_TOP_KEYS = {"select", "ignore", "extend-select", "fail-level", "exclude", "data-dir", "seed"}


@dataclass(frozen=True)
class LintConfig:
    select: tuple[str, ...] = ("ALL",)
    ignore: tuple[str, ...] = ()
    fail_level: Severity = Severity.WARNING
    options: dict[str, dict[str, Any]] = field(default_factory=dict)  # rule name -> options
    exclude: tuple[str, ...] = ()
    # Used by fixes: the directory hard-coded paths are made relative to, and the seed value.
    data_dir: str | None = None
    seed: int = 42
    source: str | None = None  # the pyproject.toml it came from

    def with_overrides(self, select: list[str] | None = None, ignore: list[str] | None = None,
                       extend_select: list[str] | None = None,
                       fail_level: str | None = None) -> "LintConfig":
        cfg = self
        if select:
            cfg = replace(cfg, select=tuple(select))
        if extend_select:
            cfg = replace(cfg, select=cfg.select + tuple(extend_select))
        if ignore:
            cfg = replace(cfg, ignore=cfg.ignore + tuple(ignore))
        if fail_level:
            cfg = replace(cfg, fail_level=_severity(fail_level, "--fail-level"))
        cfg.enabled_rules()  # validate selectors now, not halfway through a run
        return cfg

    def enabled_rules(self) -> list[type[Rule]]:
        rules = all_rules()
        chosen = {r.name for s in self.select for r in match_rules(s, rules)}
        dropped = {r.name for s in self.ignore for r in match_rules(s, rules)}
        return [r for r in rules if r.name in chosen and r.name not in dropped]

    def rule_options(self, rule: type[Rule]) -> dict[str, Any]:
        return {**rule.options, **self.options.get(rule.name, {})}


def match_rules(selector: str, rules: list[type[Rule]] | None = None) -> list[type[Rule]]:
    """Rules a selector names: 'ALL', a category, a kebab name, a code or a code prefix."""
    rules = rules if rules is not None else all_rules()
    s = selector.strip()
    if s.upper() == "ALL":
        return list(rules)
    if s.lower() in CATEGORIES:
        return [r for r in rules if r.category == s.lower()]
    named = [r for r in rules if r.name == s.lower()]
    if named:
        return named
    coded = [r for r in rules if r.code.startswith(s.upper())] if s[:2].upper() == "NB" else []
    if coded:
        return coded
    raise UnknownRuleError(selector)


def _severity(value: Any, where: str) -> Severity:
    try:
        return Severity(str(value).lower())
    except ValueError:
        raise ConfigError(f"{where}: fail level must be 'error', 'warning' or 'info', got {value!r}") from None


def find_pyproject(start: str | Path) -> Path | None:
    """The nearest pyproject.toml at or above `start` that has a [tool.jupyter-mlops] table."""
    p = Path(start).resolve()
    if not p.is_dir():
        p = p.parent
    for d in (p, *p.parents):
        candidate = d / "pyproject.toml"
        if candidate.is_file():
            try:
                data = tomllib.loads(candidate.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
                return candidate  # let load_config report the problem
            if "jupyter-mlops" in data.get("tool", {}):
                return candidate
    return None


def load_config(path: str | Path | None) -> LintConfig:
    """Read `[tool.jupyter-mlops]` from a pyproject.toml; `None` gives the defaults."""
    if path is None:
        return LintConfig()
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not valid UTF-8") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    table = data.get("tool", {}).get("jupyter-mlops", {})
    return config_from_table(table, str(path))


def config_from_table(table: Any, where: str = "configuration") -> LintConfig:
    """Build a LintConfig from a `[tool.jupyter-mlops]`-shaped mapping (also used by the LSP)."""
    if not isinstance(table, dict):
        raise ConfigError(f"{where}: [tool.jupyter-mlops] must be a table")
    rules = {r.name: r for r in all_rules()}
    options: dict[str, dict[str, Any]] = {}
    for key, value in table.items():
        if key in _TOP_KEYS:
            continue
        if key in rules and isinstance(value, dict):
            known = rules[key].options
            for opt, v in value.items():
                if opt not in known:
                    raise ConfigError(f"{where}: rule {key!r} has no option {opt!r}"
                                      + (f" (it has: {', '.join(known)})" if known else ""))
                if type(v) is not type(known[opt]) and not (isinstance(known[opt], float) and isinstance(v, int)):
                    raise ConfigError(f"{where}: {key}.{opt} must be {type(known[opt]).__name__}, got {v!r}")
            options[key] = dict(value)
            continue
        raise ConfigError(f"{where}: unknown key {key!r} in [tool.jupyter-mlops]")

    def strings(key: str) -> tuple[str, ...]:
        value = table.get(key, [])
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"{where}: {key} must be a list of strings")
        return tuple(value)

    seed = table.get("seed", 42)
    if not isinstance(seed, int) or isinstance(seed, bool):
        raise ConfigError(f"{where}: seed must be an integer, got {seed!r}")
    data_dir = table.get("data-dir")
    if data_dir is not None and not isinstance(data_dir, str):
        raise ConfigError(f"{where}: data-dir must be a string")
    cfg = LintConfig(
        select=strings("select") or ("ALL",),
        ignore=strings("ignore"),
        fail_level=_severity(table.get("fail-level", "warning"), where),
        options=options,
        exclude=strings("exclude"),
        data_dir=data_dir,
        seed=seed,
        source=where,
    )
    if table.get("extend-select"):
        cfg = replace(cfg, select=cfg.select + strings("extend-select"))
    try:
        cfg.enabled_rules()
    except UnknownRuleError as exc:
        raise ConfigError(f"{where}: {exc}") from None
    return cfg
