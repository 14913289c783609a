"""The curated layer: its records answer the engine's questions, the merge rules hold, lineage
chains are whole, and `foedus check` catches each kind of defect."""

from __future__ import annotations

import datetime as dt
import shutil
import textwrap
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from foedus import check as checker
from foedus.cli import app
from foedus.sources import atop, cow, curated
from foedus.states import StateIndex

LAYER = curated.load()
DAY = dt.timedelta(days=1)


def owes(kb, a, b, obligation, on, treaty=None) -> pd.DataFrame:
    df = kb.allies(a, b, on=on)
    ca, cb = kb.resolve(a, on), kb.resolve(b, on)
    df = df[(df["obligor"] == ca) & (df["beneficiary"] == cb) & (df["obligation"] == obligation)]
    return df if treaty is None else df[df["treaty_id"] == kb.treaty_id(treaty)]


# ---- the must-show ---------------------------------------------------------------------


def test_north_korea_2025_russia_defense_by_2024_treaty(kb):
    df = kb.obligations("North Korea", on="2025-01-01")
    owed = df[df["direction"] == "owed to"]
    russia = owed[(owed["obligor"] == 365) & (owed["obligation"] == "defense")]
    assert list(russia["treaty_id"]) == ["curated:russia-dprk-2024"]
    row = russia.iloc[0]
    assert row["article"] == "4" and row["conditional"]
    assert any("state of war" in c for c in row["conditions"])
    assert row["since"] == dt.date(2024, 12, 4) and row["since_basis"] == "entry into force"
    assert "TASS" in kb.treaty("russia-dprk-2024").summary["sources"][0] or any(
        "TASS" in s for s in kb.treaty("russia-dprk-2024").summary["sources"]
    )
    china = owed[(owed["obligor"] == 710) & (owed["obligation"] == "defense")]
    assert list(china["atopid"]) == [3445]
    assert not ((owed["obligor"] == 365) & (owed["atopid"] == 4940)).any()  # the 2000 treaty is gone


def test_north_korea_2010_russia_consultation_only(kb):
    df = kb.obligations("North Korea", on="2010-01-01")
    russia = df[(df["direction"] == "owed to") & (df["obligor"] == 365)]
    bilateral = russia[russia["treaty_id"].isin(["atop:4940", "curated:russia-dprk-2024"])]
    assert set(bilateral["obligation"]) == {"consultation"}
    assert not (russia["obligation"] == "defense").any()


def test_not_bound_between_signature_and_entry_into_force(kb):
    assert owes(kb, "Russia", "North Korea", "defense", "2024-12-03", "russia-dprk-2024").empty
    assert not owes(kb, "Russia", "North Korea", "defense", "2024-12-04", "russia-dprk-2024").empty
    assert not owes(kb, "Russia", "North Korea", "consultation", "2024-12-03", 4940).empty
    assert owes(kb, "Russia", "North Korea", "consultation", "2024-12-04", 4940).empty


@pytest.mark.parametrize("state, joined", [("Finland", dt.date(2023, 4, 4)), ("Sweden", dt.date(2024, 3, 7)),
                                           ("North Macedonia", dt.date(2020, 3, 27))])  # fmt: skip
def test_nato_accessions_bind_from_accession_day(kb, state, joined):
    before, on = joined - DAY, joined
    for a, b in ((state, "United States"), ("United States", state), (state, "Germany")):
        assert owes(kb, a, b, "defense", before, "nato").empty, (a, b, before)
        row = owes(kb, a, b, "defense", on, "nato")
        assert len(row) == 1, (a, b, on)
    row = owes(kb, "United States", state, "defense", on, "nato").iloc[0]
    assert row["since"] == joined and row["since_basis"] == "accession"  # the later of the two entries
    assert row["source"].startswith("ATOP 5.1 member file")  # the US's own pledge, as ATOP codes it


def test_nato_accession_obligations_come_from_the_curated_record(kb):
    row = owes(kb, "Finland", "Sweden", "defense", "2025-01-01", "nato").iloc[0]
    assert row["article"] == "5" and any("Article 6" in c for c in row["conditions"])


