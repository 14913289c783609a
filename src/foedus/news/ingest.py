"""Reading news articles: plain-text files, folders of them, HTML pages and JSON lines.

Every input gives one :class:`Outcome` per article: ``ok`` with an :class:`Article`, or
``rejected`` / ``duplicate`` / ``skipped`` with a reason a user can act on. Nothing here
touches a store: a bad article can only ever be rejected.

Limits: an article (a file, or one JSON line) over :data:`MAX_BYTES` is rejected before it
is read in full; bytes with NUL or many control characters are binary; text that decodes
neither as UTF-8 nor (the fallback for old Latin-1 files) as Windows-1252 is rejected; text
whose words are not English is rejected; an HTML page without main text is rejected.

Article ids are content hashes (``a-`` + 16 hex digits of SHA-256 over the text with
whitespace collapsed), so the same text read twice, from any path, has the same id.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import unicodedata
from dataclasses import asdict, dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Iterable, Iterator

MAX_BYTES = 5 * 1024 * 1024
TEXT_SUFFIXES = {".txt", ".text", ".md", ""}
HTML_SUFFIXES = {".html", ".htm", ".xhtml"}
JSONL_SUFFIXES = {".jsonl", ".ndjson"}

_WS = re.compile(r"\s+")
_MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
_DATELINE = re.compile(rf"^\s*(?:[A-Z][A-Za-z .,]{{0,40}}[—–-]\s*)?(?:(?:{_MONTHS})\.? \d{{1,2}},? \d{{4}}|\d{{1,2}} (?:{_MONTHS}) \d{{4}}|\d{{4}}-\d{{2}}-\d{{2}})\s*$")
# Common English function words: a text in which almost none occur is not English.
_ENGLISH = frozenset(
    "the of and to a in is that for on with as was by it at from he his said be are has have an this were "
    "not which but its their they had will who would been after also two more or one new than over into".split()
)


@dataclass
class Article:
    id: str
    text: str
    title: str | None = None
    published: dt.date | None = None
    url: str | None = None
    publisher: str | None = None
    origin: str = ""  # the file (and line) it came from
    kind: str = "text"  # text, html, jsonl, record
    dateline: str | None = None  # how ``published`` was found: "metadata", "dateline", "inferred from text"

    def to_dict(self) -> dict:
        d = asdict(self)
        d["published"] = None if self.published is None else self.published.isoformat()
        d.pop("text")
        d["chars"] = len(self.text)
        return d


@dataclass
class Outcome:
    origin: str
    status: str  # ok, rejected, duplicate, skipped
    reason: str = ""
    article: Article | None = field(default=None, repr=False)

    @property
    def ok(self) -> bool:
        return self.status == "ok"


def article_id(text: str) -> str:
    norm = _WS.sub(" ", unicodedata.normalize("NFC", text)).strip()
    return "a-" + hashlib.sha256(norm.encode("utf-8")).hexdigest()[:16]


# ---- decoding and checks ----------------------------------------------------------------
def decode(raw: bytes) -> tuple[str | None, str]:
    """Bytes to text, or (None, reason)."""
    if not raw.strip():
        return None, "empty: no text"
    if b"\x00" in raw:
        return None, "binary: contains NUL bytes"
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = raw.decode("cp1252")
        except UnicodeDecodeError:
            return None, "not text: decodes neither as UTF-8 nor as Windows-1252/Latin-1"
    controls = sum(1 for ch in text if unicodedata.category(ch) == "Cc" and ch not in "\n\r\t\f")
    if controls > max(2, len(text) // 200):
        return None, f"binary: {controls} control characters"
    return text, ""


def check_text(text: str) -> str:
    """'' when ``text`` can be an English news article, else the reason it cannot."""
    if not text.strip():
        return "empty: no text"
    words = re.findall(r"[^\W\d_]+", text.casefold())
    if len(words) < 8:
        return f"too short: {len(words)} words"
    sample = words[:3000]
    share = sum(w in _ENGLISH for w in sample) / len(sample)
    if share < 0.08:
        return f"not English: {share:.0%} of the words are common English words (English news: 30–45%)"
    return ""


def make_article(text: str, origin: str, kind: str, *, title=None, published=None, url=None, publisher=None,
                 dateline=None) -> Outcome:  # fmt: skip
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    why = check_text(text)
    if why:
        return Outcome(origin, "rejected", why)
    if isinstance(published, str):
        published = _parse_iso(published)
    if published is None and kind == "text":
        title, published, dateline = _text_header(text, title)
    if published is not None and dateline is None:
        dateline = "metadata"
    if publisher is None and url:
        m = re.match(r"https?://(?:www\.)?([^/:]+)", url)
        publisher = m.group(1) if m else None
    art = Article(article_id(text), text, title, published, url, publisher, origin, kind, dateline)
    return Outcome(origin, "ok", "", art)


def _parse_iso(value: str) -> dt.date | None:
    m = re.match(r"\s*(\d{4})-(\d{2})-(\d{2})", value or "")
    if not m:
        return None
    try:
        return dt.date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        return None


def _text_header(text: str, title: str | None) -> tuple[str | None, dt.date | None, str | None]:
    """A plain-text article's title (first line, followed by a blank line) and dateline."""
    from .dates import parse_explicit

    lines = text.split("\n")
    nonblank = [(i, ln.strip()) for i, ln in enumerate(lines[:12]) if ln.strip()]
    if title is None and len(nonblank) >= 2 and len(nonblank[0][1]) <= 200 and not nonblank[0][1].endswith(".") \
            and nonblank[1][0] > nonblank[0][0] + 1:  # fmt: skip
        title = nonblank[0][1]
    for _, ln in nonblank[:3]:
        if _DATELINE.match(ln):
            day = parse_explicit(ln)
            if day is not None:
                return title, day, "dateline"
    return title, None, None


