"""The claim page and the customer portal in a real browser.

Headless Chromium from Debian's packages (`chromium`, `chromium-driver`; `./scripts/test`
installs them), driven by Selenium through /usr/bin/chromedriver, so Selenium Manager downloads
nothing. JavaScript is turned off in the browser: every step works with plain HTML forms.

A person goes from the invitation email to a claimed seat and lands in the portal as a member
of the team; the billing customer, signed in by the merchant, assigns a second person and
revokes them. Screenshots of each step are kept in the test's tmp dir;
with TESSERA_UPDATE_SCREENSHOT=1 the portal one is also copied to docs/portal.png for the README.
"""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from support import Org, Server, unique_email

REPO_ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")

INVALID_LINK = "This invitation link is no longer valid"
ASK_FOR_NEW = "Ask the person who invited you for a new invitation."


@pytest.fixture
def driver(tmp_path: Path):
    missing = [str(p) for p in (CHROMIUM, CHROMEDRIVER) if not (p.is_file() and os.access(p, os.X_OK))]
    if missing:
        pytest.fail(
            f"headless Chromium is needed for the browser tests, but {', '.join(missing)} is not installed: "
            "run `./scripts/test` as root (it installs Debian's chromium and chromium-driver) or "
            "`apt-get install -y chromium chromium-driver`",
            pytrace=False,
        )
    # Nothing may be fetched: Selenium Manager stays offline and the driver path is given.
    os.environ.setdefault("SE_OFFLINE", "true")
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    options = Options()
    options.binary_location = str(CHROMIUM)
    options.add_argument("--headless=new")
    if os.geteuid() == 0:
        options.add_argument("--no-sandbox")  # Chromium's sandbox refuses to run as root
    options.add_argument("--disable-dev-shm-usage")
    options.add_argument("--disable-gpu")
    options.add_argument("--no-first-run")
    options.add_argument("--hide-scrollbars")
    options.add_argument("--window-size=1100,1000")
    options.add_argument(f"--user-data-dir={tmp_path / 'chromium-profile'}")
    # No JavaScript at all: the pages must work with plain HTML forms.
    options.add_experimental_option("prefs", {"profile.managed_default_content_settings.javascript": 2})
    service = Service(executable_path=str(CHROMEDRIVER), log_output=str(tmp_path / "chromedriver.log"))
    browser = webdriver.Chrome(service=service, options=options)
    browser.set_page_load_timeout(30)
    try:
        yield browser
    finally:
        browser.quit()


class Shots:
    """Numbered screenshots in the test's tmp dir."""

    def __init__(self, driver, directory: Path):
        self.driver = driver
        self.directory = directory
        self.count = 0

    def take(self, name: str) -> Path:
        self.count += 1
        path = self.directory / f"{self.count:02d}-{name}.png"
        assert self.driver.save_screenshot(str(path)), f"screenshot {path} failed"
        assert path.stat().st_size > 1000, f"screenshot {path} is empty"
        return path


def press(driver, element) -> None:
    """Clicks a button or link that loads another page, and waits until that page is in.

    A click returns once the browser has the event, not once the form's answer (often a 303
    and another GET) has replaced the page, so this waits for the old document to go stale
    and the new one's footer, its last element, to be there."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as EC
    from selenium.webdriver.support.ui import WebDriverWait

    from selenium.common.exceptions import WebDriverException

    old = driver.find_element(By.TAG_NAME, "html")
    element.click()

    def old_page_gone(_driver) -> bool:
        # Mid-navigation, Chromium may answer "node does not belong to the document"
        # instead of a stale-element error (seen in CI); both mean the old page is gone.
        try:
            old.is_enabled()
            return False
        except WebDriverException:
            return True

    WebDriverWait(driver, 15).until(old_page_gone)
    WebDriverWait(driver, 15).until(EC.presence_of_element_located((By.CSS_SELECTOR, "footer.site")))


def _text(driver) -> str:
    from selenium.webdriver.common.by import By

    return driver.find_element(By.TAG_NAME, "body").text


def _assign(org: Org, subscription_id: str, email: str) -> dict:
    with org.server.http(org.token) as c:
        res = c.post("/v1/customer-seats", json={"subscription_id": subscription_id, "email": email})
        assert res.status_code == 200, res.text
        return res.json()


def _revoke(org: Org, seat_id: str) -> None:
    with org.server.http(org.token) as c:
        res = c.delete(f"/v1/customer-seats/{seat_id}")
        assert res.status_code == 200, res.text


def _status(org: Org, subscription_id: str, seat_id: str) -> str:
    with org.server.http(org.token) as c:
        seats = c.get("/v1/customer-seats", params={"subscription_id": subscription_id}).json()["seats"]
    return next(s["status"] for s in seats if s["id"] == seat_id)


def _assert_form_token_is_no_cookie(driver) -> None:
    """Every form's hidden `csrf` field holds a server-signed token (43 characters), equal to no cookie."""
    from selenium.webdriver.common.by import By

    tokens = {field.get_attribute("value") for field in driver.find_elements(By.CSS_SELECTOR, "input[name=csrf]")}
    assert len(tokens) == 1, tokens
    token = tokens.pop()
    assert len(token) == 43, token
    assert token not in {cookie["value"] for cookie in driver.get_cookies()}


