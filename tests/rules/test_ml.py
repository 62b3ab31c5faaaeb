"""ML rules: missing-random-seed (NB501), missing-random-state (NB502), preprocessing-leakage
(NB503), fit-on-test-data (NB504), pickle-model-export (NB505)."""

from __future__ import annotations

import importlib.util

import pytest
from nbtest import findings, make_notebook

from jupyter_mlops.linter.config import LintConfig
from jupyter_mlops.linter.engine import lint_notebook
from jupyter_mlops.linter.fixes import fix_notebook
from jupyter_mlops.linter.rules import ml

HAVE_SKLEARN = importlib.util.find_spec("sklearn") is not None


def lint(code: str, rule: str):
    return findings("# %%\n" + code, rule)


def cells(*sources: str, rule: str):
    return lint_notebook(make_notebook(*sources), LintConfig(select=(rule,)))


def fix(*sources: str, rule: str, unsafe: bool = False, seed: int = 42):
    return fix_notebook(make_notebook(*sources), LintConfig(select=(rule,), seed=seed), unsafe=unsafe)


# -- missing-random-seed ---------------------------------------------------------------------

@pytest.mark.parametrize("code,lib", [
    ("import numpy as np\nx = np.random.rand(3)", "NumPy"),
    ("import numpy\nnumpy.random.shuffle(items)", "NumPy"),
    ("import numpy.random as npr\nx = npr.normal(0, 1, 10)", "NumPy"),
    ("from numpy.random import randint\nk = randint(0, 10)", "NumPy"),
    ("import random\nrandom.shuffle(items)", "random"),
    ("from random import choice as pick\nx = pick(items)", "random"),
    ("import torch\nw = torch.randn(3, 3)", "PyTorch"),
    ("import torch.nn as nn\nnn.init.xavier_uniform_(w)", "PyTorch"),
    ("import tensorflow as tf\nx = tf.random.normal((2, 2))", "TensorFlow"),
    ("from torch.utils.data import DataLoader\nloader = DataLoader(ds, batch_size=32, shuffle=True)", "PyTorch"),
])
def test_unseeded_global_generators(code, lib):
    (f,) = lint(code, "missing-random-seed")
    assert lib in f.message and f.severity.value == "warning"


@pytest.mark.parametrize("code", [
    "import numpy as np\nnp.random.seed(0)\nx = np.random.rand(3)",
    "import random\nrandom.seed(1)\nrandom.shuffle(items)",
    "import torch\ntorch.manual_seed(0)\nw = torch.randn(3)",
    "import tensorflow as tf\ntf.random.set_seed(0)\nx = tf.random.uniform((2,))",
    "import numpy as np\nimport random\nimport tensorflow as tf\ntf.keras.utils.set_random_seed(0)\n"
    "a = np.random.rand(2)\nb = random.random()\nc = tf.random.normal((1,))",
    "import numpy as np\nfrom transformers import set_seed\nset_seed(0)\nx = np.random.rand(2)",
    "import numpy as np\nrng = np.random.default_rng(42)\nx = rng.normal(size=3)",
    "import numpy as np\nx = np.random.RandomState(0).rand(3)",
    "import tensorflow as tf\nx = tf.random.stateless_normal((2,), seed=(1, 2))",
    "import tensorflow as tf\nx = tf.random.normal((2,), seed=3)",
    "import numpy as np\nx = np.zeros(3)",
    "from torch.utils.data import DataLoader\nloader = DataLoader(ds, batch_size=32)",
    "import torch\nfrom torch.utils.data import DataLoader\ng = torch.Generator().manual_seed(0)\n"
    "loader = DataLoader(ds, shuffle=True, generator=g)",
    "import numpy as np\nimport torch\nimport random\n"
    "def seed_everything(seed):\n    random.seed(seed)\n    np.random.seed(seed)\n    torch.manual_seed(seed)\n"
    "seed_everything(0)\nx = np.random.rand(3) + random.random()\nw = torch.rand(2)",
])
def test_seeded_or_not_random(code):
    assert lint(code, "missing-random-seed") == []


