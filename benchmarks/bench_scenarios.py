"""Benchmark: every attacker–target pair of one year through the scenario engine.

Run:  FOEDUS_DATA=../shared/data python benchmarks/bench_scenarios.py [--year 2010] [--limit N]

Prints the total time, scenarios per second and the median / p95 single-scenario latency, and
a baseline measured in the same run: the cost of just listing, for each pair, the defense
pledges owed to the target (one lookup, no conditions, no cascade) — the floor any engine
pays per scenario.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import foedus
from foedus import store
from foedus.engine import scenario as engine


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--year", type=int, default=2010)
    parser.add_argument("--limit", type=int, default=0, help="only the first N states (0: all)")
    args = parser.parse_args()
    data = Path(os.environ.get("FOEDUS_DATA") or Path(__file__).resolve().parents[2] / "shared" / "data")
    if not (data / "atop-5.1").is_dir():
        sys.exit(f"no datasets in {data}; set FOEDUS_DATA")
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.duckdb"
        store.build(data, db)
        kb = foedus.open(db, build=False)
        day = dt.date(args.year, 7, 1)
        states = sorted(int(c) for c in kb.state_table["ccode"] if kb.states.alive(int(c), day))
        if args.limit:
            states = states[: args.limit]
        t0 = time.perf_counter()
        index = kb.edges(day)
        prep = time.perf_counter() - t0
        names = kb._namer(day)
        latencies, sizes = [], []
        start = time.perf_counter()
        for attacker in states:
            for target in states:
                if attacker == target:
                    continue
                t = time.perf_counter()
                result = engine.run(index, engine.Scenario((engine.Attack(attacker, target, day),)), names)
                latencies.append(time.perf_counter() - t)
                sizes.append(len(result.sides))
        total = time.perf_counter() - start
        t = time.perf_counter()
        floor = [[e for e in index.get(target, ()) if e.obligation == "defense"] for a in states for target in states if a != target]
        baseline = time.perf_counter() - t
        n = len(latencies)
        print(f"{args.year}: {len(states)} states, {n} attacker-target scenarios")
        print(f"  obligations of the day indexed once: {prep:.2f} s")
        print(f"  all scenarios: {total:.1f} s ({n / total:.0f} scenarios/s)")
        print(f"  single scenario: median {statistics.median(latencies) * 1000:.2f} ms, "
              f"p95 {statistics.quantiles(latencies, n=20)[18] * 1000:.2f} ms, max {max(latencies) * 1000:.1f} ms")  # fmt: skip
        print(f"  baseline (look up the defense pledges owed to each target, nothing else): {baseline:.2f} s for "
              f"{len(floor)} pairs; engine/baseline ratio {total / baseline:.0f}x")  # fmt: skip
        print(f"  war size: mean {statistics.fmean(sizes):.2f}, max {max(sizes)}")


if __name__ == "__main__":
    main()
