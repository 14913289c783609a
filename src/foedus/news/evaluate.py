"""Precision and recall of the extractor against the hand labels in ``eval_labels.toml``.

The articles are English Wikinews entries read from the public data directory
(``news/wikinews-politics/politics.rda``); only their ids and our labels live in the
repository. Predicted events are the article's event claims that are not background
(an earlier treaty named by its year, a date more than a year before the article, or an
event the extractor marks as recalled in passing — the same rule merging uses),
deduplicated by treaty and type. A predicted event matches a labelled one with the same
type whose parties overlap (or either has none). Per field, precision is correct values
over predicted values (an unmatched prediction counts as wrong) and recall is correct values
over labelled values.
"""

from __future__ import annotations

import datetime as dt
import html
import re
import tomllib
import warnings
from importlib import resources
from pathlib import Path

from .extract import _similar
from .ingest import Article, article_id

FIELDS = ("event", "parties", "date", "treaty", "obligation")


def labels() -> list[dict]:
    return tomllib.loads(resources.files("foedus.news").joinpath("eval_labels.toml").read_text("utf-8"))["article"]


def wikinews(data_dir: Path) -> dict[str, Article]:
    """Every Wikinews entry as an Article (markup remnants and entities removed)."""
    import rdata

    path = Path(data_dir) / "news" / "wikinews-politics" / "politics.rda"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        obj = rdata.read_rda(str(path))["politics"]
    meta, texts = obj["meta"], obj["text"]
    out = {}
    for i, title, days in zip(meta["id"], meta["title"], meta["date"]):
        raw = texts[i]
        body = str(raw[0]) if len(raw) else ""
        out[i] = wikinews_article(i, body, str(title), None if days != days else dt.date(1970, 1, 1) + dt.timedelta(days=int(days)))
    return out


def wikinews_article(entry: str, body: str, title: str, day: dt.date | None) -> Article:
    body = re.sub(r"^\s*<text[^>]*>", "", body)
    body = html.unescape(body)
    body = re.sub(r"<!--.*?-->", " ", body, flags=re.S)
    body = re.sub(r"<[^>]{1,80}>", " ", body)
    title = html.unescape(re.sub(r"</?title>", "", title)).strip()
    return Article(article_id(body or entry), body, title or None, day, f"https://en.wikinews.org/?curid={entry}",
                   "Wikinews", f"wikinews:{entry}", "record", "metadata" if day else None)  # fmt: skip


def predicted_events(ac) -> list[dict]:
    old = ac.reference - dt.timedelta(days=366) if ac.reference else None
    obligations: dict[str, str] = {}
    for c in ac.claims:
        if c.kind == "obligation" and c.treaty is not None:
            obligations.setdefault(c.treaty.key, c.value["type"])
    events: dict[tuple, dict] = {}
    claims = [c for c in ac.claims if c.kind == "event"]
    claims = [c for c in claims if c.evidence.where == "text"] + [c for c in claims if c.evidence.where == "title"]
    for c in claims:
        if c.background:
            continue
        if c.treaty is not None and c.treaty.key.startswith("year:"):
            continue
        if c.date is not None and old is not None and c.date.date < old:
            continue
        tk = (c.value["type"], c.treaty.key if c.treaty else "")
        day = c.date.iso() if c.date else None
        texts = (ac.main_texts if c.treaty and c.treaty.key == "main" else []) + ([c.treaty.text] if c.treaty else [])
        same = [k for k in events if k[:2] == tk]
        if c.evidence.where == "title" and same:
            ev = events[same[0]]
            if ev["date"] is None and day:
                ev["date"] = day
            if not ev["parties"]:
                ev["parties"] |= set(c.parties)
            ev["treaty"] += texts
            continue
        if day is None and same:
            ev = events[same[0]]
        elif (*tk, day) in events:
            ev = events[(*tk, day)]
        else:
            undated = events.pop((*tk, None), None) if day else None
            ev = events[(*tk, day)] = undated or {"type": tk[0], "parties": set(), "date": None, "treaty": [],
                                                  "obligation": obligations.get(tk[1])}
            ev["date"] = day
        ev["parties"] |= set(c.parties)
        ev["treaty"] += texts
    return list(events.values())