def test_nato_founders_keep_atop_coding(kb):
    row = owes(kb, "United States", "Canada", "defense", "2025-01-01", "nato").iloc[0]
    assert row["source"].startswith("ATOP 5.1 member file")


# ---- merge rules ---------------------------------------------------------------------------------


def test_extension_closes_open_atop_membership(kb):
    mem = kb.treaty(4940).members
    assert set(mem["exit"]) == {dt.date(2024, 12, 4)}
    assert set(mem["exit_basis"]) == {"treaty ended"}


def test_both_values_stay_visible(kb):
    log = kb.disagreements(include_extensions=True)
    row = log[(log["treaty_id"] == "atop:4940") & (log["field"] == "exit")].iloc[0]
    assert row["atop_value"] is None or pd.isna(row["atop_value"])
    assert row["curated_value"] == "2024-12-04" and len(row["sources"]) >= 1
    summary = kb.treaty(4940).summary
    assert summary["label"] == "consultation pact: Russia–North Korea, 2000"  # ATOP's generated label kept
    assert summary["in_force_end_2018"] is True  # ATOP's own coding kept


def test_curated_names_replace_generated_labels(kb):
    assert kb.treaty(3180).label == "NATO"
    assert kb.treaty_id("NATO") == "atop:3180"
    assert kb.treaty(3180).summary["label"].startswith("defense pact:")


# ---- lineage -------------------------------------------------------------------------------------


def test_russia_dprk_lineage_chain(kb):
    df = kb.lineage("Russia", "North Korea", bilateral_only=True)
    assert list(df["treaty_id"]) == ["atop:3440", "atop:4940", "curated:russia-dprk-2024"]
    assert list(df["from"]) == [dt.date(1961, 7, 6), dt.date(2000, 2, 9), dt.date(2024, 12, 4)]
    assert list(df["until"]) == [dt.date(1996, 9, 10), dt.date(2024, 12, 4), None]
    assert [set(x) for x in df["365 owes 731"]] == [{"defense", "non-aggression"}, {"consultation"},
                                                     {"defense (art. 4)", "consultation (art. 3)"}]  # fmt: skip
    assert "replaces atop:4940 on 2024-12-04" in df.iloc[2]["lineage"]
    assert "replaces atop:3440" in df.iloc[1]["lineage"]


def test_treaty_shows_predecessors_and_successors(kb):
    new = kb.treaty("russia-dprk-2024").summary
    assert any("atop:4940" in p for p in new["predecessors"])
    old = kb.treaty(4940).summary
    assert any("curated:russia-dprk-2024" in s for s in old["successors"])
    assert any("atop:3440" in p for p in old["predecessors"])


def test_treaty_shows_each_ratification_in_order(kb):
    ev = kb.treaty("russia-dprk-2024").events
    assert list(zip(ev["date"], ev["event"], ev["party"])) == [
        ("2024-06-19", "signed", "all parties"),
        ("2024-11-09", "ratified", "Russia (365)"),
        ("2024-11-11", "ratified", "North Korea (731)"),
        ("2024-12-04", "entered into force", "all parties"),
    ]
    assert ev.iloc[0]["place"] == "Pyongyang"


def test_treaty_members_show_curated_roles_and_sources_once(kb):
    nato = kb.treaty("NATO")
    roles = dict(zip(nato.members["ccode"], nato.members["role"]))
    assert roles[375] == roles[380] == "acceding party" and pd.isna(roles[2])  # ATOP says nothing of roles
    urls = [s.rsplit("<", 1)[-1] for s in nato.summary["sources"]]
    assert len(urls) == len(set(urls))
    assert any("menafn.com" in s for s in kb.treaty("russia-dprk-2024").summary["sources"])  # a ratification's source


DATED = [(rec.id, p.state, label) for rec in LAYER.treaties for p in rec.parties
         for label in ("ratified", "joined", "suspended", "resumed", "withdrew") if getattr(p, label)]  # fmt: skip


