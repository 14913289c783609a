"""The Python API: ``foedus.open()`` returns a KnowledgeBase whose queries return DataFrames."""

from __future__ import annotations

import datetime as dt
import sys
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from . import config, store
from .dates import parse_day
from .engine.obligations import Tables, active_memberships, obligations_involving
from .errors import StoreError, UnknownTreatyError
from .sources.atop import COVERAGE_END
from .states import StateIndex
from .vocab import OBLIGATIONS, SPECTHRT


@dataclass
class TreatyReport:
    atopid: int
    label: str
    summary: dict
    phases: pd.DataFrame
    members: pd.DataFrame


@dataclass
class StateReport:
    ccode: int
    name: str
    abb: str
    iso3: str | None
    spells: pd.DataFrame
    aliases: list[str]
    alliances: pd.DataFrame = field(repr=False)


def recorded_end(exclusive_end, precision: str) -> str:
    """ATOP's exit date as recorded: the day, or the month/year when the day is unknown."""
    last = pd.Timestamp(exclusive_end).date() - dt.timedelta(days=1)
    if precision == "day":
        return (last + dt.timedelta(days=1)).isoformat()
    return last.strftime("%Y-%m") if precision == "month" else str(last.year)


def _stderr(msg: str) -> None:
    print(msg, file=sys.stderr)


