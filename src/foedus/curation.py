"""Merging the curated layer with ATOP: explicit rules, never a silent overwrite.

Rules (each application is written to ``merge_log`` with the curated sources behind it):

1. **Names.** A curated name (treaty file with ``atopid``, or ``atop_names.toml``) becomes the
   treaty's display name; ATOP's generated label stays in ``generated_label``.
2. **New treaties** (curated, no ``atopid``) get memberships from their parties: a party is bound
   from the day it joined, else the treaty's entry into force, else signature (the basis is
   recorded in ``entry_basis``); it stops on withdrawal, suspension or the treaty's end.
3. **Accessions to ATOP treaties** after ATOP's coverage (a party with ``joined`` on a file with
   ``atopid``) add memberships in ATOP's last phase. They carry the file's curated obligations;
   a file without obligations copies the obligations ATOP codes for that phase when every
   member has the same ones (otherwise the accession is logged as a problem and skipped).
4. **Extensions.** ATOP leaves memberships in force at the end of 2018 open. A curated end —
   a party's withdrawal or suspension, the treaty's end, a ``status`` of ended/suspended, or a
   ``replaces``/``terminates`` link with a date — closes the open membership on that day. A
   curated end dated before 2019 contradicts ATOP's coding: it is listed as a disagreement and
   the membership is closed from 2019-01-01 only.
5. **Disagreements.** Where ATOP already gives a value (a signature day, an exit, whether a
   treaty was in force at the end of 2018) and a curated record gives another, ATOP's value is
   kept for the ATOP era and both are listed (``foedus disagreements``).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field

import pandas as pd

from .dates import partial_end_exclusive
from .model import CuratedTreaty, Day, Obligation
from .sources.curated import CuratedLayer
from .vocab import CONDITION_WORDS

TYPE_TO_ATOP = {"defense": "defense", "offense": "offense", "neutrality": "neutral",
                "non-aggression": "nonagg", "consultation": "consul"}  # fmt: skip
ATOP_KINDS = set(CONDITION_WORDS) | {"other"}
ON_REQUEST = {"on-request": "request"}
ATOP_OPEN_FROM = pd.Timestamp("2019-01-01")  # the first day ATOP's coding says nothing about


@dataclass
class Merged:
    treaties: list[dict] = field(default_factory=list)  # new curated treaties
    names: dict[str, dict] = field(default_factory=dict)  # treaty_id -> name fields
    memberships: list[dict] = field(default_factory=list)
    obligations: list[dict] = field(default_factory=list)
    exits: list[dict] = field(default_factory=list)  # membership_id -> new exit
    lineage: list[dict] = field(default_factory=list)
    events: list[dict] = field(default_factory=list)  # every dated fact of a record, per party where it has one
    sources: list[dict] = field(default_factory=list)
    log: list[dict] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def _sid(record_id: str, source_id: str) -> str:
    return f"curated:{record_id}:{source_id}"


def _ts(day: dt.date | None) -> pd.Timestamp | None:
    return None if day is None else pd.Timestamp(day)


def _end_exclusive(fact: Day) -> tuple[pd.Timestamp, str]:
    """A curated end date as an exclusive end, with the same rule as ATOP's exits."""
    return _exclusive(fact.date, fact.precision), fact.precision


def _exclusive(day: dt.date, precision: str) -> pd.Timestamp:
    d = day
    end, _ = partial_end_exclusive(d.year, d.month if precision != "year" else None, d.day if precision == "day" else None)
    return pd.Timestamp(end)


