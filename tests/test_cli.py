"""The command line, end to end (typer's runner, and one real subprocess)."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from foedus.cli import app

runner = CliRunner()


def run(db_path, *args):
    return runner.invoke(app, ["--db", str(db_path), *args])


def test_obligations_json_must_show(db_path):
    res = run(db_path, "obligations", "North Korea", "--on", "2017-06-01", "--format", "json")
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    owed = {(r["obligor"], r["obligation"], r["atopid"]) for r in data if r["direction"] == "owed to"}
    assert {(710, "defense", 3445), (710, "non-aggression", 3445), (40, "defense", 3975),
            (365, "consultation", 4940), (732, "non-aggression", 4125)} <= owed  # fmt: skip
    assert not any(r["obligor"] == 365 and r["obligation"] == "defense" for r in data)
    sample = next(r for r in data if r["atopid"] == 3445)
    assert sample["since"] == "1961-07-11" and sample["until"] is None and isinstance(sample["conditions"], list)


def test_obligations_1990_json(db_path):
    res = run(db_path, "obligations", "North Korea", "--on", "1990-01-01", "-f", "json")
    data = json.loads(res.stdout)
    assert any(r["obligor"] == 365 and r["obligation"] == "defense" and r["atopid"] == 3440 for r in data)


def test_obligations_table_and_csv(db_path):
    res = run(db_path, "obligations", "DPRK", "--on", "2017-06-01")
    assert res.exit_code == 0 and "China (710)" in res.stdout and "ATOP 3445" in res.stdout
    res = run(db_path, "obligations", "DPRK", "--on", "2017-06-01", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(res.stdout)))
    assert any(r["obligor"] == "40" and r["obligation"] == "defense" for r in rows)


def test_conditions_spelled_out(db_path):
    res = run(db_path, "allies", "Soviet Union", "China", "--on", "1955-01-01", "-f", "json")
    data = json.loads(res.stdout)
    assert {"only against a specific adversary: Japan (740)"} == {c for r in data if r["obligation"] == "defense" for c in r["conditions"]}


def test_allies_both_directions(db_path):
    res = run(db_path, "allies", "China", "North Korea", "--on", "2017-06-01", "-f", "json")
    data = json.loads(res.stdout)
    assert {(r["obligor"], r["beneficiary"]) for r in data} == {(710, 731), (731, 710)}


def test_treaty_and_state(db_path):
    res = run(db_path, "treaty", "3180")
    assert res.exit_code == 0 and "phases" in res.stdout and "Turkey" in res.stdout
    data = json.loads(run(db_path, "treaty", "3180", "-f", "json").stdout)
    assert data["atopid"] == 3180 and len(data["phase_list"]) == 2
    res = run(db_path, "state", "North Korea")
    assert res.exit_code == 0 and "1948-09-09" in res.stdout and "PRK" in res.stdout


@pytest.mark.parametrize(
    "args, message",
    [
        (["obligations", "Korea", "--on", "2017-06-01"], "ambiguous state 'Korea'"),
        (["obligations", "Atlantis", "--on", "2017-06-01"], "unknown state 'Atlantis'"),
        (["obligations", "DPRK", "--on", "1700-01-01"], "before 1815"),
        (["obligations", "DPRK", "--on", "2017-02-30"], "invalid date '2017-02-30'"),
        (["obligations", "DPRK", "--on", "yesterday"], "invalid date"),
        (["obligations", "DPRK", "--on", "2017-06-01", "-f", "xml"], "unknown format"),
        (["treaty", "99999"], "no treaty with id atop:99999"),
        (["treaty", "Atlantis Pact"], "no treaty 'Atlantis Pact'"),
    ],
)
def test_bad_input_is_a_clear_error(db_path, args, message):
    res = run(db_path, *args)
    assert res.exit_code == 2
    assert message in " ".join(res.stderr.split())
    assert "Traceback" not in res.output


def test_missing_store_without_data_is_clear(tmp_path):
    res = runner.invoke(app, ["--db", str(tmp_path / "x.duckdb"), "--data", str(tmp_path / "nodata"),
                              "obligations", "DPRK", "--on", "2017-06-01"])  # fmt: skip
    assert res.exit_code == 2 and "foedus data fetch" in " ".join(res.stderr.split())


def test_build_command(data_dir, tmp_path):
    db = tmp_path / "s.duckdb"
    res = runner.invoke(app, ["--db", str(db), "--data", str(data_dir), "build"])
    assert res.exit_code == 0, res.output
    assert "memberships" in res.stdout and "2510" in res.stdout  # rows from ATOP
    assert "reading ATOP" in res.stderr  # progress goes to stderr
    res = runner.invoke(app, ["--db", str(db), "--data", str(data_dir), "build"])
    assert "up to date" in res.stderr


def test_console_script_subprocess(db_path):
    env = {**os.environ, "FOEDUS_DB": str(db_path)}
    out = subprocess.run([sys.executable, "-m", "foedus.cli", "allies", "USA", "South Korea", "--on", "2020-01-01", "-f", "json"],
                         capture_output=True, text=True, env=env, check=True)  # fmt: skip
    assert any(r["atopid"] == 3240 for r in json.loads(out.stdout))
