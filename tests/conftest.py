"""Fixtures shared by every test folder; plain helpers live in nbtest.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from nbtest import CORPUS


@pytest.fixture
def corpus() -> Path:
    if not CORPUS.is_dir():
        pytest.skip("shared corpus not present")
    return CORPUS
