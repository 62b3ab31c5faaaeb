"""Report formats for lint results. Each formatter turns a LintReport into a string."""

from __future__ import annotations

from typing import Callable

from ..findings import LintReport
from .github_format import format_github
from .json_format import format_json
from .sarif_format import format_sarif
from .text_format import format_text

FORMATS: dict[str, Callable[..., str]] = {"text": format_text, "json": format_json,
                                          "sarif": format_sarif, "github": format_github}


def render(report: LintReport, fmt: str, **options) -> str:
    return FORMATS[fmt](report, **options)


__all__ = ["FORMATS", "render"]