def test_from_invitation_email_to_managing_the_team_in_the_browser(server: Server, org: Org, driver, tmp_path: Path):
    from selenium.webdriver.common.by import By

    shots = Shots(driver, tmp_path)
    # A legacy-mode organization; the billing customer gives a seat to their own email. Claiming
    # signs the claimer in as a member of the team (as on Polar), who sees the seats but may not
    # change them; the merchant's customer session is the one that manages the pool.
    with server.http(server.admin_token) as c:
        renamed = c.patch(f"/v1/organizations/{org.id}", json={"name": "Acme Analytics"})
        assert renamed.status_code == 200, renamed.text
    org.name = "Acme Analytics"
    suffix = uuid.uuid4().hex[:4]
    billing_email = f"dana.{suffix}@bigco.example"
    customer = org.create_customer(billing_email)
    product = org.create_product(name="Team plan")
    subscription = org.create_subscription(seats=3, product=product, customer=customer)
    own_seat = _assign(org, subscription["id"], billing_email)
    invitation = server.mailbox.wait_for_invitation(billing_email)

    # 1. The link from the .eml: the invitation page. Opening it changes nothing.
    driver.get(invitation.link)
    heading = driver.find_element(By.TAG_NAME, "h1").text
    assert heading == "You're invited to Team plan", heading
    page = _text(driver)
    assert org.name in page and "Team plan" in page and billing_email in page, page
    assert driver.find_element(By.CSS_SELECTOR, "html").get_attribute("lang") == "en"
    shots.take("claim-page")
    assert _status(org, subscription["id"], own_seat["id"]) == "pending"
    # The form's anti-forgery token is signed by the server, not a copy of a cookie.
    _assert_form_token_is_no_cookie(driver)

    # 2. "Claim seat": the confirmation names the product and the organization.
    press(driver, driver.find_element(By.XPATH, "//button[normalize-space()='Claim seat']"))
    assert driver.find_element(By.TAG_NAME, "h1").text == "Seat claimed"
    page = _text(driver)
    assert f"You now have a seat for Team plan from {org.name}" in page, page
    assert _status(org, subscription["id"], own_seat["id"]) == "claimed"
    shots.take("claimed")

    # 3. Into the portal: signed in by the new session, and the token has left the URL.
    link = driver.find_element(By.LINK_TEXT, "Open the seat portal")
    assert "customer_session_token=" in link.get_attribute("href")
    press(driver, link)
    url = urlsplit(driver.current_url)
    assert url.path == f"/{org.slug}/portal", driver.current_url
    assert "customer_session_token" not in driver.current_url
    assert "token" not in url.query
    assert driver.find_element(By.TAG_NAME, "h1").text == f"Seats at {org.name}"
    pool = driver.find_element(By.ID, f"pool-{subscription['id']}")
    assert "1 of 3 seats used, 2 free" in pool.text, pool.text
    own_row = driver.find_element(By.ID, f"seat-{own_seat['id']}")
    assert billing_email in own_row.text and "Claimed" in own_row.text, own_row.text
    assert "(Member)" in _text(driver)
    assert driver.find_elements(By.XPATH, "//button[normalize-space()='Assign seat']") == []
    _assert_form_token_is_no_cookie(driver)
    shots.take("portal-as-member")

    # 3b. The merchant signs the billing customer in: the same portal, with the forms.
    with server.http(server.admin_token) as c:
        res = c.post("/v1/organization-access-tokens/", json={
            "organization_id": org.id, "comment": "sessions", "scopes": ["customer_sessions:write"]})
        assert res.status_code == 201, res.text
        sessions_token = res.json()["token"]
    with server.http(sessions_token) as c:
        res = c.post("/v1/customer-sessions", json={"customer_id": customer["id"]})
        assert res.status_code == 201, res.text
        portal_url = res.json()["customer_portal_url"]
    driver.get(portal_url)
    assert "customer_session_token" not in driver.current_url
    assert f"Signed in as {billing_email}" in _text(driver)
    _assert_form_token_is_no_cookie(driver)
    shots.take("portal")

    # 4. Assign a second person by email: they are pending.
    second_email = f"sam.{suffix}@bigco.example"
    field = driver.find_element(By.ID, f"email-{subscription['id']}")
    label = driver.find_element(By.CSS_SELECTOR, f"label[for='email-{subscription['id']}']")
    assert label.text == "Invite someone by email"
    field.send_keys(second_email)
    pool = driver.find_element(By.ID, f"pool-{subscription['id']}")
    press(driver, pool.find_element(By.XPATH, ".//button[normalize-space()='Assign seat']"))
    assert urlsplit(driver.current_url).path == f"/{org.slug}/portal"
    notice = driver.find_element(By.CSS_SELECTOR, "[role=status]").text
    assert notice == "Seat assigned. An invitation email is on its way.", notice
    second_row = driver.find_element(
        By.XPATH, f"//tr[contains(@class, 'seat')][.//*[normalize-space()='{second_email}']]")
    assert "Pending" in second_row.text, second_row.text
    second_seat_id = second_row.get_attribute("id").removeprefix("seat-")
    assert "2 of 3 seats used, 1 free" in driver.find_element(By.ID, f"pool-{subscription['id']}").text
    assert _status(org, subscription["id"], second_seat_id) == "pending"
    assert server.mailbox.wait_for_invitation(second_email).link
    portal_shot = shots.take("assigned")
    # TESSERA_UPDATE_SCREENSHOT=1 refreshes the README's screenshot; otherwise the tree stays clean.
    if server.backend == "sqlite" and os.environ.get("TESSERA_UPDATE_SCREENSHOT") == "1":
        docs = REPO_ROOT / "docs"
        docs.mkdir(exist_ok=True)
        shutil.copyfile(portal_shot, docs / "portal.png")

    # 5. Revoke them: the row says revoked and the seat is free again.
    press(driver, second_row.find_element(By.XPATH, ".//button[normalize-space()='Revoke']"))
    notice = driver.find_element(By.CSS_SELECTOR, "[role=status]").text
    assert notice == "Seat revoked. It is free for someone else.", notice
    revoked_row = driver.find_element(By.ID, f"seat-{second_seat_id}")
    assert "Revoked" in revoked_row.text, revoked_row.text
    assert "status-revoked" in revoked_row.get_attribute("class")
    assert revoked_row.find_elements(By.XPATH, ".//button") == []
    assert "1 of 3 seats used, 2 free" in driver.find_element(By.ID, f"pool-{subscription['id']}").text
    assert _status(org, subscription["id"], second_seat_id) == "revoked"
    shots.take("revoked")

    # 6. On a phone-sized window the portal still reads (the table becomes one card per seat).
    driver.set_window_size(390, 844)
    driver.refresh()
    assert driver.find_element(By.TAG_NAME, "h1").text == f"Seats at {org.name}"
    shots.take("portal-phone")
    assert len(list(tmp_path.glob("*.png"))) == shots.count