def merge(layer: CuratedLayer, treaties: pd.DataFrame, memberships: pd.DataFrame,
          obligations: pd.DataFrame) -> Merged:  # fmt: skip
    """Apply the rules above. ``treaties`` is indexed by treaty_id; ``memberships`` and
    ``obligations`` are ATOP's rows (with treaty_id). Pure: returns what to add and change."""
    out = Merged()
    next_id = int(memberships["membership_id"].max()) + 1
    closed: dict[int, tuple] = {}

    def log(kind, treaty_id, field_, atop_value, curated_value, sources, ccode=None, rule=""):
        out.log.append({"kind": kind, "treaty_id": treaty_id, "ccode": ccode, "field": field_,
                        "atop_value": None if atop_value is None else str(atop_value),
                        "curated_value": None if curated_value is None else str(curated_value),
                        "rule": rule, "sources": list(sources)})  # fmt: skip

    def close(treaty_id, ccode, fact_end: pd.Timestamp, precision: str, reason: str, sources):
        rows = memberships[(memberships["treaty_id"] == treaty_id)
                           & ((memberships["ccode"] == ccode) if ccode is not None else True)]  # fmt: skip
        if rows.empty:
            return
        # A curated end speaks of the treaty as it last stood: a party's latest membership, or the last phase.
        latest = (rows[rows["entry_date"] == rows["entry_date"].max()] if ccode is not None
                  else rows[rows["phase"] == rows["phase"].max()])  # fmt: skip
        for mid, exit_ in zip(latest["membership_id"], latest["exit_date"]):
            member = int(rows.loc[rows["membership_id"] == mid, "ccode"].iloc[0])
            if pd.isna(exit_):
                end = fact_end
                if fact_end <= ATOP_OPEN_FROM:  # ATOP codes it in force at the end of 2018: keep that era
                    log("disagreement", treaty_id, "exit", "in force at the end of 2018", fact_end.date(), sources,
                        ccode=member, rule=f"ATOP's coding kept to 2018; curated {reason}; closed from 2019-01-01")  # fmt: skip
                    end = ATOP_OPEN_FROM
                if mid in closed and closed[mid][0] <= end:
                    continue
                closed[mid] = (end, precision, reason, sources)
                if end == fact_end:
                    log("extension", treaty_id, "exit", None, fact_end.date(), sources, ccode=member,
                        rule=f"ATOP leaves it open; curated {reason}")  # fmt: skip
            elif abs((pd.Timestamp(exit_) - fact_end).days) > 31:
                log("disagreement", treaty_id, "exit", pd.Timestamp(exit_).date(), fact_end.date(), sources,
                    ccode=member, rule=f"ATOP's exit kept; curated says {reason}")  # fmt: skip

    # Rule 1: names from atop_names.toml (treaty files override below).
    for entry in layer.names:
        tid = f"atop:{entry.atopid}"
        ids = []
        for i, src in enumerate(entry.sources):
            sid = _sid(f"atop-names-{entry.atopid}", src.id or f"s{i + 1}")
            out.sources.append(_source_row(sid, src))
            ids.append(sid)
        out.names[tid] = {"name": entry.short, "official_name": entry.official, "other_names": list(entry.other.values()),
                          "name_sources": ids}  # fmt: skip
        if tid not in treaties.index:
            out.problems.append(f"atop_names.toml: ATOP has no alliance {entry.atopid}")

    for rec in layer.treaties:
        for src in rec.sources:
            out.sources.append(_source_row(_sid(rec.id, src.id), src))
        sid = lambda refs, _r=rec: [_sid(_r.id, s) for s in refs]  # noqa: E731
        tid = rec.treaty_id
        out.names[tid] = {"name": rec.names.short, "official_name": rec.names.official,
                          "other_names": list(rec.names.other.values()), "name_sources": sid(rec.names.sources),
                          "curated_id": rec.id}  # fmt: skip
        out.events += treaty_events(rec, sid)
        for link in rec.lineage:
            out.lineage.append({"treaty_id": tid, "relation": link.relation, "target": link.target,
                                "date": link.date, "note": link.note, "sources": sid(link.sources)})  # fmt: skip

        if rec.atopid is None:
            _new_treaty(rec, out, sid, next_id)
            next_id += sum(len(_spells(rec, p)) for p in rec.parties)
            continue

        if tid not in treaties.index:
            out.problems.append(f"{rec.id}: ATOP has no alliance {rec.atopid}")
            continue
        atop = treaties.loc[tid]
        if rec.signed is not None:
            atop_start = pd.Timestamp(atop["start_date"]).date()
            if _differs(atop_start, atop["start_precision"], rec.signed.date):
                log("disagreement", tid, "signed", atop_start, rec.signed.date, sid(rec.signed.sources),
                    rule="ATOP's date kept for the ATOP era")  # fmt: skip
        if rec.ended is not None:
            end, prec = _end_exclusive(rec.ended)
            close(tid, None, end, prec, "treaty ended", sid(rec.ended.sources))
        if rec.status is not None:  # shown like a status from atop_status*.toml (check refuses both at once)
            out.names[tid].update({"status": rec.status.status, "status_as_of": rec.status.as_of,
                                   "status_note": rec.status.note, "status_sources": sid(rec.status.sources)})  # fmt: skip
            _status(tid, atop, rec.status.status, rec.status.as_of, "day", sid(rec.status.sources), close, log)

        last_phase = int(memberships.loc[memberships["treaty_id"] == tid, "phase"].max())
        for party in rec.parties:
            for label in ("withdrew", "suspended"):
                fact = getattr(party, label)
                if fact is not None:
                    end, prec = _end_exclusive(fact)
                    close(tid, party.state, end, prec, label, sid(fact.sources))
            if party.joined is None:
                continue
            existing = memberships[(memberships["treaty_id"] == tid) & (memberships["ccode"] == party.state)]
            if not existing.empty and existing["exit_date"].isna().any():
                log("disagreement", tid, "joined", existing["entry_date"].min().date(), party.joined.date,
                    sid(party.joined.sources), ccode=party.state, rule="already a member in ATOP; ATOP kept")  # fmt: skip
                continue
            obs = [o for o in rec.obligations if o.obligors == "all" or party.state in o.obligors]
            row = _membership(next_id, tid, rec.atopid, last_phase, party.state, party.joined, "accession",
                              party, sid(party.joined.sources))  # fmt: skip
            if obs:
                out.obligations += _obligation_rows(row, obs, rec, sid)
            else:
                copied = _copy_atop_obligations(obligations, memberships, tid, last_phase, row)
                if copied is None:
                    out.problems.append(f"{rec.id}: members of ATOP {rec.atopid} differ in obligations; "
                                        f"give the accession's obligations explicitly")  # fmt: skip
                    continue
                out.obligations += copied
            out.memberships.append(row)
            log("extension", tid, "joined", None, party.joined.date, sid(party.joined.sources), ccode=party.state,
                rule="accession after ATOP's coverage")  # fmt: skip
            next_id += 1

    # Rule 4 via lineage: a replaced/terminated ATOP treaty ends on the link's date.
    for link in out.lineage:
        if link["relation"] in ("replaces", "terminates") and link["date"] and link["target"].startswith("atop:"):
            if link["target"] in treaties.index:
                close(link["target"], None, pd.Timestamp(link["date"]), "day",
                      f"{link['relation'].rstrip('s')}d by {link['treaty_id']}", link["sources"])  # fmt: skip

    for entry in layer.statuses:
        tid = f"atop:{entry.atopid}"
        if tid not in treaties.index:
            out.problems.append(f"atop_status.toml: ATOP has no alliance {entry.atopid}")
            continue
        ids = []
        for i, src in enumerate(entry.sources):
            s_id = _sid(f"atop-status-{entry.atopid}", src.id or f"s{i + 1}")
            out.sources.append(_source_row(s_id, src))
            ids.append(s_id)
        out.names.setdefault(tid, {})
        out.names[tid].update({"status": entry.status, "status_as_of": entry.as_of, "status_note": entry.note,
                               "status_sources": ids})  # fmt: skip
        _status(tid, treaties.loc[tid], entry.status, entry.as_of, entry.precision, ids, close, log)

    out.exits = [{"membership_id": mid, "exit_date": v[0], "exit_precision": v[1], "exit_basis": v[2],
                  "exit_sources": list(v[3])} for mid, v in closed.items()]  # fmt: skip
    return out


