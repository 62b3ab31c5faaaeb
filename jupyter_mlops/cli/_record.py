"""What the record's command groups (audit, data, model) share: --project, references, output."""

from __future__ import annotations

import argparse
import json
from typing import Any

from ..errors import ConfigError


def add_project(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--project", metavar="DIR",
                        help="project root (default: $JUPYTER_MLOPS_PROJECT, else the nearest folder "
                             "upward with pyproject.toml or .git, else the current folder)")


def project(args: argparse.Namespace):
    from ..project import Project
    return Project.find(explicit=getattr(args, "project", None))


def model_ref(text: str, need_version: bool = True) -> tuple[str, int | None]:
    """`churn:3` -> ("churn", 3); `churn` -> ("churn", None) when a version is optional."""
    name, sep, version = text.rpartition(":") if ":" in text else (text, "", "")
    if not sep:
        if need_version:
            raise ConfigError(f"{text!r}: give the model as NAME:VERSION (for example churn:3)")
        return text, None
    try:
        number = int(version)
    except ValueError:
        raise ConfigError(f"{text!r}: the version after ':' must be a number (for example churn:3)") from None
    if number < 1:
        raise ConfigError(f"{text!r}: versions start at 1")
    return name, number


def json_arg(text: str | None, what: str) -> Any:
    """A JSON value given inline or as @FILE."""
    if text is None:
        return None
    raw = text
    if text.startswith("@"):
        try:
            with open(text[1:], encoding="utf-8") as fh:
                raw = fh.read()
        except OSError as exc:
            raise ConfigError(f"{text[1:]}: cannot read the {what} file: {exc.strerror}") from None
    try:
        return json.loads(raw)
    except ValueError as exc:
        raise ConfigError(f"--{what}: not valid JSON ({exc})") from None


def bool_arg(text: str) -> bool:
    low = text.strip().lower()
    if low in ("true", "yes", "1", "passed", "pass"):
        return True
    if low in ("false", "no", "0", "failed", "fail"):
        return False
    raise argparse.ArgumentTypeError(f"{text!r}: use true or false")
