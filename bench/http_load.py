"""Benchmark: signed Slack events (then Bot Framework activities) at a fixed rate against
`kombot serve` on loopback, alternating with a bare slack-bolt / Agents SDK app answering the
same requests, on SQLite and on PostgreSQL.

    python bench/http_load.py [--rate 200] [--seconds 60] [--databases sqlite,postgresql]

For each run it reports the ack latency (HTTP response), the reply latency (event sent →
chat.postMessage or the connector call arriving at the stand-in), errors, replies missing,
the rate replies came out at (inbox throughput), and the RSS of the acking process and of
each worker after the run. A ramp finds the highest rate at which the reply p99 stays
under 1 s. Teams is measured after the Slack backlog has drained.

Everything runs on 127.0.0.1: the servers as subprocesses, the load and the stand-ins for
the Slack Web API and the Bot Framework connector in this process.
Results: bench/results/http_load.json.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import aiohttp
from aiohttp import web
from slack_sdk.signature import SignatureVerifier
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parent.parent
SECRET = "bench-secret"
POSTGRES = os.environ.get(
    "KOMBOT_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
QUESTIONS = [
    "må jeg udtale mig til pressen om min afdeling",
    "hvad er en god lix",
    "do I have to answer when a reporter calls me?",
    "hvem er min kontaktperson",
    "får min chef fråga vem som läckte",
    "hva er et godt liks-tall",
    "hvornår er der frokost i kantinen",
    "mag ik met de pers praten over mijn afdeling",  # Dutch: py3langid's second opinion
]

BARE_APP = """
import os, sys
from aiohttp import web
from slack_bolt.async_app import AsyncApp
from slack_bolt.adapter.aiohttp import to_bolt_request, to_aiohttp_response
from slack_sdk.web.async_client import AsyncWebClient
from microsoft_agents.authentication.msal import MsalConnectionManager
from microsoft_agents.hosting.aiohttp import CloudAdapter
from microsoft_agents.hosting.core import ActivityHandler, AgentAuthConfiguration, MessageFactory
bolt = AsyncApp(client=AsyncWebClient(token="xoxb-bench", base_url=os.environ["SLACK_API"]),
                signing_secret=os.environ["SECRET"])
@bolt.event("message")
async def echo(event, say):
    await say("ok")
class Echo(ActivityHandler):
    async def on_message_activity(self, turn_context):
        await turn_context.send_activity(MessageFactory.text("ok"))
connections = {"SERVICE_CONNECTION": AgentAuthConfiguration(anonymous_allowed=True)}
adapter = CloudAdapter(connection_manager=MsalConnectionManager(connections))
bot = Echo()
async def slack(request):
    return await to_aiohttp_response(await bolt.async_dispatch(await to_bolt_request(request)))
async def teams(request):
    return await adapter.process(request, bot)  # anonymous claims: no token, as kombot's test mode
app = web.Application()
app.router.add_post("/slack/events", slack)
app.router.add_post("/api/messages", teams)
web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), print=None)
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class StandIns:
    """The Slack Web API and the Bot Framework connector; note when each reply arrives,
    by the conversation it goes to (one per request)."""

    def __init__(self):
        self.arrived: dict[str, float] = {}
        self.url = ""

    async def start(self) -> web.AppRunner:
        app = web.Application()
        app.router.add_post("/api/{method}", self.slack_api)
        app.router.add_route("*", "/v3/conversations/{conversation}/{tail:.*}", self.connector)
        runner = web.AppRunner(app)
        await runner.setup()
        port = free_port()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        self.url = f"http://127.0.0.1:{port}/"
        return runner

    async def slack_api(self, request: web.Request) -> web.Response:
        raw = await request.read()
        if request.match_info["method"] == "chat.postMessage":
            try:
                channel = json.loads(raw).get("channel", "")
            except ValueError:
                channel = ""
            self.arrived.setdefault(channel, time.perf_counter())
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

    async def connector(self, request: web.Request) -> web.Response:
        await request.read()
        self.arrived.setdefault(request.match_info["conversation"], time.perf_counter())
        return web.json_response({"id": "x"})


def start(command: list[str], env: dict, port: int) -> subprocess.Popen:
    process = subprocess.Popen(
        command,
        env={**os.environ, **env},
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"server on port {port} did not start")


def stop(process: subprocess.Popen) -> None:
    os.killpg(process.pid, 15)
    process.wait(timeout=60)


def slack_request(n: int) -> tuple[bytes, dict, str]:
    channel = f"D{n}"
    body = json.dumps(
        {
            "type": "event_callback",
            "team_id": "T1",
            "event_id": f"Ev{n}",
            "event": {
                "type": "message",
                "channel_type": "im",
                "channel": channel,
                "user": f"U{n % 50}",
                "text": QUESTIONS[n % len(QUESTIONS)],
                "ts": f"{n}.0001",
                "client_msg_id": f"m{n}",
            },
        }
    ).encode()
    timestamp = str(int(time.time()))
    signature = SignatureVerifier(SECRET).generate_signature(timestamp=timestamp, body=body)
    headers = {
        "Content-Type": "application/json",
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": signature,
    }
    return body, headers, channel