def test_a_stale_and_a_reused_link_show_the_invalid_link_page(server: Server, org: Org, driver, tmp_path: Path):
    from selenium.webdriver.common.by import By

    shots = Shots(driver, tmp_path)
    subscription = org.create_subscription(seats=3)

    # Stale: the seat was revoked after the invitation went out.
    stale_email = unique_email("stale")
    stale_seat = _assign(org, subscription["id"], stale_email)
    stale = server.mailbox.wait_for_invitation(stale_email)
    _revoke(org, stale_seat["id"])
    driver.get(stale.link)
    assert driver.find_element(By.TAG_NAME, "h1").text == INVALID_LINK
    assert ASK_FOR_NEW in _text(driver)
    assert driver.find_elements(By.XPATH, "//button[normalize-space()='Claim seat']") == []
    assert httpx.get(stale.link, timeout=15).status_code == 404
    shots.take("stale-link")

    # Reused: claimed once in the browser, then opened again.
    reused_email = unique_email("reused")
    reused_seat = _assign(org, subscription["id"], reused_email)
    reused = server.mailbox.wait_for_invitation(reused_email)
    driver.get(reused.link)
    press(driver, driver.find_element(By.XPATH, "//button[normalize-space()='Claim seat']"))
    assert driver.find_element(By.TAG_NAME, "h1").text == "Seat claimed"
    driver.get(reused.link)
    assert driver.find_element(By.TAG_NAME, "h1").text == INVALID_LINK
    assert ASK_FOR_NEW in _text(driver)
    assert httpx.get(reused.link, timeout=15).status_code == 404
    assert _status(org, subscription["id"], reused_seat["id"]) == "claimed"
    shots.take("reused-link")

    # Claimed twice: the page was open, the seat got claimed elsewhere, then the button is pressed.
    twice_email = unique_email("twice")
    _assign(org, subscription["id"], twice_email)
    twice = server.mailbox.wait_for_invitation(twice_email)
    driver.get(twice.link)
    with server.http(None) as c:
        res = c.post("/v1/customer-seats/claim", json={"invitation_token": twice.token})
        assert res.status_code == 200, res.text
    press(driver, driver.find_element(By.XPATH, "//button[normalize-space()='Claim seat']"))
    assert driver.find_element(By.TAG_NAME, "h1").text == INVALID_LINK
    shots.take("claimed-twice")


