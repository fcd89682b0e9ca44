"""Slack: events into the inbox, stored requests into `Incoming`, replies into Block Kit.

Intake is the whole of the HTTP request: the signature is checked, the event, command or
button press is committed to the inbox, and only then acknowledged (bolt's
`process_before_response`, so the 200 waits for the commit; an insert takes milliseconds).
A worker answers later from the inbox. The Slack ids (client message id, event id, trigger
id) are the inbox keys, so a retry or a second replica never answers twice.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable

import aiohttp
from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp
from slack_bolt.request.internals import parse_body
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.channels import actions
from bot.channels.slack_lookup import SlackIds
from bot.channels.slack_shapes import well_formed
from bot.config import Settings
from bot.engine import Engine
from bot.replies import Action, Incoming, Reply
from bot.runtime.answering import Accept, Prepared, Route
from bot.storage.models import OutboxMessage

log = logging.getLogger("kombot.slack")
MENTION = re.compile(r"<@[A-Z0-9]+>")
BUTTONS_PER_BLOCK = 5
TIMEOUT = 10  # seconds, for each Web API call


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
    def __init__(self, settings: Settings, engine: Callable[[], Engine], accept: Accept):
        self.settings = settings
        self.engine = engine
        self.accept = accept
        client = AsyncWebClient(
            token=settings.slack_bot_token, base_url=settings.slack_api_url, timeout=TIMEOUT
        )
        client.retry_handlers.append(AsyncRateLimitErrorRetryHandler(max_retry_count=3))
        self.client = client
        self.app = AsyncApp(
            client=client,
            signing_secret=settings.slack_signing_secret,
            process_before_response=True,  # ack only once the inbox row is committed
        )
        self.verifier = SignatureVerifier(settings.slack_signing_secret)
        self._emails: dict[str, str] = {}
        self.ids = SlackIds(client)
        self._register()

    async def open(self) -> None:
        """One HTTP session for every Web API call (not a new connection per message)."""
        self.client.session = aiohttp.ClientSession()

    async def close(self) -> None:
        if self.client.session is not None:
            await self.client.session.close()
            self.client.session = None

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

    # --- from Slack: into the inbox --------------------------------------------------------
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

    # --- from the inbox: to the engine ------------------------------------------------------
    def route(self, engine: Engine, payload: dict) -> Route:
        org = self.settings.slack_workspaces.get(payload.get("team", ""), self.settings.org)
        return Route(org, {"platform": "slack", **payload["to"]})

    async def prepare(self, engine: Engine, payload: dict, key: str) -> Prepared:
        route = self.route(engine, payload)
        user = await self.identity(engine, route.org, payload["user"])

        def incoming(text: str = "", action: Action | None = None) -> Incoming:
            return Incoming(
                text=text,
                org=route.org,
                user=user,
                channel="slack",
                action=action,
                message_id=key.removeprefix("slack:"),
            )

        kind = payload["kind"]
        if kind == "home":  # my requests and queue, and a leader's goals
            incomings = [incoming(action=Action("home"))]
        elif kind == "button":
            action = actions.decode(payload.get("value")) or actions.UNREADABLE
            incomings = [incoming(action=action)]
        else:
            incomings = [incoming(payload.get("text") or "")]
        return Prepared(route, user, incomings)

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

    # --- to Slack (the outbox) ---------------------------------------------------------------
    async def reaches(self, engine: Engine, row: OutboxMessage) -> str | None:
        """The Slack user id for an outbox row's recipient, if they use Slack: from the
        directory, from someone who wrote to the bot, else looked up by e-mail."""
        person = engine.knowledge.org(row.org).directory.person(row.recipient)
        if person is not None and person.slack_id:
            return person.slack_id
        wrote = next((sid for sid, email in self._emails.items() if email == row.recipient), None)
        if wrote is not None or "@" not in row.recipient or ":" in row.recipient:
            return wrote
        return await self.ids.of(row.recipient)

    async def deliver(self, slack_user: str, replies: list[Reply]) -> dict:
        """Post to a person (their DM) or a channel; where the message landed."""
        response = await self.client.chat_postMessage(
            channel=slack_user, text=fallback_text(replies), blocks=blocks(replies)
        )
        return {"channel": response["channel"], "ts": response["ts"]}

    async def update(self, message: dict, replies: list[Reply]) -> None:
        """Rewrite a message posted before, for everyone who sees it."""
        await self.client.chat_update(
            channel=message["channel"],
            ts=message["ts"],
            text=fallback_text(replies),
            blocks=blocks(replies),
        )

    async def reply(self, to: dict, replies: list[Reply]) -> None:
        """Where the request came from: the DM or thread, the App Home, or the
        response_url of a command or button (then the channel, if that has expired)."""
        if "home" in to:
            await self.client.views_publish(
                user_id=to["home"], view={"type": "home", "blocks": blocks(replies)}
            )
            return
        if to.get("response_url"):
            webhook = AsyncWebhookClient(
                to["response_url"], timeout=TIMEOUT, session=self.client.session
            )
            response = await webhook.send(
                text=fallback_text(replies),
                blocks=blocks(replies),
                response_type="ephemeral" if to.get("ephemeral") else None,
                replace_original=bool(to.get("replace")),
            )
            if response.status_code == 200:
                return
            log.warning("response_url answered %s; posting instead", response.status_code)
            if not to.get("channel"):
                raise RuntimeError(f"response_url failed with {response.status_code}")
        await self.client.chat_postMessage(
            channel=to["channel"],
            text=fallback_text(replies),
            blocks=blocks(replies),
            thread_ts=to.get("thread_ts"),
        )
