"""Dates in news text, resolved against the article's reference day (its dateline or
publication date): "June 19, 2024", "April 25", "Wednesday", "last September", "in 1961",
"yesterday", "nine months after <another date>".

Rules (news describe the past): a weekday means the latest such day on or before the
reference day ("next Friday" looks forward); a day and month without a year take the
reference year unless that lands more than a week after the reference day (then the year
before); "last <month>" is the latest such month strictly before the reference month.
Each result carries its precision (day, month or year) and the words it came from.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

MONTHS = {m.lower(): i for i, m in enumerate(calendar.month_name) if m}
MONTHS.update({m.lower(): i for i, m in enumerate(calendar.month_abbr) if m})
MONTHS["sept"] = 9
WEEKDAYS = {d.lower(): i for i, d in enumerate(calendar.day_name)}
NUMBERS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
           "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "several": None, "few": None}  # fmt: skip

_M = r"(?P<month>January|February|March|April|May|June|July|August|September|October|November|December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec)\.?"
_D = r"(?P<day>\d{1,2})(?:st|nd|rd|th)?"
PATTERNS = [
    ("iso", re.compile(r"\b(?P<year>\d{4})-(?P<mon>\d{2})-(?P<dd>\d{2})\b")),
    ("mdy", re.compile(rf"\b{_M} {_D},? (?P<year>\d{{4}})\b")),
    ("dmy", re.compile(rf"\b{_D} (?:of )?{_M},? (?P<year>\d{{4}})\b")),
    ("md", re.compile(rf"\b{_M} {_D}\b(?!,? \d{{4}})(?! (?:percent|million|billion|km|people))")),
    ("dm", re.compile(rf"\b{_D} (?:of )?{_M}\b(?!,? \d{{4}})")),
    ("last_month", re.compile(rf"\b(?P<rel>last|this|next) {_M}(?! \d)")),
    ("my", re.compile(rf"\b(?:(?P<early>early|mid|late)[- ])?{_M},? (?P<year>\d{{4}})\b")),
    ("month_in", re.compile(rf"\b(?:(?:in|since|until|by) )(?:(?P<early>early|mid|late)[- ])?{_M}\b(?! {_D})(?!,? \d{{4}})")),
    ("weekday", re.compile(r"\b(?P<rel>last |next |on |this )?(?P<wd>Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\b")),
    ("relday", re.compile(r"\b(?P<word>today|yesterday|tomorrow|tonight)\b", re.I)),
    ("relyear", re.compile(r"\b(?P<rel>last|this|next) (?P<unit>year|month|week)\b", re.I)),
    ("year", re.compile(r"\b(?:[Ii]n|of|from|[Ss]ince) (?P<year>1[89]\d\d|20\d\d)\b(?!-)")),
]
DURATION = re.compile(r"\b(?P<n>\d+|a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve) "
                      r"(?P<unit>day|week|month|year)s? (?P<dir>after|later|before|earlier|ago)\b", re.I)  # fmt: skip


@dataclass(frozen=True)
class DateMention:
    start: int  # character offsets in the text searched
    end: int
    text: str
    date: dt.date
    precision: str  # day, month, year
    rule: str

    def iso(self) -> str:
        if self.precision == "year":
            return str(self.date.year)
        if self.precision == "month":
            return self.date.strftime("%Y-%m")
        return self.date.isoformat()


def _safe(y: int, m: int, d: int) -> dt.date | None:
    try:
        return dt.date(y, m, d)
    except ValueError:
        return None


def _month(name: str) -> int:
    return MONTHS[name.lower().rstrip(".")]


def shift_months(day: dt.date, months: int) -> dt.date:
    y, m = divmod(day.year * 12 + day.month - 1 + months, 12)
    return dt.date(y, m + 1, min(day.day, calendar.monthrange(y, m + 1)[1]))


def resolve_match(rule: str, m: re.Match, ref: dt.date | None) -> tuple[dt.date, str] | None:
    g = m.groupdict()
    if rule == "iso":
        d = _safe(int(g["year"]), int(g["mon"]), int(g["dd"]))
        return (d, "day") if d else None
    if rule in ("mdy", "dmy"):
        d = _safe(int(g["year"]), _month(g["month"]), int(g["day"]))
        return (d, "day") if d else None
    if rule == "my":
        return dt.date(int(g["year"]), _month(g["month"]), 1), "month"
    if ref is None:
        return None
    if rule in ("md", "dm"):
        d = _safe(ref.year, _month(g["month"]), int(g["day"]))
        if d is None:
            return None
        if d > ref + dt.timedelta(days=7):
            d = _safe(ref.year - 1, d.month, d.day) or d
        return d, "day"
    if rule == "last_month":
        mon = _month(g["month"])
        rel = g["rel"].lower()
        if rel == "last":
            year = ref.year if mon < ref.month else ref.year - 1
        elif rel == "next":
            year = ref.year if mon > ref.month else ref.year + 1
        else:
            year = ref.year
        return dt.date(year, mon, 1), "month"
    if rule == "month_in":
        mon = _month(g["month"])
        year = ref.year if mon <= ref.month else ref.year - 1
        return dt.date(year, mon, 1), "month"
    if rule == "weekday":
        wd = WEEKDAYS[g["wd"].lower()]
        rel = (g["rel"] or "").strip().lower()
        if rel == "next":
            delta = (wd - ref.weekday()) % 7 or 7
            return ref + dt.timedelta(days=delta), "day"
        delta = (ref.weekday() - wd) % 7
        if rel == "last" and delta == 0:
            delta = 7
        return ref - dt.timedelta(days=delta), "day"
    if rule == "relday":
        w = g["word"].lower()
        return ref + dt.timedelta(days={"today": 0, "tonight": 0, "yesterday": -1, "tomorrow": 1}[w]), "day"
    if rule == "relyear":
        step = {"last": -1, "this": 0, "next": 1}[g["rel"].lower()]
        unit = g["unit"].lower()
        if unit == "year":
            return dt.date(ref.year + step, 1, 1), "year"
        if unit == "month":
            return shift_months(ref.replace(day=1), step), "month"
        return ref + dt.timedelta(weeks=step), "day"
    if rule == "year":
        return dt.date(int(g["year"]), 1, 1), "year"
    return None


def find_dates(text: str, ref: dt.date | None, offset: int = 0) -> list[DateMention]:
    """Every date expression in ``text`` (non-overlapping; the more specific wins)."""
    taken: list[tuple[int, int]] = []
    out: list[DateMention] = []
    for rule, rx in PATTERNS:
        for m in rx.finditer(text):
            s, e = m.span()
            if any(s < b and a < e for a, b in taken):
                continue
            if rule == "weekday" and not (m.group("rel") or "").strip() and m.start() > 0 and text[m.start() - 1].isalpha():
                continue
            res = resolve_match(rule, m, ref)
            if res is None:
                continue
            taken.append((s, e))
            out.append(DateMention(s + offset, e + offset, m.group(0), res[0], res[1], rule))
    out.sort(key=lambda d: d.start)
    return _durations(text, out, offset)


def _durations(text: str, found: list[DateMention], offset: int) -> list[DateMention]:
    """'nine months after <date>' -> that date shifted, when the anchor date follows in the sentence."""
    extra = []
    for m in DURATION.finditer(text):
        n = NUMBERS.get(m["n"].lower()) if not m["n"].isdigit() else int(m["n"])
        if not n:
            continue
        unit, direction = m["unit"].lower(), m["dir"].lower()
        anchor = next((d for d in found if d.start >= m.end() + offset and d.start - (m.end() + offset) < 120), None)
        if anchor is None or direction in ("ago",):
            continue
        sign = 1 if direction in ("after", "later") else -1
        if unit == "month":
            day, prec = shift_months(anchor.date, sign * n), "month" if anchor.precision != "year" else "year"
        elif unit == "year":
            day, prec = shift_months(anchor.date, sign * 12 * n), anchor.precision
        else:
            day = anchor.date + dt.timedelta(days=sign * n * (7 if unit == "week" else 1))
            prec = anchor.precision
        extra.append(DateMention(m.start() + offset, m.end() + offset, m.group(0) + " …" + anchor.text, day, prec,
                                 "duration"))  # fmt: skip
    return sorted(found + extra, key=lambda d: d.start)


def parse_explicit(text: str) -> dt.date | None:
    """A full date (with a year) in ``text``, else None."""
    for rule in ("iso", "mdy", "dmy"):
        rx = dict(PATTERNS)[rule]
        m = rx.search(text)
        if m:
            res = resolve_match(rule, m, None)
            if res:
                return res[0]
    return None


def infer_reference(text: str, today: dt.date | None = None) -> dt.date | None:
    """For an article without a dateline: the latest full date it mentions (not in the future)."""
    today = today or dt.date.today()
    days = []
    for rule in ("iso", "mdy", "dmy"):
        for m in dict(PATTERNS)[rule].finditer(text[:20000]):
            res = resolve_match(rule, m, None)
            if res and res[0] <= today:
                days.append(res[0])
    return max(days) if days else None
