"""Report formats for lint results. Each formatter turns a LintReport into a string."""

from __future__ import annotations

from typing import Callable

from ..findings import LintReport
from .json_format import format_json
from .text_format import format_text

FORMATS: dict[str, Callable[..., str]] = {"text": format_text, "json": format_json}


def render(report: LintReport, fmt: str, **options) -> str:
    return FORMATS[fmt](report, **options)


__all__ = ["FORMATS", "render"]
