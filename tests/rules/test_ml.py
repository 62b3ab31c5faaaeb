"""ML rules: missing-random-seed (NB501), missing-random-state (NB502), preprocessing-leakage
(NB503), fit-on-test-data (NB504), pickle-model-export (NB505)."""

from __future__ import annotations

import importlib.util

import pytest
from nbtest import findings, make_notebook

from jupyter_mlops.linter.config import LintConfig
from jupyter_mlops.linter.engine import lint_notebook
from jupyter_mlops.linter.fixes import fix_notebook
from jupyter_mlops.linter.rules.ml import sklearn_signatures

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


@pytest.mark.parametrize("code,lib", [
    ("import tensorflow as tf\nw = tf.Variable(tf.random_normal([784, 10]))", "TensorFlow"),
    ("import tensorflow as tf\nw = tf.Variable(tf.truncated_normal([5, 5, 1, 32], stddev=0.1))", "TensorFlow"),
    ("import tensorflow.compat.v1 as tf\nx = tf.random_uniform([3])", "TensorFlow"),
    ("import tensorflow as tf\ninit = tf.keras.initializers.GlorotUniform()", "Keras"),
    ("from tensorflow import keras\nfrom tensorflow.keras import layers\n"
     "model = keras.Sequential([layers.Dense(64, activation='relu'), layers.Dense(1)])", "Keras"),
    ("import keras\nx = keras.layers.Dropout(0.5)", "Keras"),
    ("import torch.nn as nn\nfc = nn.Linear(10, 2)", "PyTorch"),
    ("import torch\nfrom torch import nn\nnet = nn.Sequential(nn.Conv2d(1, 8, 3), nn.ReLU())", "PyTorch"),
    ("from torchvision import transforms\nt = transforms.RandomHorizontalFlip()", "PyTorch"),
])
def test_unseeded_tensorflow_keras_and_torch(code, lib):
    (f,) = lint(code, "missing-random-seed")
    assert lib in f.message and "global random generator" in f.message


@pytest.mark.parametrize("code", [
    "import tensorflow as tf\ntf.set_random_seed(1)\nw = tf.Variable(tf.random_normal([784, 10]))",
    "import tensorflow as tf\ntf.random.set_seed(1)\nmodel = tf.keras.Sequential([tf.keras.layers.Dense(3)])",
    "import keras\nkeras.utils.set_random_seed(0)\nx = keras.layers.Dense(3)",
    "import torch\nimport torch.nn as nn\ntorch.manual_seed(0)\nfc = nn.Linear(10, 2)",
    "import torch.nn as nn\nact = nn.ReLU()\nnorm = nn.BatchNorm1d(3)",
    "import tensorflow as tf\nlayer = tf.keras.layers.Flatten()\nz = tf.keras.initializers.Zeros()",
    "import keras\nk = keras.initializers.GlorotUniform(seed=1)",
])
def test_seeded_or_not_random_deep_learning(code):
    assert lint(code, "missing-random-seed") == []


def test_keras_seed_fix_uses_the_notebooks_import_and_seed_constant():
    result = fix("import numpy as np\nfrom tensorflow import keras\nSEED = 7",
                 "model = keras.Sequential([keras.layers.Dense(1)])", rule="missing-random-seed")
    assert result.changes == {0: "import numpy as np\nfrom tensorflow import keras\n"
                                 "keras.utils.set_random_seed(42)\nSEED = 7"}
    result = fix("import tensorflow as tf\nSEED = 7", "from tensorflow import keras",
                 "model = keras.Sequential([keras.layers.Dense(1)])", rule="missing-random-seed")
    assert result.changes == {1: "from tensorflow import keras\nkeras.utils.set_random_seed(SEED)"}


