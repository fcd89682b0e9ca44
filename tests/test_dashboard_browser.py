"""The dashboard in a real browser: Debian's Chromium driven by Playwright, against
`kombot serve` on a database with 5,000 questions over 90 days in four languages, 300
tickets in every state and every org's goal register. It signs in by link, opens every
page, checks the figures against the CLI reports on the same database, downloads every
CSV, runs axe-core (no serious or critical violation), and saves a screenshot of each
page under tests/artifacts/."""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import io
import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from server_process import KOMBOT, ROOT, ServerProcess

from bot.dashboard.sample import fill
from bot.knowledge.loader import load_knowledge
from bot.storage.db import make_engine, migrate, sessions

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
ARTIFACTS = Path(__file__).parent / "artifacts"
RM = "region-midtjylland"
PAGES = ("overview", "unanswered", "unhelpful", "knowledge", "tickets", "goals")
WORDS = yaml.safe_load((ROOT / "bot" / "dashboard" / "words.yaml").read_text(encoding="utf-8"))


def _browser_or_skip():
    if not Path(CHROMIUM).exists():
        if os.environ.get("KOMBOT_REQUIRE_BROWSER"):
            pytest.fail(f"no Chromium at {CHROMIUM} (CI installs Debian's chromium)")
        pytest.skip("no Chromium: apt-get install -y chromium (CI does)")


def kombot(db_url: str, *args: str) -> str:
    result = subprocess.run(
        [*KOMBOT, *args],
        cwd=ROOT,
        env={**os.environ, "KOMBOT_DATABASE_URL": db_url},
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout


def cli_rows(db_url: str, report: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(kombot(db_url, "report", report, "--csv"))))


def table(page, caption: str) -> list[list[str]]:
    rows = page.locator(f"table:has(caption:text-is('{caption}')) tbody tr")
    return [row.locator("td").all_inner_texts() for row in rows.all()]


def test_every_page_in_a_browser(knowledge, db_url, tmp_path, request):
    _browser_or_skip()
    from playwright.sync_api import sync_playwright

    database = make_engine(db_url)
    migrate(database)
    fill(
        load_knowledge(ROOT / "knowledge", ROOT / "intents"),
        sessions(database),
        5000,
        300,
        dt.datetime.now(dt.UTC),
    )
    database.dispose()
    admin = next(p for p in knowledge.org(RM).directory.people if p.admin)
    server = ServerProcess(db_url, "http://127.0.0.1:9/", tmp_path / "serve.log")
    kind = request.node.callspec.params["db_url"]
    ARTIFACTS.mkdir(exist_ok=True)
    try:
        asyncio.run(server.started())
        link = kombot(db_url, "dashboard", "link", "--as", admin.email, "--base-url", server.url)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
            context = browser.new_context(  # bypass_csp: axe is injected as a script
                accept_downloads=True,
                bypass_csp=True,
                locale="da-DK",
                timezone_id="Europe/Copenhagen",
            )
            page = context.new_page()
            page.goto(link.strip())
            assert page.url.endswith("/dashboard/overview")
            for name in PAGES:
                page.goto(f"{server.url}/dashboard/{name}")
                heading = page.locator("h1").inner_text()
                assert heading, name
                page.screenshot(path=str(ARTIFACTS / f"{kind}-{name}.png"), full_page=True)
                page.add_script_tag(path=str(AXE))
                violations = page.evaluate(
                    "async () => (await axe.run()).violations"
                    ".filter(v => ['serious', 'critical'].includes(v.impact))"
                    ".map(v => v.id + ': ' + v.nodes.map(n => n.target).join(' '))"
                )
                assert violations == [], f"{name}: {violations}"
                with page.expect_download() as download:
                    page.locator("a.csv").click()
                downloaded = Path(download.value.path()).read_text(encoding="utf-8")
                rows = list(csv.DictReader(io.StringIO(downloaded)))
                shown = page.locator("main table tbody tr").count()
                if name == "overview":  # the CSV is the questions per day
                    total = int(page.locator(".total strong").inner_text())
                    assert sum(int(r["questions"]) for r in rows) == total
                    outcomes = {o: int(n) for o, n, _ in table(page, "Hvordan spørgsmålene endte")}
                    cli = {
                        WORDS[r["outcome"]]["da"]: int(r["questions"])
                        for r in cli_rows(db_url, "outcomes")
                    }
                    assert outcomes == cli
                else:
                    assert rows, f"{name}: an empty CSV"
                    assert len(rows) == shown, name
                if name == "unhelpful":
                    assert len(rows) == len(cli_rows(db_url, "unhelpful"))
            browser.close()
    finally:
        server.stop()
