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
# TensorFlow 1 and `tf.compat.v1` sampling functions (TensorFlow 2 has them under tf.random).
_TF1_DRAWS = frozenset({"random_normal", "truncated_normal", "random_uniform", "random_shuffle", "random_crop",
                        "random_gamma", "random_poisson", "multinomial", "random_normal_initializer",
                        "truncated_normal_initializer", "random_uniform_initializer", "glorot_uniform_initializer",
                        "glorot_normal_initializer", "orthogonal_initializer", "variance_scaling_initializer",
                        "uniform_unit_scaling_initializer"})
_TF_PREFIXES = ("tensorflow.", "tensorflow.compat.v1.")
# Initialisers that draw (Keras, tf.keras, TF 2): the others (Zeros, Ones, Constant, Identity) do not.
_INITIALISERS = frozenset({"RandomNormal", "RandomUniform", "TruncatedNormal", "GlorotUniform", "GlorotNormal",
                           "HeNormal", "HeUniform", "LecunNormal", "LecunUniform", "Orthogonal", "VarianceScaling",
                           "glorot_uniform", "glorot_normal", "he_normal", "he_uniform", "lecun_normal",
                           "lecun_uniform", "orthogonal", "random_normal", "random_uniform", "truncated_normal"})
_KERAS_ROOTS = ("keras.", "tensorflow.keras.", "tf_keras.")
# Layers whose weights start random, or that draw while training (dropout, noise, augmentation).
_KERAS_RANDOM_LAYERS = frozenset({
    "Dense", "EinsumDense", "Conv1D", "Conv2D", "Conv3D", "Conv1DTranspose", "Conv2DTranspose",
    "Conv3DTranspose", "SeparableConv1D", "SeparableConv2D", "DepthwiseConv1D", "DepthwiseConv2D", "Embedding",
    "LSTM", "GRU", "SimpleRNN", "ConvLSTM1D", "ConvLSTM2D", "ConvLSTM3D", "MultiHeadAttention", "Dropout",
    "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D", "GaussianNoise", "GaussianDropout",
    "AlphaDropout", "RandomFlip", "RandomRotation", "RandomZoom", "RandomCrop", "RandomTranslation",
    "RandomContrast", "RandomBrightness", "Convolution1D", "Convolution2D", "Convolution3D",
})
_TORCH_RANDOM_LAYERS = frozenset({
    "Linear", "Bilinear", "LazyLinear", "Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d", "ConvTranspose2d",
    "ConvTranspose3d", "LazyConv1d", "LazyConv2d", "LazyConv3d", "Embedding", "EmbeddingBag", "RNN", "LSTM",
    "GRU", "RNNCell", "LSTMCell", "GRUCell", "Transformer", "TransformerEncoderLayer", "TransformerDecoderLayer",
    "MultiheadAttention", "Dropout", "Dropout1d", "Dropout2d", "Dropout3d", "AlphaDropout", "FeatureAlphaDropout",
    "RReLU",
})
_ALL = ("numpy", "random", "torch", "tensorflow", "keras")
DRAWS, INITIALISES, SHUFFLES = "draws from", "initialises its weights from", "shuffles with"
SEEDS: dict[str, tuple[str, ...]] = {
    "numpy.random.seed": ("numpy",),
    "random.seed": ("random",),
    "torch.manual_seed": ("torch",),
    "torch.random.manual_seed": ("torch",),
    "tensorflow.random.set_seed": ("tensorflow", "keras"),
    "tensorflow.set_random_seed": ("tensorflow", "keras"),
    "tensorflow.compat.v1.set_random_seed": ("tensorflow", "keras"),
    "tensorflow.compat.v1.random.set_random_seed": ("tensorflow", "keras"),
    "keras.utils.set_random_seed": ("numpy", "random", "tensorflow", "keras"),
    "tensorflow.keras.utils.set_random_seed": ("numpy", "random", "tensorflow", "keras"),
    "tf_keras.utils.set_random_seed": ("numpy", "random", "tensorflow", "keras"),
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
RANDOM_ROOTS = frozenset({q.partition(".")[0] for q in SEEDS}
                         | {"numpy", "random", "torch", "tensorflow", "keras", "tf_keras", "torchvision"})
LIB_LABEL = {"numpy": "NumPy", "random": "Python's `random`", "torch": "PyTorch", "tensorflow": "TensorFlow",
             "keras": "Keras"}
# "... draws from NumPy's global random generator"
LIB_OWNER = {"numpy": "NumPy's", "random": "the `random` module's", "torch": "PyTorch's",
             "tensorflow": "TensorFlow's", "keras": "Keras'"}


def rng_use(qual: str, call: ast.Call) -> tuple[str, str] | None:
    """(library, how) when this call uses a library's global random generator: DRAWS numbers,
    INITIALISES weights, SHUFFLES data."""
    if any(kw.arg in ("seed", "random_state", "generator", "rng") for kw in call.keywords):
        return None
    last = qual.rsplit(".", 1)[-1]
    if qual.startswith("numpy.random."):
        rest = qual[len("numpy.random."):]
        return ("numpy", DRAWS) if "." not in rest and rest not in _NUMPY_NOT_DRAWS else None
    if qual.startswith("random."):
        return ("random", DRAWS) if qual[len("random."):] in _RANDOM_DRAWS else None
    if qual.startswith(("torch", "torchvision")):
        return _torch(qual, last, call)
    if qual.startswith(_KERAS_ROOTS):
        return _keras(qual, last)
    if qual.startswith("tensorflow."):
        return _tensorflow(qual, last)
    return None


def _torch(qual: str, last: str, call: ast.Call) -> tuple[str, str] | None:
    if qual in _TORCH_DRAWS:
        return "torch", DRAWS
    if qual in ("torch.utils.data.DataLoader", "torch.utils.data.dataloader.DataLoader"):
        shuffle = next((k.value for k in call.keywords if k.arg == "shuffle"), None)
        if isinstance(shuffle, ast.Constant) and shuffle.value is True:
            return "torch", SHUFFLES  # torch's global generator unless given `generator=`
        return None
    if qual.startswith("torch.nn.init."):
        return ("torch", DRAWS) if last not in _TORCH_INIT_NOT_DRAWS else None
    if qual.startswith("torch.nn.") and qual.count(".") == 2 and last in _TORCH_RANDOM_LAYERS:
        return "torch", INITIALISES if "ropout" not in last else DRAWS
    if qual in ("torch.nn.functional.dropout", "torch.nn.functional.dropout2d", "torch.dropout"):
        return "torch", DRAWS
    if qual.startswith(("torchvision.transforms.", "torchvision.transforms.v2.")) and last.startswith("Random"):
        return "torch", DRAWS
    return None


def _keras(qual: str, last: str) -> tuple[str, str] | None:
    root = next(r for r in _KERAS_ROOTS if qual.startswith(r))
    rest = qual[len(root):]
    if rest.startswith("layers.") and last in _KERAS_RANDOM_LAYERS:
        return "keras", INITIALISES if "Dropout" not in last and "Noise" not in last \
            and not last.startswith("Random") else DRAWS
    if rest.startswith("initializers.") and last in _INITIALISERS:
        return "keras", DRAWS
    if rest.startswith("random.") and last not in ("SeedGenerator",):
        return "keras", DRAWS
    return None


def _tensorflow(qual: str, last: str) -> tuple[str, str] | None:
    if qual.startswith("tensorflow.random."):
        name = qual[len("tensorflow.random."):]
        if name.startswith(("stateless_", "set_seed", "experimental", "Generator", "get_global",
                            "create_rng_state", "fold_in", "split")):
            return None
        return "tensorflow", DRAWS
    for prefix in _TF_PREFIXES:
        rest = qual[len(prefix):] if qual.startswith(prefix) else ""
        if rest in _TF1_DRAWS or rest in ("nn.dropout", "image.random_flip_left_right", "image.random_flip_up_down",
                                          "image.random_crop", "image.random_brightness", "image.random_contrast"):
            return "tensorflow", DRAWS
        if rest.startswith("initializers.") and last in _INITIALISERS:
            return "tensorflow", DRAWS
        if rest.startswith("layers.") and last.lower() in ("dense", "conv1d", "conv2d", "conv3d", "dropout"):
            return "tensorflow", INITIALISES if last.lower() != "dropout" else DRAWS
        if rest == "contrib.layers.xavier_initializer":
            return "tensorflow", DRAWS
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
