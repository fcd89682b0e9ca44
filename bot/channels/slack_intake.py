"""Slack in: events, commands and button presses into the inbox (slack-bolt).

Intake is the whole of the HTTP request: the signature is checked, the event, command or
button press is committed to the inbox, and only then acknowledged (bolt's
`process_before_response`, so the 200 waits for the commit; an insert takes milliseconds).
A worker answers later from the inbox (`slack.py`). The Slack ids (client message id,
event id, trigger id) are the inbox keys, so a retry or a second replica never answers
twice. Only a process that takes requests in builds this: a worker needs none of bolt
(about 6 MB).
"""

from __future__ import annotations

import logging
import re

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp
from slack_bolt.request.internals import parse_body
from slack_sdk.signature import SignatureVerifier

from bot.channels.slack import web_client
from bot.channels.slack_shapes import well_formed
from bot.config import Settings
from bot.runtime.answering import Accept

log = logging.getLogger("kombot.slack")
MENTION = re.compile(r"<@[A-Z0-9]+>")


class SlackIntake:
    def __init__(self, settings: Settings, accept: Accept):
        self.accept = accept
        self.app = AsyncApp(
            client=web_client(settings),
            signing_secret=settings.slack_signing_secret,
            process_before_response=True,  # ack only once the inbox row is committed
        )
        self.verifier = SignatureVerifier(settings.slack_signing_secret)
        self._register()

    async def handle(self, request):
        """aiohttp handler for POST /slack/events. The signature is checked on the raw
        bytes before anything parses them: an unsigned or malformed request gets 401."""
        raw = await request.read()
        if not self._signed(raw, request.headers):
            return web.Response(status=401, text="invalid request signature")
        try:
            body = parse_body(raw.decode("utf-8"), request.headers.get("Content-Type"))
        except ValueError:  # incl. bytes that are not UTF-8
            return web.Response(status=400, text="malformed request body")
        if not well_formed(body):
            return web.Response(status=400, text="not a request Slack sends")
        bolt_request = await to_bolt_request(request)
        bolt_response = await self.app.async_dispatch(bolt_request)
        return await to_aiohttp_response(bolt_response)

    def _signed(self, body: bytes, headers) -> bool:
        timestamp = headers.get("X-Slack-Request-Timestamp", "")
        signature = headers.get("X-Slack-Signature", "")
        if not timestamp.isdigit() or not signature:
            return False
        return self.verifier.is_valid(body, timestamp, signature)

    def _register(self) -> None:
        app = self.app

        @app.event("message")
        async def on_message(event, body):
            if event.get("bot_id") or event.get("subtype") or event.get("channel_type") != "im":
                return
            await self._keep(
                f"slack:{event.get('client_msg_id') or event.get('ts')}",
                body,
                "message",
                event.get("user"),
                text=event.get("text"),
                to={"channel": event.get("channel")},
            )

        @app.event("app_mention")
        async def on_mention(event, body):
            await self._keep(
                f"slack:{body.get('event_id') or event.get('ts')}",
                body,
                "mention",
                event.get("user"),
                text=MENTION.sub("", str(event.get("text") or "")).strip(),
                to={"channel": event.get("channel"), "thread_ts": event.get("ts")},
            )

        @app.command("/kom")
        async def on_command(ack, command):
            await self._keep(
                f"slack:command:{command.get('trigger_id')}",
                command,
                "command",
                command.get("user_id"),
                text=command.get("text"),
                to={
                    "response_url": command.get("response_url"),
                    "ephemeral": True,
                    "channel": command.get("user_id"),  # if the URL has expired: a DM
                },
            )
            await ack()

        @app.action(re.compile(r"^kombot:"))
        async def on_button(ack, body, action):
            user = (body.get("user") or {}).get("id")
            await self._keep(
                f"slack:button:{body.get('trigger_id')}:{action.get('action_ts', '')}",
                body,
                "button",
                user,
                value=action.get("value"),
                to={
                    "response_url": body.get("response_url"),
                    "channel": user,  # if the URL has expired: a DM
                    # a card only its reader sees (a /kom answer) is replaced by the answer
                    # to the press, so its buttons cannot be pressed again
                    "replace": bool((body.get("container") or {}).get("is_ephemeral")),
                },
            )
            await ack()

        @app.event("app_home_opened")
        async def on_home(event, body):
            key = f"slack:home:{body.get('event_id') or event.get('event_ts')}"
            user = event.get("user")
            await self._keep(key, body, "home", user, to={"home": user})

    async def _keep(self, key: str, body: dict, kind: str, slack_user, **fields) -> None:
        """Commit to the inbox; what Slack never sends (no user, no place to answer, text
        that is not text) is acknowledged and dropped with a warning, never a 500."""
        to = fields["to"]
        text = fields.get("text")
        if (
            not isinstance(slack_user, str)
            or not any(isinstance(to.get(k), str) for k in ("channel", "home", "response_url"))
            or not isinstance(text or "", str)
        ):
            log.warning("slack %s without a user or a place to answer: ignored", kind)
            return
        team = body.get("team_id") or (body.get("team") or {}).get("id", "")
        payload = {"kind": kind, "team": str(team), "user": slack_user, **fields}
        await self.accept(key, "slack", payload)
