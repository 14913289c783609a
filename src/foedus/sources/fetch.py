"""`foedus data fetch` and `foedus data status`: get the official dataset files and check them.

Where the files come from (``SOURCES`` below):

- atop (ATOP 5.1, CSV release): a zip whose CSVs sit in a folder ``ATOP 5.1 (.csv)/``;
  foedus takes atop5_1a.csv, atop5_1aph.csv and atop5_1m.csv from it.
  https://www.atopdata.org/uploads/6/9/1/3/69134503/atop_5.1__.csv_.zip
- cow-states v2024: a zip holding ``States2024/statelist2024.csv``.
  https://correlatesofwar.org/wp-content/uploads/States2024.zip
- cow-states v2016: the plain file states2016.csv.
  https://correlatesofwar.org/wp-content/uploads/states2016.csv

Files are matched by name, in whatever folder of the archive they sit.

These addresses, and the folders inside the zips, are the ones used by the download scripts of
several unrelated public projects (R and Python) that fetch these files from the publishers.
They could not be opened from the machine this module was written on (it had no internet
access), so neither the addresses nor the bytes they serve today are verified against the live
sites; the per-file checksums below catch any difference. If a publisher moves a file, the error
names the address that failed and the page to look on.
The ATOP address is tried over https first and then over plain http (most scripts use http).

Checks: the archives' own checksums are not published, so every extracted data file is checked
against the SHA-256 of the official release in :data:`foedus.sources.catalog.FILES`. A mismatch
fails (``allow_mismatch=True`` installs it anyway, with a warning). Files are downloaded and
extracted to hidden temporary files next to their destination and moved into place with
``os.replace`` only after every file of a download has passed, so a failed or interrupted fetch
never leaves a partial file where foedus would read it.

Tests and mirrors: ``fetch(..., mirror=URL)`` or the environment variable ``FOEDUS_MIRROR``
makes every download come from ``URL/<file name>`` (e.g. ``URL/States2024.zip``) instead of
the publisher's site.
"""

from __future__ import annotations

import hashlib
import http.client
import os
import socket
import ssl
import tempfile
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

import pandas as pd

from ..errors import FetchError
from .catalog import FILES
from .csvfile import sha256_of

Progress = Callable[[str], None]

TIMEOUT = 60.0  # seconds without data before a download is given up
USER_AGENT = "Mozilla/5.0 (compatible; foedus-data-fetch/0.1)"
CHUNK = 1 << 16


@dataclass(frozen=True)
class Source:
    """One download: a zip archive or a plain file, and the catalog files it yields."""

    name: str
    dataset: str  # "atop" or "cow-states", as in FILES[...].dataset
    urls: tuple[str, ...]  # tried in order; the first is the publisher's canonical link
    members: dict[str, str]  # FILES key -> file name inside the archive (or of the plain file)
    archive: bool = True  # False: the download is the data file itself
    page: str = ""  # where a person can find the file by hand

    @property
    def filename(self) -> str:
        """The download's file name, as used under a mirror."""
        return urllib.parse.unquote(urllib.parse.urlsplit(self.urls[0]).path.rsplit("/", 1)[-1])


_ATOP_PATH = "/uploads/6/9/1/3/69134503/atop_5.1__.csv_.zip"

SOURCES: dict[str, Source] = {
    s.name: s
    for s in [
        Source(
            "atop-5.1",
            "atop",
            ("https://www.atopdata.org" + _ATOP_PATH, "http://www.atopdata.org" + _ATOP_PATH),
            {"atop_alliance": "atop5_1a.csv", "atop_phase": "atop5_1aph.csv", "atop_member": "atop5_1m.csv"},
            page="http://www.atopdata.org/data.html",
        ),
        Source(
            "cow-states-2024",
            "cow-states",
            ("https://correlatesofwar.org/wp-content/uploads/States2024.zip",),
            {"cow_states": "statelist2024.csv"},
            page="https://correlatesofwar.org/data-sets/state-system-membership/",
        ),
        Source(
            "cow-states-2016",
            "cow-states",
            ("https://correlatesofwar.org/wp-content/uploads/states2016.csv",),
            {"cow_states_2016": "states2016.csv"},
            archive=False,
            page="https://correlatesofwar.org/data-sets/state-system-membership/",
        ),
        Source(
            "cow-wars-4.0",
            "cow-wars",
            ("https://correlatesofwar.org/wp-content/uploads/Inter-StateWarData_v4.0.csv",),
            {"cow_interstate_wars": "Inter-StateWarData_v4.0.csv"},
            archive=False,
            page="https://correlatesofwar.org/data-sets/cow-war/",
        ),
    ]
}

