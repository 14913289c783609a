"""The HTTP API: every endpoint, good and bad input (4xx with a clear message, never 5xx),
the token on write endpoints, the page's assets, and a schema-driven fuzz run."""

from __future__ import annotations

import re
import shutil
import time

import pytest
import typer

fastapi = pytest.importorskip("fastapi")

from fastapi.testclient import TestClient  # noqa: E402

from foedus import api as api_mod  # noqa: E402
from foedus.api import create_app  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture(scope="module")
def app(kb, data_dir):
    return create_app(kb, data=data_dir, token="")


@pytest.fixture(scope="module")
def client(app):
    with TestClient(app) as c:
        yield c


def err(response, status: int) -> str:
    assert response.status_code == status, response.text
    body = response.json()
    assert isinstance(body["detail"], str) and body["detail"]
    return body["detail"]


# ---- meta and states ---------------------------------------------------------------------------


def test_info(client):
    r = client.get("/api")
    assert r.status_code == 200
    body = r.json()
    assert body["atop_coverage_end"] == "2018-12-31"
    assert body["states"] > 200 and body["treaties"] > 700
    assert body["write_enabled"] is False


def test_openapi_lists_every_endpoint(client):
    paths = client.get("/openapi.json").json()["paths"]
    for p in ("/api", "/api/states", "/api/resolve", "/api/states/{ref}", "/api/obligations", "/api/treaties",
              "/api/treaties/{ref}", "/api/lineage", "/api/scenario", "/api/dyad-years", "/api/store/rebuild"):  # fmt: skip
        assert p in paths
    assert "/" not in paths


def test_states(client):
    all_ = client.get("/api/states").json()
    alive = client.get("/api/states", params={"on": "1900-01-01"}).json()
    assert len(alive) < len(all_)
    assert {"ccode": 731, "name": "North Korea", "abb": "PRK", "iso3": "PRK", "years": "1948–"} in all_
    assert 731 not in {s["ccode"] for s in alive}
    assert "invalid date" in err(client.get("/api/states", params={"on": "1900-02-30"}), 422)


def test_resolve(client):
    assert client.get("/api/resolve", params={"q": "DPRK"}).json() == {"ccode": 731, "name": "North Korea", "years": "1948–"}
    amb = client.get("/api/resolve", params={"q": "Korea", "on": "2000-01-01"})
    assert "ambiguous state 'Korea'" in err(amb, 422)
    assert {c["ccode"] for c in amb.json()["candidates"]} == {731, 732}
    unknown = client.get("/api/resolve", params={"q": "Narnia"})
    assert "unknown state 'Narnia'" in err(unknown, 404)
    assert unknown.json()["suggestions"]
    assert "0-9" in err(client.get("/api/resolve", params={"q": "７３１"}), 422)  # full-width digits
    assert "at most 200 characters" in err(client.get("/api/resolve", params={"q": "x" * 201}), 422)
    assert "q: Field required" in err(client.get("/api/resolve"), 422)


def test_state_detail(client):
    body = client.get("/api/states/DPRK").json()
    assert body["ccode"] == 731 and "Pyongyang" in body["aliases"]
    assert any(a["treaty_id"] == "curated:russia-dprk-2024" for a in body["alliances"])
    assert "unknown state" in err(client.get("/api/states/Atlantis"), 404)
    assert "at most 200 characters" in err(client.get("/api/states/" + "y" * 300), 422)


# ---- obligations -------------------------------------------------------------------------------


def test_obligations_north_korea_2025(client):
    r = client.get("/api/obligations", params={"state": "North Korea", "on": "2025-01-01"})
    assert r.status_code == 200
    body = r.json()
    api_mod.Obligations.model_validate(body)  # the documented schema
    assert body["state"]["ccode"] == 731 and body["on"] == "2025-01-01" and body["count"] == len(body["rows"])
    russia = [x for x in body["rows"] if x["obligor"] == 365 and x["obligation"] == "defense" and x["direction"] == "owed to"]
    assert russia and russia[0]["treaty_id"] == "curated:russia-dprk-2024" and russia[0]["article"] == "4"
    assert all(s["url"].startswith("https://") for s in russia[0]["sources"])
    china = [x for x in body["rows"] if x["obligor"] == 710 and x["obligation"] == "defense"]
    assert china[0]["sources"][-1]["url"] == "http://www.atopdata.org/data.html"
    # the cached answer is the same
    assert client.get("/api/obligations", params={"state": "731", "on": "2025-01-01"}).json() == body