def test_a_reused_jax_key_gives_the_same_numbers():
    found = cells("import jax\nkey = jax.random.key(0)", "a = jax.random.normal(key, (3,))",
                  "b = jax.random.uniform(key, (3,))", "key, sub = jax.random.split(key)\nc = jax.random.normal(sub)",
                  "d = jax.random.normal(key)",
                  "k2 = jax.random.key(5)\nfor i in range(3):\n    e = jax.random.normal(k2)",
                  "for i in range(3):\n    key, step = jax.random.split(key)\n    f = jax.random.normal(step)",
                  "def sample(k):\n    x = jax.random.normal(k)\n    y = jax.random.normal(k)\n    return x + y",
                  rule="missing-random-seed")
    # Cell 6 splits `key` after cell 4 drew with it: a reuse too.
    assert [(f.cell, f.line) for f in found] == [(2, 1), (3, 1), (5, 3), (6, 2), (7, 3)]
    assert "already used by `jax.random.normal` in cell 2 (line 1)" in found[0].message
    assert "previous turn of this loop" in found[2].message
    assert "jax.random.split(key)" in found[0].hint


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
    ("from sklearn.decomposition import PCA\np = PCA(n_components=2, svd_solver='randomized')", "PCA"),
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
    # Randomized only for inputs over 500 rows and columns that are not tall and narrow.
    "from sklearn.decomposition import PCA\np = PCA(n_components=2)",
    "from sklearn.ensemble import RandomForestClassifier\nm = RandomForestClassifier(**params)",
    "from sklearn.metrics import accuracy_score\na = accuracy_score(y, p)",
    "import xgboost as xgb\nm = xgb.XGBClassifier()",
    "from sklearn.ensemble import RandomForestClassifier\nm = RandomForestClassifier()\nm.set_params(random_state=3)",
    "class RandomForestClassifier:\n    pass\nm = RandomForestClassifier()",
])
def test_random_state_not_needed(code):
    assert lint(code, "missing-random-state") == []


# (construction without random_state, does the installed scikit-learn use randomness there?)
# PCA(5) is random on the wide test data, but only on such data: not reported (see the lesson).
DATA_DEPENDENT = {"PCA(5)"}
REAL_BEHAVIOUR = [
    ("PCA(0.9)", False), ("PCA()", False), ("PCA(5, svd_solver='full')", False), ("PCA(5)", True),
    ("PCA(5, svd_solver='randomized')", True),
    ("PCA(5, svd_solver='arpack')", False), ("TruncatedSVD(5)", True), ("TruncatedSVD(5, algorithm='arpack')", False),
    ("KernelPCA()", False), ("KernelPCA(5)", False), ("KernelPCA(5, eigen_solver='randomized')", True),
    ("LogisticRegression()", False), ("LogisticRegression(solver='saga', max_iter=3)", True),
    ("Ridge()", False), ("Ridge(solver='sag', max_iter=3)", True),
    ("SGDClassifier(shuffle=False, max_iter=5)", False), ("SGDClassifier(max_iter=5)", True),
    ("LocallyLinearEmbedding(n_components=2)", True),
    ("LocallyLinearEmbedding(n_components=2, eigen_solver='dense')", False),
    ("IterativeImputer()", False), ("IterativeImputer(sample_posterior=True)", True),
    ("HistGradientBoostingClassifier(early_stopping=False, max_iter=5)", False),
    ("HistGradientBoostingClassifier(early_stopping=False, max_iter=5, max_features=0.3)", True),
    ("DummyClassifier()", False), ("DummyClassifier(strategy='stratified')", True),
    ("KFold(3)", False), ("KFold(3, shuffle=True)", True),
    ("silhouette_score", False), ("silhouette_score_sampled", True),
]


def _outcome(expr: str, seed: int):
    import numpy as np
    import sklearn
    from sklearn.experimental import enable_iterative_imputer  # noqa: F401
    from sklearn.decomposition import PCA, KernelPCA, TruncatedSVD  # noqa: F401
    from sklearn.dummy import DummyClassifier  # noqa: F401
    from sklearn.ensemble import HistGradientBoostingClassifier  # noqa: F401
    from sklearn.impute import IterativeImputer  # noqa: F401
    from sklearn.linear_model import LogisticRegression, Ridge, SGDClassifier  # noqa: F401
    from sklearn.manifold import LocallyLinearEmbedding
    from sklearn.metrics import silhouette_score
    from sklearn.model_selection import KFold  # noqa: F401
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 8))
    y = (X[:, 0] + rng.normal(size=300) > 0).astype(int)
    wide = rng.normal(size=(210, 600))  # big enough for PCA's randomized solver, KernelPCA's arpack
    if expr.startswith("silhouette_score"):
        kw = {"sample_size": 100} if expr.endswith("sampled") else {}
        return silhouette_score(X, y, random_state=seed, **kw)
    seeded = expr.replace("()", f"(random_state={seed})") if expr.endswith("()") else \
        expr[:-1] + f", random_state={seed})"
    try:
        est = eval(seeded, {**globals(), **locals()})  # the classes imported above
    except ValueError as exc:  # KFold without shuffle refuses a seed: "it has no effect"
        assert "no effect" in str(exc)
        return np.zeros(1)
    with sklearn.config_context(assume_finite=True):
        if hasattr(est, "split"):
            return np.concatenate([test for _, test in est.split(X)])
        if hasattr(est, "predict") and not isinstance(est, (PCA, KernelPCA, TruncatedSVD)):
            est.fit(X[:200], y[:200])
            return est.predict_proba(X) if hasattr(est, "predict_proba") else est.predict(X)
        if isinstance(est, IterativeImputer):
            holes = X[:, :5].copy()
            holes[::7, 1] = np.nan
            return est.fit_transform(holes)
        if isinstance(est, LocallyLinearEmbedding):
            return est.fit_transform(X)
        return est.fit_transform(wide)


