"""State names and aliases: COW's own names and abbreviations, ISO 3166 names from
country_converter's table, and our curated list (``data/state_aliases.toml``)."""

from __future__ import annotations

import re
import tomllib
from importlib import resources

import pandas as pd

from ..states import normalize

# ISO3 codes for states that no longer exist, which country_converter's table lacks.
HISTORICAL_ISO3 = {260: "DEU", 265: "DDR", 315: "CSK", 680: "YMD"}


def _curated() -> dict:
    return tomllib.loads(resources.files("foedus").joinpath("data/state_aliases.toml").read_text("utf-8"))


def curated_aliases() -> tuple[dict[int, list[str]], dict[str, tuple[int, ...]]]:
    raw = _curated()
    aliases = {int(k): list(v) for k, v in raw["aliases"].items()}
    ambiguous = {normalize(k): tuple(int(c) for c in v) for k, v in raw["ambiguous"].items()}
    return aliases, ambiguous


def era_names() -> pd.DataFrame:
    """(ccode, name, start_date, end_date): names a code went by for part of its history."""
    rows = [(int(e["ccode"]), e["name"], e["from"], e["to"]) for e in _curated().get("era_names", [])]
    return pd.DataFrame(rows, columns=["ccode", "name", "start_date", "end_date"])


def iso_table() -> pd.DataFrame:
    """country_converter's country table (name_short, name_official, regex, ISO3).

    Read directly from the package file: its CountryConverter class fails to start under
    pandas 3 (it reads Namibia's ISO2 "NA" as a missing value)."""
    path = resources.files("country_converter").joinpath("country_data.tsv")
    with path.open("r", encoding="utf-8") as fh:
        table = pd.read_csv(fh, sep="\t", keep_default_na=False, dtype=str)
    return table[["name_short", "name_official", "regex", "ISO3"]].rename(columns={"ISO3": "iso3"})


def assign_iso3(spells: pd.DataFrame, table: pd.DataFrame) -> dict[int, str]:
    """ISO3 for every state still in the system at the end of the list (matched by
    country_converter's regexes on the COW name), plus the historical codes above."""
    compiled = [(iso, re.compile(rx, re.IGNORECASE)) for iso, rx in zip(table["iso3"], table["regex"])]
    current = spells[spells["end_date"].isna()]
    out: dict[int, str] = {}
    for code, name in zip(current["ccode"], current["name"]):
        hits = {iso for iso, rx in compiled if rx.search(name)}
        if len(hits) == 1:
            out[int(code)] = hits.pop()
    out.update(HISTORICAL_ISO3)
    return out


def build_aliases(spells: pd.DataFrame, table: pd.DataFrame, iso3: dict[int, str]) -> pd.DataFrame:
    rows: list[tuple[str, int, str]] = []
    for code, name, abb in zip(spells["ccode"], spells["name"], spells["abb"]):
        rows += [(name, int(code), "cow_name"), (abb, int(code), "cow_abbreviation")]
    by_iso = table.set_index("iso3")
    for code, iso in iso3.items():
        rows.append((iso, code, "iso3"))
        if iso in by_iso.index:
            entry = by_iso.loc[iso]
            rows += [(entry["name_short"], code, "iso_name"), (entry["name_official"], code, "iso_official_name")]
    curated, _ = curated_aliases()
    for code, names in curated.items():
        rows += [(n, code, "curated") for n in names]
    df = pd.DataFrame(rows, columns=["alias", "ccode", "kind"])
    df["norm"] = [normalize(a) for a in df["alias"]]
    return df.drop_duplicates(["norm", "ccode"]).reset_index(drop=True)
