"""The Python API: ``foedus.open()`` returns a KnowledgeBase whose queries return DataFrames."""

from __future__ import annotations

import datetime as dt
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path

import duckdb
import pandas as pd

from . import config, store
from .dates import parse_day
from .engine import scenario as scenario_engine
from .engine.lineage import dyad_history
from .engine.obligations import Tables, active_memberships, obligations_involving
from .errors import InvalidScenarioError, StoreError, UnknownTreatyError
from .sources.atop import COVERAGE_END
from .states import StateIndex
from .vocab import OBLIGATIONS, SPECTHRT


@dataclass
class TreatyReport:
    treaty_id: str
    label: str
    summary: dict
    phases: pd.DataFrame
    members: pd.DataFrame
    events: pd.DataFrame  # curated dated facts: signature, ratifications, entry into force, accessions...


@dataclass
class StateReport:
    ccode: int
    name: str
    abb: str
    iso3: str | None
    spells: pd.DataFrame
    aliases: list[str]
    alliances: pd.DataFrame = field(repr=False)


ENGINE_MEMBERSHIP_COLUMNS = ["membership_id", "treaty_id", "atopid", "phase", "ccode", "entry_date", "entry_precision",
                             "entry_basis", "exit_date", "exit_precision", "exit_basis", "source_ids"]  # fmt: skip


def recorded_end(exclusive_end, precision: str) -> str:
    """ATOP's exit date as recorded: the day, or the month/year when the day is unknown."""
    end = pd.Timestamp(exclusive_end).date()
    return recorded_day(end if precision == "day" else end - dt.timedelta(days=1), precision)


