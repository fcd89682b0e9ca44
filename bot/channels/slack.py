"""Slack: translate events into `Incoming`, replies into Block Kit. Nothing else.

slack-bolt's AsyncApp verifies signatures (401 on a forged or stale request), acks within
three seconds and runs the handler after; the event id is the message id the engine
deduplicates on in the database, before any work, so any replica can receive the retry.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient

from bot.channels import actions
from bot.config import Settings
from bot.engine import Engine
from bot.replies import Action, Incoming, Reply
from bot.storage.models import OutboxMessage

log = logging.getLogger("kombot.slack")
MENTION = re.compile(r"<@[A-Z0-9]+>")
BUTTONS_PER_BLOCK = 5


def escape(text: str) -> str:
    """User and knowledge text as plain text: no <!channel>, no <@U…> mentions, no links."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def blocks(replies: list[Reply]) -> list[dict]:
    out: list[dict] = []
    for reply in replies:
        text = escape(reply.text)
        if reply.title:
            text = f"*{escape(reply.title)}*\n{text}"
        out.append({"type": "section", "text": {"type": "mrkdwn", "text": text[:3000]}})
        if reply.source:
            out.append(
                {
                    "type": "context",
                    "elements": [{"type": "mrkdwn", "text": escape(reply.source)[:2000]}],
                }
            )
        for start in range(0, len(reply.choices), BUTTONS_PER_BLOCK):
            chunk = reply.choices[start : start + BUTTONS_PER_BLOCK]
            out.append(
                {
                    "type": "actions",
                    "elements": [
                        {
                            "type": "button",
                            "action_id": f"kombot:{start + i}",
                            "text": {"type": "plain_text", "text": choice.label[:75]},
                            "value": actions.encode(choice.action),
                        }
                        for i, choice in enumerate(chunk)
                    ],
                }
            )
    return out


def fallback_text(replies: list[Reply]) -> str:
    return escape("\n\n".join(r.text for r in replies))[:3000]


class SlackChannel:
    def __init__(self, settings: Settings, engine: Callable[[], Engine]):
        self.settings = settings
        self.engine = engine
        client = AsyncWebClient(token=settings.slack_bot_token, base_url=settings.slack_api_url)
        client.retry_handlers.append(AsyncRateLimitErrorRetryHandler(max_retry_count=3))
        self.client = client
        self.app = AsyncApp(client=client, signing_secret=settings.slack_signing_secret)
        self.verifier = SignatureVerifier(settings.slack_signing_secret)
        self._emails: dict[str, str] = {}
        self._register()

    async def handle(self, request):
        """aiohttp handler for POST /slack/events. The signature is checked on the raw
        bytes before anything parses them: an unsigned or malformed request gets 401."""
        if not self._signed(await request.read(), request.headers):
            return web.Response(status=401, text="invalid request signature")
        try:
            bolt_request = await to_bolt_request(request)  # parses the body
        except ValueError:
            return web.Response(status=400, text="malformed request body")
        bolt_response = await self.app.async_dispatch(bolt_request)
        return await to_aiohttp_response(bolt_response)

    def _signed(self, body: bytes, headers) -> bool:
        timestamp = headers.get("X-Slack-Request-Timestamp", "")
        signature = headers.get("X-Slack-Signature", "")
        if not timestamp.isdigit() or not signature:
            return False
        return self.verifier.is_valid(body, timestamp, signature)

    # --- from Slack ----------------------------------------------------------------------
    def _register(self) -> None:
        app = self.app

        @app.event("message")
        async def on_message(event, body):
            if event.get("bot_id") or event.get("subtype") or event.get("channel_type") != "im":
                return
            replies = await self._handle(
                body,
                event["user"],
                event.get("text", ""),
                message_id=event.get("client_msg_id") or event["ts"],
            )
            await self._post(event["channel"], replies)

        @app.event("app_mention")
        async def on_mention(event, body):
            text = MENTION.sub("", event.get("text", "")).strip()
            replies = await self._handle(
                body, event["user"], text, message_id=body.get("event_id") or event["ts"]
            )
            await self._post(event["channel"], replies, thread_ts=event.get("ts"))

        @app.command("/kom")
        async def on_command(ack, command, respond):
            await ack()
            replies = await self._handle(
                command,
                command["user_id"],
                command.get("text", ""),
                message_id=command.get("trigger_id"),
            )
            await respond(
                text=fallback_text(replies), blocks=blocks(replies), response_type="ephemeral"
            )

        @app.action(re.compile(r"^kombot:"))
        async def on_button(ack, body, respond):
            await ack()
            action = actions.decode(body["actions"][0].get("value"))
            if action is None:
                return
            replies = await self._handle(body, body["user"]["id"], "", action=action)
            await respond(
                text=fallback_text(replies), blocks=blocks(replies), replace_original=False
            )

        @app.event("app_home_opened")
        async def on_home(event, body):
            await self._publish_home(body, event["user"])

    async def _handle(
        self, body: dict, slack_user: str, text: str, message_id=None, action=None
    ) -> list[Reply]:
        engine = self.engine()
        org = self.settings.slack_workspaces.get(
            body.get("team_id") or body.get("team", {}).get("id", ""), self.settings.org
        )
        user = await self.identity(engine, org, slack_user)
        incoming = Incoming(
            text=text, org=org, user=user, channel="slack", action=action, message_id=message_id
        )
        return await asyncio.to_thread(engine.handle, incoming)

    async def identity(self, engine: Engine, org: str, slack_user: str) -> str:
        """The person's e-mail: from the directory, else from users.info (cached)."""
        if slack_user in self._emails:
            return self._emails[slack_user]
        for person in engine.knowledge.org(org).directory.people:
            if person.slack_id == slack_user:
                self._emails[slack_user] = person.email
                return person.email
        email = f"slack:{slack_user}"
        try:
            info = await self.client.users_info(user=slack_user)
            email = info["user"]["profile"].get("email") or email
        except Exception as exc:  # an unknown user still gets answers
            log.warning("users.info failed for a user: %s", type(exc).__name__)
        self._emails[slack_user] = email.lower()
        return self._emails[slack_user]

    async def _post(self, channel: str, replies: list[Reply], thread_ts: str | None = None):
        if replies:
            await self.client.chat_postMessage(
                channel=channel,
                text=fallback_text(replies),
                blocks=blocks(replies),
                thread_ts=thread_ts,
            )

    async def _publish_home(self, body: dict, slack_user: str) -> None:
        """App Home: my requests and queue, and, for a leader, my goals and reminders."""
        replies = await self._handle(body, slack_user, "mine sager")
        replies += await self._handle(body, slack_user, "", action=Action("goals_show", "", None))
        await self.client.views_publish(
            user_id=slack_user, view={"type": "home", "blocks": blocks(replies)}
        )

    # --- to Slack (the outbox) ---------------------------------------------------------------
    def reaches(self, engine: Engine, row: OutboxMessage) -> str | None:
        """The Slack user id for an outbox row's recipient, if they use Slack."""
        person = engine.knowledge.org(row.org).directory.person(row.recipient)
        if person is not None and person.slack_id:
            return person.slack_id
        return next((sid for sid, email in self._emails.items() if email == row.recipient), None)

    async def deliver(self, slack_user: str, row: OutboxMessage) -> None:
        reply = actions.payload_reply(row.payload)
        await self.client.chat_postMessage(
            channel=slack_user, text=fallback_text([reply]), blocks=blocks([reply])
        )
