"""What was acknowledged is never lost: `kombot serve` killed with -9 in the middle of a
burst, restarted, and sent again only what it never acknowledged (as Slack does).

SQLite answers in the serving process; PostgreSQL in two `kombot worker` processes.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import time
import urllib.parse
from pathlib import Path

import aiohttp
import pytest
from server_process import ServerProcess, crisis_dm, post_signed
from server_stack import RM, run, slack_people
from sqlalchemy import create_engine, select
from stand_ins import SlackApi

from bot.app import build_engine
from bot.channels import actions
from bot.config import Settings
from bot.replies import Incoming
from bot.storage.models import Ticket

BURST = 200
KILL_AFTER = 100
LEAFLET = "vi skal lave en pjece om den nye ambulante klinik"


@pytest.fixture(params=[("sqlite", 0), ("postgresql", 2)], ids=["sqlite", "postgresql-2-workers"])
def deployment(request, tmp_path):
    kind, workers = request.param
    if kind == "sqlite":
        yield f"sqlite:///{tmp_path / 'kombot.db'}", workers
        return
    yield request.getfixturevalue("pg_url"), workers


def click(user: str, value: str, i: int, respond_to: str) -> str:
    payload = {
        "type": "block_actions",
        "team": {"id": "T0001"},
        "user": {"id": user},
        "channel": {"id": f"D-{user}"},
        "trigger_id": f"trigger-{i}",
        "response_url": f"{respond_to}respond/click-{i}",
        "actions": [
            {"action_id": "kombot:0", "value": value, "type": "button", "action_ts": f"{i}.0"}
        ],
    }
    return "payload=" + urllib.parse.quote(json.dumps(payload))


async def burst_and_kill(server: ServerProcess, bodies: list[str], content_type: str) -> set[int]:
    """Send the bodies 8 at a time; kill -9 once KILL_AFTER are acknowledged."""
    acked: set[int] = set()
    lanes = asyncio.Semaphore(8)
    async with aiohttp.ClientSession() as http:

        async def send(i: int, body: str) -> None:
            async with lanes:
                if server.process.poll() is not None:
                    return
                if await post_signed(http, server.url, body, content_type) == 200:
                    acked.add(i)
                if len(acked) >= KILL_AFTER and server.process.poll() is None:
                    server.kill_9()

        await asyncio.gather(*(send(i, body) for i, body in enumerate(bodies)))
    return acked


async def send_again(server: ServerProcess, bodies: list[str], content_type: str, which) -> None:
    """What Slack retries: every request that was never acknowledged."""
    async with aiohttp.ClientSession() as http:
        for i in which:
            assert await post_signed(http, server.url, bodies[i], content_type) == 200


async def kill_mid_burst_and_restart(
    db_url: str, slack_api: SlackApi, log, workers: int, bodies: list[str], content_type: str
) -> ServerProcess:
    """Burst, kill -9 after KILL_AFTER acks, restart, send again what was not acked."""
    first = ServerProcess(db_url, slack_api.url, log, workers)
    try:
        await first.started()
        acked = await burst_and_kill(first, bodies, content_type)
    finally:
        first.stop()
    assert KILL_AFTER <= len(acked) < BURST
    second = ServerProcess(db_url, slack_api.url, log, workers)
    await second.started()
    await send_again(second, bodies, content_type, set(range(BURST)) - acked)
    return second


def tickets(db_url: str) -> list[Ticket]:
    database = create_engine(db_url)
    try:
        with database.connect() as connection:
            return list(connection.execute(select(Ticket.source_id, Ticket.human_id)))
    finally:
        database.dispose()


async def eventually(check, seconds: float = 180) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "not everything was answered in time"
        await asyncio.sleep(0.3)


def test_kill_9_mid_burst_of_crisis_messages_loses_nothing_acknowledged(
    knowledge, deployment, tmp_path
):
    db_url, workers = deployment
    employee, _ = slack_people(knowledge)

    async def scenario():
        slack_api = SlackApi({employee.slack_id: employee.email})
        await slack_api.start(slack_api.app())
        log = tmp_path / "serve.log"
        bodies = [crisis_dm(employee.slack_id, i) for i in range(BURST)]
        second = await kill_mid_burst_and_restart(
            db_url, slack_api, log, workers, bodies, "application/json"
        )
        try:

            def replied() -> set[str]:
                return {c["channel"] for c in slack_api.called("chat.postMessage")}

            dms = {f"D{i:03d}" for i in range(BURST)}
            await eventually(lambda: len(tickets(db_url)) >= BURST and dms <= replied())
            filed = tickets(db_url)
            assert sorted(t.source_id for t in filed) == sorted(f"msg-{i}" for i in range(BURST))
            assert "Traceback" not in log.read_text()
        finally:
            second.stop()
            await slack_api.stop()

    run(scenario())


def test_kill_9_mid_burst_of_button_presses_loses_nothing_acknowledged(
    knowledge, deployment, tmp_path
):
    db_url, workers = deployment
    employee, _ = slack_people(knowledge)
    engine = build_engine(knowledge, Settings(), database_url=db_url)
    values = []
    for i in range(BURST):  # 200 leaflet requests, each waiting for its "Send"
        replies = engine.handle(
            Incoming(text=LEAFLET, org=RM, user=employee.email, message_id=f"seed-{i}")
        )
        send = next(c.action for r in replies for c in r.choices if c.action.name == "confirm")
        values.append(actions.encode(send))
    engine.desk.sessions.engine.dispose()

    async def scenario():
        slack_api = SlackApi({employee.slack_id: employee.email})
        await slack_api.start(slack_api.app())
        log = tmp_path / "serve.log"
        bodies = [click(employee.slack_id, v, i, slack_api.url) for i, v in enumerate(values)]
        form = "application/x-www-form-urlencoded"
        second = await kill_mid_burst_and_restart(db_url, slack_api, log, workers, bodies, form)
        try:

            def answered() -> set[str]:
                return {
                    c["path"]
                    for c in slack_api.called("response_url")
                    if "Sendt som RM-" in c["text"]
                }

            await eventually(lambda: len(tickets(db_url)) >= BURST and len(answered()) >= BURST)
            filed = tickets(db_url)
            assert sorted(t.source_id for t in filed) == sorted(f"seed-{i}" for i in range(BURST))
            assert answered() == {f"click-{i}" for i in range(BURST)}
        finally:
            second.stop()
            await slack_api.stop()

    run(scenario())


def _children(pid: int) -> list[int]:
    """The processes whose parent is `pid` (Linux /proc)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # the process ended while we looked
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def _running(pid: int) -> bool:
    """Alive and not a zombie waiting for whoever adopted it to reap it."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _nice(pid: int) -> int:
    """The process's nice value (field 19 of /proc/<pid>/stat)."""
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[16])


