"""COW State System Membership: one row per tenure spell, with day precision."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from ..errors import DataFileError, DataNotFoundError
from .catalog import FILES, STATE_LISTS
from .csvfile import read_typed_csv

REQUIRED = ("stateabb", "ccode", "statenme", "styear", "stmonth", "stday", "endyear", "endmonth", "endday")


def state_list_file(data_dir: Path) -> Path:
    """The newest COW state list in the data directory (v2024, else v2016)."""
    for key in STATE_LISTS:
        path = Path(data_dir) / FILES[key].relpath
        if path.is_file():
            return path
    wanted = " or ".join(FILES[k].relpath for k in STATE_LISTS)
    raise DataNotFoundError(f"no COW state list in {data_dir} (looked for {wanted}); run `foedus data fetch`")


def load_state_spells(data_dir: Path) -> pd.DataFrame:
    """Spells with start_date and end_date (both inclusive; end None while the state exists)."""
    path = state_list_file(data_dir)
    df = read_typed_csv(
        path, required=REQUIRED, types={"stateabb": "str", "statenme": "str", "version": "str"}
    )
    starts, ends = [], []
    for i, row in enumerate(df.itertuples(index=False)):
        try:
            starts.append(dt.date(row.styear, row.stmonth, row.stday))
            ends.append(dt.date(row.endyear, row.endmonth, row.endday))
        except (ValueError, TypeError) as exc:
            raise DataFileError(path, f"impossible date: {exc}", line=i + 2) from None
        if ends[-1] < starts[-1]:
            raise DataFileError(path, "spell ends before it starts", line=i + 2)
    # COW closes every surviving state's spell on the list's last day (2024-12-31 for v2024):
    # that is the end of observation, not of statehood, so such spells stay open.
    censor = max(ends)
    ends = [None if e == censor else e for e in ends]
    out = df.rename(columns={"statenme": "name", "stateabb": "abb"})[["ccode", "abb", "name"]].copy()
    out["start_date"] = starts
    out["end_date"] = ends
    out["spell"] = out.groupby("ccode").cumcount() + 1
    out.attrs["path"] = str(path)
    return out