@pytest.mark.parametrize("record_id, state, label", DATED, ids=[f"{r}:{s}:{l}" for r, s, l in DATED])
def test_every_dated_party_fact_is_on_its_treaty_page(kb, record_id, state, label):
    rec = next(t for t in LAYER.treaties if t.id == record_id)
    fact = getattr(next(p for p in rec.parties if p.state == state), label)
    ev = kb.treaty(record_id).events
    rows = ev[(ev["event"] == label) & ev["party"].str.endswith(f"({state})")]
    assert len(rows) == 1 and rows.iloc[0]["date"].startswith(fact.date.isoformat()[: {"day": 10, "month": 7, "year": 4}[fact.precision]])


LINKS = [(rec.id, link) for rec in LAYER.treaties for link in rec.lineage]


@pytest.mark.parametrize("record_id, link", LINKS, ids=[f"{r}->{l.target}" for r, l in LINKS])
def test_every_lineage_link_resolves_and_is_in_order(kb, record_id, link):
    rec = next(t for t in LAYER.treaties if t.id == record_id)
    target = kb.treaty(link.target)
    assert target.treaty_id == link.target
    if link.relation in ("replaces", "terminates") and link.date:
        ends = {e for e in target.members["exit"] if e is not None}
        assert ends and max(ends) <= link.date + DAY, "the replaced treaty must end by the link's date"
    start = pd.Timestamp(target.summary["signed"]).date()
    assert rec.signed is None or start <= rec.signed.date


# ---- every curated treaty answers for its own facts ---------------------------------------------


def _start(rec, party):
    for fact in (party.joined, rec.entered_into_force, party.signed, rec.signed):
        if fact is not None:
            return fact.date
    return None


PARTIES = [(rec.id, p.state) for rec in LAYER.treaties for p in rec.parties]


@pytest.mark.parametrize("record_id, state", PARTIES, ids=[f"{r}:{s}" for r, s in PARTIES])
def test_every_curated_party_is_bound_from_its_day(kb, record_id, state):
    rec = next(t for t in LAYER.treaties if t.id == record_id)
    party = next(p for p in rec.parties if p.state == state)
    ends = [f.date for f in (party.withdrew, party.suspended, rec.ended) if f is not None]
    if rec.atopid is not None and party.joined is None:
        if ends:  # an ATOP member whose curated end closes its membership
            assert state not in kb.members_on(record_id, max(ends) + DAY)
        return
    start = _start(rec, party)
    assert state not in kb.members_on(record_id, start - DAY) or rec.atopid is not None
    if not ends or min(ends) > start:
        assert state in kb.members_on(record_id, start)
    if ends:
        assert state not in kb.members_on(record_id, max(ends) + DAY)


OBLIGATIONS = [(rec.id, i) for rec in LAYER.treaties for i, _ in enumerate(rec.obligations)]


@pytest.mark.parametrize("record_id, index", OBLIGATIONS, ids=[f"{r}#{i}" for r, i in OBLIGATIONS])
def test_every_curated_obligation_reaches_the_engine(kb, record_id, index):
    rec = next(t for t in LAYER.treaties if t.id == record_id)
    ob = rec.obligations[index]
    if rec.atopid is not None and not any(p.joined for p in rec.parties):
        return  # obligations on an ATOP treaty apply to curated accessions only
    tid = rec.treaty_id
    rows = kb.obligation_table[(kb.obligation_table["treaty_id"] == tid) & (kb.obligation_table["obligation"] == ob.type)]
    assert not rows.empty
    if ob.article:
        assert set(rows["article"].dropna()) <= {ob.article}
    if ob.obligors != "all":
        assert set(rows["ccode"].astype(int)) <= set(ob.obligors)
    if ob.beneficiaries != "all":
        assert set(rows["beneficiary"].dropna().astype(int)) <= set(ob.beneficiaries)
        assert rows["beneficiary"].notna().all(), "a one-way pledge must name its beneficiaries"


NEW_TREATIES = [rec.id for rec in LAYER.treaties if rec.atopid is None]