class KnowledgeBase:
    """Read-only view of a built store, held in memory (the data are small)."""

    def __init__(self, db_path: Path, frames: dict[str, pd.DataFrame]):
        self.db_path = db_path
        self.meta = dict(zip(frames["meta"]["key"], frames["meta"]["value"]))
        spells = frames["state_spells"]
        spells["start_date"] = [d.date() for d in pd.to_datetime(spells["start_date"])]
        spells["end_date"] = [None if pd.isna(d) else d.date() for d in pd.to_datetime(spells["end_date"])]
        self.state_table = frames["states"].set_index("ccode", drop=False)
        iso3 = {int(c): v for c, v in zip(self.state_table["ccode"], self.state_table["iso3"]) if pd.notna(v)}
        ambiguous: dict[str, tuple[int, ...]] = {}
        for norm, code in zip(frames["ambiguous_names"]["norm"], frames["ambiguous_names"]["ccode"]):
            ambiguous[norm] = ambiguous.get(norm, ()) + (int(code),)
        self.states = StateIndex(
            spells, frames["state_aliases"], ambiguous, frames["iso_regexes"], iso3, frames["state_era_names"]
        )
        self.treaties = frames["treaties"].set_index("atopid", drop=False)
        self.phases = frames["treaty_phases"]
        self.memberships = frames["memberships"]
        for col in ("entry_date", "exit_date"):
            self.memberships[col] = pd.to_datetime(self.memberships[col])
        self.obligation_table = frames["obligations"]
        self.sources = frames["sources"]
        self.tables = Tables(self.memberships, self.obligation_table, self.treaties, self.states, COVERAGE_END)

    # ---- opening ------------------------------------------------------------------------
    @classmethod
    def open(cls, db=None, data=None, *, build: bool = True, progress=None) -> "KnowledgeBase":
        path = config.db_path(db)
        if build and (not path.exists() or store.is_stale(path)):
            say = progress or _stderr
            why = "no store" if not path.exists() else "the store was built by other code"
            say(f"foedus: {why} at {path}; building it from {config.data_dir(data)}")
            store.build(config.data_dir(data), path, force=True, progress=say)
        with store.connect(path) as con:
            try:
                frames = {name: con.execute(f'SELECT * FROM "{name}"').df() for name in cls.TABLES}
            except duckdb.Error as exc:
                raise StoreError(f"{path} is incomplete or outdated ({exc}); run `foedus build --force`") from None
        return cls(path, frames)

    TABLES = ("meta", "states", "state_spells", "state_aliases", "ambiguous_names", "iso_regexes", "state_era_names",
              "treaties", "treaty_phases", "memberships", "obligations", "sources")  # fmt: skip

    # ---- states -------------------------------------------------------------------------
    def resolve(self, state: str | int, on: str | dt.date | None = None) -> int:
        day = parse_day(on) if on is not None else None
        return self.states.resolve(state, day)

    def state(self, state: str | int, on: str | dt.date | None = None) -> StateReport:
        code = self.resolve(state, on)
        row = self.state_table.loc[code]
        spells = pd.DataFrame(
            [(s, e) for s, e, _ in self.states._spells_by_code[code]], columns=["start_date", "end_date"]
        )
        m = self.memberships[self.memberships["ccode"] == code]
        obs = self.obligation_table[self.obligation_table["ccode"] == code]
        promised = obs.groupby("membership_id")["obligation"].agg(lambda s: ", ".join(s))
        alliances = pd.DataFrame(
            {
                "atopid": m["atopid"].astype(int),
                "phase": m["phase"].astype(int),
                "treaty": [self.treaties.at[a, "label"] for a in m["atopid"]],
                "entry": [d.date() for d in m["entry_date"]],
                "exit": [None if pd.isna(d) else d.date() for d in m["exit_date"]],
                "promises": [promised.get(i, "") for i in m["membership_id"]],
            }
        ).sort_values(["entry", "atopid", "phase"]).reset_index(drop=True)
        aliases = sorted(set(self.states.aliases.loc[self.states.aliases["ccode"] == code, "alias"]))
        return StateReport(code, str(row["name"]), str(row["abb"]), None if pd.isna(row["iso3"]) else row["iso3"],
                           spells, aliases, alliances)  # fmt: skip

    # ---- obligations --------------------------------------------------------------------
    def obligations(self, state: str | int, on: str | dt.date) -> pd.DataFrame:
        """Everything owed to ``state`` and owed by it on day ``on``."""
        day = parse_day(on)
        code = self.states.resolve(state, day)
        return obligations_involving(self.tables, code, day)

    def allies(self, a: str | int, b: str | int, on: str | dt.date) -> pd.DataFrame:
        """What binds ``a`` and ``b`` on day ``on``, both directions."""
        day = parse_day(on)
        ca, cb = self.states.resolve(a, day), self.states.resolve(b, day)
        return obligations_involving(self.tables, ca, day, partner=cb)

    # ---- treaties -----------------------------------------------------------------------
    def treaty(self, atopid: int | str) -> TreatyReport:
        try:
            key = int(str(atopid).strip())
        except ValueError:
            raise UnknownTreatyError(f"treaty id must be an ATOP id (a number), not {atopid!r}") from None
        if key not in self.treaties.index:
            raise UnknownTreatyError(f"no treaty with ATOP id {key}")
        row = self.treaties.loc[key]
        start = row["start_date"].date() if hasattr(row["start_date"], "date") else row["start_date"]
        threats = [int(t) for t in (row["statthr1"], row["statthr2"]) if pd.notna(t) and int(t) > 0]
        summary = {
            "atopid": key,
            "label": row["label"],
            "kind": row["kind"],
            "signed": str(start),
            "ended": None if pd.isna(row["end_date"]) else recorded_end(row["end_date"], row["end_precision"]),
            "in_force_end_2018": bool(row["ineffect"] == 1),
            "bilateral": bool(row["bilat"] == 1),
            "phases": int(row["maxphase"]) if pd.notna(row["maxphase"]) and row["maxphase"] > 0 else 1,
            "obligations": [w for c, w in OBLIGATIONS.items() if row[c] == 1],
            "threat": SPECTHRT.get(int(row["specthrt"])) if pd.notna(row["specthrt"]) else "treaty text not located",
            "threat_states": [f"{self.states.name(t, start)} ({t})" for t in threats],
            "source": f"ATOP 5.1, atopid {key}",
        }
        ph = self.phases[self.phases["atopid"] == key]
        phases = pd.DataFrame(
            {
                "phase": ph["phase"].astype(int),
                "start": [pd.Timestamp(d).date() for d in ph["start_date"]],
                "end": [None if pd.isna(d) else pd.Timestamp(d).date() for d in ph["end_date"]],
                "obligations": [", ".join(w for c, w in OBLIGATIONS.items() if r[c] == 1) for _, r in ph.iterrows()],
            }
        ).reset_index(drop=True)
        m = self.memberships[self.memberships["atopid"] == key]
        obs = self.obligation_table[self.obligation_table["atopid"] == key]
        promised = obs.groupby("membership_id")["obligation"].agg(lambda s: ", ".join(s))
        members = pd.DataFrame(
            {
                "ccode": m["ccode"].astype(int),
                "name": [self.states.name(c, d.date()) for c, d in zip(m["ccode"], m["entry_date"])],
                "phase": m["phase"].astype(int),
                "entry": [d.date() for d in m["entry_date"]],
                "entry_precision": m["entry_precision"],
                "exit": [None if pd.isna(d) else d.date() for d in m["exit_date"]],
                "exit_precision": m["exit_precision"],
                "promises": [promised.get(i, "") for i in m["membership_id"]],
            }
        ).sort_values(["phase", "entry", "ccode"]).reset_index(drop=True)
        return TreatyReport(key, row["label"], summary, phases, members)

    def members_on(self, atopid: int, on: str | dt.date) -> list[int]:
        """COW codes of the members of treaty ``atopid`` on day ``on``."""
        act = active_memberships(self.memberships, parse_day(on))
        return sorted(int(c) for c in act.loc[act["atopid"] == int(atopid), "ccode"].unique())
