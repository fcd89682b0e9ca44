"""Benchmark: how fast `/api/messages` refuses bad Teams tokens, offline, while the signing
keys endpoint hangs (after one good fetch at start-up).

    python bench/teams_tokens.py [--requests 2000]

A loopback JWKS endpoint serves one key, then stops answering. The Teams channel's own
aiohttp handler (authentication on) gets a mix of good, forged, expired, wrong-audience,
wrong-issuer, unknown-key and malformed tokens; the inbox is a stand-in that accepts at
once, so only the token check is timed. Reports per kind: status codes, p50/p99/max
latency. Results: bench/results/teams_tokens.json.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import platform
import time
from pathlib import Path

import aiohttp
import jwt
from aiohttp import web
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from bot.channels.teams_intake import TeamsIntake
from bot.config import Settings

ROOT = Path(__file__).resolve().parent.parent
APP_ID = "00000000-0000-0000-0000-0000000000b1"
ISSUER = "https://api.botframework.com"


async def serve(app: web.Application) -> tuple[web.AppRunner, str]:
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    return runner, f"http://127.0.0.1:{runner.addresses[0][1]}"


def tokens(key, stranger) -> dict[str, str]:
    now = int(time.time())
    good = {"aud": APP_ID, "iss": ISSUER, "iat": now, "exp": now + 3600}

    def sign(claims, signer=key, kid="bench-key"):
        return jwt.encode(claims, signer, algorithm="RS256", headers={"kid": kid})

    return {
        "good": sign(good),
        "forged": sign(good, stranger),
        "expired": sign(good | {"exp": now - 3600}),
        "wrong_audience": sign(good | {"aud": "another-bot"}),
        "wrong_issuer": sign(good | {"iss": "https://evil.example"}),
        "unknown_key": sign(good, stranger, kid="not-published"),
        "malformed": "not.a.jwt",
    }


async def main_async(requests: int) -> dict:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    hang = asyncio.Event()
    served = {"fetches": 0}

    async def keys(request: web.Request) -> web.Response:
        served["fetches"] += 1
        if hang.is_set():
            await asyncio.sleep(3600)  # a key endpoint that never answers
        jwk = RSAAlgorithm.to_jwk(key.public_key(), as_dict=True)
        return web.json_response({"keys": [{**jwk, "kid": "bench-key", "use": "sig"}]})

    jwks_app = web.Application()
    jwks_app.router.add_get("/keys", keys)
    jwks_runner, jwks_url = await serve(jwks_app)

    async def accept(key: str, channel: str, payload: dict) -> bool:
        return True

    settings = Settings(
        teams_app_id=APP_ID,
        teams_app_password="unused",
        teams_signing_keys_urls=[jwks_url + "/keys"],
        database_url="sqlite://",
    )
    teams = TeamsIntake(settings, lambda: None, accept)
    teams.keys.retry_after = 0  # let every unknown key id try a refresh: the worst case
    await teams.start()
    hang.set()
    app = web.Application()
    app.router.add_post("/api/messages", teams.handle)
    runner, url = await serve(app)
    body = json.dumps(
        {
            "type": "message",
            "id": "a1",
            "text": "hej",
            "from": {"id": "29:u"},
            "recipient": {"id": "28:bot"},
            "conversation": {"id": "c1"},
            "channelId": "msteams",
            "serviceUrl": "https://smba.example/",
        }
    )
    kinds = tokens(key, stranger)
    timings: dict[str, list[float]] = {kind: [] for kind in kinds}
    statuses: dict[str, dict[str, int]] = {kind: {} for kind in kinds}
    async with aiohttp.ClientSession() as http:
        for n in range(requests):
            kind = list(kinds)[n % len(kinds)]
            headers = {"Content-Type": "application/json", "Authorization": f"Bearer {kinds[kind]}"}
            started = time.perf_counter()
            async with http.post(url + "/api/messages", data=body, headers=headers) as response:
                await response.read()
            timings[kind].append((time.perf_counter() - started) * 1000)
            code = str(response.status)
            statuses[kind][code] = statuses[kind].get(code, 0) + 1
    await teams.stop()
    await runner.cleanup()
    await jwks_runner.cleanup()

    def summary(values: list[float]) -> dict:
        ordered = sorted(values)
        return {
            "p50_ms": round(ordered[len(ordered) // 2], 2),
            "p99_ms": round(ordered[int(0.99 * (len(ordered) - 1))], 2),
            "max_ms": round(ordered[-1], 2),
        }

    return {
        "key_fetches": served["fetches"],
        "by_kind": {k: {"status": statuses[k], **summary(timings[k])} for k in kinds},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    args = parser.parse_args()
    results = {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, Python {platform.python_version()}",
        "requests": args.requests,
        **asyncio.run(main_async(args.requests)),
    }
    out = ROOT / "bench" / "results" / "teams_tokens.json"
    out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
