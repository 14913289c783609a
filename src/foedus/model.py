"""Typed records for the curated layer: one reviewable TOML file per treaty.

A curated record either describes a treaty ATOP lacks (``atopid`` absent) or adds to an ATOP
alliance (``atopid`` set): its proper name, events after 2018 (accessions, suspensions,
termination), lineage. Every fact names one or more sources from the file's ``[[sources]]``.
Obligations are paraphrased in our own words; treaty prose is never pasted.

The schema is strict (unknown keys are errors) so that a typo cannot silently drop a fact.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, field_validator, model_validator

Precision = Literal["day", "month", "year"]
ObligationType = Literal["defense", "offense", "neutrality", "non-aggression", "consultation"]
Relation = Literal["replaces", "renews", "amends", "suspends", "terminates", "succeeds-to"]
Role = Literal["party", "founding party", "acceding party", "guarantor"]
TreatyStatus = Literal["in force", "ended", "suspended", "unknown"]

# Conditions: ATOP's vocabulary (see foedus.vocab.CONDITION_WORDS) plus what ATOP cannot say.
ConditionKind = Literal[
    "adversary", "location", "conflict", "number", "demands", "nonprovocation", "attacked", "request", "other",
    "state-of-war", "constitutional-processes", "territorial-scope", "un-charter-article-51", "on-request",
    "context",  # framing that does not narrow when the pledge applies (e.g. "complements NATO Article 5")
]  # fmt: skip


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Source(Strict):
    """Where a fact comes from. ``date`` is the publication date; reference pages without one
    give the day they were read as ``accessed``. ``id`` is needed where facts cite it by id."""

    id: str | None = Field(default=None, pattern=r"^[a-z0-9][a-z0-9-]*$")
    publisher: str
    title: str
    date: dt.date | None = None
    url: HttpUrl
    accessed: dt.date | None = None

    @model_validator(mode="after")
    def _dated(self) -> "Source":
        if self.date is None and self.accessed is None:
            raise ValueError(f"source {self.title!r} needs a publication date or an accessed date")
        return self


class Sourced(Strict):
    sources: list[str] = Field(min_length=1)


class Day(Sourced):
    """A dated fact: a day, or a month/year when the day is not known."""

    date: dt.date
    precision: Precision = "day"
    place: str | None = None
    note: str | None = None


class Names(Sourced):
    official: str | None = None
    short: str
    other: dict[str, str] = Field(default_factory=dict)  # language code -> name


class Party(Strict):
    state: int  # COW code
    role: Role = "party"
    signed: Day | None = None
    ratified: Day | None = None
    joined: Day | None = None  # accession / membership takes effect
    suspended: Day | None = None  # participation frozen (obligations not honoured or not owed)
    resumed: Day | None = None
    withdrew: Day | None = None  # membership ends


class Condition(Strict):
    kind: ConditionKind
    text: str  # our paraphrase
    threat_states: list[int] = Field(default_factory=list)


class Obligation(Sourced):
    type: ObligationType
    obligors: list[int] | Literal["all"] = "all"
    beneficiaries: list[int] | Literal["all"] = "all"
    article: str | None = None
    summary: str  # paraphrase in our words
    conditions: list[Condition] = Field(default_factory=list)


class Lineage(Sourced):
    relation: Relation
    target: str = Field(pattern=r"^(atop:\d+|curated:[a-z0-9][a-z0-9-]*)$")
    date: dt.date | None = None
    note: str | None = None


class Status(Sourced):
    """Status today of an ATOP alliance still in force at the end of 2018."""

    status: TreatyStatus
    as_of: dt.date
    note: str | None = None


class CuratedTreaty(Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    atopid: int | None = None
    kind: Literal["defense pact", "offense pact", "neutrality pact", "non-aggression pact", "consultation pact",
                  "agreement"] | None = None  # fmt: skip
    names: Names
    signed: Day | None = None
    entered_into_force: Day | None = None
    ended: Day | None = None
    status: Status | None = None
    parties: list[Party] = Field(default_factory=list)
    obligations: list[Obligation] = Field(default_factory=list)
    lineage: list[Lineage] = Field(default_factory=list)
    sources: list[Source] = Field(min_length=1)
    notes: str | None = None

    @field_validator("parties")
    @classmethod
    def _unique_parties(cls, parties: list[Party]) -> list[Party]:
        codes = [p.state for p in parties]
        dupes = sorted({c for c in codes if codes.count(c) > 1})
        if dupes:
            raise ValueError(f"state(s) listed twice among the parties: {dupes}")
        return parties

    @model_validator(mode="after")
    def _references(self) -> "CuratedTreaty":
        unnamed = [s.title for s in self.sources if s.id is None]
        if unnamed:
            raise ValueError(f"every source of a treaty file needs an id; missing for {unnamed}")
        known = {s.id for s in self.sources}
        for where, refs in self._source_refs():
            missing = [r for r in refs if r not in known]
            if missing:
                raise ValueError(f"{where} cites unknown source(s) {missing}; declare them under [[sources]]")
        if self.atopid is None:
            if not self.parties:
                raise ValueError("a treaty ATOP lacks must list its parties")
            if self.signed is None:
                raise ValueError("a treaty ATOP lacks must give its signing date")
            if self.kind is None:
                raise ValueError("a treaty ATOP lacks must give its kind")
        party_codes = {p.state for p in self.parties}
        for ob in self.obligations:
            for group in (ob.obligors, ob.beneficiaries):
                if group != "all" and self.atopid is None and not set(group) <= party_codes:
                    raise ValueError(f"obligation {ob.type!r} names non-parties {sorted(set(group) - party_codes)}")
        return self

    def _source_refs(self):
        yield "names", self.names.sources
        for label in ("signed", "entered_into_force", "ended", "status"):
            fact = getattr(self, label)
            if fact is not None:
                yield label, fact.sources
        for p in self.parties:
            for label in ("signed", "ratified", "joined", "suspended", "resumed", "withdrew"):
                fact = getattr(p, label)
                if fact is not None:
                    yield f"party {p.state} {label}", fact.sources
        for i, ob in enumerate(self.obligations):
            yield f"obligation {i + 1} ({ob.type})", ob.sources
        for link in self.lineage:
            yield f"lineage {link.relation} {link.target}", link.sources

    @property
    def treaty_id(self) -> str:
        return f"atop:{self.atopid}" if self.atopid is not None else f"curated:{self.id}"


class AllianceName(Strict):
    """A proper name for an ATOP alliance (ATOP itself carries none)."""

    atopid: int
    short: str
    official: str | None = None
    other: dict[str, str] = Field(default_factory=dict)
    sources: list[Source] = Field(min_length=1)


class AllianceStatus(Strict):
    """What became of an ATOP alliance that was in force at the end of 2018."""

    atopid: int
    status: TreatyStatus
    as_of: dt.date  # the day the status was established (for "ended": the day it ended)
    precision: Precision = "day"
    note: str | None = None
    sources: list[Source] = Field(min_length=1)


class AllianceNamesFile(Strict):
    alliance: list[AllianceName]


class AllianceStatusFile(Strict):
    alliance: list[AllianceStatus]