@pytest.mark.parametrize("code", ["import numpy as np\nnp.random.seed()\nx = np.random.rand(3)",
                                  "import random\nrandom.seed(None)\nrandom.shuffle(items)"])
def test_seeding_from_the_clock_is_no_seed(code):
    assert len(lint(code, "missing-random-seed")) == 1


def test_reported_once_per_library_at_first_use():
    found = cells("import numpy as np\nimport random", "a = np.random.rand(3)\nb = np.random.rand(3)",
                  "c = random.random()\nd = np.random.randn(2)", rule="missing-random-seed")
    assert [(f.cell, f.line) for f in found] == [(1, 1), (2, 1)]


def test_seed_set_only_later_is_reported():
    (f,) = cells("import numpy as np\nx = np.random.rand(3)", "np.random.seed(0)", rule="missing-random-seed")
    assert f.cell == 0 and "only further down" in f.message


def test_use_inside_a_function_called_after_the_seed_is_fine():
    assert cells("import numpy as np\ndef noisy(n):\n    return np.random.rand(n)",
                 "np.random.seed(0)\nx = noisy(3)", rule="missing-random-seed") == []


def test_unseeded_generators_are_reported_each_time_and_fixed():
    src = "import numpy as np\nrng = np.random.default_rng()\nother = np.random.default_rng(None)\n"
    found = cells(src, rule="missing-random-seed")
    assert len(found) == 2
    result = fix(src, rule="missing-random-seed", seed=7)
    assert result.changes == {0: "import numpy as np\nrng = np.random.default_rng(7)\n"
                                 "other = np.random.default_rng(None)\n"}


def test_seed_fix_goes_after_the_import_block_with_the_notebooks_alias():
    result = fix("# setup\nimport numpy as np  # numerics\nimport pandas as pd\n\ndf = pd.DataFrame()",
                 "x = np.random.rand(3)", rule="missing-random-seed")
    assert result.changes == {0: "# setup\nimport numpy as np  # numerics\nimport pandas as pd\n"
                                 "np.random.seed(42)\n\ndf = pd.DataFrame()"}
    assert result.remaining == []


def test_seed_fix_for_several_libraries_uses_config_seed():
    result = fix("import numpy as onp\nimport random\nimport torch",
                 "a = onp.random.rand(2)\nb = random.random()\nc = torch.rand(2)",
                 rule="missing-random-seed", seed=123)
    (src,) = result.changes.values()
    assert src.startswith("import numpy as onp\nimport random\nimport torch\n")
    assert sorted(src.split("\n")[3:]) == ["onp.random.seed(123)", "random.seed(123)", "torch.manual_seed(123)"]
    assert result.remaining == []


def test_seed_fix_follows_a_late_import():
    result = fix("import numpy as np\nx = np.zeros(2)", "import torch\n\nw = torch.randn(2)",
                 rule="missing-random-seed")
    assert result.changes == {1: "import torch\ntorch.manual_seed(42)\n\nw = torch.randn(2)"}


def test_seed_fix_imports_the_module_when_only_a_function_was_imported():
    result = fix("from random import shuffle\nshuffle(items)", rule="missing-random-seed")
    assert result.changes == {0: "from random import shuffle\nimport random\nrandom.seed(42)\nshuffle(items)"}
    assert result.remaining == []


# -- missing-random-state --------------------------------------------------------------------

