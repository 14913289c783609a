"""The store: counts equal the raw files, builds are idempotent and atomic, checksums recorded."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import duckdb
import pytest

from foedus import store
from foedus.errors import DataFileError, DataNotFoundError, StoreError
from foedus.sources.catalog import FILES


def raw_rows(path: Path) -> int:
    with open(path, newline="") as fh:
        return sum(1 for row in csv.reader(fh) if row) - 1


def atop_counts(db: Path) -> dict[str, int]:
    with duckdb.connect(str(db), read_only=True) as con:
        return {t: con.execute(f"SELECT count(*) FROM {t} WHERE origin = 'atop'").fetchone()[0]
                for t in ("treaties", "memberships", "obligations")}  # fmt: skip


def test_counts_equal_raw_files(db_path, data_dir):
    counts = store.table_counts(db_path)
    atop = atop_counts(db_path)
    assert atop["treaties"] == raw_rows(data_dir / FILES["atop_alliance"].relpath) == 789
    assert counts["treaty_phases"] == raw_rows(data_dir / FILES["atop_phase"].relpath) == 849
    assert atop["memberships"] == raw_rows(data_dir / FILES["atop_member"].relpath) == 2510
    assert counts["state_spells"] == raw_rows(data_dir / FILES["cow_states"].relpath) == 244
    assert counts["states"] == 217


def test_obligation_rows_match_member_flags(db_path, data_dir):
    with open(data_dir / FILES["atop_member"].relpath, newline="") as fh:
        rows = list(csv.DictReader(fh))
    expected = sum(int(r[c]) for r in rows for c in ("defense", "offense", "neutral", "nonagg", "consul"))
    assert atop_counts(db_path)["obligations"] == expected


def test_every_member_column_is_kept_typed(db_path, data_dir):
    with open(data_dir / FILES["atop_member"].relpath, newline="") as fh:
        header = next(csv.reader(fh))
    with duckdb.connect(str(db_path), read_only=True) as con:
        cols = dict(con.execute("SELECT column_name, data_type FROM information_schema.columns WHERE table_name='memberships'").fetchall())
    missing = [c for c in header if c not in cols and c != "member"]
    assert "ccode" in cols
    assert not missing
    assert cols["defcoadv"] == "BIGINT" and cols["statthr1"] == "BIGINT" and cols["entry_date"].startswith("DATE")


def test_checksums_recorded(db_path, data_dir):
    with duckdb.connect(str(db_path), read_only=True) as con:
        rows = dict(con.execute("SELECT key, sha256 FROM input_files").fetchall())
        official = con.execute("SELECT bool_and(official) FROM input_files").fetchone()[0]
    assert rows["atop_member"] == FILES["atop_member"].sha256
    assert official is True


def test_build_is_idempotent(data_dir, tmp_path):
    db = tmp_path / "f.duckdb"
    first = store.build(data_dir, db)
    second = store.build(data_dir, db)
    assert not first.skipped and second.skipped
    assert first.counts == second.counts
    third = store.build(data_dir, db, force=True)
    assert not third.skipped and third.counts == first.counts


def _copy_data(data_dir: Path, dest: Path) -> Path:
    for key in ("atop_alliance", "atop_phase", "atop_member", "cow_states"):
        target = dest / FILES[key].relpath
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(data_dir / FILES[key].relpath, target)
    return dest


def test_truncated_file_names_file_and_line(data_dir, tmp_path):
    copy = _copy_data(data_dir, tmp_path / "data")
    member = copy / FILES["atop_member"].relpath
    text = member.read_bytes()
    cut = text[: len(text) // 2]
    assert not cut.endswith(b"\n")  # the cut lands mid-row
    member.write_bytes(cut)
    last_line = cut.count(b"\n") + 1
    with pytest.raises(DataFileError) as exc:
        store.build(copy, tmp_path / "f.duckdb")
    assert "atop5_1m.csv" in str(exc.value) and f"line {last_line}:" in str(exc.value)
    assert exc.value.line == last_line
    assert "expected 105 fields" in str(exc.value)


def test_malformed_value_names_column(data_dir, tmp_path):
    copy = _copy_data(data_dir, tmp_path / "data")
    alliance = copy / FILES["atop_alliance"].relpath
    lines = alliance.read_text().splitlines(keepends=True)
    lines[3] = lines[3].replace(",", ",x", 1)  # atopid of data row 3 becomes e.g. "1010" -> "x..."? (2nd field)
    alliance.write_text("".join(lines))
    with pytest.raises(DataFileError, match=r"atop5_1a.csv, line 4: column 'cowid'"):
        store.build(copy, tmp_path / "f.duckdb")


def test_missing_file_is_a_clear_error(data_dir, tmp_path):
    copy = _copy_data(data_dir, tmp_path / "data")
    (copy / FILES["atop_phase"].relpath).unlink()
    with pytest.raises(DataNotFoundError, match="atop5_1aph.csv"):
        store.build(copy, tmp_path / "f.duckdb")


def test_missing_column_is_a_clear_error(data_dir, tmp_path):
    copy = _copy_data(data_dir, tmp_path / "data")
    member = copy / FILES["atop_member"].relpath
    text = member.read_text()
    member.write_text(text.replace("defense,", "defence,", 1))
    with pytest.raises(DataFileError, match="missing column.*defense"):
        store.build(copy, tmp_path / "f.duckdb")


def test_modified_file_warns(data_dir, tmp_path):
    copy = _copy_data(data_dir, tmp_path / "data")
    spells = copy / FILES["cow_states"].relpath
    spells.write_text(spells.read_text() + "\n")
    report = store.build(copy, tmp_path / "f.duckdb")
    assert any("differs from the official" in w for w in report.warnings)


def test_failed_build_leaves_previous_store_intact(data_dir, tmp_path, monkeypatch):
    db = tmp_path / "f.duckdb"
    store.build(data_dir, db)
    before = db.read_bytes()

    def boom(*_a, **_k):
        raise KeyboardInterrupt("interrupted mid-build")

    monkeypatch.setattr(store, "derive_obligations", boom)
    with pytest.raises(KeyboardInterrupt):
        store.build(data_dir, db, force=True)
    assert db.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["f.duckdb"]  # no temporary left behind
    assert atop_counts(db)["memberships"] == 2510


def test_interrupted_write_leaves_previous_store_intact(data_dir, tmp_path, monkeypatch):
    db = tmp_path / "f.duckdb"
    store.build(data_dir, db)
    real_register = duckdb.DuckDBPyConnection.register
    calls = {"n": 0}

    def failing_register(self, name, frame):
        calls["n"] += 1
        if calls["n"] == 5:
            raise OSError("disk full")
        return real_register(self, name, frame)

    monkeypatch.setattr(duckdb.DuckDBPyConnection, "register", failing_register)
    with pytest.raises(OSError):
        store.build(data_dir, db, force=True)
    monkeypatch.undo()
    assert atop_counts(db)["treaties"] == 789
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f.duckdb"]


def test_connect_rejects_garbage(tmp_path):
    bad = tmp_path / "bad.duckdb"
    bad.write_bytes(b"not a database")
    with pytest.raises(StoreError):
        store.connect(bad)
    with pytest.raises(StoreError, match="foedus build"):
        store.connect(tmp_path / "absent.duckdb")
