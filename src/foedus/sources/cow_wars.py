"""COW Inter-State War Data v4.0: one row per state participant per war.

Quirks handled: CR-only line endings, -7/-8/-9 codes for ongoing / not applicable / unknown,
a state with two rows in one war (changed sides or a second spell)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from ..errors import DataFileError
from .catalog import FILES
from .csvfile import read_typed_csv

RELPATH = FILES["cow_interstate_wars"].relpath
REQUIRED = ("WarNum", "WarName", "ccode", "StateName", "Side", "StartMonth1", "StartDay1", "StartYear1", "Initiator")


def _day(year, month, day) -> dt.date | None:
    if year is None or pd.isna(year) or year < 0:
        return None
    month = month if month and month > 0 else 1
    day = day if day and day > 0 else 1
    return dt.date(int(year), int(month), int(day))


def load_participants(data_dir: Path) -> pd.DataFrame:
    """Participants with ``entry`` (first day of their first spell), ``side``, ``initiator``."""
    path = Path(data_dir) / RELPATH
    # The file uses CR line endings; Python's csv module splits them with newline="".
    df = read_typed_csv(path, required=REQUIRED, types={"WarName": "str", "StateName": "str", "TransFrom": "str"})
    entries = []
    for i, r in enumerate(df.itertuples(index=False)):
        try:
            entries.append(_day(r.StartYear1, r.StartMonth1, r.StartDay1))
        except ValueError as exc:
            raise DataFileError(path, f"impossible start date: {exc}", line=i + 2) from None
    out = pd.DataFrame(
        {
            "war": df["WarNum"].astype(int),
            "war_name": df["WarName"],
            "ccode": df["ccode"].astype(int),
            "state": df["StateName"],
            "side": df["Side"].astype(int),
            "entry": entries,
            "initiator": df["Initiator"] == 1,
        }
    )
    return out