@pytest.mark.parametrize("code,name", [
    ("from sklearn.model_selection import train_test_split\na, b = train_test_split(X)", "train_test_split"),
    ("from sklearn.ensemble import RandomForestClassifier as RFC\nm = RFC(n_estimators=100)", "RandomForestClassifier"),
    ("from sklearn import ensemble\nm = ensemble.GradientBoostingRegressor()", "GradientBoostingRegressor"),
    ("import sklearn.cluster\nkm = sklearn.cluster.KMeans(3)", "KMeans"),
    ("from sklearn.model_selection import KFold\ncv = KFold(5, shuffle=True)", "KFold"),
    ("from sklearn.model_selection import StratifiedKFold\ncv = StratifiedKFold(n_splits=5, shuffle=True)",
     "StratifiedKFold"),
    ("from sklearn.model_selection import ShuffleSplit\ncv = ShuffleSplit(5)", "ShuffleSplit"),
    ("from sklearn.linear_model import LogisticRegression\nm = LogisticRegression(solver='saga')",
     "LogisticRegression"),
    ("from sklearn.decomposition import PCA\np = PCA(n_components=2)", "PCA"),
    ("from sklearn.datasets import make_classification\nX, y = make_classification(200)", "make_classification"),
    ("from sklearn.svm import SVC\nm = SVC(probability=True)", "SVC"),
    ("from sklearn.tree import DecisionTreeClassifier\nm = DecisionTreeClassifier(max_depth=3)",
     "DecisionTreeClassifier"),
    ("from sklearn.model_selection import RandomizedSearchCV\ns = RandomizedSearchCV(m, grid)", "RandomizedSearchCV"),
])
def test_random_state_missing(code, name):
    (f,) = lint(code, "missing-random-state")
    assert f"`{name}`" in f.message


@pytest.mark.parametrize("code", [
    "from sklearn.model_selection import train_test_split\na, b = train_test_split(X, random_state=0)",
    "from sklearn.model_selection import train_test_split\na, b = train_test_split(X, shuffle=False)",
    "from sklearn.model_selection import KFold\ncv = KFold(5)",
    "from sklearn.model_selection import KFold\ncv = KFold(n_splits=5, shuffle=False)",
    "from sklearn.model_selection import StratifiedKFold\ncv = StratifiedKFold(5, shuffle=True, random_state=1)",
    "from sklearn.linear_model import LogisticRegression\nm = LogisticRegression(max_iter=1000)",
    "from sklearn.linear_model import LinearRegression\nm = LinearRegression()",
    "from sklearn.model_selection import cross_val_score\ns = cross_val_score(m, X, y, cv=5)",
    "from sklearn.model_selection import GridSearchCV\ns = GridSearchCV(m, grid)",
    "from sklearn.preprocessing import StandardScaler\ns = StandardScaler()",
    "from sklearn.svm import SVC\nm = SVC(kernel='rbf')",
    "from sklearn.decomposition import PCA\np = PCA(2, svd_solver='full')",
    "from sklearn.ensemble import RandomForestClassifier\nm = RandomForestClassifier(**params)",
    "from sklearn.metrics import accuracy_score\na = accuracy_score(y, p)",
    "import xgboost as xgb\nm = xgb.XGBClassifier()",
    "from sklearn.ensemble import RandomForestClassifier\nm = RandomForestClassifier()\nm.set_params(random_state=3)",
    "class RandomForestClassifier:\n    pass\nm = RandomForestClassifier()",
])
def test_random_state_not_needed(code):
    assert lint(code, "missing-random-state") == []


@pytest.mark.skipif(not HAVE_SKLEARN, reason="scikit-learn not installed")
def test_fetchers_with_fixed_default_seed_are_fine():
    assert lint("from sklearn.datasets import fetch_20newsgroups\nd = fetch_20newsgroups()",
                "missing-random-state") == []


@pytest.mark.parametrize("before,after", [
    ("from sklearn.model_selection import train_test_split\n"
     "X_tr, X_te = train_test_split(X, test_size=0.2)  # split\n",
     "from sklearn.model_selection import train_test_split\n"
     "X_tr, X_te = train_test_split(X, test_size=0.2, random_state=42)  # split\n"),
    ("from sklearn.ensemble import RandomForestClassifier\nm = RandomForestClassifier()",
     "from sklearn.ensemble import RandomForestClassifier\nm = RandomForestClassifier(random_state=42)"),
    ("from sklearn.model_selection import train_test_split\nparts = train_test_split(\n    X,\n    y,\n"
     "    test_size=0.25,\n)",
     "from sklearn.model_selection import train_test_split\nparts = train_test_split(\n    X,\n    y,\n"
     "    test_size=0.25, random_state=42\n)"),
])
def test_random_state_fix(before, after):
    result = fix(before, rule="missing-random-state")
    assert result.changes == {0: after}
    assert result.remaining == []


