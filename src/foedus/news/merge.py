"""Several articles about one event become one claim set.

Within an article, claims about the same treaty (its main treaty, or an earlier one named by
year) are grouped by event type. Across articles, groups merge when the event type matches,
the parties overlap (or one article names none) and the dates agree within three days (or
one article gives none), and the treaty descriptions share a content word.

Every value in a claim set lists the articles behind it, with their sentences and the
attributions ("according to TASS", "Putin said") of those sentences. Where articles give
different values — a date, a place, the conditions of an obligation, which or how many
treaties are replaced, how the meeting is placed in a series — the claim set lists each
value with its articles under ``disagreements``; nothing is chosen between them.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from .extract import ArticleClaims, Claim, _similar

SECURITY = re.compile(r"defen[cs]e|security|military|alliance|mutual|aggression|friendship|strategic partnership|"
                      r"NATO|CSTO|assistance|neutrality", re.I)  # fmt: skip


@dataclass
class ClaimSet:
    event_type: str
    treaty_texts: list[str] = field(default_factory=list)
    treaty_names: list[str] = field(default_factory=list)
    parties: dict[int, list[str]] = field(default_factory=dict)  # ccode -> article ids
    dates: dict[str, list[str]] = field(default_factory=dict)  # iso -> article ids
    places: dict[str, list[str]] = field(default_factory=dict)
    obligations: dict[str, dict] = field(default_factory=dict)  # label -> {type, unconditional, conditions, articles}
    lineage: list[dict] = field(default_factory=list)
    meetings: dict[str, dict] = field(default_factory=dict)  # article id -> meeting claims
    background: list[dict] = field(default_factory=list)  # what the articles say about earlier treaties
    articles: dict[str, dict] = field(default_factory=dict)  # id -> metadata
    attributions: dict[str, list[str]] = field(default_factory=dict)  # who -> article ids
    evidence: list[dict] = field(default_factory=list)
    disagreements: list[dict] = field(default_factory=list)
    alliance: bool = False

    @property
    def party_codes(self) -> list[int]:
        return sorted(self.parties)

    def date(self) -> str | None:
        """The date, when every article that gives one agrees."""
        return next(iter(self.dates)) if len(self.dates) == 1 else None

    def to_dict(self) -> dict:
        return {k: getattr(self, k) for k in ("event_type", "treaty_texts", "treaty_names", "parties", "dates", "places",
                                               "obligations", "lineage", "meetings", "background", "articles",
                                               "attributions", "evidence", "disagreements", "alliance")} | {
            "parties": {str(k): v for k, v in self.parties.items()}}  # fmt: skip


def _add(d: dict, key, aid: str) -> None:
    lst = d.setdefault(key, [])
    if aid not in lst:
        lst.append(aid)


def _who(attrs: list[str]) -> list[str]:
    return [a.removeprefix("speaker:") for a in attrs]


def article_sets(ac: ArticleClaims) -> list[ClaimSet]:
    """Group one article's claims into claim sets (one per treaty and event type)."""
    art = ac.article
    aid = art.id
    meta = {"title": art.title, "published": None if art.published is None else art.published.isoformat(),
            "reference": None if ac.reference is None else ac.reference.isoformat(), "reference_basis": ac.reference_basis,
            "url": art.url, "publisher": art.publisher, "origin": art.origin}  # fmt: skip
    old = (ac.reference - dt.timedelta(days=366)) if ac.reference else None
    groups: dict[tuple, ClaimSet] = {}
    main_parties: set[int] = set()
    background: list[dict] = []
    for c in ac.claims:
        if c.kind == "event" and c.treaty and c.treaty.key == "main":
            main_parties |= set(c.parties)

    def is_background(c: Claim) -> bool:
        if c.background:
            return True
        if c.treaty is not None and c.treaty.key.startswith("year:"):
            return True
        return c.date is not None and old is not None and c.date.date < old

    body_dated = {(c.treaty.key if c.treaty else "none", c.value["type"]) for c in ac.claims
                  if c.kind == "event" and c.evidence.where == "text" and c.date is not None}
    for c in ac.claims:
        if c.kind != "event":
            continue
        if is_background(c):
            background.append({"about": c.treaty.text if c.treaty else None, "year": c.treaty.year if c.treaty else None,
                               "claim": c.value["type"], "parties": c.parties,
                               "date": c.date.iso() if c.date else None, "article": aid, "sentence": c.evidence.sentence})  # fmt: skip
            continue
        key = (c.treaty.key if c.treaty else "none", c.value["type"])
        cs = groups.get(key)
        if cs is None:
            cs = groups[key] = ClaimSet(c.value["type"])
            cs.articles[aid] = meta
        _absorb(cs, c, aid)
        for code in (c.parties or (main_parties if key[0] == "main" else [])):
            _add(cs.parties, code, aid)
        if c.date is not None and not (c.evidence.where == "title" and key in body_dated):
            _add(cs.dates, c.date.iso(), aid)
        if c.value.get("place"):
            _add(cs.places, c.value["place"], aid)
    main_sets = [cs for (k, _), cs in groups.items() if k == "main"]
    for c in ac.claims:
        if c.kind == "obligation":
            if c.treaty is not None and c.treaty.key == "main" and main_sets:
                for cs in main_sets:
                    label = c.value["type"] + (" (unconditional)" if c.value.get("unconditional") else "")
                    ob = cs.obligations.setdefault(label, {"type": c.value["type"], "unconditional": bool(c.value.get("unconditional")),
                                                           "conditions": [], "articles": [], "phrases": [], "hedged": []})  # fmt: skip
                    _add(ob, "articles", aid) if False else (aid in ob["articles"] or ob["articles"].append(aid))
                    ob["phrases"].append(c.value["phrase"])
                    ob["conditions"] = sorted(set(ob["conditions"]) | set(c.value.get("conditions", [])))
                    if c.value.get("hedged"):
                        ob["hedged"].append(aid)
                    _absorb(cs, c, aid)
            else:
                background.append({"about": c.treaty.text if c.treaty else None, "year": c.treaty.year if c.treaty else None,
                                   "claim": "obligation: " + c.value["type"] + (" (unconditional)" if c.value.get("unconditional") else ""),
                                   "article": aid, "sentence": c.evidence.sentence})  # fmt: skip
        elif c.kind == "lineage" and c.treaty is not None and c.treaty.key == "main" and main_sets:
            for cs in main_sets:
                cs.lineage.append({"relation": "replaces", "target": c.value["target"], "year": c.value["target_year"],
                                   "count": c.value["count"], "plural": c.value["plural"], "article": aid,
                                   "attributions": _who(c.attributions)})  # fmt: skip
                _absorb(cs, c, aid)
        elif c.kind == "meeting" and main_sets:
            for cs in main_sets:
                m = cs.meetings.setdefault(aid, {})
                m.update({k: v for k, v in c.value.items() if v not in (None, [], "")})
                _absorb(cs, c, aid)
    for cs in main_sets:
        cs.background += background
        cs.treaty_texts = list(dict.fromkeys(ac.main_texts + cs.treaty_texts))
    for cs in groups.values():
        cs.alliance = bool(cs.obligations) or any(SECURITY.search(t) for t in cs.treaty_texts)
    return list(groups.values())


