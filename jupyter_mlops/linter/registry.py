"""Every rule the linter knows.

The built-in rules are found, not listed: discovery imports each module of
`jupyter_mlops.linter.rules` and takes the `Rule` subclasses defined there (a new rule is a new
module, nothing else to edit). Code outside the package (a plugin, a test) adds its own rules
with `register`. The base class in `rule.py` knows nothing of either, so the import order is one
way: registry -> rule modules -> context -> rule.
"""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType

from . import rules as _rules_package
from .rule import CATEGORIES, Rule

_extra: dict[str, type[Rule]] = {}
_sorted: tuple[type[Rule], ...] | None = None  # every rule by code, until `register` adds one


def _check(cls: type[Rule], known: dict[str, type[Rule]]) -> None:
    for attr in ("code", "name", "category", "summary"):
        if not getattr(cls, attr, None):
            raise TypeError(f"{cls.__name__} lacks {attr}")
    if cls.category not in CATEGORIES:
        raise TypeError(f"{cls.__name__}: unknown category {cls.category}")
    clash = known.get(cls.name) or next((r for r in known.values() if r.code == cls.code), None)
    if clash is not None and clash is not cls:
        raise TypeError(f"{cls.__name__}: name or code already used by {clash.__name__}")


def _rules_in(module: ModuleType) -> list[type[Rule]]:
    """The concrete rules a module defines (not those it imports)."""
    return [obj for obj in vars(module).values()
            if isinstance(obj, type) and issubclass(obj, Rule) and obj is not Rule
            and obj.__module__ == module.__name__ and "code" in vars(obj)]


def _discover() -> dict[str, type[Rule]]:
    found: dict[str, type[Rule]] = {}
    prefix = _rules_package.__name__ + "."
    for info in pkgutil.walk_packages(_rules_package.__path__, prefix):
        for cls in _rules_in(importlib.import_module(info.name)):
            _check(cls, found)
            found[cls.name] = cls
    return found


def register(cls: type[Rule]) -> type[Rule]:
    """Add a rule defined outside `jupyter_mlops.linter.rules` (a class decorator)."""
    global _sorted
    known = {r.name: r for r in all_rules()}
    _check(cls, known)
    _extra[cls.name] = cls
    _sorted = None
    return cls


def all_rules() -> list[type[Rule]]:
    """Every rule, sorted by code."""
    global _sorted
    if _sorted is None:
        _sorted = tuple(sorted({**_discover(), **_extra}.values(), key=lambda r: r.code))
    return list(_sorted)


def get_rule(selector: str) -> type[Rule] | None:
    """Find a rule by kebab-case name or by code (case-insensitive)."""
    key = selector.strip()
    for rule in all_rules():
        if rule.name == key.lower() or rule.code == key.upper():
            return rule
    return None


__all__ = ["all_rules", "get_rule", "register"]
