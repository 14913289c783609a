"""Research tables: COW state-years and dyad-years with ATOP alliance columns.

The tables reproduce the R package peacesciencer (``create_stateyears()``,
``create_dyadyears() |> add_atop_alliance()``) row for row and value for value, and add
what peacesciencer does not have (ATOP ids, conditional obligations, treaty counts, and an
explicit, flagged extension past ATOP's coverage). All heavy work runs in DuckDB SQL; pandas
is imported only when a pandas result is asked for or when tables must be derived from the
raw files because the store lacks them.

Semantics
---------
State-years
    A state is in the COW state system in year *y* if one of its membership spells covers
    at least one day of *y*. Years run from ``start_year`` (default 1816) to ``end_year``.
Right-censoring and the end year
    The COW list closes every surviving state on its last day (2024-12-31 for v2024). That
    is the end of observation, not of statehood, so such states count as members through
    ``end_year``, which defaults to the last complete calendar year (peacesciencer's
    ``mry = TRUE``). An explicit ``end_year`` may be earlier or later.
Dyad-years
    A pair of distinct states (A, B) is a dyad in year *y* only if both were system members
    on at least one common day of *y* (day precision; peacesciencer gets the same rows by
    matching on years and then removing its ``false_cow_dyads``). Directed tables hold both
    (A, B) and (B, A); non-directed tables hold the row with ``ccode1 < ccode2``.
ATOP alliance columns (``add_alliances(..., source="atop")``)
    ``atop_defense, atop_offense, atop_neutral, atop_nonagg, atop_consul``: in a directed
    row, 1 when state 1 pledges that obligation to state 2 in that year (ATOP's directed
    dyad-year file, ``atop5_1ddyr``). ``atop_alliance`` is 1 when the directed dyad-year
    appears in that file at all, i.e. the two states share an alliance in force that year
    (ATOP's ``atopally``; 170 such dyad-years carry no obligation between the two, ATOP's
    ``shareob``). Non-directed rows take the maximum over both directions. Rows without a
    match are 0 inside ATOP's coverage (1815-2018) and missing (NULL/NA) outside it.
Where the ATOP dyad-year data come from
    ``atop-5.1/atop5_1ddyr.csv`` in the data directory if present (the official release),
    else ``peacesciencer/atop_alliance.rda`` (the same data as an R object), else a
    derivation from the member file ``atop5_1m.csv`` (:func:`member_ddyr`). The member file
    cannot say to whom a member owes a partner-specific obligation (ATOP's ``obvary``), so
    the derivation codes it towards every co-member; ``docs/tables.md`` quantifies the
    difference.

Beyond peacesciencer (all derived from the member file, never used silently)
    ``with_ids``: ``atop_ids``, the ATOP ids of the alliances the two states share that year.
    ``with_conditions``: per obligation, whether state 1 owes it unconditionally / only
    conditionally to state 2, plus ``atop_obvary``.
    ``with_treaties``: ``atop_number``, ``atop_bilatno``, ``atop_multino``, ``atop_transyr``.
    ``extend="curated"`` (CLI ``--extend-curated``): values past 2018, never by default.
    See "Extension past 2018" below.

Extension past 2018 (``extend="curated"``)
    Years 2019..end_year come from the store's ``memberships``/``obligations``/``treaties``
    (ATOP merged with the curated layer by ``foedus build``; the connection must hold them).
    Directed (A, B, y): an obligation column is 1 if, on at least one day of *y*, A and B were
    both members of the same treaty phase (entry inclusive, exit exclusive) and A owed B that
    obligation there (``beneficiary`` NULL: owed to every co-member; else only to that state).
    ``atop_alliance`` is 1 if A and B were members of the same treaty phase on a common day of
    *y* (ATOP's ``atopally``; it exceeds "any of the five" only for the
    party of a one-way pledge that owes nothing, e.g. Tuvalu under the Falepili Union). Obligations
    from ATOP's member file in shared memberships that began before 2019 are capped by ATOP's
    own 2018 directed dyad-year where it exists (partner-specific ``obvary`` codings are not
    carried forward; no value changes in the current data).
    Non-directed rows take the maximum over both directions. Years up to 2018 are unchanged.
    Added columns, never silent: ``alliance_source`` ('atop' up to 2018; after it 'curated',
    or 'atop-carried' if some treaty behind the row is an ATOP alliance open at the end of 2018
    whose fate the curated layer does not record: treaty status NULL or 'unknown') and
    ``alliance_assumed`` (the number of such treaties; 0 up to 2018). With ``with_ids`` also
    ``treaty_ids`` (store treaty ids, e.g. ``atop:3180``, ``curated:russia-dprk-2024``).
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import duckdb

from .errors import DataNotFoundError, FoedusError

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

COW_FIRST_YEAR = 1816
ATOP_FIRST_YEAR = 1815
ATOP_LAST_YEAR = 2018  # ATOP 5.1 observes through 2018-12-31
OBLIGATIONS = ("defense", "offense", "neutral", "nonagg", "consul")
ATOP_COLUMNS = ("atop_alliance",) + tuple(f"atop_{o}" for o in OBLIGATIONS)
# obligation -> ATOP member-file column saying it is conditional (non-aggression has none)
CONDITION_COLUMN = {"defense": "defcon", "offense": "offcon", "neutral": "neucon", "consul": "concon"}

DDYR_CSV = "atop-5.1/atop5_1ddyr.csv"
DDYR_RDA = "peacesciencer/atop_alliance.rda"

# Tables this module adds to the store (see store_tables()).
STORE_TABLES = ("atop_ddyr", "atop_dyr", "atop_ddyr_runs", "atop_dyr_runs", "atop_dyad_spells")
Output = Literal["pandas", "polars", "arrow", "duckdb"]


def default_end_year(today: dt.date | None = None) -> int:
    """The last complete calendar year (peacesciencer's ``mry``)."""
    return (today or dt.date.today()).year - 1


# ---- build time: the tables foedus keeps in its store ---------------------------------------


def _mem_con() -> duckdb.DuckDBPyConnection:
    return duckdb.connect(":memory:")


def read_ddyr(data_dir: Path) -> tuple["pd.DataFrame | None", str | None]:
    """ATOP's directed dyad-year obligations as (frame, source) or (None, None).

    Columns: ccode1 (state A, the obligor), ccode2 (state B), year, atop_defense …
    atop_consul, and ``atop_ids`` where the official CSV carries atopid1…atopid9.
    """
    import pandas as pd

    data_dir = Path(data_dir)
    csv = data_dir / DDYR_CSV
    if csv.is_file():
        con = _mem_con()
        cols = {c.lower(): c for c in con.execute(f"SELECT * FROM read_csv_auto('{csv}') LIMIT 0").df().columns}
        need = ["statea", "stateb", "year", *OBLIGATIONS]
        missing = [c for c in need if c not in cols]
        if missing:
            from .errors import DataFileError

            raise DataFileError(csv, f"lacks column(s) {', '.join(missing)}")
        idcols = sorted((c for c in cols if c.startswith("atopid") and c[6:].isdigit()), key=lambda c: int(c[6:]))
        ids = (
            "list_sort(list_filter([" + ", ".join(f'CAST("{cols[c]}" AS INTEGER)' for c in idcols) + "], lambda x: x IS NOT NULL))"
            if idcols
            else "CAST(NULL AS INTEGER[])"
        )
        df = con.execute(
            f"""SELECT CAST("{cols['statea']}" AS SMALLINT) ccode1, CAST("{cols['stateb']}" AS SMALLINT) ccode2,
                       CAST("{cols['year']}" AS SMALLINT) "year",
                       {", ".join(f'CAST("{cols[o]}" AS TINYINT) atop_{o}' for o in OBLIGATIONS)},
                       {ids} atop_ids
                FROM read_csv_auto('{csv}')"""
        ).df()
        return df, "atop5_1ddyr.csv (ATOP 5.1 directed dyad-year file)"
    rda = data_dir / DDYR_RDA
    if rda.is_file():
        import warnings

        import rdata

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # tibble classes fall back to data.frame
            raw = rdata.read_rda(str(rda))["atop_alliance"]
        df = pd.DataFrame({"ccode1": raw["ccode1"].astype("int16"), "ccode2": raw["ccode2"].astype("int16"),
                           "year": raw["year"].astype("int16")})  # fmt: skip
        for o in OBLIGATIONS:
            df[f"atop_{o}"] = raw[f"atop_{o}"].astype("int8")
        df["atop_ids"] = None
        return df.reset_index(drop=True), "peacesciencer atop_alliance.rda (from atop5_1ddyr)"
    return None, None


def member_dyad_spells(members: "pd.DataFrame") -> "pd.DataFrame":
    """Directed dyad spells from the ATOP member file: one row per (state 1, state 2, alliance
    phase) with the days both were members (``start_date`` inclusive, ``end_date`` exclusive,
    NULL while in force at the end of ATOP's coverage) and what state 1 promises in it.
    """
    con = _mem_con()
    m = members.copy()
    import pandas as pd

    m["start_date"] = pd.to_datetime(m["start_date"])
    m["end_date"] = pd.to_datetime(m["end_date"])
    con.register("m", m)
    cond = ", ".join(f"CAST(COALESCE(a.{c}, 0) AS TINYINT) {c}" for c in CONDITION_COLUMN.values())
    return con.execute(
        f"""
        SELECT CAST(a.member AS SMALLINT) ccode1, CAST(b.member AS SMALLINT) ccode2,
               CAST(a.atopid AS INTEGER) atopid, CAST(a.phase AS SMALLINT) phase,
               CAST(a.bilat AS TINYINT) bilat,
               CAST(greatest(a.start_date, b.start_date) AS DATE) start_date,
               CAST(CASE WHEN a.end_date IS NULL THEN b.end_date WHEN b.end_date IS NULL THEN a.end_date
                         ELSE least(a.end_date, b.end_date) END AS DATE) end_date,
               {", ".join(f"CAST(COALESCE(a.{o}, 0) AS TINYINT) {o}" for o in OBLIGATIONS)},
               {cond}, CAST(COALESCE(a.obvary, 0) AS TINYINT) obvary
        FROM m a JOIN m b ON a.atopid = b.atopid AND a.phase = b.phase AND a.member <> b.member
        WHERE greatest(a.start_date, b.start_date) < COALESCE(least(a.end_date, b.end_date),
                                                                a.end_date, b.end_date, TIMESTAMP '9999-01-01')
        ORDER BY ccode1, ccode2, start_date, atopid
        """
    ).df()


_SPELL_YEARS = """
    SELECT *, unnest(range(year(start_date), year(COALESCE(CAST(end_date AS DATE) - 1, {open_end})) + 1)) AS "year"
    FROM atop_dyad_spells
"""


def member_ddyr(spells: "pd.DataFrame", last_year: int = ATOP_LAST_YEAR) -> "pd.DataFrame":
    """ATOP-style directed dyad-years derived from :func:`member_dyad_spells` (1815–``last_year``):
    a directed dyad-year exists when both states were members of the same alliance phase on a
    common day of the year; each obligation is 1 if state 1 promises it in any of them."""
    con = _mem_con()
    con.register("atop_dyad_spells", spells)
    return con.execute(
        f"""
        SELECT ccode1, ccode2, CAST("year" AS SMALLINT) "year",
               {", ".join(f"CAST(max({o}) AS TINYINT) atop_{o}" for o in OBLIGATIONS)},
               list_sort(list_distinct(list(atopid))) atop_ids
        FROM ({_SPELL_YEARS.format(open_end=f"DATE '{last_year}-12-31'")})
        WHERE "year" <= {last_year}
        GROUP BY ALL ORDER BY ccode1, ccode2, "year"
        """
    ).df()


def store_tables(data_dir: Path, spells: "pd.DataFrame", members: "pd.DataFrame", *,
                 ddyr_source: Literal["auto", "members"] = "auto") -> dict[str, "pd.DataFrame"]:  # fmt: skip
    """The tables the research-table queries need, for the store.

    ``atop_ddyr``: directed dyad-year ATOP obligations (ccode1, ccode2, year, atop_defense …
    atop_consul, atop_ids, source); ``atop_dyr``: the same, non-directed (ccode1 < ccode2,
    maximum over both directions); ``atop_dyad_spells``: :func:`member_dyad_spells`.
    ``spells`` (COW) is accepted for symmetry with the other derivations and not used: the
    queries read the store's ``state_spells``. ``ddyr_source="members"`` ignores the
    ATOP/peacesciencer dyad-year files and uses the member-file derivation (for comparison).
    """
    dspells = member_dyad_spells(members)
    ddyr, source = read_ddyr(data_dir) if ddyr_source == "auto" else (None, None)
    derived = member_ddyr(dspells)
    if ddyr is None:
        ddyr, source = derived, "derived from atop5_1m.csv (member file)"
    elif ddyr["atop_ids"].isna().all():
        # the rda has no ids: take them from the member-file derivation where the dyad-year exists there
        ids = derived[["ccode1", "ccode2", "year", "atop_ids"]]
        ddyr = ddyr.drop(columns="atop_ids").merge(ids, on=["ccode1", "ccode2", "year"], how="left")
    ddyr = ddyr.copy()
    ddyr["source"] = source
    con = _mem_con()
    con.register("d", ddyr)
    dyr = con.execute(
        f"""
        SELECT least(ccode1, ccode2) ccode1, greatest(ccode1, ccode2) ccode2, "year",
               {", ".join(f"max(atop_{o}) atop_{o}" for o in OBLIGATIONS)},
               list_sort(list_distinct(flatten(list(COALESCE(atop_ids, []))))) atop_ids, any_value(source) source
        FROM d GROUP BY ALL ORDER BY ALL
        """
    ).df()
    con.register("dyr", dyr)
    return {
        "atop_ddyr": ddyr,
        "atop_dyr": dyr,
        "atop_ddyr_runs": con.execute(_RUNS_SQL.format(src="d")).df(),
        "atop_dyr_runs": con.execute(_RUNS_SQL.format(src="dyr")).df(),
        "atop_dyad_spells": dspells,
    }


_VALS = ", ".join(f"atop_{o}" for o in OBLIGATIONS)
_ZEROS = ", ".join("0" for _ in OBLIGATIONS)
# Per dyad that ATOP records at all: a partition of 1815-2018 into runs of years with the same
# values (atop_alliance 1 where ATOP has the dyad-year, 0 in the gaps). Lets the query build
# the table from a few tens of thousands of year ranges instead of joining 2 million rows.
_RUNS_SQL = f"""
    WITH k AS (SELECT ccode1 c1, ccode2 c2, CAST("year" AS INTEGER) y, {_VALS},
                      "year" - row_number() OVER (PARTITION BY ccode1, ccode2, {_VALS} ORDER BY "year") g
               FROM {{src}} WHERE "year" BETWEEN {ATOP_FIRST_YEAR} AND {ATOP_LAST_YEAR}),
    runs AS (SELECT c1, c2, min(y) ys, max(y) ye, 1 atop_alliance, {_VALS} FROM k GROUP BY c1, c2, g, {_VALS}),
    b AS (SELECT c1, c2, ys, ye, lag(ye) OVER (PARTITION BY c1, c2 ORDER BY ys) prev_ye,
                 lead(ys) OVER (PARTITION BY c1, c2 ORDER BY ys) next_ys FROM runs),
    gaps AS (SELECT c1, c2, COALESCE(prev_ye + 1, {ATOP_FIRST_YEAR}) ys, ys - 1 ye FROM b
             WHERE COALESCE(prev_ye + 1, {ATOP_FIRST_YEAR}) <= ys - 1
             UNION ALL SELECT c1, c2, ye + 1, {ATOP_LAST_YEAR} FROM b WHERE next_ys IS NULL AND ye < {ATOP_LAST_YEAR})
    SELECT CAST(c1 AS SMALLINT) ccode1, CAST(c2 AS SMALLINT) ccode2, CAST(ys AS SMALLINT) ys, CAST(ye AS SMALLINT) ye,
           CAST(atop_alliance AS TINYINT) atop_alliance, {_VALS}
    FROM (SELECT * FROM runs UNION ALL SELECT c1, c2, ys, ye, 0, {_ZEROS} FROM gaps)
    ORDER BY ccode1, ccode2, ys
"""


# ---- query time ------------------------------------------------------------------------------


def _has_tables(con: duckdb.DuckDBPyConnection) -> bool:
    have = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    return {"state_spells", *STORE_TABLES} <= have


def connect(db: str | os.PathLike | None = None, data: str | os.PathLike | None = None, *, progress=None) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection holding ``state_spells`` and the :data:`STORE_TABLES`.

    The store (``db``, default from :mod:`foedus.config`) is used read-only when it has them;
    otherwise they are derived from the data directory into an in-memory database (slower:
    about two seconds, and pandas is imported).
    """
    from . import config

    path = config.db_path(db)
    if path.exists():
        try:
            con = duckdb.connect(str(path), read_only=True)
        except duckdb.Error:
            con = None
        if con is not None:
            if _has_tables(con):
                return con
            con.close()
    if progress:
        progress(f"the store {path} lacks the research tables; deriving them from {config.data_dir(data)} (slower)")
    return memory_connection(config.data_dir(data))


def memory_connection(data_dir: Path, *, ddyr_source: Literal["auto", "members"] = "auto") -> duckdb.DuckDBPyConnection:
    """An in-memory connection with the tables derived from the raw files in ``data_dir``."""
    import pandas as pd

    from .sources import atop, cow

    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        raise DataNotFoundError(f"no data directory at {data_dir}; run `foedus data fetch` or set --data / FOEDUS_DATA")
    spells = cow.load_state_spells(data_dir)
    members = atop.load_members(data_dir)
    tables = store_tables(data_dir, spells, members, ddyr_source=ddyr_source)
    con = _mem_con()
    st = spells[["ccode", "spell", "start_date", "end_date"]].copy()
    for c in ("start_date", "end_date"):
        st[c] = pd.to_datetime(st[c])
    tables = {"state_spells": st, **tables}
    for name, frame in tables.items():
        con.register("frame", frame)
        con.execute(f'CREATE TABLE "{name}" AS SELECT * FROM frame')
        con.unregister("frame")
    return con


def _years(start_year: int | None, end_year: int | None) -> tuple[int, int]:
    s = COW_FIRST_YEAR if start_year is None else int(start_year)
    e = default_end_year() if end_year is None else int(end_year)
    if s > e:
        raise FoedusError(f"start year {s} is after end year {e}")
    return s, e


def _bounded_spells(end_year: int) -> str:
    # Spells still open at the end of the state list are right-censored: members through end_year.
    return f"""SELECT CAST(ccode AS SMALLINT) ccode, CAST(start_date AS DATE) s,
                      COALESCE(CAST(end_date AS DATE), DATE '{end_year}-12-31') e
               FROM state_spells"""


def state_years_sql(start_year: int, end_year: int) -> str:
    return f"""
        WITH b AS ({_bounded_spells(end_year)}),
        q AS (SELECT ccode, greatest(year(s), {start_year}) ys, least(year(e), {end_year}) ye FROM b)
        SELECT DISTINCT ccode, CAST(unnest(range(ys, ye + 1)) AS SMALLINT) AS "year"
        FROM q WHERE ys <= ye ORDER BY ccode, "year"
    """


def _intervals_sql(directed: bool, start_year: int, end_year: int) -> str:
    """CTEs ending in ``iv(c1, c2, ys, ye)``: per dyad, disjoint year ranges of existence.

    Day precision without a DISTINCT over the big table: the days two states share are
    disjoint intervals, so only a year where one interval ends and the next begins can
    repeat; each interval starts after the previous one's last year."""
    pair = "a.ccode <> b.ccode" if directed else "a.ccode < b.ccode"
    return f"""
        sp AS ({_bounded_spells(end_year)}),
        p AS (SELECT a.ccode c1, b.ccode c2, greatest(a.s, b.s) s,
                     year(greatest(a.s, b.s)) ys, year(least(a.e, b.e)) ye
              FROM sp a JOIN sp b ON {pair} AND a.s <= b.e AND b.s <= a.e),
        q AS (SELECT c1, c2, greatest(ys, COALESCE(lag(ye) OVER (PARTITION BY c1, c2 ORDER BY s) + 1, ys), {start_year}) ys,
                     least(ye, {end_year}) ye FROM p),
        iv AS (SELECT c1, c2, ys, ye FROM q WHERE ys <= ye)"""


def dyad_years_sql(directed: bool, start_year: int, end_year: int) -> str:
    """Dyad-years (ccode1, ccode2, year), in that order."""
    return f"""
        WITH {_intervals_sql(directed, start_year, end_year)},
        r AS (SELECT c1, c2, ys, ye FROM iv ORDER BY c1, c2, ys)
        SELECT c1 AS ccode1, c2 AS ccode2, CAST(unnest(range(ys, ye + 1)) AS SMALLINT) AS "year" FROM r
    """


def dyad_atop_sql(directed: bool, start_year: int, end_year: int) -> str:
    """The peacesciencer table (dyad-years with the six ATOP columns), ordered, built from year
    ranges: each dyad's ranges are cut at ATOP's runs of equal values, then expanded."""
    runs = "atop_ddyr_runs" if directed else "atop_dyr_runs"
    last = ATOP_LAST_YEAR
    nulls = ", ".join("NULL" for _ in OBLIGATIONS)
    return f"""
        WITH {_intervals_sql(directed, start_year, end_year)},
        pre AS (SELECT c1, c2, ys, least(ye, {last}) ye FROM iv WHERE ys <= {last}),
        seg AS (
            SELECT i.c1, i.c2, greatest(i.ys, r.ys) ys, least(i.ye, r.ye) ye, r.atop_alliance,
                   {", ".join(f"r.atop_{o}" for o in OBLIGATIONS)}
            FROM pre i JOIN {runs} r ON r.ccode1 = i.c1 AND r.ccode2 = i.c2 AND r.ys <= i.ye AND i.ys <= r.ye
            UNION ALL
            SELECT c1, c2, ys, ye, 0, {_ZEROS} FROM pre i
            WHERE NOT EXISTS (SELECT 1 FROM {runs} r WHERE r.ccode1 = i.c1 AND r.ccode2 = i.c2)
            UNION ALL
            SELECT c1, c2, greatest(ys, {last + 1}), ye, NULL, {nulls} FROM iv WHERE ye > {last}
        ),
        o AS (SELECT * FROM seg ORDER BY c1, c2, ys)
        SELECT c1 AS ccode1, c2 AS ccode2, CAST(unnest(range(ys, ye + 1)) AS SMALLINT) AS "year",
               CAST(atop_alliance AS TINYINT) atop_alliance, {", ".join(f"CAST(atop_{o} AS TINYINT) atop_{o}" for o in OBLIGATIONS)}
        FROM o
    """


EXTENSIONS = ("curated",)
STORE_CURATED_TABLES = ("memberships", "obligations", "treaties")
# obligation words in the store's obligations table -> the ATOP column names used here
_WORDS = {"defense": "defense", "offense": "offense", "neutrality": "neutral", "non-aggression": "nonagg",
          "consultation": "consul"}  # fmt: skip


def extension(extend: Any) -> str | None:
    """Normalise the ``extend`` option: ``None``/``False`` (no extension, the default) or
    ``"curated"``; anything else is an error (``True`` too: say which extension)."""
    if extend is None or extend is False:
        return None
    if isinstance(extend, str) and extend.lower() in EXTENSIONS:
        return extend.lower()
    raise FoedusError(f"unknown extension {extend!r}; foedus extends ATOP past {ATOP_LAST_YEAR} with 'curated'")


def require_curated(con: duckdb.DuckDBPyConnection) -> None:
    """Raise unless ``con`` holds the store's merged memberships/obligations/treaties."""
    have = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    missing = [t for t in STORE_CURATED_TABLES if t not in have]
    if missing:
        raise FoedusError(
            f"extending the alliance columns past {ATOP_LAST_YEAR} needs the store's {', '.join(missing)} "
            "(ATOP merged with the curated layer); run `foedus build` and use that store (--db / db=)"
        )


def _ext_end(end_year: int | None) -> int:
    return max(end_year or default_end_year(), ATOP_LAST_YEAR)


def _curated_spells_sql(end_year: int | None) -> str:
    """CTEs ending in ``xs``: directed dyad spells after 2018 from the store's memberships (ATOP
    merged with the curated layer). One row per (state 1's membership, state 2) in the same
    treaty phase on common days: ``start_date`` (inclusive) and ``end_date`` (exclusive, NULL
    while open) of the shared days, what state 1 owes state 2 there (an obligation with
    ``beneficiary`` NULL is owed to every co-member, else only to that state), and ``assumed``:
    the spell rests on an ATOP membership open at the end of 2018 whose treaty has no recorded
    fate after 2018 (status NULL or 'unknown'). Obligations from ATOP's member file in spells
    that began before 2019 are capped by ATOP's own 2018 dyad-year where it exists, so a
    partner-specific (``obvary``) over-statement is not carried forward."""
    cut = f"DATE '{ATOP_LAST_YEAR + 1}-01-01'"
    flags = []
    for word, o in _WORDS.items():
        hit = (f"o.obligation = '{word}' AND NOT (o.origin = 'atop' AND p.start_date < {cut} "
               f"AND l.ccode1 IS NOT NULL AND COALESCE(l.atop_{o}, 0) = 0)")  # fmt: skip
        flags.append(f"CAST(COALESCE(max(CASE WHEN {hit} THEN 1 END), 0) AS TINYINT) {o}")
        if o in CONDITION_COLUMN:
            flags.append(f"CAST(COALESCE(max(CASE WHEN {hit} AND o.conditional THEN 1 END), 0) AS TINYINT) {CONDITION_COLUMN[o]}")
    return f"""xm AS (
            SELECT m.membership_id, m.treaty_id, CAST(m.atopid AS INTEGER) atopid, m.phase, CAST(m.ccode AS SMALLINT) ccode,
                   CAST(m.entry_date AS DATE) s, CAST(m.exit_date AS DATE) e,
                   CAST(COALESCE(t.bilat, 0) AS TINYINT) bilat,
                   m.origin = 'atop' AND m.exit_date IS NULL AND COALESCE(t.status, 'unknown') = 'unknown' AS assumed
            FROM memberships m LEFT JOIN treaties t USING (treaty_id)
            WHERE COALESCE(m.exit_date, DATE '9999-12-31') > {cut}
              AND m.entry_date <= DATE '{_ext_end(end_year)}-12-31'),
        xp AS (
            SELECT a.ccode ccode1, b.ccode ccode2, a.membership_id, a.treaty_id, a.atopid, a.bilat,
                   greatest(a.s, b.s) start_date,
                   CASE WHEN a.e IS NULL THEN b.e WHEN b.e IS NULL THEN a.e ELSE least(a.e, b.e) END end_date,
                   a.assumed OR b.assumed assumed
            FROM xm a JOIN xm b ON a.treaty_id = b.treaty_id AND a.phase IS NOT DISTINCT FROM b.phase AND a.ccode <> b.ccode),
        xs AS (
            SELECT p.ccode1, p.ccode2, p.treaty_id, p.atopid, p.bilat, p.start_date, p.end_date, p.assumed,
                   {", ".join(flags)},
                   CAST(COALESCE(max(CASE WHEN o.partner_specific THEN 1 END), 0) AS TINYINT) obvary
            FROM xp p
            LEFT JOIN obligations o ON o.membership_id = p.membership_id
                 AND (o.beneficiary IS NULL OR o.beneficiary = p.ccode2)
            LEFT JOIN atop_ddyr l ON l.ccode1 = p.ccode1 AND l.ccode2 = p.ccode2 AND l.year = {ATOP_LAST_YEAR}
            WHERE p.start_date < COALESCE(p.end_date, DATE '9999-12-31') AND COALESCE(p.end_date, DATE '9999-12-31') > {cut}
            GROUP BY ALL)"""


# xs expanded to the years after ATOP's coverage in which the shared days fall (day overlap).
_CURATED_YEARS = f"""
    SELECT *, CAST(unnest(range(greatest(year(start_date), {ATOP_LAST_YEAR + 1}),
                                least(year(COALESCE(end_date - 1, DATE '{{end}}-12-31')), {{end}}) + 1)) AS SMALLINT) AS "year"
    FROM xs
"""


def _fill(expr: str, year: str = "d.year") -> str:
    """peacesciencer's fill: 0 where ATOP observes the year, missing elsewhere."""
    return f"COALESCE({expr}, CASE WHEN {year} BETWEEN {ATOP_FIRST_YEAR} AND {ATOP_LAST_YEAR} THEN 0 END)"


def alliance_sql(base: str, *, directed: bool, with_ids: bool = False, with_conditions: bool = False,
                 with_treaties: bool = False, extend: str | bool | None = None, order: bool = False,
                 ids_as_text: bool = False, end_year: int | None = None) -> str:  # fmt: skip
    """SQL adding the ATOP columns to the relation ``base`` (with ccode1, ccode2, year).

    ``extend="curated"`` (see :func:`extension`) fills the years after 2018 from the store's
    ``memberships``/``obligations``/``treaties`` (ATOP merged with the curated layer) and adds
    ``alliance_source`` and ``alliance_assumed``; the connection must hold those tables."""
    extend = extension(extend)
    src = "atop_ddyr" if directed else "atop_dyr"
    ctes, joins, cols = [], [f"LEFT JOIN {src} a ON a.ccode1 = d.ccode1 AND a.ccode2 = d.ccode2 AND a.year = d.year"], []

    def val(o: str) -> str:
        col = "1" if o == "alliance" else f"a.atop_{o}"
        present = "a.ccode1 IS NOT NULL"
        base_val = f"CASE WHEN {present} THEN {col} END"
        if extend:
            ext = "CASE WHEN x.ccode1 IS NOT NULL THEN 1 END" if o == "alliance" else f"x.atop_{o}"
            base_val = f"CASE WHEN d.year > {ATOP_LAST_YEAR} THEN COALESCE({ext}, 0) ELSE {base_val} END"
        return f"CAST({_fill(base_val)} AS TINYINT) AS atop_{o}"

    cols += [val(o) for o in ("alliance",) + OBLIGATIONS]
    key = "ccode1, ccode2" if directed else "least(ccode1, ccode2) ccode1, greatest(ccode1, ccode2) ccode2"
    if extend:
        # Years after ATOP's coverage from the store's memberships/obligations as merged with
        # the curated layer (_curated_spells_sql: directed pair spells touching 2019 or later).
        ctes.append(_curated_spells_sql(end_year))
        ctes.append(
            f"""xy AS ({_CURATED_YEARS.format(end=_ext_end(end_year))}),
            x AS (SELECT {key}, "year", {", ".join(f"max({o}) atop_{o}" for o in OBLIGATIONS)},
                         count(DISTINCT CASE WHEN assumed THEN treaty_id END) assumed,
                         list_sort(list_distinct(list(atopid) FILTER (WHERE atopid IS NOT NULL))) ids,
                         list_sort(list_distinct(list(treaty_id))) tids
                  FROM xy GROUP BY ALL)"""
        )
        joins.append(f"LEFT JOIN x ON x.ccode1 = d.ccode1 AND x.ccode2 = d.ccode2 AND x.year = d.year AND d.year > {ATOP_LAST_YEAR}")
        cols.append(
            f"CASE WHEN d.year <= {ATOP_LAST_YEAR} THEN 'atop' WHEN x.assumed > 0 THEN 'atop-carried' ELSE 'curated' END "
            "AS alliance_source"
        )
        cols.append(f"CAST(CASE WHEN d.year > {ATOP_LAST_YEAR} THEN COALESCE(x.assumed, 0) ELSE 0 END AS SMALLINT) AS alliance_assumed")
    if with_ids:
        ids = "a.atop_ids"
        if extend:
            ids = f"CASE WHEN d.year > {ATOP_LAST_YEAR} THEN x.ids ELSE a.atop_ids END"
            tids = f"CASE WHEN d.year > {ATOP_LAST_YEAR} THEN x.tids ELSE list_transform(a.atop_ids, lambda i: 'atop:' || i) END"
        cols.append(f"array_to_string({ids}, ' ') AS atop_ids" if ids_as_text else f"{ids} AS atop_ids")
        if extend:
            cols.append(f"array_to_string({tids}, ' ') AS treaty_ids" if ids_as_text else f"{tids} AS treaty_ids")
    if with_conditions or with_treaties:
        # member-file spells expanded to years, summarised per dyad-year
        last = _ext_end(end_year) if extend else ATOP_LAST_YEAR
        yr = _SPELL_YEARS.format(open_end=f"DATE '{ATOP_LAST_YEAR}-12-31'")
        if extend:  # ATOP's member file through 2018, the curated store after it
            spell_cols = ("ccode1, ccode2, bilat, start_date, end_date, " + ", ".join(OBLIGATIONS) + ", "
                          + ", ".join(CONDITION_COLUMN.values()) + ', obvary, "year"')  # fmt: skip
            yr = (f"SELECT {spell_cols}, 'atop:' || atopid AS treaty_id FROM ({yr}) "
                  f"UNION ALL SELECT {spell_cols}, treaty_id FROM xy")  # fmt: skip
        agg = []
        for o, c in CONDITION_COLUMN.items():
            agg.append(f"max(CASE WHEN {o} = 1 AND {c} = 0 THEN 1 ELSE 0 END) atop_{o}_uncond")
            agg.append(f"max(CASE WHEN {o} = 1 AND {c} = 1 THEN 1 ELSE 0 END) atop_{o}_cond")
        agg.append("max(obvary) atop_obvary")
        tid = "treaty_id" if extend else "atopid"
        agg.append(f"count(DISTINCT {tid}) atop_number")
        agg.append(f"count(DISTINCT CASE WHEN bilat = 1 THEN {tid} END) atop_bilatno")
        agg.append(f"count(DISTINCT CASE WHEN bilat = 0 THEN {tid} END) atop_multino")
        agg.append(
            'max(CASE WHEN year(start_date) = "year" OR (end_date IS NOT NULL AND year(CAST(end_date AS DATE) - 1) = "year") '
            "THEN 1 ELSE 0 END) atop_transyr"
        )
        if directed:
            ctes.append(f"sy AS ({yr}), m AS (SELECT ccode1, ccode2, \"year\", {', '.join(agg)} FROM sy GROUP BY ALL)")
        else:
            ctes.append(
                f"sy AS ({yr}), m AS (SELECT least(ccode1, ccode2) ccode1, greatest(ccode1, ccode2) ccode2, "
                f"\"year\", {', '.join(agg)} FROM sy GROUP BY ALL)"
            )
        joins.append('LEFT JOIN m ON m.ccode1 = d.ccode1 AND m.ccode2 = d.ccode2 AND m."year" = d."year"')

        def mfill(expr: str, typ: str) -> str:
            return f"CAST(COALESCE({expr}, CASE WHEN d.year BETWEEN {ATOP_FIRST_YEAR} AND {last} THEN 0 END) AS {typ})"

        if with_conditions:
            for o in CONDITION_COLUMN:
                cols += [f"{mfill(f'm.atop_{o}_uncond', 'TINYINT')} AS atop_{o}_uncond",
                         f"{mfill(f'm.atop_{o}_cond', 'TINYINT')} AS atop_{o}_cond"]  # fmt: skip
            cols.append(f"{mfill('m.atop_obvary', 'TINYINT')} AS atop_obvary")
        if with_treaties:
            for c in ("atop_number", "atop_bilatno", "atop_multino"):
                cols.append(f"{mfill(f'm.{c}', 'SMALLINT')} AS {c}")
            cols.append(f"{mfill('m.atop_transyr', 'TINYINT')} AS atop_transyr")
    with_ = ("WITH " + ",\n".join(ctes)) if ctes else ""
    return f"""
        {with_}
        SELECT d.*, {", ".join(cols)}
        FROM ({base}) d {" ".join(joins)}
        {"ORDER BY d.ccode1, d.ccode2, d.year" if order else ""}
    """


def dyad_table_sql(*, directed: bool = True, start_year: int | None = None, end_year: int | None = None,
                   alliances: str | None = "atop", **options: Any) -> str:  # fmt: skip
    """The SQL for a whole dyad-year table (what the CLI writes with ``COPY``)."""
    s, e = _years(start_year, end_year)
    base = dyad_years_sql(directed, s, e)
    if alliances is None:
        if any(v for k, v in options.items() if k != "ids_as_text"):
            raise FoedusError(f"{', '.join(k for k, v in options.items() if v and k != 'ids_as_text')} need alliances='atop'")
        return base
    if alliances != "atop":
        raise FoedusError(f"unknown alliance source {alliances!r}; foedus has 'atop'")
    if not any(v for k, v in options.items() if k != "ids_as_text"):
        return dyad_atop_sql(directed, s, e)
    return alliance_sql(base, directed=directed, order=True, end_year=e, **options)


def _result(rel: duckdb.DuckDBPyRelation, output: Output):
    if output == "duckdb":
        return rel
    if output == "pandas":
        return rel.df()
    if output == "polars":
        return rel.pl()
    if output == "arrow":
        return rel.to_arrow_table()
    raise FoedusError(f"unknown output {output!r}; choose pandas, polars, arrow or duckdb")


def state_years(system: str = "cow", *, start_year: int | None = None, end_year: int | None = None,
                output: Output = "pandas", db=None, data=None, con: duckdb.DuckDBPyConnection | None = None):  # fmt: skip
    """COW state-years (ccode, year): every year in which the state was a system member on at
    least one day, ``start_year`` (1816) to ``end_year`` (the last complete calendar year)."""
    _system(system)
    s, e = _years(start_year, end_year)
    con = con or connect(db, data)
    return _result(con.sql(state_years_sql(s, e)), output)


def dyad_years(system: str = "cow", *, directed: bool = True, start_year: int | None = None,
               end_year: int | None = None, alliances: str | None = None, output: Output = "pandas",
               db=None, data=None, con: duckdb.DuckDBPyConnection | None = None, **options: Any):  # fmt: skip
    """COW dyad-years (ccode1, ccode2, year), day precision; see the module docstring.

    ``alliances="atop"`` adds the ATOP columns in the same query (the same result as
    :func:`add_alliances` on the plain table, faster); ``options`` are those of
    :func:`add_alliances` (``with_ids``, ``with_conditions``, ``with_treaties``, ``extend``).
    """
    _system(system)
    if "extend" in options:
        options["extend"] = extension(options["extend"])
    con = con or connect(db, data)
    if options.get("extend"):
        require_curated(con)
    sql = dyad_table_sql(directed=directed, start_year=start_year, end_year=end_year, alliances=alliances, **options)
    if alliances is None:
        sql += " ORDER BY ccode1, ccode2, year"
    return _result(con.sql(sql), output)


def add_alliances(df, source: str = "atop", *, directed: bool | None = None, with_ids: bool = False,
                  with_conditions: bool = False, with_treaties: bool = False, extend: str | bool | None = None,
                  db=None, data=None, con: duckdb.DuckDBPyConnection | None = None):  # fmt: skip
    """Add ATOP alliance columns to a dyad-year frame (pandas, polars or Arrow; the result has
    the same type and row order) with columns ccode1, ccode2, year.

    ``directed=None`` decides like peacesciencer: the data are directed if some row has
    ccode1 > ccode2; otherwise non-directed, and each row gets the maximum over both
    directions (peacesciencer's ``ndir = TRUE``). Pass ``directed=True`` to force a plain
    directed merge on non-directed rows (``ndir = FALSE``).

    ``extend="curated"`` fills the years after 2018 from the store's memberships/obligations
    as merged with the curated layer (never by default; see the module docstring).
    """
    if source != "atop":
        raise FoedusError(f"unknown alliance source {source!r}; foedus has 'atop'")
    extend = extension(extend)
    con = con or connect(db, data)
    if extend:
        require_curated(con)
    kind = _frame_kind(df)
    con.register("_foedus_input", df)
    try:
        if directed is None:
            directed = bool(con.execute("SELECT count(*) FROM _foedus_input WHERE ccode1 > ccode2").fetchall()[0][0])
        base = "SELECT *, row_number() OVER () AS _foedus_row FROM _foedus_input"
        last = con.execute("SELECT max(year) FROM _foedus_input").fetchall()[0][0]
        sql = alliance_sql(base, directed=directed, with_ids=with_ids, with_conditions=with_conditions,
                           with_treaties=with_treaties, extend=extend, end_year=last)  # fmt: skip
        rel = con.sql(f"SELECT * EXCLUDE (_foedus_row) FROM ({sql}) ORDER BY _foedus_row")
        return _result(rel, kind)
    finally:
        con.unregister("_foedus_input")


def _frame_kind(df) -> Output:
    mod = type(df).__module__.split(".")[0]
    if mod == "pandas":
        return "pandas"
    if mod == "polars":
        return "polars"
    if mod == "pyarrow":
        return "arrow"
    if isinstance(df, duckdb.DuckDBPyRelation):
        return "duckdb"
    raise FoedusError(f"add_alliances() takes a pandas, polars or Arrow table, not {type(df).__name__}")


def _system(system: str) -> None:
    if system.lower() != "cow":
        raise FoedusError(f"system {system!r} is not supported yet; foedus builds COW ('cow') state and dyad years")


def add_to_store(db: str | os.PathLike, data_dir: str | os.PathLike) -> dict[str, int]:
    """Write the research tables into an existing store (for stores built before
    ``foedus build`` wrote them itself); returns their row counts."""
    from .sources import atop, cow

    data_dir = Path(data_dir)
    frames = store_tables(data_dir, cow.load_state_spells(data_dir), atop.load_members(data_dir))
    with duckdb.connect(str(db)) as con:
        con.execute("BEGIN")
        for name, frame in frames.items():
            con.register("frame", frame)
            con.execute(f'CREATE OR REPLACE TABLE "{name}" AS SELECT * FROM frame')
            con.unregister("frame")
        con.execute("COMMIT")
        con.execute("CHECKPOINT")
    return {name: len(frame) for name, frame in frames.items()}