DATASETS = tuple(dict.fromkeys(s.dataset for s in SOURCES.values()))

_HINT = (
    "`foedus data fetch` needs internet access to the publishers' sites. If you already have a copy "
    "of the datasets, point --data or FOEDUS_DATA at that directory instead (`foedus data status` "
    "shows what it holds)."
)


# --------------------------------------------------------------------------------------- status


def status(data_dir: str | os.PathLike) -> pd.DataFrame:
    """One row per known file: whether it is in ``data_dir`` and matches the official release."""
    data_dir = Path(data_dir)
    rows = []
    for key, f in FILES.items():
        path = data_dir / f.relpath
        present = path.is_file()
        rows.append(
            {
                "key": key,
                "relpath": f.relpath,
                "present": present,
                "official": (sha256_of(path) == f.sha256) if present else None,
                "bytes": path.stat().st_size if present else None,
                "dataset": f.dataset,
            }
        )
    df = pd.DataFrame(rows, columns=["key", "relpath", "present", "official", "bytes", "dataset"])
    df["bytes"] = df["bytes"].astype("Int64")
    return df


# ---------------------------------------------------------------------------------------- fetch


def fetch(
    data_dir: str | os.PathLike,
    datasets: Iterable[str] | None = None,
    force: bool = False,
    progress: Progress | None = None,
    *,
    mirror: str | None = None,
    allow_mismatch: bool = False,
    timeout: float = TIMEOUT,
) -> dict[str, str]:
    """Download ``datasets`` ("atop", "cow-states"; default all) into ``data_dir``.

    Files already present with the official checksum are left alone unless ``force``.
    Returns {FILES key: what happened} ("present", "fetched" or "fetched, checksum differs").
    Raises FetchError when a download fails, an archive lacks a file, or a checksum differs.
    """
    say = progress or (lambda _msg: None)
    data_dir = Path(data_dir).expanduser()
    wanted = _select(datasets)
    mirror = mirror if mirror is not None else (os.environ.get("FOEDUS_MIRROR") or None)
    result: dict[str, str] = {}
    for source in SOURCES.values():
        if source.dataset not in wanted:
            continue
        todo = [k for k in source.members if force or not _is_official(data_dir, k)]
        for key in source.members:
            if key not in todo:
                result[key] = "present"
                say(f"{FILES[key].relpath}: present, checksum matches the official release")
        if not todo:
            continue
        urls = (mirror.rstrip("/") + "/" + urllib.parse.quote(source.filename),) if mirror else source.urls
        result.update(_fetch_source(source, todo, data_dir, urls, say, allow_mismatch, timeout))
    fetched = sum(v != "present" for v in result.values())
    say(f"done: {fetched} file(s) fetched, {len(result) - fetched} already present, in {data_dir}")
    return result


def _select(datasets: Iterable[str] | None) -> set[str]:
    if datasets is None:
        return set(DATASETS)
    if isinstance(datasets, str):
        datasets = [datasets]
    chosen = {d.strip().lower() for d in datasets if d and d.strip()}
    unknown = sorted(chosen - set(DATASETS))
    if unknown:
        raise FetchError(f"unknown dataset {', '.join(map(repr, unknown))}; choose from {', '.join(DATASETS)}")
    return chosen or set(DATASETS)


def _is_official(data_dir: Path, key: str) -> bool:
    path = data_dir / FILES[key].relpath
    return path.is_file() and sha256_of(path) == FILES[key].sha256


