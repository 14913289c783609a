"""Resolve what a user types ("DPRK", "Korea, North", 731, "Pyongyang") to a COW state code.

Resolution is date-aware: a name several states have answered to ("Korea", "Congo",
"Germany" before 1990) is an error listing the candidates unless only one of them was a
member of the state system on the day asked about. Unknown input suggests the nearest names.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
import unicodedata
from dataclasses import dataclass, field
from functools import cached_property

import pandas as pd

from .errors import AmbiguousStateError, UnknownStateError

_PUNCT = re.compile(r"[^\w\s]")
_SPACE = re.compile(r"\s+")


def normalize(name: str) -> str:
    """Casefold, strip accents and punctuation: "Côte d'Ivoire" -> "cote divoire"."""
    text = unicodedata.normalize("NFKD", str(name))
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()
    text = text.replace("&", " and ").replace("'", "").replace("’", "")
    text = _SPACE.sub(" ", _PUNCT.sub(" ", text)).strip()
    return text[4:] if text.startswith("the ") else text


def _as_date(value) -> dt.date:
    return value.date() if hasattr(value, "date") else value


@dataclass(frozen=True)
class StateIndex:
    """Immutable lookup tables: spells (ccode, name, start_date, end_date or None),
    aliases (norm, alias, ccode, kind), ambiguous names (norm -> ccodes),
    ISO regexes (iso3, regex) from country_converter."""

    spells: pd.DataFrame
    aliases: pd.DataFrame
    ambiguous: dict[str, tuple[int, ...]]
    iso_regexes: pd.DataFrame
    iso3: dict[int, str]
    era_names: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["ccode", "name", "start_date", "end_date"]))

    @cached_property
    def _eras(self) -> dict[int, list[tuple[dt.date, dt.date, str]]]:
        out: dict[int, list] = {}
        for row in self.era_names.itertuples(index=False):
            out.setdefault(int(row.ccode), []).append((_as_date(row.start_date), _as_date(row.end_date), row.name))
        return out

    @cached_property
    def _by_alias(self) -> dict[str, frozenset[int]]:
        groups: dict[str, set[int]] = {}
        for norm, code in zip(self.aliases["norm"], self.aliases["ccode"]):
            groups.setdefault(norm, set()).add(int(code))
        return {k: frozenset(v) for k, v in groups.items()}

    @cached_property
    def _spells_by_code(self) -> dict[int, list[tuple[dt.date, dt.date | None, str]]]:
        out: dict[int, list] = {}
        for row in self.spells.itertuples(index=False):
            end = None if pd.isna(row.end_date) else row.end_date
            out.setdefault(int(row.ccode), []).append((row.start_date, end, row.name))
        return out

    @cached_property
    def _compiled_iso(self) -> list[tuple[str, re.Pattern]]:
        return [(iso, re.compile(rx, re.IGNORECASE)) for iso, rx in zip(self.iso_regexes["iso3"], self.iso_regexes["regex"])]

    # ---- facts about a code -------------------------------------------------------------
    def exists(self, ccode: int) -> bool:
        return int(ccode) in self._spells_by_code

    def alive(self, ccode: int, on: dt.date) -> bool:
        return any(s <= on and (e is None or on <= e) for s, e, _ in self._spells_by_code.get(int(ccode), ()))

    def name(self, ccode: int, on: dt.date | None = None) -> str:
        """The COW name in use on ``on`` (else the latest); a code COW lacks gets a plain label."""
        spells = self._spells_by_code.get(int(ccode))
        if on is not None:
            for s, e, name in self._eras.get(int(ccode), ()):
                if s <= on <= e:
                    return name
        if not spells:
            return f"non-system entity {ccode}"
        if on is not None:
            for s, e, name in spells:
                if s <= on and (e is None or on <= e):
                    return name
            earlier = [name for s, _, name in spells if s <= on]
            if earlier:
                return earlier[-1]
            return spells[0][2]
        return spells[-1][2]

    def spells_of(self, ccode: int) -> list[tuple[dt.date, dt.date | None]]:
        """(start, end) of each membership spell; end None while the state exists."""
        return [(s, e) for s, e, _ in self._spells_by_code.get(int(ccode), ())]

    def years(self, ccode: int) -> str:
        parts = []
        for s, e, _ in self._spells_by_code.get(int(ccode), ()):
            parts.append(f"{s.year}–{e.year if e else ''}")
        return ", ".join(parts) or "not in the COW state system"

    # ---- resolution ---------------------------------------------------------------------
    def resolve(self, query: str | int, on: dt.date | None = None) -> int:
        """Return the COW code meant by ``query`` on day ``on`` (None: any time)."""
        text = str(query).strip()
        if not text:
            raise UnknownStateError(text, [], "empty input")
        if text.isascii() and text.isdigit():
            code = int(text)
            if not self.exists(code):
                raise UnknownStateError(text, [], "no state has this COW code")
            return code
        norm = normalize(text)
        if norm in self.ambiguous:
            return self._pick(text, set(self.ambiguous[norm]), on)
        if norm in self._by_alias:
            return self._pick(text, set(self._by_alias[norm]), on)
        codes = self._by_iso_regex(text)
        if codes:
            return self._pick(text, codes, on)
        tokens = set(norm.split())
        if tokens:
            codes = {c for alias, cs in self._by_alias.items() if tokens <= set(alias.split()) for c in cs}
            if codes:
                return self._pick(text, codes, on)
        raise UnknownStateError(text, self.suggest(text))

    def _by_iso_regex(self, text: str) -> set[int]:
        isos = {iso for iso, rx in self._compiled_iso if rx.search(text)}
        if len(isos) != 1:
            return set()
        iso = isos.pop()
        return {code for code, value in self.iso3.items() if value == iso}

    def _pick(self, text: str, codes: set[int], on: dt.date | None) -> int:
        if len(codes) == 1:
            return next(iter(codes))
        alive = {c for c in codes if on is None or self.alive(c, on)}
        chosen = alive or codes
        if len(chosen) == 1:
            return next(iter(chosen))
        candidates = sorted((c, self.name(c, on), self.years(c)) for c in chosen)
        raise AmbiguousStateError(text, candidates)

    def suggest(self, text: str, n: int = 5) -> list[str]:
        norm = normalize(text)
        names = difflib.get_close_matches(norm, list(self._by_alias), n=n * 2, cutoff=0.6)
        out: list[str] = []
        for name in names:
            for code in sorted(self._by_alias[name]):
                label = f"{self.name(code)} ({code})"
                if label not in out:
                    out.append(label)
        return out[:n]