def test_random_state_fix_uses_configured_seed():
    result = fix("from sklearn.cluster import KMeans\nkm = KMeans(4)", rule="missing-random-state", seed=2024)
    assert result.changes == {0: "from sklearn.cluster import KMeans\nkm = KMeans(4, random_state=2024)"}


def test_builtin_list_is_used_without_sklearn(monkeypatch):
    ml.sklearn_signature.cache_clear()
    monkeypatch.setattr(ml, "_find_definition", lambda module, name, depth=0: None)
    try:
        assert ml.takes_random_state("sklearn.ensemble.RandomForestClassifier") is not None
        assert ml.takes_random_state("sklearn.preprocessing.StandardScaler") is None
        assert len(lint("from sklearn.model_selection import train_test_split\na = train_test_split(X)",
                        "missing-random-state")) == 1
    finally:
        ml.sklearn_signature.cache_clear()


@pytest.mark.slow
@pytest.mark.skipif(not HAVE_SKLEARN, reason="scikit-learn not installed")
def test_builtin_list_agrees_with_the_installed_sklearn():
    import importlib
    import inspect

    from sklearn.experimental import enable_halving_search_cv, enable_iterative_imputer  # noqa: F401
    modules = ["model_selection", "ensemble", "tree", "linear_model", "neural_network", "cluster",
               "decomposition", "manifold", "mixture", "svm", "datasets", "utils", "inspection", "dummy",
               "preprocessing", "feature_selection", "kernel_approximation", "random_projection", "impute"]
    for name in sorted(ml.RANDOM_STATE_FALLBACK):
        for mod in modules:
            obj = getattr(importlib.import_module(f"sklearn.{mod}"), name, None)
            if obj is not None:
                break
        else:
            raise AssertionError(f"{name} not found in scikit-learn")
        param = inspect.signature(obj).parameters.get("random_state")
        assert param is not None and param.default is None, name
        static = ml.sklearn_signature(f"sklearn.{mod}.{name}")
        assert static is not None and static.random_state_default == "none", name


# -- preprocessing-leakage -------------------------------------------------------------------

SPLIT = "from sklearn.model_selection import train_test_split, cross_val_score, KFold\n"
PRE = "from sklearn.preprocessing import StandardScaler, LabelEncoder, MinMaxScaler\n"


@pytest.mark.parametrize("sources,cell,line", [
    ((PRE + SPLIT + "X_s = StandardScaler().fit_transform(X)\nXtr, Xte, ytr, yte = train_test_split(X_s, y)",),
     0, 3),
    ((PRE + SPLIT, "scaler = StandardScaler()\nscaler.fit(X)", "X_scaled = scaler.transform(X)",
      "a, b, c, d = train_test_split(X_scaled, y, random_state=0)"), 1, 2),
    ((PRE + SPLIT, "num = ['age', 'income']\ndf[num] = MinMaxScaler().fit_transform(df[num])",
      "X_train, X_test, y_train, y_test = train_test_split(df.drop(columns='y'), df['y'])"), 1, 2),
    ((PRE + SPLIT + "import pandas as pd", "Z = StandardScaler().fit_transform(X)\nframe = pd.DataFrame(Z)",
      "train, test = train_test_split(frame)"), 1, 1),
    ((PRE + SPLIT, "X_s = StandardScaler().fit_transform(X)", "scores = cross_val_score(model, X_s, y, cv=5)"),
     1, 1),
    ((PRE + SPLIT + "from sklearn.feature_selection import SelectKBest",
      "X_sel = SelectKBest(k=10).fit_transform(X, y)",
      "for tr, te in KFold(5).split(X_sel):\n    pass"), 1, 1),
    ((PRE + SPLIT + "from sklearn.model_selection import GridSearchCV",
      "X_s = StandardScaler().fit_transform(X)",
      "gs = GridSearchCV(model, {'C': [1, 10]})\ngs.fit(X_s, y)"), 1, 1),
    ((PRE + SPLIT + "from sklearn.compose import make_column_transformer",
      "pre = make_column_transformer((StandardScaler(), ['a', 'b']))\nX = pre.fit_transform(df)",
      "X_train, X_test, y_train, y_test = train_test_split(X, df['y'])"), 1, 2),
    ((PRE + SPLIT + "from sklearn.impute import SimpleImputer",
      "imp = SimpleImputer()\nX = imp.fit_transform(X)", "X_train, X_test = train_test_split(X)"), 1, 2),
])
def test_leakage(sources, cell, line):
    (f,) = cells(*sources, rule="preprocessing-leakage")
    assert (f.cell, f.line) == (cell, line)
    assert f.severity.value == "error" and "split" in f.message