def _absorb(cs: ClaimSet, c: Claim, aid: str) -> None:
    if c.treaty is not None:
        if c.treaty.text not in cs.treaty_texts and c.kind == "event":
            cs.treaty_texts.append(c.treaty.text)
        if c.treaty.name and c.treaty.name not in cs.treaty_names:
            cs.treaty_names.append(c.treaty.name)
    for who in _who(c.attributions):
        _add(cs.attributions, who, aid)
    ev = c.evidence.to_dict() | {"kind": c.kind}
    if ev not in cs.evidence:
        cs.evidence.append(ev)


def _close(d1: dict, d2: dict) -> bool:
    if not d1 or not d2:
        return True
    for a in d1:
        for b in d2:
            if len(a) == len(b) == 10 and abs((dt.date.fromisoformat(a) - dt.date.fromisoformat(b)).days) <= 3:
                return True
            if a[:7] == b[:7] or a == b:
                return True
    return False


def _same_event(a: ClaimSet, b: ClaimSet) -> bool:
    if a.event_type != b.event_type:
        return False
    pa, pb = set(a.parties), set(b.parties)
    if pa and pb and not (pa & pb):
        return False
    if not (pa and pb) and not (a.alliance and b.alliance):
        return False
    if not _close(a.dates, b.dates):
        return False
    return any(_similar(x, y) for x in a.treaty_texts for y in b.treaty_texts) or (pa and pa == pb and a.alliance and b.alliance)