@pytest.mark.parametrize("record_id", NEW_TREATIES)
def test_every_new_curated_treaty_shows_its_stated_facts(kb, record_id):
    rec = next(t for t in LAYER.treaties if t.id == record_id)
    summary = kb.treaty(record_id).summary
    assert summary["signed"] == rec.signed.date.isoformat()
    if rec.entered_into_force:
        assert summary["entered_into_force"] == rec.entered_into_force.date.isoformat()
    if rec.ended:
        assert summary["ended"] == rec.ended.date.isoformat()
    if rec.names and rec.names.short:
        assert summary["name"] == rec.names.short
    assert set(summary["obligations"]) == {ob.type for ob in rec.obligations}


def test_falepili_union_binds_australia_to_tuvalu_only(kb):
    assert owes(kb, "Australia", "Tuvalu", "defense", "2024-08-27").empty  # signed, not yet in force
    row = owes(kb, "Australia", "Tuvalu", "defense", "2024-08-28", "australia-tuvalu-falepili-2023")
    assert len(row) == 1 and row.iloc[0]["conditions"] != "unconditional"
    assert owes(kb, "Tuvalu", "Australia", "defense", "2025-06-01").empty  # one way


def test_every_source_is_complete():
    for rec in LAYER.treaties:
        for src in rec.sources:
            assert src.publisher and src.title and str(src.url).startswith("http") and (src.date or src.accessed)


# ---- foedus check ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def refs(data_dir):
    spells = cow.load_state_spells(data_dir)
    index = StateIndex(spells, pd.DataFrame(columns=["norm", "alias", "ccode", "kind"]), {},
                       pd.DataFrame(columns=["iso3", "regex"]), {})  # fmt: skip
    return atop.load_alliances(data_dir), atop.load_members(data_dir), index


def test_shipped_layer_passes_check(refs):
    assert checker.check(None, *refs) == []


def test_check_command_passes(data_dir):
    res = CliRunner().invoke(app, ["--data", str(data_dir), "check"])
    assert res.exit_code == 0, res.output
    assert "no problems" in res.stderr


# ---- coverage ----------------------------------------------------------------------------------


def test_every_military_alliance_open_at_the_end_of_2018_has_a_status(refs):
    cov = checker.coverage(None, refs[0])
    assert len(cov.open_at_end) == 372 and len(cov.military_open) == 48 and len(cov.named_due) == 185
    assert [a for a in cov.military_open if a not in cov.status] == []
    assert set(cov.status.values()) <= {"in force", "ended", "suspended", "unknown"}


def _status_file(folder: Path, *entries: tuple[int, str, str, str]) -> None:
    """Write atop_status_x.toml with (atopid, status, as_of, source date) entries."""
    blocks = [f"""
        [[alliance]]
        atopid = {atopid}
        status = "{status}"
        as_of = {as_of}
        sources = [{{ publisher = "P", title = "T", date = {dated}, url = "https://example.org/{atopid}" }}]
    """ for atopid, status, as_of, dated in entries]
    (folder / "atop_status_x.toml").write_text(textwrap.dedent("".join(blocks)))


def test_coverage_counts_what_the_files_say(tmp_path, refs):
    alliances = refs[0]
    _status_file(tmp_path, (3180, "in force", "2024-03-07", "2024-03-07"), (1005, "ended", "1815-02-08", "2020-01-01"))
    (tmp_path / "atop_names_x.toml").write_text(textwrap.dedent("""
        [[alliance]]
        atopid = 3180
        short = "NATO"
        sources = [{ publisher = "P", title = "T", date = 2024-03-07, url = "https://example.org/a" }]
    """))
    cov = checker.coverage(tmp_path, alliances)
    assert cov.status == {3180: "in force"}  # 1005 was not open at the end of 2018: not counted
    assert cov.status_counts() == {"in force": 1}
    assert 3180 not in cov.missing_names and 3445 in cov.missing_names
    assert len(cov.missing_status) == 371 and cov.new_treaties == []
    assert 3180 not in cov.unsettled_status and len(cov.unsettled_status) == 371


def test_an_unknown_status_is_recorded_but_not_settled(tmp_path, refs):
    _status_file(tmp_path, (3180, "in force", "2024-03-07", "2024-03-07"), (3445, "unknown", "2024-03-07", "2024-03-07"))
    cov = checker.coverage(tmp_path, refs[0])
    assert 3445 not in cov.missing_status and 3445 in cov.unsettled_status
    assert 3180 not in cov.unsettled_status and len(cov.unsettled_status) == 371