@pytest.mark.parametrize("sources", [
    (PRE + SPLIT + "Xtr, Xte, ytr, yte = train_test_split(X, y)\nsc = StandardScaler().fit(Xtr)\n"
     "Xtr = sc.transform(Xtr)\nXte = sc.transform(Xte)",),
    (PRE + SPLIT + "from sklearn.pipeline import make_pipeline\nfrom sklearn.linear_model import LogisticRegression\n"
     "model = make_pipeline(StandardScaler(), LogisticRegression())\ns = cross_val_score(model, X, y)",),
    (PRE + SPLIT + "from sklearn.decomposition import PCA", "coords = PCA(2).fit_transform(X)\nplot(coords)",
     "Xtr, Xte = train_test_split(X)"),
    (PRE + SPLIT, "y = LabelEncoder().fit_transform(y)", "Xtr, Xte, ytr, yte = train_test_split(X, y)"),
    (PRE + SPLIT, "sc = MinMaxScaler().fit(df.loc[train_idx, cols])\ndf[cols] = sc.transform(df[cols])",
     "a, b = train_test_split(df)"),
    (PRE + SPLIT, "X_s = StandardScaler().fit_transform(X)", "X_s = X.copy()", "a, b = train_test_split(X_s)"),
])
def test_no_leakage(sources):
    assert cells(*sources, rule="preprocessing-leakage") == []


# -- fit-on-test-data ------------------------------------------------------------------------

@pytest.mark.parametrize("code,name", [
    (SPLIT + PRE + "X_train, X_test, y_train, y_test = train_test_split(X, y)\n"
     "sc = StandardScaler()\nX_train = sc.fit_transform(X_train)\nX_test = sc.fit_transform(X_test)", "X_test"),
    (SPLIT + "a, b, c, d = train_test_split(X, y, random_state=0)\nmodel.fit(b, d)", "b"),
    (SPLIT + "a, b, c, d = train_test_split(X, y, random_state=0)\nb2 = b.copy()\nmodel.fit(X=b2, y=d)", "b2"),
    (SPLIT + "tr, va = train_test_split(df, test_size=0.1)\nclf.fit(va[features], va['y'])", "va"),
    ("model.fit(test_df[features], test_df['y'])", "test_df"),
    ("model.partial_fit(X_holdout, y_holdout)", "X_holdout"),
    ("km.fit_predict(Xtest)", "Xtest"),
    ("history = model.fit(x=x_test, y=y_test, epochs=3)", "x_test"),
])
def test_fit_on_test(code, name):
    (f,) = lint(code, "fit-on-test-data")
    assert f"`{name}`" in f.message and f.severity.value == "error"


@pytest.mark.parametrize("code", [
    SPLIT + "X_train, X_test, y_train, y_test = train_test_split(X, y)\nmodel.fit(X_train, y_train)\n"
    "p = model.predict(X_test)\ns = model.score(X_test, y_test)\nZ = sc.transform(X_test)",
    "model.fit(X_val, y_val)",
    "model.fit(X_train_test, y)",
    SPLIT + "X1, X2, y1, y2 = train_test_split(X, y, train_size=0.5)\nm.fit(X1, y1).predict(X2)\nm.fit(X2, y2)",
    SPLIT + "from eli5.sklearn import PermutationImportance\n"
    "tr, val_X, tr_y, val_y = train_test_split(X, y)\nperm = PermutationImportance(m).fit(val_X, val_y)",
    "from scipy import stats\nparams = stats.norm.fit(test_scores)",
    "model.fit(X_train, y_train, validation_data=(X_test, y_test))",
    SPLIT + "X_train, X_test = train_test_split(X)\nX_test = load_fresh()\nmodel.fit(X_train)",
])
def test_not_fit_on_test(code):
    assert lint(code, "fit-on-test-data") == []