# ---- HTML -------------------------------------------------------------------------------
class _MainText(HTMLParser):
    SKIP = {"script", "style", "noscript", "nav", "header", "footer", "aside", "form", "svg", "button", "iframe",
            "template", "select", "figure"}  # fmt: skip
    BLOCK = {"p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "article", "section", "main", "tr",
             "blockquote", "pre", "td", "dd", "dt"}  # fmt: skip

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.skip = 0
        self.in_title = False
        self.title = ""
        self.meta: dict[str, str] = {}
        self.parts: list[str] = []  # all text
        self.main_parts: list[str] = []  # text inside <article>/<main>
        self.main_depth = 0

    def handle_starttag(self, tag, attrs):
        a = {k: (v or "") for k, v in attrs}
        if tag in self.SKIP:
            self.skip += 1
        elif tag == "title":
            self.in_title = True
        elif tag == "meta":
            key = (a.get("property") or a.get("name") or a.get("itemprop") or "").lower()
            if key and a.get("content"):
                self.meta.setdefault(key, a["content"])
        elif tag == "link" and a.get("rel", "").lower() == "canonical" and a.get("href"):
            self.meta.setdefault("canonical", a["href"])
        elif tag == "time" and a.get("datetime"):
            self.meta.setdefault("time", a["datetime"])
        if tag in ("article", "main"):
            self.main_depth += 1
        if tag in self.BLOCK:
            self._add("\n\n")

    def handle_endtag(self, tag):
        if tag in self.SKIP and self.skip:
            self.skip -= 1
        elif tag == "title":
            self.in_title = False
        if tag in ("article", "main") and self.main_depth:
            self.main_depth -= 1
        if tag in self.BLOCK:
            self._add("\n\n")

    def handle_data(self, data):
        if self.in_title:
            self.title += data
        elif not self.skip:
            self._add(data)

    def _add(self, s):
        self.parts.append(s)
        if self.main_depth:
            self.main_parts.append(s)


def _clean_blocks(parts: list[str]) -> str:
    text = "".join(parts)
    blocks = [_WS.sub(" ", b).strip() for b in re.split(r"\n\s*\n", text)]
    return "\n\n".join(b for b in blocks if b)


def html_to_article(markup: str, origin: str) -> Outcome:
    p = _MainText()
    try:
        p.feed(markup)
        p.close()
    except Exception as exc:  # html.parser is lenient; this is a last resort
        return Outcome(origin, "rejected", f"unreadable HTML: {exc}")
    main = _clean_blocks(p.main_parts)
    text = main if len(main) >= 200 else _clean_blocks(p.parts)
    # keep paragraphs that read like prose (drop menus, bylines, share buttons)
    blocks = [b for b in text.split("\n\n") if len(b) >= 40 or b.endswith((".", "?", "!", "”", '"'))]
    text = "\n\n".join(blocks)
    if not text.strip():
        return Outcome(origin, "rejected", "HTML without main text: only markup, scripts or navigation")
    title = (p.meta.get("og:title") or p.title or "").strip() or None
    published = _parse_iso(p.meta.get("article:published_time") or p.meta.get("datepublished") or p.meta.get("date")
                           or p.meta.get("time") or "")  # fmt: skip
    url = p.meta.get("og:url") or p.meta.get("canonical")
    return make_article(text, origin, "html", title=title, published=published, url=url,
                        publisher=p.meta.get("og:site_name"))  # fmt: skip


