"""Benchmark: signed Slack events and Bot Framework activities at a fixed rate against
`kombot serve` on loopback, beside bare slack-bolt and botbuilder apps answering the same
requests in the same run. Reports p50/p99 response (ack) latency, errors and server RSS.

    python bench/http_load.py [--rate 200] [--seconds 30]

Everything runs on 127.0.0.1: the servers as subprocesses, the load and the stand-ins for
the Slack Web API and the Bot Framework connector in this process. Results:
bench/results/http_load.json.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp
from aiohttp import web
from slack_sdk.signature import SignatureVerifier

ROOT = Path(__file__).resolve().parent.parent
SECRET = "bench-secret"
QUESTIONS = [
    "må jeg udtale mig til pressen om min afdeling",
    "hvad er en god lix",
    "do I have to answer when a reporter calls me?",
    "hvem er min kontaktperson",
    "får min chef fråga vem som läckte",
    "hva er et godt liks-tall",
    "hvornår er der frokost i kantinen",
]

BARE_APP = """
import asyncio, os, sys
from aiohttp import web
from slack_bolt.async_app import AsyncApp
from slack_bolt.adapter.aiohttp import to_bolt_request, to_aiohttp_response
from slack_sdk.web.async_client import AsyncWebClient
from botbuilder.core import ActivityHandler, MessageFactory
from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationBotFrameworkAuthentication
from types import SimpleNamespace
bolt = AsyncApp(client=AsyncWebClient(token="xoxb-bench", base_url=os.environ["SLACK_API"]),
                signing_secret=os.environ["SECRET"])
@bolt.event("message")
async def echo(event, say):
    await say("ok")
class Echo(ActivityHandler):
    async def on_message_activity(self, turn_context):
        await turn_context.send_activity(MessageFactory.text("ok"))
config = SimpleNamespace(APP_ID="", APP_PASSWORD="")
adapter = CloudAdapter(ConfigurationBotFrameworkAuthentication(config))
bot = Echo()
async def slack(request):
    return await to_aiohttp_response(await bolt.async_dispatch(await to_bolt_request(request)))
async def teams(request):
    return await adapter.process(request, bot) or web.Response(status=201)
app = web.Application()
app.router.add_post("/slack/events", slack)
app.router.add_post("/api/messages", teams)
web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), print=None)
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def stand_ins() -> tuple[web.AppRunner, str]:
    async def slack_api(request: web.Request) -> web.Response:
        await request.read()
        return web.json_response(
            {
                "ok": True,
                "user_id": "UBOT",
                "bot_id": "B",
                "team_id": "T1",
                "ts": "1.1",
                "channel": "D1",
                "user": {"profile": {}},
            }
        )

    async def connector(request: web.Request) -> web.Response:
        await request.read()
        return web.json_response({"id": "x"})

    app = web.Application()
    app.router.add_post("/api/{method}", slack_api)
    app.router.add_route("*", "/v3/{tail:.*}", connector)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    return runner, f"http://127.0.0.1:{port}/"


def start(command: list[str], env: dict, port: int) -> subprocess.Popen:
    process = subprocess.Popen(
        command,
        env={**os.environ, **env},
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"server on port {port} did not start")


def slack_request(n: int) -> tuple[bytes, dict]:
    body = json.dumps(
        {
            "type": "event_callback",
            "team_id": "T1",
            "event_id": f"Ev{n}",
            "event": {
                "type": "message",
                "channel_type": "im",
                "channel": "D1",
                "user": f"U{n % 50}",
                "text": QUESTIONS[n % len(QUESTIONS)],
                "ts": f"{n}.0001",
                "client_msg_id": f"m{n}",
            },
        }
    ).encode()
    timestamp = str(int(time.time()))
    signature = SignatureVerifier(SECRET).generate_signature(timestamp=timestamp, body=body)
    return body, {
        "Content-Type": "application/json",
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": signature,
    }


def teams_request(n: int, service_url: str) -> tuple[bytes, dict]:
    body = json.dumps(
        {
            "type": "message",
            "id": f"act-{n}",
            "text": QUESTIONS[n % len(QUESTIONS)],
            "from": {"id": f"29:u{n % 50}", "aadObjectId": f"aad-{n % 50}"},
            "recipient": {"id": "28:bot"},
            "conversation": {"id": f"c{n % 50}"},
            "channelId": "msteams",
            "serviceUrl": service_url,
        }
    ).encode()
    return body, {"Content-Type": "application/json"}