def teams_request(n: int, service_url: str) -> tuple[bytes, dict, str]:
    conversation = f"c{n}"
    body = json.dumps(
        {
            "type": "message",
            "id": f"act-{n}",
            "text": QUESTIONS[n % len(QUESTIONS)],
            "from": {"id": f"29:u{n % 50}", "aadObjectId": f"aad-{n % 50}"},
            "recipient": {"id": "28:bot"},
            "conversation": {"id": conversation},
            "channelId": "msteams",
            "serviceUrl": service_url,
        }
    ).encode()
    return body, {"Content-Type": "application/json"}, conversation


def percentiles(values: list[float]) -> dict:
    if not values:
        return {"p50_ms": None, "p99_ms": None}
    ordered = sorted(values)
    return {
        "p50_ms": round(statistics.median(ordered), 2),
        "p99_ms": round(ordered[int(0.99 * (len(ordered) - 1))], 2),
    }


async def load(stand_ins: StandIns, url: str, make, first: int, rate: int, seconds: int) -> dict:
    """Send rate × seconds requests; wait (up to 120 s) for their replies."""
    acks: list[float] = []
    sent: dict[str, float] = {}
    errors = 0
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as session:

        async def one(n: int) -> None:
            nonlocal errors
            body, headers, conversation = make(n)
            started = time.perf_counter()
            sent[conversation] = started
            try:
                async with session.post(url, data=body, headers=headers) as response:
                    await response.read()
                    errors += response.status >= 400
            except (aiohttp.ClientError, TimeoutError):
                errors += 1
            acks.append((time.perf_counter() - started) * 1000)

        tasks = []
        begin = time.perf_counter()
        for i in range(rate * seconds):
            delay = begin + i / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(first + i)))
        await asyncio.gather(*tasks)
    deadline = time.perf_counter() + 120
    while time.perf_counter() < deadline and any(c not in stand_ins.arrived for c in sent):
        await asyncio.sleep(0.2)
    replies = [(stand_ins.arrived[c] - t) * 1000 for c, t in sent.items() if c in stand_ins.arrived]
    last = max((stand_ins.arrived[c] for c in sent if c in stand_ins.arrived), default=begin)
    return {
        "requests": len(acks),
        "errors": errors,
        "ack": percentiles(acks),
        "reply": percentiles(replies),
        "replies_missing": len(sent) - len(replies),
        "replies_per_second": round(len(replies) / max(last - begin, 1e-9), 1),
    }