def merge(per_article: list[ArticleClaims]) -> list[ClaimSet]:
    sets: list[ClaimSet] = []
    for ac in per_article:
        for cs in article_sets(ac):
            target = next((s for s in sets if _same_event(s, cs) and not (set(s.articles) & set(cs.articles))), None)
            if target is None:
                sets.append(cs)
            else:
                _fold(target, cs)
    for cs in sets:
        cs.disagreements = disagreements(cs)
    sets.sort(key=lambda s: (not s.alliance, -len(s.articles), -len(s.evidence)))
    return sets


def _fold(into: ClaimSet, other: ClaimSet) -> None:
    into.articles.update(other.articles)
    into.treaty_texts = list(dict.fromkeys(into.treaty_texts + other.treaty_texts))
    into.treaty_names = list(dict.fromkeys(into.treaty_names + other.treaty_names))
    for src, dst in ((other.parties, into.parties), (other.dates, into.dates), (other.places, into.places),
                     (other.attributions, into.attributions)):  # fmt: skip
        for k, ids in src.items():
            for i in ids:
                _add(dst, k, i)
    for label, ob in other.obligations.items():
        mine = into.obligations.setdefault(label, {**ob, "articles": [], "phrases": [], "hedged": []})
        mine["articles"] = list(dict.fromkeys(mine["articles"] + ob["articles"]))
        mine["phrases"] += ob["phrases"]
        mine["hedged"] = list(dict.fromkeys(mine["hedged"] + ob["hedged"]))
        mine["conditions"] = sorted(set(mine["conditions"]) | set(ob["conditions"]))
    into.lineage += other.lineage
    into.meetings.update(other.meetings)
    into.background += other.background
    into.evidence += [e for e in other.evidence if e not in into.evidence]
    into.alliance = into.alliance or other.alliance


def disagreements(cs: ClaimSet) -> list[dict]:
    """Fields on which the articles behind a claim set differ, each value with its articles."""
    out = []
    n = len(cs.articles)
    if n < 2:
        return out
    for name, values in (("date", cs.dates), ("place", cs.places)):
        if len(values) > 1:
            out.append({"field": name, "values": {k: v for k, v in values.items()}})
    # obligations: the same type described with different conditions by different articles
    by_type: dict[str, dict[str, list[str]]] = {}
    for label, ob in cs.obligations.items():
        for aid in ob["articles"]:
            desc = label + (" (hedged: 'seen as')" if aid in ob["hedged"] else "")
            by_type.setdefault(ob["type"], {}).setdefault(aid, []).append(desc)
    for typ, per_art in by_type.items():
        views = {"; ".join(sorted(set(v))): [] for v in per_art.values()}
        for aid, v in per_art.items():
            views["; ".join(sorted(set(v)))].append(aid)
        if len(views) > 1:
            out.append({"field": f"obligation ({typ})", "values": views})
    # lineage: which treaties are replaced, and how many
    lin: dict[str, list[str]] = {}
    for link in cs.lineage:
        parts = []
        if link["year"]:
            parts.append(f"the {link['year']} treaty")
        if link["count"]:
            parts.append(f"{link['count']} earlier treaties")
        elif link["plural"]:
            parts.append("earlier treaties (number not given)")
        lin.setdefault(link["article"], []).extend(parts)
    views: dict[str, list[str]] = {}
    for aid, parts in lin.items():
        views.setdefault(", ".join(dict.fromkeys(parts)), []).append(aid)
    if len(views) > 1:
        out.append({"field": "treaties replaced", "values": views})
    # meeting series
    mviews: dict[str, list[str]] = {}
    for aid, m in cs.meetings.items():
        bits = []
        if m.get("ordinal"):
            bits.append(f"meeting number {m['ordinal']}")
        if m.get("again"):
            bits.append("met again" + (f" {m['interval']}" if m.get("interval") else ""))
        if m.get("earlier"):
            bits.append("earlier meeting(s): " + ", ".join(m["earlier"]))
        mviews.setdefault("; ".join(bits), []).append(aid)
    if len(mviews) > 1:
        out.append({"field": "meeting history", "values": mviews})
    return out
