"""Confine request paths to the server's root directory.

A path from a request is always relative to the root Jupyter serves. Absolute paths, `..`
and symlinks that lead out of the root are refused: the REST door must never become a way to
read or write files the file browser could not reach.
"""

from __future__ import annotations

import os
import re
from pathlib import Path, PurePosixPath

from tornado.web import HTTPError

_DRIVE = re.compile(r"^[A-Za-z]:")


def confine(root: str, rel: object, *, must_exist: bool = True, what: str = "path") -> Path:
    """The real path for `rel` under `root`, or an HTTPError (400, 403 or 404)."""
    if not isinstance(rel, str) or not rel.strip():
        raise HTTPError(400, f"{what} is required (a path relative to the server root)")
    if "\x00" in rel:
        raise HTTPError(400, f"{what} contains a NUL character")
    text = rel.replace("\\", "/")
    pure = PurePosixPath(text)
    if pure.is_absolute() or _DRIVE.match(text) or text.startswith("~"):
        raise HTTPError(403, f"{what} {rel!r}: absolute paths are not allowed; use a path relative to the server root")
    if ".." in pure.parts:
        raise HTTPError(403, f"{what} {rel!r}: leaves the server root")
    root_real = os.path.realpath(root)
    full = os.path.realpath(os.path.join(root_real, *pure.parts))
    if full != root_real and not full.startswith(root_real.rstrip(os.sep) + os.sep):
        raise HTTPError(403, f"{what} {rel!r}: resolves outside the server root")
    if must_exist and not os.path.exists(full):
        raise HTTPError(404, f"{what} {rel!r}: no such file")
    return Path(full)


def relative(root: str, value: object) -> object:
    """Turn absolute paths under `root` inside a JSON value into root-relative ones.

    The front end opens files through the contents API, which speaks root-relative paths;
    absolute paths outside the root are left as they are (they are only displayed).
    """
    root_real = os.path.realpath(root).rstrip(os.sep) + os.sep
    if isinstance(value, str):
        if value.startswith(root_real):
            return PurePosixPath(*Path(value[len(root_real):]).parts).as_posix()
        return value
    if isinstance(value, list):
        return [relative(root, v) for v in value]
    if isinstance(value, dict):
        return {k: relative(root, v) for k, v in value.items()}
    return value