def memory_mb(pid: int, field: str = "VmRSS") -> float:
    """`VmRSS`, or `RssAnon`: the private part (mapped model files are shared, not in it)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def process_tree(pid: int) -> dict:
    """RSS (and its private part) of the acking process and of each worker it started."""
    workers = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            workers.append(int(stat.parent.name))
    return {
        "acking_rss_mb": memory_mb(pid),
        "acking_anon_mb": memory_mb(pid, "RssAnon"),
        "worker_rss_mb": sorted(memory_mb(w) for w in workers),
        "worker_anon_mb": sorted(memory_mb(w, "RssAnon") for w in workers),
    }


def database(kind: str, folder: str) -> tuple[str, callable]:
    if kind == "sqlite":
        return f"sqlite:///{folder}/bench.db", lambda: None
    name = f"kombot_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(POSTGRES, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as connection:
            connection.execute(
                text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname=:n"),
                {"n": name},
            )
            connection.execute(text(f'DROP DATABASE "{name}"'))
        admin.dispose()

    url = create_engine(POSTGRES).url.set(database=name).render_as_string(hide_password=False)
    return url, drop


async def one_database(kind: str, args, stand_ins: StandIns, counter: list[int]) -> dict:
    folder = tempfile.mkdtemp()
    url, drop = database(kind, folder)
    workers = args.workers_sqlite if kind == "sqlite" else args.workers_postgresql
    kombot_port, bare_port = free_port(), free_port()
    env = {
        "KOMBOT_SLACK_BOT_TOKEN": "xoxb-bench",
        "KOMBOT_SLACK_SIGNING_SECRET": SECRET,
        "KOMBOT_SLACK_API_URL": stand_ins.url + "api/",
        "KOMBOT_TEAMS_ALLOW_NO_AUTH": "1",
        "KOMBOT_DATABASE_URL": url,
    }
    serve = ["serve", "--port", str(kombot_port), "--workers", str(workers)]
    serve += ["--worker-nice", str(args.worker_nice)]
    kombot = start(
        [sys.executable, "-c", "from bot.entry import main; main()", *serve], env, kombot_port
    )
    bare = start(
        [sys.executable, "-c", BARE_APP, str(bare_port)],
        {"SLACK_API": stand_ins.url + "api/", "SECRET": SECRET},
        bare_port,
    )
    ports = {"kombot": kombot_port, "bare": bare_port}
    result: dict = {"workers": workers, "worker_nice": args.worker_nice if workers else None}

    async def run(name: str, make, rate: int, seconds: int, path: str) -> dict:
        first = counter[0]
        counter[0] += rate * seconds
        print(f"{kind}: {path} → {name} at {rate}/s for {seconds} s…", file=sys.stderr)
        url = f"http://127.0.0.1:{ports[name]}{path}"
        return await load(stand_ins, url, make, first, rate, seconds)

    try:
        print(f"{kind}: warming up…", file=sys.stderr)
        await run("kombot", slack_request, 10, 3, "/slack/events")  # workers ready, models loaded
        for round_ in range(args.rounds):
            order = ("kombot", "bare") if round_ % 2 == 0 else ("bare", "kombot")
            for name in order:
                result.setdefault(f"slack_{name}", []).append(
                    await run(name, slack_request, args.rate, args.seconds, "/slack/events")
                )
        result["after_slack"] = process_tree(kombot.pid)
        result["ramp"] = [
            {
                "rate": rate,
                **(await run("kombot", slack_request, rate, args.ramp_seconds, "/slack/events")),
            }
            for rate in args.ramp
        ]
        under = [r["rate"] for r in result["ramp"] if (r["reply"]["p99_ms"] or 1e9) < 1000]
        result["highest_rate_reply_p99_under_1s"] = max(under, default=None)

        def teams(name: str, rate: int, seconds: int):
            make = lambda n: teams_request(n, stand_ins.url)  # noqa: E731
            return run(name, make, rate, seconds, "/api/messages")

        for name in ("kombot", "bare"):  # only now: the Slack backlog has drained
            result[f"teams_{name}"] = await teams(name, args.teams_rate, args.teams_seconds)
        result["teams_ack_p99_ratio"] = round(
            result["teams_kombot"]["ack"]["p99_ms"] / result["teams_bare"]["ack"]["p99_ms"], 2
        )
        result["teams_ramp"] = [
            {"rate": rate, **(await teams("kombot", rate, args.ramp_seconds))}
            for rate in args.teams_ramp
        ]
        clean = [
            r["rate"] for r in result["teams_ramp"] if not r["errors"] and not r["replies_missing"]
        ]
        result["teams_highest_rate_without_errors"] = max(clean, default=None)
        result["after_all"] = process_tree(kombot.pid)
    finally:
        stop(kombot)
        stop(bare)
        drop()
    kombot_p99 = max(r["ack"]["p99_ms"] for r in result["slack_kombot"])
    bare_p99 = max(r["ack"]["p99_ms"] for r in result["slack_bare"])
    result["slack_ack_p99_ratio"] = round(kombot_p99 / bare_p99, 2)
    result["slack_ack_p99_extra_ms"] = round(kombot_p99 - bare_p99, 2)
    return result


async def main_async(args) -> dict:
    stand_ins = StandIns()
    runner = await stand_ins.start()
    counter = [0]
    try:
        return {kind: await one_database(kind, args, stand_ins, counter) for kind in args.databases}
    finally:
        await runner.cleanup()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=int, default=200, help="Slack events per second")
    parser.add_argument("--seconds", type=int, default=60, help="each Slack run lasts")
    parser.add_argument("--rounds", type=int, default=1, help="kombot/bare alternations")
    parser.add_argument(  # around what 2 cores sustain (SQLite ~120/s, PG ~200/s), 60 s each
        "--ramp", type=lambda s: [int(x) for x in s.split(",")], default=[100, 150, 200, 250]
    )
    parser.add_argument("--ramp-seconds", type=int, default=60)
    parser.add_argument("--teams-rate", type=int, default=20)
    parser.add_argument("--teams-seconds", type=int, default=30)
    parser.add_argument(
        "--teams-ramp", type=lambda s: [int(x) for x in s.split(",")], default=[50, 100, 200]
    )
    parser.add_argument("--workers-sqlite", type=int, default=0)
    parser.add_argument(  # one per core: they wait on the database as much as they compute
        "--workers-postgresql", type=int, default=os.cpu_count() or 2
    )
    parser.add_argument("--worker-nice", type=int, default=10, help="as `kombot serve`'s")
    parser.add_argument(
        "--databases", type=lambda s: s.split(","), default=["sqlite", "postgresql"]
    )
    args = parser.parse_args()
    # Stopped from outside (a timeout, a CI cancel): unwind, so the servers are stopped too.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    publish(
        "http_load",
        {
            "rate_per_second": args.rate,
            "seconds": args.seconds,
            "teams_rate_per_second": args.teams_rate,
            **asyncio.run(main_async(args)),
        },
    )


def publish(name: str, figures: dict) -> None:
    """The figures, after the date and the machine, to bench/results/<name>.json and stdout."""
    results = {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()} {os.cpu_count()} cpu, Python {platform.python_version()}",
        **figures,
    }
    out = ROOT / "bench" / "results" / f"{name}.json"
    out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
