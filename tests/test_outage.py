"""A database outage of 12 s under a running `kombot serve`: PostgreSQL refusing
connections, SQLite locked by another process. A message that arrives meanwhile is not
acknowledged (so Slack sends it again); afterwards the scheduler leads again and a
past-due escalation runs, without a restart."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import sqlite3
import time

import aiohttp
from server_process import ServerProcess, crisis_dm, post_signed
from server_stack import run, slack_people
from sqlalchemy import create_engine, select, text, update
from stand_ins import SlackApi

from bot.storage.models import Ticket

OUTAGE = 12  # seconds


async def health(http: aiohttp.ClientSession, server: ServerProcess) -> tuple[int, dict]:
    async with http.get(f"{server.url}/healthz") as response:
        return response.status, await response.json()


async def until(check, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while not await check():
        assert time.monotonic() < deadline, "did not recover"
        await asyncio.sleep(0.3)


def past_due_escalated(db_url: str) -> int:
    """Make every open ticket past due; how many have been escalated so far."""
    database = create_engine(db_url)
    try:
        with database.begin() as connection:
            past = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
            connection.execute(update(Ticket).where(Ticket.escalation == 0).values(due_at=past))
            return len(list(connection.execute(select(Ticket.id).where(Ticket.escalation > 0))))
    finally:
        database.dispose()


async def recovers(server: ServerProcess, db_url: str, employee, slack_api: SlackApi) -> None:
    """Slack sends the crisis message again; it is answered, filed and, once past due,
    escalated by the scheduler, which leads again."""
    async with aiohttp.ClientSession() as http:
        body = crisis_dm(employee.slack_id, 7)
        await until(lambda: _acked(http, server, body))
        await slack_api.wait_for("chat.postMessage", seconds=60)

        async def escalated() -> bool:
            return past_due_escalated(db_url) == 1

        await until(escalated)

        async def leading() -> bool:
            status, body = await health(http, server)
            return status == 200 and body["scheduler"] == "leader"

        await until(leading)


async def _acked(http, server, body) -> bool:
    return await post_signed(http, server.url, body, "application/json") == 200


@contextlib.asynccontextmanager
async def leading_server(db_url: str, employee, log):
    """`kombot serve` (scheduler ticking every second) once it leads, with its stand-in;
    after the body (an outage) it must recover without a restart."""
    slack_api = SlackApi({employee.slack_id: employee.email})
    await slack_api.start(slack_api.app())
    server = ServerProcess(db_url, slack_api.url, log, KOMBOT_SCHEDULER_INTERVAL_SECONDS="1")
    try:
        await server.started()
        async with aiohttp.ClientSession() as http:

            async def leading() -> bool:
                return (await health(http, server))[1]["scheduler"] == "leader"

            await until(leading)
            yield server, slack_api, http
        await recovers(server, db_url, employee, slack_api)
        assert server.process.poll() is None  # no restart
    finally:
        server.stop()
        await slack_api.stop()


def test_postgresql_refusing_connections_for_12_s(knowledge, pg_database, tmp_path):
    name, db_url = pg_database
    employee, _ = slack_people(knowledge)
    admin = create_engine(db_url.rsplit("/", 1)[0] + "/test", isolation_level="AUTOCOMMIT")

    async def scenario():
        async with leading_server(db_url, employee, tmp_path / "serve.log") as (server, _, http):
            with admin.connect() as connection:
                connection.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false'))
                connection.execute(
                    text(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"
                    ),
                    {"n": name},
                )
            started = time.monotonic()
            body = crisis_dm(employee.slack_id, 7)
            status = await post_signed(http, server.url, body, "application/json")
            assert status is not None and status >= 500  # not acknowledged: sent again
            status, health_ = await health(http, server)
            assert status == 503 and health_["status"] == "degraded"
            await asyncio.sleep(max(0.0, OUTAGE - (time.monotonic() - started)))
            _, health_ = await health(http, server)
            assert health_["scheduler"] == "standby"
            assert health_["scheduler_leaderless_seconds"] > 0
            with admin.connect() as connection:
                connection.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true'))

    try:
        run(scenario())
    finally:
        admin.dispose()


def test_sqlite_locked_by_another_process_for_12_s(knowledge, tmp_path):
    db_file = tmp_path / "kombot.db"
    employee, _ = slack_people(knowledge)

    async def scenario():
        log = tmp_path / "serve.log"
        async with leading_server(f"sqlite:///{db_file}", employee, log) as (server, _, http):
            lock = sqlite3.connect(db_file, isolation_level=None)
            lock.execute("BEGIN EXCLUSIVE")
            await asyncio.sleep(OUTAGE)
            status, _ = await health(http, server)
            assert status == 503  # the health check says so, and answers
            lock.execute("ROLLBACK")
            lock.close()

    run(scenario())
