"""`foedus data fetch` / `status` against a local HTTP server (127.0.0.1 only, never the internet).

The server plays the publishers: it serves zip archives laid out like the official ones, built
on the fly from the shared reference copies of the data files.
"""

from __future__ import annotations

import functools
import http.server
import io
import os
import socket
import threading
import zipfile
from pathlib import Path

import pytest

from foedus.errors import FetchError
from foedus.sources import fetch
from foedus.sources.catalog import FILES
from foedus.sources.csvfile import sha256_of


def _shared_data() -> Path | None:
    for candidate in (os.environ.get("FOEDUS_DATA"), Path(__file__).resolve().parents[2] / "shared" / "data"):
        if candidate and all((Path(candidate) / f.relpath).is_file() for f in FILES.values()):
            return Path(candidate)
    return None


SHARED = _shared_data()
pytestmark = pytest.mark.skipif(SHARED is None, reason="shared reference data not found (set FOEDUS_DATA)")


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def _raw(key: str) -> bytes:
    return (SHARED / FILES[key].relpath).read_bytes()


def official_site() -> dict[str, bytes]:
    """File name -> bytes, as the publishers' sites would serve them."""
    atop = {"ATOP 5.1 (.csv)/" + FILES[k].relpath.rsplit("/", 1)[-1]: _raw(k)
            for k in ("atop_alliance", "atop_phase", "atop_member")}  # fmt: skip
    atop["ATOP 5.1 (.csv)/atop5_1sy.csv"] = b"state,year\n"  # extra files are ignored
    atop["__MACOSX/ATOP 5.1 (.csv)/._atop5_1m.csv"] = b"resource fork"
    return {
        "atop_5.1__.csv_.zip": _zip(atop),
        "States2024.zip": _zip({"States2024/statelist2024.csv": _raw("cow_states"), "States2024/readme.txt": b"x"}),
        "states2016.csv": _raw("cow_states_2016"),
        "Inter-StateWarData_v4.0.csv": _raw("cow_interstate_wars"),
    }


class _Handler(http.server.BaseHTTPRequestHandler):
    def __init__(self, *args, files: dict[str, bytes], log: list[str], **kwargs):
        self.files, self.log = files, log
        super().__init__(*args, **kwargs)

    def do_GET(self):  # noqa: N802
        name = self.path.rsplit("/", 1)[-1]
        self.log.append(name)
        body = self.files.get(name)
        if body is None:
            self.send_error(404, "Not Found")
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    """A local 'publisher': yields (base URL, served files, request log)."""
    files, log = official_site(), []
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Handler, files=files, log=log))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/mirror", files, log
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture(autouse=True)
def no_internet(monkeypatch):
    """Point the official addresses somewhere unroutable, so no test can reach the internet."""
    monkeypatch.delenv("FOEDUS_MIRROR", raising=False)
    for name, src in list(fetch.SOURCES.items()):
        local = tuple("http://127.0.0.1:9/" + src.filename for _ in src.urls)
        monkeypatch.setitem(fetch.SOURCES, name, fetch.Source(src.name, src.dataset, local, src.members,
                                                              src.archive, src.page))  # fmt: skip


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed again when the block ends: nothing listens there


def _leftovers(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.name.startswith(".foedus-") or p.suffix == ".part"]


def test_fetch_all_verifies_and_lays_out(server, tmp_path):
    base, _files, log = server
    messages: list[str] = []
    result = fetch.fetch(tmp_path, mirror=base, progress=messages.append)
    assert result == {key: "fetched" for key in FILES}
    for key, f in FILES.items():
        assert (tmp_path / f.relpath).is_file()
        assert sha256_of(tmp_path / f.relpath) == f.sha256
    # only the catalogued files land in the data dir, nothing else from the archives
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file()) == sorted(
        f.relpath for f in FILES.values()
    )
    assert sorted(log) == sorted(["atop_5.1__.csv_.zip", "States2024.zip", "states2016.csv", "Inter-StateWarData_v4.0.csv"])
    assert any("downloaded" in m for m in messages)
    assert status_ok(tmp_path)


def status_ok(data_dir: Path) -> bool:
    df = fetch.status(data_dir)
    return bool(df["present"].all() and df["official"].all())