def score(extractor, articles: dict[str, Article], labelled: list[dict] | None = None) -> dict:
    labelled = labelled or labels()
    counts = {f: {"correct": 0, "predicted": 0, "labelled": 0} for f in FIELDS}
    per_article = []
    for entry in labelled:
        art = articles[entry["id"]]
        ac = extractor.extract(art)
        preds = predicted_events(ac)
        gold = entry["events"]
        for f in FIELDS:
            counts[f]["labelled"] += sum(1 for g in gold if f == "event" or g.get(f))
            counts[f]["predicted"] += sum(1 for p in preds if f == "event" or p.get(f))
        used = set()
        matches = []
        for g in gold:
            best = None
            for j, p in enumerate(preds):
                if j in used or p["type"] != g["type"]:
                    continue
                gp = set(g.get("parties", []))
                if gp and p["parties"] and not (gp & p["parties"]):
                    continue
                rank = (str(g.get("date")) == p["date"], len(gp & p["parties"]))
                if best is None or rank > best[0]:
                    best = (rank, j)
            if best is not None:
                used.add(best[1])
                matches.append((g, preds[best[1]]))
        for g, p in matches:
            counts["event"]["correct"] += 1
            if g.get("parties") and p["parties"] == set(g["parties"]):
                counts["parties"]["correct"] += 1
            if g.get("date") and p["date"] == str(g["date"]):
                counts["date"]["correct"] += 1
            if g.get("treaty") and p["treaty"] and any(_similar(g["treaty"], t) or _overlap(g["treaty"], t) for t in p["treaty"]):
                counts["treaty"]["correct"] += 1
            if g.get("obligation") and p["obligation"] == g["obligation"]:
                counts["obligation"]["correct"] += 1
        per_article.append({"id": entry["id"], "labelled": len(gold), "predicted": len(preds), "matched": len(matches),
                            "predictions": [{**p, "parties": sorted(p["parties"]), "treaty": p["treaty"][:2]} for p in preds]})  # fmt: skip
    result = {}
    for f, c in counts.items():
        p = c["correct"] / c["predicted"] if c["predicted"] else None
        r = c["correct"] / c["labelled"] if c["labelled"] else None
        result[f] = {**c, "precision": p, "recall": r}
    return {"fields": result, "articles": per_article, "n_articles": len(labelled),
            "n_with_events": sum(1 for e in labelled if e["events"])}  # fmt: skip


def _overlap(a: str, b: str) -> bool:
    generic = {"the", "a", "an", "of", "and", "on", "treaty", "agreement", "accord", "deal", "pact", "with", "to", "eu"}
    wa = set(re.findall(r"[a-z0-9]+", a.lower())) - generic
    wb = set(re.findall(r"[a-z0-9]+", b.lower())) - generic
    return bool(wa & wb)


def report(result: dict) -> str:
    lines = ["| field | labelled | predicted | correct | precision | recall |", "| --- | ---: | ---: | ---: | ---: | ---: |"]
    for f, c in result["fields"].items():
        fmt = lambda v: "–" if v is None else f"{v:.2f}"  # noqa: E731
        lines.append(f"| {f} | {c['labelled']} | {c['predicted']} | {c['correct']} | {fmt(c['precision'])} | {fmt(c['recall'])} |")
    return "\n".join(lines)


if __name__ == "__main__":  # python -m foedus.news.evaluate
    import json
    import sys

    import foedus
    from foedus import config

    from . import extractor

    kb = foedus.open()
    res = score(extractor(kb), wikinews(config.data_dir()))
    print(report(res))
    if "-v" in sys.argv:
        print(json.dumps(res["articles"], indent=1, default=str))
