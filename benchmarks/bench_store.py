"""Benchmark: store build time and as-of-day query latency.

Run:  FOEDUS_DATA=../shared/data python benchmarks/bench_store.py [--builds 5] [--queries 500]

Prints medians, and ratios against baselines measured in the same run:
* build   vs. just parsing the three ATOP files and the COW list with pandas.read_csv
  (the floor any loader pays before validating, deriving and writing anything);
* query   vs. a naive scan: filter the raw member rows (pandas, as read from CSV) for the
  day and the state, then join partners — what a user would write without foedus.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

import foedus
from foedus import store
from foedus.sources.catalog import FILES


def timed(fn, *args, **kwargs) -> float:
    start = time.perf_counter()
    fn(*args, **kwargs)
    return time.perf_counter() - start


def naive_query(members: pd.DataFrame, ccode: int, year: int) -> int:
    """Year-level scan of the raw member file (no day precision, no conditions)."""
    exit_year = members["yrexit"].where(members["yrexit"] > 0, 9999)
    active = members[(members["yrent"] <= year) & (year <= exit_year)]
    mine = active.loc[active["member"] == ccode, ["atopid", "phase"]]
    pairs = active.merge(mine, on=["atopid", "phase"])
    return len(pairs)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--builds", type=int, default=5)
    parser.add_argument("--queries", type=int, default=500)
    args = parser.parse_args()
    data = Path(os.environ.get("FOEDUS_DATA") or Path(__file__).resolve().parents[2] / "shared" / "data")
    if not (data / FILES["atop_member"].relpath).exists():
        sys.exit(f"no datasets in {data}; set FOEDUS_DATA")
    paths = [data / FILES[k].relpath for k in ("atop_alliance", "atop_phase", "atop_member", "cow_states")]

    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.duckdb"
        builds = [timed(store.build, data, db, force=True) for _ in range(args.builds)]
        parses = [timed(lambda: [pd.read_csv(p) for p in paths]) for _ in range(args.builds)]
        b, p = statistics.median(builds), statistics.median(parses)
        print(f"build: median {b:.3f} s over {args.builds} builds; pandas.read_csv of the same files {p:.3f} s; "
              f"ratio {b / p:.1f}x the bare parse")  # fmt: skip

        kb = foedus.open(db, build=False)
        rng = random.Random(1815)
        codes = sorted(kb.state_table["ccode"].astype(int))
        cases = [(rng.choice(codes), f"{rng.randint(1816, 2018)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}")
                 for _ in range(args.queries)]  # fmt: skip
        lat = [timed(kb.obligations, str(c), d) for c, d in cases]
        members = pd.read_csv(data / FILES["atop_member"].relpath)
        base = [timed(naive_query, members, c, int(d[:4])) for c, d in cases]
        q, n = statistics.median(lat), statistics.median(base)
        p95 = statistics.quantiles(lat, n=20)[18]
        print(f"obligations(): median {q * 1000:.2f} ms, p95 {p95 * 1000:.2f} ms over {args.queries} random state-days; "
              f"naive year-level pandas scan {n * 1000:.2f} ms; ratio {q / n:.2f}x")  # fmt: skip
        opened = [timed(foedus.open, db, build=False) for _ in range(5)]
        print(f"foedus.open(): median {statistics.median(opened) * 1000:.0f} ms (loads the store into memory)")


if __name__ == "__main__":
    main()
