"""`kombot serve` as its own process (so it can be killed with -9), talking to the
stand-ins of the test's event loop on 127.0.0.1."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import aiohttp
from server_stack import SECRET, signed

ROOT = Path(__file__).resolve().parent.parent
CRISIS = "TV2 står i forhallen og spørger til dødsfaldet på afdeling B"
KOMBOT = [sys.executable, "-c", "from bot.entry import main; main()"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ServerProcess:
    def __init__(self, db_url: str, slack_api_url: str, log: Path, workers: int = 0, **env):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        environment = {
            **os.environ,
            "KOMBOT_DATABASE_URL": db_url,
            "KOMBOT_SLACK_BOT_TOKEN": "xoxb-test",
            "KOMBOT_SLACK_SIGNING_SECRET": SECRET,
            "KOMBOT_SLACK_API_URL": slack_api_url + "api/",
            "KOMBOT_TEAMS_ALLOW_NO_AUTH": "1",
            "KOMBOT_INBOX_LEASE_SECONDS": "2",
            "KOMBOT_RETRY_BASE_SECONDS": "0.5",
            "PYTHONUNBUFFERED": "1",
            **env,
        }
        self.process = subprocess.Popen(
            [*KOMBOT, "serve", "--port", str(self.port), "--workers", str(workers)],
            cwd=ROOT,
            env=environment,
            stdout=log.open("a"),
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its workers share its process group: killed together
        )

    async def started(self, seconds: float = 120) -> None:
        deadline = time.monotonic() + seconds
        while f"127.0.0.1:{self.port}" not in self.log.read_text():
            assert self.process.poll() is None, self.log.read_text()[-3000:]
            assert time.monotonic() < deadline, self.log.read_text()[-3000:]
            await asyncio.sleep(0.1)

    def kill_9(self) -> None:
        """The whole process group, without warning (server and its workers)."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill_9()


async def post_signed(
    http: aiohttp.ClientSession, url: str, body: str, content_type: str
) -> int | None:
    """The HTTP status, or None when the server never answered (it died)."""
    headers = signed(body, content_type)
    try:
        async with http.post(f"{url}/slack/events", data=body.encode(), headers=headers) as r:
            await r.read()
            return r.status
    except (TimeoutError, aiohttp.ClientError):
        return None


def crisis_dm(user: str, i: int) -> str:
    """A Slack DM event reporting an acute press situation, the i-th of a burst."""
    return json.dumps(
        {
            "type": "event_callback",
            "team_id": "T0001",
            "event_id": f"EvK{i}",
            "event": {
                "type": "message",
                "channel_type": "im",
                "channel": f"D{i:03d}",
                "user": user,
                "text": CRISIS,
                "ts": f"{time.time():.6f}",
                "client_msg_id": f"msg-{i}",
            },
        }
    )