def recorded_day(day, precision: str) -> str:
    """A curated date as recorded: the day, or the month/year when the day is unknown."""
    day = pd.Timestamp(day).date()
    return day.isoformat() if precision == "day" else day.strftime("%Y-%m") if precision == "month" else str(day.year)


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
        self.treaties = frames["treaties"].set_index("treaty_id", drop=False)
        self.lineage_table = frames["lineage"]
        self.events = frames["treaty_events"]
        self.merge_log = frames["merge_log"]
        self.phases = frames["treaty_phases"]
        self.memberships = frames["memberships"]
        for col in ("entry_date", "exit_date"):
            self.memberships[col] = pd.to_datetime(self.memberships[col])
        self.obligation_table = frames["obligations"]
        self.sources = frames["sources"]
        self._edge_cache: dict = {}
        self._source_records: dict[str, dict] | None = None
        # The engine works on slim copies: filtering ATOP's 100-odd member columns per query is the slow part.
        engine_members = self.memberships[ENGINE_MEMBERSHIP_COLUMNS].copy()
        engine_obligations = self.obligation_table.drop(columns=["ccode"]).merge(
            engine_members[["membership_id", "ccode"]], on="membership_id")  # fmt: skip
        self.tables = Tables(engine_members, engine_obligations, self.treaties, self.states, COVERAGE_END)

    # ---- opening ------------------------------------------------------------------------
    @classmethod
    def open(cls, db=None, data=None, *, curated=None, build: bool = True, progress=None) -> "KnowledgeBase":
        path = config.db_path(db)
        if build and (not path.exists() or store.is_stale(path)):
            say = progress or _stderr
            why = "no store" if not path.exists() else "the store was built by other code"
            say(f"foedus: {why} at {path}; building it from {config.data_dir(data)}")
            store.build(config.data_dir(data), path, force=True, progress=say, curated_dir=config.curated_dir(curated))
        with store.connect(path) as con:
            try:
                frames = {name: con.execute(f'SELECT * FROM "{name}"').df() for name in cls.TABLES}
            except duckdb.Error as exc:
                raise StoreError(f"{path} is incomplete or outdated ({exc}); run `foedus build --force`") from None
        return cls(path, frames)

    TABLES = ("meta", "states", "state_spells", "state_aliases", "ambiguous_names", "iso_regexes", "state_era_names",
              "treaties", "treaty_phases", "memberships", "obligations", "sources", "lineage", "treaty_events", "merge_log")  # fmt: skip

    # ---- states -------------------------------------------------------------------------
    def resolve(self, state: str | int, on: str | dt.date | None = None) -> int:
        day = parse_day(on) if on is not None else None
        return self.states.resolve(state, day)

    def state(self, state: str | int, on: str | dt.date | None = None) -> StateReport:
        code = self.resolve(state, on)
        row = self.state_table.loc[code]
        spells = pd.DataFrame(self.states.spells_of(code), columns=["start_date", "end_date"])
        m = self.memberships[self.memberships["ccode"] == code]
        obs = self.obligation_table[self.obligation_table["ccode"] == code]
        promised = obs.groupby("membership_id")["obligation"].agg(lambda s: ", ".join(s))
        alliances = pd.DataFrame(
            {
                "treaty_id": m["treaty_id"],
                "atopid": m["atopid"].astype("Int64"),
                "phase": m["phase"].astype(int),
                "treaty": [self.treaties.at[a, "label"] for a in m["treaty_id"]],
                "entry": [d.date() for d in m["entry_date"]],
                "exit": [None if pd.isna(d) else d.date() for d in m["exit_date"]],
                "promises": [promised.get(i, "") for i in m["membership_id"]],
            }
        ).sort_values(["entry", "treaty_id", "phase"]).reset_index(drop=True)
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
    def treaty_id(self, ref: int | str) -> str:
        """Normalize a treaty reference: 3180, "atop:3180", "russia-dprk-2024", or a curated name ("NATO")."""
        text = str(ref).strip()
        if text.isdigit():
            text = f"atop:{text}"
        elif not text.startswith(("atop:", "curated:")):
            by_record = self.treaties.index[self.treaties["curated_id"].fillna("").str.casefold() == text.casefold()]
            if len(by_record):
                text = by_record[0]
            else:
                wanted = text.casefold()
                names = [(tid, [str(n).casefold() for n in (name, official, *other) if isinstance(n, str)])
                         for tid, name, official, other in zip(self.treaties["treaty_id"], self.treaties["name"],
                                                               self.treaties["official_name"], self.treaties["other_names"])]  # fmt: skip
                hits = [tid for tid, ns in names if wanted in ns]
                if not hits and len(wanted) >= 3:  # then part of a name: "Helsinki", "Warsaw"
                    hits = [tid for tid, ns in names if any(wanted in n for n in ns)]
                if len(hits) == 1:
                    return hits[0]
                if len(hits) > 1:
                    listed = "; ".join(f"{tid} ({self.treaties.at[tid, 'label']})" for tid in hits[:10])
                    more = f"; and {len(hits) - 10} more" if len(hits) > 10 else ""
                    raise UnknownTreatyError(f"{ref!r} names several treaties: {listed}{more}. Give one of these ids.")
                raise UnknownTreatyError(
                    f"no treaty {ref!r}: give an ATOP id (e.g. 3180), a curated id (e.g. russia-dprk-2024) or a treaty name"
                )
        if text not in self.treaties.index:
            raise UnknownTreatyError(f"no treaty with id {text}" + (f" (ATOP id {text[5:]})" if text.startswith("atop:") else ""))
        return text

    def treaty(self, ref: int | str) -> TreatyReport:
        key = self.treaty_id(ref)
        row = self.treaties.loc[key]
        start = pd.Timestamp(row["start_date"]).date()
        threats = [int(t) for t in (row.get("statthr1"), row.get("statthr2")) if pd.notna(t) and int(t) > 0]
        is_atop = key.startswith("atop:")
        summary = {
            "treaty_id": key,
            "atopid": None if pd.isna(row["atopid"]) else int(row["atopid"]),
            "name": None if pd.isna(row["name"]) else row["name"],
            "official_name": None if pd.isna(row["official_name"]) else row["official_name"],
            "other_names": list(row["other_names"]),
            "label": row["generated_label"],
            "kind": row["kind"],
            "signed": str(start),
            "entered_into_force": None if pd.isna(row["entered_into_force"]) else str(pd.Timestamp(row["entered_into_force"]).date()),
            "ended": None if pd.isna(row["end_date"]) else recorded_end(row["end_date"], row["end_precision"]),
            "status_today": None if pd.isna(row["status"]) else f"{row['status']} (as of {pd.Timestamp(row['status_as_of']).date()})",
            "status_note": None if pd.isna(row.get("status_note")) else row["status_note"],
            "obligations": sorted(set(self.obligation_table.loc[self.obligation_table["treaty_id"] == key, "obligation"]),
                                  key=lambda w: list(OBLIGATIONS.values()).index(w)),
            "threat": (SPECTHRT.get(int(row["specthrt"])) if pd.notna(row["specthrt"]) else "treaty text not located") if is_atop else None,
            "threat_states": [f"{self.states.name(t, start)} ({t})" for t in threats],
            "predecessors": self._links(key, incoming=False),
            "successors": self._links(key, incoming=True),
            "sources": self._treaty_sources(key),
        }  # fmt: skip
        if is_atop:
            summary["in_force_end_2018"] = bool(row["ineffect"] == 1)
        ph = self.phases[self.phases["treaty_id"] == key]
        phases = pd.DataFrame(
            {
                "phase": ph["phase"].astype(int),
                "start": [pd.Timestamp(d).date() for d in ph["start_date"]],
                "end": [None if pd.isna(d) else pd.Timestamp(d).date() for d in ph["end_date"]],
                "obligations": [", ".join(w for c, w in OBLIGATIONS.items() if r[c] == 1) for _, r in ph.iterrows()],
            }
        ).reset_index(drop=True)
        m = self.memberships[self.memberships["treaty_id"] == key]
        obs = self.obligation_table[self.obligation_table["treaty_id"] == key]
        promised = obs.groupby("membership_id")["obligation"].agg(lambda s: ", ".join(dict.fromkeys(s)))
        members = pd.DataFrame(
            {
                "ccode": m["ccode"].astype(int),
                "name": [self.states.name(c, d.date()) for c, d in zip(m["ccode"], m["entry_date"])],
                "phase": m["phase"].astype(int),
                "role": m["role"],  # curated parties only
                "entry": [d.date() for d in m["entry_date"]],
                "entry_precision": m["entry_precision"],
                "entry_basis": m["entry_basis"],
                "exit": [None if pd.isna(d) else d.date() for d in m["exit_date"]],
                "exit_precision": m["exit_precision"],
                "exit_basis": m["exit_basis"],
                "promises": [promised.get(i, "") for i in m["membership_id"]],
            }
        ).sort_values(["phase", "entry", "ccode"]).reset_index(drop=True)
        ev = self.events[self.events["treaty_id"] == key].sort_values("date", kind="stable")
        events = pd.DataFrame(
            {
                "date": [recorded_day(d, p) for d, p in zip(ev["date"], ev["precision"])],
                "event": ev["event"],
                "party": ["all parties" if pd.isna(c) else f"{self.states.name(int(c), pd.Timestamp(d).date())} ({int(c)})"
                          for c, d in zip(ev["ccode"], ev["date"])],  # fmt: skip
                "place": [None if pd.isna(v) else v for v in ev["place"]],
                "note": [None if pd.isna(v) else v for v in ev["note"]],
            }
        ).reset_index(drop=True)
        return TreatyReport(key, row["label"], summary, phases, members, events)

    def _links(self, key: str, incoming: bool) -> list[str]:
        """Predecessors (links from ``key``) or successors (links to ``key``), as readable lines."""
        lin = self.lineage_table
        rows = lin[lin["target"] == key] if incoming else lin[lin["treaty_id"] == key]
        out = []
        for r in rows.itertuples(index=False):
            other = r.treaty_id if incoming else r.target
            label = self.treaties.at[other, "label"] if other in self.treaties.index else f"{other} (unknown)"
            when = "" if pd.isna(r.date) else f" on {pd.Timestamp(r.date).date()}"
            verb = r.relation if not incoming else f"{r.relation} this"
            out.append(f"{other} {label}: {verb}{when}" if incoming else f"{r.relation} {other} ({label}){when}")
        return out

    def treaty_source_ids(self, key: str) -> list[str]:
        """Every source behind a treaty: its name and status sources, membership sources, dated
        facts, curated obligations, lineage; a page cited under two ids (same URL) is listed once."""
        row = self.treaties.loc[key]
        ids = list(row["name_sources"]) + list(row["status_sources"])
        ids += [sid for group in self.memberships.loc[self.memberships["treaty_id"] == key, "source_ids"] for sid in group]
        ids += [sid for group in self.events.loc[self.events["treaty_id"] == key, "sources"] for sid in group]
        obs = self.obligation_table
        ids += [sid for group in obs.loc[(obs["treaty_id"] == key) & (obs["origin"] == "curated"), "source_ids"] for sid in group]
        lin = self.lineage_table
        ids += [sid for group in lin.loc[lin["treaty_id"] == key, "sources"] for sid in group]
        records, urls, out = self.source_records(), set(), []
        for sid in dict.fromkeys(ids):
            url = (records.get(sid) or {}).get("url")
            if url and url in urls:
                continue
            urls.add(url)
            out.append(sid)
        return out or [row["source_id"]]

    def source_records(self) -> dict[str, dict]:
        """Every source by id as {publisher, title, date, accessed, url} (ISO dates or None):
        ``date`` is the publication date, ``accessed`` the day an undated page was read."""
        if self._source_records is None:
            def text(v):
                return None if v is None or pd.isna(v) else v

            def day(v):
                return None if v is None or pd.isna(v) else str(pd.Timestamp(v).date())

            self._source_records = {
                r["source_id"]: {"publisher": text(r.get("publisher")), "title": text(r.get("title")),
                                 "date": day(r.get("date")), "accessed": day(r.get("accessed")), "url": text(r.get("url"))}
                for r in self.sources.to_dict("records")
            }  # fmt: skip
        return self._source_records

    def _treaty_sources(self, key: str) -> list[str]:
        records, out = self.source_records(), []
        for sid in self.treaty_source_ids(key):
            s = records.get(sid)
            if s is None:
                out.append(sid)
                continue
            when = f", {s['date']}" if s["date"] else (f", accessed {s['accessed']}" if s["accessed"] else "")
            out.append(f"{s['publisher']}: {s['title']}{when} <{s['url']}>")
        return out

    def lineage(self, a: str | int, b: str | int, *, bilateral_only: bool = False) -> pd.DataFrame:
        """The treaty history of the dyad (a, b): every treaty they shared, in order."""
        ca, cb = self.states.resolve(a), self.states.resolve(b)
        df = dyad_history(self.tables, self.lineage_table, ca, cb)
        if bilateral_only and not df.empty:
            df = df[df["bilateral"]].reset_index(drop=True)
        return df

    def disagreements(self, include_extensions: bool = False) -> pd.DataFrame:
        """Where the curated layer and ATOP differ (and, optionally, where it extends ATOP)."""
        log = self.merge_log if include_extensions else self.merge_log[self.merge_log["kind"] == "disagreement"]
        out = log.copy()
        out.insert(2, "treaty", [self.treaties.at[t, "label"] if t in self.treaties.index else t for t in out["treaty_id"]])
        return out.reset_index(drop=True)

    # ---- scenarios ----------------------------------------------------------------------
    def edges(self, on: str | dt.date) -> list:
        """All directed obligations in force on a day, indexed by beneficiary (cached per day)."""
        day = parse_day(on)
        if day not in self._edge_cache:
            if len(self._edge_cache) > 64:
                self._edge_cache.clear()
            self._edge_cache[day] = scenario_engine.index_edges(scenario_engine.edges_on(self.tables, day))
        return self._edge_cache[day]

    def make_scenario(self, target=None, attacker=None, on=None, *, attacks=None, location=None, provoked_by=None,
                      answers=None, without_treaties=(), without_states=(), propagate_undecided=False,
                      escalation="direct"):  # fmt: skip
        """Build a Scenario from names: one attack (target, attacker, on) or a list of
        (attacker, target, day) triples ("the chain as declared")."""
        triples = list(attacks or [])
        if target is not None or attacker is not None:
            if target is None or attacker is None or on is None:
                raise InvalidScenarioError("a scenario needs a target, an attacker and a day (--on)")
            triples.insert(0, (attacker, target, on))
        if not triples:
            raise InvalidScenarioError("a scenario needs at least one attack")
        parsed = []
        for a, t, d in triples:
            day = parse_day(d)
            parsed.append(scenario_engine.Attack(self.states.resolve(a, day), self.states.resolve(t, day), day))
        first = min(p.day for p in parsed)
        try:
            return scenario_engine.Scenario(
                tuple(parsed), location=location,
                provoked_by=None if provoked_by is None else self.states.resolve(provoked_by, first),
                answers=dict(answers or {}),
                without_treaties=frozenset(self.treaty_id(t) for t in without_treaties),
                without_states=frozenset(self.states.resolve(s, first) for s in without_states),
                propagate_undecided=propagate_undecided,
                escalation=escalation,
            )  # fmt: skip
        except ValueError as exc:
            raise InvalidScenarioError(str(exc)) from None

    def scenario(self, target=None, attacker=None, on=None, **kwargs) -> "scenario_engine.ScenarioResult":
        """Who is bound to act if ``attacker`` attacks ``target`` on day ``on`` — with the cascade."""
        sc = kwargs.pop("scenario", None) or self.make_scenario(target, attacker, on, **kwargs)
        return scenario_engine.run(self.edges(sc.day), sc, names=self._namer(sc.day))

    def counterfactual(self, base, **changes):
        """Run ``base`` (a Scenario) and the same with ``without_treaties``/``without_states``/``on`` changed."""
        if "on" in changes:
            day = parse_day(changes.pop("on"))
            shift = day - base.day
            changes["attacks"] = tuple(replace(a, day=a.day + shift) for a in base.attacks)
        if "without_treaties" in changes:
            changes["without_treaties"] = frozenset(self.treaty_id(t) for t in changes["without_treaties"])
        if "without_states" in changes:
            changes["without_states"] = frozenset(self.states.resolve(s, base.day) for s in changes["without_states"])
        other = replace(base, **changes)
        return self.scenario(scenario=base), self.scenario(scenario=other)

    def monte_carlo(self, base, *, draws: int = 1000, seed: int = 0, rates: dict | None = None,
                    undecided_rate: float = 0.5):  # fmt: skip
        """Distribution of war size and joining probabilities when pledges may not be honored."""
        from .engine import montecarlo

        words = set(OBLIGATIONS.values())  # an obligation type, else a treaty reference
        rates = {(k if k in words else self.treaty_id(k)): v for k, v in (rates or {}).items()}
        try:
            return montecarlo.simulate(self.edges(base.day), base, draws=draws, seed=seed, rates=rates,
                                       undecided_rate=undecided_rate, names=self._namer(base.day))  # fmt: skip
        except ValueError as exc:
            raise InvalidScenarioError(str(exc)) from None

    def validate_history(self, data=None):
        """Compare, for every COW inter-state war, who was bound to defend the states attacked
        at its start with who joined them. Returns (pairs, per-war table, totals)."""
        from . import config
        from .engine import history
        from .sources import cow_wars

        participants = cow_wars.load_participants(config.data_dir(data or self.meta.get("data_dir")))
        pairs, wars, totals = history.validate(participants, self.edges, self._namer)
        if not pairs.empty:
            members = self.memberships.groupby("treaty_id")["ccode"].nunique()
            pairs["bilateral"] = [all(members.get(t, 0) == 2 for t in ts) for ts in pairs["treaties"]]
        return pairs, wars, totals

    def _namer(self, day):
        return lambda c: f"{self.states.name(c, day)} ({c})"

    def members_on(self, treaty: int | str, on: str | dt.date) -> list[int]:
        """COW codes of the members of a treaty on day ``on``."""
        act = active_memberships(self.memberships, parse_day(on))
        return sorted(int(c) for c in act.loc[act["treaty_id"] == self.treaty_id(treaty), "ccode"].unique())
