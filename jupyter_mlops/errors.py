"""Typed errors raised by the engine. Each carries a one-line message meant for the user."""

from __future__ import annotations


class JupyterMlopsError(Exception):
    """Base class for every error the engine raises on purpose."""


class NotebookReadError(JupyterMlopsError):
    """A file could not be read as a notebook (missing, unreadable, malformed)."""

    def __init__(self, path: str, problem: str) -> None:
        super().__init__(f"{path}: {problem}")
        self.path = path
        self.problem = problem


class ConfigError(JupyterMlopsError):
    """Configuration (pyproject.toml or command-line options) is wrong."""


class UnknownRuleError(ConfigError):
    """A rule name, code or prefix matches no rule."""

    def __init__(self, selector: str) -> None:
        super().__init__(
            f"unknown rule {selector!r}: use a rule name (e.g. 'hardcoded-secret'), "
            "a code or code prefix (e.g. 'NB401', 'NB4'), a category, or 'ALL'"
        )
        self.selector = selector


class FixError(JupyterMlopsError):
    """Fixes could not be applied (overlapping edits, file changed underneath)."""


class MissingExtraError(JupyterMlopsError):
    """A command needs an optional extra (Ray, ONNX, FastAPI, ...) that is not installed."""

    def __init__(self, feature: str, extra: str, module: str) -> None:
        super().__init__(f"{feature} needs the '{extra}' extra ({module} is not installed): "
                         f"pip install 'jupyter-mlops[{extra}]'")
        self.feature = feature
        self.extra = extra
        self.module = module


def require_extra(module: str, extra: str, feature: str):
    """Import `module` or raise MissingExtraError naming the extra that brings it."""
    import importlib
    try:
        return importlib.import_module(module)
    except ImportError:
        raise MissingExtraError(feature, extra, module) from None
