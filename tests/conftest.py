"""Fixtures shared by every test folder; plain helpers live in nbtest.py."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

from nbtest import CORPUS


@pytest.fixture
def corpus() -> Path:
    if not CORPUS.is_dir():
        pytest.skip("shared corpus not present")
    return CORPUS


@pytest.fixture(autouse=True, scope="session")
def _signing_keys_outside_home():
    """Commands that record to the audit ledger (productionise, ...) sign with a key made on first
    use; the suite's keys go to a temp folder, never into the real ~/.config."""
    with tempfile.TemporaryDirectory(prefix="jupyter-mlops-test-keys-") as folder:
        old = os.environ.get("JUPYTER_MLOPS_KEY_DIR")
        os.environ["JUPYTER_MLOPS_KEY_DIR"] = folder
        yield
        if old is None:
            os.environ.pop("JUPYTER_MLOPS_KEY_DIR", None)
        else:
            os.environ["JUPYTER_MLOPS_KEY_DIR"] = old