def _fetch_source(
    source: Source,
    keys: list[str],
    data_dir: Path,
    urls: tuple[str, ...],
    say: Progress,
    allow_mismatch: bool,
    timeout: float,
) -> dict[str, str]:
    """Download one source, verify the files in ``keys`` and move them into place together."""
    temps: list[Path] = []
    made: list[Path] = []  # directories this call created, removed again if left empty
    staged: list[tuple[str, Path, Path, str]] = []  # (key, temp file, final path, its SHA-256)
    try:
        first_dir = _ensure_dir((data_dir / FILES[keys[0]].relpath).parent, made)
        download = _new_temp(first_dir, temps)
        url = _download(urls, download, say, timeout, source)
        if source.archive:
            for key in keys:
                final = data_dir / FILES[key].relpath
                tmp = _new_temp(_ensure_dir(final.parent, made), temps)
                digest = _extract(download, source.members[key], tmp, url, FILES[key].sha256)
                staged.append((key, tmp, final, digest))
        else:
            (key,) = keys
            final = data_dir / FILES[key].relpath
            staged.append((key, download, final, sha256_of(download)))

        outcome: dict[str, str] = {}
        for key, _tmp, _final, digest in staged:
            expected = FILES[key].sha256
            if digest == expected:
                outcome[key] = "fetched"
                continue
            message = (
                f"{FILES[key].relpath} (from {url}) does not match the official {FILES[key].title} "
                f"release: expected SHA-256 {expected}, got {digest}"
            )
            if not allow_mismatch:
                raise FetchError(
                    message + ". None of the files from this download was installed; "
                    "the publisher may have changed the file."
                )
            say("warning: " + message + "; installing it anyway (allow_mismatch)")
            outcome[key] = "fetched, checksum differs"
        for key, tmp, final, _digest in staged:
            os.replace(tmp, final)
            say(f"{FILES[key].relpath}: installed ({final.stat().st_size:,} bytes)")
        return outcome
    except OSError as exc:  # disk full, permissions, …
        raise FetchError(f"could not write the {source.dataset} files under {data_dir}: {exc}") from exc
    finally:
        for tmp in temps:
            try:
                tmp.unlink()
            except FileNotFoundError:
                pass
        for directory in reversed(made):
            try:
                directory.rmdir()  # only succeeds when nothing was installed there
            except OSError:
                pass


def _ensure_dir(path: Path, made: list[Path]) -> Path:
    missing = [p for p in (path, *path.parents) if not p.exists()]
    path.mkdir(parents=True, exist_ok=True)
    made.extend(reversed(missing))  # outermost first
    return path


def _new_temp(directory: Path, temps: list[Path]) -> Path:
    fd, name = tempfile.mkstemp(dir=directory, prefix=".foedus-", suffix=".part")
    os.close(fd)
    temps.append(Path(name))
    return Path(name)


# ------------------------------------------------------------------------------------- download


def _download(urls: tuple[str, ...], dest: Path, say: Progress, timeout: float, source: Source) -> str:
    """Fetch the first of ``urls`` that works into ``dest``; return the URL used."""
    failures: list[str] = []
    last: Exception | None = None
    for url in urls:
        try:
            _download_one(url, dest, say, timeout)
            return url
        except _DownloadError as exc:
            failures.append(str(exc))
            last = exc
    assert last is not None
    detail = "; ".join(failures)
    if isinstance(last, _HTTPStatus):
        where = f" Look for the file on {source.page}." if source.page else ""
        raise FetchError(
            f"could not download the {source.dataset} data: {detail}. The publisher may have moved the file.{where} "
            "If you already have a copy of the datasets, point --data or FOEDUS_DATA at that directory instead."
        ) from None
    raise FetchError(f"could not download the {source.dataset} data: {detail}. {_HINT}") from None


class _DownloadError(Exception):
    pass


class _HTTPStatus(_DownloadError):
    pass


def _describe(exc: BaseException) -> str:
    reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
    if isinstance(reason, socket.gaierror):
        return "cannot resolve the host name (offline, or no DNS?)"
    if isinstance(reason, ConnectionRefusedError):
        return "connection refused"
    if isinstance(reason, (TimeoutError, socket.timeout)):
        return "timed out"
    if isinstance(reason, ssl.SSLError):
        return f"TLS error ({reason})"
    if isinstance(reason, OSError) and reason.strerror:
        return reason.strerror.lower()
    return str(reason) or type(reason).__name__