def test_obligations_filters_and_partner(client):
    owed = client.get("/api/obligations", params={"state": "PRK", "on": "2025-01-01", "direction": "owed to",
                                                  "obligation": "defense"}).json()  # fmt: skip
    assert {r["obligor"] for r in owed["rows"]} == {40, 365, 710}
    pair = client.get("/api/obligations", params={"state": "China", "partner": "North Korea", "on": "2017-06-01"}).json()
    assert pair["partner"]["ccode"] == 731
    assert {(r["obligor"], r["beneficiary"]) for r in pair["rows"]} <= {(710, 731), (731, 710)}
    assert "Input should be" in err(client.get("/api/obligations", params={"state": "PRK", "on": "2025-01-01",
                                                                          "obligation": "friendship"}), 422)  # fmt: skip


@pytest.mark.parametrize(
    ("params", "status", "message"),
    [
        ({"state": "North Korea", "on": "2025-13-01"}, 422, "month must be in 1..12"),
        ({"state": "North Korea", "on": "yesterday"}, 422, "expected YYYY-MM-DD"),
        ({"state": "North Korea", "on": "1700-01-01"}, 422, "before 1815-01-01"),
        ({"state": "North Korea"}, 422, "on: Field required"),
        ({"state": "Narnia", "on": "2025-01-01"}, 404, "unknown state 'Narnia'"),
        ({"state": "Korea", "on": "2025-01-01"}, 422, "ambiguous state 'Korea'"),
        ({"state": "", "on": "2025-01-01"}, 422, "at least 1 character"),
        ({"state": "North Korea", "on": "2025-01-01" * 10}, 422, "at most 32 characters"),
        ({"state": "North Korea", "on": "2025-01-01", "direction": "sideways"}, 422, "direction"),
    ],
)
def test_obligations_bad_input(client, params, status, message):
    assert message in err(client.get("/api/obligations", params=params), status)


# ---- treaties and lineage ------------------------------------------------------------------------


def test_treaty_list(client):
    body = client.get("/api/treaties", params={"q": "nato"}).json()
    assert body["total"] == 1 and body["items"][0]["treaty_id"] == "atop:3180"
    other = client.get("/api/treaties", params={"q": "Договор о коллективной"}).json()  # a name in Russian
    assert [i["treaty_id"] for i in other["items"]] == ["atop:4220"]
    page = client.get("/api/treaties", params={"limit": 5, "offset": 10}).json()
    assert len(page["items"]) == 5 and page["total"] > 700
    assert "less than or equal to 500" in err(client.get("/api/treaties", params={"limit": 100000}), 422)
    assert "greater than or equal to 0" in err(client.get("/api/treaties", params={"offset": -1}), 422)


def test_treaty_detail(client):
    t = client.get("/api/treaties/russia-dprk-2024").json()
    assert t["treaty_id"] == "curated:russia-dprk-2024" and t["entered_into_force"] == "2024-12-04"
    assert {(p["treaty_id"], p["known"]) for p in t["predecessors"]} == {("atop:4940", True), ("atop:3440", True)}
    assert all(s["url"] for s in t["sources"]) and len(t["sources"]) >= 2
    assert {m["ccode"] for m in t["members"]} == {365, 731}
    assert [(e["event"], e["party"]) for e in t["events"] if e["event"] == "ratified"] == [
        ("ratified", "Russia (365)"), ("ratified", "North Korea (731)")]
    old = client.get("/api/treaties/3440").json()
    assert any(s["treaty_id"] == "curated:russia-dprk-2024" for s in old["successors"])
    nato = client.get("/api/treaties/NATO").json()
    assert len({m["ccode"] for m in nato["members"]}) >= 32 and len(nato["phases"]) == 2
    ended = client.get("/api/treaties/4025").json()  # France-Poland 1991, replaced by Nancy
    assert ended["status_today"] == "ended (as of 2026-01-22)" and "Treaty of Nancy" in ended["status_note"]
    undated = [s for s in ended["sources"] if s["date"] is None and s["id"].startswith("curated:")]
    assert undated and all(s["accessed"] for s in undated)  # an undated page says when it was read
    assert client.get("/api/treaties/Helsinki").json()["treaty_id"] == "atop:3740"  # part of a name
    assert "atop:3285 (Warsaw Pact)" in err(client.get("/api/treaties/Warsaw"), 404)  # ambiguous: the candidates
    assert "no treaty" in err(client.get("/api/treaties/99999"), 404)
    assert "no treaty" in err(client.get("/api/treaties/not-a-treaty"), 404)
    assert "at most 200 characters" in err(client.get("/api/treaties/" + "z" * 201), 422)


