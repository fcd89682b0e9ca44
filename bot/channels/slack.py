"""Slack out: stored requests into `Incoming`, replies into Block Kit through the Web API.

This side needs slack_sdk only. Requests come in through `slack_intake.py` (slack-bolt),
which only a process that takes requests in builds.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import aiohttp
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.channels import actions
from bot.channels.slack_lookup import SlackIds
from bot.config import Settings
from bot.engine import Engine
from bot.replies import Action, Incoming, Reply
from bot.runtime.answering import Prepared, Route
from bot.storage.models import OutboxMessage

log = logging.getLogger("kombot.slack")
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


def web_client(settings: Settings) -> AsyncWebClient:
    client = AsyncWebClient(
        token=settings.slack_bot_token, base_url=settings.slack_api_url, timeout=TIMEOUT
    )
    client.retry_handlers.append(AsyncRateLimitErrorRetryHandler(max_retry_count=3))
    return client


class SlackChannel:
    def __init__(self, settings: Settings, engine: Callable[[], Engine]):
        self.settings = settings
        self.engine = engine
        self.client = web_client(settings)
        self._emails: dict[str, str] = {}
        self.ids = SlackIds(self.client)

    async def open(self) -> None:
        """One HTTP session for every Web API call (not a new connection per message)."""
        self.client.session = aiohttp.ClientSession()

    async def close(self) -> None:
        if self.client.session is not None:
            await self.client.session.close()
            self.client.session = None

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
