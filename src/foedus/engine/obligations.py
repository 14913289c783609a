"""As-of-day obligation resolution over ATOP memberships.

Who owes whom: a member that promises an obligation in an alliance phase owes it to every
other member of that phase in force on the same day. Where ATOP marks the member's
obligations as varying by partner (``obvary``), the member file does not say which partners;
such rows carry ``partner_specific = True`` and a caveat instead of a guess.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from ..states import StateIndex
from ..vocab import CONDITION_WORDS, OTHER_CONDITION

COND_KINDS = tuple(CONDITION_WORDS)
OBLIGATION_ORDER = {"defense": 0, "offense": 1, "neutrality": 2, "non-aggression": 3, "consultation": 4}


@dataclass(frozen=True)
class Tables:
    memberships: pd.DataFrame  # membership_id, treaty_id, phase, ccode, entry/exit dates (datetime64, exit NaT = open)
    obligations: pd.DataFrame  # membership_id, obligation, conditional, cond_*, beneficiary (NA = every partner), ...
    treaties: pd.DataFrame  # indexed by treaty_id: label, kind, ...
    states: StateIndex
    coverage_end: dt.date

    @cached_property
    def index(self) -> "_MembershipIndex":
        return _MembershipIndex(self.memberships, self.obligations)

    @cached_property
    def status_notes(self) -> dict[str, str]:
        return status_notes(self.treaties)


class _MembershipIndex:
    """Memberships as arrays and obligations by membership: a query touches only the treaty
    phases of the state asked about, without pandas merges (the cost of a query otherwise)."""

    MEMBER_FIELDS = ("entry_date", "entry_precision", "entry_basis", "exit_date", "exit_precision", "exit_basis")

    def __init__(self, memberships: pd.DataFrame, obligations: pd.DataFrame):
        m = memberships.reset_index(drop=True)
        self.entry = m["entry_date"].to_numpy("datetime64[D]").astype(np.int64)
        exits = m["exit_date"].to_numpy("datetime64[D]")
        self.exit = np.where(np.isnat(exits), np.iinfo(np.int64).max, exits.astype(np.int64))
        self.key = pd.factorize(m["treaty_id"].astype(str) + "#" + m["phase"].astype(str))[0]
        self.ccode = m["ccode"].to_numpy(dtype=np.int64)
        self.members = m[["membership_id", *self.MEMBER_FIELDS]].to_dict("records")
        for rec, entry, exit_ in zip(self.members, self.entry, self.exit):
            rec["_entry"], rec["_exit"] = int(entry), int(exit_)
        self.obligations: dict[int, list[dict]] = {}
        for rec in obligations.to_dict("records"):
            rec["_to"] = None if pd.isna(rec.get("beneficiary")) else int(rec["beneficiary"])
            self.obligations.setdefault(int(rec["membership_id"]), []).append(rec)

    def pairs(self, ccode: int, day: dt.date, partner: int | None = None) -> list[dict]:
        d = np.datetime64(day, "D").astype(np.int64)
        active = (self.entry <= d) & (d < self.exit)
        mine = np.unique(self.key[active & (self.ccode == ccode)])
        positions = np.flatnonzero(active & np.isin(self.key, mine))
        groups: dict[int, list[int]] = {}
        for pos in positions:
            groups.setdefault(int(self.key[pos]), []).append(int(pos))
        rows, seen = [], set()

        def add(p: int, q: int) -> None:
            obligor, beneficiary = int(self.ccode[p]), int(self.ccode[q])
            if obligor == beneficiary or (partner is not None and partner not in (obligor, beneficiary)):
                return
            for ob in self.obligations.get(self.members[p]["membership_id"], ()):
                if ob["_to"] is not None and ob["_to"] != beneficiary:
                    continue
                key = (obligor, beneficiary, ob["treaty_id"], ob["phase"], ob["obligation"])
                if key not in seen:
                    seen.add(key)
                    rows.append({**ob, **_overlap(self.members[p], self.members[q]), "obligor": obligor,
                                 "beneficiary": beneficiary})  # fmt: skip

        for group in groups.values():
            own = [p for p in group if self.ccode[p] == ccode]
            for p in own:  # what the state owes its partners
                for q in group:
                    add(p, q)
            for p in group:  # what its partners owe it
                if self.ccode[p] != ccode:
                    for q in own:
                        add(p, q)
        return rows


def _overlap(a: dict, b: dict) -> dict:
    """The pledge between two members holds from the later entry to the earlier exit."""
    start = b if b["_entry"] > a["_entry"] else a
    end = b if b["_exit"] < a["_exit"] else a
    return {"entry_date": start["entry_date"], "entry_precision": start["entry_precision"],
            "entry_basis": start["entry_basis"], "exit_date": end["exit_date"],
            "exit_precision": end["exit_precision"], "exit_basis": end["exit_basis"]}  # fmt: skip


def active_memberships(memberships: pd.DataFrame, day: dt.date) -> pd.DataFrame:
    ts = pd.Timestamp(day)
    entry, exit_ = memberships["entry_date"], memberships["exit_date"]
    return memberships[(entry <= ts) & (exit_.isna() | (ts < exit_))]


def condition_words(row, states: StateIndex, day: dt.date) -> list[str]:
    words = []
    for kind in COND_KINDS:
        if not row[f"cond_{kind}"]:
            continue
        text = CONDITION_WORDS[kind]
        if kind == "adversary":
            threats = [int(t) for t in (row["statthr1"], row["statthr2"]) if pd.notna(t) and int(t) > 0]
            named = ", ".join(f"{states.name(t, day)} ({t})" for t in threats)
            text = text.format(threat=f": {named}" if named else " (not a single named state)")
        words.append(text)
    if row["cond_other"]:
        words.append(OTHER_CONDITION)
    extra = row.get("extra_conditions")
    if isinstance(extra, str) and extra not in ("", "[]"):
        words = [w for w in words if not w.startswith("only when an ally requests")] + [c["text"] for c in json.loads(extra)]
    if row["conditional"] and not words:
        words.append("conditional (ATOP gives no detail)")
    return words


def pairs_on(t: Tables, day: dt.date) -> pd.DataFrame:
    """All (obligor, beneficiary, obligation) pairs in force on ``day``, for every state (the
    scenario engine indexes them once per day; one state's query uses :class:`_MembershipIndex`)."""
    act = active_memberships(t.memberships, day)
    ob = t.obligations[t.obligations["membership_id"].isin(act["membership_id"])].merge(
        act[["membership_id", "entry_date", "entry_precision", "entry_basis", "exit_date", "exit_precision",
             "exit_basis"]], on="membership_id"
    )  # fmt: skip
    partners = act[["treaty_id", "phase", "ccode", "entry_date", "entry_precision", "entry_basis", "exit_date",
                    "exit_precision", "exit_basis"]].rename(columns=lambda c: c if c in ("treaty_id", "phase") else f"p_{c}")  # fmt: skip
    pairs = ob.rename(columns={"beneficiary": "pledged_to"}).merge(partners, on=["treaty_id", "phase"])
    keep = (pairs["ccode"] != pairs["p_ccode"]) & (pairs["pledged_to"].isna() | (pairs["pledged_to"] == pairs["p_ccode"]))
    pairs = pairs[keep].rename(columns={"ccode": "obligor", "p_ccode": "beneficiary"}).copy()
    # The pledge between two members holds from the later entry to the earlier exit.
    later = pairs["p_entry_date"] > pairs["entry_date"]
    for col in ("entry_date", "entry_precision", "entry_basis"):
        pairs[col] = pairs[col].where(~later, pairs[f"p_{col}"])
    earlier = pairs["p_exit_date"].notna() & (pairs["exit_date"].isna() | (pairs["p_exit_date"] < pairs["exit_date"]))
    for col in ("exit_date", "exit_precision", "exit_basis"):
        pairs[col] = pairs[col].where(~earlier, pairs[f"p_{col}"])
    return pairs.drop_duplicates(["obligor", "beneficiary", "treaty_id", "phase", "obligation"])


def obligations_involving(t: Tables, ccode: int, day: dt.date, partner: int | None = None) -> pd.DataFrame:
    """Every obligation owed to ``ccode`` and owed by it on ``day`` (optionally only with ``partner``)."""
    return present(t, t.index.pairs(ccode, day, partner), day, ccode)


COLUMNS = [
    "direction", "obligor", "obligor_name", "beneficiary", "beneficiary_name", "obligation", "treaty_id", "atopid",
    "phase", "treaty", "article", "conditional", "conditions", "partner_specific", "since", "since_precision",
    "since_basis", "until", "until_precision", "until_basis", "source", "note",
]  # fmt: skip
PARTNER_SPECIFIC = "ATOP: this member's obligations vary by partner; the member file does not say which"


def present(t: Tables, pairs: list[dict], day: dt.date, ccode: int | None) -> pd.DataFrame:
    """Obligation pairs (from :meth:`_MembershipIndex.pairs`) as the rows users see, sorted by
    direction, obligation strength, obligor, beneficiary and treaty. Built row by row and framed
    once: a query returns tens to hundreds of rows, where per-column pandas work dominates."""
    if not pairs:
        return pd.DataFrame(columns=COLUMNS)
    names: dict[int, str] = {}

    def name(code: int) -> str:
        if code not in names:
            names[code] = t.states.name(code, day)
        return names[code]

    labels, status = t.treaties["label"], t.status_notes
    beyond = day > t.coverage_end
    rows = []
    for r in pairs:
        obligor, beneficiary, tid = int(r["obligor"]), int(r["beneficiary"]), r["treaty_id"]
        conditional, partner_specific = bool(r["conditional"]), bool(r["partner_specific"])
        has_conditions = conditional or bool(r["cond_other"]) or r["extra_conditions"] != "[]"
        until = None if pd.isna(r["exit_date"]) else pd.Timestamp(r["exit_date"]).date()
        note = [PARTNER_SPECIFIC] if partner_specific else []
        if beyond and until is None and tid.startswith("atop:"):
            note.append(f"ATOP observes to {t.coverage_end}; {status.get(tid, NO_STATUS)}")
        rows.append((
            "" if ccode is None else ("owed to" if beneficiary == ccode else "owed by"),
            obligor, name(obligor), beneficiary, name(beneficiary), r["obligation"], tid,
            None if pd.isna(r["atopid"]) else int(r["atopid"]), int(r["phase"]), labels.get(tid),
            None if pd.isna(r["article"]) else r["article"], conditional,
            condition_words(r, t.states, day) if has_conditions else [], partner_specific,
            pd.Timestamp(r["entry_date"]).date(), r["entry_precision"], r["entry_basis"],
            until, r["exit_precision"], r["exit_basis"], _source_text(tid, r["phase"], r["source_ids"]), "; ".join(note),
        ))  # fmt: skip
    # strongest first within a direction: "owed to" before "owed by"
    rows.sort(key=lambda x: (x[0] != "owed to", OBLIGATION_ORDER[x[5]], x[1], x[3], x[6]))
    out = pd.DataFrame.from_records(rows, columns=COLUMNS)
    out["atopid"] = out["atopid"].astype("Int64")
    return out


def _source_text(treaty_id: str, phase: int, ids) -> str:
    if treaty_id.startswith("atop:") and list(ids) == ["atop_member"]:
        return f"ATOP 5.1 member file, atopid {treaty_id[5:]} phase {phase}"
    return "; ".join(str(i) for i in ids)


NO_STATUS = "no later record: assumed still in force"


def status_notes(treaties: pd.DataFrame) -> dict[str, str]:
    """What the curated layer says of each treaty past ATOP's last day, as the rows' note puts it."""
    if "status" not in treaties.columns:
        return {}
    out = {}
    for tid, status, as_of in zip(treaties.index, treaties["status"], treaties["status_as_of"]):
        if isinstance(status, str):
            day = pd.Timestamp(as_of).date()
            # "unknown": asked, not settled; the membership is carried forward, and says so
            out[tid] = (f"curated layer: status unknown as of {day}; assumed still in force" if status == "unknown"
                        else f"curated layer: {status} as of {day}")  # fmt: skip
    return out
