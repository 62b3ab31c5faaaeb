"""Every rule teaches: its docstring is a complete lesson and its examples are true."""

from __future__ import annotations

import pytest

from jupyter_mlops.linter.config import LintConfig
from jupyter_mlops.linter.engine import lint_notebook
from jupyter_mlops.linter.lessons import example_notebook
from jupyter_mlops.linter.registry import all_rules

RULES = all_rules()


@pytest.mark.parametrize("rule", RULES, ids=[r.name for r in RULES])
def test_example_triggers_the_rule(rule):
    lesson = rule.lesson()
    found = lint_notebook(example_notebook(lesson.example), LintConfig(select=(rule.name,)))
    assert [f for f in found if f.rule == rule.name], f"{rule.name}: Example does not trigger it"


@pytest.mark.parametrize("rule", RULES, ids=[r.name for r in RULES])
def test_use_instead_is_clean(rule):
    lesson = rule.lesson()
    found = lint_notebook(example_notebook(lesson.use_instead), LintConfig(select=(rule.name,)))
    assert not found, f"{rule.name}: 'Use instead' still triggers: {[f.message for f in found]}"


@pytest.mark.parametrize("rule", RULES, ids=[r.name for r in RULES])
def test_rule_metadata_is_complete(rule):
    assert rule.code.startswith("NB") and len(rule.code) == 5
    assert rule.name == rule.name.lower() and " " not in rule.name
    lesson = rule.lesson()
    assert len(lesson.why) > 60, "the 'Why is this bad?' section must explain, not just name"
    assert rule.summary and not rule.summary.endswith(".")