TREATY_EVENTS = (("signed", "signed"), ("entered_into_force", "entered into force"), ("ended", "ended"))
PARTY_EVENTS = ("signed", "ratified", "joined", "suspended", "resumed", "withdrew")


def treaty_events(rec: CuratedTreaty, sid) -> list[dict]:
    """The record's dated facts as rows (treaty-wide ones with no ``ccode``), so that a treaty
    page can show signature, each ratification, entry into force and accessions in order."""
    rows = []

    def add(fact: Day, event: str, ccode: int | None) -> None:
        rows.append({"treaty_id": rec.treaty_id, "ccode": ccode, "event": event, "date": fact.date,
                     "precision": fact.precision, "place": fact.place, "note": fact.note,
                     "sources": sid(fact.sources)})  # fmt: skip

    for attr, event in TREATY_EVENTS:
        if (fact := getattr(rec, attr)) is not None:
            add(fact, event, None)
    for party in rec.parties:
        for event in PARTY_EVENTS:
            fact = getattr(party, event)
            if fact is None or (event == "signed" and _same_day(fact, rec.signed) and not fact.note):
                continue  # a party's signature on the treaty's own signing day says nothing new
            add(fact, event, party.state)
    return rows


def _same_day(a: Day, b: Day | None) -> bool:
    return b is not None and (a.date, a.precision) == (b.date, b.precision)


