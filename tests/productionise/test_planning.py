"""Planning (no execution): stages, signatures, moved functions, lifted parameters, dropped
lines with reasons, explanations for notebooks that cannot be extracted, provenance coverage."""

from __future__ import annotations

import json

import pytest
from productionise_helpers import (
    MESSY,
    NOTEBOOKS,
    code_lines,
    tree_bytes,
    write_notebook,
)

from jupyter_mlops import api
from jupyter_mlops.productionise.provenance import build_provenance, covered_lines
from jupyter_mlops.productionise.runner import generate_code, plan


@pytest.fixture(scope="module")
def sales():
    return api.plan_productionise(NOTEBOOKS / "sales_forecast.ipynb", out_dir="/tmp/never-written")


def _stage(p, name):
    return next(s for s in p.stages if s.name == name)


def test_plan_writes_nothing(tmp_path):
    nb = NOTEBOOKS / "churn_classifier.ipynb"
    before = tree_bytes(NOTEBOOKS)
    p = api.plan_productionise(nb, out_dir=tmp_path / "pkg")
    assert p.ok and not (tmp_path / "pkg").exists()
    assert tree_bytes(NOTEBOOKS) == before
    assert "src/churn_classifier/pipeline.py" in p.files and "provenance.json" in p.files
    json.dumps(p.to_dict())  # serialisable for the REST door


def test_stages_follow_headings_and_signatures_follow_dataflow(sales):
    names = [s.name for s in sales.stages]
    assert names == ["load_data", "clean_and_add_features", "train", "evaluate", "save"]
    load = _stage(sales, "load_data")
    assert {p.name for p in load.params} == {"n_samples", "noise", "seed"}
    assert [r.name for r in load.returns] == ["df"] and load.returns[0].hint == "pd.DataFrame"
    clean = _stage(sales, "clean_and_add_features")
    # df.dropna(inplace=True) and del df[...] mutate df: it is both input and output
    assert "df" in [p.name for p in clean.params] and "df" in [r.name for r in clean.returns]
    # add_features reads the global SCALE: the stage must receive it
    assert "SCALE" in [p.name for p in clean.params]
    train = _stage(sales, "train")
    # model.fit(...) mutates model; later stages read it
    assert "model" in [r.name for r in train.returns]
    assert {p.name for p in train.params} >= {"df", "alpha", "random_state"}
    assert any(p.hint == "int" for p in train.params if p.name == "random_state")


def test_functions_reading_globals_get_keyword_parameters(sales):
    fns = {f.name: f for f in sales.functions}
    assert fns["add_features"].placement == "module" and fns["add_features"].added_keywords == ["SCALE"]
    assert fns["ResidualSummary"].kind == "class" and fns["ResidualSummary"].placement == "module"
    # a function assigning a global stays with its stage (its `global` becomes `nonlocal`)
    assert fns["bump"].placement == "inline" and "global" in fns["bump"].reason


def test_parameters_cell_seeds_and_constants_are_lifted(sales):
    params = {p.field: p for p in sales.parameters}
    assert {"n_samples", "noise", "alpha"} <= set(params)
    assert params["n_samples"].origin == "parameters cell" and params["n_samples"].value == 400
    assert params["scale"].name == "SCALE" and params["scale"].origin == "constant"
    assert params["seed"].value == 42 and params["random_state"].value == 0
    assert {a.path for a in sales.artifacts} == {"model.joblib", "predictions.csv"}
    assert sales.dependencies == ["scikit-learn==1.9.1"]


def test_display_magics_plots_and_commented_code_are_dropped_with_reasons(sales):
    reasons = {(d.cell, d.text.strip()): d.reason for d in sales.dropped}
    assert "pip install" in reasons[(1, "!pip install -q scikit-learn==1.9.1")]
    assert "magic" in reasons[(1, "%matplotlib inline")]
    assert "display-only" in reasons[(5, "df.head()")]
    assert "display-only" in reasons[(6, "df.describe()")]
    assert reasons[(9, "# df = df[df.x1 > 0]")] == "commented-out code"
    assert "cell magic %%time" in reasons[(11, "%%time")]
    assert "plotting" in reasons[(15, "ax.scatter(y_test, preds)")]
    assert "print" in reasons[(14, "print(metrics)")]
    # model.fit(...) as a bare expression is kept (it mutates the model)
    assert not any("fit(" in text for (_, text) in reasons)


def test_results_are_plain_top_level_values(sales):
    assert {"rmse", "r2", "metrics", "mae", "verdict", "summary"} <= set(sales.results)
    assert "seed" not in sales.results  # an invented name, not a notebook value


@pytest.mark.parametrize("name", MESSY)
def test_every_code_line_is_kept_transformed_or_dropped(name):
    """Provenance accounts for every non-blank line of every code cell (no lost lines)."""
    path = NOTEBOOKS / name
    bp = plan(path, "/tmp/never-written")
    assert bp.plan.ok, bp.plan.problems
    texts, segments = generate_code(bp)
    prov = json.loads(build_provenance(bp.plan, bp.notebook, segments, "0.0.0"))
    covered = covered_lines(prov)
    lost = [(cell, line) for cell, lines in code_lines(path).items() for line in lines
            if line not in covered.get(cell, {})]
    assert lost == []
    # and the segments point at real generated lines
    for rel, segs in prov["files"].items():
        n = len(texts[rel].split("\n"))
        assert all(1 <= s["lines"][0] <= s["lines"][1] <= n for s in segs), rel


