"""JSON-ready views of the knowledge base for the HTTP API and the web page.

Pure functions from a :class:`~foedus.kb.KnowledgeBase` (and engine results) to plain dicts
and lists: sources resolved to links, lineage rows with fixed keys, a scenario as a graph of
nodes and typed, directed edges. The API (:mod:`foedus.api`) only validates requests and
maps errors; what it returns is built here.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import OrderedDict
from threading import Lock

import pandas as pd

from .render import records, scenario_report

#: Obligation types drawn as edges, strongest first (the page's legend uses the same order).
EDGE_TYPES = ("defense", "offense", "neutrality", "non-aggression", "consultation")


# ---- sources ---------------------------------------------------------------------------------


def source_link(kb, source_id: str) -> dict:
    """One source as {id, publisher, title, date, accessed, url}; an unknown id keeps its text, no url.
    ``date`` is the publication date; ``accessed`` the day an undated page was read."""
    s = kb.source_records().get(source_id)
    if s is None:
        return {"id": source_id, "publisher": None, "title": source_id, "date": None, "accessed": None, "url": None}
    return {"id": source_id, **s}


def treaty_sources(kb, treaty_id: str) -> list[dict]:
    return [source_link(kb, sid) for sid in kb.treaty_source_ids(treaty_id)]


def _row_sources(kb, text: str, treaty_id: str) -> list[dict]:
    """The ``source`` column of an obligation row ("ATOP 5.1 member file, …" or "id; id") as links."""
    if not text:
        return []
    if text.startswith("ATOP 5.1 member file"):
        return [{**source_link(kb, "atop_member"), "title": text}]
    return [source_link(kb, sid.strip()) for sid in text.split(";") if sid.strip()]


# ---- states ----------------------------------------------------------------------------------


def state_list(kb, on: dt.date | None = None) -> list[dict]:
    """Every COW state (or those in the system on ``on``): code, name, abbreviation, years."""
    out = []
    for code in kb.state_table["ccode"]:
        code = int(code)
        if on is not None and not kb.states.alive(code, on):
            continue
        row = kb.state_table.loc[code]
        out.append({"ccode": code, "name": kb.states.name(code, on), "abb": row["abb"],
                    "iso3": None if pd.isna(row["iso3"]) else row["iso3"], "years": kb.states.years(code)})  # fmt: skip
    return sorted(out, key=lambda s: s["name"])


def resolved(kb, code: int, on: dt.date | None) -> dict:
    return {"ccode": code, "name": kb.states.name(code, on), "years": kb.states.years(code)}


def state_detail(kb, ref, on=None) -> dict:
    rep = kb.state(ref, on=on)
    return {"ccode": rep.ccode, "name": rep.name, "abb": rep.abb, "iso3": rep.iso3, "aliases": rep.aliases,
            "spells": records(rep.spells), "alliances": records(rep.alliances)}  # fmt: skip


# ---- obligations -----------------------------------------------------------------------------


def obligation_rows(kb, df: pd.DataFrame) -> list[dict]:
    rows = records(df)
    for r in rows:
        r["sources"] = _row_sources(kb, r.get("source") or "", r["treaty_id"])
    return rows


def to_json_bytes(obj) -> bytes:
    """Compact UTF-8 JSON of a view (dates as ISO strings)."""
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"), default=_default).encode()


def _default(value):
    if isinstance(value, (dt.date, pd.Timestamp)):
        return value.isoformat()[:10]
    if hasattr(value, "item"):
        return value.item()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


class ObligationCache:
    """A bounded, thread-safe cache of the obligations answer per (state, day, partner, filters),
    kept as the JSON bytes sent. The knowledge base is read-only, so an entry never goes stale;
    a new store gets a new cache."""

    def __init__(self, kb, size: int = 4096):
        self.kb, self.size = kb, size
        self._data: OrderedDict = OrderedDict()
        self._lock = Lock()
        self.hits = self.misses = 0

    def payload(self, code: int, day: dt.date, partner: int | None = None, direction: str | None = None,
                obligation: str | None = None) -> bytes:  # fmt: skip
        key = (code, day, partner, direction, obligation)
        with self._lock:
            if key in self._data:
                self._data.move_to_end(key)
                self.hits += 1
                return self._data[key]
        kb = self.kb
        df = kb.obligations(code, on=day) if partner is None else kb.allies(code, partner, on=day)
        if direction:
            df = df[df["direction"] == direction]
        if obligation:
            df = df[df["obligation"] == obligation]
        rows = obligation_rows(kb, df)
        body = to_json_bytes({"state": resolved(kb, code, day), "partner": resolved(kb, partner, day) if partner else None,
                              "on": day.isoformat(), "count": len(rows), "rows": rows})  # fmt: skip
        with self._lock:
            self.misses += 1
            self._data[key] = body
            while len(self._data) > self.size:
                self._data.popitem(last=False)
        return body


# ---- treaties --------------------------------------------------------------------------------


def treaty_list(kb, q: str | None = None, limit: int = 50, offset: int = 0) -> dict:
    t = kb.treaties
    if q:
        needle = q.casefold()
        hay = (t["treaty_id"].astype(str) + "\n" + t["label"].astype(str) + "\n" + t["name"].fillna("").astype(str)
               + "\n" + t["official_name"].fillna("").astype(str) + "\n" + t["curated_id"].fillna("").astype(str)
               + "\n" + t["other_names"].map("\n".join))  # fmt: skip
        t = t[hay.str.casefold().str.contains(needle, regex=False)]
    t = t.sort_values("start_date")
    page = t.iloc[offset : offset + limit]
    items = [
        {"treaty_id": r["treaty_id"], "label": r["label"], "kind": r["kind"],
         "atopid": None if pd.isna(r["atopid"]) else int(r["atopid"]),
         "signed": str(pd.Timestamp(r["start_date"]).date()),
         "ended": None if pd.isna(r["end_date"]) else str(pd.Timestamp(r["end_date"]).date())}
        for r in page.to_dict("records")
    ]  # fmt: skip
    return {"total": int(len(t)), "offset": offset, "limit": limit, "items": items}


def _link(kb, other: str, relation: str, date) -> dict:
    known = other in kb.treaties.index
    return {"treaty_id": other, "label": kb.treaties.at[other, "label"] if known else None, "relation": relation,
            "date": None if date is None or pd.isna(date) else str(pd.Timestamp(date).date()), "known": known}  # fmt: skip


def treaty_detail(kb, ref) -> dict:
    rep = kb.treaty(ref)
    key = rep.treaty_id
    lin = kb.lineage_table
    preds = [_link(kb, r.target, r.relation, r.date) for r in lin[lin["treaty_id"] == key].itertuples(index=False)]
    succs = [_link(kb, r.treaty_id, r.relation, r.date) for r in lin[lin["target"] == key].itertuples(index=False)]
    summary = {k: v for k, v in rep.summary.items() if k not in ("predecessors", "successors", "sources")}
    return {
        **summary,
        "display_name": kb.treaties.at[key, "label"],
        "predecessors": preds,
        "successors": succs,
        "sources": treaty_sources(kb, key),
        "phases": records(rep.phases),
        "members": records(rep.members),
        "events": records(rep.events),
    }


# ---- lineage ---------------------------------------------------------------------------------


def lineage_detail(kb, a, b, bilateral_only: bool = False) -> dict:
    ca, cb = kb.resolve(a), kb.resolve(b)
    df = kb.lineage(ca, cb, bilateral_only=bilateral_only)
    entries = []
    for r in records(df) if not df.empty else []:
        entries.append({
            "treaty_id": r["treaty_id"], "treaty": r["treaty"], "bilateral": r["bilateral"],
            "from": r["from"], "from_basis": r["from_basis"], "until": r["until"], "until_basis": r["until_basis"],
            "a_owes_b": r[f"{ca} owes {cb}"], "b_owes_a": r[f"{cb} owes {ca}"], "lineage": r["lineage"],
            "sources": treaty_sources(kb, r["treaty_id"]),
        })  # fmt: skip
    return {"a": resolved(kb, ca, None), "b": resolved(kb, cb, None), "entries": entries}


# ---- scenarios -------------------------------------------------------------------------------


def scenario_graph(kb, result) -> dict:
    """The cascade as a graph: belligerents and the states whose pledges were weighed as nodes;
    attacks (round 0) and obligations that would make a state join, or keep it neutral, as
    directed edges (obligor -> beneficiary), each with its round and status. Non-aggression
    and consultation pledges are counted, not drawn (a war triggers hundreds of them)."""
    day = result.scenario.day
    nodes: dict[int, dict] = {}

    def node(code: int) -> None:
        if code not in nodes:
            nodes[code] = {"ccode": code, "name": kb.states.name(code, day), "side": result.sides.get(code),
                           "round": result.joined_in.get(code),
                           "attacker": any(a.attacker == code for a in result.scenario.attacks),
                           "target": any(a.target == code for a in result.scenario.attacks),
                           "conflict": None}  # fmt: skip

    edges = []
    cited: dict[str, list[dict]] = {}

    def sources(treaty_id: str) -> list[dict]:
        if treaty_id not in cited:
            cited[treaty_id] = treaty_sources(kb, treaty_id) if treaty_id in kb.treaties.index else []
        return cited[treaty_id]

    for a in result.scenario.attacks:
        node(a.attacker)
        node(a.target)
        edges.append({"from": a.attacker, "to": a.target, "obligation": "attack", "round": 0, "status": "attack",
                      "treaty_id": None, "treaty": None, "article": None, "joined": True, "conditions": [],
                      "sources": []})  # fmt: skip
    seen = set()
    for act in result.activations:
        if act.effect not in ("joins", "stays neutral toward"):
            continue
        if act.effect == "stays neutral toward" and act.status != "bound":
            continue
        key = (act.state, act.beneficiary, act.obligation, act.treaty_id)
        if key in seen:
            continue
        seen.add(key)
        node(act.state)
        node(act.beneficiary)
        joined = (act.effect == "joins" and result.joined_in.get(act.state) == act.round
                  and result.sides.get(act.state) == result.sides.get(act.beneficiary))  # fmt: skip
        edges.append({"from": act.state, "to": act.beneficiary, "obligation": act.obligation, "round": act.round,
                      "status": act.status, "treaty_id": act.treaty_id, "treaty": act.treaty, "article": act.article,
                      "joined": joined,
                      "conditions": [{"text": c.text, "status": c.status, "question": c.question, "key": c.key}
                                     for c in act.checks],
                      "sources": sources(act.treaty_id)})  # fmt: skip
    for code, why in result.conflicts:
        node(code)
        nodes[code]["conflict"] = why
    counts: dict[str, int] = {}
    for act in result.activations:
        if act.effect in ("must not attack", "must consult"):
            counts[act.obligation] = counts.get(act.obligation, 0) + 1
    return {"day": day.isoformat(), "rounds": result.rounds, "nodes": sorted(nodes.values(), key=lambda n: n["ccode"]),
            "edges": edges, "not_drawn": counts}  # fmt: skip


def scenario_payload(kb, result, other=None, mc=None) -> dict:
    out = {"report": scenario_report(kb, result, other, mc), "graph": scenario_graph(kb, result)}
    if other is not None:
        out["counterfactual_graph"] = scenario_graph(kb, other)
    return out