# -- pickle-model-export ---------------------------------------------------------------------

@pytest.mark.parametrize("code,subject", [
    ("import pickle\nwith open('m.pkl', 'wb') as f:\n    pickle.dump(model, f)", "model `model`"),
    ("import pickle as pk\npk.dump(clf, open('c.pkl', 'wb'))", "model `clf`"),
    ("from joblib import dump as save\nsave(rf, 'rf.joblib')", "`joblib.dump`"),
    ("from sklearn.ensemble import RandomForestClassifier\nimport joblib\n"
     "forest = RandomForestClassifier(random_state=0).fit(X, y)\njoblib.dump(forest, 'f.joblib')", "model `forest`"),
    ("import pickle\nblob = pickle.dumps(vocab)", "`pickle.dumps` writes a pickle"),
    ("import dill\ndill.dump(pipeline, open('p.pkl', 'wb'))", "model `pipeline`"),
    ("import cloudpickle\ncloudpickle.dump(est, f)", "`cloudpickle.dump`"),
])
def test_pickled_exports(code, subject):
    (f,) = lint(code, "pickle-model-export")
    assert subject in f.message


@pytest.mark.parametrize("code", [
    "import torch\ntorch.save(net, 'net.pt')",
    "import torch\nimport torch.nn as nn\nm = nn.Linear(3, 1)\ntorch.save(m, 'm.pt')",
    "import torch\ntorch.save(self.model, 'm.pt')",
    "import torch\nimport torch.nn as nn\nclass Net(nn.Module):\n    pass\n"
    "m = Net().to('cpu')\nm.eval()\ntorch.save(m, 'm.pt')",
])
def test_torch_save_of_whole_model(code):
    (f,) = lint(code, "pickle-model-export")
    assert "state_dict" in f.message


@pytest.mark.parametrize("code", [
    "import torch\ntorch.save(model.state_dict(), 'm.pt')",
    "import torch\ntorch.save({'model': model.state_dict(), 'epoch': 3}, 'ckpt.pt')",
    "import torch\ntorch.save(embeddings, 'emb.pt')",
    "import pandas as pd\ndf = pd.DataFrame()\ndf.to_pickle('df.pkl')",
    "import skops.io as sio\nsio.dump(model, 'model.skops')",
    "model.save('model.keras')",
    "import json\njson.dump(params, open('p.json', 'w'))",
])
def test_safe_exports(code):
    assert lint(code, "pickle-model-export") == []


# -- the real corpus -------------------------------------------------------------------------

@pytest.mark.slow
@pytest.mark.xdist_group("corpus")  # the one corpus lint, on one worker
def test_corpus_lints_without_crashing(corpus_report):
    # The session's one lint of the corpus with every rule (tests/conftest.py).
    report = corpus_report
    assert len(report.files) > 500
    found = [f for r in report.files for f in r.findings if f.code[:3] in ("NB4", "NB5")]
    assert {f.code[:3] for f in found} == {"NB4", "NB5"}  # security and ML rules both fire
    # Every finding points into a real cell line.
    for r in report.files:
        for f in r.findings:
            if f.code[:3] in ("NB4", "NB5") and f.cell is not None and r.notebook is not None:
                assert 1 <= f.line <= len(r.notebook.cells[f.cell].source.split("\n"))


def test_random_state_set_later_through_a_full_width_name_counts():
    """`ｓｅｔ_params` is `set_params` to Python: the quick text test must not miss it."""
    nb = make_notebook("from sklearn.ensemble import RandomForestClassifier\nm = RandomForestClassifier()",
                       "m.\uff53\uff45\uff54_params(random_state=0)")
    assert findings(nb, "missing-random-state") == []
