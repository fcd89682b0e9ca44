"""The dashboard over HTTP, against the real server: signing in by one-time link, rights
per role and org, CSRF, security headers, markup shown as text, CSV cells that a
spreadsheet never runs as formulas."""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import hashlib
import io
import re
import threading

import aiohttp
import pytest
from server_stack import RM, Stack, run

from bot.dashboard.access import Access, NoAccess
from bot.dashboard.figures import Figures
from bot.dashboard.sample import fill
from bot.replies import Incoming
from bot.storage.models import DashboardLink

RN = "region-nordjylland"


def people(knowledge, org_id=RM):
    directory = knowledge.org(org_id).directory
    admin = next(p for p in directory.people if p.admin)
    members = {m for f in directory.functions for m in f.members}
    adviser = next(p for p in directory.people if p.email in members and not p.admin)
    employee = next(p for p in directory.people if p.email not in members and not p.admin)
    return admin, adviser, employee


class Browser:
    """A cookie-keeping HTTP client (aiohttp keeps no cookies for an IP address unless
    told to)."""

    def __init__(self, stack: Stack):
        self.stack = stack
        self.http = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))

    async def get(self, path: str, **kwargs) -> tuple[int, str, dict]:
        async with self.http.get(self.stack.url + path, allow_redirects=True, **kwargs) as r:
            return r.status, await r.text(), dict(r.headers)

    async def post(self, path: str, data: dict) -> int:
        async with self.http.post(self.stack.url + path, data=data) as r:
            return r.status

    async def sign_in(self, org: str, email: str) -> int:
        link = self.access().link(org, email, self.stack.url)
        status, _, _ = await self.get(link.removeprefix(self.stack.url))
        return status

    def access(self) -> Access:
        engine = self.stack.server.engine
        return Access(engine.knowledge, engine.desk.sessions, engine.desk.clock)

    async def __aenter__(self):
        return self

    async def __aexit__(self, *exc):
        await self.http.close()


async def anonymous(stack: Stack, path: str) -> tuple[int, str, dict]:
    """A request from a browser that is not signed in."""
    async with Browser(stack) as browser:
        return await browser.get(path)


class Seeded(Stack):
    """The server on a database with some fictitious activity of every org."""

    async def __aenter__(self):
        await super().__aenter__()
        fill(self.knowledge, self.server.engine.desk.sessions, 400, 40, dt.datetime.now(dt.UTC))
        return self


def test_a_link_works_once_and_a_used_expired_or_forged_one_is_refused(knowledge, db_url):
    admin, _, _ = people(knowledge)

    async def scenario():
        async with Seeded(knowledge, db_url) as stack, Browser(stack) as browser:
            link = browser.access().link(RM, admin.email, stack.url)
            path = link.removeprefix(stack.url)
            async with browser.http.get(stack.url + path, allow_redirects=False) as response:
                assert response.status == 303
                cookie = response.headers["Set-Cookie"]
            assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Max-Age=28800" in cookie
            status, page, _ = await browser.get("/dashboard")
            assert status == 200 and "<h1>Overblik</h1>" in page
            assert (await anonymous(stack, path))[0] == 403  # used
            assert (await anonymous(stack, "/dashboard/signin/forged-token"))[0] == 403
            expired = "expired-token"
            with stack.server.engine.desk.sessions.begin() as session:
                session.add(
                    DashboardLink(
                        token_hash=hashlib.sha256(expired.encode()).hexdigest(),
                        org=RM,
                        email=admin.email,
                        expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1),
                    )
                )
            assert (await anonymous(stack, f"/dashboard/signin/{expired}"))[0] == 403
            assert (await anonymous(stack, "/dashboard/overview"))[0] == 401  # no session

    run(scenario())


