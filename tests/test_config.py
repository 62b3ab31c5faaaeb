"""Configuration: pyproject.toml, command-line overrides, noqa comments and cell tags."""

from __future__ import annotations

import pytest

from nbtest import make_notebook
from jupyter_mlops.errors import ConfigError, UnknownRuleError
from jupyter_mlops.linter.config import LintConfig, config_from_table, find_pyproject, load_config, match_rules
from jupyter_mlops.linter.engine import lint_notebook
from jupyter_mlops.linter.findings import Severity


def names(rules):
    return {r.name for r in rules}


def test_selectors_accept_names_codes_prefixes_categories_and_all():
    assert names(match_rules("use-before-define")) == {"use-before-define"}
    assert names(match_rules("nb103")) == {"use-before-define"}
    assert "use-before-define" in names(match_rules("NB1"))
    assert "out-of-order-execution" in names(match_rules("correctness"))
    assert len(match_rules("ALL")) >= 9


def test_unknown_selector_is_a_clear_error():
    with pytest.raises(UnknownRuleError, match="unknown rule 'no-such-rule'"):
        match_rules("no-such-rule")


def test_select_and_ignore_combine():
    cfg = LintConfig(select=("NB1",), ignore=("unexecuted-cell",))
    enabled = names(cfg.enabled_rules())
    assert "use-before-define" in enabled and "unexecuted-cell" not in enabled
    assert "syntax-error" not in enabled


def test_pyproject_table_is_read(tmp_path):
    (tmp_path / "pyproject.toml").write_text(
        '[tool.jupyter-mlops]\nselect = ["NB1"]\nignore = ["hidden-state"]\nfail-level = "error"\nseed = 7\n')
    sub = tmp_path / "notebooks"
    sub.mkdir()
    found = find_pyproject(sub)
    assert found == tmp_path / "pyproject.toml"
    cfg = load_config(found)
    assert cfg.fail_level is Severity.ERROR and cfg.seed == 7
    assert "hidden-state" not in names(cfg.enabled_rules())


def test_pyproject_without_our_table_is_skipped(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n')
    assert find_pyproject(tmp_path) is None


@pytest.mark.parametrize("table, message", [
    ({"select": ["nope"]}, "unknown rule 'nope'"),
    ({"fail-level": "fatal"}, "fail level must be"),
    ({"colour": True}, "unknown key 'colour'"),
    ({"select": "NB1", "ignore": 3}, "ignore must be a list of strings"),
    ({"seed": "x"}, "seed must be an integer"),
    ({"use-before-define": {"max": 1}}, "has no option 'max'"),
])
def test_bad_configuration_is_a_clear_error(table, message):
    with pytest.raises(ConfigError, match=message):
        config_from_table(table, "pyproject.toml")


def test_invalid_toml_names_the_file(tmp_path):
    p = tmp_path / "pyproject.toml"
    p.write_text("[tool.jupyter-mlops\nselect = 1")
    with pytest.raises(ConfigError, match="pyproject.toml: invalid TOML"):
        load_config(p)


def test_noqa_comment_suppresses_one_line_and_code():
    nb = make_notebook("x = y  # noqa: NB104\nz = w  # noqa: use-before-define\nq = r  # noqa")
    found = lint_notebook(nb, LintConfig(select=("undefined-name",)))
    assert [(f.line, f.rule) for f in found] == [(2, "undefined-name")]


def test_cell_tag_suppresses_the_whole_cell():
    nb = make_notebook("x = y\nz = w", "a = b")
    nb.cells[0].metadata["tags"] = ["noqa:undefined-name"]
    found = lint_notebook(nb, LintConfig(select=("undefined-name",)))
    assert [f.cell for f in found] == [1]
    nb.cells[1].metadata["tags"] = ["noqa"]
    assert lint_notebook(nb, LintConfig(select=("undefined-name",))) == []