def test_lineage_russia_north_korea(client):
    body = client.get("/api/lineage", params={"a": "Russia", "b": "North Korea"}).json()
    assert body["a"]["ccode"] == 365 and body["b"]["ccode"] == 731
    entries = {e["from"][:4]: e for e in body["entries"]}
    assert {"1961", "2000", "2024"} <= set(entries)
    assert entries["1961"]["a_owes_b"] == ["defense", "non-aggression"]
    assert entries["2024"]["a_owes_b"][0].startswith("defense") and entries["2024"]["until"] is None
    assert entries["2000"]["until"] == "2024-12-04"
    assert all(e["sources"] for e in body["entries"])
    bilateral = client.get("/api/lineage", params={"a": "Russia", "b": "North Korea", "bilateral": True}).json()
    assert len(bilateral["entries"]) == 3
    assert "unknown state" in err(client.get("/api/lineage", params={"a": "Russia", "b": "Mordor"}), 404)
    assert "b: Field required" in err(client.get("/api/lineage", params={"a": "Russia"}), 422)


# ---- scenarios ---------------------------------------------------------------------------------

NK = {"target": "North Korea", "attacker": "South Korea", "on": "2025-01-01"}


def edges(graph, **match):
    return [e for e in graph["edges"] if all(e[k] == v for k, v in match.items())]


def test_scenario_north_korea_2025(client):
    r = client.post("/api/scenario", json=NK)
    assert r.status_code == 200, r.text
    body = r.json()
    api_mod.ScenarioResponse.model_validate(body)  # the documented schema
    g = body["graph"]
    nodes = {n["ccode"]: n for n in g["nodes"]}
    assert {731, 732, 365, 710} <= set(nodes)
    assert nodes[731]["target"] and nodes[732]["attacker"] and nodes[365]["side"] == "defender"
    for obligor in (365, 710):
        e = edges(g, **{"from": obligor, "to": 731, "obligation": "defense"})
        assert e and e[0]["round"] == 1 and e[0]["joined"] and e[0]["status"] == "bound" and e[0]["sources"]
    assert edges(g, **{"from": 732, "to": 731, "obligation": "attack", "round": 0})
    assert edges(g, **{"from": 2, "to": 732, "status": "unmet"})  # the US pledge: South Korea attacked, was not attacked
    assert body["report"]["sides"]["defending side"] == ["Cuba (40)", "Russia (365)", "China (710)", "North Korea (731)"]


