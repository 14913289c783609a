"""Research tables (foedus.tables, `foedus table …`): peacesciencer's numbers, row by row."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import pytest

from foedus import tables as T

END = 2025  # the figures use end year 2025 (the last complete year on 2026-11-25)


def _data_dir() -> Path:
    return Path(os.environ.get("FOEDUS_DATA") or Path(__file__).resolve().parents[2] / "shared" / "data")


@pytest.fixture(scope="module")
def data() -> Path:
    path = _data_dir()
    need = [path / "cow-states", path / "atop-5.1" / "atop5_1m.csv", path / T.DDYR_RDA]
    if not all(p.exists() for p in need):
        pytest.skip(f"public datasets (COW states, ATOP 5.1, peacesciencer/atop_alliance.rda) not found in {path}; set FOEDUS_DATA")
    return path


@pytest.fixture(scope="module")
def con(data):
    c = T.memory_connection(data)
    yield c
    c.close()


@pytest.fixture(scope="module")
def directed(con):
    return con.sql(T.dyad_table_sql(directed=True, end_year=END)).df()


@pytest.fixture(scope="module")
def nondirected(con):
    return con.sql(T.dyad_table_sql(directed=False, end_year=END)).df()


def _row(df, c1, c2, year):
    hit = df[(df.ccode1 == c1) & (df.ccode2 == c2) & (df.year == year)]
    assert len(hit) <= 1
    return None if hit.empty else hit.iloc[0]


SUMS_DIRECTED = dict(atop_alliance=267_402, atop_defense=135_392, atop_offense=5_124, atop_neutral=4_431,
                     atop_nonagg=257_466, atop_consul=130_070)  # fmt: skip
SUMS_NONDIRECTED = dict(atop_alliance=133_701, atop_defense=67_927, atop_offense=2_585, atop_neutral=2_276,
                        atop_nonagg=128_738, atop_consul=65_037)  # fmt: skip


def test_directed_counts_and_sums(directed):
    assert len(directed) == 2_252_760
    assert (directed.year.min(), directed.year.max()) == (1816, 2025)
    assert list(directed.columns) == ["ccode1", "ccode2", "year", *T.ATOP_COLUMNS]
    for col, total in SUMS_DIRECTED.items():
        assert int(directed[col].sum()) == total, col
        assert int(directed[col].isna().sum()) == 264_810, col
        assert directed.loc[directed.year > 2018, col].isna().all()
        assert directed.loc[directed.year <= 2018, col].notna().all()


def test_nondirected_counts_and_sums(nondirected):
    assert len(nondirected) == 1_126_380
    assert (nondirected.ccode1 < nondirected.ccode2).all()
    for col, total in SUMS_NONDIRECTED.items():
        assert int(nondirected[col].sum()) == total, col


def test_state_years(con):
    sy = T.state_years(con=con, end_year=END)
    assert len(sy) == 17_706
    assert sy.ccode.nunique() == 217
    assert (sy.year.min(), sy.year.max()) == (1816, 2025)
    assert len(sy[sy.year == 2025]) == 195


def test_rows_match_peacesciencer_cow_ddy(data, directed):
    """peacesciencer's cow_ddy (1816-2024) has exactly our rows, in our order."""
    import warnings

    import rdata

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ps = rdata.read_rda(str(data / "peacesciencer" / "cow_ddy.rda"))["cow_ddy"]
    ours = directed[directed.year <= 2024]
    assert len(ps) == len(ours) == 2_214_930
    for col in ("ccode1", "ccode2", "year"):
        assert (ps[col].to_numpy().astype(int) == ours[col].to_numpy().astype(int)).all(), col


def test_values_match_atop_rda_row_by_row(con, directed):
    """Every directed row with an ATOP dyad-year carries exactly its values; the rest are 0."""
    con.register("t", directed)
    bad = con.execute(
        """SELECT count(*) FROM t LEFT JOIN atop_ddyr a USING (ccode1, ccode2, year)
           WHERE t.year <= 2018 AND (t.atop_alliance <> (a.year IS NOT NULL)::INT
              OR t.atop_defense <> COALESCE(a.atop_defense, 0) OR t.atop_offense <> COALESCE(a.atop_offense, 0)
              OR t.atop_neutral <> COALESCE(a.atop_neutral, 0) OR t.atop_nonagg <> COALESCE(a.atop_nonagg, 0)
              OR t.atop_consul <> COALESCE(a.atop_consul, 0))"""
    ).fetchall()[0][0]
    con.unregister("t")
    assert bad == 0


