"""The sidebar's summary of a lint result: counts and a readiness score.

Computed here, once, so every client of the REST door shows the same figures.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

from ..linter.findings import Finding
from ..linter.registry import all_rules
from ..linter.rule import CATEGORIES

# How much one finding costs the score. Errors break a production run; infos are advice.
WEIGHTS = {"error": 8.0, "warning": 3.0, "info": 1.0}
# The score falls smoothly: 1 error -> 82, 5 warnings -> 69, 30 warnings -> 11.
SCALE = 40.0
GRADES = ((90, "Production ready"), (70, "Nearly ready"), (40, "Needs work"), (0, "Not ready"))


@dataclass
class Summary:
    total: int
    score: int
    grade: str
    by_severity: dict[str, int] = field(default_factory=dict)
    by_category: dict[str, int] = field(default_factory=dict)
    fixable: int = 0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def categories() -> dict[str, str]:
    """Rule name -> category."""
    return {r.name: r.category for r in all_rules()}


def summarise(findings: Iterable[Finding]) -> Summary:
    findings = list(findings)
    category_of = categories()
    severities = Counter(f.severity.value for f in findings)
    by_category = Counter(category_of.get(f.rule, "correctness") for f in findings)
    penalty = sum(WEIGHTS.get(f.severity.value, 1.0) for f in findings)
    score = round(100 * math.exp(-penalty / SCALE))
    grade = next(label for floor, label in GRADES if score >= floor)
    return Summary(
        total=len(findings), score=score, grade=grade,
        by_severity={s: severities.get(s, 0) for s in ("error", "warning", "info")},
        by_category={c: by_category[c] for c in CATEGORIES if by_category.get(c)},
        fixable=sum(1 for f in findings if f.fix is not None and f.fix.applicability.value == "safe"),
    )
