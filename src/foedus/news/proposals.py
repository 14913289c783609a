"""Claim sets -> proposed changes to the knowledge base, kept in ``news.duckdb`` beside the
store (``foedus build`` never touches it), applied or rejected only by a command.

A proposal is one curated record before and after: the change is the unified diff between
the two TOML texts, and each item says what it is — ``new-treaty``, ``new-event``,
``new-lineage``, ``new-obligation``, ``new-source`` (the articles back a fact the knowledge
base already has), ``conflict`` (the articles contradict a fact it has) or ``disputed`` (the
articles contradict each other). Conflicts and disputes are shown and never applied.

Applying writes the record into a user curated directory (``--curated DIR`` /
``$FOEDUS_CURATED``, else ``$FOEDUS_HOME/curated``; on first use it is filled with a copy of
the shipped curated layer so that ``foedus build --curated DIR`` sees the whole layer), with
the articles as ``[[sources]]``. It is refused when the record changed since the proposal
was made. The file write and the decision record commit together or not at all.
"""

from __future__ import annotations

import datetime as dt
import difflib
import getpass
import hashlib
import json
import os
import re
import shutil
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from .. import config
from ..errors import FoedusError
from ..model import CuratedTreaty
from ..sources import curated as curated_source
from .extract import _similar
from .merge import ClaimSet
from .tomlout import dumps

OBLIGATION_KIND = {"defense": "defense pact", "offense": "offense pact", "neutrality": "neutrality pact",
                   "non-aggression": "non-aggression pact", "consultation": "consultation pact"}  # fmt: skip
SUMMARY = {
    "defense": "Each party assists the other if it is attacked (as the news reports describe it; treaty text not checked).",
    "offense": "The parties act together militarily (as the news reports describe it; treaty text not checked).",
    "neutrality": "Each party stays neutral if the other is at war (as the news reports describe it).",
    "non-aggression": "The parties do not attack each other (as the news reports describe it).",
    "consultation": "The parties contact or consult each other in a crisis (as the news reports describe it).",
}  # fmt: skip
PLACEHOLDER_HOST = "https://foedus.invalid/news/"


class ProposalError(FoedusError):
    """A proposal cannot be applied or rejected as asked."""


@dataclass
class Proposal:
    summary: str
    items: list[dict]
    treaty_id: str | None
    file_name: str | None
    base_sha: str
    before: str
    after: str
    claim_set: dict
    articles: list[str]
    applicable: bool = True
    id: int | None = None
    status: str = "pending"
    extra: dict = field(default_factory=dict)

    def diff(self) -> str:
        return "".join(difflib.unified_diff(self.before.splitlines(True), self.after.splitlines(True),
                                            f"a/{self.file_name}" if self.before else "/dev/null",
                                            f"b/{self.file_name}"))  # fmt: skip


# ---- where records live ------------------------------------------------------------------
def user_curated_dir(explicit: Path | None = None) -> Path:
    return Path(explicit) if explicit else config.user_dir() / "curated"


def news_db_path(store_path: Path) -> Path:
    return Path(store_path).with_name("news.duckdb")


def _record_text(name: str, user_dir: Path) -> str:
    for d in (user_dir, curated_source.default_dir()):
        p = d / name
        if p.is_file():
            return p.read_text("utf-8")
    return ""


def sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# ---- treaty matching ----------------------------------------------------------------------
def match_treaty(kb, cs: ClaimSet) -> tuple[str | None, str]:
    parties = cs.party_codes
    tr = kb.treaties
    cands = set(tr.index)
    if parties:
        mem = kb.memberships
        for p in parties:
            cands &= set(mem.loc[mem["ccode"] == p, "treaty_id"])
    texts = cs.treaty_texts + cs.treaty_names
    best, why, best_score = None, "", 0.0
    day = cs.date()
    for tid in cands:
        row = tr.loc[tid]
        names = [str(x) for x in (row["name"], row["official_name"], row["label"]) if isinstance(x, str)]
        score = 0.0
        if any(_similar(t, n) and len(set(re.findall(r"[a-z]+", t.lower())) & set(re.findall(r"[a-z]+", n.lower()))
                                       - {"treaty", "agreement", "the", "of", "and", "on", "between"}) >= 2
               for t in texts for n in names):  # fmt: skip
            score += 2
        start = pd.Timestamp(row["start_date"]).date()
        if day and len(day) == 10 and cs.event_type == "signed":
            if start == dt.date.fromisoformat(day):
                score += 3
            elif abs(start.year - int(day[:4])) > 1:
                score -= 2
        if len(parties) >= 2 and score > 0:
            score += 1
        if score > best_score:
            best, best_score = tid, score
            why = f"parties {parties} are members; " + ("name and " if score >= 2 and score != 3 else "") + (
                "signing day agree" if day and start.isoformat() == day else "name agrees")
    if best_score >= 2:
        return best, why
    for t in texts:  # organisations and well-known names without parties ("NATO")
        try:
            return kb.treaty_id(t), "treaty name"
        except Exception:
            continue
    return None, "no treaty in the knowledge base has these parties and this name or date"


def match_year(kb, parties: list[int], year: int) -> str | None:
    if len(parties) < 2:
        return None
    mem = kb.memberships
    cands = set(mem.loc[mem["ccode"] == parties[0], "treaty_id"])
    for p in parties[1:]:
        cands &= set(mem.loc[mem["ccode"] == p, "treaty_id"])
    hits = [t for t in cands if pd.Timestamp(kb.treaties.at[t, "start_date"]).year == year]
    return hits[0] if len(hits) == 1 else None


# ---- sources from articles ---------------------------------------------------------------
def source_id(article_id: str) -> str:
    return "news-" + article_id.removeprefix("a-")[:12]


def article_source(aid: str, meta: dict, today: dt.date) -> dict:
    url = meta.get("url") if str(meta.get("url") or "").startswith(("http://", "https://")) else PLACEHOLDER_HOST + aid
    origin = Path(str(meta.get("origin") or "")).name
    src = {"id": source_id(aid), "publisher": meta.get("publisher") or f"unknown publisher (news file {origin})",
           "title": meta.get("title") or f"untitled article {aid} ({origin})", "url": url}  # fmt: skip
    if meta.get("published"):
        src["date"] = dt.date.fromisoformat(meta["published"])
    else:
        src["accessed"] = today
    return src


# ---- building a proposal -----------------------------------------------------------------
def propose(kb, cs: ClaimSet, user_dir: Path, today: dt.date | None = None) -> Proposal | None:
    """The change the claim set asks for, or None (nothing to propose: not an alliance treaty)."""
    today = today or dt.date.today()
    if not cs.alliance:
        return None
    tid, why = match_treaty(kb, cs)
    aids = list(cs.articles)
    sids = [source_id(a) for a in aids]
    items: list[dict] = []
    dispute_fields = {d["field"] for d in cs.disagreements}
    for d in cs.disagreements:
        items.append({"op": "disputed", "field": d["field"], "values": d["values"]})
    if tid is None:
        record, file_name, base = _new_record(kb, cs, sids, items, today)
        if record is None:
            return Proposal(f"{cs.event_type}: unknown treaty; not enough to record it", items, None, None, "", "", "",
                            cs.to_dict(), aids, applicable=False)  # fmt: skip
        before = ""
    else:
        rec_name, before = _existing(kb, tid, user_dir)
        if before:
            raw = tomllib.loads(before)
        else:
            atopid = int(tid.split(":")[1])
            raw = {"id": f"atop-{atopid}", "atopid": atopid,
                   "names": {"short": str(kb.treaties.at[tid, "label"]), "sources": sids[:1]}, "sources": []}  # fmt: skip
        file_name = rec_name or f"{raw['id']}.toml"
        _amend(kb, raw, cs, tid, sids, items, dispute_fields)
        record = raw
    existing_ids = {s["id"] for s in record.get("sources", [])}
    cited = set(_cited(record))
    for aid in aids:
        src = article_source(aid, cs.articles[aid], today)
        if src["id"] not in existing_ids and src["id"] in cited:
            record.setdefault("sources", []).append(src)
    try:
        model = CuratedTreaty.model_validate(record)
    except Exception as exc:
        return Proposal(f"{cs.event_type}: {tid or 'new treaty'} (cannot be recorded: {str(exc).splitlines()[0]})", items,
                        tid, file_name, sha(before), before, before, cs.to_dict(), aids, applicable=False)  # fmt: skip
    header = _header(before, model.id)
    after = dumps(model.model_dump(mode="python", exclude_defaults=True) | {"id": model.id, "names": model.names.model_dump(mode="python", exclude_defaults=True)}, header)
    CuratedTreaty.model_validate(tomllib.loads(after))  # the written file reads back as the same record
    changes = [i for i in items if i["op"] not in ("disputed", "conflict", "note")]
    label = kb.treaties.at[tid, "label"] if tid else model.names.short
    summary = f"{cs.event_type} {cs.date() or '(date disputed or not given)'}: {label} [{tid or 'new treaty ' + model.id}]"
    if tid:
        items.insert(0, {"op": "note", "text": f"matched {tid} ({why})"})
    return Proposal(summary, items, tid, file_name, sha(before), before, after, cs.to_dict(), aids,
                    applicable=bool(changes) and after != before)  # fmt: skip