def test_scenario_counterfactual_and_monte_carlo(client):
    body = client.post("/api/scenario", json={**NK, "counterfactual": {"without_treaties": ["russia-dprk-2024"]},
                                              "monte_carlo": {"draws": 50, "seed": 1}}).json()  # fmt: skip
    api_mod.ScenarioResponse.model_validate(body)
    cf = body["report"]["counterfactual"]
    assert cf["difference"] == [{"state": "Russia (365)", "base": "defender", "counterfactual": None}]
    assert 365 not in {n["ccode"] for n in body["counterfactual_graph"]["nodes"] if n["side"]}
    assert body["report"]["monte_carlo"]["draws"] == 50
    chain = client.post("/api/scenario", json={"attacks": [{"attacker": "Russia", "target": "Poland", "on": "2025-01-01"},
                                                           {"attacker": "Belarus", "target": "Lithuania", "on": "2025-01-02"}]})  # fmt: skip
    assert chain.status_code == 200
    assert {"ccode": 368} == {"ccode": n["ccode"] for n in chain.json()["graph"]["nodes"] if n["ccode"] == 368}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"target": "North Korea", "on": "2025-01-01"}, "needs a target, an attacker and a day"),
        ({}, "needs at least one attack"),
        ({"target": "North Korea", "attacker": "DPRK", "on": "2025-01-01"}, "cannot attack itself"),
        ({**NK, "on": "2025-02-30"}, "day is out of range"),
        ({**NK, "attacker": "Mordor"}, "unknown state 'Mordor'"),
        ({**NK, "attacker": "Korea", "on": "1990-01-01"}, "ambiguous state 'Korea'"),
        ({**NK, "location": "moon"}, "location"),
        ({**NK, "escalation": "nuclear"}, "escalation"),
        ({**NK, "surprise": True}, "Extra inputs are not permitted"),
        ({**NK, "counterfactual": {}}, "a counterfactual needs"),
        ({**NK, "counterfactual": {"without_treaties": ["no-such-treaty"]}}, "no treaty"),
        ({**NK, "monte_carlo": {"draws": 1_000_000}}, "less than or equal to 2000"),
        ({**NK, "monte_carlo": {"rates": {"defense": 2}}}, "between 0 and 1"),
        ({"attacks": [{"attacker": "Russia", "target": "Poland", "on": "2025-01-01"}] * 51}, "at most 50 items"),
        ({**NK, "target": "N" * 500}, "at most 200 characters"),
    ],
)
def test_scenario_bad_input(client, body, message):
    assert message in err(client.post("/api/scenario", json=body), 422)


def test_huge_and_malformed_bodies(client):
    big = {**NK, "answers": {f"key-{i}": True for i in range(8000)}}
    assert "too large" in err(client.post("/api/scenario", json=big), 413)
    raw = b"{" + b" " * (70 * 1024) + b"}"
    assert "too large" in err(client.post("/api/scenario", content=raw, headers={"Content-Type": "application/json"}), 413)

    def chunks():
        for _ in range(100):
            yield b" " * 1024

    assert "too large" in err(client.post("/api/scenario", content=chunks(), headers={"Content-Type": "application/json"}), 413)
    assert "JSON decode error" in err(client.post("/api/scenario", content=b"{nope", headers={"Content-Type": "application/json"}), 422)
    assert "Input should be a valid dictionary" in err(client.post("/api/scenario", json=[1, 2]), 422)


# ---- dyad-years --------------------------------------------------------------------------------


def test_dyad_years(client):
    body = client.get("/api/dyad-years", params={"state1": "Russia", "state2": "North Korea", "start_year": 1960,
                                                 "end_year": 2024, "extend": "curated", "with_ids": True}).json()  # fmt: skip
    assert body["total"] == 65
    rows = {r["year"]: r for r in body["rows"]}
    assert rows[1962]["atop_defense"] == 1 and rows[2010]["atop_defense"] == 0 and rows[2010]["atop_consul"] == 1
    assert rows[2024]["alliance_source"] == "curated" and "curated:russia-dprk-2024" in rows[2024]["treaty_ids"]
    assert rows[1962]["atop_ids"] == [3440]
    csv = client.get("/api/dyad-years", params={"state1": "365", "start_year": 2000, "end_year": 2000, "format": "csv",
                                                "with_ids": True, "limit": 5})  # fmt: skip
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    assert csv.text.splitlines()[0].startswith("ccode1,ccode2,year") and len(csv.text.splitlines()) == 6
    plain = client.get("/api/dyad-years", params={"alliances": False, "limit": 2}).json()
    assert plain["columns"] == ["ccode1", "ccode2", "year"]


@pytest.mark.parametrize(
    ("params", "status", "message"),
    [
        ({"start_year": 2000, "end_year": 1990}, 422, "after"),
        ({"start_year": 1500}, 422, "greater than or equal to 1816"),
        ({"limit": 1_000_000}, 422, "less than or equal to 10000"),
        ({"alliances": False, "with_ids": True}, 422, "need alliances=true"),
        ({"extend": "guess"}, 422, "extend"),
        ({"state1": "Narnia"}, 404, "unknown state"),
        ({"format": "xlsx"}, 422, "format"),
    ],
)
def test_dyad_years_bad_input(client, params, status, message):
    assert message in err(client.get("/api/dyad-years", params=params), status)


# ---- write endpoints and the token ---------------------------------------------------------------