# --------------------------------------------------------------------------
# The merchant's dashboard
# --------------------------------------------------------------------------

def _wait_for_deliveries(org: Org, delivered: int, failed: int) -> None:
    """Until the server's webhook worker has recorded that many successful and failed attempts."""
    import time

    deadline = time.monotonic() + 30
    with org.server.http(org.token) as c:
        while True:
            items = c.get("/v1/webhooks/deliveries", params={"limit": 100}).json()["items"]
            ok = sum(1 for item in items if item["succeeded"])
            if ok >= delivered and len(items) - ok >= failed:
                return
            assert time.monotonic() < deadline, f"{ok} delivered and {len(items) - ok} failed after 30 s"
            time.sleep(0.2)


def _update_docs_screenshot(server: Server, shot: Path, name: str) -> None:
    """TESSERA_UPDATE_SCREENSHOT=1 refreshes a README screenshot; otherwise the tree stays clean."""
    if server.backend == "sqlite" and os.environ.get("TESSERA_UPDATE_SCREENSHOT") == "1":
        shutil.copyfile(shot, REPO_ROOT / "docs" / name)


def test_the_merchant_signs_in_revokes_a_seat_checks_deliveries_and_signs_out(
        server: Server, org: Org, driver, tmp_path: Path):
    from webhook_receiver import Receiver
    from selenium.webdriver.common.by import By

    shots = Shots(driver, tmp_path)
    with server.http(server.admin_token) as c:
        renamed = c.patch(f"/v1/organizations/{org.id}", json={"name": "Acme Analytics"})
        assert renamed.status_code == 200, renamed.text
    suffix = uuid.uuid4().hex[:4]
    customer = org.create_customer(f"dana.{suffix}@bigco.example", name="BigCo")
    subscription = org.create_subscription(seats=10, product=org.create_product(name="Team plan"),
                                           customer=customer)
    with Receiver() as rx:
        with server.http(org.token) as c:
            for url, name in [(rx.url, "crm"), ("http://127.0.0.1:1/hook", "old staging")]:
                res = c.post("/v1/webhooks/endpoints", json={
                    "url": url, "format": "raw", "name": name, "events": ["customer_seat.assigned"]})
                assert res.status_code == 201, res.text
        seats = {}
        for person in ["ana", "ben", "cleo", "dev", "eli", "fay"]:
            email = f"{person}.{suffix}@bigco.example"
            seats[email] = _assign(org, subscription["id"], email)
        for email in list(seats)[:3]:
            token = server.mailbox.wait_for_invitation(email).token
            with server.http(None) as c:
                assert c.post("/v1/customer-seats/claim", json={"invitation_token": token}).status_code == 200
        # Each assign goes to both endpoints: the receiver takes all six, the dead port fails.
        _wait_for_deliveries(org, delivered=6, failed=1)

    # 1. Sign in: the token goes into a password field once and becomes a session cookie.
    driver.set_window_size(1100, 1300)
    driver.get(f"{server.base_url}/dashboard")
    assert driver.find_element(By.TAG_NAME, "h1").text == "Sign in to the dashboard"
    driver.find_element(By.ID, "token").send_keys(org.token)
    press(driver, driver.find_element(By.XPATH, "//button[normalize-space()='Sign in']"))
    assert urlsplit(driver.current_url).path == "/dashboard"
    assert org.token not in driver.current_url and org.token not in driver.page_source
    cookie = driver.get_cookie("tessera_dashboard")
    assert cookie and cookie["httpOnly"] and cookie["path"] == "/dashboard", cookie
    assert cookie["value"] != org.token
    assert 'signed in as token “conformance”' in _text(driver)

    # 2. The overview: figures, pictures and their words.
    assert driver.find_element(By.TAG_NAME, "h1").text == "Overview"
    page = _text(driver)
    assert "6 of 10 seats used (60%)" in page, page
    assert "3 of them expire within a day" in page, page
    assert "6 delivered," in page, page  # the failing endpoint's retries change only the failures
    assert driver.find_elements(By.CSS_SELECTOR, "svg[role=img] title")
    _assert_form_token_is_no_cookie(driver)
    _update_docs_screenshot(server, shots.take("dashboard-overview"), "dashboard-overview.png")

    # 3. Customers → the customer → the pool.
    press(driver, driver.find_element(By.LINK_TEXT, "Customers"))
    press(driver, driver.find_element(By.LINK_TEXT, customer["email"]))
    assert driver.find_element(By.TAG_NAME, "h1").text == customer["email"]
    assert "6 of 10 seats used (60%)" in _text(driver)
    press(driver, driver.find_element(By.LINK_TEXT, "Team plan"))
    assert urlsplit(driver.current_url).path == f"/dashboard/subscriptions/{subscription['id']}"
    assert "6 of 10 seats used, 4 free" in _text(driver)
    _update_docs_screenshot(server, shots.take("dashboard-pool"), "dashboard-pool.png")

    # 4. Revoke a pending seat from its row.
    pending_email = list(seats)[4]
    row = driver.find_element(By.ID, f"seat-{seats[pending_email]['id']}")
    press(driver, row.find_element(By.XPATH, ".//button[normalize-space()='Revoke']"))
    assert driver.find_element(By.CSS_SELECTOR, "[role=status]").text == "Seat revoked. It is free for someone else."
    assert "5 of 10 seats used, 5 free" in _text(driver)
    assert _status(org, subscription["id"], seats[pending_email]["id"]) == "revoked"
    shots.take("dashboard-revoked")

    # 5. Deliveries: the failing endpoint first.
    press(driver, driver.find_element(By.LINK_TEXT, "Deliveries"))
    headings = [h.text for h in driver.find_elements(By.CSS_SELECTOR, "section.endpoint h3")]
    assert headings[0].startswith("old staging"), headings
    assert headings[1].startswith("crm"), headings
    _update_docs_screenshot(server, shots.take("dashboard-deliveries"), "dashboard-deliveries.png")

    # 6. Sign out: the cookie goes, and the pages ask to sign in again.
    press(driver, driver.find_element(By.XPATH, "//button[normalize-space()='Sign out']"))
    assert driver.find_element(By.TAG_NAME, "h1").text == "You are signed out of the dashboard"
    assert driver.get_cookie("tessera_dashboard") is None
    driver.get(f"{server.base_url}/dashboard/customers")
    assert driver.find_element(By.TAG_NAME, "h1").text == "Please sign in to the dashboard"
    shots.take("dashboard-signed-out")
