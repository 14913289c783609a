"""`foedus check`: validate the curated layer against itself, ATOP and the COW state system.

Finds: files that break the schema (including facts citing no or unknown sources), dangling
lineage links and ATOP ids, dates out of order or in the future, parties that were not states on
the day they became bound, duplicate treaties, and statuses that contradict the lineage (an
alliance "in force" that a curated treaty replaced). Returns problems; never changes anything.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .model import CuratedTreaty
from .sources import atop, curated
from .states import StateIndex

DUPLICATE_WINDOW = dt.timedelta(days=7)


@dataclass(frozen=True)
class Problem:
    file: str
    kind: str  # schema | dangling | dates | not-a-state | duplicate | contradiction
    message: str


def check(curated_dir: Path | None, alliances: pd.DataFrame, members: pd.DataFrame, states: StateIndex,
          today: dt.date | None = None) -> list[Problem]:
    """``alliances``: ATOP alliance rows (atopid, start_date); ``members``: ATOP member rows
    (atopid, member); ``today``: the day nothing may be dated after (default: the clock's)."""
    today = today or dt.date.today()
    errors: list = []
    layer = curated.load(curated_dir, collect=errors)
    problems = [Problem(Path(e.path).name, "schema", str(e).split(": ", 1)[-1]) for e in errors]
    atop_ids = set(int(a) for a in alliances["atopid"])
    curated_ids = {t.id for t in layer.treaties}
    atop_parties = members.groupby("atopid")["member"].apply(lambda s: frozenset(int(c) for c in s)).to_dict()
    atop_start = dict(zip(alliances["atopid"].astype(int), alliances["start_date"]))

    for rec in layer.treaties:
        name = layer.files[rec.id].name
        problems += [Problem(name, kind, msg) for kind, msg in _treaty_problems(rec, atop_ids, curated_ids, states)]

    by_atopid: dict[int, list[str]] = {}
    for rec in layer.treaties:
        if rec.atopid is not None:
            by_atopid.setdefault(rec.atopid, []).append(rec.id)
    for atopid, ids in by_atopid.items():
        if len(ids) > 1:
            problems.append(Problem(layer.files[ids[1]].name, "duplicate", f"ATOP {atopid} is described by several files: {', '.join(ids)}"))
    new = [t for t in layer.treaties if t.atopid is None and t.signed is not None]
    for i, rec in enumerate(new):
        parties = frozenset(p.state for p in rec.parties)
        for atopid, members_ in atop_parties.items():
            start = atop_start.get(atopid)
            if members_ == parties and start is not None and abs(start - rec.signed.date) <= DUPLICATE_WINDOW:
                problems.append(Problem(layer.files[rec.id].name, "duplicate",
                                        f"same parties and signing date as ATOP {atopid}: set atopid = {atopid} instead"))  # fmt: skip
        for other in new[i + 1:]:
            if frozenset(p.state for p in other.parties) == parties and abs(other.signed.date - rec.signed.date) <= DUPLICATE_WINDOW:
                problems.append(Problem(layer.files[other.id].name, "duplicate", f"same parties and signing date as {rec.id}"))

    with_status = {rec.atopid: rec.id for rec in layer.treaties if rec.atopid is not None and rec.status is not None}
    for entry in layer.statuses:
        if entry.atopid in with_status:
            problems.append(Problem("atop_status*.toml", "duplicate", f"ATOP {entry.atopid} has a status here and in "
                                    f"{layer.files[with_status[entry.atopid]].name}: keep one"))  # fmt: skip
    for label, entries in (("atop_names*.toml", layer.names), ("atop_status*.toml", layer.statuses)):
        seen: set[int] = set()
        for entry in entries:
            if entry.atopid not in atop_ids:
                problems.append(Problem(label, "dangling", f"ATOP has no alliance {entry.atopid}"))
            if entry.atopid in seen:
                problems.append(Problem(label, "duplicate", f"ATOP {entry.atopid} is listed twice"))
            seen.add(entry.atopid)
    problems += _status_problems(layer, today)
    problems += _future_sources(layer, today)
    return problems


EVIDENCE_FROM = atop.COVERAGE_END + dt.timedelta(days=1)  # a status "today" rests on evidence ATOP lacks
SAME_DAY = dt.timedelta(days=7)


def _status_problems(layer, today: dt.date) -> list[Problem]:
    """Statuses against the calendar and against the lineage links of curated treaties."""
    label = "atop_status*.toml"
    ended_by: dict[int, tuple[dt.date, str]] = {}
    for rec in layer.treaties:
        for link in rec.lineage:
            if link.relation in ("replaces", "terminates") and link.date and link.target.startswith("atop:"):
                ended_by[int(link.target[5:])] = (link.date, rec.id)
    out = []
    for s in layer.statuses:
        what = f"ATOP {s.atopid}"
        if s.as_of > today:
            out.append(Problem(label, "dates", f"{what}: status as of {s.as_of}, after today ({today})"))
        latest = max(src.date or src.accessed for src in s.sources)
        if s.status in ("in force", "suspended") and s.as_of > latest:
            out.append(Problem(label, "dates", f"{what}: '{s.status}' as of {s.as_of}, later than its newest source ({latest})"))
        if s.status == "in force" and s.as_of < EVIDENCE_FROM:
            out.append(Problem(label, "dates", f"{what}: 'in force' as of {s.as_of} says nothing about today; "
                                               f"it needs evidence from {EVIDENCE_FROM} or later (else 'unknown')"))  # fmt: skip
        if s.atopid in ended_by:
            day, by = ended_by[s.atopid]
            if s.status in ("in force", "unknown") and day <= today:
                out.append(Problem(label, "contradiction",
                                   f"{what}: status '{s.status}', but curated:{by} replaces or terminates it on {day}"))  # fmt: skip
            elif s.status == "ended" and s.precision == "day" and abs(s.as_of - day) > SAME_DAY:
                out.append(Problem(label, "contradiction", f"{what}: ended as of {s.as_of}, but curated:{by} replaces it on {day}"))
    return out


def _future_sources(layer, today: dt.date) -> list[Problem]:
    out = []
    seen: set[tuple[str, str]] = set()
    for rec in layer.treaties:
        for src in rec.sources:
            out += _future(layer.files[rec.id].name, src, today, seen)
    for label, entries in (("atop_names*.toml", layer.names), ("atop_status*.toml", layer.statuses)):
        for entry in entries:
            for src in entry.sources:
                out += _future(label, src, today, seen)
    return out


def _future(file: str, src, today: dt.date, seen: set) -> list[Problem]:
    day = src.date or src.accessed
    if day is None or day <= today or (file, src.url) in seen:
        return []
    seen.add((file, src.url))
    return [Problem(file, "dates", f"source {src.title!r} is dated {day}, after today ({today})")]


def _treaty_problems(rec: CuratedTreaty, atop_ids: set[int], curated_ids: set[str], states: StateIndex):
    if rec.atopid is not None and rec.atopid not in atop_ids:
        yield "dangling", f"atopid {rec.atopid} is not an ATOP alliance"
    for link in rec.lineage:
        kind, _, ref = link.target.partition(":")
        if (kind == "atop" and int(ref) not in atop_ids) or (kind == "curated" and ref not in curated_ids):
            yield "dangling", f"lineage {link.relation} points to {link.target}, which does not exist"
        if link.target == rec.treaty_id:
            yield "dangling", f"lineage {link.relation} points to the treaty itself"

    def order(first, second, what):
        if first is not None and second is not None and second.date < first.date:
            yield "dates", f"{what}: {second.date} is before {first.date}"

    yield from order(rec.signed, rec.entered_into_force, "entered into force before it was signed")
    yield from order(rec.signed, rec.ended, "ended before it was signed")
    yield from order(rec.entered_into_force, rec.ended, "ended before it entered into force")
    for link in rec.lineage:
        if link.date and rec.signed and link.date < rec.signed.date:
            yield "dates", f"lineage {link.relation} {link.target} dated {link.date}, before the treaty was signed ({rec.signed.date})"
    for p in rec.parties:
        who = f"party {p.state}"
        yield from order(p.signed, p.ratified, f"{who} ratified before signing")
        yield from order(rec.signed if rec.atopid is None else None, p.ratified, f"{who} ratified before the treaty was signed")
        yield from order(p.joined, p.withdrew, f"{who} withdrew before joining")
        yield from order(p.joined, p.suspended, f"{who} suspended before joining")
        yield from order(p.suspended, p.resumed, f"{who} resumed before being suspended")
        if not states.exists(p.state):
            yield "not-a-state", f"{who}: no state has COW code {p.state}"
            continue
        start = p.joined or rec.entered_into_force or p.signed or rec.signed
        if start is not None and not states.alive(p.state, start.date):
            yield "not-a-state", (f"{who} ({states.name(p.state)}) was not a member of the state system on "
                                  f"{start.date} (spells: {states.years(p.state)})")  # fmt: skip


# ---- coverage: how far the curated layer answers the questions ATOP leaves open ------------------

NAMES_FROM = 1945  # proper names are due for defense/offense alliances in force at any time since


@dataclass(frozen=True)
class Coverage:
    """What the curated layer says about the ATOP alliances it is meant to complete."""

    open_at_end: list[int]  # ATOP alliances in force at the end of 2018
    status: dict[int, str]  # atopid -> curated status, for those of ``open_at_end`` that have one
    military_open: list[int]  # of ``open_at_end``, those with a defense or offense obligation
    named_due: list[int]  # defense/offense alliances in force at any time since 1945
    named: set[int]
    new_treaties: list[str]  # curated treaties ATOP lacks

    @property
    def missing_status(self) -> list[int]:
        return [a for a in self.open_at_end if a not in self.status]

    @property
    def unsettled_status(self) -> list[int]:
        """Alliances whose status is not known: no entry, or an entry saying "unknown"."""
        return [a for a in self.open_at_end if self.status.get(a, "unknown") == "unknown"]

    @property
    def missing_names(self) -> list[int]:
        return [a for a in self.named_due if a not in self.named]

    def status_counts(self) -> dict[str, int]:
        return dict(sorted(Counter(self.status.values()).items()))


def coverage(curated_dir: Path | None, alliances: pd.DataFrame) -> Coverage:
    """Measure the curated layer against ATOP's ``alliances`` (the a-file as read by
    :func:`foedus.sources.atop.load_alliances`)."""
    layer = curated.load(curated_dir)
    a = alliances
    military = (a["defense"] == 1) | (a["offense"] == 1)
    open_ = a["ineffect"] == 1
    since = open_ | (pd.to_datetime(a["end_date"]).dt.year >= NAMES_FROM)
    status = {s.atopid: s.status for s in layer.statuses}
    for rec in layer.treaties:  # a treaty record may carry the status itself
        if rec.atopid is not None and rec.status is not None:
            status.setdefault(rec.atopid, rec.status.status)
    open_ids = sorted(int(x) for x in a.loc[open_, "atopid"])
    named = {n.atopid for n in layer.names} | {t.atopid for t in layer.treaties if t.atopid is not None and t.names}
    return Coverage(
        open_at_end=open_ids,
        status={k: v for k, v in status.items() if k in set(open_ids)},
        military_open=sorted(int(x) for x in a.loc[open_ & military, "atopid"]),
        named_due=sorted(int(x) for x in a.loc[military & since, "atopid"]),
        named=named,
        new_treaties=sorted(t.id for t in layer.treaties if t.atopid is None),
    )
