"""foedus: who is bound to come to whose aid, when, and why."""

__version__ = "0.1.0"

from .errors import FoedusError  # noqa: E402


def open(db=None, data=None, *, curated=None, build: bool = True, progress=None):  # noqa: A001 - mirrors sqlite3/duckdb
    """Open the knowledge base (building the store first if it does not exist yet).

    >>> kb = foedus.open()
    >>> kb.obligations("North Korea", on="2017-06-01")
    """
    from .kb import KnowledgeBase

    return KnowledgeBase.open(db=db, data=data, curated=curated, build=build, progress=progress)


def scenario(target=None, attacker=None, on=None, *, db=None, data=None, **kwargs):
    """Who is bound to act if ``attacker`` attacks ``target`` on day ``on`` (opens the default store).

    >>> r = foedus.scenario(target="North Korea", attacker="South Korea", on="2025-01-01")
    >>> r.side("defender")
    """
    return open(db, data).scenario(target, attacker, on, **kwargs)


__all__ = ["open", "scenario", "FoedusError", "__version__"]
