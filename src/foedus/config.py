"""Where foedus finds its input data and keeps its store.

Data directory: ``--data DIR`` or ``FOEDUS_DATA``; otherwise the user data directory, which is
where ``foedus data fetch`` puts the downloaded datasets. Store: ``--db PATH`` or ``FOEDUS_DB``;
otherwise ``foedus.duckdb`` in the user data directory.
"""

from __future__ import annotations

import os
from pathlib import Path

from platformdirs import user_data_dir


def user_dir() -> Path:
    return Path(os.environ.get("FOEDUS_HOME") or user_data_dir("foedus", appauthor=False))


def data_dir(explicit: str | os.PathLike | None = None) -> Path:
    if explicit:
        return Path(explicit).expanduser()
    env = os.environ.get("FOEDUS_DATA")
    if env:
        return Path(env).expanduser()
    return user_dir() / "data"


def db_path(explicit: str | os.PathLike | None = None) -> Path:
    if explicit:
        return Path(explicit).expanduser()
    env = os.environ.get("FOEDUS_DB")
    if env:
        return Path(env).expanduser()
    return user_dir() / "foedus.duckdb"


def curated_dir(explicit: str | os.PathLike | None = None) -> Path | None:
    """A curated-layer directory other than the one shipped in the package (None: the package's)."""
    value = explicit or os.environ.get("FOEDUS_CURATED")
    return Path(value).expanduser() if value else None