def _with_one_worker(tmp_path, check) -> str:
    """`kombot serve --workers 1` on SQLite; `await check(server, worker_pid)` once its
    worker runs; returns the server's log."""
    log = tmp_path / "serve.log"
    server = ServerProcess(f"sqlite:///{tmp_path / 'kombot.db'}", "http://127.0.0.1:9/", log, 1)

    async def scenario():
        await server.started()
        await eventually(lambda: bool(_children(server.process.pid)), seconds=60)
        [worker] = _children(server.process.pid)
        await check(server, worker)

    try:
        run(scenario())
    finally:
        server.stop()
    return log.read_text()


def test_workers_stop_when_their_server_is_killed_9(tmp_path):
    async def kill_the_server_only(server, worker):
        os.kill(server.process.pid, signal.SIGKILL)  # nothing tells the worker
        server.process.wait(timeout=30)
        await eventually(lambda: not _running(worker), seconds=60)

    assert "is gone; stopping" in _with_one_worker(tmp_path, kill_the_server_only)


def test_workers_answer_at_a_lower_cpu_priority_than_the_server_that_acknowledges(tmp_path):
    """On cores the workers fill, an ack must not wait for an answer: Slack gives 3 s."""

    async def lower_priority(server, worker):
        await eventually(lambda: _nice(worker) == _nice(server.process.pid) + 10, seconds=60)

    _with_one_worker(tmp_path, lower_priority)
