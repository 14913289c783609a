"""ATOP 5.1 loaders: alliance, alliance-phase and member-phase files, typed and validated.

Every column of the release is kept (all are integers except ``version``); foedus adds
day-level dates following the rule in :mod:`foedus.dates`.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from ..dates import partial_end_exclusive, partial_start
from ..errors import DataFileError
from .catalog import FILES
from .csvfile import read_typed_csv

TYPES = {"version": "float"}

ALLIANCE_REQUIRED = ("atopid", "begyr", "begmo", "begday", "endyr", "endmo", "endday", "ineffect", "bilat")
PHASE_REQUIRED = ALLIANCE_REQUIRED + ("phase", "atopidphase")
MEMBER_REQUIRED = (
    "atopid", "member", "phase", "yrent", "moent", "dayent", "yrexit", "moexit", "dayexit", "ineffect",
    "defense", "offense", "neutral", "nonagg", "consul", "obvary", "olimob", "statthr1", "statthr2",
)  # fmt: skip


def path_of(data_dir: Path, key: str) -> Path:
    return Path(data_dir) / FILES[key].relpath


def _read(data_dir: Path, key: str, required) -> pd.DataFrame:
    types = dict(TYPES)
    if key == "atop_phase":
        types["atopidphase"] = "float"  # e.g. 3180.1
    return read_typed_csv(path_of(data_dir, key), required=required, types=types)


def _ints(col: pd.Series) -> list[int | None]:
    return [None if pd.isna(v) else int(v) for v in col]


def _spans(df: pd.DataFrame, start: tuple[str, str, str], end: tuple[str, str, str], path: str) -> pd.DataFrame:
    """Add start/end dates (end exclusive, NaT while in force) with their precision."""
    starts, start_prec, ends, end_prec = [], [], [], []
    y0, m0, d0 = (_ints(df[c]) for c in start)
    y1, m1, d1 = (_ints(df[c]) for c in end)
    for i in range(len(df)):
        try:
            if not y0[i]:
                raise ValueError("no start year")
            s, sp = partial_start(y0[i], m0[i] or None, d0[i] or None)
            if y1[i]:
                e, ep = partial_end_exclusive(y1[i], m1[i] or None, d1[i] or None)
            else:
                e, ep = None, None  # still in force at the end of ATOP's coverage
        except (ValueError, TypeError) as exc:
            raise DataFileError(path, f"impossible date: {exc}", line=i + 2) from None
        if e is not None and e < s:
            raise DataFileError(path, f"ends ({e}) before it starts ({s})", line=i + 2)
        starts.append(s), start_prec.append(sp), ends.append(e), end_prec.append(ep)
    out = df.copy()
    out["start_date"] = pd.array(starts, dtype="object")
    out["start_precision"] = pd.array(start_prec, dtype="string")
    out["end_date"] = pd.array(ends, dtype="object")
    out["end_precision"] = pd.array(end_prec, dtype="string")
    return out


def load_alliances(data_dir: Path) -> pd.DataFrame:
    df = _read(data_dir, "atop_alliance", ALLIANCE_REQUIRED)
    return _spans(df, ("begyr", "begmo", "begday"), ("endyr", "endmo", "endday"), str(path_of(data_dir, "atop_alliance")))


def load_phases(data_dir: Path) -> pd.DataFrame:
    df = _read(data_dir, "atop_phase", PHASE_REQUIRED)
    return _spans(df, ("begyr", "begmo", "begday"), ("endyr", "endmo", "endday"), str(path_of(data_dir, "atop_phase")))


def load_members(data_dir: Path) -> pd.DataFrame:
    df = _read(data_dir, "atop_member", MEMBER_REQUIRED)
    return _spans(df, ("yrent", "moent", "dayent"), ("yrexit", "moexit", "dayexit"), str(path_of(data_dir, "atop_member")))


COVERAGE_END = dt.date(2018, 12, 31)  # last day ATOP 5.1 observes