def test_check_coverage_command(data_dir):
    res = CliRunner().invoke(app, ["--data", str(data_dir), "check", "--coverage", "--format", "json"])
    assert res.exit_code == 0, res.output
    import json

    rows = {r["scope"]: r for r in json.loads(res.stdout)}
    open_ = rows["ATOP alliances in force at the end of 2018"]
    assert open_["due"] == 372 and open_["covered"] == len(checker.coverage(None, atop.load_alliances(data_dir)).status)
    assert rows["... of them with a defense or offense obligation"]["missing"] == "-"
    settled = rows["... of them settled (in force, ended or suspended; missing: unknown or no entry)"]
    counts = dict(kv.split(": ") for kv in open_["breakdown"].split(", "))
    assert settled["covered"] == open_["covered"] - int(counts["unknown"])
    assert len(settled["missing"].split(", ")) == 372 - settled["covered"]
    assert "russia-dprk-2024" in rows["curated treaties ATOP lacks"]["breakdown"]


GOOD = """
id = "{id}"
kind = "defense pact"
[names]
short = "Test pact"
sources = ["s1"]
[signed]
date = {signed}
sources = ["s1"]
[[parties]]
state = {a}
[[parties]]
state = {b}
{extra}
[[sources]]
id = "s1"
publisher = "Test Publisher"
title = "A report"
date = 2020-01-02
url = "https://example.org/report"
"""


def write(tmp: Path, name: str, **kw) -> Path:
    fields = {"id": name, "signed": "2020-01-01", "a": 2, "b": 20, "extra": ""} | kw
    tmp.mkdir(parents=True, exist_ok=True)
    (tmp / f"{name}.toml").write_text(textwrap.dedent(GOOD.format(**fields)))
    return tmp


def kinds(tmp, refs) -> list[str]:
    return sorted({p.kind for p in checker.check(tmp, *refs)})


def test_check_accepts_a_good_file(tmp_path, refs):
    assert kinds(write(tmp_path, "good"), refs) == []


@pytest.mark.parametrize(
    "extra, kind",
    [
        ('[[lineage]]\nrelation = "replaces"\ntarget = "atop:99999"\nsources = ["s1"]', "dangling"),
        ('[[lineage]]\nrelation = "replaces"\ntarget = "curated:nowhere"\nsources = ["s1"]', "dangling"),
        ('[entered_into_force]\ndate = 2019-06-01\nsources = ["s1"]', "dates"),
        ('[ended]\ndate = 2019-12-31\nsources = ["s1"]', "dates"),
        ('[[obligations]]\ntype = "defense"\nsummary = "x"\nsources = []', "schema"),  # a fact without a source
        ('[[obligations]]\ntype = "defense"\nsummary = "x"\nsources = ["nope"]', "schema"),  # an unknown source
        ('colour = "blue"', "schema"),  # a typo'd key is not silently dropped
    ],
)
def test_check_catches_each_defect(tmp_path, refs, extra, kind):
    assert kind in kinds(write(tmp_path, "bad", extra=extra), refs)


def status_file(tmp: Path, atopid=4025, status="in force", as_of="2025-05-09", source_date="2025-05-09") -> Path:
    (tmp / "atop_status_t.toml").write_text(textwrap.dedent(f"""
        [[alliance]]
        atopid = {atopid}
        status = "{status}"
        as_of = {as_of}
        sources = [{{ publisher = "P", title = "T", date = {source_date}, url = "https://example.org/s" }}]
    """))
    return tmp


TODAY = dt.date(2026, 11, 25)
REPLACES_4025 = '[[lineage]]\nrelation = "replaces"\ntarget = "atop:4025"\ndate = 2026-01-22\nsources = ["s1"]'