def test_fetch_one_dataset_and_env_mirror(server, tmp_path, monkeypatch):
    base, _files, log = server
    monkeypatch.setenv("FOEDUS_MIRROR", base)
    result = fetch.fetch(tmp_path, datasets=["cow-states"])
    assert set(result) == {"cow_states", "cow_states_2016"}
    assert not (tmp_path / "atop-5.1").exists()
    assert "atop_5.1__.csv_.zip" not in log


def test_skip_when_present_and_force(server, tmp_path):
    base, _files, log = server
    fetch.fetch(tmp_path, mirror=base)
    log.clear()
    messages: list[str] = []
    result = fetch.fetch(tmp_path, mirror=base, progress=messages.append)
    assert set(result.values()) == {"present"}
    assert log == []
    assert any("present" in m for m in messages)

    # one file damaged: only its download is fetched again, the rest is skipped
    (tmp_path / FILES["cow_states"].relpath).write_text("damaged")
    result = fetch.fetch(tmp_path, mirror=base)
    assert result["cow_states"] == "fetched" and result["atop_member"] == "present"
    assert log == ["States2024.zip"]
    assert sha256_of(tmp_path / FILES["cow_states"].relpath) == FILES["cow_states"].sha256

    log.clear()
    result = fetch.fetch(tmp_path, mirror=base, force=True)
    assert set(result.values()) == {"fetched"}
    assert len(log) == len(fetch.SOURCES) == 4


def test_checksum_mismatch_fails_and_leaves_nothing(server, tmp_path):
    base, files, _log = server
    changed = _raw("atop_member").replace(b"\r\n", b"\n")  # a re-saved copy
    files["atop_5.1__.csv_.zip"] = _zip({
        "ATOP 5.1 (.csv)/atop5_1a.csv": _raw("atop_alliance"),
        "ATOP 5.1 (.csv)/atop5_1aph.csv": _raw("atop_phase"),
        "ATOP 5.1 (.csv)/atop5_1m.csv": changed,
    })  # fmt: skip
    with pytest.raises(FetchError) as info:
        fetch.fetch(tmp_path, datasets=["atop"], mirror=base)
    msg = str(info.value)
    assert "atop-5.1/atop5_1m.csv" in msg
    assert FILES["atop_member"].sha256 in msg
    assert __import__("hashlib").sha256(changed).hexdigest() in msg
    # all-or-nothing: not even the two good files of that archive were installed
    assert not any(p.is_file() for p in tmp_path.rglob("*")), list(tmp_path.rglob("*"))

    # the escape hatch installs it, with a warning
    messages: list[str] = []
    result = fetch.fetch(tmp_path, datasets=["atop"], mirror=base, allow_mismatch=True, progress=messages.append)
    assert result["atop_member"] == "fetched, checksum differs"
    assert any(m.startswith("warning:") for m in messages)
    df = fetch.status(tmp_path).set_index("key")
    assert df.loc["atop_member", "official"] == False  # noqa: E712
    assert df.loc["atop_alliance", "official"] == True  # noqa: E712
    assert _leftovers(tmp_path) == []


def test_mismatch_keeps_existing_file(server, tmp_path):
    base, files, _log = server
    target = tmp_path / FILES["cow_states_2016"].relpath
    target.parent.mkdir(parents=True)
    target.write_bytes(b"my own edited copy")
    files["states2016.csv"] = b"not the official file"
    with pytest.raises(FetchError, match="states2016.csv"):
        fetch.fetch(tmp_path, datasets=["cow-states"], mirror=base)
    assert target.read_bytes() == b"my own edited copy"
    assert _leftovers(tmp_path) == []


def test_connection_refused_says_offline(tmp_path):
    url = f"http://127.0.0.1:{_closed_port()}"
    with pytest.raises(FetchError) as info:
        fetch.fetch(tmp_path, datasets=["cow-states"], mirror=url, timeout=5)
    msg = str(info.value)
    assert url + "/States2024.zip" in msg
    assert "connection refused" in msg
    assert "--data" in msg and "FOEDUS_DATA" in msg
    assert list(tmp_path.iterdir()) == []  # no partial file, not even an empty folder


