"""The web page in headless Chromium (Debian's chromium + chromium-driver, driven by Selenium):
load the page, run the North Korea 2025 scenario and check what is drawn; open the
Russia–North Korea timeline; save screenshots under $FOEDUS_ARTIFACTS (default artifacts/)."""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")

if not CHROMIUM.exists():
    pytest.skip("headless browser tests need /usr/bin/chromium (apt-get install chromium chromium-driver)",
                allow_module_level=True)  # fmt: skip
if not CHROMEDRIVER.exists():
    pytest.skip("headless browser tests need /usr/bin/chromedriver (apt-get install chromium-driver)", allow_module_level=True)
pytest.importorskip("selenium")
uvicorn = pytest.importorskip("uvicorn")

from selenium import webdriver  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

from foedus.api import create_app  # noqa: E402

REPO = Path(__file__).resolve().parents[1]


def artifacts() -> Path:
    path = Path(os.environ.get("FOEDUS_ARTIFACTS") or REPO / "artifacts")
    path.mkdir(parents=True, exist_ok=True)
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(kb, data_dir):
    port = free_port()
    config = uvicorn.Config(create_app(kb, data=data_dir, token=""), host="127.0.0.1", port=port, log_level="warning")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not srv.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("the test server did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(10)


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    opts = webdriver.ChromeOptions()
    opts.binary_location = str(CHROMIUM)
    profile = tmp_path_factory.mktemp("chromium-profile")
    for arg in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-dev-shm-usage", f"--user-data-dir={profile}",
                "--window-size=1440,1300"):  # fmt: skip
        opts.add_argument(arg)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=opts)
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)


def wait(driver, css: str, timeout: float = 20):
    return WebDriverWait(driver, timeout).until(lambda d: d.find_elements(By.CSS_SELECTOR, css))


def severe_logs(driver) -> list[str]:
    return [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]


def test_north_korea_2025_scenario(server, browser):
    severe_logs(browser)
    browser.get(server + "/")
    wait(browser, "#scenario-form")
    wait(browser, "#state-names option")  # the state list has loaded
    # pick the day: the date field and the slider move together
    browser.execute_script(
        "const d = document.getElementById('day'); d.value = '2025-01-01'; d.dispatchEvent(new Event('change'));"
    )
    slider = browser.find_element(By.ID, "day-slider")
    assert int(slider.get_attribute("value")) == (2025 - 1816) * 365 + sum(
        1 for y in range(1816, 2025) if y % 4 == 0 and (y % 100 != 0 or y % 400 == 0)
    )
    for field, value in (("target", "North Korea"), ("attacker", "South Korea")):
        el = browser.find_element(By.ID, field)
        el.clear()
        el.send_keys(value)
    browser.find_element(By.ID, "run").click()
    wait(browser, '#network[data-ready="scenario"]')

    nodes = {int(n.get_attribute("data-ccode")): n for n in browser.find_elements(By.CSS_SELECTOR, "#network g.node")}
    assert {731, 732, 365, 710} <= set(nodes)
    assert nodes[731].get_attribute("data-side") == "defender" and nodes[732].get_attribute("data-side") == "attacker"
    assert "North Korea" in nodes[731].text and "Russia" in nodes[365].text

    def edge(frm, to, obligation):
        return browser.find_elements(
            By.CSS_SELECTOR, f'#network path.edge[data-from="{frm}"][data-to="{to}"][data-obligation="{obligation}"]'
        )

    for obligor in (365, 710):
        drawn = edge(obligor, 731, "defense")
        assert len(drawn) == 1
        assert drawn[0].get_attribute("data-round") == "1" and drawn[0].get_attribute("data-status") == "bound"
        assert drawn[0].is_displayed()
    attack = edge(732, 731, "attack")
    assert attack and attack[0].get_attribute("data-round") == "0"
    assert "3 state(s) bound to join" in browser.find_element(By.ID, "status").text
    # the cascade in words, each fact with its source
    rounds = browser.find_element(By.CSS_SELECTOR, '#details ul.round[data-round="1"]').text
    assert "Russia joins North Korea's side" in rounds and "China joins" in rounds
    links = browser.find_elements(By.CSS_SELECTOR, "#details a.source")
    assert links and all(a.get_attribute("href").startswith("http") for a in links)
    assert browser.find_elements(By.CSS_SELECTOR, "#obligation-table tbody tr")
    # the URL names the scenario, so it can be shared
    assert "target=North+Korea" in browser.current_url and "on=2025-01-01" in browser.current_url
    # hide "not triggered" pledges from the legend
    unmet = browser.find_elements(By.CSS_SELECTOR, '#network path.edge[data-status="unmet"]')
    assert unmet
    browser.find_element(By.CSS_SELECTOR, '#legend input[data-type="unmet"]').click()
    assert not any(e.is_displayed() for e in unmet)
    browser.find_element(By.CSS_SELECTOR, '#legend input[data-type="unmet"]').click()

    shot = artifacts() / "scenario-north-korea-2025.png"
    browser.save_screenshot(str(shot))
    assert shot.stat().st_size > 20_000 and shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not severe_logs(browser)


