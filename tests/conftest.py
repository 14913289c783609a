"""Shared fixtures: the public datasets from ../shared/data (or $FOEDUS_DATA), and one store
built from them per test session in a temporary directory."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import foedus
from foedus import store

REPO = Path(__file__).resolve().parents[1]


def shared_data() -> Path:
    return Path(os.environ.get("FOEDUS_DATA") or REPO.parent / "shared" / "data")


@pytest.fixture(scope="session")
def data_dir() -> Path:
    path = shared_data()
    if not (path / "atop-5.1" / "atop5_1m.csv").is_file():
        pytest.skip(f"public datasets not found in {path}; set FOEDUS_DATA")
    return path


@pytest.fixture(scope="session")
def db_path(data_dir, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("store") / "foedus.duckdb"
    store.build(data_dir, path)
    return path


@pytest.fixture(scope="session")
def kb(db_path):
    return foedus.open(db_path, build=False)


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path, monkeypatch):
    """Never read or write the real user data directory from tests."""
    monkeypatch.setenv("FOEDUS_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("FOEDUS_DB", raising=False)
