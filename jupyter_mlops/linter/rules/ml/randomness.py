"""Which calls draw from a global random generator, which seed one, and which make a generator."""

from __future__ import annotations

import ast


_NUMPY_NOT_DRAWS = frozenset({
    "seed", "default_rng", "RandomState", "Generator", "SeedSequence", "BitGenerator", "PCG64",
    "PCG64DXSM", "MT19937", "Philox", "SFC64", "get_state", "set_state", "bit_generator", "mtrand",
    "get_bit_generator", "set_bit_generator",
})
_RANDOM_DRAWS = frozenset({
    "random", "randint", "randrange", "choice", "choices", "shuffle", "sample", "uniform", "gauss",
    "normalvariate", "triangular", "betavariate", "expovariate", "gammavariate", "lognormvariate",
    "vonmisesvariate", "paretovariate", "weibullvariate", "getrandbits", "randbytes",
    "binomialvariate",
})
_TORCH_DRAWS = frozenset({
    "torch.rand", "torch.randn", "torch.randint", "torch.randperm", "torch.rand_like",
    "torch.randn_like", "torch.randint_like", "torch.normal", "torch.bernoulli", "torch.multinomial",
    "torch.poisson", "torch.utils.data.random_split",
})
_TORCH_INIT_NOT_DRAWS = frozenset({"calculate_gain", "constant_", "zeros_", "ones_", "eye_", "dirac_",
                                   "constant", "zeros", "ones", "eye", "dirac"})
_ALL = ("numpy", "random", "torch", "tensorflow")
SEEDS: dict[str, tuple[str, ...]] = {
    "numpy.random.seed": ("numpy",),
    "random.seed": ("random",),
    "torch.manual_seed": ("torch",),
    "torch.random.manual_seed": ("torch",),
    "tensorflow.random.set_seed": ("tensorflow",),
    "tensorflow.set_random_seed": ("tensorflow",),
    "tensorflow.compat.v1.set_random_seed": ("tensorflow",),
    "tensorflow.compat.v1.random.set_random_seed": ("tensorflow",),
    "keras.utils.set_random_seed": ("numpy", "random", "tensorflow"),
    "tensorflow.keras.utils.set_random_seed": ("numpy", "random", "tensorflow"),
    "tf_keras.utils.set_random_seed": ("numpy", "random", "tensorflow"),
    "pytorch_lightning.seed_everything": ("numpy", "random", "torch"),
    "pytorch_lightning.utilities.seed.seed_everything": ("numpy", "random", "torch"),
    "lightning.seed_everything": ("numpy", "random", "torch"),
    "lightning.pytorch.seed_everything": ("numpy", "random", "torch"),
    "lightning.fabric.seed_everything": ("numpy", "random", "torch"),
    "transformers.set_seed": _ALL,
    "transformers.trainer_utils.set_seed": _ALL,
    "accelerate.utils.set_seed": ("numpy", "random", "torch"),
    "fastai.torch_core.set_seed": ("numpy", "random", "torch"),
}
# The first part of every qualified name the rule looks at: seeds, draws, generators.
RANDOM_ROOTS = frozenset({q.partition(".")[0] for q in SEEDS} | {"numpy", "random", "torch", "tensorflow"})
LIB_LABEL = {"numpy": "NumPy", "random": "Python's `random`", "torch": "PyTorch", "tensorflow": "TensorFlow"}


def rng_use(qual: str, call: ast.Call) -> str | None:
    """The library whose global random generator this call draws from, if any."""
    if any(kw.arg in ("seed", "random_state", "generator", "rng") for kw in call.keywords):
        return None
    if qual.startswith("numpy.random."):
        rest = qual[len("numpy.random."):]
        return "numpy" if "." not in rest and rest not in _NUMPY_NOT_DRAWS else None
    if qual.startswith("random."):
        return "random" if qual[len("random."):] in _RANDOM_DRAWS else None
    if qual in _TORCH_DRAWS:
        return "torch"
    if qual in ("torch.utils.data.DataLoader", "torch.utils.data.dataloader.DataLoader"):
        shuffle = next((k.value for k in call.keywords if k.arg == "shuffle"), None)
        if isinstance(shuffle, ast.Constant) and shuffle.value is True:
            return "torch"  # shuffles with torch's global generator unless given `generator=`
        return None
    if qual.startswith("torch.nn.init."):
        return "torch" if qual.rsplit(".", 1)[-1] not in _TORCH_INIT_NOT_DRAWS else None
    if qual.startswith("tensorflow.random."):
        name = qual[len("tensorflow.random."):]
        if name.startswith(("stateless_", "set_seed", "experimental", "Generator", "get_global",
                            "create_rng_state", "fold_in", "split")):
            return None
        return "tensorflow"
    return None


def unseeded_generator(qual: str, call: ast.Call) -> str | None:
    """`np.random.default_rng()` and friends with no seed: a fresh, unrepeatable generator."""
    if qual in ("numpy.random.default_rng", "numpy.random.RandomState", "random.Random"):
        if any(k.arg is None for k in call.keywords) or any(isinstance(a, ast.Starred) for a in call.args):
            return None
        seed = call.args[0] if call.args else next((k.value for k in call.keywords if k.arg == "seed"), None)
        if seed is None or (isinstance(seed, ast.Constant) and seed.value is None):
            return qual.rsplit(".", 1)[-1]
    if qual == "tensorflow.random.Generator.from_non_deterministic_state":
        return "Generator.from_non_deterministic_state"
    return None
