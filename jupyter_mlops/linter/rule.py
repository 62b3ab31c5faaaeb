"""The rule base class and the lesson each rule's docstring carries (the rules themselves are
found by `registry`)."""

from __future__ import annotations

import ast
import re
import textwrap
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Iterable

from .findings import Applicability, Finding, Severity

if TYPE_CHECKING:
    from .context import LintContext

CATEGORIES = {
    "correctness": "Restart & Run All gives a different result, or fails",
    "reproducibility": "runs cannot be repeated or compared",
    "dependencies": "the environment cannot be rebuilt",
    "portability": "works only on the author's machine",
    "security": "leaks secrets or runs untrusted code",
    "ml": "the model's reported quality is wrong or not repeatable",
    "maintainability": "hard to test, review and turn into a package",
}
DOCS_URL = "https://github.com/jupyter-mlops/jupyter-mlops/blob/main/docs/rules/{name}.md"


@dataclass(frozen=True)
class Lesson:
    """A rule's teaching text, parsed from its docstring."""

    what: str
    why: str
    example: str
    use_instead: str
    references: tuple[str, ...] = ()
    notes: str = ""

    def markdown(self, title: str = "") -> str:
        parts = [f"# {title}\n" if title else ""]
        parts.append(f"## What it does\n{self.what}\n")
        parts.append(f"## Why is this bad?\n{self.why}\n")
        if self.notes:
            parts.append(f"{self.notes}\n")
        parts.append(f"## Example\n```python\n{self.example}\n```\n")
        parts.append(f"## Use instead\n```python\n{self.use_instead}\n```\n")
        if self.references:
            parts.append("## References\n" + "\n".join(f"- {r}" for r in self.references) + "\n")
        return "\n".join(p for p in parts if p)


_SECTION = re.compile(r"^## (.+?)\s*$", re.MULTILINE)
_CODE = re.compile(r"```(?:python|py)?\n(.*?)\n```", re.DOTALL)


def parse_lesson(doc: str, rule_name: str) -> Lesson:
    text = textwrap.dedent(doc).strip("\n")
    # The first line of a docstring is not indented like the rest.
    first, _, rest = text.partition("\n")
    text = first.strip() + "\n" + textwrap.dedent(rest)
    sections: dict[str, str] = {}
    matches = list(_SECTION.finditer(text))
    for i, m in enumerate(matches):
        end = matches[i + 1].start() if i + 1 < len(matches) else len(text)
        sections[m.group(1).lower()] = text[m.end():end].strip()
    missing = [s for s in ("what it does", "why is this bad?", "example", "use instead")
               if s not in sections]
    if missing:
        raise ValueError(f"rule {rule_name}: docstring lacks sections {missing}")

    def code(section: str) -> str:
        m = _CODE.search(sections[section])
        if not m:
            raise ValueError(f"rule {rule_name}: section {section!r} has no ```python block")
        return m.group(1)

    refs = tuple(line.lstrip("-* ").strip() for line in sections.get("references", "").splitlines()
                 if line.strip())
    why = sections["why is this bad?"]
    return Lesson(what=sections["what it does"], why=why, example=code("example"),
                  use_instead=code("use instead"), references=refs,
                  notes=sections.get("options", "") and "## Options\n" + sections["options"])


class Rule:
    """Base class: subclasses set the class attributes and implement `check`."""

    code: ClassVar[str]
    name: ClassVar[str]
    category: ClassVar[str]
    severity: ClassVar[Severity] = Severity.WARNING
    summary: ClassVar[str]  # one line, shown in `rule --list`
    hint: ClassVar[str] = ""  # one line shown under each finding
    fix: ClassVar[Applicability | None] = None  # applicability of the fix it offers, if any
    options: ClassVar[dict[str, Any]] = {}
    # True when a cell's findings depend only on that cell's text and index, the configuration,
    # the notebook's imports, and what the notebook defines (`analysis.definitions`,
    # `maybe_defined`) under names that occur in the cell: the engine then re-runs the rule only
    # on cells whose text changed or that mention a name whose definitions changed. Such a rule
    # must reach cells through `ctx.analysis.code()/parsed()` or `ctx.calls()`; a rule that asks
    # about names its cell does not mention (is a `DATA_DIR` defined anywhere?) is not one.
    cell_local: ClassVar[bool] = False

    def check(self, ctx: "LintContext") -> Iterable[Finding]:
        raise NotImplementedError

    @classmethod
    def lesson(cls) -> Lesson:
        return parse_lesson(cls.__doc__ or "", cls.name)

    @classmethod
    def url(cls) -> str:
        return DOCS_URL.format(name=cls.name)


def span_of(node: ast.AST | None) -> tuple[int, int, int, int] | None:
    if node is None:
        return None
    return (node.lineno, node.col_offset, node.end_lineno or node.lineno, node.end_col_offset or 0)