def test_official_urls_unreachable_says_offline(tmp_path):
    # the autouse fixture points the official addresses at 127.0.0.1:9 (discard port, closed)
    with pytest.raises(FetchError, match="FOEDUS_DATA"):
        fetch.fetch(tmp_path, datasets=["atop"], timeout=5)


def test_http_404_is_clear(server, tmp_path):
    base, files, _log = server
    del files["States2024.zip"]
    with pytest.raises(FetchError) as info:
        fetch.fetch(tmp_path, datasets=["cow-states"], mirror=base)
    msg = str(info.value)
    assert "HTTP 404" in msg and base + "/States2024.zip" in msg
    assert "moved" in msg and "FOEDUS_DATA" in msg
    assert _leftovers(tmp_path) == []


def test_not_a_zip_and_missing_member(server, tmp_path):
    base, files, _log = server
    files["States2024.zip"] = b"<html>moved</html>"
    with pytest.raises(FetchError, match="zip archive"):
        fetch.fetch(tmp_path, datasets=["cow-states"], mirror=base)
    files["States2024.zip"] = _zip({"States2024/other.csv": b"a,b\n"})
    with pytest.raises(FetchError, match="no file statelist2024.csv"):
        fetch.fetch(tmp_path, datasets=["cow-states"], mirror=base)
    assert _leftovers(tmp_path) == []


def test_cli_fetch_and_status(server, tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from foedus.cli import app

    base, _files, _log = server
    monkeypatch.setenv("FOEDUS_MIRROR", base)
    runner = CliRunner()
    res = runner.invoke(app, ["--data", str(tmp_path), "data", "fetch", "--dataset", "cow-states"])
    assert res.exit_code == 0, res.output
    assert (tmp_path / FILES["cow_states"].relpath).is_file()
    res = runner.invoke(app, ["--data", str(tmp_path), "data", "status"])
    assert res.exit_code == 0 and "statelist2024.csv" in res.output

    monkeypatch.setenv("FOEDUS_MIRROR", f"http://127.0.0.1:{_closed_port()}")
    res = runner.invoke(app, ["--data", str(tmp_path), "data", "fetch", "--dataset", "atop"])
    assert res.exit_code == 2
    out = " ".join(res.output.split())  # rich wraps long lines
    assert "connection refused" in out and "FOEDUS_DATA" in out


def test_unknown_dataset(tmp_path):
    with pytest.raises(FetchError, match="unknown dataset 'nope'"):
        fetch.fetch(tmp_path, datasets=["nope"])


def test_status_empty_and_partial(tmp_path):
    df = fetch.status(tmp_path / "missing")
    assert list(df["key"]) == list(FILES)
    assert {"key", "relpath", "present", "official", "bytes"} <= set(df.columns)
    assert not df["present"].any()
    assert df["official"].isna().all() and df["bytes"].isna().all()

    good = tmp_path / FILES["cow_states"].relpath
    good.parent.mkdir(parents=True)
    good.write_bytes(_raw("cow_states"))
    bad = tmp_path / FILES["atop_alliance"].relpath
    bad.parent.mkdir(parents=True)
    bad.write_bytes(b"atopid\n1\n")
    df = fetch.status(tmp_path).set_index("key")
    assert df.loc["cow_states", "present"] and df.loc["cow_states", "official"] == True  # noqa: E712
    assert df.loc["cow_states", "bytes"] == len(_raw("cow_states"))
    assert df.loc["atop_alliance", "present"] and df.loc["atop_alliance", "official"] == False  # noqa: E712
    assert df.loc["atop_alliance", "bytes"] == 9
    assert not df.loc["atop_member", "present"]


def test_status_of_shared_copy():
    df = fetch.status(SHARED)
    assert df["present"].all() and df["official"].all()


def test_official_sources_cover_the_catalog():
    keys = [k for s in fetch.SOURCES.values() for k in s.members]
    assert sorted(keys) == sorted(FILES)
    for s in fetch.SOURCES.values():
        for key, name in s.members.items():
            assert FILES[key].relpath.endswith("/" + name)
            assert FILES[key].dataset == s.dataset