def _header(before: str, rid: str) -> str:
    lines = []
    for ln in before.splitlines():
        if ln.startswith("#"):
            lines.append(ln)
        else:
            break
    if not lines:
        lines.append(f"# {rid}: recorded from news articles by `foedus news apply`; review before relying on it.")
    return "\n".join(lines) + "\n"


def _cited(record: dict):
    def walk(x):
        if isinstance(x, dict):
            for k, v in x.items():
                if k == "sources" and isinstance(v, list) and all(isinstance(s, str) for s in v):
                    yield from v
                elif k != "sources":
                    yield from walk(v)
        elif isinstance(x, list):
            for v in x:
                yield from walk(v)

    return list(walk(record))


def _existing(kb, tid: str, user_dir: Path) -> tuple[str | None, str]:
    cid = kb.treaties.at[tid, "curated_id"] if "curated_id" in kb.treaties.columns else None
    if isinstance(cid, str) and cid:
        return f"{cid}.toml", _record_text(f"{cid}.toml", user_dir)
    if tid.startswith("atop:"):
        name = f"atop-{tid[5:]}.toml"
        return name, _record_text(name, user_dir)
    return None, ""


def _add_sources(fact: dict, sids: list[str]) -> bool:
    have = fact.setdefault("sources", [])
    new = [s for s in sids if s not in have]
    have.extend(new)
    return bool(new)


def _amend(kb, raw: dict, cs: ClaimSet, tid: str, sids: list[str], items: list[dict], disputed: set[str]) -> None:
    day = cs.date()
    place = next(iter(cs.places)) if len(cs.places) == 1 else None
    fact_key = {"signed": "signed", "entered into force": "entered_into_force", "terminated": "ended"}.get(cs.event_type)
    if fact_key and "date" not in disputed:
        fact = raw.get(fact_key)
        if fact is None and day and len(day) == 10:
            raw[fact_key] = {"date": dt.date.fromisoformat(day), "sources": list(sids)}
            if place and fact_key == "signed":
                raw[fact_key]["place"] = place
            items.append({"op": "new-event", "fact": fact_key, "value": day, "place": place})
        elif fact is not None:
            have = fact["date"].isoformat() if isinstance(fact["date"], dt.date) else str(fact["date"])
            if day and day[: len(day)] != have[: len(day)]:
                items.append({"op": "conflict", "fact": fact_key, "knowledge_base": have, "articles": day})
            else:
                if _add_sources(fact, sids):
                    items.append({"op": "new-source", "fact": f"{fact_key} {have}"})
                if place and "place" not in disputed:
                    if fact.get("place") and fact["place"] != place:
                        items.append({"op": "conflict", "fact": f"{fact_key} place", "knowledge_base": fact["place"], "articles": place})
                    elif not fact.get("place"):
                        fact["place"] = place
                        items.append({"op": "new-event", "fact": f"{fact_key} place", "value": place})
    party_key = {"ratified": "ratified", "joined": "joined", "withdrew": "withdrew", "suspended": "suspended"}.get(cs.event_type)
    if party_key and day and "date" not in disputed:
        parties = raw.setdefault("parties", [])
        for code in cs.party_codes:
            p = next((x for x in parties if x["state"] == code), None)
            if p is None:
                if party_key != "joined":
                    items.append({"op": "note", "text": f"state {code} is not a listed party; {party_key} not recorded"})
                    continue
                p = {"state": code, "role": "acceding party"}
                parties.append(p)
            if p.get(party_key) is None:
                p[party_key] = {"date": dt.date.fromisoformat(day[:10]) if len(day) == 10 else dt.date.fromisoformat(day + "-01" * (3 - len(day.split("-")))),
                                "precision": {10: "day", 7: "month", 4: "year"}[len(day)], "sources": list(sids)}  # fmt: skip
                items.append({"op": "new-event", "fact": f"party {code} {party_key}", "value": day})
            else:
                _add_sources(p[party_key], sids)
                items.append({"op": "new-source", "fact": f"party {code} {party_key}"})
    kb_obs = set(kb.obligation_table.loc[kb.obligation_table["treaty_id"] == tid, "obligation"])
    for label, ob in cs.obligations.items():
        typ = ob["type"]
        rec_ob = next((o for o in raw.get("obligations", []) if o["type"] == typ), None)
        if rec_ob is not None:
            if _add_sources(rec_ob, sids):
                items.append({"op": "new-source", "fact": f"obligation {typ}", "articles": ob["articles"]})
        elif typ in kb_obs:
            items.append({"op": "note", "text": f"obligation {typ}: already coded by ATOP; the articles agree"})
        elif f"obligation ({typ})" not in disputed:
            raw.setdefault("obligations", []).append(_obligation(typ, ob, sids))
            items.append({"op": "new-obligation", "value": label})
    _lineage(kb, raw, cs, tid, sids, items)