def test_generated_code_compiles_and_keeps_comments():
    bp = plan(NOTEBOOKS / "sales_forecast.ipynb", "/tmp/never-written")
    texts, _ = generate_code(bp)
    for rel, text in texts.items():
        if rel.endswith(".py"):
            compile(text, rel, "exec")
    funcs = texts["src/sales_forecast/functions.py"]
    assert "def add_features(d, *, SCALE):" in funcs
    assert "# the scaled column uses the global SCALE" in funcs
    clean = texts["src/sales_forecast/stages/clean_and_add_features.py"]
    assert "df = add_features(df, SCALE=SCALE)" in clean
    assert 'del df["region"]  # not used by the model' in clean
    evaluate = texts["src/sales_forecast/stages/evaluate.py"]
    assert "nonlocal calls" in evaluate and "global calls" not in evaluate
    save = texts["src/sales_forecast/stages/save.py"]
    assert 'os.path.join(output_dir, "model.joblib")' in save
    churn = plan(NOTEBOOKS / "churn_classifier.ipynb", "/tmp/never-written")
    texts, _ = generate_code(churn)
    features = texts["src/churn_classifier/stages/features_stage.py"]
    assert "add_risk(df, CALLS_LIMIT=CALLS_LIMIT)" in features
    funcs = texts["src/churn_classifier/functions.py"]
    # add_risk passes risk_flag as a value: it is bound to the global it reads
    assert "functools.partial(risk_flag, CALLS_LIMIT=CALLS_LIMIT)" in funcs
    assert "def add_risk(frame, *, CALLS_LIMIT):" in funcs


def test_syntax_error_is_explained_with_the_cell(tmp_path):
    nb = write_notebook(tmp_path / "broken.ipynb", [("code", "x = 1"), ("code", "y = (x +\n")])
    p = api.plan_productionise(nb)
    assert not p.ok
    assert p.problems[0].cell == 1 and p.problems[0].rule == "syntax-error"


def test_use_before_define_is_explained_with_the_cell(tmp_path):
    nb = write_notebook(tmp_path / "order.ipynb", [("code", "y = x * 2"), ("code", "x = 1")])
    p = api.plan_productionise(nb)
    assert not p.ok
    problem = p.problems[0]
    assert problem.cell == 0 and problem.line == 1 and problem.rule == "use-before-define"
    assert "x" in problem.message


def test_non_python_kernel_is_refused(tmp_path):
    nb = write_notebook(tmp_path / "r.ipynb", [("code", "x <- 1")], language="R")
    p = api.plan_productionise(nb)
    assert not p.ok and p.problems[0].rule == "unsupported-kernel"


def test_names_only_dropped_code_defines_are_reported(tmp_path):
    nb = write_notebook(tmp_path / "shell.ipynb", [("code", "files = !ls"), ("code", "n = len(files)")])
    p = api.plan_productionise(nb)
    assert not p.ok
    assert p.problems[0].cell == 1 and "files" in p.problems[0].message


def test_notebook_without_hints_gets_one_stage_per_cell(tmp_path):
    nb = write_notebook(tmp_path / "flat.ipynb", [("code", "a = [1, 2]"), ("code", "b = sum(a)"),
                                                 ("code", "b")])
    p = api.plan_productionise(nb)
    assert [s.name for s in p.stages] == ["stage_1", "stage_2"]
    assert p.stages[1].signature() == "stage_2(a: list) -> Any"


def test_stage_tags_start_stages(tmp_path):
    nb = write_notebook(tmp_path / "tags.ipynb", [("code", "a = 1", ["stage:prepare"]),
                                                 ("code", "b = a + 1"),
                                                 ("code", "c = b * 2", ["stage:finish"])])
    p = api.plan_productionise(nb)
    assert [(s.name, s.cells) for s in p.stages] == [("prepare", [0, 1]), ("finish", [2])]


def test_percent_script_notebooks_plan_too(tmp_path):
    script = tmp_path / "job.py"
    script.write_text("# %% [markdown]\n# # Job\n# %%\nimport math\nr = 2.0\n# %%\narea = math.pi * r ** 2\n",
                      encoding="utf-8")
    p = api.plan_productionise(script)
    assert p.ok and "area" in p.results and p.package == "job"


def test_plan_of_a_missing_file_raises_a_one_line_error(tmp_path):
    from jupyter_mlops.errors import NotebookReadError
    with pytest.raises(NotebookReadError, match="file not found"):
        api.plan_productionise(tmp_path / "nope.ipynb")


def test_absolute_write_paths_are_relocated_under_the_output_directory(tmp_path):
    nb = write_notebook(tmp_path / "abs.ipynb", [
        ("code", "import os\nos.chdir('/home/someone/project')"),
        ("code", "import pickle\nmodel = {'w': 1}\nwith open('/home/someone/models/m.pkl', 'wb') as fh:\n"
                 "    pickle.dump(model, fh)")])
    bp = plan(nb, tmp_path / "pkg")
    assert [a.path for a in bp.plan.artifacts] == ["m.pkl"]
    assert any("working directory" in d.reason for d in bp.plan.dropped)
    texts, _ = generate_code(bp)
    stage = next(t for k, t in texts.items() if "/stages/" in k and "pickle" in t)
    assert "open(os.path.join(output_dir, 'm.pkl'), 'wb')" in stage
    assert "/home/someone" not in "".join(texts.values())