def test_rebuild_is_disabled_without_a_token(client, monkeypatch):
    assert "FOEDUS_TOKEN" in err(client.post("/api/store/rebuild"), 503)


def test_rebuild_needs_the_token(kb, db_path, data_dir, tmp_path, monkeypatch):
    import foedus

    copy = tmp_path / "copy.duckdb"
    shutil.copy(db_path, copy)
    monkeypatch.setenv("FOEDUS_TOKEN", "s3cret-token")
    app = create_app(foedus.open(copy, build=False), data=data_dir)
    with TestClient(app) as c:
        assert c.get("/api").json()["write_enabled"] is True
        assert "valid token" in err(c.post("/api/store/rebuild"), 403)
        assert "valid token" in err(c.post("/api/store/rebuild", headers={"Authorization": "Bearer wrong"}), 403)
        assert err(c.post("/api/store/rebuild", headers={"Authorization": "Basic s3cret-token"}), 403)
        auth = {"Authorization": "Bearer s3cret-token"}
        same = c.post("/api/store/rebuild", headers=auth)
        assert same.status_code == 200 and same.json()["skipped"] is True
        before = c.get("/api").json()["built_at"]
        time.sleep(1.1)  # built_at has one-second resolution
        fresh = c.post("/api/store/rebuild", headers=auth, json={"force": True})
        assert fresh.status_code == 200, fresh.text
        assert fresh.json()["skipped"] is False and fresh.json()["counts"]["treaties"] > 700
        assert c.get("/api").json()["built_at"] != before  # the new store is served
        assert c.get("/api/obligations", params={"state": "PRK", "on": "2025-01-01"}).status_code == 200
        assert "Extra inputs" in err(c.post("/api/store/rebuild", headers=auth, json={"force": True, "x": 1}), 422)


# ---- the page ----------------------------------------------------------------------------------


def test_page_and_assets_ship_inside_the_package(client):
    page = client.get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assert '<script src="/static/app.js"' in page.text and 'href="/static/style.css"' in page.text
    for name in ("app.js", "style.css"):
        r = client.get(f"/static/{name}")
        assert r.status_code == 200 and len(r.text) > 1000
    # nothing is fetched from another host: no external scripts, styles, fonts or API calls
    assets = page.text + client.get("/static/app.js").text + client.get("/static/style.css").text
    assert not re.search(r"<(script|link)[^>]+(src|href)=\"(https?:)?//", assets)
    assert not re.search(r"url\((https?:)?//", assets) and "@import" not in assets
    external = set(re.findall(r"https?://[^\s\"'<>)]+", client.get("/static/app.js").text))
    assert external == {"http://www.w3.org/2000/svg"}  # the SVG namespace, not a fetch
    assert client.get("/static/missing.js").status_code == 404
    assert (api_mod.WEB_DIR / "index.html").is_file()


# ---- schema-driven fuzzing -----------------------------------------------------------------------


def test_fuzz_openapi_no_server_errors(kb, data_dir):
    """Generate requests from the OpenAPI schema (schemathesis + hypothesis) for every operation:
    no response may be a 5xx."""
    schemathesis = pytest.importorskip("schemathesis")
    from hypothesis import HealthCheck, given, settings

    app = create_app(kb, data=data_dir, token="fuzz-token")
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    failures, seen = [], {}

    def fuzz(op, n: int) -> None:
        @settings(max_examples=n, deadline=None, database=None, derandomize=True,
                  suppress_health_check=list(HealthCheck))  # fmt: skip
        @given(case=op.as_strategy())
        def run(case):
            response = case.call()
            seen.setdefault(op.label, {}).setdefault(response.status_code, 0)
            seen[op.label][response.status_code] += 1
            if response.status_code >= 500:
                failures.append((op.label, case.path_parameters, case.query, case.body, response.status_code, response.text[:200]))

        run()

    for result in schema.get_all_operations():
        op = result.ok()
        fuzz(op, 12 if op.path == "/api/dyad-years" else 60)  # each dyad-year case scans the table
    print(seen)
    assert len(seen) == 15
    assert not failures, failures