@pytest.mark.skipif(not HAVE_SKLEARN, reason="scikit-learn not installed")
@pytest.mark.parametrize("expr,random", REAL_BEHAVIOUR)
def test_random_state_verdict_matches_the_installed_sklearn(expr, random):
    import warnings

    import numpy as np
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence warnings of the deliberately short fits
        differs = not np.allclose(_outcome(expr, 0), _outcome(expr, 1))
    assert differs == random, f"scikit-learn itself: {expr} {'is' if differs else 'is not'} random"
    call = expr.replace("_sampled", "(X, labels, sample_size=100)") if expr.startswith("silhouette") else expr
    if call == "silhouette_score":
        call = "silhouette_score(X, labels)"
    code = ("from sklearn.experimental import enable_iterative_imputer\n"
            "from sklearn.decomposition import PCA, KernelPCA, TruncatedSVD\nfrom sklearn.dummy import DummyClassifier\n"
            "from sklearn.ensemble import HistGradientBoostingClassifier\nfrom sklearn.impute import IterativeImputer\n"
            "from sklearn.linear_model import LogisticRegression, Ridge, SGDClassifier\n"
            "from sklearn.metrics import silhouette_score\nfrom sklearn.model_selection import KFold\n"
            "from sklearn.manifold import LocallyLinearEmbedding\n"
            f"m = {call}")
    assert bool(lint(code, "missing-random-state")) == (random and expr not in DATA_DEPENDENT), call


@pytest.mark.skipif(not HAVE_SKLEARN, reason="scikit-learn not installed")
def test_an_ensemble_seeds_the_estimator_it_copies():
    import numpy as np
    from sklearn.ensemble import BaggingClassifier
    from sklearn.tree import DecisionTreeClassifier
    X = np.random.default_rng(0).normal(size=(200, 5))
    y = (X[:, 0] > 0).astype(int)
    # The tree's own random_state makes no difference: the ensemble's decides.
    a, b = (BaggingClassifier(DecisionTreeClassifier(random_state=s), random_state=0).fit(X, y).predict_proba(X)
            for s in (1, 2))
    assert np.array_equal(a, b)
    imports = "from sklearn.ensemble import BaggingClassifier, AdaBoostClassifier, VotingClassifier\n" \
              "from sklearn.tree import DecisionTreeClassifier\nfrom sklearn.model_selection import cross_val_score\n"
    assert lint(imports + "bag = BaggingClassifier(DecisionTreeClassifier(), random_state=0)",
                "missing-random-state") == []
    assert lint(imports + "ada = AdaBoostClassifier(estimator=DecisionTreeClassifier(max_depth=1), random_state=0)",
                "missing-random-state") == []
    assert lint(imports + "tree = DecisionTreeClassifier()\nbag = BaggingClassifier(tree, random_state=0)",
                "missing-random-state") == []
    # The ensemble itself, a tree also used on its own, and voting (which does not seed) are reported.
    (f,) = lint(imports + "bag = BaggingClassifier(DecisionTreeClassifier())", "missing-random-state")
    assert "`BaggingClassifier`" in f.message
    found = lint(imports + "tree = DecisionTreeClassifier()\nbag = BaggingClassifier(tree, random_state=0)\n"
                 "s = cross_val_score(tree, X, y)", "missing-random-state")
    assert [f.line for f in found] == [4]
    found = lint(imports + "v = VotingClassifier([('t', DecisionTreeClassifier())])", "missing-random-state")
    assert ["DecisionTreeClassifier" in f.message for f in found] == [True]