def test_spot_checks(directed, nondirected):
    usa_uk = _row(directed, 2, 200, 1950)  # NATO
    assert (usa_uk.atop_alliance, usa_uk.atop_defense, usa_uk.atop_consul) == (1, 1, 1)
    # one-way pledge: France promises to defend Belgium in 1832, not the reverse (peacesciencer's example)
    assert _row(directed, 220, 211, 1832).atop_defense == 1
    b_f = _row(directed, 211, 220, 1832)
    assert (b_f.atop_alliance, b_f.atop_defense) == (1, 0)
    assert _row(nondirected, 211, 220, 1832).atop_defense == 1  # maximum over both directions
    # Germany re-enters on 1990-10-03, the GFR left on 1990-10-02: both members in 1990, never on the same day
    assert _row(directed, 255, 260, 1990) is None and _row(directed, 260, 255, 1990) is None
    assert _row(directed, 260, 265, 1990) is not None and _row(directed, 255, 265, 1990) is None
    # a dyad-year without an alliance inside ATOP's coverage: 0; outside it: missing
    usa_ussr = _row(directed, 2, 365, 1960)
    assert (usa_ussr.atop_alliance, usa_ussr.atop_defense) == (0, 0)
    usa_uk_2020 = _row(directed, 2, 200, 2020)
    assert usa_uk_2020 is not None and usa_uk_2020[list(T.ATOP_COLUMNS)].isna().all()


def test_sorted_like_peacesciencer(directed):
    keys = directed[["ccode1", "ccode2", "year"]].astype("int64")
    code = (keys.ccode1 * 1000 + keys.ccode2) * 10000 + keys.year
    assert code.is_monotonic_increasing


@pytest.mark.parametrize("is_directed", [True, False])
@pytest.mark.parametrize("years", [(1816, 1830), (1945, 1950), (2015, 2021), (1990, 1990)])
def test_fast_path_equals_plain_join(con, is_directed, years):
    """The range-based query equals add_alliances()'s plain left join, row for row."""
    s, e = years
    fast = con.sql(T.dyad_atop_sql(is_directed, s, e)).df()
    plain = con.sql(T.alliance_sql(T.dyad_years_sql(is_directed, s, e), directed=is_directed, order=True)).df()
    assert fast.equals(plain)
    assert fast.year.min() == s and fast.year.max() == e


def test_add_alliances_detects_direction_and_keeps_type(con):
    import pandas as pd
    import polars as pl

    frame = pd.DataFrame({"ccode1": [220, 211, 2], "ccode2": [211, 220, 200], "year": [1832, 1832, 2020]})
    out = T.add_alliances(frame, con=con)  # 220 > 211: directed
    assert out.atop_defense.iloc[:2].tolist() == [1, 0] and pd.isna(out.atop_defense.iloc[2])
    nd = T.add_alliances(frame.iloc[[1]], con=con)  # ccode1 < ccode2 everywhere: non-directed, max of both
    assert nd.atop_defense.iloc[0] == 1
    assert T.add_alliances(frame.iloc[[1]], con=con, directed=True).atop_defense.iloc[0] == 0  # ndir = FALSE
    pl_out = T.add_alliances(pl.from_pandas(frame), con=con)
    assert isinstance(pl_out, pl.DataFrame) and pl_out["atop_defense"].to_list() == [1, 0, None]
    arrow = T.dyad_years(con=con, start_year=1900, end_year=1900, alliances="atop", output="arrow")
    assert arrow.num_rows == len(con.sql(T.dyad_years_sql(True, 1900, 1900)).fetchall())


