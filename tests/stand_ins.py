"""Loopback stand-ins for the Slack Web API, the Bot Framework connector and its token
signer's keys, recording what the bot sent (bolt-python's tests/mock_web_api_server, on
an ephemeral port)."""

from __future__ import annotations

import asyncio
import json
import urllib.parse
from collections.abc import Callable

import jwt
from aiohttp import web
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm


class Recorder:
    """An aiohttp app on 127.0.0.1:<ephemeral> that records requests."""

    def __init__(self):
        self.calls: list[tuple[str, dict]] = []
        self.runner: web.AppRunner | None = None
        self.url = ""

    async def start(self, app: web.Application) -> None:
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        port = self.runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{port}/"

    async def stop(self) -> None:
        if self.runner:
            await self.runner.cleanup()

    def called(self, name: str) -> list[dict]:
        return [body for path, body in self.calls if path == name]

    async def wait_for(
        self,
        name: str,
        count: int = 1,
        seconds: float = 15,
        where: Callable[[dict], bool] | None = None,
    ) -> list[dict]:
        """The calls of `name` once `count` of them (those satisfying `where`) were made."""
        for _ in range(int(seconds * 20)):
            if sum(1 for call in self.called(name) if where is None or where(call)) >= count:
                return self.called(name)
            await asyncio.sleep(0.05)
        raise AssertionError(
            f"{name} called {len(self.called(name))} times, wanted {count}: "
            f"{[p for p, _ in self.calls]}"
        )


class SlackApi(Recorder):
    """auth.test, chat.postMessage, chat.update, users.info, users.lookupByEmail,
    views.publish, and response_url."""

    def __init__(self, emails: dict[str, str]):
        super().__init__()
        self.emails = emails
        self.rate_limit_next = 0  # answer the next N chat.postMessage calls with 429
        self.fail_next = 0  # ... with 500
        self.hang_next = 0  # ... by hanging until `release` is set
        self.release = asyncio.Event()

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/api/{method}", self.api)
        app.router.add_get("/api/{method}", self.api)  # users.lookupByEmail and friends
        app.router.add_post("/respond/{tail:.*}", self.respond)
        return app

    async def api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        raw = await request.text() if request.method == "POST" else request.query_string
        if request.content_type == "application/json":
            body = json.loads(raw or "{}")
        else:
            body = {k: v[0] for k, v in urllib.parse.parse_qs(raw).items()}
        if method == "chat.postMessage" and self.fail_next:
            self.fail_next -= 1
            self.calls.append(("500", body))
            return web.json_response({"ok": False, "error": "fatal_error"}, status=500)
        if method == "chat.postMessage" and self.hang_next:
            self.hang_next -= 1
            self.calls.append(("hang", body))
            await self.release.wait()
            self.calls.append((method, body))  # delivered late
            return web.json_response({"ok": True, "ts": "1", "channel": body.get("channel")})
        if method == "chat.postMessage" and self.rate_limit_next:
            self.rate_limit_next -= 1
            self.calls.append(("429", body))
            return web.json_response(
                {"ok": False, "error": "ratelimited"}, status=429, headers={"Retry-After": "1"}
            )
        self.calls.append((method, body))
        if method == "auth.test":
            return web.json_response(
                {
                    "ok": True,
                    "user_id": "UBOT",
                    "bot_id": "BBOT",
                    "team_id": "T0001",
                    "team": "test",
                    "user": "kombot",
                }
            )
        if method == "users.lookupByEmail":
            found = [uid for uid, email in self.emails.items() if email == body.get("email")]
            if not found:
                return web.json_response({"ok": False, "error": "users_not_found"})
            return web.json_response({"ok": True, "user": {"id": found[0]}})
        if method == "users.info":
            email = self.emails.get(body.get("user"), "unknown@example.org")
            return web.json_response(
                {"ok": True, "user": {"id": body.get("user"), "profile": {"email": email}}}
            )
        return web.json_response(
            {"ok": True, "ts": "1700000000.000100", "channel": body.get("channel", "D1")}
        )

    async def respond(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.calls.append(("response_url", {**body, "path": request.match_info["tail"]}))
        return web.Response(text="ok")


class BotConnector(Recorder):
    """The Bot Framework connector: replies, proactive messages, updates. Under /hang/ it
    takes the request and answers only when `release` is set (a connector that hangs)."""

    def __init__(self):
        super().__init__()
        self.release = asyncio.Event()

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_route("*", "/hang/{tail:.*}", self.hang)
        app.router.add_route("*", "/{tail:.*}", self.record)
        return app

    async def hang(self, request: web.Request) -> web.Response:
        self.calls.append(("hanging", {}))
        await self.release.wait()
        return web.json_response({"id": "late"})

    async def record(self, request: web.Request) -> web.Response:
        body = await request.json() if request.can_read_body else {}
        self.calls.append((request.method, body))
        return web.json_response({"id": f"activity-{len(self.calls)}"})


class KeySource(Recorder):
    """The token signer's JWKS endpoint (login.botframework.com's keys), and tokens signed
    with its key. With `hang` set it takes the request and never answers."""

    KID = "kombot-test-key"

    def __init__(self):
        super().__init__()
        self.private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.hang = False
        self.release = asyncio.Event()

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/keys", self.keys)
        return app

    async def keys(self, request: web.Request) -> web.Response:
        self.calls.append(("keys", {}))
        if self.hang:
            await self.release.wait()
        jwk = RSAAlgorithm.to_jwk(self.private.public_key(), as_dict=True)
        return web.json_response({"keys": [{**jwk, "kid": self.KID, "use": "sig"}]})

    def token(self, claims: dict, key=None, kid: str = KID, algorithm: str = "RS256") -> str:
        return jwt.encode(claims, key or self.private, algorithm=algorithm, headers={"kid": kid})
