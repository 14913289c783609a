"""State resolution: names, aliases, codes, ISO3; ambiguity depends on the day; suggestions."""

from __future__ import annotations

import pytest

from foedus.errors import AmbiguousStateError, UnknownStateError
from foedus.states import normalize


@pytest.mark.parametrize(
    "query",
    ["North Korea", "DPRK", "Korea, North", "Democratic People's Republic of Korea", "PRK", "731", "north korea", "  N. Korea "],
)
def test_north_korea_aliases(kb, query):
    assert kb.resolve(query, "2017-06-01") == 731


@pytest.mark.parametrize(
    "query, on, code",
    [
        ("South Korea", "2017-06-01", 732),
        ("Republic of Korea", "2017-06-01", 732),
        ("ROK", None, 732),
        ("USSR", "1970-01-01", 365),
        ("Soviet Union", None, 365),
        ("Russian Federation", "2010-01-01", 365),
        ("United States", None, 2),
        ("USA", None, 2),
        ("Britain", None, 200),
        ("West Germany", "1970-01-01", 260),
        ("East Germany", "1970-01-01", 265),
        ("Germany", "2000-01-01", 255),  # only one Germany after 1990
        ("Germany", "1900-01-01", 255),
        ("Korea", "1900-01-01", 730),  # the Korean Empire was the only Korea then
        ("Yemen", "1995-01-01", 679),
        ("Zaire", None, 490),
        ("DRC", None, 490),
        ("Côte d'Ivoire", None, 437),
        ("Ottoman Empire", None, 640),
        ("Serbia", "2010-01-01", 345),
        ("Burma", None, 775),
    ],
)
def test_resolution(kb, query, on, code):
    assert kb.resolve(query, on) == code


@pytest.mark.parametrize(
    "query, on, codes",
    [
        ("Korea", "2017-06-01", {731, 732}),
        ("Korea", None, {730, 731, 732}),
        ("Congo", "2000-01-01", {484, 490}),
        ("Germany", "1970-01-01", {260, 265}),
        ("Germany", None, {255, 260, 265}),
        ("Yemen", "1980-01-01", {678, 680}),
        ("Vietnam", "1965-01-01", {816, 817}),
    ],
)
def test_ambiguous_names_list_candidates(kb, query, on, codes):
    with pytest.raises(AmbiguousStateError) as exc:
        kb.resolve(query, on)
    assert {c for c, _, _ in exc.value.candidates} == codes
    for code in codes:
        assert f"COW {code}" in str(exc.value)


def test_unknown_state_suggests_nearest(kb):
    with pytest.raises(UnknownStateError) as exc:
        kb.resolve("Nroth Korae", "2017-06-01")
    assert any("North Korea (731)" in s for s in exc.value.suggestions)
    with pytest.raises(UnknownStateError, match="did you mean.*Finland"):
        kb.resolve("Finnlnd")


def test_unknown_code_and_empty_input(kb):
    with pytest.raises(UnknownStateError, match="no state has this COW code"):
        kb.resolve("999")
    with pytest.raises(UnknownStateError, match="empty"):
        kb.resolve("   ")
    with pytest.raises(UnknownStateError):
        kb.resolve("Atlantis")


def test_normalize():
    assert normalize("Côte d’Ivoire") == normalize("Cote d'Ivoire") == "cote divoire"
    assert normalize("The Gambia") == "gambia"
    assert normalize("Antigua & Barbuda") == "antigua and barbuda"


def test_names_by_era(kb):
    assert kb.states.name(365, __import__("datetime").date(1961, 7, 6)) == "Soviet Union"
    assert kb.states.name(365, __import__("datetime").date(2000, 1, 1)) == "Russia"
    assert kb.states.name(345, __import__("datetime").date(2010, 1, 1)) == "Serbia"
    assert kb.states.name(345, __import__("datetime").date(1990, 1, 1)) == "Yugoslavia"


def test_iso3_attributes(kb):
    rep = kb.state("DPRK")
    assert (rep.ccode, rep.abb, rep.iso3) == (731, "PRK", "PRK")
    assert kb.state("South Korea").iso3 == "KOR"
    assert kb.state("Bavaria").iso3 is None
