"""Teams with authentication on: the token is checked before the body is read, against
signing keys served from loopback and cached, so a forged, expired, foreign or unsigned
token is refused with 401 (never 500), also while the key endpoint hangs or is gone.
Only /api/messages is guarded."""

from __future__ import annotations

import asyncio
import logging
import time

from cryptography.hazmat.primitives.asymmetric import rsa
from server_stack import Stack, activity, run
from sqlalchemy import select
from stand_ins import KeySource

from bot.channels.teams_connection import TeamsAuth
from bot.config import Settings
from bot.storage.models import InboxMessage

APP_ID = "00000000-0000-0000-0000-0000000000a1"
ISSUER = "https://api.botframework.com"


def claims(**overrides) -> dict:
    now = int(time.time())
    return {"aud": APP_ID, "iss": ISSUER, "iat": now, "nbf": now, "exp": now + 3600} | overrides


class Secured:
    """The server with authentication on, its keys from a loopback signer; it only
    accepts (no worker answers), so nothing needs a token for the way out."""

    def __init__(self, knowledge, db_url, **settings):
        self.keys = KeySource()
        self.knowledge, self.db_url, self.settings = knowledge, db_url, settings

    async def __aenter__(self):
        await self.keys.start(self.keys.app())
        self.stack = Stack(
            self.knowledge,
            self.db_url,
            answer_here=False,
            teams_app_id=APP_ID,
            teams_app_password="never-sent",
            teams_signing_keys_urls=[self.keys.url + "keys"],
            **self.settings,
        )
        await self.stack.__aenter__()
        return self

    async def __aexit__(self, *exc):
        self.keys.release.set()
        await self.stack.__aexit__(*exc)
        await self.keys.stop()

    async def send(self, token: str | None, activity_id: str) -> int:
        body = activity("hej", activity_id=activity_id, service_url="https://smba.example/")
        return (await self.stack.activity(body, token=token)).status

    def kept(self) -> set[str]:
        with self.stack.server.engine.desk.sessions() as session:
            return {key.rsplit(":", 1)[1] for key in session.scalars(select(InboxMessage.key))}


def test_every_kind_of_bad_token_is_refused_and_a_good_one_accepted(knowledge, db_url):
    async def scenario():
        async with Secured(knowledge, db_url) as secured:
            sign = secured.keys.token
            stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            cases = {
                "good": sign(claims()),
                "expired": sign(claims(exp=int(time.time()) - 3600)),
                "not-yet": sign(claims(nbf=int(time.time()) + 3600)),
                "wrong-audience": sign(claims(aud="someone-elses-bot")),
                "wrong-issuer": sign(claims(iss="https://evil.example")),
                "forged": sign(claims(), key=stranger),  # our key id, another key
                "unknown-key": sign(claims(), key=stranger, kid="rotated-away"),
                "symmetric": sign(
                    claims(), key="secret-secret-secret-secret-secret!", algorithm="HS256"
                ),
                "no-expiry": sign({"aud": APP_ID, "iss": ISSUER}),
                "service-url": sign(claims(serviceurl="https://other.example/")),
                "not-a-jwt": "not.a.jwt",
                "none": None,
            }
            statuses = {name: await secured.send(token, name) for name, token in cases.items()}
            assert statuses == {name: 202 if name == "good" else 401 for name in cases}
            assert secured.kept() == {"good"}

    run(scenario())


def test_a_hanging_key_endpoint_holds_up_nothing(knowledge, db_url, caplog):
    async def scenario():
        async with Secured(knowledge, db_url, teams_keys_timeout_seconds=0.5) as secured:
            secured.keys.hang = True  # after the first fetch, at start-up
            secured.stack.server.teams_intake.keys.retry_after = 0  # new key ids refresh at once
            stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            new_key = secured.keys.token(claims(), key=stranger, kid="new-key")
            assert await secured.send(new_key, "new-key") == 401  # refused, not waited on
            assert await secured.send(secured.keys.token(claims()), "cached") == 202
            for _ in range(100):  # the refresh the new key id woke gives up, and says so
                if "did not answer within 0.5 s" in caplog.text:
                    break
                await asyncio.sleep(0.05)
            assert "did not answer within 0.5 s" in caplog.text
            assert secured.kept() == {"cached"}

    caplog.set_level(logging.WARNING, "kombot.teams.tokens")
    run(scenario())


def test_keys_stay_cached_when_the_endpoint_is_gone(knowledge, db_url):
    async def scenario():
        async with Secured(knowledge, db_url) as secured:
            await secured.keys.stop()  # offline from here on
            stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            assert await secured.send(secured.keys.token(claims()), "cached") == 202
            assert await secured.send(secured.keys.token(claims(), key=stranger), "forged") == 401
            assert len(secured.keys.called("keys")) == 1  # fetched once, at start-up

    run(scenario())


def test_only_the_teams_endpoint_is_guarded(knowledge, db_url):
    async def scenario():
        async with Secured(knowledge, db_url) as secured:
            stack = secured.stack
            for path in ("/healthz", "/metrics"):
                async with stack.http.get(stack.url + path) as response:
                    assert response.status == 200
            assert (await stack.dm("U0", "hej", "Ev-unguarded")).status == 200

    run(scenario())


def test_the_agents_sdk_variables_configure_the_bot_when_kombots_are_unset():
    environ = {
        "CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTID": APP_ID,
        "CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTSECRET": "s3cret",
        "CONNECTIONS__SERVICE_CONNECTION__SETTINGS__TENANTID": "tenant-guid",
    }
    auth = TeamsAuth.from_settings(Settings(), environ)
    assert auth.app_id == APP_ID
    assert "https://login.microsoftonline.com/tenant-guid/v2.0" in auth.issuers
    assert TeamsAuth.from_settings(Settings(teams_app_id="own-id"), environ).app_id == "own-id"
    assert TeamsAuth.from_settings(Settings(), {}).app_id == ""  # no authentication