def _obligation(typ: str, ob: dict, sids: list[str]) -> dict:
    out = {"type": typ, "summary": SUMMARY[typ], "sources": list(sids)}
    conds = [{"kind": c, "text": f"reported: {c.replace('-', ' ')}"} for c in ob.get("conditions", [])]
    if conds:
        out["conditions"] = conds
    return out


def _lineage(kb, raw, cs, tid, sids, items):
    parties = cs.party_codes
    done = set()
    for link in cs.lineage:
        if link["year"]:
            target = match_year(kb, parties, link["year"])
            if target is None or target == tid or target in done:
                if target is None:
                    items.append({"op": "note", "text": f"replaces the {link['year']} treaty: no single treaty of these parties signed that year"})
                continue
            done.add(target)
            have = next((x for x in raw.get("lineage", []) if x["relation"] == "replaces" and x["target"] == target), None)
            if have is not None:
                if _add_sources(have, sids):
                    items.append({"op": "new-source", "fact": f"replaces {target}"})
            else:
                raw.setdefault("lineage", []).append({"relation": "replaces", "target": target, "sources": list(sids),
                                                      "note": "Reported in the news."})  # fmt: skip
                items.append({"op": "new-lineage", "value": f"replaces {target}"})
        else:
            items.append({"op": "note", "text": f"replaces {link['target']!r} (" + (f"{link['count']} treaties" if link["count"] else "number not given") + "): not linked to specific treaties"})
    for link in raw.get("lineage", []):  # the articles also back links the record already has to the dyad's earlier treaties
        if link["target"] not in done and any(l["plural"] for l in cs.lineage):
            if _add_sources(link, sids):
                items.append({"op": "new-source", "fact": f"replaces {link['target']} (the articles: 'earlier treaties')"})