def test_ambiguous_name_offers_candidates(server, browser):
    browser.get(server + "/#/scenario?on=2000-01-01&target=Korea&attacker=Japan")
    wait(browser, '#network[data-ready="error"]')
    assert "ambiguous state 'Korea'" in browser.find_element(By.ID, "status").text
    choices = browser.find_elements(By.CSS_SELECTOR, "#candidates button")
    assert any("North Korea (731" in c.text for c in choices)


def test_treaty_page(server, browser):
    browser.get(server + "/#/treaty/russia-dprk-2024")
    wait(browser, '#treaty[data-treaty="curated:russia-dprk-2024"] h2')
    art = browser.find_element(By.ID, "treaty")
    assert "Russia–DPRK Comprehensive Strategic Partnership Treaty" in art.find_element(By.TAG_NAME, "h2").text
    preds = {a.get_attribute("data-treaty") for a in art.find_elements(By.CSS_SELECTOR, "#predecessors a.treaty-link")}
    assert preds == {"atop:4940", "atop:3440"}
    sources = art.find_elements(By.CSS_SELECTOR, "#treaty-sources a.source")
    assert len(sources) >= 2 and all(a.get_attribute("href").startswith("https://") for a in sources)
    assert {g.get_attribute("data-ccode") for g in art.find_elements(By.CSS_SELECTOR, "svg.gantt g.member")} == {"365", "731"}
    dated = [r.text for r in art.find_elements(By.CSS_SELECTOR, "#treaty-events tbody tr")]
    assert any(r.startswith("2024-11-11 ratified North Korea (731)") for r in dated) and len(dated) == 4
    browser.save_screenshot(str(artifacts() / "treaty-russia-dprk-2024.png"))
    browser.get(server + "/#/treaty/4940")  # an ATOP alliance the 2024 treaty replaced: why it ended
    wait(browser, '#treaty[data-treaty="atop:4940"] h2')
    facts = browser.find_element(By.CSS_SELECTOR, "#treaty dl.facts").text
    assert "ended (as of 2024-12-04)" in facts and "status evidence" in facts
    browser.get(server + "/#/treaty/csto")
    wait(browser, '#treaty[data-treaty="atop:4220"] h2')
    assert "Договор о коллективной безопасности" in browser.find_element(By.CSS_SELECTOR, "#treaty .other-names").text
    browser.save_screenshot(str(artifacts() / "treaty-csto.png"))


def test_russia_north_korea_timeline(server, browser):
    severe_logs(browser)  # reading the log empties it: forget the earlier tests' expected 4xx
    browser.get(server + "/#/dyad?a=Russia&b=North%20Korea")
    wait(browser, "#timeline li.timeline-entry")
    entries = {e.get_attribute("data-year"): e for e in browser.find_elements(By.CSS_SELECTOR, "#timeline li.timeline-entry")}
    assert {"1961", "2000", "2024"} <= set(entries)
    assert entries["1961"].get_attribute("data-treaty") == "atop:3440"
    assert "defense, non-aggression" in entries["1961"].text and "1996-09-10" in entries["1961"].text
    assert entries["2000"].get_attribute("data-treaty") == "atop:4940" and "consultation" in entries["2000"].text
    assert entries["2024"].get_attribute("data-treaty") == "curated:russia-dprk-2024"
    assert "in force" in entries["2024"].text and "replaces atop:4940" in entries["2024"].text
    for e in entries.values():
        assert e.find_elements(By.CSS_SELECTOR, "a.source"), e.text
    # from the timeline to the treaty page
    entries["2024"].find_element(By.CSS_SELECTOR, "a.treaty-link").click()
    wait(browser, '#treaty[data-treaty="curated:russia-dprk-2024"] h2')
    browser.back()
    wait(browser, "#timeline li.timeline-entry")
    shot = artifacts() / "dyad-russia-north-korea.png"
    browser.save_screenshot(str(shot))
    assert shot.stat().st_size > 20_000
    assert not severe_logs(browser)