@pytest.mark.parametrize(
    "status, as_of, source_date, kind",
    [
        ("in force", "2025-05-09", "2025-05-09", "contradiction"),  # replaced on 2026-01-22, still "in force"
        ("unknown", "2026-11-25", "2025-05-09", "contradiction"),
        ("ended", "2020-01-01", "2020-01-01", "contradiction"),  # ended, but not on the day it was replaced
        ("ended", "2026-12-01", "2025-05-09", "contradiction,dates"),  # from the future, and not the day
        ("ended", "2026-01-22", "2027-01-01", "dates"),  # a source from the future
    ],
)
def test_check_catches_status_defects(tmp_path, refs, status, as_of, source_date, kind):
    write(tmp_path, "successor", a=220, b=290, signed="2025-05-09", extra=REPLACES_4025)
    status_file(tmp_path, status=status, as_of=as_of, source_date=source_date)
    assert sorted(p.kind for p in checker.check(tmp_path, *refs, today=TODAY)) == kind.split(",")


def test_check_accepts_a_status_that_agrees_with_the_lineage(tmp_path, refs):
    write(tmp_path, "successor", a=220, b=290, signed="2025-05-09", extra=REPLACES_4025)
    status_file(tmp_path, status="ended", as_of="2026-01-22", source_date="2026-01-22")
    assert checker.check(tmp_path, *refs, today=TODAY) == []


def test_check_wants_a_status_no_newer_than_its_sources(tmp_path, refs):
    status_file(tmp_path, atopid=3445, as_of="2024-01-01", source_date="2023-07-12")
    problems = checker.check(tmp_path, *refs, today=TODAY)
    assert [p.kind for p in problems] == ["dates"] and "newest source (2023-07-12)" in problems[0].message


def test_check_wants_evidence_after_2018_for_in_force(tmp_path, refs):
    status_file(tmp_path, atopid=3445, as_of="2015-01-01", source_date="2015-01-01")
    problems = checker.check(tmp_path, *refs, today=TODAY)
    assert [p.kind for p in problems] == ["dates"] and "2019-01-01 or later" in problems[0].message


def test_check_catches_party_that_was_no_state(tmp_path, refs):
    problems = checker.check(write(tmp_path, "bad", a=731, b=732, signed="1940-01-01"), *refs)
    assert {p.kind for p in problems} == {"not-a-state"} and "North Korea" in problems[0].message


def test_check_catches_unknown_state_code(tmp_path, refs):
    assert "not-a-state" in kinds(write(tmp_path, "bad", a=999), refs)


def test_check_catches_duplicate_of_atop(tmp_path, refs):
    problems = checker.check(write(tmp_path, "dup", a=710, b=731, signed="1961-07-11"), *refs)
    assert [p.kind for p in problems] == ["duplicate"] and "ATOP 3445" in problems[0].message


def test_check_catches_duplicate_curated(tmp_path, refs):
    write(tmp_path, "one")
    write(tmp_path, "two", signed="2020-01-03")
    assert kinds(tmp_path, refs) == ["duplicate"]


def test_check_catches_file_named_otherwise(tmp_path, refs):
    write(tmp_path, "one")
    shutil.move(tmp_path / "one.toml", tmp_path / "other.toml")
    assert kinds(tmp_path, refs) == ["schema"]


def test_check_command_fails_on_defects(tmp_path, data_dir):
    write(tmp_path, "bad", extra='[ended]\ndate = 2019-12-31\nsources = ["s1"]')
    res = CliRunner().invoke(app, ["--data", str(data_dir), "--curated", str(tmp_path), "check"])
    assert res.exit_code == 1 and "dates" in res.stdout


def test_build_rejects_a_bad_curated_file(tmp_path, data_dir):
    from foedus import store
    from foedus.errors import DataFileError

    write(tmp_path, "bad", extra='colour = "blue"')
    with pytest.raises(DataFileError, match="bad.toml.*colour"):
        store.build(data_dir, tmp_path / "x.duckdb", curated_dir=tmp_path)


def test_curated_end_before_2019_is_a_disagreement_not_a_rewrite(tmp_path, data_dir):
    import foedus
    from foedus import store

    status_file(tmp_path, atopid=3445, status="ended", as_of="2010-05-01", source_date="2020-01-02")
    store.build(data_dir, tmp_path / "s.duckdb", curated_dir=tmp_path)
    kb = foedus.open(tmp_path / "s.duckdb", build=False)
    log = kb.disagreements()
    assert set(log.loc[log["treaty_id"] == "atop:3445", "ccode"]) == {710, 731}
    assert not owes(kb, "China", "North Korea", "defense", "2015-01-01", 3445).empty  # ATOP's coding kept
    assert owes(kb, "China", "North Korea", "defense", "2019-01-01", 3445).empty  # closed from 2019


