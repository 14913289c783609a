"""`foedus table dyad-years|state-years --out FILE`: research tables written to a file.

The fast path never imports pandas or polars: DuckDB runs the query against the store and
writes Parquet or CSV itself (``COPY … TO``). Arrow IPC goes through pyarrow, Stata ``.dta``
through pandas. Where the store lacks the research tables (a store built before they
existed, or no store), they are derived from the data directory first, which is slower.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import typer

from .cliutil import GuardedTyper
from .errors import FoedusError

table_app = GuardedTyper(help="Research tables (state-years, dyad-years with ATOP alliances) as files.",
                        no_args_is_help=True)  # fmt: skip

FORMATS = {".parquet": "parquet", ".pq": "parquet", ".csv": "csv", ".dta": "dta", ".arrow": "arrow",
           ".feather": "arrow", ".ipc": "arrow"}  # fmt: skip

OutOpt = typer.Option(..., "--out", "-o", help="Output file; the format follows the suffix: .parquet, .csv, .dta or .arrow.")
StartOpt = typer.Option(None, "--start-year", help="First year (default 1816).")
EndOpt = typer.Option(None, "--end-year", help="Last year (default: the last complete calendar year, like peacesciencer's mry).")


def _say(msg: str) -> None:
    print(msg, file=sys.stderr)


def _format(out: Path) -> str:
    fmt = FORMATS.get(out.suffix.lower())
    if fmt is None:
        raise FoedusError(f"cannot tell the format of {out}: use a .parquet, .csv, .dta or .arrow suffix")
    return fmt


def _settings(ctx: typer.Context):
    obj = ctx.obj
    if obj is None:  # run outside the main app: read the environment
        from . import config

        class _S:
            data = config.data_dir()
            db = config.db_path()

        obj = _S()
    return obj


def write(con, sql: str, out: Path, fmt: str) -> int:
    """Write the query's result to ``out``; returns the number of rows."""
    out.parent.mkdir(parents=True, exist_ok=True)
    target = str(out).replace("'", "''")
    if fmt == "parquet":
        return con.execute(f"COPY ({sql}) TO '{target}' (FORMAT parquet, COMPRESSION zstd)").fetchall()[0][0]
    if fmt == "csv":
        return con.execute(f"COPY ({sql}) TO '{target}' (FORMAT csv, HEADER true)").fetchall()[0][0]
    if fmt == "arrow":
        import pyarrow.feather as feather

        table = con.sql(sql).to_arrow_table()
        feather.write_feather(table, str(out), compression="zstd")
        return table.num_rows
    if fmt == "dta":
        df = con.sql(sql).df()
        for col in df.columns:
            if df[col].dtype == "bool":
                df[col] = df[col].astype("int8")
        df.to_stata(out, write_index=False, version=118)
        return len(df)
    raise FoedusError(f"unknown format {fmt!r}")


@table_app.command("dyad-years")
def dyad_years_cmd(
    ctx: typer.Context,
    out: Path = OutOpt,
    directed: bool = typer.Option(True, "--directed/--non-directed", help="Directed (A→B and B→A) or non-directed (ccode1 < ccode2) rows."),
    start_year: Optional[int] = StartOpt,
    end_year: Optional[int] = EndOpt,
    alliances: bool = typer.Option(True, "--atop/--no-atop", help="Add the ATOP alliance columns (default) or write bare dyad-years."),
    with_ids: bool = typer.Option(False, "--with-ids", help="Add atop_ids: the ATOP ids of the alliances the dyad shares that year."),
    with_conditions: bool = typer.Option(False, "--with-conditions", help="Add conditional/unconditional obligation columns and atop_obvary (member file)."),
    with_treaties: bool = typer.Option(False, "--with-treaties", help="Add treaty-level counts: atop_number, atop_bilatno, atop_multino, atop_transyr."),
    extend: bool = typer.Option(False, "--extend-curated", help="Fill years after 2018 from the store's memberships and obligations as merged with the curated layer (needs `foedus build`); adds alliance_source and alliance_assumed."),
) -> None:
    """COW dyad-years (day precision), with peacesciencer's ATOP alliance columns."""
    from . import tables

    s = _settings(ctx)
    fmt = _format(out)
    if not alliances and (with_ids or with_conditions or with_treaties or extend):
        raise FoedusError("--with-ids, --with-conditions, --with-treaties and --extend-curated need the ATOP columns (drop --no-atop)")
    con = tables.connect(s.db, s.data, progress=_say)
    if extend:
        tables.require_curated(con)
    sql = tables.dyad_table_sql(
        directed=directed, start_year=start_year, end_year=end_year, alliances="atop" if alliances else None,
        **({"with_ids": with_ids, "with_conditions": with_conditions, "with_treaties": with_treaties,
            "extend": "curated" if extend else None, "ids_as_text": fmt in ("csv", "dta")} if alliances else {}),
    )  # fmt: skip
    if not alliances:
        sql += " ORDER BY ccode1, ccode2, year"
    n = write(con, sql, out, fmt)
    _say(f"wrote {n:,} {'directed' if directed else 'non-directed'} dyad-years to {out}")
    if extend:
        _say(f"years after {tables.ATOP_LAST_YEAR} come from the curated layer (alliance_source); "
             "rows resting on ATOP alliances assumed to continue are marked 'atop-carried' (alliance_assumed > 0)")


@table_app.command("state-years")
def state_years_cmd(
    ctx: typer.Context,
    out: Path = OutOpt,
    start_year: Optional[int] = StartOpt,
    end_year: Optional[int] = EndOpt,
) -> None:
    """COW state-years: every year in which a state was a system member on at least one day."""
    from . import tables

    s = _settings(ctx)
    fmt = _format(out)
    start, end = tables._years(start_year, end_year)
    con = tables.connect(s.db, s.data, progress=_say)
    n = write(con, tables.state_years_sql(start, end), out, fmt)
    _say(f"wrote {n:,} state-years to {out}")


def _standalone() -> typer.Typer:
    """`python -m foedus.cli_tables …` with the global --data/--db options (until the main
    app mounts ``table_app``)."""
    from . import config

    app = typer.Typer(no_args_is_help=True, pretty_exceptions_enable=False)

    class Settings:
        def __init__(self, data, db):
            self.data = config.data_dir(data)
            self.db = config.db_path(db)

    @app.callback()
    def main(ctx: typer.Context, data: Optional[Path] = typer.Option(None, "--data"), db: Optional[Path] = typer.Option(None, "--db")):
        ctx.obj = Settings(data, db)

    app.add_typer(table_app, name="table")
    return app


if __name__ == "__main__":
    _standalone()()
