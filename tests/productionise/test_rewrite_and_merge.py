"""libcst rewriting (before/after) and the three-way merge (examples and properties)."""

from __future__ import annotations

import textwrap

from hypothesis import given, settings
from hypothesis import strategies as st

from jupyter_mlops.productionise.codegen import indent
from jupyter_mlops.productionise.merge import merge3
from jupyter_mlops.productionise.rewrite import RewriteSpec, rewrite


def _rw(code: str, **spec) -> str:
    return rewrite(textwrap.dedent(code).strip("\n") + "\n", RewriteSpec(**spec)).code


def test_call_sites_get_the_globals_as_keywords_and_keep_comments():
    out = _rw("""
        # apply the helper
        df = add(df, 2)  # keep me
        other = add(df, b=1, SCALE=SCALE)
    """, kwargs={"add": ["SCALE", "LIMIT"]})
    assert out == ("# apply the helper\n"
                   "df = add(df, 2, SCALE=SCALE, LIMIT=LIMIT)  # keep me\n"
                   "other = add(df, b=1, SCALE=SCALE, LIMIT=LIMIT)\n")


def test_references_that_are_not_calls_become_partials():
    out = _rw("ys = list(map(helper, xs))", kwargs={"helper": ["K"]})
    assert out == "ys = list(map(functools.partial(helper, K=K), xs))\n"


def test_definitions_get_keyword_only_parameters():
    out = _rw("""
        def f(a, b=1):
            return a * K
        def g(*args, c):
            return f(c) + K
    """, add_params={"f": ["K"], "g": ["K"]}, kwargs={"f": ["K"]})
    assert "def f(a, b=1, *, K):" in out
    assert "def g(*args, c, K):" in out
    assert "return f(c, K=K) + K" in out


def test_seeds_paths_and_globals():
    out = _rw("""
        rng = np.random.default_rng(42)
        m = Model(random_state=0, n=3)
        df = pd.read_csv("data/in.csv")
        df.to_csv("out.csv")
        def bump():
            global count
            count += 1
    """, seeds={("seed", 42): "seed", ("random_state", 0): "random_state"},
        reads={"data/in.csv": "in_csv_path"}, writes={"out.csv": "out.csv"}, nonlocal_globals=True)
    assert "np.random.default_rng(seed)" in out
    assert "Model(random_state=random_state, n=3)" in out
    assert "pd.read_csv(in_csv_path)" in out
    assert 'df.to_csv(os.path.join(output_dir, "out.csv"))' in out
    assert "nonlocal count" in out


def test_nothing_to_do_returns_the_text_unchanged():
    code = "x = f(1)  # comment\n"
    assert rewrite(code, RewriteSpec()).code == code
    assert rewrite(code, RewriteSpec(kwargs={"g": ["A"]})).code == code


def test_indent_leaves_multiline_strings_alone():
    code = 'query = """\nSELECT *\n  FROM t\n"""\nx = 1'
    assert indent(code) == '    query = """\nSELECT *\n  FROM t\n"""\n    x = 1'


lines = st.lists(st.sampled_from(["a\n", "b\n", "c\n", "d\n", "e\n"]), max_size=8)


@settings(max_examples=200, deadline=None)
@given(lines, lines)
def test_merge_with_an_unchanged_side_takes_the_other(base, other):
    b, o = "".join(base), "".join(other)
    assert merge3(b, b, o).text == o  # the user did not edit: take the regenerated text
    assert merge3(b, o, b).text == o  # the generator did not change: keep the user's edit
    assert merge3(b, o, o) .text == o


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 6), st.integers(1, 6), st.text("xyz", min_size=1, max_size=3))
def test_edits_to_different_lines_are_both_kept(i, j, word):
    base = [f"line{k}\n" for k in range(16)]
    ours, theirs = list(base), list(base)
    ours[i] = f"mine {word}\n"
    theirs[i + j + 1] = f"generated {word}\n"
    result = merge3("".join(base), "".join(ours), "".join(theirs))
    assert result.conflicts == 0
    expected = list(base)
    expected[i], expected[i + j + 1] = ours[i], theirs[i + j + 1]
    assert result.text == "".join(expected)


def test_edits_to_the_same_line_conflict():
    result = merge3("a\nb\nc\n", "a\nB1\nc\n", "a\nB2\nc\n")
    assert result.conflicts == 1 and "B1" in result.text and "B2" in result.text