def test_extras_ids_conditions_treaties(con):
    df = T.dyad_years(con=con, start_year=1950, end_year=1950, alliances="atop", with_ids=True,
                      with_conditions=True, with_treaties=True)  # fmt: skip
    usa_uk = _row(df, 2, 200, 1950)
    assert 3180 in list(usa_uk.atop_ids)
    # NATO's defence pledge is limited to attacks in the North Atlantic area (ATOP defcoloc)
    assert (usa_uk.atop_defense_cond, usa_uk.atop_defense_uncond) == (1, 0) and usa_uk.atop_number >= 1
    assert usa_uk.atop_multino >= 1
    plain = T.dyad_years(con=con, start_year=1950, end_year=1950, alliances="atop")
    assert df[list(plain.columns)].equals(plain)  # the extra columns change nothing else
    assert (df.loc[df.atop_alliance == 0, "atop_number"] == 0).all()


def test_member_file_derivation_differences(data):
    """Documented in docs/tables.md: the member-file derivation against ATOP's dyad-year data."""
    con = T.memory_connection(data, ddyr_source="members")
    sums = con.execute(
        f"SELECT count(*), {', '.join(f'sum({c})' for c in T.ATOP_COLUMNS)} FROM ({T.dyad_table_sql(directed=True, end_year=END)})"
    ).fetchall()[0]
    assert sums == (2_252_760, 267_392, 135_597, 5_158, 4_533, 257_538, 130_062)


@pytest.fixture(scope="module")
def store_db(data, tmp_path_factory):
    from foedus import store

    db = tmp_path_factory.mktemp("tables") / "foedus.duckdb"
    store.build(data, db)
    T.add_to_store(db, data)  # no-op once `foedus build` writes the tables itself
    return db


@pytest.mark.parametrize("suffix", [".parquet", ".csv", ".arrow", ".dta"])
def test_cli_writes_files(store_db, data, tmp_path, suffix):
    from typer.testing import CliRunner

    from foedus.cli_tables import _standalone

    out = tmp_path / f"ddy{suffix}"
    args = ["--db", str(store_db), "--data", str(data), "table", "dyad-years", "--non-directed",
            "--start-year", "1832", "--end-year", "2019", "--out", str(out)]  # fmt: skip
    res = CliRunner().invoke(_standalone(), args)
    assert res.exit_code == 0, res.output
    if suffix == ".dta":
        import pandas as pd

        df = pd.read_stata(out)
    else:
        df = duckdb.sql(
            f"SELECT * FROM read_{'parquet' if suffix == '.parquet' else 'csv'}('{out}')"
        ).df() if suffix != ".arrow" else __import__("pyarrow.feather", fromlist=["x"]).read_table(out).to_pandas()
    assert len(df) == int(duckdb.connect(str(store_db), read_only=True).sql(
        f"SELECT count(*) FROM ({T.dyad_years_sql(False, 1832, 2019)})").fetchall()[0][0])  # fmt: skip
    row = _row(df, 211, 220, 1832)
    assert row.atop_defense == 1
    assert df.loc[df.year == 2019, "atop_defense"].isna().all()