def test_member_level_changes_after_2018_close_and_open_atop_memberships(kb):
    # the UK's exit from the EU ends its Article 42(7) pledges; ATOP leaves it open
    assert not owes(kb, "United Kingdom", "France", "defense", "2020-01-31", 4175).empty
    assert owes(kb, "United Kingdom", "France", "defense", "2020-02-01", 4175).empty
    assert not owes(kb, "United Kingdom", "France", "defense", "2020-02-01", 3180).empty  # NATO stays
    # Syria's readmission to the Arab League restores what ATOP closed in 2011
    assert owes(kb, "Egypt", "Syria", "defense", "2023-05-06", 3205).empty
    assert not owes(kb, "Egypt", "Syria", "defense", "2023-05-07", 3205).empty
    # Nicaragua's denunciation of the OAS Charter took effect two years after notice
    assert not owes(kb, "United States", "Nicaragua", "consultation", "2023-11-18", 3150).empty
    assert owes(kb, "United States", "Nicaragua", "consultation", "2023-11-19", 3150).empty


def test_rows_carried_past_2018_say_on_what_basis(kb):
    unknown = next(s.atopid for s in LAYER.statuses if s.status == "unknown" and s.atopid == 4685)
    rows = kb.obligations("Moldova", "2025-01-01")
    note = set(rows.loc[rows["treaty_id"] == f"atop:{unknown}", "note"])
    assert note == {"ATOP observes to 2018-12-31; curated layer: status unknown as of 2026-11-25; assumed still in force"}
    missing = set(rows.loc[rows["treaty_id"] == "atop:4705", "note"])  # no curated entry at all
    assert missing == {"ATOP observes to 2018-12-31; no later record: assumed still in force"}
    settled = set(rows.loc[rows["treaty_id"] == "atop:4650", "note"])
    assert all(n.startswith("ATOP observes to 2018-12-31; curated layer: in force as of") for n in settled) and settled


def test_a_treaty_file_status_is_the_status_shown(kb):
    csto = kb.treaty("csto").summary  # curated ids match whatever the case
    assert csto["treaty_id"] == kb.treaty("CSTO").summary["treaty_id"] == "atop:4220"
    assert csto["status_today"] == "in force (as of 2025-11-27)" and "Armenia" in csto["status_note"]


@pytest.mark.parametrize("ref, treaty_id", [("TAC", "atop:3755"), ("Traité de l'Atlantique Nord", "atop:3180"),
                                            ("protocole de sèvres", "atop:3322"), ("NATO", "atop:3180")])
def test_treaties_are_found_by_their_other_names(kb, ref, treaty_id):
    assert kb.treaty_id(ref) == treaty_id


def test_check_refuses_two_statuses_for_one_alliance(tmp_path, refs):
    src = next(p for p in LAYER.files.values() if p.name == "csto.toml")
    shutil.copy(src, tmp_path / "csto.toml")
    status_file(tmp_path, atopid=4220, as_of="2025-01-01", source_date="2025-01-01")
    problems = checker.check(tmp_path, *refs, today=TODAY)
    assert [p.kind for p in problems] == ["duplicate"] and "csto.toml" in problems[0].message


def test_a_treaty_is_found_by_part_of_its_name_and_ambiguity_lists_candidates(kb):
    from foedus.errors import UnknownTreatyError

    assert kb.treaty_id("helsinki") == "atop:3740"  # Helsinki Final Act
    assert kb.treaty_id("NATO") == "atop:3180"  # an exact name wins over names that contain it
    with pytest.raises(UnknownTreatyError, match=r"atop:3285 \(Warsaw Pact\).*atop:3655"):
        kb.treaty_id("Warsaw")
    with pytest.raises(UnknownTreatyError, match="no treaty 'of'"):
        kb.treaty_id("of")  # too short to search inside names