def _looks_html(text: str) -> bool:
    head = text[:2000].lstrip().lower()
    return head.startswith(("<!doctype html", "<html")) or ("<body" in head and "</" in head)


# ---- files and folders ------------------------------------------------------------------
def read_file(path: Path) -> Iterator[Outcome]:
    origin = str(path)
    suffix = path.suffix.lower()
    try:
        size = path.stat().st_size
    except OSError as exc:
        yield Outcome(origin, "rejected", f"unreadable: {exc.strerror}")
        return
    if suffix in JSONL_SUFFIXES:
        yield from read_jsonl(path)
        return
    if size > MAX_BYTES:
        yield Outcome(origin, "rejected", f"too large: {size / 1e6:.1f} MB (limit {MAX_BYTES / 1e6:.0f} MB per article)")
        return
    try:
        raw = path.read_bytes()
    except OSError as exc:
        yield Outcome(origin, "rejected", f"unreadable: {exc.strerror}")
        return
    text, why = decode(raw)
    if text is None:
        yield Outcome(origin, "rejected", why)
        return
    if suffix in HTML_SUFFIXES or _looks_html(text):
        yield html_to_article(text, origin)
    else:
        yield make_article(text, origin, "text")


def read_jsonl(path: Path) -> Iterator[Outcome]:
    """One article per line: {"url", "title", "published", "text"} (also "publisher", "html")."""
    with open(path, "rb") as fh:
        for n, raw in enumerate(_bounded_lines(fh), 1):
            origin = f"{path}:{n}"
            if raw is None:
                yield Outcome(origin, "rejected", f"too large: line over {MAX_BYTES / 1e6:.0f} MB")
                continue
            if not raw.strip():
                continue
            text, why = decode(raw)
            if text is None:
                yield Outcome(origin, "rejected", why)
                continue
            try:
                rec = json.loads(text)
            except json.JSONDecodeError as exc:
                yield Outcome(origin, "rejected", f"not a JSON object: {exc.msg} at column {exc.colno}")
                continue
            if not isinstance(rec, dict) or not isinstance(rec.get("text", rec.get("html")), str):
                yield Outcome(origin, "rejected", 'a JSON line needs a "text" string')
                continue
            yield record_to_article(rec, origin)


def record_to_article(rec: dict, origin: str) -> Outcome:
    body = rec.get("text")
    if body is None or (isinstance(rec.get("html"), str) and not body):
        out = html_to_article(rec["html"], origin)
        if out.ok:
            a = out.article
            a.url = rec.get("url") or a.url
            a.title = rec.get("title") or a.title
            a.published = _parse_iso(str(rec.get("published") or "")) or a.published
        return out
    if "\x00" in body:
        return Outcome(origin, "rejected", "binary: contains NUL characters")
    if len(body.encode("utf-8", "surrogatepass")) > MAX_BYTES:
        return Outcome(origin, "rejected", f"too large: over {MAX_BYTES / 1e6:.0f} MB")
    if _looks_html(body):
        return html_to_article(body, origin)
    return make_article(body, origin, "jsonl", title=rec.get("title"), published=str(rec.get("published") or ""),
                        url=rec.get("url"), publisher=rec.get("publisher"))  # fmt: skip


def _bounded_lines(fh, limit: int = MAX_BYTES) -> Iterator[bytes | None]:
    """Lines of a binary file; None for a line longer than ``limit`` (skipped, not held in memory)."""
    while True:
        line = fh.readline(limit + 1)
        if not line:
            return
        if len(line) > limit and not line.endswith(b"\n"):
            while True:  # drain the rest of the oversized line
                more = fh.readline(1 << 20)
                if not more or more.endswith(b"\n"):
                    break
            yield None
            continue
        yield line


def iter_paths(paths: Iterable[str | Path]) -> Iterator[Path | Outcome]:
    for p in paths:
        path = Path(p).expanduser()
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                if child.is_file() and not any(part.startswith(".") for part in child.relative_to(path).parts):
                    yield child
        elif path.is_file():
            yield path
        else:
            yield Outcome(str(path), "rejected", "no such file or folder")


def read(paths: Iterable[str | Path]) -> list[Outcome]:
    """Read every article under ``paths``; duplicates (same content id) are reported once each."""
    seen: dict[str, str] = {}
    out: list[Outcome] = []
    for item in iter_paths(paths):
        outcomes = [item] if isinstance(item, Outcome) else read_file(item)
        for o in outcomes:
            if o.ok:
                first = seen.setdefault(o.article.id, o.origin)
                if first != o.origin:
                    o = Outcome(o.origin, "duplicate", f"same text as {first} ({o.article.id})", o.article)
            out.append(o)
    return out