def _differs(atop_day: dt.date, precision: str, curated: dt.date) -> bool:
    if precision == "year":
        return atop_day.year != curated.year
    if precision == "month":
        return (atop_day.year, atop_day.month) != (curated.year, curated.month)
    return atop_day != curated


def _status(tid, atop, status, as_of, precision, sources, close, log) -> None:
    if status in ("ended", "suspended"):
        # A status date is the day it ended: no longer bound from that day (unknown day: month's end).
        end = pd.Timestamp(as_of) if precision == "day" else _exclusive(as_of, precision)
        close(tid, None, end, precision, f"status {status}", sources)
    elif status == "in force" and atop["ineffect"] == 0:
        log("disagreement", tid, "in force", "ended by 2018", f"in force as of {as_of}", sources,
            rule="ATOP's end kept; curated status listed")  # fmt: skip


def _source_row(sid: str, src) -> dict:
    return {"source_id": sid, "dataset": "curated", "publisher": src.publisher, "title": src.title,
            "version": None, "url": str(src.url), "citation": None,
            "date": src.date, "accessed": src.accessed}  # fmt: skip


def _spells(rec: CuratedTreaty, party) -> list[tuple[Day, str, Day | None, str | None]]:
    """(start fact, basis, end fact, end basis) spells of a party in a new treaty."""
    start, basis = None, None
    for fact, why in ((party.joined, "accession"), (rec.entered_into_force, "entry into force"),
                      (party.signed, "signature"), (rec.signed, "signature")):  # fmt: skip
        if fact is not None:
            start, basis = fact, why
            break
    if start is None:
        return []
    ends = [(f, why) for f, why in ((party.withdrew, "withdrew"), (party.suspended, "suspended"), (rec.ended, "treaty ended"))
            if f is not None]  # fmt: skip
    end, end_basis = min(ends, key=lambda x: x[0].date) if ends else (None, None)
    spells = [(start, basis, end, end_basis)]
    if party.suspended is not None and party.resumed is not None and end is party.suspended:
        later = [(f, w) for f, w in ((party.withdrew, "withdrew"), (rec.ended, "treaty ended")) if f is not None]
        e2, b2 = min(later, key=lambda x: x[0].date) if later else (None, None)
        spells.append((party.resumed, "resumed", e2, b2))
    return spells