def _new_record(kb, cs: ClaimSet, sids, items, today):
    day = cs.date()
    if cs.event_type != "signed" or not day or len(cs.party_codes) < 1:
        items.append({"op": "note", "text": "a new treaty needs a signing day and its parties; the articles do not give both"})
        return None, None, None
    abbs = [str(kb.state_table.at[c, "abb"]).lower() for c in cs.party_codes if c in kb.state_table.index]
    rid = "news-" + "-".join(abbs[:4]) + f"-{day[:4]}"
    text = max(cs.treaty_names or cs.treaty_texts, key=len)
    short = re.sub(r"^(the|a|an)\s+", "", text.strip("“”\"' "), flags=re.I)
    short = short[:1].upper() + short[1:]
    types = sorted({ob["type"] for ob in cs.obligations.values()}, key=list(OBLIGATION_KIND).index)
    record = {"id": rid, "kind": OBLIGATION_KIND[types[0]] if types else "agreement",
              "names": {"short": short, "sources": list(sids)},
              "signed": {"date": dt.date.fromisoformat(day), "sources": list(sids)},
              "parties": [{"state": c, "role": "founding party"} for c in cs.party_codes],
              "obligations": [_obligation(t, next(o for o in cs.obligations.values() if o["type"] == t), sids) for t in types],
              "sources": []}  # fmt: skip
    if len(cs.places) == 1:
        record["signed"]["place"] = next(iter(cs.places))
    items.append({"op": "new-treaty", "value": f"{short} ({rid}), signed {day}", "kind": record["kind"]})
    _lineage(kb, record, cs, None, sids, items)
    return record, f"{rid}.toml", ""


# ---- storage -----------------------------------------------------------------------------
SCHEMA = """
CREATE TABLE IF NOT EXISTS articles (article_id VARCHAR PRIMARY KEY, origin VARCHAR, title VARCHAR, url VARCHAR,
    publisher VARCHAR, published DATE, reference DATE, reference_basis VARCHAR, ingested_at TIMESTAMP, claims JSON);
CREATE TABLE IF NOT EXISTS outcomes (read_at TIMESTAMP, origin VARCHAR, status VARCHAR, reason VARCHAR, article_id VARCHAR);
CREATE SEQUENCE IF NOT EXISTS proposal_ids START 1;
CREATE TABLE IF NOT EXISTS proposals (proposal_id INTEGER PRIMARY KEY, created_at TIMESTAMP, status VARCHAR,
    summary VARCHAR, treaty_id VARCHAR, file_name VARCHAR, base_sha VARCHAR, before_toml VARCHAR, after_toml VARCHAR,
    items JSON, claim_set JSON, articles JSON, applicable BOOLEAN, decided_at TIMESTAMP, decided_by VARCHAR,
    note VARCHAR, written_to VARCHAR);
CREATE TABLE IF NOT EXISTS decisions (proposal_id INTEGER, action VARCHAR, decided_at TIMESTAMP, decided_by VARCHAR, articles JSON,
    file VARCHAR, note VARCHAR);
"""


def connect(path: Path) -> duckdb.DuckDBPyConnection:
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path))
    con.execute(SCHEMA)
    return con


def _json(x) -> str:
    return json.dumps(x, default=str, ensure_ascii=False)


def save_ingest(con, outcomes, per_article, proposals: list[Proposal]) -> None:
    now = dt.datetime.now()
    con.execute("BEGIN")
    try:
        for o in outcomes:
            con.execute("INSERT INTO outcomes VALUES (?, ?, ?, ?, ?)",
                        [now, o.origin, o.status, o.reason, o.article.id if o.article else None])  # fmt: skip
        for ac in per_article:
            a = ac.article
            con.execute("INSERT OR REPLACE INTO articles VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        [a.id, a.origin, a.title, a.url, a.publisher, a.published, ac.reference, ac.reference_basis, now,
                         _json([c.to_dict() for c in ac.claims])])  # fmt: skip
        for p in proposals:
            same = con.execute("SELECT proposal_id FROM proposals WHERE status = 'pending' AND base_sha = ? AND after_toml = ? "
                               "AND coalesce(file_name, '') = ? AND summary = ?",
                               [p.base_sha, p.after, p.file_name or "", p.summary]).fetchone()  # fmt: skip
            if same:
                p.id, p.extra["already"] = same[0], True
                continue
            p.id = con.execute("SELECT nextval('proposal_ids')").fetchone()[0]
            con.execute("INSERT INTO proposals VALUES (?, ?, 'pending', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL, NULL, NULL)",
                        [p.id, now, p.summary, p.treaty_id, p.file_name, p.base_sha, p.before, p.after, _json(p.items),
                         _json(p.claim_set), _json(p.articles), p.applicable])  # fmt: skip
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise


def load(con, pid: int) -> dict:
    row = con.execute("SELECT * FROM proposals WHERE proposal_id = ?", [int(pid)]).fetchone()
    if row is None:
        raise ProposalError(f"no proposal {pid}; `foedus news list` shows them")
    cols = [d[0] for d in con.description]
    rec = dict(zip(cols, row))
    for k in ("items", "claim_set", "articles"):
        rec[k] = json.loads(rec[k]) if rec[k] else None
    return rec


def listing(con, status: str | None = None) -> list[dict]:
    q = "SELECT proposal_id, status, created_at, summary, applicable, articles FROM proposals"
    rows = con.execute(q + (" WHERE status = ?" if status else "") + " ORDER BY proposal_id", [status] if status else []).fetchall()
    return [{"id": r[0], "status": r[1], "created": str(r[2])[:19], "summary": r[3], "applicable": r[4],
             "articles": len(json.loads(r[5]))} for r in rows]  # fmt: skip


def init_user_dir(target: Path) -> bool:
    """Fill a new user curated directory with the shipped layer (so a build with it loses nothing)."""
    if target.is_dir() and any(target.glob("*.toml")):
        return False
    target.mkdir(parents=True, exist_ok=True)
    for f in curated_source.default_dir().glob("*.toml"):
        shutil.copy2(f, target / f.name)
    return True


def apply(con, pid: int, target: Path, note: str | None = None, who: str | None = None) -> dict:
    """Write proposal ``pid``'s record into ``target`` and record the decision, both or neither."""
    who = who or _user()
    rec = load(con, pid)
    if rec["status"] != "pending":
        raise ProposalError(f"proposal {pid} is {rec['status']} ({rec['decided_at']:%Y-%m-%d %H:%M} by {rec['decided_by']}); nothing to do")
    if not rec["applicable"]:
        raise ProposalError(f"proposal {pid} has nothing that can be applied (only conflicts, disputes or notes); reject it or edit the curated record by hand")
    created = init_user_dir(target)
    path = target / rec["file_name"]
    current = path.read_text("utf-8") if path.is_file() else ""
    if sha(current) != rec["base_sha"]:
        raise ProposalError(f"proposal {pid} was made against another version of {path.name} (it changed since, "
                            f"or is new there); ingest the articles again to get a fresh proposal")  # fmt: skip
    tmp = path.with_name(f".{path.name}.news-{pid}.tmp")
    tmp.write_text(rec["after_toml"], "utf-8")
    now = dt.datetime.now()
    con.execute("BEGIN")
    replaced = False
    try:
        con.execute("UPDATE proposals SET status = 'applied', decided_at = ?, decided_by = ?, note = ?, written_to = ? "
                    "WHERE proposal_id = ? AND status = 'pending'", [now, who, note, str(path), int(pid)])  # fmt: skip
        con.execute("INSERT INTO decisions VALUES (?, 'applied', ?, ?, ?, ?, ?)",
                    [int(pid), now, who, _json(rec["articles"]), str(path), note])  # fmt: skip
        os.replace(tmp, path)
        replaced = True
        curated_source.load(target)  # the whole layer still reads: else undo
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        if replaced:
            if current:
                path.write_text(current, "utf-8")
            else:
                path.unlink(missing_ok=True)
        tmp.unlink(missing_ok=True)
        raise
    return {"proposal": pid, "file": str(path), "initialised": created, "by": who, "at": now}


def reject(con, pid: int, note: str | None = None, who: str | None = None) -> dict:
    who = who or _user()
    rec = load(con, pid)
    if rec["status"] != "pending":
        raise ProposalError(f"proposal {pid} is already {rec['status']}")
    now = dt.datetime.now()
    con.execute("BEGIN")
    try:
        con.execute("UPDATE proposals SET status = 'rejected', decided_at = ?, decided_by = ?, note = ? WHERE proposal_id = ?",
                    [now, who, note, int(pid)])  # fmt: skip
        con.execute("INSERT INTO decisions VALUES (?, 'rejected', ?, ?, ?, NULL, ?)", [int(pid), now, who, _json(rec["articles"]), note])
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    return {"proposal": pid, "by": who, "at": now}


def _user() -> str:
    try:
        return getpass.getuser()
    except Exception:
        return "unknown"