def test_property_obligations_and_scenarios_never_fail(client, kb):
    """Plausible input — real state names and codes, garbled ones, days across two centuries,
    malformed days — gets 200, 404 or 422, never a server error."""
    import datetime as dt

    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    names = sorted(set(kb.state_table["name"]))[:200]
    state = st.one_of(st.sampled_from(names), st.integers(0, 1000).map(str),
                      st.text(min_size=1, max_size=30), st.sampled_from(["Korea", "Germany", "Congo", "DPRK", "USSR"]))  # fmt: skip
    day = st.one_of(st.dates(dt.date(1810, 1, 1), dt.date(2035, 12, 31)).map(dt.date.isoformat),
                    st.text(max_size=12), st.sampled_from(["2025", "2025-02", "2024-02-29", "2023-02-29"]))  # fmt: skip

    @settings(max_examples=150, deadline=None, database=None, derandomize=True, suppress_health_check=list(HealthCheck))
    @given(a=state, b=state, on=day)
    def run(a, b, on):
        r = client.get("/api/obligations", params={"state": a, "on": on})
        assert r.status_code in (200, 404, 422), (a, on, r.text)
        r = client.post("/api/scenario", json={"target": a, "attacker": b, "on": on})
        assert r.status_code in (200, 404, 422), (a, b, on, r.text)
        assert r.status_code != 404  # names in a body are invalid input, not missing resources

    run()


def test_serve_command_builds_the_app_and_runs_uvicorn(db_path, data_dir, monkeypatch):
    """`foedus serve` (cli_web.serve, registered in cli.py) opens the store and hands the app to uvicorn."""
    import uvicorn
    from typer.testing import CliRunner

    from foedus import cli, cli_web

    calls = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: calls.append((app, kw)))
    app = typer.Typer()

    @app.callback()
    def main(ctx: typer.Context) -> None:
        ctx.obj = cli.Settings(data_dir, db_path, None)

    app.command("serve")(cli_web.serve)
    res = CliRunner().invoke(app, ["serve", "--port", "8123", "--token", "t"])
    assert res.exit_code == 0, res.output
    served, kw = calls[0]
    assert kw["host"] == "127.0.0.1" and kw["port"] == 8123
    with TestClient(served) as c:
        assert c.get("/api").json()["write_enabled"] is True
    res = CliRunner().invoke(app, ["serve", "--port", "70000"])
    assert res.exit_code != 0 and "--port must be between" in str(res.exception)


def test_news_proposal_endpoints(db_path, data_dir, tmp_path):
    import shutil

    import foedus
    from foedus.cli import app as cli_app
    from typer.testing import CliRunner

    seeds = data_dir.parent / "seeds"
    if not seeds.is_dir():
        pytest.skip(f"no seed articles in {seeds}")
    db = tmp_path / "store.duckdb"
    shutil.copyfile(db_path, db)
    kb2 = foedus.open(db, build=False)
    with TestClient(create_app(kb2, data=data_dir, token="s3cret")) as c:
        assert c.get("/api/news/proposals").json() == []
        res = CliRunner().invoke(cli_app, ["--db", str(db), "--data", str(data_dir), "news", "ingest", str(seeds)])
        assert res.exit_code == 0, res.output
        listed = c.get("/api/news/proposals", params={"status": "pending"}).json()
        assert len(listed) == 1 and listed[0]["articles"] == 2
        pid = listed[0]["id"]
        one = c.get(f"/api/news/proposals/{pid}").json()
        assert one["treaty_id"] == "curated:russia-dprk-2024" and one["diff"].startswith("--- before")
        err(c.get("/api/news/proposals/999"), 404)
        err(c.post(f"/api/news/proposals/{pid}/apply"), 403)
        err(c.post(f"/api/news/proposals/{pid}/apply", headers={"Authorization": "Bearer wrong"}), 403)
        done = c.post(f"/api/news/proposals/{pid}/apply", headers={"Authorization": "Bearer s3cret"}, json={"note": "checked"})
        assert done.status_code == 200, done.text
        assert done.json()["decision"] == "applied" and done.json()["file"].endswith("russia-dprk-2024.toml")
        assert "already applied" in err(c.post(f"/api/news/proposals/{pid}/reject", headers={"Authorization": "Bearer s3cret"}), 409)
        assert c.get(f"/api/news/proposals/{pid}").json()["status"] == "applied"
    with TestClient(create_app(kb2, data=data_dir, token="")) as c:
        err(c.post(f"/api/news/proposals/{pid}/reject"), 503)
