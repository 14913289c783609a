"""The obligation engine: scenarios, conditions both ways, cascades, counterfactuals,
Monte Carlo, and the history check against the COW wars."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from typer.testing import CliRunner

from foedus.cli import app
from foedus.engine.scenario import Attack, ObligationEdge, Scenario, evaluate, run
from foedus.errors import FoedusError
from foedus.vocab import CONDITION_FLAGS, CONDITION_WORDS

D = dt.date(2000, 1, 1)


def activations(result, state, obligation=None):
    return [a for a in result.activations if a.state == state and (obligation is None or a.obligation == obligation)]


# ---- the must-show --------------------------------------------------------------------


def test_north_korea_attacked_by_south_korea_2025(kb):
    r = kb.scenario("North Korea", "South Korea", "2025-01-01")
    assert {365, 710} <= set(r.side("defender"))
    russia = [a for a in activations(r, 365, "defense") if a.beneficiary == 731][0]
    assert russia.status == "bound" and russia.treaty_id == "curated:russia-dprk-2024" and russia.article == "4"
    china = [a for a in activations(r, 710, "defense") if a.beneficiary == 731][0]
    assert china.status == "bound" and china.treaty_id == "atop:3445"
    assert r.joined_in[365] == r.joined_in[710] == 1
    us = [a for a in activations(r, 2, "defense") if a.beneficiary == 732][0]
    assert us.status == "unmet" and "only when the ally is attacked" in us.checks[0].text
    assert 2 not in r.sides


def test_united_states_depends_on_who_attacked_whom(kb):
    r = kb.scenario("South Korea", "North Korea", "2025-01-01")
    us = [a for a in activations(r, 2, "defense") if a.beneficiary == 732][0]
    assert us.status == "undecided" and any("area" in q for q in us.questions)
    assert 2 not in r.sides  # undecided obligations do not drive the cascade
    answered = kb.scenario("South Korea", "North Korea", "2025-01-01", location="home", answers={"atop:3240/location": True})
    assert 2 in answered.side("defender")
    denied = kb.scenario("South Korea", "North Korea", "2025-01-01", answers={"location": False})
    assert [a for a in activations(denied, 2, "defense") if a.beneficiary == 732][0].status == "unmet"


def test_attack_breaks_non_aggression_pledges(kb):
    r = kb.scenario("North Korea", "South Korea", "2025-01-01")
    assert {v.treaty_id for v in r.violations} >= {"atop:4125"}


JULY_1914 = [("Austria-Hungary", "Serbia", "1914-07-28"), ("Germany", "Russia", "1914-08-01"),
             ("Germany", "France", "1914-08-03"), ("Germany", "Belgium", "1914-08-04"),
             ("United Kingdom", "Germany", "1914-08-04"), ("Austria-Hungary", "Russia", "1914-08-06")]  # fmt: skip


def test_july_1914_cascade_against_history(kb, data_dir):
    from foedus.sources import cow_wars

    r = kb.scenario(attacks=JULY_1914)
    assert set(r.side("attacker")) == {255, 300} and {200, 211, 220, 345, 365} <= set(r.side("defender"))
    # Italy's Triple Alliance pledge to Germany: Germany started it, so "did not provoke" fails.
    italy = [a for a in activations(r, 325, "defense") if a.treaty_id == "atop:1350" and a.beneficiary == 255][0]
    assert italy.status == "unmet" and any(c.status == "unmet" and "provoke" in c.text for c in italy.checks)
    romania = [a for a in activations(r, 360, "defense") if a.beneficiary == 255][0]
    assert romania.status == "unmet"
    # Montenegro was bound to Serbia and is drawn in; Greece's pledge turns on who provoked.
    assert r.joined_in.get(341) == 1
    greece = [a for a in activations(r, 350, "defense") if a.beneficiary == 345][0]
    assert greece.status == "undecided" and any("provoke" in q for q in greece.questions)
    # Compared with the historical entries (COW war 106): those whose pledges failed stayed out in 1914.
    war = cow_wars.load_participants(data_dir).query("war == 106")
    entry = dict(zip(war["ccode"], war["entry"]))
    assert entry[325] == dt.date(1915, 5, 23) and entry[360] == dt.date(1916, 8, 27)  # Italy, Romania: later, other side
    assert all(entry[s] <= dt.date(1914, 8, 5) for s in (200, 211, 220, 255, 300, 345, 365))


def test_chain_escalation_draws_in_allies_of_joiners(kb):
    direct = kb.scenario("North Korea", "South Korea", "2025-01-01")
    chain = kb.scenario("North Korea", "South Korea", "2025-01-01", escalation="chain")
    assert set(direct.sides) < set(chain.sides)
    assert max(chain.joined_in.values()) > 1  # joiners' allies come in later rounds


# ---- counterfactuals -------------------------------------------------------------------------


def test_counterfactual_without_treaty_and_state_and_day(kb):
    base = kb.make_scenario("North Korea", "South Korea", "2025-01-01")
    a, b = kb.counterfactual(base, without_treaties=["russia-dprk-2024"])
    assert 365 in a.sides and 365 not in b.sides and 710 in b.sides
    _, c = kb.counterfactual(base, without_states=["China"])
    assert 710 not in c.sides
    _, d = kb.counterfactual(base, on="2010-01-01")  # before the 2024 treaty: Russia owes consultation only
    assert 365 not in d.sides and 710 in d.sides


# ---- every ATOP condition flag, both ways ----------------------------------------------------------

HOW = {  # kind -> (scenario fields for "met", for "unmet")
    "location": ({"answers": {"location": True}}, {"answers": {"location": False}}),
    "conflict": ({"answers": {"conflict": True}}, {"answers": {"conflict": False}}),
    "number": ({"answers": {"number": True}}, {"answers": {"number": False}}),
    "demands": ({"answers": {"demands": True}}, {"answers": {"demands": False}}),
    "request": ({"answers": {"request": True}}, {"answers": {"request": False}}),
    "nonprovocation": ({"provoked_by": 1}, {"provoked_by": 2}),
}


@pytest.mark.parametrize("column", sorted(CONDITION_FLAGS))
def test_every_condition_flag_both_ways(column, kb):
    obligation_col, kind = CONDITION_FLAGS[column]
    word = {"defense": "defense", "offense": "offense", "neutral": "neutrality", "consul": "consultation"}[obligation_col]
    # the flag occurs in the real member file, and reaches the store's obligations
    assert kb.obligation_table[(kb.obligation_table["obligation"] == word) & kb.obligation_table[f"cond_{kind}"]].shape[0] > 0
    edge = ObligationEdge(3, 2, word, "atop:1", "test pact", None, frozenset({kind}), (1,) if kind == "adversary" else (), ())
    attack = (Attack(1, 2, D),)
    if kind == "adversary":
        met = evaluate(edge, [1], attacked=True, provoked=False, sc=Scenario(attack))
        unmet = evaluate(edge, [4], attacked=True, provoked=False, sc=Scenario((Attack(4, 2, D),)))
    elif kind == "attacked":
        met = evaluate(edge, [1], attacked=True, provoked=False, sc=Scenario(attack))
        unmet = evaluate(edge, [1], attacked=False, provoked=True, sc=Scenario(attack))
    elif kind == "nonprovocation":
        met = evaluate(edge, [1], attacked=True, provoked=False, sc=Scenario(attack, provoked_by=1))
        unmet = evaluate(edge, [1], attacked=True, provoked=True, sc=Scenario(attack, provoked_by=2))
        undecided = evaluate(edge, [1], attacked=True, provoked=None, sc=Scenario(attack))
        assert undecided[0] == "undecided" and "provoke" in undecided[1][0].question
    else:
        yes, no = HOW[kind]
        met = evaluate(edge, [1], attacked=True, provoked=False, sc=Scenario(attack, **yes))
        unmet = evaluate(edge, [1], attacked=True, provoked=False, sc=Scenario(attack, **no))
        undecided = evaluate(edge, [1], attacked=True, provoked=False, sc=Scenario(attack))
        assert undecided[0] == "undecided" and undecided[1][0].question
    assert met[0] == "bound", (column, met)
    assert unmet[0] == "unmet", (column, unmet)
    assert met[1][0].text.startswith(CONDITION_WORDS[kind].split("{")[0][:20])


def test_olimob_is_undecided_until_answered():
    edge = ObligationEdge(3, 2, "defense", "atop:1", "test pact", None, frozenset({"other"}), (), ())
    sc = Scenario((Attack(1, 2, D),))
    assert evaluate(edge, [1], attacked=True, provoked=False, sc=sc)[0] == "undecided"
    answered = Scenario((Attack(1, 2, D),), answers={"atop:1/other": True})
    assert evaluate(edge, [1], attacked=True, provoked=False, sc=answered)[0] == "bound"


def test_neutrality_and_conflicts_on_synthetic_edges():
    edges = [
        ObligationEdge(3, 2, "defense", "t:a", "A", None, frozenset(), (), ()),
        ObligationEdge(3, 1, "neutrality", "t:b", "B", None, frozenset(), (), ()),  # 3 promised 1 neutrality
        ObligationEdge(4, 2, "defense", "t:c", "C", None, frozenset(), (), ()),
        ObligationEdge(4, 1, "defense", "t:d", "D", None, frozenset(), (), ()),
        ObligationEdge(5, 1, "offense", "t:e", "E", None, frozenset(), (), ()),  # 5 backs the attacker
        ObligationEdge(6, 5, "defense", "t:f", "F", None, frozenset(), (), ()),  # 6 defends 5 once 5 attacks
    ]
    r = run(edges, Scenario((Attack(1, 2, D),)))
    assert dict(r.conflicts)[3].startswith("bound to join the defenders but pledged neutrality")
    assert 3 not in r.sides and 4 in r.sides  # 4's pledge to 1 is unmet: 1 attacked, was not attacked
    assert r.sides[5] == "attacker" and r.joined_in[5] == 1
    assert 6 not in r.sides  # 5 started fighting: defense of 5 is not triggered
    r2 = run(edges, Scenario((Attack(1, 2, D), Attack(2, 5, D))))
    assert r2.sides[6] == "attacker"  # once 2 attacks 5, 6 must defend 5


# ---- Monte Carlo ------------------------------------------------------------------------------


def test_monte_carlo_is_reproducible_and_calibrated(kb):
    base = kb.make_scenario("North Korea", "South Korea", "2025-01-01")
    a = kb.monte_carlo(base, draws=2000, seed=7)
    b = kb.monte_carlo(base, draws=2000, seed=7)
    assert a.war_sizes == b.war_sizes
    assert abs(a.join_probability[710] - 0.745) < 0.04
    always = kb.monte_carlo(base, draws=50, seed=1, rates={"defense": 1.0})
    assert always.join_probability[365] == 1.0 and min(always.war_sizes) >= 5
    never = kb.monte_carlo(base, draws=50, seed=1, rates={"curated:russia-dprk-2024": 0.0})
    assert 365 not in never.join_probability
    assert a.summary()["median_size"] >= 2


# ---- bad input --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args, message",
    [
        (["--target", "Korea", "--attacker", "Japan", "--on", "2020-01-01"], "ambiguous state 'Korea'"),
        (["--target", "Japan", "--attacker", "Japan", "--on", "2020-01-01"], "cannot attack itself"),
        (["--target", "Japan", "--on", "2020-01-01"], "needs a target, an attacker and a day"),
        (["--target", "Japan", "--attacker", "China", "--on", "2020-13-01"], "invalid date"),
        (["--target", "Japan", "--attacker", "China", "--on", "2020-01-01", "--location", "moon"], "location must be"),
        (["--target", "Japan", "--attacker", "China", "--on", "2020-01-01", "--answer", "location"], "--answer takes"),
        (["--target", "Japan", "--attacker", "China", "--on", "2020-01-01", "--escalation", "max"], "escalation must"),
        (["--target", "Japan", "--attacker", "China", "--on", "2020-01-01", "--attack", "a,b"], "--attack takes"),
        (["--target", "Japan", "--attacker", "China", "--on", "2020-01-01", "--monte-carlo", "5", "--rate", "defense=2"],
         "between 0 and 1"),
    ],
)
def test_scenario_bad_input(db_path, args, message):
    res = CliRunner().invoke(app, ["--db", str(db_path), "scenario", *args])
    assert res.exit_code == 2, res.output
    assert message in " ".join(res.stderr.split())


def test_scenario_cli_json_and_table(db_path):
    res = CliRunner().invoke(app, ["--db", str(db_path), "scenario", "-t", "North Korea", "-a", "South Korea",
                                   "--on", "2025-01-01", "--without-treaty", "russia-dprk-2024", "-f", "json"])  # fmt: skip
    data = json.loads(res.stdout)
    assert "Russia (365)" in data["sides"]["defending side"]
    assert {"state": "Russia (365)", "base": "defender", "counterfactual": None} in data["counterfactual"]["difference"]
    res = CliRunner().invoke(app, ["--db", str(db_path), "scenario", "-t", "South Korea", "-a", "North Korea",
                                   "--on", "2025-01-01"])  # fmt: skip
    assert "undecided" in res.stdout and "--answer atop:3240/location=yes|no" in " ".join(res.stdout.split())


def test_python_entry_point(db_path, monkeypatch):
    import foedus

    monkeypatch.setenv("FOEDUS_DB", str(db_path))
    r = foedus.scenario(target="North Korea", attacker="South Korea", on="2025-01-01")
    assert 365 in r.side("defender")
    with pytest.raises(FoedusError):
        foedus.scenario(target="North Korea", attacker="North Korea", on="2025-01-01")


# ---- history check ---------------------------------------------------------------------------


def test_validate_history(kb, data_dir):
    pairs, wars, totals = kb.validate_history(data_dir)
    assert totals["wars"] == 95
    assert totals["bound"] == totals["honored"] + totals["violated"] > 0
    assert 0 < totals["honored_rate"] < 1
    by = {(p.war, p.ally, p.target): p for p in pairs.itertuples(index=False)}
    assert by[(64, 135, 145)].outcome == "honored"  # War of the Pacific: Peru kept its 1873 pact with Bolivia
    assert by[(139, 200, 290)].outcome == "honored"  # 1939: Britain declared war for Poland
    assert by[(139, 360, 290)].outcome == "violated: fought against"  # Romania: later fought with Germany
    assert by[(211, 645, 690)].outcome == "violated: attacked its ally"  # Iraq invading Kuwait, both Arab League
    assert len(set(wars["war"])) == 95 and wars["start"].min() == dt.date(1823, 4, 7)


def test_framing_conditions_inform_but_do_not_decide(kb):
    # the compact's "in accordance with the UN Charter" is context: the United States is bound
    r = kb.scenario("Micronesia", "China", "2025-01-01")
    us = [a for a in activations(r, 2, "defense") if a.beneficiary == 987][0]
    assert us.status == "bound" and us.treaty_id == "curated:us-fsm-compact-1986" and 2 in r.side("defender")
    assert any("UN Charter" in c.text and c.status == "met" for c in us.checks)
    # a real extra condition stays a question: France-Greece needs both to establish the attack
    greece = kb.scenario("Greece", "Turkey", "2025-01-01")
    france = [a for a in activations(greece, 220, "defense") if a.treaty_id == "curated:france-greece-2021"][0]
    assert france.status == "undecided" and any("jointly establish" in q for q in france.questions)
