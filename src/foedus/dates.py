"""Dates: parsing what users type, and turning ATOP's partial dates into days.

ATOP records entry and exit as year/month/day with the day (rarely the month) missing.
The rule foedus applies, everywhere:

* An unknown **entry** day is the first day of its month (unknown month: 1 January).
* An unknown **exit** day is the last day of its month (unknown month: 31 December).

So a membership is taken to be in force throughout any month or year of uncertainty,
and every derived date keeps its precision (``day``, ``month`` or ``year``) so output can
say when a boundary is approximate. Exits are exclusive: a member whose exit is
1996-09-10 is bound through 1996-09-09 and not on the 10th (ATOP phases end and the next
begins on the same day, e.g. NATO 1951-06-19).
"""

from __future__ import annotations

import calendar
import datetime as dt

from .errors import InvalidDateError

EARLIEST = dt.date(1815, 1, 1)  # ATOP begins in 1815; COW in 1816.


def parse_day(value: str | dt.date | None, *, default: dt.date | None = None) -> dt.date:
    """Parse an ISO date (YYYY-MM-DD, or YYYY / YYYY-MM meaning the first day).

    Raises InvalidDateError for malformed or impossible dates and for days before 1815.
    """
    if value is None:
        if default is None:
            raise InvalidDateError("a date is required")
        return default
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        day = value
    else:
        text = str(value).strip()
        parts = text.split("-")
        try:
            if len(parts) == 1 and len(parts[0]) == 4:
                day = dt.date(int(parts[0]), 1, 1)
            elif len(parts) == 2 and len(parts[0]) == 4:
                day = dt.date(int(parts[0]), int(parts[1]), 1)
            elif len(parts) == 3 and len(parts[0]) == 4:
                day = dt.date(int(parts[0]), int(parts[1]), int(parts[2]))
            else:
                raise ValueError("expected YYYY-MM-DD")
        except ValueError as exc:
            raise InvalidDateError(f"invalid date {text!r}: {exc} (expected YYYY-MM-DD)") from None
    if day < EARLIEST:
        raise InvalidDateError(
            f"date {day.isoformat()} is before 1815-01-01: the alliance data (ATOP) begin in 1815"
        )
    return day


def partial_start(year: int, month: int | None, day: int | None) -> tuple[dt.date, str]:
    """First possible day of a partially known date, with its precision."""
    if not month:
        return dt.date(year, 1, 1), "year"
    if not day:
        return dt.date(year, month, 1), "month"
    return dt.date(year, month, day), "day"


def partial_end_exclusive(year: int, month: int | None, day: int | None) -> tuple[dt.date, str]:
    """Exclusive end for an exit date: the exit day itself when known, else the day after
    the last possible day (so the whole uncertain month/year counts as in force)."""
    if not month:
        return dt.date(year + 1, 1, 1), "year"
    if not day:
        last = calendar.monthrange(year, month)[1]
        return dt.date(year, month, last) + dt.timedelta(days=1), "month"
    return dt.date(year, month, day), "day"