def test_numpy_seeded_above_makes_sklearn_calls_repeatable():
    code = "import numpy as np\nfrom sklearn.cluster import KMeans\nkm = KMeans(3)\nnp.random.seed(0)\nkm2 = KMeans(3)"
    assert [f.line for f in lint(code, "missing-random-state")] == [3]
    assert lint("from sklearn.mixture import GaussianMixture\ng = GaussianMixture()\nh = GaussianMixture(1)",
                "missing-random-state") == []


def test_random_state_fix_uses_the_notebooks_seed_constant():
    result = fix("SEED = 7\nfrom sklearn.cluster import KMeans", "km = KMeans(4)", rule="missing-random-state")
    assert result.changes == {1: "km = KMeans(4, random_state=SEED)"}
    (f,) = cells("RANDOM_STATE = 0", "from sklearn.cluster import KMeans\nkm = KMeans(4)", rule="missing-random-state")
    assert "random_state=RANDOM_STATE" in f.hint and "random_state=RANDOM_STATE" in f.fix.message
    # A constant defined only further down is not used; nor is a name that is not a seed.
    (f,) = cells("from sklearn.cluster import KMeans\nkm = KMeans(4)", "SEED = 3\nstate = 5",
                 rule="missing-random-state")
    assert f.fix.message == "add random_state=42"


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
    sklearn_signatures.sklearn_signature.cache_clear()
    monkeypatch.setattr(sklearn_signatures, "_find_definition", lambda module, name, depth=0: None)
    try:
        assert sklearn_signatures.takes_random_state("sklearn.ensemble.RandomForestClassifier") is not None
        assert sklearn_signatures.takes_random_state("sklearn.preprocessing.StandardScaler") is None
        assert len(lint("from sklearn.model_selection import train_test_split\na = train_test_split(X)",
                        "missing-random-state")) == 1
    finally:
        sklearn_signatures.sklearn_signature.cache_clear()


@pytest.mark.slow
@pytest.mark.skipif(not HAVE_SKLEARN, reason="scikit-learn not installed")
def test_builtin_list_agrees_with_the_installed_sklearn():
    import importlib
    import inspect

    from sklearn.experimental import enable_halving_search_cv, enable_iterative_imputer  # noqa: F401
    modules = ["model_selection", "ensemble", "tree", "linear_model", "neural_network", "cluster",
               "decomposition", "manifold", "mixture", "svm", "datasets", "utils", "inspection", "dummy",
               "preprocessing", "feature_selection", "kernel_approximation", "random_projection", "impute"]
    for name in sorted(sklearn_signatures.RANDOM_STATE_FALLBACK):
        for mod in modules:
            obj = getattr(importlib.import_module(f"sklearn.{mod}"), name, None)
            if obj is not None:
                break
        else:
            raise AssertionError(f"{name} not found in scikit-learn")
        param = inspect.signature(obj).parameters.get("random_state")
        assert param is not None and param.default is None, name
        static = sklearn_signatures.sklearn_signature(f"sklearn.{mod}.{name}")
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
    # The name already says it is a model: not "model `model`".
    ("import pickle\nwith open('m.pkl', 'wb') as f:\n    pickle.dump(model, f)", "`model` is saved with `pickle.dump`"),
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


def test_a_validation_part_carved_from_the_training_part_may_be_fitted_on():
    # Stacking: the meta-model learns on a validation part of the training data; X_test stays held out.
    code = (SPLIT + "from sklearn.linear_model import LogisticRegression\n"
            "X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)\n"
            "X_fit, X_val, y_fit, y_val = train_test_split(X_train, y_train, random_state=0)\n"
            "meta = LogisticRegression().fit(X_val, y_val)\n"
            "leak = LogisticRegression().fit(X_test, y_test)")
    found = lint(code, "fit-on-test-data")
    assert [f.line for f in found] == [6] and "held-out (test) part" in found[0].message
    # The held-out part of a split of the whole data is test data, whatever its name.
    found = lint(SPLIT + "X_train, X_valid, y_train, y_valid = train_test_split(X, y, random_state=0)\n"
                 "from sklearn.impute import SimpleImputer\nSimpleImputer().fit_transform(X_valid)", "fit-on-test-data")
    assert len(found) == 1
