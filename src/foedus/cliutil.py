"""What every foedus command shares: foedus errors become one line on stderr and exit status 2.

Kept free of rich and pandas so that the fast commands (`foedus table …`) stay fast."""

from __future__ import annotations

import functools
import sys
from typing import Callable

import typer

from .errors import FoedusError


def plain_report(message: str) -> None:
    print(f"error: {message}", file=sys.stderr)


def guarded(func, report: Callable[[str], None] = plain_report):
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except FoedusError as exc:
            report(str(exc))
            raise typer.Exit(2) from None

    return wrapper


class GuardedTyper(typer.Typer):
    """A Typer whose commands report foedus errors through ``report`` and exit with status 2."""

    def __init__(self, *args, report: Callable[[str], None] = plain_report, **kwargs):
        super().__init__(*args, **kwargs)
        self.report = report

    def command(self, *args, **kwargs):
        register = super().command(*args, **kwargs)
        return lambda func: register(guarded(func, self.report))
