"""Fixtures for the productionise tests."""

from __future__ import annotations

from pathlib import Path

import pytest
from productionise_helpers import TINY, write_notebook


@pytest.fixture
def tiny(tmp_path) -> Path:
    """A small, fast notebook (no heavy imports) for the safety tests."""
    return write_notebook(tmp_path / "tiny.ipynb", TINY)
