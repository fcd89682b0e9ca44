"""The real server on 127.0.0.1 with its stand-ins, for the end-to-end tests: signed
Slack requests and Bot Framework activities in, recorded calls out."""

from __future__ import annotations

import asyncio
import json
import time
import urllib.parse
import uuid

import aiohttp
from aiohttp import web
from slack_sdk.signature import SignatureVerifier
from stand_ins import BotConnector, SlackApi

from bot.app import build_engine
from bot.config import Settings
from bot.web import Server

SECRET = "test-signing-secret"
RM = "region-midtjylland"


def signed(body: str, content_type: str, secret: str = SECRET, age: int = 0) -> dict:
    """Headers of a request Slack signed (`age` seconds ago)."""
    timestamp = str(int(time.time()) - age)
    return {
        "X-Slack-Request-Timestamp": timestamp,
        "Content-Type": content_type,
        "X-Slack-Signature": SignatureVerifier(secret).generate_signature(
            timestamp=timestamp, body=body
        ),
    }


def run(scenario):
    return asyncio.run(scenario)


class Stack:
    """kombot serve, with its stand-ins, on ephemeral loopback ports."""

    def __init__(self, knowledge, db_url, answer_here: bool = True, **settings):
        self.knowledge = knowledge
        self.db_url = db_url
        self.answer_here = answer_here
        self.extra = settings
        directory = knowledge.org(RM).directory
        self.slack_api = SlackApi({p.slack_id: p.email for p in directory.people if p.slack_id})
        self.connector = BotConnector()

    async def __aenter__(self):
        await self.slack_api.start(self.slack_api.app())
        await self.connector.start(self.connector.app())
        settings = Settings(
            slack_bot_token="xoxb-test",
            slack_signing_secret=SECRET,
            slack_api_url=self.slack_api.url + "api/",
            database_url=self.db_url,
            **{"teams_allow_no_auth": True, **self.extra},
        )
        self.server = Server(
            settings,
            build_engine(self.knowledge, settings),
            scheduler_interval=3600,
            answer_here=self.answer_here,
        )
        self.runner = web.AppRunner(self.server.app())
        await self.runner.setup()
        await web.TCPSite(self.runner, "127.0.0.1", 0).start()
        self.url = f"http://127.0.0.1:{self.runner.addresses[0][1]}"
        self.http = aiohttp.ClientSession()
        return self

    async def __aexit__(self, *exc):
        await self.http.close()
        await self.runner.cleanup()
        self.server.engine.desk.sessions.engine.dispose()  # PostgreSQL has few connections
        await self.slack_api.stop()
        await self.connector.stop()

    async def slack(
        self,
        body: str,
        content_type: str,
        age: int = 0,
        secret: str = SECRET,
        retry: int | None = None,
    ) -> aiohttp.ClientResponse:
        headers = signed(body, content_type, secret, age)
        if retry is not None:
            headers["X-Slack-Retry-Num"] = str(retry)
        async with self.http.post(
            f"{self.url}/slack/events", data=body.encode(), headers=headers
        ) as response:
            await response.read()
            return response

    async def dm(self, user: str, text: str, event_id: str, retry=None):
        body = json.dumps(
            {
                "type": "event_callback",
                "team_id": "T0001",
                "event_id": event_id,
                "event": {
                    "type": "message",
                    "channel_type": "im",
                    "channel": f"D-{user}",
                    "user": user,
                    "text": text,
                    "ts": f"{time.time():.6f}",
                    "client_msg_id": event_id,
                },
            }
        )
        return await self.slack(body, "application/json", retry=retry)

    async def click(
        self, user: str, value: str, trigger_id: str | None = None, ephemeral: bool = False
    ):
        """A button press; Slack gives every press its own trigger id."""
        payload = {
            "type": "block_actions",
            "container": {"type": "message", "is_ephemeral": ephemeral},
            "team": {"id": "T0001"},
            "user": {"id": user},
            "channel": {"id": f"D-{user}"},
            "trigger_id": trigger_id or uuid.uuid4().hex,
            "response_url": f"{self.slack_api.url}respond/{user}",
            "actions": [
                {
                    "action_id": "kombot:0",
                    "value": value,
                    "type": "button",
                    "action_ts": f"{time.time():.6f}",
                }
            ],
        }
        body = "payload=" + urllib.parse.quote(json.dumps(payload))
        return await self.slack(body, "application/x-www-form-urlencoded")

    async def crisis_in_slack(self, slack_user: str, event_id: str) -> None:
        """An acute press situation in a DM; the reply arrives, then the outbox is delivered."""
        await self.dm(
            slack_user, "TV2 står i forhallen og spørger til dødsfaldet på afdeling B", event_id
        )
        await self.slack_api.wait_for("chat.postMessage")
        await self.server.deliver_once()

    async def activity(self, body: dict, token: str | None = None):
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        async with self.http.post(
            f"{self.url}/api/messages", json=body, headers=headers
        ) as response:
            await response.read()
            return response


def button(message: dict, label: str) -> str:
    for block in message.get("blocks") or json.loads(message.get("blocks", "[]")):
        for element in block.get("elements", []):
            if element.get("type") == "button" and element["text"]["text"] == label:
                return element["value"]
    raise AssertionError(f"no button {label!r}")


def blocks_of(call: dict) -> dict:
    if isinstance(call.get("blocks"), str):
        call = {**call, "blocks": json.loads(call["blocks"])}
    return call


def slack_people(knowledge):
    directory = knowledge.org(RM).directory
    patients = directory.function("patients").members
    employee = next(
        p
        for p in directory.people
        if p.slack_id and p.area and p.email not in patients and not p.admin
    )
    adviser = next(p for p in directory.people if p.email in patients and p.slack_id)
    return employee, adviser


def activity(text="", value=None, aad="aad-unknown", activity_id="act-1", service_url=""):
    return {
        "type": "message",
        "id": activity_id,
        "text": text,
        "value": value,
        "from": {"id": "29:user", "aadObjectId": aad},
        "recipient": {"id": "28:bot"},
        "conversation": {"id": "conv-1", "tenantId": "tenant-1"},
        "channelData": {"tenant": {"id": "tenant-1"}},
        "channelId": "msteams",
        "serviceUrl": service_url,
    }
