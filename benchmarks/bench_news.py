"""Throughput of the news extractor over the real corpora in ../shared/data/news/:
2,225 BBC articles (text files) and the 5,000 Wikinews politics entries.

Prints articles per second on one core (one process, one thread) and peak memory, for the
full pipeline (read + extract + merge) and for a baseline measured in the same run: spaCy's
tokenizer and sentencizer alone on the same texts. The corpora are read for benchmarking only.

    python benchmarks/bench_news.py [--limit N]
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time

import foedus
from foedus import config
from foedus.news import evaluate, ingest, merge
from foedus.news.extract import Extractor


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--limit", type=int, default=None)
    args = ap.parse_args()
    data = config.data_dir()
    kb = foedus.open()
    t0 = time.perf_counter()
    x = Extractor(kb)
    setup = time.perf_counter() - t0
    print(f"extractor set-up: {setup:.2f} s; RSS after set-up {rss_mb():.0f} MB")

    t0 = time.perf_counter()
    bbc = [o for o in ingest.read([data / "news" / "bbc"]) if o.article is not None]
    bbc_read = time.perf_counter() - t0
    bbc_articles = [o.article for o in bbc][: args.limit]
    wiki = [a for a in evaluate.wikinews(data).values() if len(a.text.strip()) >= 200][: args.limit]
    print(f"BBC: {len(bbc_articles)} articles read in {bbc_read:.2f} s ({sum(o.status == 'duplicate' for o in bbc)} duplicates, "
          f"{sum(not o.ok and o.status != 'duplicate' for o in bbc)} rejected); Wikinews: {len(wiki)} entries with a body")

    rows = []
    for name, arts in (("BBC", bbc_articles), ("Wikinews", wiki)):
        chars = sum(len(a.text) for a in arts)
        t0 = time.perf_counter()
        for a in arts:
            doc = x.nlp(a.text)
            sum(1 for _ in doc.sents)
        base = time.perf_counter() - t0
        t0 = time.perf_counter()
        per = [x.extract(a) for a in arts]
        sets = merge.merge(per)
        full = time.perf_counter() - t0
        peak = rss_mb()
        events = sum(1 for p in per for c in p.claims if c.kind == "event")
        rows.append((name, len(arts), chars / 1e6, len(arts) / base, len(arts) / full, full / base, peak, events, len(sets)))
    print(f"\n{'corpus':<9} {'articles':>8} {'MB':>5} {'baseline art/s':>15} {'foedus art/s':>13} {'ratio':>6} "
          f"{'peak RSS MB':>17} {'events':>7} {'claim sets':>10}")
    for r in rows:
        print(f"{r[0]:<9} {r[1]:>8} {r[2]:>5.1f} {r[3]:>15.0f} {r[4]:>13.0f} {r[5]:>5.1f}x {r[6]:>17.0f} {r[7]:>7} {r[8]:>10}")
    print(f"\none core (single process); peak RSS of the whole run {rss_mb():.0f} MB; cpu count {os.cpu_count()}")


if __name__ == "__main__":
    sys.exit(main())
