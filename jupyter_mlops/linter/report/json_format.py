from __future__ import annotations

import json

from ..findings import LintReport


def format_json(report: LintReport, **_: object) -> str:
    return json.dumps(report.to_dict(), indent=2, ensure_ascii=False)