async def load(url: str, make, rate: int, seconds: int) -> dict:
    latencies: list[float] = []
    errors = 0
    timeout = aiohttp.ClientTimeout(total=30)
    async with aiohttp.ClientSession(timeout=timeout) as session:

        async def one(n: int) -> None:
            nonlocal errors
            body, headers = make(n)
            started = time.perf_counter()
            try:
                async with session.post(url, data=body, headers=headers) as response:
                    await response.read()
                    if response.status >= 400:
                        errors += 1
            except (aiohttp.ClientError, TimeoutError):
                errors += 1
            latencies.append((time.perf_counter() - started) * 1000)

        tasks = []
        begin = time.perf_counter()
        for n in range(rate * seconds):
            delay = begin + n / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(n)))
        await asyncio.gather(*tasks)
    ordered = sorted(latencies)
    return {
        "requests": len(latencies),
        "errors": errors,
        "p50_ms": round(statistics.median(ordered), 2),
        "p99_ms": round(ordered[int(0.99 * (len(ordered) - 1))], 2),
    }


def rss_mb(pid: int) -> dict:
    fields = dict(
        line.split(":", 1)
        for line in Path(f"/proc/{pid}/status").read_text().splitlines()
        if ":" in line
    )
    return {
        "rss_mb": round(int(fields["VmRSS"].split()[0]) / 1024, 1),
        "peak_rss_mb": round(int(fields["VmHWM"].split()[0]) / 1024, 1),
    }


async def main_async(rate: int, teams_rate: int, seconds: int) -> dict:
    runner, mock = await stand_ins()
    kombot_port, bare_port = free_port(), free_port()
    folder = tempfile.mkdtemp()
    env = {
        "KOMBOT_SLACK_BOT_TOKEN": "xoxb-bench",
        "KOMBOT_SLACK_SIGNING_SECRET": SECRET,
        "KOMBOT_SLACK_API_URL": mock + "api/",
        "KOMBOT_TEAMS_ALLOW_NO_AUTH": "1",
        "KOMBOT_DATABASE_URL": f"sqlite:///{folder}/bench.db",
    }
    kombot = start(
        [
            sys.executable,
            "-c",
            "from bot.cli import main; main()",
            "serve",
            "--port",
            str(kombot_port),
        ],
        env,
        kombot_port,
    )
    bare = start(
        [sys.executable, "-c", BARE_APP, str(bare_port)],
        {"SLACK_API": mock + "api/", "SECRET": SECRET},
        bare_port,
    )
    results = {}
    try:
        for name, port in (("kombot", kombot_port), ("bare", bare_port)):
            print(f"Slack → {name}…", file=sys.stderr)
            results[f"slack_{name}"] = await load(
                f"http://127.0.0.1:{port}/slack/events", slack_request, rate, seconds
            )
            print(f"Teams → {name}…", file=sys.stderr)
            results[f"teams_{name}"] = await load(
                f"http://127.0.0.1:{port}/api/messages",
                lambda n, port=port: teams_request(n + 10_000_000 * port, mock),
                teams_rate,
                seconds,
            )
        results["kombot_server"] = rss_mb(kombot.pid)
    finally:
        for process in (kombot, bare):
            process.terminate()
            process.wait(timeout=30)
        await runner.cleanup()
    for channel in ("slack", "teams"):
        results[f"{channel}_p99_ratio"] = round(
            results[f"{channel}_kombot"]["p99_ms"] / results[f"{channel}_bare"]["p99_ms"], 2
        )
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=int, default=200, help="requests per second")
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument(
        "--teams-rate",
        type=int,
        default=20,
        help="Teams activities per second (botbuilder answers inline)",
    )
    args = parser.parse_args()
    results = {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()} {platform.python_version()}",
        "rate_per_second": args.rate,
        "seconds": args.seconds,
        "teams_rate_per_second": args.teams_rate,
        **asyncio.run(main_async(args.rate, args.teams_rate, args.seconds)),
    }
    out = ROOT / "bench" / "results" / "http_load.json"
    out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
