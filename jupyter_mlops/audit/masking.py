"""Secrets never reach the ledger: every payload passes through the linter's secret detection.

The detection (known credential formats, credential-named keys, passwords in URLs and connection
strings) belongs to the linter's security rules; `_detection()` is the one place that imports it,
so moving those rules between modules touches one function.
"""

from __future__ import annotations

import importlib
from functools import lru_cache
from types import SimpleNamespace
from typing import Any

MASK = "****"
_NAMES = ("find_secret_formats", "mask", "secret_kind", "looks_secret", "find_url_credentials",
          "mask_url", "find_connection_string_password", "PASSWORD", "SECRET")
# Where the linter keeps its secret detection, newest layout first.
_MODULES = ("jupyter_mlops.linter.secrets", "jupyter_mlops.linter.rules.secrets",
            "jupyter_mlops.linter.rules.security.secrets", "jupyter_mlops.linter.rules.security")


@lru_cache(maxsize=1)
def _detection() -> SimpleNamespace:
    for name in _MODULES:
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        if all(hasattr(module, n) for n in _NAMES):
            return SimpleNamespace(**{n: getattr(module, n) for n in _NAMES})
    raise ImportError("the linter's secret detection was not found in " + ", ".join(_MODULES))


def mask_text(text: str) -> str:
    """`text` with every recognised credential masked (format prefixes such as `ghp_` kept)."""
    if len(text) < 8:
        return text
    d = _detection()
    for fmt, token in d.find_secret_formats(text):
        text = text.replace(token, d.mask(token, fmt.shown))
    for m in reversed(d.find_url_credentials(text)):
        text = text[:m.start()] + d.mask_url(m) + text[m.end():]
    password = d.find_connection_string_password(text)
    if password:
        text = text.replace(password, MASK)
    return text


def _named_secret(key: str, value: str) -> bool:
    d = _detection()
    kind = d.secret_kind(key)
    return kind in (d.PASSWORD, d.SECRET) and d.looks_secret(value, kind)


def mask_secrets(value: Any, key: str | None = None) -> Any:
    """A copy of a JSON value with secrets masked: by format anywhere, and by name for the
    values of credential-named keys (`{"db_password": "hunter22"}`)."""
    if isinstance(value, str):
        if key is not None and _named_secret(key, value):
            return MASK
        return mask_text(value)
    if isinstance(value, dict):
        return {k: mask_secrets(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [mask_secrets(v, key) for v in value]
    return value
