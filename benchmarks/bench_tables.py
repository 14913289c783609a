"""Time `foedus table dyad-years --directed --out x.parquet` end to end (a fresh interpreter per
run, start-up included), against a pandas construction of the same table measured in the same
run, and against peacesciencer's reported 9 s / 1.2 GiB (create_dyadyears() |>
add_atop_alliance() on a 2-core machine).

    python benchmarks/bench_tables.py [--runs 7] [--data DIR] [--end-year 2025]

The store is built into a temporary directory first (not timed). Peak memory is the
child's maximum resident set size (wait4), like `/usr/bin/time -f %M`.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PEACESCIENCER_S, PEACESCIENCER_MIB = 9.0, 1.2 * 1024

# The baseline: the obvious pandas construction (peacesciencer's algorithm: expand state-years
# into year-level pairs, drop pairs without a common day, merge ATOP, fill, write Parquet).
PANDAS_BASELINE = r"""
import sys, warnings
from pathlib import Path
import pandas as pd, rdata
from foedus.sources import cow
data, end, out = Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
sp = cow.load_state_spells(data)
sp["s"] = pd.to_datetime(sp["start_date"])
sp["e"] = pd.to_datetime(sp["end_date"]).fillna(pd.Timestamp(end, 12, 31))
sp["ys"], sp["ye"] = sp["s"].dt.year, sp["e"].dt.year
sy = sp.assign(year=[range(a, b + 1) for a, b in zip(sp.ys, sp.ye)]).explode("year")[["ccode", "year", "s", "e"]]
sy["year"] = sy["year"].astype(int)
sy = sy[(sy.year >= 1816) & (sy.year <= end)]
sy["s"] = sy["s"].where(sy["s"].dt.year == sy.year, pd.to_datetime(sy.year.astype(str) + "-01-01"))
sy["e"] = sy["e"].where(sy["e"].dt.year == sy.year, pd.to_datetime(sy.year.astype(str) + "-12-31"))
d = sy.merge(sy, on="year", suffixes=("1", "2"))
d = d[(d.ccode1 != d.ccode2) & (d.s1 <= d.e2) & (d.s2 <= d.e1)]
d = d[["ccode1", "ccode2", "year"]].drop_duplicates().sort_values(["ccode1", "ccode2", "year"])
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    a = rdata.read_rda(str(data / "peacesciencer" / "atop_alliance.rda"))["atop_alliance"].astype(int)
a["atop_alliance"] = 1
d = d.merge(a, on=["ccode1", "ccode2", "year"], how="left")
cols = ["atop_alliance", "atop_defense", "atop_offense", "atop_neutral", "atop_nonagg", "atop_consul"]
inside = d.year.between(1815, 2018)
for c in cols:
    d[c] = d[c].where(d[c].notna() | ~inside, 0).astype("Int8")
d.to_parquet(out, index=False)
print(len(d), int(d.atop_defense.sum()))
"""


def run(cmd: list[str], env: dict) -> tuple[float, float, str]:
    """(wall seconds, peak RSS MiB, stderr+stdout) of one child process."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=REPO)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    out = proc.stdout.read().decode()
    proc.stdout.close()
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"command failed: {' '.join(cmd)}\n{out}")
    return wall, usage.ru_maxrss / 1024, out


def bench(label: str, cmd: list[str], env: dict, runs: int) -> tuple[float, float]:
    walls, peaks = [], []
    for _ in range(runs):
        w, m, _ = run(cmd, env)
        walls.append(w)
        peaks.append(m)
    wall, peak = statistics.median(walls), statistics.median(peaks)
    print(f"{label:<44} median {wall:6.3f} s  (min {min(walls):.3f}, max {max(walls):.3f})  peak RSS {peak:6.0f} MiB")
    return wall, peak


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--baseline-runs", type=int, default=3)
    ap.add_argument("--data", default=os.environ.get("FOEDUS_DATA") or str(REPO.parent / "shared" / "data"))
    ap.add_argument("--end-year", type=int, default=None)
    args = ap.parse_args()
    py = sys.executable
    tmp = Path(tempfile.mkdtemp(prefix="foedus-bench-"))
    db, out = tmp / "foedus.duckdb", tmp / "ddy.parquet"
    env = {**os.environ, "FOEDUS_DATA": args.data, "FOEDUS_HOME": str(tmp / "home")}

    # Build the store in a child process: this process stays small, so the children's peak RSS
    # (which on Linux starts from the parent's at fork) is their own.
    build = (
        "import sys; from pathlib import Path; from foedus import store, tables; "
        "store.build(Path(sys.argv[1]), Path(sys.argv[2])); "
        "tables.add_to_store(sys.argv[2], sys.argv[1])"  # until `foedus build` writes the research tables itself
    )
    subprocess.run([py, "-c", build, args.data, str(db)], env=env, check=True, capture_output=True)
    end = args.end_year or time.localtime().tm_year - 1  # foedus.tables.default_end_year()

    foedus_bin = Path(py).with_name("foedus")
    mounted = foedus_bin.exists() and subprocess.run([str(foedus_bin), "table", "--help"], env=env,
                                                     capture_output=True).returncode == 0  # fmt: skip
    prefix = [str(foedus_bin)] if mounted else [py, "-m", "foedus.cli_tables"]
    cmd = prefix + ["--db", str(db), "table", "dyad-years", "--directed", "--end-year", str(end), "--out", str(out)]
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, end year {end}")
    print("command: " + " ".join(["foedus" if mounted else "python -m foedus.cli_tables", *cmd[len(prefix):]]))
    run(cmd, env)  # warm the page cache
    wall, peak = bench("foedus table dyad-years --directed", cmd, env, args.runs)
    floor, floor_mem = bench("  (interpreter + imports only)", [py, "-c", "import foedus.cli, foedus.cli_tables, foedus.tables, duckdb"], env, args.runs)

    base_out = tmp / "pandas.parquet"
    bwall, bpeak = bench("pandas baseline (same table)", [py, "-c", PANDAS_BASELINE, args.data, str(end), str(base_out)],
                         env, args.baseline_runs)  # fmt: skip

    import duckdb

    cols = "ccode1, ccode2, year, atop_alliance, atop_defense, atop_offense, atop_neutral, atop_nonagg, atop_consul"
    same = duckdb.sql(
        f"SELECT count(*) FROM (SELECT {cols} FROM '{out}' EXCEPT ALL SELECT {cols} FROM '{base_out}')"
    ).fetchall()[0][0]
    rows = duckdb.sql(f"SELECT count(*) FROM '{out}'").fetchall()[0][0]
    print(f"\nrows {rows:,}; rows differing from the pandas baseline: {same}")
    print(f"speed-up vs pandas baseline: {bwall / wall:5.1f}x wall, {bpeak / peak:4.1f}x less memory")
    print(f"vs peacesciencer (reported {PEACESCIENCER_S:.0f} s, {PEACESCIENCER_MIB / 1024:.1f} GiB): "
          f"{PEACESCIENCER_S / wall:5.1f}x faster ({wall / PEACESCIENCER_S:.3f} of its time; target <= 0.050), "
          f"peak {peak:.0f} MiB (target < 400)")  # fmt: skip


if __name__ == "__main__":
    main()