def _download_one(url: str, dest: Path, say: Progress, timeout: float) -> None:
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    try:
        response = urllib.request.urlopen(request, timeout=timeout)
    except urllib.error.HTTPError as exc:
        exc.close()
        raise _HTTPStatus(f"{url} answered HTTP {exc.code} {exc.reason}") from None
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise _DownloadError(f"{url}: {_describe(exc)}") from None
    with response, open(dest, "wb") as out:  # a local write error propagates as OSError
        total = _content_length(response)
        say(f"downloading {url}" + (f" ({_size(total)})" if total else ""))
        received = 0
        next_report = _step(total)
        while True:
            try:
                block = response.read(CHUNK)
            except (http.client.HTTPException, OSError) as exc:  # reset, timeout, IncompleteRead
                raise _DownloadError(
                    f"{url}: download interrupted after {received:,} bytes ({_describe(exc)})"
                ) from None
            if not block:
                break
            out.write(block)
            received += len(block)
            if received >= next_report:
                say(_progress_line(received, total))
                next_report = received + _step(total)
    if total is not None and received != total:
        raise _DownloadError(f"{url}: download truncated: got {received:,} of {total:,} bytes")
    say(f"downloaded {_size(received)} from {url}")


def _content_length(response) -> int | None:
    value = response.headers.get("Content-Length")
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _step(total: int | None) -> int:
    return max(total // 10, 1 << 20) if total else 2 << 20


def _progress_line(received: int, total: int | None) -> str:
    if total:
        return f"  {_size(received)} of {_size(total)} ({100 * received // total}%)"
    return f"  {_size(received)}"


def _size(n: int) -> str:
    return f"{n / 1e6:.1f} MB" if n >= 100_000 else f"{n:,} bytes"


# -------------------------------------------------------------------------------------- extract


def _members_named(zf: zipfile.ZipFile, name: str) -> list[zipfile.ZipInfo]:
    """Entries whose file name is ``name`` (any folder), macOS resource forks excluded."""
    hits = []
    for info in zf.infolist():
        parts = info.filename.replace("\\", "/").split("/")
        if info.is_dir() or "__MACOSX" in parts or parts[-1].startswith("._"):
            continue
        if parts[-1] == name:
            hits.append(info)
    return sorted(hits, key=lambda i: i.filename.count("/"))


def _extract(archive: Path, name: str, dest: Path, url: str, wanted: str) -> str:
    """Copy the archive entry called ``name`` to ``dest``; return its SHA-256.

    If several entries share the name, the first whose checksum is the official one wins.
    """
    try:
        zf = zipfile.ZipFile(archive)
    except zipfile.BadZipFile:
        raise FetchError(f"{url} did not return a zip archive (the publisher may have moved the file)") from None
    with zf:
        entries = _members_named(zf, name)
        if not entries:
            listing = ", ".join(i.filename for i in zf.infolist() if not i.is_dir())
            raise FetchError(f"the archive from {url} has no file {name}; it holds: {listing or 'nothing'}")
        first = None
        for info in entries:
            digest = hashlib.sha256()
            try:
                with zf.open(info) as src, open(dest, "wb") as out:
                    for block in iter(lambda: src.read(CHUNK), b""):
                        digest.update(block)
                        out.write(block)
            except (zipfile.BadZipFile, EOFError, zipfile.LargeZipFile) as exc:
                raise FetchError(f"the archive from {url} is damaged ({info.filename}: {exc})") from None
            hexdigest = digest.hexdigest()
            if hexdigest == wanted or len(entries) == 1:
                return hexdigest
            first = first or (info, hexdigest)
        # none matched: leave the first entry in dest so the caller reports its checksum
        info, hexdigest = first
        with zf.open(info) as src, open(dest, "wb") as out:
            for block in iter(lambda: src.read(CHUNK), b""):
                out.write(block)
        return hexdigest