def test_cli_state_years_and_errors(store_db, tmp_path):
    from typer.testing import CliRunner

    from foedus.cli_tables import _standalone

    out = tmp_path / "sy.parquet"
    res = CliRunner().invoke(_standalone(), ["--db", str(store_db), "table", "state-years", "--end-year", "2025", "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert duckdb.sql(f"SELECT count(*), count(DISTINCT ccode) FROM '{out}'").fetchall()[0] == (17_706, 217)
    bad = CliRunner().invoke(_standalone(), ["--db", str(store_db), "table", "state-years", "--out", str(tmp_path / "x.xlsx")])
    assert bad.exit_code == 2


# ---- extension past 2018 from the curated layer (extend="curated", --extend-curated) ---------


@pytest.fixture(scope="module")
def store_con(store_db):
    c = duckdb.connect(str(store_db), read_only=True)
    yield c
    c.close()


@pytest.fixture(scope="module")
def extended(store_con):
    return store_con.sql(T.dyad_table_sql(directed=True, end_year=END, extend="curated")).df()


def _vals(df, c1, c2, col, years):
    return [int(_row(df, c1, c2, y)[col]) for y in years]


def test_extension_is_never_default(store_con, directed):
    """Without the option nothing changes, even on a store that has the curated layer."""
    plain = store_con.sql(T.dyad_table_sql(directed=True, end_year=END)).df()
    assert plain.equals(directed)
    assert list(plain.columns) == ["ccode1", "ccode2", "year", *T.ATOP_COLUMNS]
    with pytest.raises(T.FoedusError, match="extension"):
        T.dyad_years(con=store_con, start_year=2019, end_year=2019, alliances="atop", extend="guess")
    with pytest.raises(T.FoedusError, match="alliances='atop'"):
        T.dyad_years(con=store_con, start_year=2019, end_year=2019, extend="curated")


def test_extension_needs_the_store(con):
    with pytest.raises(T.FoedusError, match="foedus build"):
        T.dyad_years(con=con, start_year=2019, end_year=2019, alliances="atop", extend="curated")


def test_extended_table_values_and_flags(store_con, extended, directed):
    cols = list(T.ATOP_COLUMNS)
    assert list(extended.columns) == ["ccode1", "ccode2", "year", *cols, "alliance_source", "alliance_assumed"]
    # same rows; up to 2018 the same values (only the dtype differs: no missing values left)
    assert extended[["ccode1", "ccode2", "year"]].equals(directed[["ccode1", "ccode2", "year"]])
    old = extended.year <= 2018
    assert (extended.loc[old, cols].astype("int8").to_numpy() == directed.loc[old, cols].astype("int8").to_numpy()).all()
    assert (extended.loc[old, "alliance_source"] == "atop").all() and (extended.loc[old, "alliance_assumed"] == 0).all()
    new = extended[extended.year > 2018]
    assert len(new) == 264_810 and new[cols].notna().all().all()  # every dyad-year 2019-2025 has values
    assert set(new.alliance_source) == {"curated", "atop-carried"}
    assert ((new.alliance_source == "atop-carried") == (new.alliance_assumed > 0)).all()
    assert (new.loc[new.alliance_assumed > 0, "atop_alliance"] == 1).all()
    # atop_alliance (shared treaty phase) is "any of the five" after 2018, except for the side of a
    # one-way pledge that owes nothing (Tuvalu to Australia under the Falepili Union, the compact states)
    anyob = new[[f"atop_{o}" for o in T.OBLIGATIONS]].max(axis=1)
    assert (new.atop_alliance >= anyob).all()
    one_way = set(map(tuple, new.loc[new.atop_alliance > anyob, ["ccode1", "ccode2"]].drop_duplicates().to_numpy()))
    assert one_way == {(947, 900), (987, 2), (983, 2), (986, 2)}
    # 2019 continues ATOP's 2018 except where the curated layer changed a shared treaty
    y18 = extended[extended.year == 2018].set_index(["ccode1", "ccode2"])[cols]
    y19 = extended[extended.year == 2019].set_index(["ccode1", "ccode2"])[cols]
    both = y18.index.intersection(y19.index)
    changed = set(y18.loc[both][(y18.loc[both] != y19.loc[both]).any(axis=1)].index)
    touched = set(store_con.execute(
        """WITH c AS (SELECT DISTINCT treaty_id FROM memberships
                      WHERE origin = 'curated' OR COALESCE(exit_basis, 'ATOP exit') <> 'ATOP exit')
           SELECT DISTINCT a.ccode, b.ccode FROM memberships a JOIN memberships b USING (treaty_id)
           WHERE a.treaty_id IN (SELECT treaty_id FROM c) AND a.ccode <> b.ccode"""
    ).fetchall())
    assert changed <= touched


def test_extended_finland_usa(extended):
    years = [2019, 2022, 2023, 2024, 2025]
    # Finland joined NATO on 2023-04-04 (curated accession to atop:3180): 2023 counts
    assert _vals(extended, 375, 2, "atop_defense", years) == [0, 0, 1, 1, 1]
    assert _vals(extended, 2, 375, "atop_defense", years) == [0, 0, 1, 1, 1]
    assert _vals(extended, 375, 2, "atop_alliance", years) == [1, 1, 1, 1, 1]  # OSCE (atop:3740) before
    assert _row(extended, 375, 2, 2023).alliance_source == "curated"


def test_extended_russia_north_korea(extended):
    years = [2019, 2023, 2024, 2025]
    # curated:russia-dprk-2024 in force from 2024-12-04
    assert _vals(extended, 365, 731, "atop_defense", years) == [0, 0, 1, 1]
    assert _vals(extended, 731, 365, "atop_defense", years) == [0, 0, 1, 1]
    # consultation: the 2000 treaty (atop:4940) until 2024-12-04, then the new one
    assert _vals(extended, 365, 731, "atop_consul", years) == [1, 1, 1, 1]


def test_extended_russia_ukraine(store_con, extended):
    # The 1997 treaty (atop:4875: non-aggression, consultation) ended 2019-04-01 (curated).
    # Non-aggression continues through the Helsinki Final Act (atop:3740, status 'in force'),
    # so nonagg stays 1; consultation came only from the 1997 treaty: 1 in 2019, 0 from 2020.
    for a, b in ((365, 369), (369, 365)):
        assert _vals(extended, a, b, "atop_nonagg", [2019, 2020, 2025]) == [1, 1, 1]
        assert _vals(extended, a, b, "atop_consul", [2018, 2019, 2020, 2025]) == [1, 1, 0, 0]
    ids = T.dyad_years(con=store_con, start_year=2019, end_year=2020, alliances="atop", extend="curated",
                       with_ids=True, with_treaties=True)  # fmt: skip
    r19, r20 = _row(ids, 365, 369, 2019), _row(ids, 365, 369, 2020)
    assert (list(r19.atop_ids), list(r20.atop_ids)) == ([3740, 4875], [3740])
    assert (r19.atop_number, r19.atop_transyr, r20.atop_number, r20.atop_transyr) == (2, 1, 1, 0)


def test_extended_nondirected_ids_and_add_alliances(store_con, extended):
    nd = T.dyad_years(con=store_con, directed=False, start_year=2023, end_year=2025, alliances="atop",
                      extend="curated", with_ids=True, with_conditions=True)  # fmt: skip
    r = _row(nd, 365, 731, 2025)
    assert r.atop_defense == 1 and list(r.treaty_ids) == ["atop:3755", "curated:russia-dprk-2024"]
    assert r.atop_defense_cond + r.atop_defense_uncond >= 1
    assert nd[list(T.ATOP_COLUMNS)].notna().all().all()
    # non-directed = maximum over both directions of the directed extension
    d = extended[extended.year >= 2023].assign(c1=lambda f: f[["ccode1", "ccode2"]].min(axis=1),
                                               c2=lambda f: f[["ccode1", "ccode2"]].max(axis=1))  # fmt: skip
    agg = d.groupby(["c1", "c2", "year"])[list(T.ATOP_COLUMNS)].max().reset_index(drop=True)
    assert (agg.to_numpy() == nd[list(T.ATOP_COLUMNS)].to_numpy()).all()
    import pandas as pd

    frame = pd.DataFrame({"ccode1": [375, 365, 2], "ccode2": [2, 731, 200], "year": [2023, 2024, 2018]})
    out = T.add_alliances(frame, con=store_con, extend="curated")
    assert out.atop_defense.tolist() == [1, 1, 1] and out.alliance_source.tolist() == ["curated", "curated", "atop"]
    with pytest.raises(T.FoedusError, match="unknown extension True"):
        T.add_alliances(frame, con=store_con, extend=True)


def test_cli_extend_curated(store_db, data, tmp_path):
    from typer.testing import CliRunner

    from foedus.cli_tables import _standalone

    out = tmp_path / "ext.csv"
    args = ["--db", str(store_db), "--data", str(data), "table", "dyad-years", "--start-year", "2022",
            "--end-year", "2025", "--extend-curated", "--with-ids", "--out", str(out)]  # fmt: skip
    res = CliRunner().invoke(_standalone(), args)
    assert res.exit_code == 0, res.output
    df = duckdb.sql(f"SELECT * FROM read_csv('{out}')").df()
    assert _vals(df, 375, 2, "atop_defense", [2022, 2023]) == [0, 1]
    assert "atop:3180" in _row(df, 375, 2, 2023).treaty_ids and "alliance_source" in df.columns
    bad = CliRunner().invoke(_standalone(), ["--db", str(tmp_path / "none.duckdb"), "--data", str(data), "table",
                                             "dyad-years", "--start-year", "2019", "--end-year", "2019",
                                             "--extend-curated", "--out", str(tmp_path / "x.csv")])  # fmt: skip
    assert bad.exit_code == 2 and "foedus build" in bad.output