def _membership(mid, tid, atopid, phase, ccode, start: Day, basis, party, sources, end: Day | None = None,
                end_basis: str | None = None) -> dict:  # fmt: skip
    row = {"membership_id": mid, "treaty_id": tid, "atopid": atopid, "phase": phase, "ccode": ccode,
           "entry_date": pd.Timestamp(start.date), "entry_precision": start.precision, "entry_basis": basis,
           "exit_date": None, "exit_precision": None, "exit_basis": None, "source_ids": sources,
           "role": party.role}  # fmt: skip
    if end is not None:
        row["exit_date"], row["exit_precision"] = _end_exclusive(end)
        row["exit_basis"] = end_basis
    return row


def _new_treaty(rec: CuratedTreaty, out: Merged, sid, next_id: int) -> None:
    signed = rec.signed
    end = _end_exclusive(rec.ended) if rec.ended else (None, None)
    out.treaties.append({
        "treaty_id": rec.treaty_id, "atopid": None, "kind": rec.kind,
        "start_date": pd.Timestamp(signed.date), "start_precision": signed.precision,
        "end_date": end[0], "end_precision": end[1],
        "entered_into_force": rec.entered_into_force.date if rec.entered_into_force else None,
        "bilat": int(len(rec.parties) == 2), "source_id": f"curated:{rec.id}",
    })  # fmt: skip
    for party in rec.parties:
        for start, basis, end_fact, end_basis in _spells(rec, party):
            row = _membership(next_id, rec.treaty_id, None, 0, party.state, start, basis, party,
                              sid(start.sources), end_fact, end_basis)  # fmt: skip
            obs = [o for o in rec.obligations if o.obligors == "all" or party.state in o.obligors]
            out.memberships.append(row)
            out.obligations += _obligation_rows(row, obs, rec, sid)
            next_id += 1


def _obligation_rows(member: dict, obs: list[Obligation], rec: CuratedTreaty, sid) -> list[dict]:
    rows = []
    for ob in obs:
        flags = {f"cond_{k}": False for k in CONDITION_WORDS}
        flags["cond_other"] = False
        extra, threats = [], []
        for c in ob.conditions:
            kind = ON_REQUEST.get(c.kind, c.kind)
            if kind in CONDITION_WORDS:
                flags[f"cond_{kind}"] = True
                threats += c.threat_states
            extra.append({"kind": c.kind, "text": c.text})
        targets = [None] if ob.beneficiaries == "all" else [b for b in ob.beneficiaries if b != member["ccode"]]
        for beneficiary in targets:
            rows.append({
                "membership_id": member["membership_id"], "treaty_id": member["treaty_id"],
                "atopid": member["atopid"], "phase": member["phase"], "ccode": member["ccode"],
                "obligation": ob.type, "atop_column": TYPE_TO_ATOP[ob.type],
                "conditional": bool(ob.conditions), **flags, "partner_specific": False,
                "statthr1": threats[0] if threats else None, "statthr2": threats[1] if len(threats) > 1 else None,
                "beneficiary": beneficiary, "article": ob.article, "summary": ob.summary,
                "extra_conditions": json.dumps(extra), "source_ids": sid(ob.sources),
            })  # fmt: skip
    return rows


def _copy_atop_obligations(obligations, memberships, tid, phase, member) -> list[dict] | None:
    ids = memberships.loc[(memberships["treaty_id"] == tid) & (memberships["phase"] == phase), "membership_id"]
    obs = obligations[obligations["membership_id"].isin(ids)]
    cols = [c for c in obs.columns if c.startswith("cond_") or c in ("obligation", "conditional", "statthr1", "statthr2")]
    per_member = obs.groupby("membership_id")[cols].apply(lambda g: g.sort_values("obligation").to_json(orient="values"))
    if per_member.nunique() != 1:
        return None
    template = obs[obs["membership_id"] == per_member.index[0]]
    rows = []
    for rec in template.to_dict("records"):
        rec.update({k: member[k] for k in ("membership_id", "treaty_id", "atopid", "phase", "ccode")})
        rec["source_ids"] = member["source_ids"] + [f"atop_member (obligations of ATOP {member['atopid']} phase {phase})"]
        rows.append(rec)
    return rows
