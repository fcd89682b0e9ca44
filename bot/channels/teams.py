"""Microsoft Teams through botbuilder's CloudAdapter: translate activities into
`Incoming`, replies into Adaptive Cards. Nothing else.

The Python Bot Framework SDK is archived upstream; everything Teams-specific lives in this
module, so moving to the Microsoft 365 Agents SDK replaces this file only.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from types import SimpleNamespace

import jwt
from aiohttp import web
from botbuilder.core import ActivityHandler, CardFactory, MessageFactory, TurnContext
from botbuilder.integration.aiohttp import (
    CloudAdapter,
    ConfigurationBotFrameworkAuthentication,
)
from botbuilder.schema import ConversationReference
from sqlalchemy import select

from bot.channels import actions
from bot.config import Settings
from bot.engine import Engine
from bot.replies import Incoming, Reply
from bot.storage.models import ConversationRef, OutboxMessage
from bot.tickets.routing import TEAMS_CHANNEL

log = logging.getLogger("kombot.teams")


def card(replies: list[Reply]) -> dict:
    body: list[dict] = []
    buttons: list[dict] = []
    for reply in replies:
        if reply.title:
            body.append(
                {"type": "TextBlock", "text": reply.title, "weight": "Bolder", "wrap": True}
            )
        body.append({"type": "TextBlock", "text": reply.text, "wrap": True})
        if reply.source:
            body.append(
                {
                    "type": "TextBlock",
                    "text": reply.source,
                    "isSubtle": True,
                    "size": "Small",
                    "wrap": True,
                }
            )
        buttons += [
            {
                "type": "Action.Submit",
                "title": choice.label[:80],
                "data": {"kombot": actions.encode(choice.action)},
            }
            for choice in reply.choices
        ]
    return {
        "type": "AdaptiveCard",
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "version": "1.4",
        "body": body,
        "actions": buttons,
    }


def _well_formed_bearer(header: str) -> bool:
    """A bearer token that at least parses as a JWT; botbuilder validates it fully.
    (Malformed ones are refused here, as 401, before any key is fetched.)"""
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        return False
    try:
        jwt.get_unverified_header(token)
    except jwt.PyJWTError:
        return False
    return True


class KombotTeamsBot(ActivityHandler):
    def __init__(self, channel: TeamsChannel):
        self.channel = channel

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        activity = turn_context.activity
        engine = self.channel.engine()
        org, user = self.channel.who(engine, activity)
        await asyncio.to_thread(self.channel.remember, engine, turn_context, org, user)
        action = None
        if isinstance(activity.value, dict) and "kombot" in activity.value:
            action = actions.decode(activity.value["kombot"])
        text = (TurnContext.remove_recipient_mention(activity) or "").strip()
        incoming = Incoming(
            text=text if action is None else "",
            org=org,
            user=user,
            channel="teams",
            action=action,
            message_id=activity.id,
        )
        replies = await asyncio.to_thread(engine.handle, incoming)
        if replies:
            await turn_context.send_activity(
                MessageFactory.attachment(CardFactory.adaptive_card(card(replies)))
            )

    async def on_installation_update_add(self, turn_context: TurnContext) -> None:
        engine = self.channel.engine()
        org, user = self.channel.who(engine, turn_context.activity)
        await asyncio.to_thread(self.channel.remember, engine, turn_context, org, user)


class TeamsChannel:
    def __init__(self, settings: Settings, engine: Callable[[], Engine]):
        self.settings = settings
        self.engine = engine
        self.app_id = settings.teams_app_id or ""
        config = SimpleNamespace(
            APP_ID=self.app_id,
            APP_PASSWORD=settings.teams_app_password or "",
            APP_TYPE=settings.teams_app_type,
            APP_TENANTID=settings.teams_app_tenant_id,
        )
        self.adapter = CloudAdapter(ConfigurationBotFrameworkAuthentication(config))
        self.adapter.on_turn_error = self._on_error
        self.bot = KombotTeamsBot(self)

    async def handle(self, request: web.Request) -> web.Response:
        """aiohttp handler for POST /api/messages."""
        if "application/json" not in request.headers.get("Content-Type", ""):
            return web.Response(status=415, text="application/json expected")
        if self.app_id and not _well_formed_bearer(request.headers.get("Authorization", "")):
            return web.Response(status=401, text="unauthorized")
        try:
            response = await self.adapter.process(request, self.bot)
        except (jwt.PyJWTError, PermissionError):  # a malformed or foreign token
            return web.Response(status=401, text="unauthorized")
        return response or web.Response(status=201)

    async def _on_error(self, turn_context: TurnContext, error: Exception) -> None:
        log.error("teams turn failed: %s", type(error).__name__, exc_info=error)

    def who(self, engine: Engine, activity) -> tuple[str, str]:
        tenant = (activity.channel_data or {}).get("tenant", {}).get("id") or (
            activity.conversation.additional_properties or {}
        ).get("tenantId")
        org = self.settings.teams_tenants.get(tenant or "", self.settings.org)
        aad = activity.from_property.aad_object_id or activity.from_property.id
        for person in engine.knowledge.org(org).directory.people:
            if person.teams_id and person.teams_id == aad:
                return org, person.email
        return org, f"teams:{aad}"

    def remember(self, engine: Engine, turn_context: TurnContext, org: str, user: str) -> None:
        """Keep where to reach this person proactively (refreshed on every message); in a
        team's channel, the channel too (a function's triage channel)."""
        activity = turn_context.activity
        if activity.conversation.conversation_type == "channel":
            channel_id = activity.conversation.id.split(";")[0]
            self._store(engine, turn_context, org, TEAMS_CHANNEL + channel_id)
        self._store(engine, turn_context, org, user)

    def _store(self, engine: Engine, turn_context: TurnContext, org: str, user: str) -> None:
        activity = turn_context.activity
        reference = TurnContext.get_conversation_reference(activity).serialize()
        tenant = (activity.channel_data or {}).get("tenant", {}).get("id") or (
            activity.conversation.additional_properties or {}
        ).get("tenantId")
        now = engine.desk.clock.now()
        with engine.desk.sessions.begin() as session:
            row = session.scalar(
                select(ConversationRef).where(
                    ConversationRef.channel == "teams", ConversationRef.user == user
                )
            )
            if row is None:
                session.add(
                    ConversationRef(
                        channel="teams",
                        user=user,
                        org=org,
                        reference=reference,
                        tenant_id=tenant,
                        updated_at=now,
                    )
                )
            else:
                row.reference, row.tenant_id, row.org, row.updated_at = (
                    reference,
                    tenant,
                    org,
                    now,
                )

    def reaches(self, engine: Engine, row: OutboxMessage) -> ConversationRef | None:
        with engine.desk.sessions() as session:
            return session.scalar(
                select(ConversationRef).where(
                    ConversationRef.channel == "teams", ConversationRef.user == row.recipient
                )
            )

    async def deliver(self, target: ConversationRef, row: OutboxMessage) -> None:
        reference = ConversationReference().deserialize(target.reference)
        reference.conversation.tenant_id = target.tenant_id
        reply = actions.payload_reply(row.payload)

        async def send(turn_context: TurnContext) -> None:
            await turn_context.send_activity(
                MessageFactory.attachment(CardFactory.adaptive_card(card([reply])))
            )

        await self.adapter.continue_conversation(reference, send, bot_app_id=self.app_id)
