"""Errors foedus raises on bad input. Each carries a message a user can act on."""

from __future__ import annotations


class FoedusError(Exception):
    """Base class: every error foedus raises on purpose."""


class DataFileError(FoedusError):
    """An input data file is missing, truncated or malformed."""

    def __init__(self, path, message: str, line: int | None = None):
        self.path = str(path)
        self.line = line
        where = f"{self.path}, line {line}" if line is not None else self.path
        super().__init__(f"{where}: {message}")


class DataNotFoundError(FoedusError):
    """The data directory lacks the datasets foedus needs."""


class StoreError(FoedusError):
    """The DuckDB store is missing, stale or unreadable."""


class InvalidDateError(FoedusError, ValueError):
    """A date that cannot be parsed or lies outside the data's reach."""


class StateError(FoedusError, LookupError):
    """Base class for state-resolution errors."""


class UnknownStateError(StateError):
    def __init__(self, query: str, suggestions: list[str], note: str = ""):
        self.query = query
        self.suggestions = suggestions
        msg = f"unknown state {query!r}"
        if note:
            msg += f" ({note})"
        if suggestions:
            msg += "; did you mean: " + ", ".join(suggestions) + "?"
        super().__init__(msg)


class AmbiguousStateError(StateError):
    def __init__(self, query: str, candidates: list[tuple[int, str, str]]):
        """candidates: (ccode, name, years) triples."""
        self.query = query
        self.candidates = candidates
        listed = "; ".join(f"{name} (COW {code}, {years})" for code, name, years in candidates)
        super().__init__(f"ambiguous state {query!r}: it may mean {listed}. Use a fuller name or the COW code.")


class UnknownTreatyError(FoedusError, LookupError):
    pass


class FetchError(FoedusError):
    """Downloading a dataset failed (offline, wrong checksum, bad archive)."""


class InvalidScenarioError(FoedusError, ValueError):
    """A scenario that cannot be run as given."""
