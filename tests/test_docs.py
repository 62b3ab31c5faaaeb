"""The rule reference in docs/rules/ is generated from the rules and must not be stale."""

from __future__ import annotations

from nbtest import REPO
from jupyter_mlops.linter.docs import stale_files


def test_rule_reference_is_up_to_date():
    stale = stale_files(REPO / "docs" / "rules")
    assert not stale, (f"docs/rules is stale for {stale}; run "
                       "`python -m jupyter_mlops.linter.docs docs/rules`")