def test_rights_by_role_and_never_another_orgs_data(knowledge, db_url):
    admin, adviser, employee = people(knowledge)

    async def scenario():
        async with (
            Seeded(knowledge, db_url) as stack,
            Browser(stack) as as_admin,
            Browser(stack) as as_adviser,
        ):
            with pytest.raises(NoAccess):
                as_admin.access().link(RM, employee.email, stack.url)
            await as_admin.sign_in(RM, admin.email)
            await as_adviser.sign_in(RM, adviser.email)
            for page in ("overview", "unanswered", "unhelpful", "knowledge", "tickets", "goals"):
                assert (await as_admin.get(f"/dashboard/{page}"))[0] == 200, page
            _, entries, _ = await as_admin.get("/dashboard/knowledge?lang=en")
            assert '<th scope="col">Title</th>' in entries and "<td>False</td>" not in entries
            assert (await as_adviser.get("/dashboard/unanswered"))[0] == 200
            assert (await as_adviser.get("/dashboard/tickets"))[0] == 200
            status, page, _ = await as_adviser.get("/dashboard/overview")
            assert status == 403 and "ikke adgang" in page
            # tickets of another org are never shown, nor found by their id
            _, tickets_page, _ = await as_admin.get("/dashboard/tickets")
            assert "RM-" in tickets_page and "RN-" not in tickets_page
            other = next(iter(re.findall(r"RN-\d{4}-\d{4}", await _all_tickets(stack))))
            assert (await as_admin.get(f"/dashboard/tickets/{other}"))[0] == 403
            # an adviser sees their functions' tickets only
            functions = {
                f.id for f in knowledge.org(RM).directory.functions if adviser.email in f.members
            }
            _, csv_text, _ = await as_adviser.get("/dashboard/tickets?format=csv")
            rows = list(csv.DictReader(io.StringIO(csv_text)))
            assert rows and {r["function"] for r in rows} <= functions

    run(scenario())


async def _all_tickets(stack) -> str:
    """Every ticket id in the database, from an admin of Region Nordjylland's view."""
    admin, _, _ = people(stack.knowledge, RN)
    async with Browser(stack) as browser:
        await browser.sign_in(RN, admin.email)
        _, page, _ = await browser.get("/dashboard/tickets")
    return page


def test_headers_csrf_markup_and_formulas(knowledge, db_url):
    admin, _, _ = people(knowledge)

    async def scenario():
        async with Seeded(knowledge, db_url) as stack, Browser(stack) as browser:
            await browser.sign_in(RM, admin.email)
            status, page, headers = await browser.get("/dashboard/unanswered")
            assert status == 200
            csp = headers["Content-Security-Policy"]
            assert "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
            assert headers["X-Frame-Options"] == "DENY"
            assert headers["Referrer-Policy"] == "no-referrer"
            assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>" not in page
            assert "<img src=x" not in page
            _, csv_text, _ = await browser.get("/dashboard/unanswered?format=csv")
            cells = [cell for row in csv.reader(io.StringIO(csv_text)) for cell in row]
            assert any(cell.startswith("'=HYPERLINK") for cell in cells)
            assert not any(cell.startswith(("=", "+", "@")) for cell in cells)
            assert await browser.post("/dashboard/signout", {}) == 403  # no CSRF token
            assert await browser.post("/dashboard/overview", {"x": "1"}) == 403
            token = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
            assert await browser.post("/dashboard/signout", {"csrf": token}) == 200
            assert (await browser.get("/dashboard/overview"))[0] == 401  # signed out
            assert (await browser.get("/dashboard/overview?since=yesterday"))[0] in (400, 401)

    run(scenario())


def test_dashboard_in_chat_gives_an_admin_a_link_and_an_employee_a_reason(engine, knowledge):
    admin, _, employee = people(knowledge)
    [reply] = engine.handle(Incoming(text="dashboard", org=RM, user=admin.email))
    assert re.search(r"http://127\.0\.0\.1:3978/dashboard/signin/\S+", reply.text)
    [refused] = engine.handle(Incoming(text="dashboard", org=RM, user=employee.email))
    assert refused.text == knowledge.message("dashboard_no_access", refused.language)


def test_a_slow_page_holds_up_no_slack_acknowledgement(knowledge, db_url, monkeypatch):
    """The figures run in the dashboard's threads: while one page is still being
    computed, a Slack message is acknowledged (and the page then finishes)."""
    admin, _, _ = people(knowledge)
    computing, release = threading.Event(), threading.Event()
    slow = Figures.unanswered

    def held(self, viewer, period):
        computing.set()
        release.wait(30)
        return slow(self, viewer, period)

    monkeypatch.setattr(Figures, "unanswered", held)

    async def scenario():
        async with Seeded(knowledge, db_url) as stack, Browser(stack) as browser:
            await browser.sign_in(RM, admin.email)
            page = asyncio.create_task(browser.get("/dashboard/unanswered"))
            while not computing.is_set():
                await asyncio.sleep(0.01)
            ack = await asyncio.wait_for(stack.dm("U0", "hej", "Ev-while-busy"), 20)
            assert ack.status == 200 and not page.done()
            release.set()
            status, _, _ = await page
            assert status == 200

    try:
        run(scenario())
    finally:
        release.set()
