"""Fixtures for the record's tests: a project in a temp folder and a signing key that is not yours.

Every test gets its own XDG_CONFIG_HOME, so no test ever creates or reads a key in the real
~/.config, and two "people" are two config folders.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from jupyter_mlops.audit import KeyStore, Ledger
from jupyter_mlops.project import Project


@pytest.fixture(autouse=True)
def key_home(tmp_path, monkeypatch) -> Path:
    home = tmp_path / "config-ana"
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home))
    monkeypatch.setenv("USER", "ana")
    monkeypatch.delenv("JUPYTER_MLOPS_PROJECT", raising=False)
    monkeypatch.delenv("JUPYTER_MLOPS_KEY_DIR", raising=False)
    return home


@pytest.fixture
def project(tmp_path) -> Project:
    root = tmp_path / "proj"
    root.mkdir()
    (root / "pyproject.toml").write_text("[project]\nname = 'demo'\n")
    return Project.find(explicit=root)


@pytest.fixture
def ledger(project) -> Ledger:
    led = Ledger(project)
    yield led
    led.close()


def make_data(folder: Path, n: int = 5) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        (folder / f"part-{i}.csv").write_text(f"id,value\n{i},{i * 3}\n")
    return folder


def other_person(tmp_path: Path, name: str = "bob") -> KeyStore:
    return KeyStore(tmp_path / f"config-{name}" / "jupyter-mlops" / "keys")


def snapshot_env(project: Project, extra: dict | None = None) -> dict:
    env = {**os.environ, "JUPYTER_MLOPS_PROJECT": str(project.root), **(extra or {})}
    return env
